/**
 * Reliability: a worker that dies mid-flight, simulated in-process. The "crashed" worker claims under a 1 ms
 * lease and never reports (or reports nothing after the endpoint answered); once the lease is past (waited for
 * on the clock, not guessed), a second worker on the hub's queue takes the jobs over. No timing races: every
 * step is awaited and the lease expiry is checked before going on.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeliveryWorker } from '../../gateway/delivery/delivery-worker.js';
import { DeliveryQueue, type ClaimedJob } from '../../gateway/queue/delivery-queue.js';
import { quiet } from '../intake/fixtures/intake-hub.js';
import { startFlakyAgency, type FlakyAgency } from './fixtures/flaky-agency.js';

/** A queue whose `acknowledgedBy` report never arrives: the process "died" right after the endpoint answered. */
class DyingQueue extends DeliveryQueue {
  claimed = 0;
  reports = 0;
  override async claim(owner: string, limit: number): Promise<ClaimedJob[]> {
    const jobs = await super.claim(owner, limit);
    this.claimed += jobs.length;
    return jobs;
  }
  override acknowledgedBy(): Promise<boolean> {
    this.reports += 1;
    return Promise.reject(new Error('simulated crash before the delivery was recorded'));
  }
  // The worker takes an error of `acknowledgedBy` for a failed attempt and reports that: the process is gone, so no.
  override failed(): Promise<false> {
    return Promise.reject(new Error('simulated crash: nothing more is reported'));
  }
}

/** Waits until every lease of `jobs` is in the past by the wall clock (bounded: leases are 1 ms). */
async function pastLeases(jobs: readonly ClaimedJob[]): Promise<void> {
  const latest = Math.max(...jobs.map((job) => new Date(job.leaseUntil).getTime()));
  for (let i = 0; Date.now() <= latest + 5; i += 1) {
    assert.ok(i < 100, 'the clock does not move');
    await sleep(10);
  }
}

describe('reliability: a worker that crashes mid-flight', function () {
  this.timeout(60_000);

  let agency: FlakyAgency;
  let recovery: DeliveryWorker;

  before(async () => {
    agency = await startFlakyAgency();
    // The hub's own queue (default 60 s lease), as the server's worker and lease reaper use it.
    recovery = new DeliveryWorker(agency.running.hub, agency.running.queue, {
      owner: 'recovery-worker',
      batch: 8,
      pollMs: 50,
      timeoutMs: 10_000,
      logger: quiet,
    });
  });

  after(async () => {
    await recovery?.stop();
    await agency?.close();
  });

  /** Runs the recovery worker until nothing is claimed (bounded). */
  async function drain(): Promise<void> {
    for (let round = 0; ; round += 1) {
      assert.ok(round < 20, 'the queue does not drain');
      const outcomes = await recovery.runOnce();
      assert.ok(
        outcomes.every((o) => o.result === 'acknowledged'),
        JSON.stringify(outcomes),
      );
      if (outcomes.length === 0) return;
    }
  }

  it('claimed and never reported: reaped, delivered once by another worker, the stale owner refused', async () => {
    const sent = [];
    for (let i = 0; i < 4; i += 1) sent.push(await agency.send());
    const crashed = new DeliveryQueue(agency.running.hub.store, { leaseMs: 1 });
    const claimed = await crashed.claim('crashed-worker', 8);
    assert.deepEqual(claimed.map((job) => job.jobId).sort(), sent.map((m) => m.jobId).sort());
    await pastLeases(claimed);

    assert.equal(await agency.running.queue.reapExpiredLeases(), claimed.length);
    for (const { jobId } of sent) {
      const { job } = await agency.running.queue.inspect(jobId);
      assert.equal(job.state, 'retry');
      assert.match(job.lastError ?? '', /lease expired/);
    }
    await drain();

    // The crashed worker "wakes up" late: its reports change nothing.
    for (const { jobId } of sent) {
      assert.equal(await crashed.delivered(jobId, 'crashed-worker'), false);
      assert.equal(await crashed.failed(jobId, 'crashed-worker', 'late'), false);
    }
    for (const { messageId, jobId } of sent) {
      const { job, message } = await agency.running.queue.inspect(jobId);
      assert.equal(job.state, 'acknowledged');
      assert.equal(job.attempts, 2, 'the crashed claim counted as an attempt');
      const seen = agency.attempts.filter((a) => a.idempotencyKey === messageId);
      assert.deepEqual(
        seen.map((a) => a.answer),
        ['ok'],
        'exactly one delivery reached the endpoint',
      );
      assert.equal(seen[0]!.sha256, message.receivedSha256);
    }
    const stats = await agency.running.queue.stats();
    assert.equal(stats.oldestQueuedAgeMs, null);
    assert.equal(stats.byState.sending + stats.byState.queued + stats.byState.retry, 0);
  });

  it('crashed after the endpoint answered: taken over without the reaper, sent again with the same key', async () => {
    const sent = [];
    for (let i = 0; i < 3; i += 1) sent.push(await agency.send());
    const dying = new DyingQueue(agency.running.hub.store, { leaseMs: 1 });
    const doomed = new DeliveryWorker(agency.running.hub, dying, {
      owner: 'dying-worker',
      batch: 8,
      pollMs: 50,
      timeoutMs: 10_000,
      logger: quiet,
    });
    try {
      await assert.rejects(doomed.runOnce(), /simulated crash: nothing more/);
      // runOnce rejects with the first crash; wait for the other attempts of the batch to reach theirs.
      for (let i = 0; dying.reports < dying.claimed; i += 1) {
        assert.ok(i < 500, `${dying.reports} of ${dying.claimed} attempts finished`);
        await sleep(10);
      }
    } finally {
      await doomed.stop();
    }
    assert.equal(dying.claimed, sent.length);
    const inFlight = await Promise.all(sent.map(({ jobId }) => agency.running.queue.inspect(jobId)));
    for (const { job } of inFlight) {
      assert.equal(job.state, 'sending');
      assert.equal(job.leaseOwner, 'dying-worker');
    }
    const latest = Math.max(...inFlight.map(({ job }) => new Date(job.leaseUntil ?? 0).getTime()));
    for (let i = 0; Date.now() <= latest + 5; i += 1) {
      assert.ok(i < 100, 'the clock does not move');
      await sleep(10);
    }

    await drain();

    for (const { messageId, jobId } of sent) {
      const { job, message } = await agency.running.queue.inspect(jobId);
      assert.equal(job.state, 'acknowledged');
      assert.equal(job.attempts, 2);
      // At least once: the endpoint got it twice, byte-identical and under the same Idempotency-Key, which
      // is what lets the recipient keep one.
      const seen = agency.attempts.filter((a) => a.messageId === messageId);
      assert.equal(seen.length, 2);
      assert.ok(seen.every((a) => a.idempotencyKey === messageId && a.sha256 === message.receivedSha256));
    }
    const stats = await agency.running.queue.stats();
    assert.equal(stats.byState.sending + stats.byState.queued + stats.byState.retry, 0);
  });
});
