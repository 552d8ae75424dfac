import { recordDelivered } from '../ledger/ledger-events.js';
import type { Row, StoreConnection } from '../store/store-driver.js';

/** A recipient's verified receipt for one delivery job, as kept in `delivery_receipts`. */
export interface DeliveryReceipt {
  readonly receiptId: string;
  readonly sha256: string;
  /** The receipt's outcome: delivered, accepted, registered or refused. */
  readonly outcome: string;
  /** The exact bytes the recipient sent (its signed receipt envelope). */
  readonly bytes: Uint8Array;
  readonly via: 'push' | 'pull';
}

/** Stores the receipt of job `jobId` inside the caller's transaction; a job keeps its first receipt. */
export async function recordDeliveryReceipt(
  tx: StoreConnection,
  jobId: string,
  receipt: DeliveryReceipt,
  at: string,
): Promise<void> {
  await tx.execute(
    `INSERT INTO delivery_receipts (job_id, message_id, recipient, receipt_id, receipt_sha256, outcome,
       receipt_xml, via, received_at)
     SELECT id, message_id, recipient, ?, ?, ?, ?, ?, ? FROM delivery_jobs j
     WHERE j.id = ? AND NOT EXISTS (SELECT 1 FROM delivery_receipts r WHERE r.job_id = j.id)`,
    [
      receipt.receiptId,
      receipt.sha256,
      receipt.outcome,
      Buffer.from(receipt.bytes).toString('base64'),
      receipt.via,
      at,
      jobId,
    ],
  );
  await recordDelivered(tx, jobId, receipt, at);
}

/** The receipt kept for a job, if any (for `vkhid queue show` and the admin API). */
export async function findDeliveryReceipt(
  db: StoreConnection,
  jobId: string,
): Promise<(Omit<DeliveryReceipt, 'bytes'> & { receivedAt: string; xml: string }) | undefined> {
  const [row] = await db.query<Row>(
    `SELECT receipt_id, receipt_sha256, outcome, receipt_xml, via, received_at FROM delivery_receipts
     WHERE job_id = ?`,
    [jobId],
  );
  if (row === undefined) return undefined;
  return {
    receiptId: String(row.receipt_id),
    sha256: String(row.receipt_sha256),
    outcome: String(row.outcome),
    via: String(row.via) === 'pull' ? 'pull' : 'push',
    receivedAt: String(row.received_at),
    xml: Buffer.from(String(row.receipt_xml), 'base64').toString('utf8'),
  };
}
