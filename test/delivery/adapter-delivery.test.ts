/**
 * Delivery of converted documents (issue #5) over HTTPS: a real hub server, the contact center (canonical)
 * posting signed envelopes over mutual TLS, and an agency on `sev-ovv-1207` whose HTTPS endpoint receives
 * 1207 documents and answers with its own 1207 acknowledgement (or nothing, or something wrong).
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SEV1207_MEDIA_TYPE } from '../../adapters/sev-ovv-1207/sev1207-adapter.js';
import { validateSev1207 } from '../../adapters/sev-ovv-1207/sev1207-schema.js';
import type { DeliveryWorker } from '../../gateway/delivery/delivery-worker.js';
import type { Envelope } from '../../gateway/envelope/envelope-model.js';
import { findDeliveryReceipt } from '../../gateway/queue/delivery-receipt.js';
import type { RunningHub } from '../../gateway/server/hub-server.js';
import { sampleEnvelope } from '../envelope/fixtures/sample-envelopes.js';
import { addParticipant, edrpou, type TestParticipant } from '../intake/fixtures/intake-hub.js';
import {
  startAgencyEndpoint,
  type AgencyAnswer,
  type AgencyEndpoint,
  type AgencyExchange,
} from '../support/agency-endpoint.js';
import {
  addContactCenter,
  CONTACT_CENTER,
  postEnvelope,
  sendAppeal as postAppeal,
  startTestHub,
  testWorker,
  type TestHub,
} from '../support/hub-fixture.js';

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

  let running: RunningHub;
  let hub: TestHub;
  let cc: TestParticipant;
  let endpoint: AgencyEndpoint;
  let worker: DeliveryWorker;
  let modes: Mode[] = [];
  let received: AgencyExchange[];
  const answers: { mode: Mode; body: string; ackId: string }[] = [];
  let tracking = 0;

  /** The agency's answer to a delivery, as `modes` says: its 1207 acknowledgement by default. */
  function answer(headers: AgencyExchange['headers']): AgencyAnswer {
    const messageId = String(headers['x-vkhid-message-id']);
    const mode = modes.shift() ?? 'ack';
    const ackId = randomUUID();
    if (mode === '503') return { status: 503, body: 'busy' };
    let body = '';
    let type = SEV1207_MEDIA_TYPE;
    switch (mode) {
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
    return { contentType: type, body };
  }

  before(async () => {
    hub = await startTestHub('adapter-delivery', { delivery: false, fileDrop: false });
    ({ running } = hub);
    cc = await addContactCenter(hub);
    await addParticipant(running, AGENCY_1207, 'agency', ['appeal']);
    endpoint = await startAgencyEndpoint(hub, AGENCY_1207, ({ headers }) => answer(headers), {
      path: '/sev',
      commonName: 'sed.agency.test',
    });
    received = endpoint.exchanges;
    await running.hub.registry.updateParticipant(
      AGENCY_1207,
      { endpoints: [endpoint.url], adapter: 'sev-ovv-1207', adapterSettings: EXAMPLE_SETTINGS },
      'test:setup',
    );
    worker = testWorker(hub);
  });

  after(async () => {
    await worker?.stop();
    await endpoint?.close();
    await hub?.close();
  });

  beforeEach(() => {
    modes = [];
    received.length = 0;
    answers.length = 0;
  });

  /** Posts a signed envelope from the contact center; its signed XML. */
  const send = (envelope: Envelope) => postEnvelope(hub, cc, envelope);

  const sendAppeal = () =>
    postAppeal(hub, cc, AGENCY_1207, (e) => {
      e.header.tracking = `UKC-TEST-${++tracking}`;
    });

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
