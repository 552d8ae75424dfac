import { hash } from 'node:crypto';
import { VkhidError } from '../errors/vkhid-error.js';
import type { Row, StoreConnection } from '../store/store-driver.js';

/**
 * What happens to an appeal (or to the hub's configuration) that must be provable later. The lifecycle's
 * finer states travel in `reason` of a `status` entry (e.g. `registered`, `under-consideration`).
 */
export const LEDGER_EVENTS = [
  'accepted',
  'delivered',
  'receipt',
  'status',
  'redirected',
  'refused',
  'extended',
  'answered',
  'closed',
  'admin-change',
] as const;
export type LedgerEvent = (typeof LEDGER_EVENTS)[number];

/** The previous hash of entry 1. */
export const GENESIS_HASH = '0'.repeat(64);

/** Domain separation: an entry hash can never be mistaken for any other SHA-256 the hub computes. */
const ENTRY_FORMAT = 'vkhid-ledger-entry-1';

/**
 * One event as the caller describes it. Every field is a code, a UUID or a digest: the ledger is shown to
 * auditors, so it refuses anything that could hold personal data (names, addresses, free text).
 */
export interface LedgerEntryInput {
  /** When the event happened: a Date or ISO-8601 UTC text (`2026-01-31T10:00:00.000Z`). */
  readonly at: Date | string;
  readonly event: LedgerEvent;
  /** The appeal's tracking number (null for events about no appeal, e.g. an admin change). */
  readonly tracking?: string | null;
  /** Participant codes (8 digits; the hub's own code for what the hub itself does). */
  readonly from?: string | null;
  readonly to?: string | null;
  /** The message the event is about (a UUID; stored in lower case, as the message store keys it). */
  readonly messageId?: string | null;
  /** SHA-256 (hex) of the signed envelope exactly as received. */
  readonly envelopeSha256?: string | null;
  /** The receipt proving the event: its MessageId and the SHA-256 of its bytes. */
  readonly receipt?: { readonly id: string; readonly sha256: string } | null;
  /**
   * A short code qualifying the event: the refusal's error code, the new lifecycle state, the redirect
   * reason, the admin action (`participant.suspend`). Never free text.
   */
  readonly reason?: string | null;
}

/** A stored entry: the input's fields, its place in the chain and its hashes. */
export interface LedgerEntry {
  readonly seq: number;
  readonly at: string;
  readonly tracking: string | null;
  readonly event: LedgerEvent;
  readonly from: string | null;
  readonly to: string | null;
  readonly messageId: string | null;
  readonly envelopeSha256: string | null;
  readonly receiptId: string | null;
  readonly receiptSha256: string | null;
  readonly reason: string | null;
  readonly prevHash: string;
  readonly hash: string;
}

const TRACKING = /^[A-Z0-9][A-Z0-9/-]{2,39}$/;
const PARTICIPANT = /^[0-9]{8}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const REASON = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export const ENTRY_COLUMNS =
  'seq, at, tracking, event, from_participant, to_participant, message_id, envelope_sha256, receipt_id, receipt_sha256, reason, prev_hash, hash';

/** The hashed fields in their one order: the hash's input and the INSERT's columns (ENTRY_COLUMNS) share it. */
function hashedFields(entry: Omit<LedgerEntry, 'hash'>): (string | number | null)[] {
  return [
    entry.seq,
    entry.at,
    entry.tracking,
    entry.event,
    entry.from,
    entry.to,
    entry.messageId,
    entry.envelopeSha256,
    entry.receiptId,
    entry.receiptSha256,
    entry.reason,
    entry.prevHash,
  ];
}

/** The values of an INSERT INTO ledger_entries (ENTRY_COLUMNS), in that order. */
export function entryRow(entry: LedgerEntry): (string | number | null)[] {
  return [...hashedFields(entry), entry.hash];
}

/**
 * The entry's own hash: SHA-256 over a canonical serialisation (a JSON array in fixed order, so no field can
 * be moved into another, and null stays distinct from "") of every field and the previous hash.
 */
export function entryHash(entry: Omit<LedgerEntry, 'hash'>): string {
  return hash('sha256', JSON.stringify([ENTRY_FORMAT, ...hashedFields(entry)]));
}

/**
 * The same hash straight from a stored row, whatever its columns now hold (a value changed to another type by
 * hand serialises differently, so it cannot pass): the verifier's hot path.
 */
export function rowHash(row: Row, seq: unknown = row.seq): string {
  return hash(
    'sha256',
    JSON.stringify([
      ENTRY_FORMAT,
      seq,
      row.at,
      row.tracking,
      row.event,
      row.from_participant,
      row.to_participant,
      row.message_id,
      row.envelope_sha256,
      row.receipt_id,
      row.receipt_sha256,
      row.reason,
      row.prev_hash,
    ]),
  );
}

/**
 * The serialisation `entryHash` hashes, built by the database itself as one text column (portable SQL:
 * `||`, CASE, replace): a page of entries then crosses into JavaScript as 3 values a row instead of 13,
 * which is most of what verifying a million entries costs. For every entry `appendLedgerEntry` accepts
 * (ASCII codes without quotes, backslashes or control characters) it is the exact JSON.stringify output.
 * The encoding is injective (quotes and backslashes escaped, null unquoted), so a changed value always
 * gives another text and another hash: it can never make a tampered row pass.
 */
const quoted = (column: string): string =>
  `CASE WHEN ${column} IS NULL THEN 'null' ELSE '"' || replace(replace(${column}, '\\', '\\\\'), '"', '\\"') || '"' END`;
export const CANONICAL_ENTRY_SQL = `'["${ENTRY_FORMAT}",' || seq || ',' || ${[
  'at',
  'tracking',
  'event',
  'from_participant',
  'to_participant',
  'message_id',
  'envelope_sha256',
  'receipt_id',
  'receipt_sha256',
  'reason',
  'prev_hash',
]
  .map(quoted)
  .join(" || ',' || ")} || ']'`;

/** A page of `{ seq, hash, canonical }` rows in seq order after `afterSeq` (the verifier's read). */
export function canonicalPage(
  db: StoreConnection,
  afterSeq: number,
  limit = ENTRY_PAGE_SIZE,
): Promise<Row[]> {
  return db.query(
    `SELECT seq, hash, ${CANONICAL_ENTRY_SQL} AS canonical FROM ledger_entries WHERE seq > ? ORDER BY seq LIMIT ?`,
    [afterSeq, limit],
  );
}

export function entryFromRow(row: Row): LedgerEntry {
  return {
    seq: Number(row.seq),
    at: String(row.at),
    tracking: nullableText(row.tracking),
    event: String(row.event) as LedgerEvent,
    from: nullableText(row.from_participant),
    to: nullableText(row.to_participant),
    messageId: nullableText(row.message_id),
    envelopeSha256: nullableText(row.envelope_sha256),
    receiptId: nullableText(row.receipt_id),
    receiptSha256: nullableText(row.receipt_sha256),
    reason: nullableText(row.reason),
    prevHash: String(row.prev_hash),
    hash: String(row.hash),
  };
}

function nullableText(value: Row[string] | undefined): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : String(value);
}

/** The chain head as the transaction sees it: seq 0 and the genesis hash for an empty ledger. */
export async function ledgerHead(tx: StoreConnection): Promise<{ seq: number; hash: string }> {
  const rows = await tx.query<{ seq: number; hash: string }>(
    'SELECT seq, hash FROM ledger_entries ORDER BY seq DESC LIMIT 1',
  );
  const head = rows[0];
  return head === undefined ? { seq: 0, hash: GENESIS_HASH } : { seq: Number(head.seq), hash: head.hash };
}

/**
 * Appends one entry inside the CALLER's transaction, so it is stored if and only if the change it records
 * is. The sequence number and previous hash are read in that same transaction: with one writer at a time
 * (SQLite, group commit included) appends are strictly ordered. On an engine with concurrent writers, two
 * transactions appending at once collide on the primary key and one of them fails whole, never forking
 * the chain.
 */
export async function appendLedgerEntry(tx: StoreConnection, input: LedgerEntryInput): Promise<LedgerEntry> {
  const fields = validateEntry(input);
  const head = await ledgerHead(tx);
  const unhashed = { ...fields, seq: head.seq + 1, prevHash: head.hash };
  const entry: LedgerEntry = { ...unhashed, hash: entryHash(unhashed) };
  await tx.execute(
    `INSERT INTO ledger_entries (${ENTRY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    entryRow(entry),
  );
  return entry;
}

/** Rows a page at a time, in seq order, after `afterSeq`: how long walks over the ledger read it. */
export const ENTRY_PAGE_SIZE = 10_000;

export function entryPage(db: StoreConnection, afterSeq: number, limit = ENTRY_PAGE_SIZE): Promise<Row[]> {
  return db.query(`SELECT ${ENTRY_COLUMNS} FROM ledger_entries WHERE seq > ? ORDER BY seq LIMIT ?`, [
    afterSeq,
    limit,
  ]);
}

/** The entries of one appeal, in chain order. */
export async function ledgerEntriesFor(db: StoreConnection, tracking: string): Promise<LedgerEntry[]> {
  const rows = await db.query(`SELECT ${ENTRY_COLUMNS} FROM ledger_entries WHERE tracking = ? ORDER BY seq`, [
    tracking,
  ]);
  return rows.map(entryFromRow);
}

type EntryFields = Omit<LedgerEntry, 'seq' | 'prevHash' | 'hash'>;

/** Checks every field against its pattern (LEDGER_ENTRY_INVALID naming the field) and normalises it. */
export function validateEntry(input: LedgerEntryInput): EntryFields {
  const at = instant(input.at);
  if (!(LEDGER_EVENTS as readonly string[]).includes(input.event)) {
    throw invalid('event', `not one of ${LEDGER_EVENTS.join(', ')}`);
  }
  const receipt = input.receipt ?? null;
  return {
    at,
    event: input.event,
    tracking: optional(input.tracking, 'tracking', TRACKING, 'a tracking number'),
    from: optional(input.from, 'from', PARTICIPANT, 'an 8-digit participant code'),
    to: optional(input.to, 'to', PARTICIPANT, 'an 8-digit participant code'),
    messageId: optional(input.messageId?.toLowerCase(), 'messageId', UUID, 'a UUID'),
    envelopeSha256: optional(
      input.envelopeSha256,
      'envelopeSha256',
      SHA256,
      'a lower-case SHA-256 hex digest',
    ),
    receiptId: receipt === null ? null : optional(receipt.id.toLowerCase(), 'receipt.id', UUID, 'a UUID'),
    receiptSha256:
      receipt === null
        ? null
        : optional(receipt.sha256, 'receipt.sha256', SHA256, 'a lower-case SHA-256 hex digest'),
    reason: optional(input.reason, 'reason', REASON, 'a code of letters, digits and . _ : - (no free text)'),
  };
}

function instant(value: Date | string): string {
  const date = value instanceof Date ? value : new Date(value);
  const text = Number.isNaN(date.getTime()) ? '' : date.toISOString();
  // Text must already be the canonical form: the hash covers the exact characters stored.
  if (text === '' || (typeof value === 'string' && value !== text) || !INSTANT.test(text)) {
    throw invalid('at', 'not an ISO-8601 UTC instant such as 2026-01-31T10:00:00.000Z');
  }
  return text;
}

function optional(
  value: string | null | undefined,
  field: string,
  pattern: RegExp,
  what: string,
): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string' || !pattern.test(value)) throw invalid(field, `not ${what}`);
  return value;
}

function invalid(field: string, reason: string): VkhidError {
  return new VkhidError('LEDGER_ENTRY_INVALID', { args: [field, reason], field });
}
