/**
 * Reliability: a recipient endpoint that fails in every way a real one does (500, a hang past the worker's
 * timeout, a reset connection, a 200 with a receipt for another message) before it finally answers with its
 * signed receipt. The failures are planned per message by a seeded PRNG (the same plan on every run, whatever
 * order the concurrent attempts arrive in), and the worker is driven with `runOnce` on a queue whose retries are
 * due at once, so the outcome is deterministic and the time bounded.
 */
import assert from 'node:assert/strict';
import { DeliveryWorker } from '../../gateway/delivery/delivery-worker.js';
import { DeliveryQueue } from '../../gateway/queue/delivery-queue.js';
import { RetrySchedule } from '../../gateway/queue/retry-schedule.js';
import { quiet } from '../intake/fixtures/intake-hub.js';
import { mulberry32, startFlakyAgency, type Answer, type FlakyAgency } from './fixtures/flaky-agency.js';

const SEED = 0x5eed_2026;
const MESSAGES = 20;
const GROUPS = 5;
/** A message fails at most this many times at the endpoint, then succeeds. */
const MAX_FAILURES = 3;
const FAILURES: readonly Answer[] = ['500', 'hang', 'reset', 'bad-receipt'];
/** Rounds of `runOnce` before the test gives up (each round attempts up to 4 jobs of the one recipient). */
const MAX_ROUNDS = 200;

describe('reliability: a flaky recipient', function () {
  this.timeout(90_000);

  let agency: FlakyAgency;
  let worker: DeliveryWorker | undefined;

  before(async () => {
    agency = await startFlakyAgency();
  });

  after(async () => {
    await worker?.stop();
    await agency?.close();
  });

  it('gets every message exactly once successfully, with the stored bytes, after retries', async () => {
    // The plan: per message (in sending order) 0..MAX_FAILURES failures of random kinds, then success.
    const random = mulberry32(SEED);
    const plans: Answer[][] = Array.from({ length: MESSAGES }, () =>
      Array.from(
        { length: Math.floor(random() * (MAX_FAILURES + 1)) },
        () => FAILURES[Math.floor(random() * FAILURES.length)]!,
      ),
    );
    const planned = new Set(plans.flat());
    assert.deepEqual(
      FAILURES.filter((kind) => !planned.has(kind)),
      [],
      'the seed plans every kind of failure',
    );
    assert.ok(plans.some((plan) => plan.length === 0) && plans.some((plan) => plan.length > 1));

    const sent: { messageId: string; jobId: string }[] = [];
    // Four appeals under each of five tracking numbers: within a tracking number, delivery keeps their order.
    for (let i = 0; i < MESSAGES; i += 1) sent.push(await agency.send(`UKC-2026-1125-9000${i % GROUPS}`));
    const planOf = new Map(sent.map((message, i) => [message.messageId, plans[i]!]));
    agency.answer = (messageId, seen) => planOf.get(messageId)?.[seen] ?? 'ok';

    // Retries due at once (no backoff, no jitter); the worker's own timeout is short.
    const queue = new DeliveryQueue(agency.running.hub.store, {
      schedule: new RetrySchedule({ baseDelayMs: 0, maxDelayMs: 0, jitter: 0 }),
      random: mulberry32(SEED + 1),
    });
    const timeoutMs = 1_000;
    worker = new DeliveryWorker(agency.running.hub, queue, {
      owner: 'reliability-worker',
      batch: 8,
      pollMs: 50,
      timeoutMs,
      logger: quiet,
    });

    const started = Date.now();
    let rounds = 0;
    let failed = 0;
    const results = new Map<string, string[]>();
    for (;;) {
      const stats = await queue.stats();
      const open = MESSAGES - stats.byState.acknowledged - stats.byState.dead;
      if (open === 0) break;
      assert.ok(rounds < MAX_ROUNDS, `not done after ${MAX_ROUNDS} rounds: ${JSON.stringify(stats.byState)}`);
      rounds += 1;
      const outcomes = await worker.runOnce();
      for (const outcome of outcomes) {
        assert.ok(outcome.result === 'acknowledged' || outcome.result === 'failed', outcome.result);
        if (outcome.result === 'failed') failed += 1;
        results.set(outcome.messageId, [...(results.get(outcome.messageId) ?? []), outcome.result]);
      }
    }
    const elapsedMs = Date.now() - started;

    const stats = await queue.stats();
    assert.equal(stats.byState.acknowledged, MESSAGES, JSON.stringify(stats.byState));
    assert.equal(stats.byState.dead, 0);
    const plannedFailures = plans.reduce((n, plan) => n + plan.length, 0);
    assert.ok(failed >= plannedFailures, `${failed} failed attempts, ${plannedFailures} planned`);

    for (const [i, { messageId, jobId }] of sent.entries()) {
      const { job, message } = await queue.inspect(jobId);
      assert.equal(job.state, 'acknowledged');
      const mine = agency.attempts.filter((a) => a.messageId === messageId);
      assert.ok(
        mine.every((a) => a.idempotencyKey === messageId),
        'every attempt carries the message id as Idempotency-Key',
      );
      const successes = agency.attempts.filter((a) => a.idempotencyKey === messageId && a.answer === 'ok');
      assert.equal(successes.length, 1, `message ${i}: ${successes.length} successful deliveries`);
      for (const attempt of mine) assert.equal(attempt.sha256, message.receivedSha256, `message ${i}: bytes`);
      // Every planned failure reached the endpoint, in order, then the one success.
      assert.deepEqual(
        mine.map((a) => a.answer),
        [...plans[i]!, 'ok'],
        `message ${i}: the attempts the endpoint answered`,
      );
      // A lost keep-alive connection may cost an attempt the endpoint never saw: at least, never fewer.
      assert.ok(job.attempts >= mine.length, `message ${i}: ${job.attempts} attempts, ${mine.length} seen`);
      if (plans[i]!.length > 0)
        assert.ok(job.attempts > 1, `message ${i} failed, yet attempts ${job.attempts}`);
      assert.equal(results.get(messageId)?.at(-1), 'acknowledged');
    }
    // Per tracking number, in the hub's order (received, then message id), no attempt of a message reached the
    // endpoint before the one success of the message before it.
    const details = await Promise.all(sent.map(({ jobId }) => queue.inspect(jobId)));
    for (let group = 0; group < GROUPS; group += 1) {
      const ordered = details
        .filter((_, i) => i % GROUPS === group)
        .map((d) => d.message)
        .sort((a, b) =>
          a.receivedAt === b.receivedAt
            ? a.messageId.localeCompare(b.messageId)
            : Date.parse(a.receivedAt) - Date.parse(b.receivedAt),
        );
      for (let k = 1; k < ordered.length; k += 1) {
        const before = agency.attempts.findIndex(
          (a) => a.messageId === ordered[k - 1]!.messageId && a.answer === 'ok',
        );
        const first = agency.attempts.findIndex((a) => a.messageId === ordered[k]!.messageId);
        assert.ok(before >= 0 && first > before, `tracking group ${group}: message ${k} overtook ${k - 1}`);
      }
    }
    const hangs = plans.flat().filter((kind) => kind === 'hang').length;
    // Hangs cost a timeout each (up to four in parallel); everything else is quick.
    assert.ok(elapsedMs < 60_000, `took ${elapsedMs} ms for ${hangs} hangs at ${timeoutMs} ms`);
  });
});
