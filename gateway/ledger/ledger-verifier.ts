import type { X509Certificate } from 'node:crypto';
import type { Store } from '../store/store.js';
import type { Row } from '../store/store-driver.js';
import {
  CHECKPOINT_COLUMNS,
  checkpointFromRow,
  checkpointSignatureValid,
  type LedgerCheckpoint,
} from './ledger-checkpoint.js';
import { hash as sha } from 'node:crypto';
import { canonicalPage, ENTRY_COLUMNS, ENTRY_PAGE_SIZE, GENESIS_HASH, rowHash } from './ledger-entry.js';

/**
 * Why an entry (or checkpoint) is bad:
 * - edited: its stored fields no longer give its stored hash;
 * - deleted: its seq is missing (a gap, or the tail a checkpoint vouches for is gone);
 * - inserted: it hashes correctly but does not follow the entry before it (forged into the chain);
 * - reordered: it is an intact entry moved to another seq;
 * - rewritten: the chain is self-consistent but differs from what a signed checkpoint sealed (entries
 *   edited and every later hash recomputed): the first bad entry is somewhere in the checkpoint's range;
 * - checkpoint: a checkpoint itself is missing, altered, or not signed by a hub certificate.
 */
export type LedgerProblemReason =
  'edited' | 'deleted' | 'inserted' | 'reordered' | 'rewritten' | 'checkpoint';

export interface LedgerProblem {
  /** The first bad entry (for `rewritten`, the first entry of the range that no longer matches). */
  readonly seq: number;
  readonly reason: LedgerProblemReason;
  /** The checkpoint concerned, when there is one. */
  readonly checkpoint?: number;
  readonly message: string;
}

export interface LedgerVerification {
  readonly ok: boolean;
  /** Entries checked (up to the first problem). */
  readonly entries: number;
  /** The last good entry. */
  readonly head: { readonly seq: number; readonly hash: string };
  readonly checkpoints: number;
  /** The last checkpoint's seq (0: none): entries after it rest on their hashes alone until the next one. */
  readonly checkpointedSeq: number;
  readonly problem?: LedgerProblem;
}

export interface VerifyLedgerOptions {
  readonly pageSize?: number;
  /** Called after each page with the last seq checked (progress bars). */
  readonly onProgress?: (seq: number) => void;
}

/**
 * Checks the whole ledger: every checkpoint's signature, numbering and coverage, then every entry in seq
 * order (in pages, on the read connection), recomputing its hash, its link to the one before, and the chain
 * head and Merkle root at each checkpoint. Stops at the first bad entry and names it with the reason.
 *
 * `hubCertificates`: the hub signing certificates a checkpoint may be signed with (the current one and those
 * it replaced); a checkpoint is matched to one by fingerprint.
 */
export async function verifyLedger(
  store: Store,
  hubCertificates: X509Certificate | readonly X509Certificate[],
  options: VerifyLedgerOptions = {},
): Promise<LedgerVerification> {
  const certificates = new Map(
    (Array.isArray(hubCertificates) ? hubCertificates : [hubCertificates]).map((c: X509Certificate) => [
      c.fingerprint256,
      c,
    ]),
  );
  const pageSize = options.pageSize ?? ENTRY_PAGE_SIZE;
  const checkpoints = await store.read(async (db) =>
    (await db.query(`SELECT ${CHECKPOINT_COLUMNS} FROM ledger_checkpoints ORDER BY number`)).map(
      checkpointFromRow,
    ),
  );
  let entries = 0;
  let head = { seq: 0, hash: GENESIS_HASH };
  const result = (problem?: LedgerProblem): LedgerVerification => ({
    ok: problem === undefined,
    entries,
    head,
    checkpoints: checkpoints.length,
    checkpointedSeq: checkpoints.at(-1)?.seq ?? 0,
    ...(problem === undefined ? {} : { problem }),
  });

  const checkpointProblem = checkCheckpoints(checkpoints, certificates);
  if (checkpointProblem !== undefined) return result(checkpointProblem);

  // Rows below seq 1 never come out of the paged walk: looked for apart, reported only if nothing earlier
  // in the chain explains them (a renumbered entry also leaves a gap where it was).
  const stray = await store.read((db) =>
    db.query(`SELECT ${ENTRY_COLUMNS} FROM ledger_entries WHERE seq < 1 ORDER BY seq LIMIT 1`),
  );

  let expected = 1;
  let prevHash = GENESIS_HASH;
  let checkpointIndex = 0;
  const readPage = (afterSeq: number): Promise<Row[]> =>
    store.read((db) => canonicalPage(db, afterSeq, pageSize));
  // The next page is read while this one is hashed: SQLite works on its own thread meanwhile.
  let next: Promise<Row[]> | undefined = readPage(0);
  while (next !== undefined) {
    const page: Row[] = await next;
    const lastRow = page.at(-1);
    next = page.length === pageSize && lastRow !== undefined ? readPage(Number(lastRow.seq)) : undefined;
    // A prefetch left unawaited by an early return below must not surface as an unhandled rejection.
    next?.catch(() => undefined);
    for (const row of page) {
      const seq = row.seq as number;
      if (seq !== expected) {
        return result({
          seq: expected,
          reason: 'deleted',
          message: `entry ${expected} is missing (deleted or renumbered): the next entry is ${String(seq)}`,
        });
      }
      const canonical = row.canonical as string;
      const hash = sha256(canonical);
      // Mismatches are diagnosed on the full row, read again: the rare path may be slow.
      if (hash !== row.hash) return result(await diagnoseHashMismatch(store, await fullRow(store, seq), seq));
      if (!canonical.endsWith(`"${prevHash}"]`)) {
        return result(await diagnoseBrokenLink(store, await fullRow(store, seq), seq));
      }
      const due = checkpoints[checkpointIndex];
      if (due !== undefined && due.seq === seq) {
        // The signed head hash seals every entry up to it (each hash covers the one before): the Merkle
        // root adds nothing here and is checked when a proof is built from it.
        if (due.hash !== hash) {
          return result({
            seq: due.fromSeq,
            reason: 'rewritten',
            checkpoint: due.number,
            message: `entries ${due.fromSeq}..${due.seq} differ from what checkpoint ${due.number} sealed (edited, with every later hash recomputed)`,
          });
        }
        checkpointIndex += 1;
      }
      prevHash = hash;
      head = { seq, hash };
      entries += 1;
      expected += 1;
    }
    if (page.length > 0) options.onProgress?.(expected - 1);
  }

  const unreached = checkpoints[checkpointIndex];
  if (unreached !== undefined) {
    return result({
      seq: expected,
      reason: 'deleted',
      checkpoint: unreached.number,
      message: `entries from ${expected} are missing: checkpoint ${unreached.number} vouches for entries up to ${unreached.seq}`,
    });
  }
  const strayRow = stray[0];
  if (strayRow !== undefined) return result(await diagnoseStray(store, strayRow));
  return result();
}

/** Numbering, coverage and signature of every checkpoint (few: they are checked before any entry). */
function checkCheckpoints(
  checkpoints: readonly LedgerCheckpoint[],
  certificates: ReadonlyMap<string, X509Certificate>,
): LedgerProblem | undefined {
  let previousSeq = 0;
  for (const [index, checkpoint] of checkpoints.entries()) {
    const bad = (message: string): LedgerProblem => ({
      seq: checkpoint.fromSeq,
      reason: 'checkpoint',
      checkpoint: checkpoint.number,
      message: `checkpoint ${checkpoint.number}: ${message}`,
    });
    if (checkpoint.number !== index + 1) {
      return {
        seq: previousSeq + 1,
        reason: 'checkpoint',
        checkpoint: index + 1,
        message: `checkpoint ${index + 1} is missing (the next one is ${checkpoint.number})`,
      };
    }
    const certificate = certificates.get(checkpoint.signerFingerprint);
    if (certificate === undefined)
      return bad(`signed by an unknown certificate ${checkpoint.signerFingerprint}`);
    if (!checkpointSignatureValid(checkpoint, certificate)) return bad('the signature does not verify');
    if (checkpoint.fromSeq !== previousSeq + 1 || checkpoint.seq < checkpoint.fromSeq) {
      return bad(`covers ${checkpoint.fromSeq}..${checkpoint.seq}, not from ${previousSeq + 1}`);
    }
    previousSeq = checkpoint.seq;
  }
  return undefined;
}

/**
 * An entry whose fields do not give its hash: either edited, or an intact entry renumbered (its hash holds
 * when computed with the seq after the entry its prev_hash names). Only on the failure path, so the scan
 * for that entry by hash (no index) costs nothing in a clean run.
 */
async function diagnoseHashMismatch(store: Store, row: Row, seq: number): Promise<LedgerProblem> {
  const original = await originalSeq(store, row);
  if (original !== undefined && original !== seq && rowHash(row, original) === row.hash) {
    return { seq, reason: 'reordered', message: `entry ${seq} is entry ${original} moved out of its place` };
  }
  return { seq, reason: 'edited', message: `entry ${seq} was edited: its fields no longer give its hash` };
}

/** A row below seq 1: an entry renumbered out of the chain (found by its link), or a forgery. */
async function diagnoseStray(store: Store, row: Row): Promise<LedgerProblem> {
  const original = await originalSeq(store, row);
  if (original !== undefined && rowHash(row, original) === row.hash) {
    return {
      seq: original,
      reason: 'deleted',
      message: `entry ${original} was renumbered to ${String(row.seq)}, out of the chain`,
    };
  }
  return {
    seq: Number(row.seq),
    reason: 'inserted',
    message: `an entry with seq ${String(row.seq)} is outside the chain (which starts at 1)`,
  };
}

/** The seq an entry had, judged by the entry its prev_hash names. */
async function originalSeq(store: Store, row: Row): Promise<number | undefined> {
  if (row.prev_hash === GENESIS_HASH) return 1;
  const predecessor = await seqOfHash(store, row.prev_hash);
  return predecessor === undefined ? undefined : predecessor + 1;
}

/**
 * An entry that hashes correctly at its seq but does not follow the entry before it. An intact entry moved
 * elsewhere cannot hash correctly at its new seq, so this one was made for this place: inserted (forged).
 */
async function diagnoseBrokenLink(store: Store, row: Row, seq: number): Promise<LedgerProblem> {
  const predecessor = await seqOfHash(store, row.prev_hash);
  const follows = predecessor === undefined ? 'no entry of the ledger' : `entry ${predecessor}`;
  return {
    seq,
    reason: 'inserted',
    message: `entry ${seq} was inserted: it follows ${follows}, not entry ${seq - 1}`,
  };
}

const sha256 = (text: string): string => sha('sha256', text);

async function fullRow(store: Store, seq: number): Promise<Row> {
  const rows = await store.read((db) =>
    db.query(`SELECT ${ENTRY_COLUMNS} FROM ledger_entries WHERE seq = ?`, [seq]),
  );
  return rows[0]!;
}

async function seqOfHash(store: Store, hash: unknown): Promise<number | undefined> {
  if (typeof hash !== 'string') return undefined;
  const rows = await store.read((db) =>
    db.query<{ seq: number }>('SELECT seq FROM ledger_entries WHERE hash = ? ORDER BY seq LIMIT 1', [hash]),
  );
  return rows[0] === undefined ? undefined : Number(rows[0].seq);
}
