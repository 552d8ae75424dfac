/**
 * Delivery-job operations the pull side and the worker need beyond `DeliveryQueue`'s API. Each is one
 * transaction and a compare-and-set on the job's state, like the queue's own operations.
 */
import type { StoreConnection } from '../store/store-driver.js';
import { recordDeliveryReceipt, type DeliveryReceipt } from '../queue/delivery-receipt.js';
import type { MessageType } from '../envelope/envelope-model.js';
import { VkhidError } from '../errors/vkhid-error.js';
import type { Row } from '../store/store-driver.js';
import type { Store } from '../store/store.js';
import { messageKey } from '../queue/message-store.js';

/** A message waiting for its recipient to pull it. */
export interface PendingMessage {
  readonly jobId: string;
  readonly messageId: string;
  readonly sender: string;
  readonly type: MessageType;
  readonly tracking: string | null;
  readonly receivedAt: string;
  /** The exact bytes received (the sender's signed envelope), base64. */
  readonly envelope: string;
}

/**
 * Pending jobs of `recipient`, in queue order: queued or retry (whatever their next attempt time), or sending
 * with an expired lease.
 */
export async function pendingFor(
  store: Store,
  recipient: string,
  limit: number,
  now: Date,
): Promise<PendingMessage[]> {
  const rows = await store.read((db) =>
    db.query<Row>(
      `SELECT j.id, j.message_id, m.sender, m.type, m.tracking, m.received_at, m.received_xml
       FROM delivery_jobs j JOIN messages m ON m.message_id = j.message_id
       WHERE j.recipient = ? AND (j.state IN ('queued', 'retry') OR (j.state = 'sending' AND j.lease_until < ?))
       ORDER BY j.priority, j.created_at, j.id LIMIT ?`,
      [recipient, now.toISOString(), limit],
    ),
  );
  return rows.map((row) => ({
    jobId: String(row.id),
    messageId: String(row.message_id),
    sender: String(row.sender),
    type: String(row.type) as MessageType,
    tracking: row.tracking === null || row.tracking === undefined ? null : String(row.tracking),
    receivedAt: String(row.received_at),
    envelope: String(row.received_xml),
  }));
}

/** The job delivering `messageId` to `recipient`, or undefined (also when the message is someone else's). */
export async function findJobFor(
  store: Store,
  messageId: string,
  recipient: string,
): Promise<{ jobId: string; state: string } | undefined> {
  const rows = await store.read((db) =>
    db.query<Row>('SELECT id, state FROM delivery_jobs WHERE message_id = ? AND recipient = ?', [
      messageKey(messageId),
      recipient,
    ]),
  );
  const row = rows[0];
  return row === undefined ? undefined : { jobId: String(row.id), state: String(row.state) };
}

/**
 * The recipient acknowledged a pulled message: queued, retry, sending or delivered → acknowledged (a worker
 * still holding a lease on it is then told `false` when it reports). True when it changed, false when it was
 * already acknowledged; QUEUE_TRANSITION for a dead letter.
 */
export async function acknowledgePulled(
  store: Store,
  jobId: string,
  now: Date,
  receipt: DeliveryReceipt,
  onAcknowledged?: (tx: StoreConnection, jobId: string, at: string) => Promise<void>,
): Promise<boolean> {
  const nowIso = now.toISOString();
  return store.transaction(async (tx) => {
    const [row] = await tx.query<Row>('SELECT state FROM delivery_jobs WHERE id = ?', [jobId]);
    if (row === undefined) throw new VkhidError('QUEUE_JOB_NOT_FOUND', { args: [jobId] });
    const state = String(row.state);
    if (state === 'acknowledged') return false;
    if (state === 'dead') throw new VkhidError('QUEUE_TRANSITION', { args: [jobId, state, 'acknowledged'] });
    const { changes } = await tx.execute(
      `UPDATE delivery_jobs SET state = 'acknowledged', lease_owner = NULL, lease_until = NULL, updated_at = ?
       WHERE id = ? AND state IN ('queued', 'retry', 'sending', 'delivered')`,
      [nowIso, jobId],
    );
    if (changes === 1) {
      await recordDeliveryReceipt(tx, jobId, receipt, nowIso);
      await onAcknowledged?.(tx, jobId, nowIso);
    }
    return changes === 1;
  });
}

/**
 * Gives back a job the worker `owner` claimed but will not push (its recipient pulls): the attempt the claim
 * counted is taken back, the state is what it was (queued before any attempt, else retry), and the job is not
 * due again before `until`, so pull jobs do not take the places of push jobs in every claim. False when
 * `owner` no longer holds it.
 */
export async function releaseForPull(
  store: Store,
  jobId: string,
  owner: string,
  until: Date,
  now: Date,
): Promise<boolean> {
  return store.transaction(async (tx) => {
    const { changes } = await tx.execute(
      `UPDATE delivery_jobs SET state = CASE WHEN attempts <= 1 THEN 'queued' ELSE 'retry' END,
       attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, next_attempt_at = ?, lease_owner = NULL,
       lease_until = NULL, updated_at = ? WHERE id = ? AND state = 'sending' AND lease_owner = ?`,
      [until.toISOString(), now.toISOString(), jobId, owner],
    );
    return changes === 1;
  });
}

/** Recipients with a job due now (queued or retry and due, or sending with an expired lease). */
export async function recipientsWithDueJobs(store: Store, now: Date): Promise<string[]> {
  const nowIso = now.toISOString();
  const rows = await store.read((db) =>
    db.query<Row>(
      `SELECT DISTINCT recipient FROM delivery_jobs WHERE (state IN ('queued', 'retry') AND next_attempt_at <= ?)
       OR (state = 'sending' AND lease_until < ?)`,
      [nowIso, nowIso],
    ),
  );
  return rows.map((row) => String(row.recipient));
}
