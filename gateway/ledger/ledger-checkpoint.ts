import { createPrivateKey, sign, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { VkhidError } from '../errors/vkhid-error.js';
import type { HubContext } from '../hub/hub-context.js';
import type { HubHome } from '../hub/hub-home.js';
import type { JobDefinition } from '../jobs/job-scheduler.js';
import type { StoreConnection } from '../store/store-driver.js';
import { entryPage, GENESIS_HASH, rowHash } from './ledger-entry.js';
import { MerkleAccumulator } from './ledger-merkle.js';

/** The chain head as the hub signed it: entries fromSeq..seq, the last one's hash, their Merkle root. */
export interface LedgerCheckpoint {
  /** 1, 2, 3, ...: a missing number is a deleted checkpoint. */
  readonly number: number;
  /** The hub's participant code. */
  readonly hub: string;
  /** The first entry this checkpoint covers (the previous checkpoint's seq + 1). */
  readonly fromSeq: number;
  /** The chain head when signed. */
  readonly seq: number;
  /** Hash of entry `seq`. */
  readonly hash: string;
  /** RFC 9162 Merkle root of the hashes of entries fromSeq..seq. */
  readonly root: string;
  readonly at: string;
  /** SHA-256 fingerprint of the signing certificate (colon-separated hex, as Node prints it). */
  readonly signerFingerprint: string;
  /** Base64 signature (SHA-256 with the hub signing key) over `checkpointPayload`. */
  readonly signature: string;
}

/** What the hub signs with: its signing key and certificate (`<data>/pki/hub-sign.*`), or a test key. */
export interface LedgerSigner {
  readonly certificate: X509Certificate;
  sign(data: Buffer): Buffer;
}

const CHECKPOINT_FORMAT = 'vkhid-ledger-checkpoint-1';

/** The exact bytes a checkpoint's signature covers: every field but the signature, in fixed order. */
export function checkpointPayload(checkpoint: Omit<LedgerCheckpoint, 'signature'>): Buffer {
  return Buffer.from(
    JSON.stringify([
      CHECKPOINT_FORMAT,
      checkpoint.hub,
      checkpoint.number,
      checkpoint.fromSeq,
      checkpoint.seq,
      checkpoint.hash,
      checkpoint.root,
      checkpoint.at,
      checkpoint.signerFingerprint,
    ]),
    'utf8',
  );
}

/** True when `certificate` (matched by fingerprint) produced the checkpoint's signature. */
export function checkpointSignatureValid(
  checkpoint: LedgerCheckpoint,
  certificate: X509Certificate,
): boolean {
  if (certificate.fingerprint256 !== checkpoint.signerFingerprint) return false;
  try {
    return verify(
      'sha256',
      checkpointPayload(checkpoint),
      certificate.publicKey,
      Buffer.from(checkpoint.signature, 'base64'),
    );
  } catch {
    return false;
  }
}

/** A signer over a private key and its certificate (ECDSA P-256 or RSA: the key decides). */
export function keySigner(privateKey: KeyObject, certificate: X509Certificate): LedgerSigner {
  return { certificate, sign: (data) => sign('sha256', data, privateKey) };
}

/**
 * The hub's own signer: `hub-sign.key` and `hub-sign.pem` in the data directory (the key decrypted with
 * VKHID_CA_PASSPHRASE when `vkhid init` encrypted it), read on first use.
 */
export function hubLedgerSigner(home: HubHome): LedgerSigner {
  let signer: LedgerSigner | undefined;
  const load = (): LedgerSigner => {
    if (signer === undefined) {
      const passphrase = process.env.VKHID_CA_PASSPHRASE;
      const key = createPrivateKey({
        key: home.read('hub-sign.key'),
        ...(passphrase === undefined || passphrase === '' ? {} : { passphrase }),
      });
      signer = keySigner(key, new X509Certificate(home.read('hub-sign.pem')));
    }
    return signer;
  };
  return {
    get certificate() {
      return load().certificate;
    },
    sign: (data) => load().sign(data),
  };
}

export const CHECKPOINT_COLUMNS = 'number, hub, from_seq, seq, hash, root, at, signer_fingerprint, signature';

export function checkpointFromRow(row: Record<string, unknown>): LedgerCheckpoint {
  return {
    number: Number(row.number),
    hub: String(row.hub),
    fromSeq: Number(row.from_seq),
    seq: Number(row.seq),
    hash: String(row.hash),
    root: String(row.root),
    at: String(row.at),
    signerFingerprint: String(row.signer_fingerprint),
    signature: String(row.signature),
  };
}

export async function lastCheckpoint(db: StoreConnection): Promise<LedgerCheckpoint | null> {
  const rows = await db.query(
    `SELECT ${CHECKPOINT_COLUMNS} FROM ledger_checkpoints ORDER BY number DESC LIMIT 1`,
  );
  return rows[0] === undefined ? null : checkpointFromRow(rows[0]);
}

export interface CheckpointOptions {
  /** Defaults to the hub's signing key in the data directory. */
  readonly signer?: LedgerSigner;
  readonly now?: () => Date;
}

export interface CheckpointResult {
  /** The checkpoint now covering the head (null: the ledger is empty). */
  readonly checkpoint: LedgerCheckpoint | null;
  /** False when the head was already covered: an idle hub adds no checkpoints. */
  readonly created: boolean;
}

/**
 * Signs the chain head. The entries since the previous checkpoint are re-hashed and their links checked
 * first: a tampered tail is refused (LEDGER_BROKEN) rather than sealed by the hub's signature. One short
 * transaction, so no entry slips in between reading the head and signing it.
 */
export async function checkpoint(
  hub: Pick<HubContext, 'store' | 'config' | 'home'>,
  options: CheckpointOptions = {},
): Promise<CheckpointResult> {
  const signer = options.signer ?? hubLedgerSigner(hub.home);
  const now = options.now ?? (() => new Date());
  return hub.store.transaction(async (tx) => {
    const previous = await lastCheckpoint(tx);
    const fromSeq = (previous?.seq ?? 0) + 1;
    let prevHash = previous?.hash ?? GENESIS_HASH;
    let expected = fromSeq;
    const merkle = new MerkleAccumulator();
    // In pages: the first checkpoint of a ledger that ran without one may cover a great many entries.
    for (
      let page = await entryPage(tx, fromSeq - 1);
      page.length > 0;
      page = await entryPage(tx, expected - 1)
    ) {
      for (const row of page) {
        const seq = Number(row.seq);
        const hash = rowHash(row);
        if (seq !== expected || hash !== row.hash || row.prev_hash !== prevHash) {
          throw new VkhidError('LEDGER_BROKEN', {
            args: [
              Math.min(seq, expected),
              'the entries since the last checkpoint do not chain; run vkhid ledger verify',
            ],
          });
        }
        merkle.push(hash);
        prevHash = hash;
        expected += 1;
      }
    }
    if (expected === fromSeq) return { checkpoint: previous, created: false };
    const unsigned = {
      number: (previous?.number ?? 0) + 1,
      hub: hub.config.hub.code,
      fromSeq,
      seq: expected - 1,
      hash: prevHash,
      root: merkle.root(),
      at: now().toISOString(),
      signerFingerprint: signer.certificate.fingerprint256,
    };
    const signed: LedgerCheckpoint = {
      ...unsigned,
      signature: signer.sign(checkpointPayload(unsigned)).toString('base64'),
    };
    await tx.execute(
      `INSERT INTO ledger_checkpoints (${CHECKPOINT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        signed.number,
        signed.hub,
        signed.fromSeq,
        signed.seq,
        signed.hash,
        signed.root,
        signed.at,
        signed.signerFingerprint,
        signed.signature,
      ],
    );
    return { checkpoint: signed, created: true };
  });
}

/** What the checkpoint job logs with (pino fits). */
export interface CheckpointLogger {
  info(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export const LEDGER_CHECKPOINT_JOB_NAME = 'ledger-checkpoint';

/**
 * The periodic checkpoint as a `JobScheduler` job: `scheduler.add(ledgerCheckpointJobDefinition(hub, log))`.
 * Every 10 minutes by default: entries after the last checkpoint are protected by their hashes only (someone
 * with the database could rewrite them consistently), so the interval bounds that window.
 */
export function ledgerCheckpointJobDefinition(
  hub: Pick<HubContext, 'store' | 'config' | 'home'>,
  logger: CheckpointLogger,
  cronExpression = '*/10 * * * *',
  options: CheckpointOptions = {},
): JobDefinition {
  const signer = options.signer ?? hubLedgerSigner(hub.home);
  return {
    name: LEDGER_CHECKPOINT_JOB_NAME,
    schedule: cronExpression,
    run: async () => {
      const result = await checkpoint(hub, { ...options, signer });
      if (result.created && result.checkpoint !== null) logCheckpoint(logger, result.checkpoint);
      return { created: result.created, seq: result.checkpoint?.seq ?? 0 };
    },
  };
}

/**
 * The checkpoint the server takes on shutdown, before it closes the store: the last entries are sealed
 * before the hub stops. Never throws (a failure is logged: shutdown must go on).
 */
export async function checkpointOnShutdown(
  hub: Pick<HubContext, 'store' | 'config' | 'home'>,
  logger: CheckpointLogger,
  options: CheckpointOptions = {},
): Promise<LedgerCheckpoint | null> {
  try {
    const result = await checkpoint(hub, options);
    if (result.created && result.checkpoint !== null) logCheckpoint(logger, result.checkpoint);
    return result.checkpoint;
  } catch (error) {
    logger.error({ event: 'ledger-checkpoint', err: error }, 'The ledger checkpoint on shutdown failed');
    return null;
  }
}

/** Logged whole: the log is a second copy of each signed head, outside the database. */
function logCheckpoint(logger: CheckpointLogger, checkpoint: LedgerCheckpoint): void {
  logger.info(
    { event: 'ledger-checkpoint', checkpoint },
    `Ledger checkpoint ${checkpoint.number}: entries ${checkpoint.fromSeq}..${checkpoint.seq}`,
  );
}
