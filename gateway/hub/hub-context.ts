import type { Appeal } from '../envelope/envelope-model.js';
import { HubReceiptSigner } from '../intake/receipt-signer.js';
import { repeatKeyOf } from '../reports/repeat-key.js';
import { trackingKey } from '../tracking/access-code.js';
import { RedirectForwarder } from '../tracking/redirect-forwarder.js';
import { X509Certificate } from 'node:crypto';
import { sharedBuiltinAdapters } from '../adapters/builtin-adapters.js';
import { loadHubConfig, type HubConfig } from '../config/hub-config.js';
import { ledgerMigrations } from '../ledger/ledger-migrations.js';
import { WorkingCalendar } from '../deadlines/working-calendar.js';
import { AppealTracker } from '../tracking/appeal-tracker.js';
import { trackingMigrations } from '../tracking/tracking-migrations.js';
import { MessageStore } from '../queue/message-store.js';
import { queueMigrations } from '../queue/queue-migrations.js';
import { Registry } from '../registry/registry.js';
import { registryMigrations } from '../registry/registry-migrations.js';
import { RegistryTrustStore } from '../registry/registry-trust-store.js';
import { PostgresDialect } from '../store/postgres-dialect.js';
import { SqliteDialect } from '../store/sqlite-dialect.js';
import { Store } from '../store/store.js';
import type { CertificateRecord, CertificateRole } from '../registry/registry-model.js';
import { HubHome } from './hub-home.js';

/** Everything a command or the server needs: configuration, the store, the registry, the hub's files. */
export interface HubContext {
  readonly config: HubConfig;
  readonly home: HubHome;
  readonly store: Store;
  readonly registry: Registry;
  readonly trustStore: RegistryTrustStore;
  /** Accepted messages and their delivery jobs (POST /v1/messages writes them). */
  readonly messages: MessageStore;
  /** Appeals' lifecycles and statutory deadlines, kept as messages about them are accepted and delivered. */
  readonly tracker: AppealTracker;
  close(): Promise<void>;
}

export interface OpenHubOptions {
  readonly dataDir?: string;
  readonly now?: () => Date;
}

/** The hub's schema: every module's migrations, in version order (registry 1, queue 2–3, ledger 4, tracking 5–6). */
export const hubMigrations = [
  ...registryMigrations,
  ...queueMigrations,
  ...ledgerMigrations,
  ...trackingMigrations,
];

/** Opens the store in the data directory (migrating it) and wires the registry on top. */
export async function openHub(options: OpenHubOptions = {}): Promise<HubContext> {
  const config = loadHubConfig(options.dataDir === undefined ? {} : { dataDir: options.dataDir });
  const dialect =
    config.store.url === null
      ? new SqliteDialect({ dataDirectory: config.dataDir })
      : new PostgresDialect({ url: config.store.url });
  const store = await Store.open(dialect, {
    migrations: hubMigrations,
  });
  const registry = new Registry(store, options.now);
  registry.checkAdapter = (name, settings) => void sharedBuiltinAdapters().create(name, settings);
  const home = new HubHome(config.dataDir);
  let secret: Buffer | undefined;
  // Read on the first appeal, not at open: commands that never register one do not create the secret.
  const repeatKey = (appeal: Appeal): string => repeatKeyOf((secret ??= trackingKey(home)), appeal);
  const forwarder = new RedirectForwarder(registry, new HubReceiptSigner({ config, home }), config.hub.code);
  return {
    config,
    home,
    store,
    registry,
    trustStore: new RegistryTrustStore(registry),
    messages: new MessageStore(store),
    tracker: new AppealTracker(WorkingCalendar.load(), { forwarder, repeatKey }),
    close: () => store.close(),
  };
}

/** The registry record of a certificate (fingerprint, serial, names and validity read from the certificate itself). */
export function certificateRecord(
  pem: string,
  fields: { role: CertificateRole; participantCode: string | null; issuedByHub: boolean; createdAt: string },
): CertificateRecord {
  const certificate = new X509Certificate(pem);
  return {
    fingerprint: certificate.fingerprint256,
    serialNumber: certificate.serialNumber.toUpperCase(),
    issuer: certificate.issuer.replace(/\n/g, ', '),
    subject: certificate.subject.replace(/\n/g, ', '),
    participantCode: fields.participantCode,
    role: fields.role,
    pem: certificate.toString(),
    notBefore: new Date(certificate.validFrom).toISOString(),
    notAfter: new Date(certificate.validTo).toISOString(),
    status: 'active',
    overlapUntil: null,
    revokedAt: null,
    revocationReason: null,
    issuedByHub: fields.issuedByHub,
    createdAt: fields.createdAt,
  };
}
