import { recordAccepted } from '../ledger/ledger-events.js';
import { parameterMarkers } from '../store/scan-sql.js';
import { randomUUID } from 'node:crypto';
import type { MessageType, Urgency } from '../envelope/envelope-model.js';
import { VkhidError } from '../errors/vkhid-error.js';
import type { Row, StoreConnection } from '../store/store-driver.js';
import type { Store } from '../store/store.js';
import type { DeliveryJob, DeliveryState } from './delivery-job.js';

/** An accepted message as the intake hands it over for storage. */
export interface AcceptedMessage {
  /** The header's MessageId as the sender wrote it (the key is its lower-case form). */
  readonly messageId: string;
  readonly type: MessageType;
  readonly sender: string;
  readonly recipient: string;
  readonly tracking: string | null;
  readonly inReplyTo: string | null;
  /** Appeals only. */
  readonly urgency: Urgency | null;
  /** The header's CreatedAt, as written. */
  readonly createdAt: string;
  /** SHA-256 (hex) of the bytes as received. */
  readonly receivedSha256: string;
  readonly receivedBytes: Uint8Array;
  /** The exclusive-c14n signed content (without the Signature). */
  readonly signedXml: string;
  readonly signerFingerprint: string;
  readonly clientFingerprint: string;
  readonly receiptId: string;
  /** The signed receipt the hub answers with. */
  readonly receiptXml: string;
  readonly receivedAt: string;
}

/**
 * A stored message: what was accepted. Its `messageId` is the key, the MessageId in lower case (the signed
 * content and the receipt keep it as the sender wrote it).
 */
export interface StoredMessage extends Omit<AcceptedMessage, 'receivedBytes'> {
  readonly receivedSize: number;
  readonly receivedBytes: Buffer;
}

/** What storing gave: the new message, or the one already stored under its MessageId (which may differ). */
export type StoreAcceptedResult =
  | { readonly kind: 'stored'; readonly message: StoredMessage; readonly job: DeliveryJob }
  | { readonly kind: 'existing'; readonly message: StoredMessage };

const MESSAGE_COLUMNS =
  'message_id, type, sender, recipient, tracking, in_reply_to, urgency, created_at, received_sha256, ' +
  'received_size, received_xml, signed_xml, signer_fingerprint, client_fingerprint, receipt_id, receipt_xml, received_at';

const JOB_COLUMNS =
  'id, message_id, recipient, state, priority, attempts, next_attempt_at, lease_owner, lease_until, last_error, ' +
  'created_at, updated_at';

/** The store's key for a MessageId: UUIDs compare case-insensitively, so `ABC…` and `abc…` are one message. */
export function messageKey(messageId: string): string {
  return messageId.toLowerCase();
}

/**
 * Accepted messages and their delivery jobs (tables of `queueMigrations`). A message and its first delivery
 * job are written in one transaction: there is never a message nobody will deliver, nor a job without its
 * message. The primary key on the MessageId decides between concurrent writers of the same message.
 */
export class MessageStore {
  constructor(private readonly store: Store) {}

  /**
   * Stores `message` and a `queued` delivery job with `priority`, due at once. When a message with the same
   * MessageId is already stored (a repeat, a concurrent post of the same message, or another document reusing
   * the id) nothing is written and the stored one is returned for the caller to compare.
   *
   * `alsoInTransaction` runs after the message, its job and its ledger entry are written, in the same
   * transaction (the appeal's lifecycle): if it throws, nothing is stored.
   */
  async storeAccepted(
    message: AcceptedMessage,
    priority: number,
    alsoInTransaction?: (tx: StoreConnection) => Promise<void>,
  ): Promise<StoreAcceptedResult> {
    try {
      return await this.store.transaction(async (tx) => {
        const result = await insertAccepted(tx, message, priority);
        if (result.kind === 'stored') await alsoInTransaction?.(tx);
        return result;
      });
    } catch (error) {
      // On an engine with several writers the key can be taken between our INSERT's check and its write;
      // the transaction is then refused and rolled back as a whole. The winner's row is the answer.
      if (error instanceof VkhidError && error.code === 'STORE_CONFLICT') {
        const existing = await this.findByMessageId(message.messageId);
        if (existing !== undefined) return { kind: 'existing', message: existing };
      }
      throw error;
    }
  }

  async findByMessageId(messageId: string): Promise<StoredMessage | undefined> {
    return this.store.read((db) => find(db, messageKey(messageId)));
  }

  /** The message whose received bytes have this SHA-256 (the bytes hold the MessageId: at most one). */
  async findBySha256(sha256: string): Promise<StoredMessage | undefined> {
    return this.store.read(async (db) => {
      const rows = await db.query<Row>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE received_sha256 = ? ORDER BY received_at LIMIT 1`,
        [sha256],
      );
      return rows[0] === undefined ? undefined : messageFromRow(rows[0]);
    });
  }

  async deliveryJobs(messageId: string): Promise<DeliveryJob[]> {
    return this.store.read(async (db) =>
      (
        await db.query<Row>(
          `SELECT ${JOB_COLUMNS} FROM delivery_jobs WHERE message_id = ? ORDER BY created_at`,
          [messageKey(messageId)],
        )
      ).map(jobFromRow),
    );
  }

  /** How many messages and delivery jobs are stored (health figures, tests). */
  async counts(): Promise<{ messages: number; deliveryJobs: number }> {
    return this.store.read(async (db) => {
      const [messages] = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM messages');
      const [jobs] = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM delivery_jobs');
      return { messages: Number(messages?.n ?? 0), deliveryJobs: Number(jobs?.n ?? 0) };
    });
  }
}

/**
 * Writes `message`, its first delivery job and its `accepted` ledger entry inside the caller's transaction
 * (MessageStore.storeAccepted, and the hub's own messages such as a redirected appeal sent on, which are written
 * in the transaction of the message that causes them). Nothing is written when the MessageId is taken.
 */
export async function insertAccepted(
  tx: StoreConnection,
  message: AcceptedMessage,
  priority: number,
): Promise<StoreAcceptedResult> {
  const key = messageKey(message.messageId);
  // ON CONFLICT rather than catching the violation: a failed statement ends the transaction on PostgreSQL.
  const inserted = await tx.execute(
    `INSERT INTO messages (${MESSAGE_COLUMNS}) VALUES (${parameterMarkers(17)}) ON CONFLICT (message_id) DO NOTHING`,
    [
      key,
      message.type,
      message.sender,
      message.recipient,
      message.tracking,
      message.inReplyTo,
      message.urgency,
      message.createdAt,
      message.receivedSha256,
      message.receivedBytes.byteLength,
      Buffer.from(message.receivedBytes).toString('base64'),
      message.signedXml,
      message.signerFingerprint,
      message.clientFingerprint,
      message.receiptId,
      message.receiptXml,
      message.receivedAt,
    ],
  );
  if (inserted.changes === 0) return { kind: 'existing', message: await mustFind(tx, key) };
  const job: DeliveryJob = {
    id: randomUUID(),
    messageId: key,
    recipient: message.recipient,
    state: 'queued',
    priority,
    attempts: 0,
    nextAttemptAt: message.receivedAt,
    leaseOwner: null,
    leaseUntil: null,
    lastError: null,
    createdAt: message.receivedAt,
    updatedAt: message.receivedAt,
  };
  await tx.execute(`INSERT INTO delivery_jobs (${JOB_COLUMNS}) VALUES (${parameterMarkers(12)})`, [
    job.id,
    job.messageId,
    job.recipient,
    job.state,
    job.priority,
    job.attempts,
    job.nextAttemptAt,
    job.leaseOwner,
    job.leaseUntil,
    job.lastError,
    job.createdAt,
    job.updatedAt,
  ]);
  await recordAccepted(tx, { ...message, messageKey: key });
  return { kind: 'stored', message: await mustFind(tx, key), job };
}

async function find(db: StoreConnection, key: string): Promise<StoredMessage | undefined> {
  const rows = await db.query<Row>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE message_id = ?`, [key]);
  return rows[0] === undefined ? undefined : messageFromRow(rows[0]);
}

async function mustFind(db: StoreConnection, key: string): Promise<StoredMessage> {
  const message = await find(db, key);
  if (message === undefined) {
    throw new VkhidError('INTERNAL', { cause: new Error(`message ${key} vanished inside its transaction`) });
  }
  return message;
}

function text(row: Row, column: string): string {
  return String(row[column]);
}

function nullableText(row: Row, column: string): string | null {
  const value = row[column];
  return value === null || value === undefined ? null : String(value);
}

function messageFromRow(row: Row): StoredMessage {
  const receivedBytes = Buffer.from(text(row, 'received_xml'), 'base64');
  return {
    messageId: text(row, 'message_id'),
    type: text(row, 'type') as MessageType,
    sender: text(row, 'sender'),
    recipient: text(row, 'recipient'),
    tracking: nullableText(row, 'tracking'),
    inReplyTo: nullableText(row, 'in_reply_to'),
    urgency: nullableText(row, 'urgency') as Urgency | null,
    createdAt: text(row, 'created_at'),
    receivedSha256: text(row, 'received_sha256'),
    receivedSize: Number(row.received_size),
    receivedBytes,
    signedXml: text(row, 'signed_xml'),
    signerFingerprint: text(row, 'signer_fingerprint'),
    clientFingerprint: text(row, 'client_fingerprint'),
    receiptId: text(row, 'receipt_id'),
    receiptXml: text(row, 'receipt_xml'),
    receivedAt: text(row, 'received_at'),
  };
}

function jobFromRow(row: Row): DeliveryJob {
  return {
    id: text(row, 'id'),
    messageId: text(row, 'message_id'),
    recipient: text(row, 'recipient'),
    state: text(row, 'state') as DeliveryState,
    priority: Number(row.priority),
    attempts: Number(row.attempts),
    nextAttemptAt: text(row, 'next_attempt_at'),
    leaseOwner: nullableText(row, 'lease_owner'),
    leaseUntil: nullableText(row, 'lease_until'),
    lastError: nullableText(row, 'last_error'),
    createdAt: text(row, 'created_at'),
    updatedAt: text(row, 'updated_at'),
  };
}
