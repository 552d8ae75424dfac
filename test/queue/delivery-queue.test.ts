/**
 * The durable delivery queue on a real SQLite store: claim order, leases and crashed workers, the per-recipient
 * concurrency cap, appeal ordering, backoff and dead letters, operator actions and their refusals, and
 * concurrent claims.
 */
import { hubMigrations } from '../../gateway/hub/hub-context.js';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import type { ErrorCode } from '../../gateway/errors/error-catalogue.js';
import { PRIORITY_NORMAL, PRIORITY_URGENT, type DeliveryJob } from '../../gateway/queue/delivery-job.js';
import { DeliveryQueue, type DeliveryQueueOptions } from '../../gateway/queue/delivery-queue.js';
import { MessageStore, type AcceptedMessage } from '../../gateway/queue/message-store.js';
import { RetrySchedule } from '../../gateway/queue/retry-schedule.js';
import { Registry } from '../../gateway/registry/registry.js';
import { SqliteDialect } from '../../gateway/store/sqlite-dialect.js';
import { Store } from '../../gateway/store/store.js';

const SENDER = '00015622';
const RECIPIENT = '00022527';
const OTHER = '03359500';
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

function refusedWith(code: ErrorCode) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof VkhidError, String(error));
    assert.equal(error.code, code);
    return true;
  };
}

describe('DeliveryQueue', function () {
  this.timeout(60_000);
  let dir: string;
  let store: Store;
  let messages: MessageStore;
  let clock: Date;
  const now = (): Date => clock;
  const advance = (ms: number): void => {
    clock = new Date(clock.getTime() + ms);
  };
  const queue = (options: DeliveryQueueOptions = {}): DeliveryQueue =>
    new DeliveryQueue(store, { now, random: () => 0.5, ...options });

  /** Stores a message received now (then moves the clock on 1 ms) and returns its job. */
  async function put(
    overrides: Partial<AcceptedMessage> = {},
    priority: number = PRIORITY_NORMAL,
  ): Promise<DeliveryJob> {
    const at = clock.toISOString();
    const result = await messages.storeAccepted(
      {
        messageId: randomUUID(),
        type: 'appeal',
        sender: SENDER,
        recipient: RECIPIENT,
        tracking: `UKC-${randomUUID().slice(0, 13).toUpperCase()}`,
        inReplyTo: null,
        urgency: priority === PRIORITY_URGENT ? 'urgent' : 'normal',
        createdAt: at,
        receivedSha256: randomUUID().replace(/-/g, '').repeat(2),
        receivedBytes: Buffer.from(`<Envelope n="${randomUUID()}"/>\u00ff`, 'latin1'),
        signedXml: '<Envelope xmlns="urn:vkhid:envelope:1"></Envelope>',
        signerFingerprint: 'AA:BB',
        clientFingerprint: 'CC:DD',
        receiptId: randomUUID(),
        receiptXml: '<receipt/>',
        receivedAt: at,
        ...overrides,
      },
      priority,
    );
    assert.equal(result.kind, 'stored');
    advance(1);
    return result.job;
  }

  async function job(id: string): Promise<DeliveryJob> {
    return (await queue().inspect(id)).job;
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vkhid-queue-'));
    clock = new Date('2026-03-02T09:00:00.000Z');
    store = await Store.open(new SqliteDialect({ dataDirectory: dir }), {
      migrations: hubMigrations,
    });
    const registry = new Registry(store, now);
    for (const code of [SENDER, RECIPIENT, OTHER]) {
      await registry.addParticipant({ code, fullName: `P ${code}`, kind: 'agency' }, 'test');
    }
    messages = new MessageStore(store);
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('claim', () => {
    it('hands out urgent jobs first, then the oldest, with the received bytes and the attempt count', async () => {
      const oldNormal = await put();
      const newNormal = await put();
      const urgent = await put({}, PRIORITY_URGENT);
      const claimed = await queue().claim('worker-a', 10);
      assert.deepEqual(
        claimed.map((c) => c.jobId),
        [urgent.id, oldNormal.id, newNormal.id],
      );
      const first = claimed[0]!;
      const stored = await messages.findByMessageId(first.messageId);
      assert.ok(stored !== undefined && first.bytes.equals(stored.receivedBytes));
      assert.equal(first.attempts, 1);
      assert.equal(first.recipient, RECIPIENT);
      assert.equal(first.leaseUntil, new Date(clock.getTime() + 60 * SECOND).toISOString());
      const after = await job(urgent.id);
      assert.deepEqual([after.state, after.leaseOwner, after.attempts], ['sending', 'worker-a', 1]);
    });

    it('respects the limit and hands out nothing that is not due', async () => {
      await put();
      await put();
      assert.equal((await queue().claim('w', 1)).length, 1);
      assert.equal((await queue().claim('w', 1)).length, 1);
      assert.deepEqual(await queue().claim('w', 5), [], 'both are sending under unexpired leases');
      await assert.rejects(queue().claim('w', 0), RangeError);
      await assert.rejects(queue().claim('', 1), RangeError);
    });

    it('two owners claiming at once never get the same job', async () => {
      const ids = [];
      for (let i = 0; i < 20; i += 1)
        ids.push((await put({ recipient: i % 2 === 0 ? RECIPIENT : OTHER })).id);
      const q = queue({ perRecipientConcurrency: 100 });
      const [a, b] = await Promise.all([q.claim('worker-a', 15), q.claim('worker-b', 15)]);
      const handed = [...a, ...b].map((c) => c.jobId);
      assert.equal(new Set(handed).size, handed.length, 'a job was handed out twice');
      assert.deepEqual([...handed].sort(), [...ids].sort());
      for (const c of a) assert.equal((await job(c.jobId)).leaseOwner, 'worker-a');
      for (const c of b) assert.equal((await job(c.jobId)).leaseOwner, 'worker-b');
    });
  });

  describe('leases', () => {
    it("an expired lease returns a crashed worker's job; the stale worker's reports change nothing", async () => {
      const queued = await put();
      const q = queue({ leaseMs: 30 * SECOND });
      await q.claim('worker-a', 1);
      advance(30 * SECOND);
      assert.deepEqual(await q.claim('worker-b', 1), [], 'a lease is held until it expires');
      advance(1);
      const [taken] = await q.claim('worker-b', 1);
      assert.equal(taken?.jobId, queued.id);
      assert.equal(taken.attempts, 2);
      const before = await job(queued.id);
      assert.equal(await q.delivered(queued.id, 'worker-a'), false);
      assert.equal(await q.failed(queued.id, 'worker-a', 'timeout'), false);
      assert.deepEqual(await job(queued.id), before);
      assert.equal(await q.delivered(queued.id, 'worker-b'), true);
      assert.equal((await job(queued.id)).state, 'delivered');
      assert.equal(await q.delivered(queued.id, 'worker-b'), false, 'a repeated report changes nothing');
    });

    it('the lease owner may still report after its lease expired, as long as nobody took the job over', async () => {
      const queued = await put();
      const q = queue({ leaseMs: 1_000 });
      await q.claim('worker-a', 1);
      advance(5_000);
      assert.equal(await q.delivered(queued.id, 'worker-a'), true);
    });

    it('the reaper returns sending jobs with expired leases to the queue, due now', async () => {
      const queued = await put();
      const q = queue({ leaseMs: 10 * SECOND });
      await q.claim('worker-a', 1);
      assert.equal(await q.reapExpiredLeases(), 0, 'the lease is still valid');
      assert.equal((await job(queued.id)).state, 'sending');
      advance(10 * SECOND + 1);
      assert.equal(await q.reapExpiredLeases(), 1);
      const reaped = await job(queued.id);
      assert.deepEqual(
        [reaped.state, reaped.leaseOwner, reaped.nextAttemptAt],
        ['retry', null, clock.toISOString()],
      );
      assert.equal(await q.delivered(queued.id, 'worker-a'), false, 'the reaped worker lost its job');
      assert.equal((await q.claim('worker-b', 1))[0]?.jobId, queued.id);
    });
  });

  it('caps the sending jobs per recipient, and frees a slot when one is delivered', async () => {
    const first = await put();
    await put();
    const third = await put();
    const other = await put({ recipient: OTHER });
    const q = queue({ perRecipientConcurrency: 2 });
    const claimed = await q.claim('w', 10);
    assert.deepEqual(claimed.map((c) => c.recipient).sort(), [RECIPIENT, RECIPIENT, OTHER].sort());
    assert.ok(claimed.some((c) => c.jobId === other.id));
    assert.ok(!claimed.some((c) => c.jobId === third.id), 'the newest job to the full recipient waits');
    assert.deepEqual(await q.claim('w', 10), []);
    assert.equal(await q.delivered(first.id, 'w'), true);
    assert.deepEqual(
      (await q.claim('w', 10)).map((c) => c.jobId),
      [third.id],
    );
  });

  it('holds a status back until the earlier appeal of the same tracking number to the same recipient is done', async () => {
    const tracking = 'UKC-2026-0302-00001';
    const appeal = await put({ tracking });
    // Even sent as urgent, the status may not overtake its appeal.
    const status = await put({ tracking, type: 'status', urgency: null }, PRIORITY_URGENT);
    const elsewhere = await put({ tracking, type: 'status', urgency: null, recipient: OTHER });
    const unrelated = await put();
    const q = queue();
    let claimed = await q.claim('w', 10);
    assert.deepEqual(
      claimed.map((c) => c.jobId),
      [appeal.id, elsewhere.id, unrelated.id],
    );
    assert.equal(await q.delivered(elsewhere.id, 'w'), true);
    assert.equal(await q.delivered(unrelated.id, 'w'), true);
    assert.ok((await q.failed(appeal.id, 'w', 'HTTP 503')) !== false);
    advance(HOUR);
    claimed = await q.claim('w', 10);
    assert.deepEqual(
      claimed.map((c) => c.jobId),
      [appeal.id],
      'the appeal is retried, its status still waits',
    );
    assert.equal(await q.delivered(appeal.id, 'w'), true);
    claimed = await q.claim('w', 10);
    assert.deepEqual(
      claimed.map((c) => c.jobId),
      [status.id],
    );
  });

  describe('failures', () => {
    it('waits with exponential backoff and jitter between attempts', async () => {
      const queued = await put();
      const q = queue({ random: () => 1 });
      await q.claim('w', 1);
      const failedAt = clock.getTime();
      const outcome = await q.failed(queued.id, 'w', 'connection refused');
      assert.deepEqual(outcome, { state: 'retry', nextAttemptAt: new Date(failedAt + 6_000).toISOString() });
      const waiting = await job(queued.id);
      assert.deepEqual(
        [waiting.state, waiting.lastError, waiting.leaseOwner],
        ['retry', 'connection refused', null],
      );
      advance(5_999);
      assert.deepEqual(await q.claim('w', 1), [], 'not due before its delay');
      advance(1);
      assert.equal((await q.claim('w', 1))[0]?.attempts, 2);
      const second = clock.getTime();
      const again = await q.failed(queued.id, 'w', 'connection refused');
      assert.deepEqual(again, { state: 'retry', nextAttemptAt: new Date(second + 12_000).toISOString() });

      // With a real random source the delay stays within ±20 % of 5 s · 2^(attempt − 1).
      const jittered = queue({ random: Math.random });
      const other = await put();
      await jittered.claim('w', 10);
      const at = clock.getTime();
      const result = await jittered.failed(other.id, 'w', 'x');
      assert.ok(result !== false && result.state === 'retry');
      const delay = Date.parse(result.nextAttemptAt) - at;
      assert.ok(delay >= 4_000 && delay <= 6_000, `${delay}`);
    });

    it('gives up at the maximum age: the job becomes a dead letter with the last error', async () => {
      const schedule = new RetrySchedule({ maxAgeMs: HOUR });
      const old = await put();
      const young = await put();
      const q = queue({ schedule });
      await q.claim('w', 10);
      advance(HOUR - 2); // old is exactly HOUR old now, young a millisecond less
      assert.equal((await q.failed(young.id, 'w', 'HTTP 500')) !== false, true);
      assert.equal(
        (await job(young.id)).state,
        'retry',
        'a millisecond before the maximum age it is retried',
      );
      assert.deepEqual(await q.failed(old.id, 'w', 'HTTP 502 Bad Gateway\u0000'), { state: 'dead' });
      const dead = await job(old.id);
      assert.deepEqual(
        [dead.state, dead.lastError, dead.leaseOwner],
        ['dead', 'HTTP 502 Bad Gateway\uFFFD', null],
      );
      advance(10 * HOUR);
      assert.deepEqual(
        (await q.claim('w', 10)).map((c) => c.jobId),
        [young.id],
        'a dead letter is never claimed',
      );
    });
  });

  describe('operators', () => {
    it('requeue moves a dead letter back: queued, attempts reset, due now, its maximum age counted afresh', async () => {
      const schedule = new RetrySchedule({ maxAgeMs: HOUR });
      const queued = await put();
      const q = queue({ schedule });
      await q.claim('w', 1);
      advance(2 * HOUR);
      assert.deepEqual(await q.failed(queued.id, 'w', 'gone'), { state: 'dead' });
      const requeued = await q.requeue(queued.id);
      assert.deepEqual(
        [requeued.state, requeued.attempts, requeued.nextAttemptAt, requeued.lastError],
        ['queued', 0, clock.toISOString(), 'gone'],
      );
      assert.equal(requeued.createdAt, clock.toISOString(), 'the maximum age counts from the requeue');
      assert.equal((await q.claim('w', 1))[0]?.attempts, 1);
      assert.equal((await q.failed(queued.id, 'w', 'still gone')) !== false, true);
      assert.equal((await job(queued.id)).state, 'retry', 'not dead again at once');
    });

    it('requeue also sends a delivered job again', async () => {
      const queued = await put();
      const q = queue();
      await q.claim('w', 1);
      await q.delivered(queued.id, 'w');
      assert.equal((await q.requeue(queued.id)).state, 'queued');
    });

    it('retryNow makes a waiting job due at once', async () => {
      const queued = await put();
      const q = queue();
      await q.claim('w', 1);
      await q.failed(queued.id, 'w', 'HTTP 503');
      assert.deepEqual(await q.claim('w', 1), []);
      const due = await q.retryNow(queued.id);
      assert.equal(due.nextAttemptAt, clock.toISOString());
      assert.equal((await q.claim('w', 1))[0]?.jobId, queued.id);
    });

    it('refuses illegal transitions and unknown jobs, changing nothing', async () => {
      const queued = await put();
      const q = queue();
      await q.claim('w', 1);
      const before = await job(queued.id);
      await assert.rejects(q.requeue(queued.id), refusedWith('QUEUE_TRANSITION'));
      await assert.rejects(q.retryNow(queued.id), refusedWith('QUEUE_TRANSITION'));
      assert.deepEqual(await job(queued.id), before);
      const waiting = await put();
      await assert.rejects(q.requeue(waiting.id), refusedWith('QUEUE_TRANSITION'));
      await assert.rejects(q.acknowledged(waiting.id), refusedWith('QUEUE_TRANSITION'));
      assert.deepEqual(await job(waiting.id), waiting);
      const unknown = randomUUID();
      for (const attempt of [
        q.inspect(unknown),
        q.retryNow(unknown),
        q.requeue(unknown),
        q.delivered(unknown, 'w'),
        q.failed(unknown, 'w', 'x'),
        q.acknowledged(unknown),
      ]) {
        await assert.rejects(attempt, refusedWith('QUEUE_JOB_NOT_FOUND'));
      }
    });

    it('acknowledged: from delivered or sending, once', async () => {
      const delivered = await put();
      const sending = await put();
      const q = queue();
      await q.claim('w', 10);
      await q.delivered(delivered.id, 'w');
      assert.equal(await q.acknowledged(delivered.id), true);
      assert.equal(await q.acknowledged(sending.id), true);
      assert.equal(await q.acknowledged(sending.id), false, 'already acknowledged');
      assert.equal((await job(sending.id)).state, 'acknowledged');
      assert.equal(await q.delivered(sending.id, 'w'), false, 'a late delivery report changes nothing');
      await assert.rejects(q.requeue(sending.id), refusedWith('QUEUE_TRANSITION'));
    });

    it('inspect shows the job and its message header, never the body', async () => {
      const queued = await put({ tracking: 'UKC-1', inReplyTo: null });
      const details = await queue().inspect(queued.id);
      assert.deepEqual(details.job, queued);
      assert.equal(details.message.tracking, 'UKC-1');
      assert.equal(details.message.recipient, RECIPIENT);
      assert.equal(details.message.sender, SENDER);
      assert.equal(typeof details.message.receivedSize, 'number');
      const text = JSON.stringify(details);
      assert.ok(!text.includes('Envelope'), 'no signed content or received bytes');
      assert.ok(!('receivedBytes' in details.message) && !('signedXml' in details.message));
    });

    it('list filters by state and recipient in queue order; stats count per state and recipient', async () => {
      const a = await put();
      const b = await put({ recipient: OTHER });
      const urgent = await put({}, PRIORITY_URGENT);
      const q = queue();
      assert.deepEqual(
        (await q.list()).map((j) => j.id),
        [urgent.id, a.id, b.id],
      );
      assert.deepEqual(
        (await q.list({ recipient: OTHER })).map((j) => j.id),
        [b.id],
      );
      assert.deepEqual(
        (await q.list({ limit: 1 })).map((j) => j.id),
        [urgent.id],
      );
      await q.claim('w', 1);
      assert.deepEqual(
        (await q.list({ state: 'sending' })).map((j) => j.id),
        [urgent.id],
      );
      await assert.rejects(q.list({ limit: 0 }), RangeError);
      advance(MINUTE);
      const stats = await q.stats();
      assert.deepEqual(stats.byState, {
        queued: 2,
        sending: 1,
        retry: 0,
        delivered: 0,
        acknowledged: 0,
        dead: 0,
      });
      assert.deepEqual(stats.byRecipient, { [RECIPIENT]: { queued: 1, sending: 1 }, [OTHER]: { queued: 1 } });
      assert.equal(stats.oldestQueuedAgeMs, clock.getTime() - Date.parse(a.createdAt));
    });

    it('stats of an empty queue', async () => {
      const stats = await queue().stats();
      assert.equal(stats.oldestQueuedAgeMs, null);
      assert.deepEqual(stats.byRecipient, {});
      assert.equal(
        Object.values(stats.byState).reduce((x, y) => x + y, 0),
        0,
      );
    });
  });
});
