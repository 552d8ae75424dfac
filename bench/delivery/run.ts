/**
 * Delivery benchmark (issue #4): signed 4 KB appeals posted by several concurrent clients to a hub running as
 * its own process (`vkhid serve`, SQLite, as the README starts it), delivered by the hub to three local agency
 * endpoints. Prints accepted/s, delivered/s, latency from acceptance (the client's 202) to delivery (the
 * agency's endpoint reading it), and the ratio to the raw cost of the cryptography the hub does per message.
 *
 * Every step the hub takes is the production path: mutual TLS, the full verification of each envelope (XSD,
 * trust store, path validation), the store transaction with its delivery job (WAL, synchronous=FULL), the
 * signed receipt, the push over mutual TLS and the verification of the agency's signed receipt. The agencies
 * here sign their receipts but do not verify what they get (they would in production; here it would only
 * measure the agencies), and the documents are signed before the clock starts (the senders' cost).
 *
 * `npm run bench:delivery [-- --messages N --clients N --update-readme]`. The last two lines are
 * `delivered/s: N` and `p99 ms: N`. It also checks, and fails if not, that every accepted message reached its
 * agency exactly once and that the hub's queue is empty at the end.
 */
import { sign, verify, createPrivateKey, createPublicKey } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DeliveryQueue } from '../../gateway/queue/delivery-queue.js';
import { packageRoot } from '../../gateway/package-paths.js';
import { startHubServer } from '../../gateway/server/hub-server.js';
import {
  addParticipant,
  edrpou,
  quiet,
  type TestParticipant,
} from '../../test/intake/fixtures/intake-hub.js';
import { appealOfSize } from '../support/appeal-of-size.js';
import { startAgencyEndpoint, type AgencyEndpoint } from './agency-endpoint.js';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '10000' },
    clients: { type: 'string', default: '8' },
    'update-readme': { type: 'boolean', default: false },
  },
});
const MESSAGES = Number(args.messages);
const CLIENTS = Number(args.clients);
const CONTACT_CENTER = '00015622';
const AGENCIES = [edrpou('3747193'), edrpou('0002252'), edrpou('2630093')];

const printed: string[] = [];
const print = (line = ''): void => {
  printed.push(line);
  console.log(line);
};

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** The hub's settings for the run: a busy hub claims big batches and polls often (VKHID_CONFIG). */
const HUB_CONFIG = {
  delivery: { batch: 64, pollMs: 5, timeoutMs: 30_000, leaseMs: 60_000, perRecipientConcurrency: 32 },
};

const dataDir = mkdtempSync(join(tmpdir(), 'vkhid-bench-delivery-'));
const configPath = join(dataDir, 'bench-config.json');
writeFileSync(configPath, JSON.stringify(HUB_CONFIG));

// 1. Register the contact center and three agencies (keys and certificates), in-process, then stop.
const setup = await startHubServer({ dataDir, port: 0, logger: quiet, delivery: false });
const cc = await addParticipant(setup, CONTACT_CENTER, 'contact-center', ['appeal']);
const agencies: TestParticipant[] = [];
for (const code of AGENCIES) agencies.push(await addParticipant(setup, code, 'agency', ['appeal']));
const caPem = readFileSync(join(dataDir, 'pki', 'ca.pem'), 'utf8');
const endpoints: AgencyEndpoint[] = [];
for (const agency of agencies) {
  const endpoint = await startAgencyEndpoint(agency, dataDir);
  endpoints.push(endpoint);
  await setup.hub.registry.updateParticipant(agency.code, { endpoints: [endpoint.url] }, 'bench:setup');
}
await setup.stop();

// 2. The documents, signed by the contact center before the clock starts.
process.stdout.write(`signing ${MESSAGES} appeals of 4 KB ... `);
const documents = Array.from({ length: MESSAGES }, (_, i) => {
  const recipient = AGENCIES[i % AGENCIES.length] as string;
  const messageId = crypto.randomUUID();
  const xml = appealOfSize(4096, (envelope) => {
    envelope.header.messageId = messageId;
    envelope.header.sender = CONTACT_CENTER;
    envelope.header.recipient = recipient;
    envelope.header.tracking = `BENCH-${String(i).padStart(6, '0')}`;
    if (envelope.body.type === 'appeal') envelope.body.appeal.routing.target = recipient;
  });
  return { messageId, body: Buffer.from(cc.signEnvelope(xml), 'utf8') };
});
const sizes = documents.map((d) => d.body.length).sort((a, b) => a - b);
console.log(`done (median ${percentile(sizes, 50)} bytes)`);

// 3. The hub, as `vkhid serve`, in its own process.
const hub = spawn(
  process.execPath,
  [
    // BENCH_HUB_PROFILE=<dir>: a V8 CPU profile of the hub process, written when it stops.
    ...(process.env.BENCH_HUB_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_HUB_PROFILE] : []),
    '--import',
    'tsx',
    'gateway/cli/vkhid.ts',
    'serve',
    '--data',
    dataDir,
    '--port',
    '0',
  ],
  {
    cwd: packageRoot,
    env: { ...process.env, VKHID_CONFIG: configPath, LOG_LEVEL: 'warn', VKHID_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  },
);
let hubErr = '';
const hubUrl = await new Promise<string>((resolve, reject) => {
  hub.stderr.on('data', (chunk: Buffer) => {
    hubErr += chunk.toString('utf8');
    const match = /hub listening on (https:\/\/\S+)/.exec(hubErr);
    if (match) resolve(match[1] as string);
  });
  hub.once('exit', (code) => reject(new Error(`the hub exited (${String(code)}): ${hubErr}`)));
});
const hubOrigin = new URL(hubUrl);

// 4. Post from CLIENTS connections (keep-alive, mutual TLS), recording when each 202 came back.
const acceptedAt = new Map<string, number>();
const agent = new Agent({
  keepAlive: true,
  maxSockets: CLIENTS,
  ca: caPem,
  cert: cc.tls.certificatePem,
  key: cc.tls.privateKeyPem,
});
function postOne(body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hubOrigin.hostname,
        port: hubOrigin.port,
        path: '/v1/messages',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/xml', 'content-length': body.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
const allDelivered = Promise.all(
  endpoints.map((e, i) => e.waitFor(documents.filter((_, n) => n % AGENCIES.length === i).length)),
);
const started = performance.now();
let next = 0;
const refused: string[] = [];
await Promise.all(
  Array.from({ length: CLIENTS }, async () => {
    while (next < documents.length) {
      const document = documents[next++] as (typeof documents)[number];
      const status = await postOne(document.body);
      if (status === 202) acceptedAt.set(document.messageId, performance.now());
      else refused.push(`${document.messageId}: ${status}`);
    }
  }),
);
const acceptedDone = performance.now();
const timeout = setTimeout(() => {
  console.error('not everything was delivered within 10 minutes');
  hub.kill('SIGKILL');
  process.exit(1);
}, 600_000);
await allDelivered;
const deliveredDone = performance.now();
clearTimeout(timeout);
agent.destroy();

// 5. Stop the hub (SIGTERM: graceful) and check the queue is empty.
hub.kill('SIGTERM');
await new Promise((resolve) => hub.once('exit', resolve));
const check = await startHubServer({ dataDir, port: 0, logger: quiet, delivery: false });
const stats = await new DeliveryQueue(check.hub.store).stats();
await check.stop();
for (const endpoint of endpoints) await endpoint.close();

// 6. Figures.
const latencies: number[] = [];
let duplicates = 0;
for (const endpoint of endpoints) {
  duplicates += endpoint.duplicates;
  for (const [messageId, at] of endpoint.firstSeen) {
    const accepted = acceptedAt.get(messageId);
    if (accepted !== undefined) latencies.push(Math.max(0, at - accepted));
  }
}
latencies.sort((a, b) => a - b);
const delivered = endpoints.reduce((sum, e) => sum + e.firstSeen.size, 0);
const waiting = stats.byState.queued + stats.byState.retry + stats.byState.sending + stats.byState.dead;

// The raw cryptography of one message at the hub: the sender's signature verified, the hub's receipt signed,
// the agency's receipt verified (two RSA-2048 verifications and one signature with the hub's key), timed with
// the same keys on one core; and, as the issue counts it, one verification and two signatures.
const hubSignKey = createPrivateKey(readFileSync(join(dataDir, 'pki', 'hub-sign.key'), 'utf8'));
const ccPublic = createPublicKey(cc.sign.certificatePem);
const data = Buffer.alloc(64, 7);
const ccSignature = sign('sha256', data, cc.sign.privateKey);
function perSecond(run: () => void): number {
  for (let i = 0; i < 200; i++) run();
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < 1000) {
    run();
    n++;
  }
  return (n * 1000) / (performance.now() - start);
}
const verifyRate = perSecond(() => verify('sha256', data, ccPublic, ccSignature));
const hubSignRate = perSecond(() => sign('sha256', data, hubSignKey));
const rawHubPath = 1 / (2 / verifyRate + 1 / hubSignRate);
const rawIssuePath = 1 / (1 / verifyRate + 2 / hubSignRate);
rmSync(dataDir, { recursive: true, force: true });

const seconds = (deliveredDone - started) / 1000;
const acceptedPerSecond = acceptedAt.size / ((acceptedDone - started) / 1000);
const deliveredPerSecond = delivered / seconds;
print(
  `delivery benchmark: ${MESSAGES} signed appeals (median ${percentile(sizes, 50)} bytes), ${CLIENTS} clients, 3 agencies`,
);
print(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, SQLite (WAL, synchronous=FULL)`,
);
print(`hub signing key: ${hubSignKey.asymmetricKeyType ?? '?'}; participants: RSA-2048`);
print(
  `accepted: ${acceptedAt.size}, refused: ${refused.length}, delivered: ${delivered}, duplicates at agencies: ${duplicates}, left in queue: ${waiting}`,
);
print(`accepted/s: ${acceptedPerSecond.toFixed(0)}`);
print(
  `latency acceptance → delivery: p50 ${percentile(latencies, 50).toFixed(0)} ms, p90 ${percentile(latencies, 90).toFixed(0)} ms, max ${(latencies.at(-1) ?? NaN).toFixed(0)} ms`,
);
print(
  `raw crypto per message on one core: hub path (2 RSA-2048 verify + 1 hub sign) ${rawHubPath.toFixed(0)}/s; issue's count (1 verify + 2 signs) ${rawIssuePath.toFixed(0)}/s`,
);
print(
  `end-to-end ÷ raw crypto: ${(deliveredPerSecond / rawHubPath).toFixed(2)} (hub path), ${(deliveredPerSecond / rawIssuePath).toFixed(2)} (issue's count)`,
);
print(`delivered/s: ${deliveredPerSecond.toFixed(0)}`);
print(`p99 ms: ${percentile(latencies, 99).toFixed(0)}`);

if (refused.length > 0 || delivered !== acceptedAt.size || duplicates > 0 || waiting > 0) {
  console.error('FAILED: not every accepted message was delivered exactly once', refused.slice(0, 5));
  process.exit(1);
}
if (args['update-readme']) {
  const readmePath = join(packageRoot, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const block = [
    '<!-- bench:delivery -->',
    '',
    '```',
    ...printed,
    '```',
    '',
    '<!-- /bench:delivery -->',
  ].join('\n');
  const updated = readme.replace(/<!-- bench:delivery -->[\s\S]*?<!-- \/bench:delivery -->/, block);
  if (updated === readme && !readme.includes(block))
    throw new Error('README.md has no bench:delivery markers');
  writeFileSync(readmePath, updated);
  console.log('README.md updated');
}
