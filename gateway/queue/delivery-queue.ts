import type { HubConfig } from '../config/hub-config.js';
import { parameterMarkers } from '../store/scan-sql.js';
import type { MessageType } from '../envelope/envelope-model.js';
import { VkhidError } from '../errors/vkhid-error.js';
import type { Row, SqlValue, StoreConnection } from '../store/store-driver.js';
import type { Store } from '../store/store.js';
import { findDeliveryReceipt, recordDeliveryReceipt, type DeliveryReceipt } from './delivery-receipt.js';
import { DELIVERY_STATES, type DeliveryJob, type DeliveryState } from './delivery-job.js';
import { RetrySchedule } from './retry-schedule.js';

export interface DeliveryQueueOptions {
  /** Runs in the transaction that makes a job acknowledged (the appeal tracker's delivery step). */
  readonly onAcknowledged?: (tx: StoreConnection, jobId: string, at: string) => Promise<void>;
  /** Backoff and maximum age of failed deliveries (default: `new RetrySchedule()`). */
  readonly schedule?: RetrySchedule;
  /** How long a claim holds a job before another worker may take it over (default 60 s). */
  readonly leaseMs?: number;
  /** At most this many unexpired `sending` jobs per recipient (default 4). */
  readonly perRecipientConcurrency?: number;
  readonly now?: () => Date;
  /** The jitter's random source (default Math.random). */
  readonly random?: () => number;
}

/** A job handed to a worker by `claim`: everything needed to deliver it. */
export interface ClaimedJob {
  readonly jobId: string;
  readonly messageId: string;
  readonly recipient: string;
  readonly type: MessageType;
  readonly tracking: string | null;
  readonly priority: number;
  /** Attempts made, this one included. */
  readonly attempts: number;
  readonly leaseOwner: string;
  readonly leaseUntil: string;
  /** The exact bytes received (the sender's signed envelope), delivered onwards unchanged. */
  readonly bytes: Buffer;
}

/** What a failed attempt led to: another try later, or a dead letter. */
export type FailedOutcome =
  { readonly state: 'retry'; readonly nextAttemptAt: string } | { readonly state: 'dead' };

/** A job with the header fields of its message (never the body), as `inspect` shows it. */
export interface JobDetails {
  readonly job: DeliveryJob;
  readonly message: {
    readonly messageId: string;
    readonly type: MessageType;
    readonly sender: string;
    readonly recipient: string;
    readonly tracking: string | null;
    readonly inReplyTo: string | null;
    readonly urgency: string | null;
    readonly createdAt: string;
    readonly receivedAt: string;
    readonly receivedSha256: string;
    readonly receivedSize: number;
    readonly receiptId: string;
  };
  /** The recipient's verified receipt, once the job is acknowledged (its bytes: `findDeliveryReceipt`). */
  readonly recipientReceipt?: {
    readonly receiptId: string;
    readonly sha256: string;
    readonly outcome: string;
    readonly via: 'push' | 'pull';
    readonly receivedAt: string;
  };
}

export interface QueueStats {
  readonly byState: Record<DeliveryState, number>;
  readonly byRecipient: Record<string, Partial<Record<DeliveryState, number>>>;
  /** Age of the oldest job waiting to be sent (queued or retry), or null when none waits. */
  readonly oldestQueuedAgeMs: number | null;
}

export interface ListOptions {
  readonly state?: DeliveryState;
  readonly recipient?: string;
  /** Default 100. */
  readonly limit?: number;
}

const JOB_COLUMNS =
  'j.id, j.message_id, j.recipient, j.state, j.priority, j.attempts, j.next_attempt_at, j.lease_owner, ' +
  'j.lease_until, j.last_error, j.created_at, j.updated_at';

/** Longest last_error kept (a worker may report a whole HTTP body). */
const MAX_ERROR_LENGTH = 2000;

/**
 * The durable delivery queue over `delivery_jobs` (written `queued` by the intake with its message). Every
 * operation is one store transaction, and every state change is a compare-and-set (`UPDATE ... WHERE state =
 * ...`) so it also holds on an engine with several writers.
 *
 * Workers: `claim` hands out due jobs under a lease; the worker reports `delivered` or `failed` under the same
 * owner name. A worker whose lease was taken over (another owner claimed the job after the lease expired, or
 * the reaper returned it to the queue) is told so (`false`) and changes nothing. A report from the lease owner
 * after its lease expired but before anyone took the job over is still accepted: the job is still its own.
 *
 * Claim order: most urgent first (priority), then oldest (created_at). Skipped:
 * - recipients that already have `perRecipientConcurrency` unexpired `sending` jobs;
 * - a job whose message has a tracking number while an earlier message (by received_at) with that tracking
 *   number to the same recipient is not yet delivered, acknowledged or dead: a status never overtakes the
 *   appeal it refers to.
 */
export class DeliveryQueue {
  readonly schedule: RetrySchedule;
  readonly leaseMs: number;
  readonly perRecipientConcurrency: number;
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly onAcknowledged: DeliveryQueueOptions['onAcknowledged'];

  constructor(
    private readonly store: Store,
    options: DeliveryQueueOptions = {},
  ) {
    this.schedule = options.schedule ?? new RetrySchedule();
    this.leaseMs = options.leaseMs ?? 60_000;
    this.perRecipientConcurrency = options.perRecipientConcurrency ?? 4;
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
    this.onAcknowledged = options.onAcknowledged;
    if (!Number.isSafeInteger(this.leaseMs) || this.leaseMs < 1) throw new RangeError('leaseMs must be ≥ 1');
    if (!Number.isSafeInteger(this.perRecipientConcurrency) || this.perRecipientConcurrency < 1) {
      throw new RangeError('perRecipientConcurrency must be a whole number ≥ 1');
    }
  }

  /** The queue with the hub's configured lease, per-recipient concurrency and retry schedule. */
  static configured(
    store: Store,
    config: Pick<HubConfig, 'delivery' | 'retry'>,
    onAcknowledged?: DeliveryQueueOptions['onAcknowledged'],
  ): DeliveryQueue {
    const { delivery, retry } = config;
    return new DeliveryQueue(store, {
      ...(onAcknowledged === undefined ? {} : { onAcknowledged }),
      leaseMs: delivery.leaseMs,
      perRecipientConcurrency: delivery.perRecipientConcurrency,
      schedule: new RetrySchedule({
        baseDelayMs: retry.baseDelayMs,
        factor: retry.factor,
        maxDelayMs: retry.maxDelayMs,
        jitter: retry.jitter,
        maxAgeMs: retry.maxAgeHours * 60 * 60 * 1000,
      }),
    });
  }

  /** Claims up to `limit` due jobs for `owner` (see the class comment for order and what is skipped). */
  async claim(owner: string, limit: number): Promise<ClaimedJob[]> {
    if (owner === '') throw new RangeError('a claim needs an owner');
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError('limit must be a whole number ≥ 1');
    const now = this.now();
    const nowIso = now.toISOString();
    const leaseUntil = new Date(now.getTime() + this.leaseMs).toISOString();
    return this.store.transaction(async (tx) => {
      const busy = new Map<string, number>();
      const running = await tx.query<{ recipient: string; n: number }>(
        `SELECT recipient, COUNT(*) AS n FROM delivery_jobs WHERE state = 'sending' AND lease_until >= ? GROUP BY recipient`,
        [nowIso],
      );
      for (const row of running) busy.set(String(row.recipient), Number(row.n));

      const claimed: string[] = [];
      // Each round takes at least its first candidate (full recipients are excluded), so the loop ends.
      for (;;) {
        const remaining = limit - claimed.length;
        if (remaining <= 0) break;
        const full = [...busy].filter(([, n]) => n >= this.perRecipientConcurrency).map(([code]) => code);
        const candidates = await tx.query<{ id: string; recipient: string }>(
          `SELECT j.id, j.recipient FROM delivery_jobs j JOIN messages m ON m.message_id = j.message_id
           WHERE ((j.state IN ('queued', 'retry') AND j.next_attempt_at <= ?) OR (j.state = 'sending' AND j.lease_until < ?))
           ${full.length === 0 ? '' : `AND j.recipient NOT IN (${parameterMarkers(full.length)})`}
           AND NOT EXISTS (
             SELECT 1 FROM messages e JOIN delivery_jobs ej ON ej.message_id = e.message_id
             WHERE m.tracking IS NOT NULL AND e.tracking = m.tracking AND ej.recipient = j.recipient
             AND (e.received_at < m.received_at OR (e.received_at = m.received_at AND e.message_id < m.message_id))
             AND ej.state NOT IN ('delivered', 'acknowledged', 'dead'))
           ORDER BY j.priority, j.created_at, j.id
           LIMIT ?`,
          [nowIso, nowIso, ...full, remaining],
        );
        let progressed = false;
        for (const candidate of candidates) {
          const recipient = String(candidate.recipient);
          if ((busy.get(recipient) ?? 0) >= this.perRecipientConcurrency) continue;
          const { changes } = await tx.execute(
            `UPDATE delivery_jobs SET state = 'sending', lease_owner = ?, lease_until = ?, attempts = attempts + 1,
             updated_at = ? WHERE id = ? AND ((state IN ('queued', 'retry') AND next_attempt_at <= ?)
             OR (state = 'sending' AND lease_until < ?))`,
            [owner, leaseUntil, nowIso, String(candidate.id), nowIso, nowIso],
          );
          if (changes !== 1) continue;
          claimed.push(String(candidate.id));
          busy.set(recipient, (busy.get(recipient) ?? 0) + 1);
          progressed = true;
        }
        if (!progressed || candidates.length < remaining) break;
      }
      if (claimed.length === 0) return [];

      const rows = await tx.query<Row>(
        `SELECT ${JOB_COLUMNS}, m.type, m.tracking, m.received_xml FROM delivery_jobs j
         JOIN messages m ON m.message_id = j.message_id WHERE j.id IN (${parameterMarkers(claimed.length)})`,
        claimed,
      );
      const byId = new Map(rows.map((row) => [String(row.id), row]));
      return claimed.map((id) => {
        const row = byId.get(id);
        if (row === undefined)
          throw new VkhidError('INTERNAL', { cause: new Error(`claimed job ${id} vanished`) });
        const job = jobFromRow(row);
        return {
          jobId: job.id,
          messageId: job.messageId,
          recipient: job.recipient,
          type: String(row.type) as MessageType,
          tracking: row.tracking === null || row.tracking === undefined ? null : String(row.tracking),
          priority: job.priority,
          attempts: job.attempts,
          leaseOwner: owner,
          leaseUntil,
          bytes: Buffer.from(String(row.received_xml), 'base64'),
        };
      });
    });
  }

  /**
   * The worker `owner` delivered the job. False (nothing changed) when the job is no longer `sending` under
   * `owner`'s lease; QUEUE_JOB_NOT_FOUND for an unknown job.
   */
  async delivered(jobId: string, owner: string): Promise<boolean> {
    const nowIso = this.now().toISOString();
    return this.store.transaction(async (tx) => {
      const job = await mustFindJob(tx, jobId);
      if (!holdsLease(job, owner)) return false;
      const { changes } = await tx.execute(
        `UPDATE delivery_jobs SET state = 'delivered', lease_owner = NULL, lease_until = NULL, updated_at = ?
         WHERE id = ? AND state = 'sending' AND lease_owner = ?`,
        [nowIso, job.id, owner],
      );
      return changes === 1;
    });
  }

  /**
   * The worker `owner` delivered the job and holds the recipient's verified receipt: `sending` →
   * `acknowledged` and the receipt stored, in one transaction (one commit per delivery, and no acknowledged job
   * without its proof). False (nothing changed) when `owner` no longer holds the job's lease.
   */
  async acknowledgedBy(jobId: string, owner: string, receipt: DeliveryReceipt): Promise<boolean> {
    const nowIso = this.now().toISOString();
    return this.store.transaction(async (tx) => {
      const { changes } = await tx.execute(
        `UPDATE delivery_jobs SET state = 'acknowledged', lease_owner = NULL, lease_until = NULL, updated_at = ?
         WHERE id = ? AND state = 'sending' AND lease_owner = ?`,
        [nowIso, jobId, owner],
      );
      if (changes !== 1) {
        await mustFindJob(tx, jobId);
        return false;
      }
      await recordDeliveryReceipt(tx, jobId, receipt, nowIso);
      await this.onAcknowledged?.(tx, jobId, nowIso);
      return true;
    });
  }

  /**
   * The worker `owner` gives the job up at once, keeping `error`: for failures no retry can cure (the
   * recipient's adapter refuses to convert the message), where `failed` would spend the whole retry schedule
   * producing the same refusal. An operator requeues it once the cause is fixed. False when `owner` no longer
   * holds the job's lease.
   */
  async deadNow(jobId: string, owner: string, error: string): Promise<boolean> {
    const nowIso = this.now().toISOString();
    return this.store.transaction(async (tx) => {
      const { changes } = await tx.execute(
        `UPDATE delivery_jobs SET state = 'dead', last_error = ?, lease_owner = NULL, lease_until = NULL,
         updated_at = ? WHERE id = ? AND state = 'sending' AND lease_owner = ?`,
        [cleanError(error), nowIso, jobId, owner],
      );
      return changes === 1;
    });
  }

  /**
   * The worker `owner`'s attempt failed with `error`: the job waits for its next attempt (backoff with jitter)
   * or, older than the schedule's maximum age, becomes a dead letter keeping `error`. False (nothing changed)
   * when the job is no longer `sending` under `owner`'s lease.
   */
  async failed(jobId: string, owner: string, error: string): Promise<FailedOutcome | false> {
    const now = this.now();
    const nowIso = now.toISOString();
    const lastError = cleanError(error);
    return this.store.transaction(async (tx) => {
      const job = await mustFindJob(tx, jobId);
      if (!holdsLease(job, owner)) return false;
      let outcome: FailedOutcome;
      if (this.schedule.isExpired(job.createdAt, now)) {
        outcome = { state: 'dead' };
      } else {
        const delay = this.schedule.nextDelay(job.attempts, this.random);
        outcome = { state: 'retry', nextAttemptAt: new Date(now.getTime() + delay).toISOString() };
      }
      const { changes } = await tx.execute(
        `UPDATE delivery_jobs SET state = ?, next_attempt_at = ?, last_error = ?, lease_owner = NULL,
         lease_until = NULL, updated_at = ? WHERE id = ? AND state = 'sending' AND lease_owner = ?`,
        [
          outcome.state,
          outcome.state === 'retry' ? outcome.nextAttemptAt : job.nextAttemptAt,
          lastError,
          nowIso,
          job.id,
          owner,
        ],
      );
      return changes === 1 ? outcome : false;
    });
  }

  /**
   * The recipient acknowledged the message: `delivered` or `sending` → `acknowledged`. True when it changed,
   * false when already acknowledged; QUEUE_TRANSITION from any other state.
   */
  async acknowledged(jobId: string): Promise<boolean> {
    const nowIso = this.now().toISOString();
    return this.store.transaction(async (tx) => {
      const job = await mustFindJob(tx, jobId);
      if (job.state === 'acknowledged') return false;
      if (job.state !== 'delivered' && job.state !== 'sending') throw transition(job, 'acknowledged');
      const { changes } = await tx.execute(
        `UPDATE delivery_jobs SET state = 'acknowledged', lease_owner = NULL, lease_until = NULL, updated_at = ?
         WHERE id = ? AND state IN ('delivered', 'sending')`,
        [nowIso, job.id],
      );
      return changes === 1;
    });
  }

  /** Returns `sending` jobs whose lease expired (a crashed worker) to the queue, due now. The count. */
  async reapExpiredLeases(): Promise<number> {
    const nowIso = this.now().toISOString();
    return this.store.transaction(async (tx) => {
      const { changes } = await tx.execute(
        `UPDATE delivery_jobs SET state = 'retry', next_attempt_at = ?, lease_owner = NULL, lease_until = NULL,
         last_error = ?, updated_at = ? WHERE state = 'sending' AND lease_until < ?`,
        [nowIso, 'the lease expired before the worker reported', nowIso, nowIso],
      );
      return changes;
    });
  }

  /** Jobs in queue order (most urgent, then oldest), optionally of one state or recipient. */
  async list(options: ListOptions = {}): Promise<DeliveryJob[]> {
    const limit = options.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError('limit must be a whole number ≥ 1');
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (options.state !== undefined) {
      where.push('j.state = ?');
      params.push(options.state);
    }
    if (options.recipient !== undefined) {
      where.push('j.recipient = ?');
      params.push(options.recipient);
    }
    return this.store.read(async (db) =>
      (
        await db.query<Row>(
          `SELECT ${JOB_COLUMNS} FROM delivery_jobs j ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
           ORDER BY j.priority, j.created_at, j.id LIMIT ?`,
          [...params, limit],
        )
      ).map(jobFromRow),
    );
  }

  /** The job and its message's header fields (never the body); QUEUE_JOB_NOT_FOUND for an unknown job. */
  async inspect(jobId: string): Promise<JobDetails> {
    return this.store.read(async (db) => {
      const rows = await db.query<Row>(
        `SELECT ${JOB_COLUMNS}, m.type, m.sender, m.recipient AS message_recipient, m.tracking, m.in_reply_to,
         m.urgency, m.created_at AS message_created_at, m.received_at, m.received_sha256, m.received_size,
         m.receipt_id FROM delivery_jobs j JOIN messages m ON m.message_id = j.message_id WHERE j.id = ?`,
        [jobId],
      );
      const row = rows[0];
      if (row === undefined) throw new VkhidError('QUEUE_JOB_NOT_FOUND', { args: [jobId] });
      const job = jobFromRow(row);
      const receipt = await findDeliveryReceipt(db, job.id);
      return {
        job,
        ...(receipt === undefined
          ? {}
          : {
              recipientReceipt: {
                receiptId: receipt.receiptId,
                sha256: receipt.sha256,
                outcome: receipt.outcome,
                via: receipt.via,
                receivedAt: receipt.receivedAt,
              },
            }),
        message: {
          messageId: job.messageId,
          type: String(row.type) as MessageType,
          sender: String(row.sender),
          recipient: String(row.message_recipient),
          tracking: nullable(row.tracking),
          inReplyTo: nullable(row.in_reply_to),
          urgency: nullable(row.urgency),
          createdAt: String(row.message_created_at),
          receivedAt: String(row.received_at),
          receivedSha256: String(row.received_sha256),
          receivedSize: Number(row.received_size),
          receiptId: String(row.receipt_id),
        },
      };
    });
  }

  /** An operator's "try now": a `queued` or `retry` job becomes due at once. QUEUE_TRANSITION otherwise. */
  async retryNow(jobId: string): Promise<DeliveryJob> {
    const nowIso = this.now().toISOString();
    return this.store.transaction(async (tx) => {
      const job = await mustFindJob(tx, jobId);
      if (job.state !== 'queued' && job.state !== 'retry') throw transition(job, 'retried now');
      await tx.execute(
        `UPDATE delivery_jobs SET next_attempt_at = ?, updated_at = ? WHERE id = ? AND state IN ('queued', 'retry')`,
        [nowIso, nowIso, job.id],
      );
      return mustFindJob(tx, job.id);
    });
  }

  /**
   * An operator moves a dead letter (or a delivered job, to send it again) back to the queue: `queued`, due
   * now, attempts reset. Its `created_at` becomes now: the maximum age counts from the requeue, so the first
   * failure does not make it a dead letter again at once (the message keeps its original `received_at`). The
   * last error is kept for reference.
   */
  async requeue(jobId: string): Promise<DeliveryJob> {
    const nowIso = this.now().toISOString();
    return this.store.transaction(async (tx) => {
      const job = await mustFindJob(tx, jobId);
      if (job.state !== 'dead' && job.state !== 'delivered') throw transition(job, 'requeued');
      await tx.execute(
        `UPDATE delivery_jobs SET state = 'queued', attempts = 0, next_attempt_at = ?, created_at = ?,
         lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE id = ? AND state IN ('dead', 'delivered')`,
        [nowIso, nowIso, nowIso, job.id],
      );
      return mustFindJob(tx, job.id);
    });
  }

  /** Counts per state and per recipient, and the age of the oldest waiting job. */
  async stats(): Promise<QueueStats> {
    const now = this.now();
    return this.store.transaction(async (tx) => {
      const rows = await tx.query<{ recipient: string; state: string; n: number }>(
        'SELECT recipient, state, COUNT(*) AS n FROM delivery_jobs GROUP BY recipient, state ORDER BY recipient, state',
      );
      const byState = Object.fromEntries(DELIVERY_STATES.map((state) => [state, 0])) as Record<
        DeliveryState,
        number
      >;
      const byRecipient: Record<string, Partial<Record<DeliveryState, number>>> = {};
      for (const row of rows) {
        const state = String(row.state) as DeliveryState;
        const n = Number(row.n);
        byState[state] += n;
        (byRecipient[String(row.recipient)] ??= {})[state] = n;
      }
      const [oldest] = await tx.query<{ oldest: string | null }>(
        `SELECT MIN(created_at) AS oldest FROM delivery_jobs WHERE state IN ('queued', 'retry')`,
      );
      const oldestAt = oldest?.oldest ?? null;
      return {
        byState,
        byRecipient,
        oldestQueuedAgeMs:
          oldestAt === null ? null : Math.max(0, now.getTime() - new Date(String(oldestAt)).getTime()),
      };
    });
  }
}

async function mustFindJob(tx: StoreConnection, jobId: string): Promise<DeliveryJob> {
  const rows = await tx.query<Row>(`SELECT ${JOB_COLUMNS} FROM delivery_jobs j WHERE j.id = ?`, [jobId]);
  const row = rows[0];
  if (row === undefined) throw new VkhidError('QUEUE_JOB_NOT_FOUND', { args: [jobId] });
  return jobFromRow(row);
}

function holdsLease(job: DeliveryJob, owner: string): boolean {
  return job.state === 'sending' && job.leaseOwner === owner;
}

function transition(job: DeliveryJob, action: string): VkhidError {
  return new VkhidError('QUEUE_TRANSITION', { args: [job.id, job.state, action] });
}

function nullable(value: SqlValue | undefined): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** An error text the store accepts on every engine: bounded, no U+0000, no lone surrogates. */
function cleanError(error: string): string {
  const text = error === '' ? 'unknown error' : error.slice(0, MAX_ERROR_LENGTH);
  return text
    .replaceAll('\u0000', '\uFFFD')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

function jobFromRow(row: Row): DeliveryJob {
  return {
    id: String(row.id),
    messageId: String(row.message_id),
    recipient: String(row.recipient),
    state: String(row.state) as DeliveryState,
    priority: Number(row.priority),
    attempts: Number(row.attempts),
    nextAttemptAt: String(row.next_attempt_at),
    leaseOwner: nullable(row.lease_owner),
    leaseUntil: nullable(row.lease_until),
    lastError: nullable(row.last_error),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}
