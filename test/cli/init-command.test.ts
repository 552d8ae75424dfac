/**
 * `vkhid init`: creates the hub CA and the hub's certificates once per data directory.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  json,
  ok,
  openssl,
  removeTemporaryDirectories,
  temporaryDirectory,
  vkhid,
} from './fixtures/hub-cli.js';
import { expectStderrRefusal } from './fixtures/run-vkhid.js';
import { expectJsonError } from './fixtures/hub-cli.js';

interface InitFile {
  certificate: string;
  key: string;
  subject: string;
  serialNumber: string;
  fingerprint: string;
  notAfter: string;
}

describe('vkhid init (CLI)', function () {
  this.timeout(120_000);

  after(removeTemporaryDirectories);

  it('creates the CA and the hub certificates, prints their paths, fingerprints and not-after; a second run refuses', async () => {
    const data = join(temporaryDirectory(), 'data');
    const run = ok(await vkhid(data, 'init'));
    for (const name of ['ca.pem', 'ca.key', 'hub-sign.pem', 'hub-sign.key', 'hub-tls.pem', 'hub-tls.key']) {
      assert.ok(run.stdout.includes(join(data, 'pki', name)), `${name} is named`);
    }
    assert.match(run.stdout, /^initialised the hub in /);
    assert.match(run.stdout, /fingerprint {2}([0-9A-F]{2}:){31}[0-9A-F]{2}/);
    assert.match(run.stdout, /not after {4}\d{4}-\d{2}-\d{2}T/);
    for (const key of ['ca.key', 'hub-sign.key', 'hub-tls.key'])
      assert.equal(statSync(join(data, 'pki', key)).mode & 0o777, 0o600);
    // openssl agrees: the hub certificates chain to the CA.
    assert.match(
      openssl(['verify', '-CAfile', join(data, 'pki', 'ca.pem'), join(data, 'pki', 'hub-sign.pem')], data),
      /OK/,
    );

    const caBefore = readFileSync(join(data, 'pki', 'ca.pem'), 'utf8');
    expectStderrRefusal(await vkhid(data, 'init'), 'HUB_ALREADY_INITIALISED');
    expectJsonError(await vkhid(data, 'init', '--json'), 'HUB_ALREADY_INITIALISED');
    assert.equal(readFileSync(join(data, 'pki', 'ca.pem'), 'utf8'), caBefore, 'the CA is untouched');
    // The registry holds the three certificates, once.
    const listed = json<{ certificates: { role: string }[] }>(
      ok(await vkhid(data, 'cert', 'list', '--json')),
    );
    assert.deepEqual(listed.certificates.map((c) => c.role).sort(), ['hub-ca', 'hub-sign', 'hub-tls']);
  });

  it('--json prints one object: the data directory and, for the CA, signing and TLS, the files and certificate facts', async () => {
    const data = join(temporaryDirectory(), 'data');
    const result = json<{ ok: boolean; dataDir: string; ca: InitFile; signing: InitFile; tls: InitFile }>(
      ok(await vkhid(data, 'init', '--json')),
    );
    assert.equal(result.ok, true);
    assert.equal(result.dataDir, data);
    for (const [name, file] of [
      ['ca', result.ca],
      ['hub-sign', result.signing],
      ['hub-tls', result.tls],
    ] as const) {
      assert.equal(file.certificate, join(data, 'pki', `${name}.pem`));
      assert.equal(file.key, join(data, 'pki', `${name}.key`));
      const fingerprint = openssl(
        ['x509', '-in', file.certificate, '-noout', '-fingerprint', '-sha256'],
        data,
      );
      assert.ok(fingerprint.includes(file.fingerprint), `${name}: ${fingerprint} vs ${file.fingerprint}`);
      assert.ok(Date.parse(file.notAfter) > Date.now());
    }
    assert.match(result.signing.subject, /serialNumber=\d{8}/);
  });
});
