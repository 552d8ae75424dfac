/**
 * HubMetrics on a fake queue (counters, histograms, the queue gauges read from `stats()` at scrape time), and
 * one scrape of `GET /metrics` on a real hub after an accepted and a refused post.
 */
import assert from 'node:assert/strict';
import { DELIVERY_STATES, type DeliveryState } from '../../gateway/queue/delivery-job.js';
import type { QueueStats } from '../../gateway/queue/delivery-queue.js';
import { HubMetrics } from '../../gateway/observability/metrics.js';
import {
  addParticipant,
  appeal,
  edrpou,
  post,
  startIntakeHub,
  tlsOf,
  type IntakeHub,
  type TestParticipant,
} from '../intake/fixtures/intake-hub.js';

function fakeQueue(stats: QueueStats): { stats(): Promise<QueueStats>; calls: number; current: QueueStats } {
  const queue = {
    calls: 0,
    current: stats,
    stats(): Promise<QueueStats> {
      queue.calls++;
      return Promise.resolve(queue.current);
    },
  };
  return queue;
}

function byState(counts: Partial<Record<DeliveryState, number>>): Record<DeliveryState, number> {
  return Object.fromEntries(DELIVERY_STATES.map((state) => [state, counts[state] ?? 0])) as Record<
    DeliveryState,
    number
  >;
}

/** The value of one sample line (`name{labels} value`), or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('HubMetrics', () => {
  it('counts accepted and rejected messages and delivery outcomes by label', async () => {
    const metrics = new HubMetrics({ defaultMetrics: false });
    metrics.accepted('appeal');
    metrics.accepted('appeal');
    metrics.accepted('status');
    metrics.rejected('SIGNATURE_INVALID');
    metrics.delivered();
    metrics.retried();
    metrics.retried();
    metrics.dead();
    metrics.observeDeliveryLatency(42);
    await metrics.timeIntake(() => Promise.resolve('done'));
    await assert.rejects(
      metrics.timeIntake(() => Promise.reject(new Error('refused'))),
      /refused/,
    );

    const text = await metrics.text();
    assert.equal(sample(text, 'vkhid_messages_accepted_total{type="appeal"}'), 2);
    assert.equal(sample(text, 'vkhid_messages_accepted_total{type="status"}'), 1);
    assert.equal(sample(text, 'vkhid_messages_rejected_total{code="SIGNATURE_INVALID"}'), 1);
    assert.equal(sample(text, 'vkhid_deliveries_total{outcome="delivered"}'), 1);
    assert.equal(sample(text, 'vkhid_deliveries_total{outcome="retried"}'), 2);
    assert.equal(sample(text, 'vkhid_deliveries_total{outcome="dead"}'), 1);
    assert.equal(sample(text, 'vkhid_delivery_latency_seconds_count'), 1);
    assert.equal(sample(text, 'vkhid_delivery_latency_seconds_sum'), 42);
    assert.equal(sample(text, 'vkhid_intake_duration_seconds_count'), 2, 'a refused intake is timed too');
    assert.doesNotMatch(text, /^process_/m, 'default metrics off');
    assert.match(metrics.contentType, /^text\/plain; version=0\.0\.4/);
  });

  it('reads the queue gauges from stats() at every scrape, once per scrape', async () => {
    const queue = fakeQueue({
      byState: byState({ queued: 3, retry: 1, dead: 2, delivered: 5 }),
      byRecipient: {
        '00022527': { queued: 2, retry: 1, delivered: 5 },
        '03359500': { queued: 1, dead: 2 },
      },
      oldestQueuedAgeMs: 90_500,
    });
    const metrics = new HubMetrics({ queue, defaultMetrics: false });
    let text = await metrics.text();
    assert.equal(queue.calls, 1);
    assert.equal(sample(text, 'vkhid_queue_depth{state="queued"}'), 3);
    assert.equal(sample(text, 'vkhid_queue_depth{state="retry"}'), 1);
    assert.equal(sample(text, 'vkhid_queue_depth{state="sending"}'), 0);
    assert.equal(sample(text, 'vkhid_queue_depth{state="dead"}'), 2);
    assert.equal(sample(text, 'vkhid_queue_depth{state="delivered"}'), 5);
    assert.equal(sample(text, 'vkhid_queue_depth_by_recipient{recipient="00022527"}'), 3);
    assert.equal(sample(text, 'vkhid_queue_depth_by_recipient{recipient="03359500"}'), 1);
    assert.equal(sample(text, 'vkhid_queue_oldest_age_seconds'), 90.5);

    queue.current = { byState: byState({ delivered: 9 }), byRecipient: {}, oldestQueuedAgeMs: null };
    text = await metrics.text();
    assert.equal(queue.calls, 2);
    assert.equal(sample(text, 'vkhid_queue_depth{state="queued"}'), 0);
    assert.equal(sample(text, 'vkhid_queue_depth{state="delivered"}'), 9);
    assert.doesNotMatch(text, /recipient="00022527"/, 'a recipient without jobs is dropped');
    assert.equal(sample(text, 'vkhid_queue_oldest_age_seconds'), 0);
  });

  it('shows the appeals by deadline state as last set (a gauge) and counts the deadline alerts', async () => {
    const metrics = new HubMetrics({ defaultMetrics: false });
    metrics.appealsByDeadline({ dueSoon: 3, overdue: 2 });
    metrics.appealsByDeadline({ dueSoon: 1, overdue: 4 });
    metrics.deadlineAlerted('answer-overdue');
    metrics.deadlineAlerted('answer-overdue');
    metrics.deadlineAlerted('registration-late');
    const text = await metrics.text();
    assert.equal(sample(text, 'vkhid_appeals_by_deadline{state="due-soon"}'), 1);
    assert.equal(sample(text, 'vkhid_appeals_by_deadline{state="overdue"}'), 4);
    assert.equal(sample(text, 'vkhid_deadline_alerts_total{flag="answer-overdue"}'), 2);
    assert.equal(sample(text, 'vkhid_deadline_alerts_total{flag="registration-late"}'), 1);
    assert.equal(sample(text, 'vkhid_deadline_alerts_total{flag="answer-due-soon"}'), undefined);
  });

  it('keeps a registry of its own: two hubs in one process do not collide, the defaults are there', async () => {
    const one = new HubMetrics();
    const two = new HubMetrics();
    one.accepted('appeal');
    const [first, second] = await Promise.all([one.text(), two.text()]);
    assert.equal(sample(first, 'vkhid_messages_accepted_total{type="appeal"}'), 1);
    assert.equal(sample(second, 'vkhid_messages_accepted_total{type="appeal"}'), undefined);
    assert.match(first, /^process_cpu_user_seconds_total /m);
    assert.match(first, /^nodejs_eventloop_lag_seconds /m);
  });
});

describe('GET /metrics on the hub server', function () {
  this.timeout(120_000);
  const CONTACT_CENTER = edrpou('0001562');
  const AGENCY = edrpou('0002252');
  let hub: IntakeHub;
  let cc: TestParticipant;

  before(async () => {
    hub = await startIntakeHub();
    cc = await addParticipant(hub.running, CONTACT_CENTER, 'contact-center', ['appeal']);
    await addParticipant(hub.running, AGENCY, 'agency', ['appeal']);
  });

  after(async () => {
    await hub?.stop();
  });

  it('counts an accepted and a refused post and shows the queued delivery job', async () => {
    const signed = cc.signEnvelope(appeal(CONTACT_CENTER, AGENCY));
    assert.equal((await post(hub, signed, { client: tlsOf(cc) })).status, 202);
    assert.equal((await post(hub, signed, { client: tlsOf(cc) })).status, 202, 'a repeat');
    assert.equal((await post(hub, signed)).status, 401, 'no client certificate');

    const reply = await post(hub, '', { method: 'GET', path: '/metrics', contentType: null });
    assert.equal(reply.status, 200);
    assert.match(reply.type, /^text\/plain; version=0\.0\.4/);
    const text = reply.body.toString('utf8');
    assert.equal(
      sample(text, 'vkhid_messages_accepted_total{type="appeal"}'),
      1,
      'the repeat is not counted',
    );
    assert.equal(sample(text, 'vkhid_messages_rejected_total{code="INTAKE_CLIENT_CERT_MISSING"}'), 1);
    assert.equal(sample(text, 'vkhid_intake_duration_seconds_count'), 2);
    // One delivery job, in whatever state the hub's delivery worker has moved it to by now.
    const jobs = text
      .split('\n')
      .filter((line) => line.startsWith('vkhid_queue_depth{'))
      .reduce((sum, line) => sum + Number(line.split(' ')[1]), 0);
    assert.equal(jobs, 1);
    assert.match(text, new RegExp(`^vkhid_queue_depth_by_recipient\\{recipient="${AGENCY}"\\} [01]$`, 'm'));
    assert.match(text, /^vkhid_queue_oldest_age_seconds \d/m);
    assert.match(text, /^process_resident_memory_bytes /m);
  });
});
