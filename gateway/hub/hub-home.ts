import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VkhidError } from '../errors/vkhid-error.js';

/**
 * The hub's files in the data directory. The database holds the registry; the keys live beside it as files
 * readable by the hub's user only (0600), so a database backup never carries a private key.
 *
 *   <data>/vkhid.sqlite           the store
 *   <data>/pki/ca.pem, ca.key     the hub CA
 *   <data>/pki/hub-sign.pem, .key the hub's envelope-signing certificate
 *   <data>/pki/hub-tls.pem, .key  the hub's TLS server and client certificate
 */
export class HubHome {
  readonly pkiDirectory: string;

  constructor(readonly dataDirectory: string) {
    this.pkiDirectory = join(dataDirectory, 'pki');
  }

  get initialised(): boolean {
    return existsSync(this.path('ca.pem')) && existsSync(this.path('ca.key'));
  }

  path(name: 'ca.pem' | 'ca.key' | 'hub-sign.pem' | 'hub-sign.key' | 'hub-tls.pem' | 'hub-tls.key'): string {
    return join(this.pkiDirectory, name);
  }

  read(name: Parameters<HubHome['path']>[0]): string {
    if (!this.initialised) throw new VkhidError('HUB_NOT_INITIALISED', { args: [this.dataDirectory] });
    return readFileSync(this.path(name), 'utf8');
  }

  /** Writes a file; private keys get mode 0600 (and never overwrite: losing the CA key is unrecoverable). */
  write(name: Parameters<HubHome['path']>[0], content: string): void {
    mkdirSync(this.pkiDirectory, { recursive: true, mode: 0o700 });
    const isKey = name.endsWith('.key');
    writeFileSync(this.path(name), content, { mode: isKey ? 0o600 : 0o644, flag: isKey ? 'wx' : 'w' });
    if (isKey) chmodSync(this.path(name), 0o600);
  }
}
