/**
 * Delivery of converted documents (issue #5) over HTTPS: a real hub server, the contact center (canonical)
 * posting signed envelopes over mutual TLS, and an agency on `sev-ovv-1207` whose HTTPS endpoint receives
 * 1207 documents and answers with its own 1207 acknowledgement (or nothing, or something wrong).
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SEV1207_MEDIA_TYPE } from '../../adapters/sev-ovv-1207/sev1207-adapter.js';
import { validateSev1207 } from '../../adapters/sev-ovv-1207/sev1207-schema.js';
import { DeliveryWorker } from '../../gateway/delivery/delivery-worker.js';
import type { Envelope } from '../../gateway/envelope/envelope-model.js';
import { createCsr } from '../../gateway/pki/csr.js';
import { issueFromCsr } from '../../gateway/pki/certificate-issuer.js';
import { findDeliveryReceipt } from '../../gateway/queue/delivery-receipt.js';
import { startHubServer, type RunningHub } from '../../gateway/server/hub-server.js';
import { sampleEnvelope } from '../envelope/fixtures/sample-envelopes.js';
import {
  addParticipant,
  appeal,
  edrpou,
  post,
  quiet,
  tlsOf,
  type IntakeHub,
  type TestParticipant,
} from '../intake/fixtures/intake-hub.js';

const CONTACT_CENTER = '00015622';
const AGENCY_1207 = edrpou('3300001');
const EXAMPLE_SETTINGS = JSON.parse(
  readFileSync(new URL('../../adapters/sev-ovv-1207/example-settings.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const ACK_TEMPLATE = readFileSync(new URL('./fixtures/sev1207-acknowledgement.xml', import.meta.url), 'utf8');

/** How the agency's endpoint answers the next request. */
type Mode = 'ack' | 'empty' | 'text' | 'wrong-ref' | 'garbage' | 'other-sender' | '503';

/** The agency's native acknowledgement (ack_type 2, accepted) of message `msgId`. */
function acknowledgement(msgId: string, ackId: string, from = AGENCY_1207): string {
  return ACK_TEMPLATE.replaceAll('{{MSG_ID}}', msgId)
    .replaceAll('{{ACK_ID}}', ackId)
    .replaceAll('{{FROM}}', from)
    .replaceAll('{{TO}}', CONTACT_CENTER)
    .replaceAll('{{TIME}}', '2026-03-02T10:00:00+02:00');
}

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

describe('delivery through adapters (HTTPS)', function () {
  this.timeout(120_000);

  let dataDir: string;
  let running: RunningHub;
  let hub: IntakeHub;
  let cc: TestParticipant;
  let endpoint: Server;
  let worker: DeliveryWorker;
  let modes: Mode[] = [];
  let received: { headers: Record<string, string | string[] | undefined>; body: Buffer }[] = [];
  const answers: { mode: Mode; body: string; ackId: string }[] = [];
  let tracking = 0;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'vkhid-adapter-delivery-'));
    running = await startHubServer({ dataDir, port: 0, logger: quiet, delivery: false, fileDrop: false });
    const caPem = readFileSync(join(dataDir, 'pki', 'ca.pem'), 'utf8');
    hub = { running, dataDir, caPem, stop: () => running.stop() };
    cc = await addParticipant(running, CONTACT_CENTER, 'contact-center', ['appeal', 'public-info']);
    await addParticipant(running, AGENCY_1207, 'agency', ['appeal']);

    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const issued = await issueFromCsr(
      { certificatePem: caPem, privateKeyPem: readFileSync(join(dataDir, 'pki', 'ca.key'), 'utf8') },
      await createCsr({ privateKeyPem: keyPem, commonName: 'sed.agency.test' }),
      { participantCode: AGENCY_1207, usage: 'tls', validityDays: 30, hostnames: ['127.0.0.1'] },
    );
    endpoint = createServer(
      { key: keyPem, cert: issued.certificatePem, ca: caPem, requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          received.push({ headers: req.headers, body: Buffer.concat(chunks) });
          const messageId = String(req.headers['x-vkhid-message-id']);
          const mode = modes.shift() ?? 'ack';
          const ackId = randomUUID();
          let body = '';
          let type = SEV1207_MEDIA_TYPE;
          switch (mode) {
            case '503':
              res.writeHead(503).end('busy');
              return;
            case 'empty':
              break;
            case 'text':
              body = 'OK';
              type = 'text/plain';
              break;
            case 'ack':
              body = acknowledgement(messageId.toUpperCase(), ackId);
              break;
            case 'wrong-ref':
              body = acknowledgement(randomUUID(), ackId);
              break;
            case 'other-sender':
              body = acknowledgement(messageId, ackId, CONTACT_CENTER);
              break;
            case 'garbage':
              body = '<Header><Acknowledgement/></Header>';
              break;
          }
          answers.push({ mode, body, ackId });
          res.writeHead(200, { 'Content-Type': type }).end(body);
        });
      },
    );
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    const port = (endpoint.address() as AddressInfo).port;
    await running.hub.registry.updateParticipant(
      AGENCY_1207,
      {
        endpoints: [`https://127.0.0.1:${port}/sev`],
        adapter: 'sev-ovv-1207',
        adapterSettings: EXAMPLE_SETTINGS,
      },
      'test:setup',
    );
    worker = new DeliveryWorker(running.hub, running.queue, {
      owner: 'test-worker',
      batch: 8,
      pollMs: 50,
      timeoutMs: 10_000,
      logger: quiet,
    });
  });

  after(async () => {
    await worker?.stop();
    await new Promise<void>((resolve) => (endpoint ? endpoint.close(() => resolve()) : resolve()));
    await running?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    modes = [];
    received = [];
    answers.length = 0;
  });

  /** Posts a signed envelope from the contact center; its job. */
  async function send(envelope: Envelope) {
    const signed = cc.signEnvelope(envelope);
    const reply = await post(hub, signed, { client: tlsOf(cc) });
    assert.equal(reply.status, 202, reply.body.toString());
    return signed;
  }

  async function sendAppeal() {
    const envelope = appeal(CONTACT_CENTER, AGENCY_1207, (e) => {
      e.header.tracking = `UKC-TEST-${++tracking}`;
    });
    await send(envelope);
    const [job] = await running.hub.messages.deliveryJobs(envelope.header.messageId);
    assert.ok(job);
    return { messageId: envelope.header.messageId.toLowerCase(), jobId: job.id };
  }

  const jobOf = async (jobId: string) => (await running.queue.inspect(jobId)).job;
  // The contact center pulls: the receipts forwarded to it are claimed beside the agency's jobs (and parked).
  const outcomeOf = async (jobId: string) => (await worker.runOnce()).find((o) => o.jobId === jobId);
  const keptReceipt = (jobId: string) => running.hub.store.read((db) => findDeliveryReceipt(db, jobId));

  it('POSTs the appeal as a 1207 document and keeps the agency 1207 acknowledgement as its receipt', async () => {
    const { messageId, jobId } = await sendAppeal();
    const outcomes = await worker.runOnce();
    assert.deepEqual(
      outcomes.map((o) => [o.jobId, o.result]),
      [[jobId, 'acknowledged']],
    );
    assert.equal(received.length, 1);
    const request = received[0]!;
    assert.equal(request.headers['content-type'], SEV1207_MEDIA_TYPE);
    assert.equal(request.headers['idempotency-key'], messageId);
    // What the agency got is a 1207 document its own schema accepts, about this message.
    assert.doesNotThrow(() => validateSev1207(request.body));
    const text = request.body.toString('utf8');
    assert.match(text, /<Header [^>]*standart="1207"/);
    assert.match(text, new RegExp(`msg_id="${messageId}"`, 'i'));
    assert.match(text, /Ремонт дорожнього покриття/);

    const job = await jobOf(jobId);
    assert.equal(job.state, 'acknowledged');
    const kept = await keptReceipt(jobId);
    assert.ok(kept);
    assert.equal(kept.via, 'push');
    assert.equal(kept.outcome, 'accepted', 'ack_type 2 is an accepted receipt');
    assert.equal(kept.receiptId, answers[0]!.ackId, "the receipt id is the acknowledgement's msg_id");
    assert.equal(kept.xml, answers[0]!.body, 'the native acknowledgement is kept as it came');
    assert.equal(kept.sha256, sha256(answers[0]!.body));
    // The acknowledgement also went to the contact center, as a receipt of its own about this message.
    const forwarded = await running.hub.messages.findByMessageId(answers[0]!.ackId);
    assert.equal(forwarded?.type, 'receipt');
    assert.equal(forwarded?.sender, AGENCY_1207);
    assert.equal(forwarded?.recipient, CONTACT_CENTER);
    assert.equal(forwarded?.inReplyTo?.toLowerCase(), messageId);
    assert.ok(!(await worker.runOnce()).some((o) => o.result !== 'pull'));
    assert.equal(received.length, 1, 'nothing is sent twice');
  });

  it('takes an empty 2xx (or one the adapter cannot read) as a transport-level receipt', async () => {
    for (const mode of ['empty', 'text'] as const) {
      const { messageId, jobId } = await sendAppeal();
      modes = [mode];
      const outcome = await outcomeOf(jobId);
      assert.equal(outcome?.result, 'acknowledged', mode);
      const kept = await keptReceipt(jobId);
      assert.ok(kept);
      assert.equal(kept.outcome, 'delivered');
      assert.equal(kept.via, 'push');
      assert.match(kept.receiptId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.notEqual(kept.receiptId, messageId);
      const body = mode === 'empty' ? '' : 'OK';
      assert.equal(kept.sha256, sha256(body));
      assert.equal(kept.xml, body);
    }
  });

  for (const [mode, why] of [
    ['wrong-ref', /DELIVERY_RECEIPT_INVALID.*refers to message/],
    ['other-sender', /DELIVERY_RECEIPT_INVALID.*not from the recipient/],
    ['garbage', /DELIVERY_RECEIPT_INVALID.*cannot be read by adapter sev-ovv-1207.*ADAPTER_/],
    ['503', /HTTP 503/],
  ] as const) {
    it(`retries when the answer is ${mode}, then acknowledges`, async () => {
      const { jobId } = await sendAppeal();
      modes = [mode, 'ack'];
      const first = await outcomeOf(jobId);
      assert.equal(first?.result, 'failed');
      let job = await jobOf(jobId);
      assert.equal(job.state, 'retry');
      assert.match(job.lastError ?? '', why);
      assert.equal(await keptReceipt(jobId), undefined);
      await running.queue.retryNow(jobId);
      const second = await outcomeOf(jobId);
      assert.equal(second?.result, 'acknowledged');
      job = await jobOf(jobId);
      assert.equal(job.state, 'acknowledged');
      assert.equal(job.attempts, 2);
      assert.equal((await keptReceipt(jobId))?.outcome, 'accepted');
      // Both attempts carried the same document: the conversion is the same every time.
      assert.equal(received.length, 2);
      assert.deepEqual(received[0]!.body, received[1]!.body);
    });
  }

  it('makes a message the agency format cannot carry a dead letter at once, with the code', async () => {
    const status = sampleEnvelope('status');
    status.header.messageId = randomUUID();
    status.header.sender = CONTACT_CENTER;
    status.header.recipient = AGENCY_1207;
    status.header.tracking = `UKC-TEST-${++tracking}`;
    await send(status);
    const [job] = await running.hub.messages.deliveryJobs(status.header.messageId);
    assert.ok(job);
    const outcome = await outcomeOf(job.id);
    assert.equal(outcome?.result, 'failed');
    assert.equal(outcome?.result === 'failed' && outcome.dead, true);
    const after = await jobOf(job.id);
    assert.equal(after.state, 'dead');
    assert.equal(after.attempts, 1);
    assert.match(after.lastError ?? '', /ADAPTER_UNSUPPORTED/);
    assert.equal(received.length, 0, 'nothing reaches the agency');
    // An operator requeues it once the cause is fixed; until then the same refusal ends it again.
    await running.queue.requeue(job.id);
    const again = await outcomeOf(job.id);
    assert.equal(again?.result === 'failed' && again.dead, true);
  });
});
