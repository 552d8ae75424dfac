/**
 * Delivery (issue #4): a real hub server pushing to a local HTTPS agency endpoint (mutual TLS: the endpoint
 * requires the hub's client certificate chaining to the hub CA) that answers with the agency's signed receipt,
 * and a pull participant using GET /v1/inbox and POST /v1/inbox/{id}/ack.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeliveryWorker } from '../../gateway/delivery/delivery-worker.js';
import { findDeliveryReceipt } from '../../gateway/queue/delivery-receipt.js';
import { ledgerEntriesFor } from '../../gateway/ledger/ledger-entry.js';
import { verifyLedger } from '../../gateway/ledger/ledger-verifier.js';
import { receiptFor } from '../support/receipt-envelopes.js';
import { buildEnvelope } from '../../gateway/envelope/envelope-builder.js';
import type { RunningHub } from '../../gateway/server/hub-server.js';
import { addParticipant, edrpou, post, tlsOf, type TestParticipant } from '../intake/fixtures/intake-hub.js';
import {
  startAgencyEndpoint,
  type AgencyAnswer,
  type AgencyEndpoint,
  type AgencyExchange,
} from '../support/agency-endpoint.js';
import {
  addContactCenter,
  CONTACT_CENTER,
  sendAppeal,
  startTestHub,
  testWorker,
  type TestHub,
} from '../support/hub-fixture.js';

const PUSH_AGENCY = '00022527';
const PULL_AGENCY = edrpou('3100001');

type Mode = 'ok' | '500' | 'unsigned' | 'other-signer' | 'wrong-ref';

describe('delivery', function () {
  this.timeout(120_000);

  let dataDir: string;
  let running: RunningHub;
  let hub: TestHub;
  let cc: TestParticipant;
  let agency: TestParticipant;
  let puller: TestParticipant;
  let endpoint: AgencyEndpoint;
  let worker: DeliveryWorker;
  let modes: Mode[] = [];
  let received: AgencyExchange[];

  /** The agency's answer to a delivery: its signed receipt, or something wrong, as `modes` says. */
  function answer(headers: AgencyExchange['headers']): AgencyAnswer {
    const messageId = String(headers['x-vkhid-message-id']);
    const xml = (body: string): AgencyAnswer => ({ contentType: 'application/xml', body });
    switch (modes.shift() ?? 'ok') {
      case '500':
        return { status: 500, body: 'busy' };
      case 'unsigned':
        return xml(buildEnvelope(receiptFor(PUSH_AGENCY, messageId)));
      case 'other-signer':
        return xml(cc.signEnvelope(receiptFor(CONTACT_CENTER, messageId)));
      case 'wrong-ref':
        return xml(agency.signEnvelope(receiptFor(PUSH_AGENCY, randomUUID())));
      case 'ok':
        return xml(agency.signEnvelope(receiptFor(PUSH_AGENCY, messageId)));
    }
  }

  before(async () => {
    hub = await startTestHub('delivery', { delivery: false });
    ({ running, dataDir } = hub);
    cc = await addContactCenter(hub);
    agency = await addParticipant(running, PUSH_AGENCY, 'agency', ['appeal']);
    puller = await addParticipant(running, PULL_AGENCY, 'agency', ['appeal']);
    endpoint = await startAgencyEndpoint(hub, PUSH_AGENCY, ({ headers }) => answer(headers), {
      path: '/vkhid/inbox',
    });
    received = endpoint.exchanges;
    await running.hub.registry.updateParticipant(PUSH_AGENCY, { endpoints: [endpoint.url] }, 'test:setup');
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
  });

  /** Posts an appeal from the contact center to `recipient`; its signed bytes and its job. */
  const send = (recipient: string) => sendAppeal(hub, cc, recipient);

  const jobOf = async (jobId: string) => (await running.queue.inspect(jobId)).job;

  it('schedules the lease reaper with the server', () => {
    assert.ok(running.jobs.list().some((job) => job.name === 'lease-reaper'));
  });

  it('delivers an accepted appeal exactly once, with the original bytes and the idempotency key', async () => {
    const { signed, messageId, jobId } = await send(PUSH_AGENCY);
    const outcomes = await worker.runOnce();
    assert.deepEqual(
      outcomes.map((o) => [o.jobId, o.result]),
      [[jobId, 'acknowledged']],
    );
    assert.equal(received.length, 1);
    assert.equal(received[0]!.body.toString('utf8'), signed);
    assert.equal(received[0]!.headers['idempotency-key'], messageId);
    assert.equal(received[0]!.headers['x-vkhid-message-id'], messageId);
    assert.match(String(received[0]!.headers['content-type']), /^application\/xml/);
    assert.equal(received[0]!.authorizedClient, true, 'the hub presents its client certificate');
    const job = await jobOf(jobId);
    assert.equal(job.state, 'acknowledged');
    assert.equal(job.attempts, 1);
    // The recipient's signed receipt is kept with the job: the proof that it holds the message.
    const proof = (await running.queue.inspect(jobId)).recipientReceipt;
    assert.equal(proof?.via, 'push');
    assert.equal(proof?.outcome, 'delivered');
    const kept = await running.hub.store.read((db) => findDeliveryReceipt(db, jobId));
    assert.ok(kept !== undefined);
    assert.equal(createHash('sha256').update(kept.xml).digest('hex'), kept.sha256);
    assert.match(kept.xml, new RegExp(`<MessageRef>${messageId}</MessageRef>`, 'i'));
    // Both handoffs are in the ledger, each with its proof, and the chain verifies.
    const tracking = (await running.hub.messages.findByMessageId(messageId))?.tracking;
    assert.ok(tracking);
    const entries = (await running.hub.store.read((db) => ledgerEntriesFor(db, tracking))).filter(
      (entry) => entry.messageId === messageId,
    );
    assert.deepEqual(
      entries.map((entry) => [entry.event, entry.from, entry.to]),
      [
        ['accepted', CONTACT_CENTER, PUSH_AGENCY],
        ['delivered', CONTACT_CENTER, PUSH_AGENCY],
      ],
    );
    assert.equal(entries[1]?.receiptSha256, kept.sha256);
    const hubCertificate = new X509Certificate(readFileSync(join(dataDir, 'pki', 'hub-sign.pem')));
    assert.equal((await verifyLedger(running.hub.store, hubCertificate)).ok, true);
    assert.deepEqual(await worker.runOnce(), []);
    assert.equal(received.length, 1, 'nothing is sent twice');
  });

  it('retries after a 500 and then acknowledges (attempts 2)', async () => {
    const { jobId } = await send(PUSH_AGENCY);
    modes = ['500', 'ok'];
    const [first] = await worker.runOnce();
    assert.equal(first?.result, 'failed');
    let job = await jobOf(jobId);
    assert.equal(job.state, 'retry');
    assert.match(job.lastError ?? '', /HTTP 500/);
    await running.queue.retryNow(jobId);
    const [second] = await worker.runOnce();
    assert.equal(second?.result, 'acknowledged');
    job = await jobOf(jobId);
    assert.equal(job.state, 'acknowledged');
    assert.equal(job.attempts, 2);
    assert.equal(received.length, 2);
  });

  for (const [mode, error] of [
    ['unsigned', /SIGNATURE_MISSING/],
    ['other-signer', /DELIVERY_RECEIPT_INVALID.*signed for 00015622/],
    ['wrong-ref', /DELIVERY_RECEIPT_INVALID.*refers to message/],
  ] as const) {
    it(`does not take a ${mode} receipt: the job waits for a retry with the reason`, async () => {
      const { jobId } = await send(PUSH_AGENCY);
      modes = [mode];
      const [outcome] = await worker.runOnce();
      assert.equal(outcome?.result, 'failed');
      const job = await jobOf(jobId);
      assert.equal(job.state, 'retry');
      assert.equal(job.attempts, 1);
      assert.match(job.lastError ?? '', error);
      // Leave it acknowledged so later tests see a clean queue.
      await running.queue.retryNow(jobId);
      assert.equal((await worker.runOnce())[0]?.result, 'acknowledged');
    });
  }

  describe('a participant that pulls', () => {
    interface Inbox {
      messages: {
        messageId: string;
        sender: string;
        type: string;
        tracking: string | null;
        envelope: string;
      }[];
    }
    const inboxOf = async (who: TestParticipant): Promise<Inbox> => {
      const reply = await post(hub, '', {
        client: tlsOf(who),
        method: 'GET',
        path: '/v1/inbox',
        contentType: null,
      });
      assert.equal(reply.status, 200, reply.body.toString());
      return JSON.parse(reply.body.toString('utf8')) as Inbox;
    };
    const ack = (who: TestParticipant, messageId: string, body: string) =>
      post(hub, body, { client: tlsOf(who), path: `/v1/inbox/${messageId}/ack` });

    it('is never pushed and spends no attempts, even when claimed beside push jobs', async () => {
      const pulled = await send(PULL_AGENCY);
      const pushed = await send(PUSH_AGENCY);
      const outcomes = await worker.runOnce();
      assert.deepEqual(
        new Map(outcomes.map((o) => [o.jobId, o.result])),
        new Map([
          [pulled.jobId, 'pull'],
          [pushed.jobId, 'acknowledged'],
        ]),
      );
      const job = await jobOf(pulled.jobId);
      assert.equal(job.state, 'queued');
      assert.equal(job.attempts, 0);
      assert.equal(received.length, 1);
      assert.deepEqual(await worker.runOnce(), [], 'only pull jobs are due: nothing is claimed');
    });

    it('lists its pending messages, refuses an ack by another participant, acknowledges with its receipt', async () => {
      const { signed, messageId, jobId } = await send(PULL_AGENCY);
      const inbox = await inboxOf(puller);
      const listed = inbox.messages.find((m) => m.messageId === messageId);
      assert.ok(listed, 'the message is in the inbox');
      assert.equal(listed.sender, CONTACT_CENTER);
      assert.equal(listed.type, 'appeal');
      assert.equal(Buffer.from(listed.envelope, 'base64').toString('utf8'), signed);
      assert.ok(!(await inboxOf(agency)).messages.some((m) => m.messageId === messageId));

      const foreign = await ack(agency, messageId, agency.signEnvelope(receiptFor(PUSH_AGENCY, messageId)));
      assert.equal(foreign.status, 404);
      assert.equal(
        (JSON.parse(foreign.body.toString()) as { code: string }).code,
        'DELIVERY_MESSAGE_NOT_FOUND',
      );
      const unknown = await ack(
        puller,
        randomUUID(),
        puller.signEnvelope(receiptFor(PULL_AGENCY, messageId)),
      );
      assert.equal(unknown.status, 404);
      const wrongSigner = await ack(
        puller,
        messageId,
        agency.signEnvelope(receiptFor(PUSH_AGENCY, messageId)),
      );
      assert.equal(wrongSigner.status, 422);
      assert.equal((await jobOf(jobId)).state, 'queued');

      const ok = await ack(puller, messageId, puller.signEnvelope(receiptFor(PULL_AGENCY, messageId)));
      assert.equal(ok.status, 200, ok.body.toString());
      assert.deepEqual(JSON.parse(ok.body.toString()), { messageId, state: 'acknowledged' });
      assert.equal((await jobOf(jobId)).state, 'acknowledged');
      assert.equal((await running.queue.inspect(jobId)).recipientReceipt?.via, 'pull');
      assert.ok(!(await inboxOf(puller)).messages.some((m) => m.messageId === messageId));
    });

    it('refuses a request without a client certificate', async () => {
      const reply = await post(hub, '', { method: 'GET', path: '/v1/inbox', contentType: null });
      assert.equal(reply.status, 401);
    });
  });
});
