import { createHash } from 'node:crypto';
import type { StoreConnection } from '../store/store-driver.js';
import { appendLedgerEntry } from './ledger-entry.js';

/**
 * The handoffs the hub records in the ledger, each written by the caller inside the transaction of the
 * change it records (issue #6): a message is never stored without its `accepted` entry, a job never
 * acknowledged without its `delivered` entry, a registry change never made without its `admin-change` entry.
 */

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const PARTICIPANT = /^[0-9]{8}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The hub accepted a message from `sender` for `recipient`: the envelope's hash and the hub's receipt. */
export async function recordAccepted(
  tx: StoreConnection,
  message: {
    readonly messageKey: string;
    readonly tracking: string | null;
    readonly sender: string;
    readonly recipient: string;
    readonly receivedSha256: string;
    readonly receiptId: string;
    readonly receiptXml: string;
    readonly receivedAt: string;
  },
): Promise<void> {
  await appendLedgerEntry(tx, {
    at: message.receivedAt,
    event: 'accepted',
    tracking: message.tracking,
    from: message.sender,
    to: message.recipient,
    messageId: message.messageKey,
    envelopeSha256: message.receivedSha256,
    receipt: { id: message.receiptId.toLowerCase(), sha256: sha256(message.receiptXml) },
  });
}

/**
 * The recipient of job `jobId` holds its message: the handoff from the sender (through the hub) to the
 * recipient, proved by the recipient's receipt (`reason`: its outcome, and `transport` for a receipt the
 * transport gave rather than the recipient's system).
 */
export async function recordDelivered(
  tx: StoreConnection,
  jobId: string,
  receipt: { readonly receiptId: string; readonly sha256: string; readonly outcome: string },
  at: string,
): Promise<void> {
  const [row] = await tx.query<{
    message_id: string;
    tracking: string | null;
    sender: string;
    recipient: string;
    received_sha256: string;
  }>(
    `SELECT m.message_id, m.tracking, m.sender, j.recipient, m.received_sha256
     FROM delivery_jobs j JOIN messages m ON m.message_id = j.message_id WHERE j.id = ?`,
    [jobId],
  );
  if (row === undefined) return;
  const receiptId = receipt.receiptId.toLowerCase();
  await appendLedgerEntry(tx, {
    at,
    event: 'delivered',
    tracking: row.tracking,
    from: row.sender,
    to: row.recipient,
    messageId: row.message_id,
    envelopeSha256: row.received_sha256,
    // A receipt id that is not a UUID (a format's own id kept as it was) is proved by its hash alone.
    receipt: UUID.test(receiptId) ? { id: receiptId, sha256: receipt.sha256 } : null,
    reason: receipt.outcome,
  });
}

/** An administrative change of the registry: the action code and the participant concerned, never who. */
export async function recordAdminChange(
  tx: StoreConnection,
  change: {
    readonly action: string;
    readonly entity: string;
    readonly entityId: string;
    readonly at: string;
  },
): Promise<void> {
  const participant = change.entity === 'participant' && PARTICIPANT.test(change.entityId);
  await appendLedgerEntry(tx, {
    at: new Date(change.at),
    event: 'admin-change',
    to: participant ? change.entityId : null,
    reason: change.action.slice(0, 64),
  });
}
