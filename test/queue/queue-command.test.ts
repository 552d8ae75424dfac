/**
 * `vkhid queue list|show|retry|requeue|stats`: the operators' view of the delivery queue, with --json and as
 * text, and its refusals.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { openHub } from '../../gateway/hub/hub-context.js';
import { PRIORITY_NORMAL, PRIORITY_URGENT, type DeliveryJob } from '../../gateway/queue/delivery-job.js';
import { DeliveryQueue } from '../../gateway/queue/delivery-queue.js';
import { RetrySchedule } from '../../gateway/queue/retry-schedule.js';
import {
  AGENCY,
  CONTACT_CENTER,
  copyHub,
  expectJsonError,
  initialisedHub,
  json,
  ok,
  removeTemporaryDirectories,
  vkhid,
} from '../cli/fixtures/hub-cli.js';
import { expectStderrRefusal } from '../cli/fixtures/run-vkhid.js';

describe('vkhid queue (CLI)', function () {
  this.timeout(120_000);
  let template: string;
  let data: string;
  let queued: DeliveryJob;
  let urgent: DeliveryJob;
  let dead: DeliveryJob;

  before(async () => {
    template = await initialisedHub();
  });
  after(removeTemporaryDirectories);

  beforeEach(async () => {
    data = copyHub(template);
    const hub = await openHub({ dataDir: data });
    try {
      for (const code of [CONTACT_CENTER, AGENCY]) {
        await hub.registry.addParticipant({ code, fullName: `P ${code}`, kind: 'agency' }, 'test');
      }
      const store = async (priority: number): Promise<DeliveryJob> => {
        const at = new Date().toISOString();
        const result = await hub.messages.storeAccepted(
          {
            messageId: randomUUID(),
            type: 'appeal',
            sender: CONTACT_CENTER,
            recipient: AGENCY,
            tracking: `UKC-${randomUUID().slice(0, 13).toUpperCase()}`,
            inReplyTo: null,
            urgency: priority === PRIORITY_URGENT ? 'urgent' : 'normal',
            createdAt: at,
            receivedSha256: randomUUID().replace(/-/g, '').repeat(2),
            receivedBytes: Buffer.from('<Envelope/>'),
            signedXml: '<Envelope/>',
            signerFingerprint: 'AA',
            clientFingerprint: 'BB',
            receiptId: randomUUID(),
            receiptXml: '<receipt/>',
            receivedAt: at,
          },
          priority,
        );
        assert.equal(result.kind, 'stored');
        return result.job;
      };
      dead = await store(PRIORITY_NORMAL);
      queued = await store(PRIORITY_NORMAL);
      urgent = await store(PRIORITY_URGENT);
      // A worker whose every attempt is too late: the first failure makes the job a dead letter.
      const worker = new DeliveryQueue(hub.store, { schedule: new RetrySchedule({ maxAgeMs: 0 }) });
      await hub.store.transaction((tx) =>
        tx.execute('UPDATE delivery_jobs SET priority = -1 WHERE id = ?', [dead.id]),
      );
      const [claimed] = await worker.claim('worker-1', 1);
      assert.equal(claimed?.jobId, dead.id);
      assert.deepEqual(await worker.failed(dead.id, 'worker-1', 'HTTP 410 Gone'), { state: 'dead' });
    } finally {
      await hub.close();
    }
  });

  it('list: queue order, filters, --json and a table', async () => {
    const all = json<{ ok: boolean; jobs: DeliveryJob[] }>(ok(await vkhid(data, 'queue', 'list', '--json')));
    assert.equal(all.ok, true);
    assert.deepEqual(
      all.jobs.map((j) => j.id),
      [dead.id, urgent.id, queued.id],
    );
    const deadOnly = json<{ jobs: DeliveryJob[] }>(
      ok(await vkhid(data, 'queue', 'list', '--state', 'dead', '--recipient', AGENCY, '--json')),
    );
    assert.deepEqual(
      deadOnly.jobs.map((j) => [j.id, j.lastError]),
      [[dead.id, 'HTTP 410 Gone']],
    );
    const limited = json<{ jobs: DeliveryJob[] }>(
      ok(await vkhid(data, 'queue', 'list', '--limit', '1', '--json')),
    );
    assert.equal(limited.jobs.length, 1);
    const text = ok(await vkhid(data, 'queue', 'list')).stdout;
    assert.match(text, /^JOB\s+STATE\s+RECIPIENT/);
    assert.match(text, new RegExp(`${dead.id}\\s+dead\\s+${AGENCY}`));
    assert.match(
      ok(await vkhid(data, 'queue', 'list', '--state', 'acknowledged')).stdout,
      /^no delivery jobs$/m,
    );
  });

  it('list refuses a bad --state or --limit (usage, exit 2)', async () => {
    expectStderrRefusal(await vkhid(data, 'queue', 'list', '--state', 'lost'), 'CLI_USAGE', 2);
    expectStderrRefusal(await vkhid(data, 'queue', 'list', '--limit', '0'), 'CLI_USAGE', 2);
  });

  it('show: the job and its message header; an unknown job is QUEUE_JOB_NOT_FOUND', async () => {
    const shown = json<{ job: DeliveryJob; message: Record<string, unknown> }>(
      ok(await vkhid(data, 'queue', 'show', dead.id, '--json')),
    );
    assert.equal(shown.job.state, 'dead');
    assert.equal(shown.message.sender, CONTACT_CENTER);
    assert.ok(!('receivedBytes' in shown.message));
    const text = ok(await vkhid(data, 'queue', 'show', dead.id)).stdout;
    assert.match(text, /^state:\s+dead$/m);
    assert.match(text, /^last error:\s+HTTP 410 Gone$/m);
    expectJsonError(await vkhid(data, 'queue', 'show', randomUUID(), '--json'), 'QUEUE_JOB_NOT_FOUND');
    expectStderrRefusal(await vkhid(data, 'queue', 'show', randomUUID()), 'QUEUE_JOB_NOT_FOUND');
  });

  it('requeue moves a dead letter back; requeue of a queued job is refused', async () => {
    const requeued = json<{ job: DeliveryJob }>(ok(await vkhid(data, 'queue', 'requeue', dead.id, '--json')));
    assert.deepEqual([requeued.job.state, requeued.job.attempts], ['queued', 0]);
    expectStderrRefusal(await vkhid(data, 'queue', 'requeue', dead.id), 'QUEUE_TRANSITION');
    expectJsonError(await vkhid(data, 'queue', 'requeue', queued.id, '--json'), 'QUEUE_TRANSITION');
  });

  it('requeue prints what it did', async () => {
    const text = ok(await vkhid(data, 'queue', 'requeue', dead.id)).stdout;
    assert.equal(text, `job ${dead.id} to ${AGENCY} is queued again\n`);
  });

  it('retry makes a queued job due now; retry of a dead letter is refused', async () => {
    const text = ok(await vkhid(data, 'queue', 'retry', queued.id)).stdout;
    assert.match(text, new RegExp(`job ${queued.id} to ${AGENCY} is due now`));
    expectJsonError(await vkhid(data, 'queue', 'retry', dead.id, '--json'), 'QUEUE_TRANSITION');
  });

  it('stats: counts per state and recipient', async () => {
    const { stats } = json<{
      stats: { byState: Record<string, number>; byRecipient: Record<string, Record<string, number>> };
    }>(ok(await vkhid(data, 'queue', 'stats', '--json')));
    assert.equal(stats.byState.queued, 2);
    assert.equal(stats.byState.dead, 1);
    assert.deepEqual(stats.byRecipient[AGENCY], { queued: 2, dead: 1 });
    const text = ok(await vkhid(data, 'queue', 'stats')).stdout;
    assert.match(
      text,
      /queued 2, sending 0, retry 0, delivered 0, acknowledged 0, dead 1; oldest waiting job: \d+ s/,
    );
    assert.match(text, new RegExp(`^${AGENCY}\\s+2\\s+0\\s+0\\s+0\\s+0\\s+1$`, 'm'));
  });
});
