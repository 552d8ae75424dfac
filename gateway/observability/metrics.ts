import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type CounterConfiguration,
} from 'prom-client';
import type { QueueStats } from '../queue/delivery-queue.js';

/** What the metrics read the queue gauges from at scrape time (DeliveryQueue; a fake in tests). */
export interface QueueStatsSource {
  stats(): Promise<QueueStats>;
}

export interface HubMetricsOptions {
  /** The queue whose `stats()` the `vkhid_queue_*` gauges show; without it those gauges stay empty. */
  readonly queue?: QueueStatsSource;
  /** Node's process metrics (`collectDefaultMetrics`); default true. */
  readonly defaultMetrics?: boolean;
}

/** States in which a delivery job still has work ahead of it (what `vkhid_queue_depth_by_recipient` counts). */
const PENDING_STATES = ['queued', 'sending', 'retry'] as const;

/**
 * The hub's Prometheus metrics, in a registry of its own (never prom-client's global one), so tests and
 * several hubs in one process do not collide. The server serves `text()` at `GET /metrics`.
 *
 *   vkhid_messages_accepted_total{type}        messages stored by the intake (repeats are not counted again)
 *   vkhid_messages_rejected_total{code}        posts refused, by catalogue code
 *   vkhid_deliveries_total{outcome}            delivered | retried | dead (the delivery worker counts them)
 *   vkhid_intake_duration_seconds              time of the intake of one post, accepted or refused
 *   vkhid_delivery_latency_seconds             from acceptance to delivery
 *   vkhid_queue_depth{state}                   delivery jobs per state          } read from the queue's
 *   vkhid_queue_depth_by_recipient{recipient}  jobs queued, sending or retry    } `stats()` at every scrape
 *   vkhid_queue_oldest_age_seconds             age of the oldest waiting job (0 when none waits)
 *   vkhid_appeals_by_deadline{state}           open appeals whose answer term is due-soon | overdue (set by
 *                                              the deadline watch at each run)
 *   vkhid_deadline_alerts_total{flag}          deadline alerts raised (answer-due-soon | answer-overdue |
 *                                              registration-late)
 *   process_*, nodejs_*                        prom-client's default process metrics
 */
export class HubMetrics {
  readonly registry = new Registry();
  private readonly acceptedTotal: Counter<'type'>;
  private readonly rejectedTotal: Counter<'code'>;
  private readonly deliveriesTotal: Counter<'outcome'>;
  private readonly intakeDuration: Histogram;
  private readonly deliveryLatency: Histogram;
  private readonly appealsByDeadlineGauge: Gauge<'state'>;
  private readonly deadlineAlertsTotal: Counter<'flag'>;
  private readonly queue: QueueStatsSource | undefined;
  /** One `stats()` per scrape: the three queue gauges are collected together and share it. */
  private pendingStats: Promise<QueueStats> | undefined;

  constructor(options: HubMetricsOptions = {}) {
    this.queue = options.queue;
    const registers = [this.registry];
    const counter = <L extends string>(config: CounterConfiguration<L>): Counter<L> =>
      new Counter<L>({ ...config, registers });
    this.acceptedTotal = counter({
      name: 'vkhid_messages_accepted_total',
      help: 'Messages accepted and stored by the intake, by envelope type',
      labelNames: ['type'],
    });
    this.rejectedTotal = counter({
      name: 'vkhid_messages_rejected_total',
      help: 'Posts of messages refused, by error code',
      labelNames: ['code'],
    });
    this.deliveriesTotal = counter({
      name: 'vkhid_deliveries_total',
      help: 'Delivery attempts by outcome: delivered, retried (failed, will retry) or dead (given up)',
      labelNames: ['outcome'],
    });
    this.intakeDuration = new Histogram({
      name: 'vkhid_intake_duration_seconds',
      help: 'Time to take in one posted message (verification, storage, receipt), accepted or refused',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.deliveryLatency = new Histogram({
      name: 'vkhid_delivery_latency_seconds',
      help: 'Time from the acceptance of a message to its delivery to the recipient',
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600],
      registers,
    });
    this.appealsByDeadlineGauge = new Gauge({
      name: 'vkhid_appeals_by_deadline',
      help: 'Open appeals whose answer term is due soon or overdue, as of the last deadline watch run',
      labelNames: ['state'],
      registers,
    });
    this.deadlineAlertsTotal = counter({
      name: 'vkhid_deadline_alerts_total',
      help: 'Deadline alerts raised, by flag: answer-due-soon, answer-overdue, registration-late',
      labelNames: ['flag'],
    });
    const depth = new Gauge({
      name: 'vkhid_queue_depth',
      help: 'Delivery jobs per state',
      labelNames: ['state'],
      registers,
      collect: async () => {
        const stats = await this.queueStats();
        if (stats === undefined) return;
        for (const [state, n] of Object.entries(stats.byState)) depth.set({ state }, n);
      },
    });
    const byRecipient = new Gauge({
      name: 'vkhid_queue_depth_by_recipient',
      help: 'Delivery jobs still to be delivered (queued, sending or retry) per recipient',
      labelNames: ['recipient'],
      registers,
      collect: async () => {
        const stats = await this.queueStats();
        if (stats === undefined) return;
        // A recipient whose jobs are gone must not keep its last value.
        byRecipient.reset();
        for (const [recipient, counts] of Object.entries(stats.byRecipient)) {
          byRecipient.set(
            { recipient },
            PENDING_STATES.reduce((sum, state) => sum + (counts[state] ?? 0), 0),
          );
        }
      },
    });
    const oldest = new Gauge({
      name: 'vkhid_queue_oldest_age_seconds',
      help: 'Age of the oldest delivery job waiting to be sent (queued or retry); 0 when none waits',
      registers,
      collect: async () => {
        const stats = await this.queueStats();
        if (stats === undefined) return;
        oldest.set((stats.oldestQueuedAgeMs ?? 0) / 1000);
      },
    });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** A message was accepted and stored (not a repeat). */
  accepted(type: string): void {
    this.acceptedTotal.inc({ type });
  }

  /** A post was refused with this catalogue code. */
  rejected(code: string): void {
    this.rejectedTotal.inc({ code });
  }

  /** For the delivery worker: the recipient acknowledged the message. */
  delivered(): void {
    this.deliveriesTotal.inc({ outcome: 'delivered' });
  }

  /** For the delivery worker: an attempt failed and the job will be tried again. */
  retried(): void {
    this.deliveriesTotal.inc({ outcome: 'retried' });
  }

  /** For the delivery worker: the job was given up (dead letter). */
  dead(): void {
    this.deliveriesTotal.inc({ outcome: 'dead' });
  }

  /** For the delivery worker: seconds from the message's acceptance (`receivedAt`) to its delivery. */
  observeDeliveryLatency(seconds: number): void {
    this.deliveryLatency.observe(seconds);
  }

  /** For the deadline watch: open appeals whose answer term is due soon, and overdue, at its last run. */
  appealsByDeadline(counts: { readonly dueSoon: number; readonly overdue: number }): void {
    this.appealsByDeadlineGauge.set({ state: 'due-soon' }, counts.dueSoon);
    this.appealsByDeadlineGauge.set({ state: 'overdue' }, counts.overdue);
  }

  /** For the deadline watch: an alert was raised. */
  deadlineAlerted(flag: string): void {
    this.deadlineAlertsTotal.inc({ flag });
  }

  /** Runs one intake and records its duration, whether it succeeds or throws. */
  async timeIntake<T>(work: () => Promise<T>): Promise<T> {
    const end = this.intakeDuration.startTimer();
    try {
      return await work();
    } finally {
      end();
    }
  }

  /** The exposition text; the queue gauges are read from the queue now. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** `text/plain; version=0.0.4; charset=utf-8`. */
  get contentType(): string {
    return this.registry.contentType;
  }

  private queueStats(): Promise<QueueStats | undefined> {
    if (this.queue === undefined) return Promise.resolve(undefined);
    this.pendingStats ??= this.queue.stats().finally(() => {
      this.pendingStats = undefined;
    });
    return this.pendingStats;
  }
}
