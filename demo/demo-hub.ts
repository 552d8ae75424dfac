import { generateKeyPairSync } from 'node:crypto';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueParticipantCertificate } from '../gateway/hub/hub-pki.js';
import { createLogger } from '../gateway/observability/logger.js';
import { issueFromCsr } from '../gateway/pki/certificate-issuer.js';
import { createCsr } from '../gateway/pki/csr.js';
import { packageRoot } from '../gateway/package-paths.js';
import { kyivDate } from '../gateway/registry/registry.js';
import { startHubServer, type RunningHub } from '../gateway/server/hub-server.js';
import type { ClientIdentity } from './hub-client.js';
import { AGENCIES, CONTACT_CENTER, type AgencyKey } from './demo-participants.js';

/**
 * The demo's hub settings, written to `<data>/demo-config.json` and named by VKHID_CONFIG: the worker polls
 * often and retries soon (a flaky agency's retries happen within the demo's minute rather than the production
 * 5 s, 10 s, 20 s...), a delivery that hangs is given up after 1.5 s, drop folders are scanned every 50 ms.
 */
const DEMO_CONFIG = {
  delivery: { batch: 32, pollMs: 20, timeoutMs: 1500, perRecipientConcurrency: 8 },
  fileDrop: { pollMs: 50, refreshMs: 200, settleMs: 0, retryDelayMs: 0 },
  retry: { baseDelayMs: 150, factor: 2, maxDelayMs: 1500, jitter: 0.2, maxAgeHours: 72 },
};

export const HUB_LOG = 'demo-hub.log';

/** Starts the hub in `dataDir` (created and initialised on first start) on an ephemeral port. */
export async function startDemoHub(dataDir: string): Promise<RunningHub> {
  const configPath = join(dataDir, 'demo-config.json');
  writeFileSync(configPath, `${JSON.stringify(DEMO_CONFIG, null, 2)}\n`);
  process.env.VKHID_CONFIG = configPath;
  // The hub's own log lines go to a file beside its database: the terminal shows the demo's progress.
  const logger = createLogger({ level: 'info', destination: createWriteStream(join(dataDir, HUB_LOG)) });
  return startHubServer({
    dataDir,
    port: 0,
    host: '127.0.0.1',
    logger,
    delivery: {
      pollMs: DEMO_CONFIG.delivery.pollMs,
      batch: DEMO_CONFIG.delivery.batch,
      timeoutMs: DEMO_CONFIG.delivery.timeoutMs,
    },
    fileDrop: {
      intervalMs: DEMO_CONFIG.fileDrop.pollMs,
      refreshMs: DEMO_CONFIG.fileDrop.refreshMs,
      transport: { settleMs: 0, retryDelayMs: 0 },
    },
  });
}

export function hubCaPem(running: RunningHub): string {
  return readFileSync(join(running.hub.config.dataDir, 'pki', 'ca.pem'), 'utf8');
}

function exampleSettings(adapter: string): Record<string, unknown> {
  return JSON.parse(
    readFileSync(join(packageRoot, 'adapters', adapter, 'example-settings.json'), 'utf8'),
  ) as Record<string, unknown>;
}

/**
 * Registers the contact center and the three agencies as an administrator would (`vkhid participant add`,
 * `memorandum add`, `participant activate`): each agency with its adapter, the example settings and its
 * endpoint; memoranda in force from today, for citizens' appeals and public-information requests.
 */
export async function registerParticipants(
  running: RunningHub,
  endpoints: Readonly<Record<AgencyKey, string>>,
): Promise<void> {
  const { registry } = running.hub;
  const actor = 'demo:setup';
  const today = kyivDate(new Date());
  const participants = [
    { code: CONTACT_CENTER.code, fullName: CONTACT_CENTER.name, kind: 'contact-center' as const },
    ...Object.values(AGENCIES).map((agency) => ({
      code: agency.code,
      fullName: agency.name,
      kind: 'agency' as const,
      endpoints: [endpoints[agency.key]],
      adapter: agency.adapter,
      adapterSettings: exampleSettings(agency.adapter),
    })),
  ];
  for (const participant of participants) {
    await registry.addParticipant(participant, actor);
    await registry.addMemorandum(
      {
        participantCode: participant.code,
        number: `М-${participant.code}/DEMO`,
        signedOn: today,
        effectiveFrom: today,
        // Both kinds of the batch: an exchange needs a memorandum covering its kind on either side.
        scopeKinds: ['appeal', 'public-info'],
      },
      actor,
    );
    await registry.setParticipantStatus(participant.code, 'active', 'demo: connected', actor);
  }
}

/** A key and the certificate the hub CA issued for it (PEM). */
export type KeyAndCertificate = ClientIdentity;

function newKey(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

/** A participant's certificate (TLS client or signing), issued by the hub from the participant's CSR. */
export async function issueIdentity(
  running: RunningHub,
  code: string,
  usage: 'sign' | 'tls',
): Promise<KeyAndCertificate> {
  const privateKeyPem = newKey();
  const csr = await createCsr({ privateKeyPem, commonName: `${usage} ${code}` });
  const record = await issueParticipantCertificate(
    running.hub,
    csr,
    { participantCode: code, usage },
    'demo:setup',
  );
  return { privateKeyPem, certificatePem: record.pem };
}

/**
 * An agency EDMS's server certificate for 127.0.0.1, from the hub CA (the demo's agencies have no CA of their
 * own): the hub checks it like any endpoint's.
 */
export async function issueServerIdentity(running: RunningHub, code: string): Promise<KeyAndCertificate> {
  const dataDir = running.hub.config.dataDir;
  const privateKeyPem = newKey();
  const issued = await issueFromCsr(
    {
      certificatePem: hubCaPem(running),
      privateKeyPem: readFileSync(join(dataDir, 'pki', 'ca.key'), 'utf8'),
    },
    await createCsr({ privateKeyPem, commonName: `edms.${code}.demo` }),
    { participantCode: code, usage: 'tls', validityDays: 30, hostnames: ['127.0.0.1'] },
  );
  return { privateKeyPem, certificatePem: issued.certificatePem };
}
