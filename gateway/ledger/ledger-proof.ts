import { canonicalJson } from '../canonical-json.js';
import { verify, X509Certificate } from 'node:crypto';
import { VkhidError } from '../errors/vkhid-error.js';
import type { HubContext } from '../hub/hub-context.js';
import {
  checkpoint as takeCheckpoint,
  CHECKPOINT_COLUMNS,
  checkpointFromRow,
  checkpointSignatureValid,
  hubLedgerSigner,
  type LedgerCheckpoint,
  type LedgerSigner,
} from './ledger-checkpoint.js';
import { entryHash, LEDGER_EVENTS, ledgerEntriesFor, type LedgerEntry } from './ledger-entry.js';
import { auditPath, merkleRoot, verifyAuditPath } from './ledger-merkle.js';

export const LEDGER_PROOF_FORMAT = 'vkhid-ledger-proof-1';

/** One entry of the appeal with what ties it to a signed checkpoint. */
export interface ProvenEntry extends LedgerEntry {
  /** The number of the checkpoint whose range holds this entry. */
  readonly checkpoint: number;
  /** RFC 9162 audit path from the entry's hash to that checkpoint's Merkle root. */
  readonly auditPath: readonly string[];
}

/** Everything needed to check an appeal's chain of custody without the hub's database. */
export interface LedgerProofBody {
  readonly format: typeof LEDGER_PROOF_FORMAT;
  readonly hub: string;
  readonly tracking: string;
  readonly issuedAt: string;
  readonly entries: readonly ProvenEntry[];
  readonly checkpoints: readonly LedgerCheckpoint[];
  /** PEM of the hub signing certificates used (the checkpoints' signers and the proof's). */
  readonly certificates: readonly string[];
  /** PEM of the hub CA that issued them (a checker should pin its own copy: `--ca`). */
  readonly ca: string;
  /** Fingerprint of the certificate that signs this document. */
  readonly signer: string;
}

export interface LedgerProof {
  readonly proof: LedgerProofBody;
  /** Base64 signature (SHA-256 with the hub signing key) over `canonicalJson(proof)`. */
  readonly signature: string;
}

/** The serialisation a proof's signature covers (re-exported for those who check proofs). */
export { canonicalJson };

export interface BuildProofOptions {
  /** The hub signing certificates a checkpoint may have been signed with (the signer's is added). */
  readonly hubCertificates: readonly X509Certificate[];
  /** The hub CA. */
  readonly ca: X509Certificate;
  readonly signer?: LedgerSigner;
  readonly now?: () => Date;
}

/**
 * The chain of custody of one appeal: its entries, each with the audit path to the signed checkpoint that
 * covers it, those checkpoints, the certificates and the CA, all signed by the hub. Entries not yet covered
 * by a checkpoint are sealed by a new one first.
 */
export async function buildLedgerProof(
  hub: Pick<HubContext, 'store' | 'config' | 'home'>,
  tracking: string,
  options: BuildProofOptions,
): Promise<LedgerProof> {
  const signer = options.signer ?? hubLedgerSigner(hub.home);
  const now = options.now ?? (() => new Date());
  const entries = await hub.store.read((db) => ledgerEntriesFor(db, tracking));
  const last = entries.at(-1);
  if (last === undefined) throw new VkhidError('LEDGER_NOT_FOUND', { args: [tracking], field: 'tracking' });
  const covered = await hub.store.read(async (db) =>
    db.query<{ seq: number }>('SELECT MAX(seq) AS seq FROM ledger_checkpoints'),
  );
  if ((covered[0]?.seq ?? 0) < last.seq) await takeCheckpoint(hub, { signer, now });

  const checkpoints = await hub.store.read(async (db) =>
    (await db.query(`SELECT ${CHECKPOINT_COLUMNS} FROM ledger_checkpoints ORDER BY number`)).map(
      checkpointFromRow,
    ),
  );
  const used = new Map<number, { checkpoint: LedgerCheckpoint; hashes: string[] }>();
  const proven: ProvenEntry[] = [];
  for (const entry of entries) {
    const covering = checkpoints.find((c) => c.fromSeq <= entry.seq && entry.seq <= c.seq);
    if (covering === undefined) {
      throw new VkhidError('LEDGER_BROKEN', { args: [entry.seq, 'no checkpoint covers it'] });
    }
    let range = used.get(covering.number);
    if (range === undefined) {
      const hashes = await hub.store.read(async (db) =>
        (
          await db.query<{ hash: string }>(
            'SELECT hash FROM ledger_entries WHERE seq >= ? AND seq <= ? ORDER BY seq',
            [covering.fromSeq, covering.seq],
          )
        ).map((row) => row.hash),
      );
      // A proof the hub signs must verify: a range that no longer gives the signed root is a broken ledger.
      if (hashes.length !== covering.seq - covering.fromSeq + 1 || merkleRoot(hashes) !== covering.root) {
        throw new VkhidError('LEDGER_BROKEN', {
          args: [
            covering.fromSeq,
            `entries ${covering.fromSeq}..${covering.seq} differ from checkpoint ${covering.number}`,
          ],
        });
      }
      range = { checkpoint: covering, hashes };
      used.set(covering.number, range);
    }
    proven.push({
      ...entry,
      checkpoint: covering.number,
      auditPath: auditPath(range.hashes, entry.seq - covering.fromSeq),
    });
  }

  const byFingerprint = new Map(options.hubCertificates.map((c) => [c.fingerprint256, c]));
  byFingerprint.set(signer.certificate.fingerprint256, signer.certificate);
  const signers = new Set([
    signer.certificate.fingerprint256,
    ...[...used.values()].map((r) => r.checkpoint.signerFingerprint),
  ]);
  const certificates = [...signers].map((fingerprint) => {
    const certificate = byFingerprint.get(fingerprint);
    if (certificate === undefined) {
      throw new VkhidError('LEDGER_BROKEN', {
        args: [proven[0]!.seq, `a checkpoint is signed by an unknown certificate ${fingerprint}`],
      });
    }
    return certificate.toString();
  });
  const body: LedgerProofBody = {
    format: LEDGER_PROOF_FORMAT,
    hub: hub.config.hub.code,
    tracking,
    issuedAt: now().toISOString(),
    entries: proven,
    checkpoints: [...used.values()].map((r) => r.checkpoint),
    certificates,
    ca: options.ca.toString(),
    signer: signer.certificate.fingerprint256,
  };
  return { proof: body, signature: signer.sign(Buffer.from(canonicalJson(body), 'utf8')).toString('base64') };
}

export interface ProofVerification {
  readonly tracking: string;
  readonly hub: string;
  readonly issuedAt: string;
  readonly entries: number;
  readonly checkpoints: number;
  /** False when the CA came from the proof itself: then only its consistency is shown, not who made it. */
  readonly caPinned: boolean;
  readonly caFingerprint: string;
}

export interface VerifyProofOptions {
  /** The hub CA the checker trusts; without it the CA embedded in the proof is used. */
  readonly ca?: X509Certificate;
}

/**
 * Checks a proof with nothing but the proof (and, ideally, a trusted CA): the document's signature, every
 * certificate against the CA, every checkpoint's signature, every entry's hash, its audit path to its
 * checkpoint's root, and the links between consecutive entries. Throws LEDGER_PROOF_INVALID naming the
 * failing part in `field`.
 */
export function verifyLedgerProof(
  /** The proof file's text, or the value it parses to. */
  document: unknown,
  options: VerifyProofOptions = {},
): ProofVerification {
  const parsed: unknown = typeof document === 'string' ? parseJson(document) : document;
  const root = record(parsed, '');
  const body = record(root.proof, 'proof');
  const signature = text(root.signature, 'signature');
  if (body.format !== LEDGER_PROOF_FORMAT) fail('proof.format', `not ${LEDGER_PROOF_FORMAT}`);
  const hub = text(body.hub, 'proof.hub');
  const tracking = text(body.tracking, 'proof.tracking');
  const issuedAt = text(body.issuedAt, 'proof.issuedAt');
  const signerFingerprint = text(body.signer, 'proof.signer');

  const ca = options.ca ?? certificate(body.ca, 'proof.ca');
  if (options.ca === undefined && !(ca.checkIssued(ca) && ca.verify(ca.publicKey))) {
    fail('proof.ca', 'the embedded CA is not self-signed');
  }
  const certificates = new Map<string, X509Certificate>();
  list(body.certificates, 'proof.certificates').forEach((pem, index) => {
    const field = `proof.certificates[${index}]`;
    const hubCertificate = certificate(pem, field);
    if (!(hubCertificate.checkIssued(ca) && hubCertificate.verify(ca.publicKey))) {
      fail(field, `not issued by the CA ${ca.subject.replace(/\n/g, ', ')}`);
    }
    certificates.set(hubCertificate.fingerprint256, hubCertificate);
  });

  const proofSigner = certificates.get(signerFingerprint);
  if (proofSigner === undefined) fail('proof.signer', 'no certificate in the proof has this fingerprint');
  let signatureValid = false;
  try {
    signatureValid = verify(
      'sha256',
      Buffer.from(canonicalJson(body), 'utf8'),
      proofSigner.publicKey,
      Buffer.from(signature, 'base64'),
    );
  } catch {
    signatureValid = false;
  }
  if (!signatureValid) fail('signature', 'the hub signature does not cover this document');
  within(proofSigner, issuedAt, 'proof.issuedAt');

  const checkpoints = new Map<number, LedgerCheckpoint>();
  list(body.checkpoints, 'proof.checkpoints').forEach((value, index) => {
    const field = `proof.checkpoints[${index}]`;
    const checkpoint = checkpointOf(value, field);
    const checkpointSigner = certificates.get(checkpoint.signerFingerprint);
    if (checkpointSigner === undefined || !checkpointSignatureValid(checkpoint, checkpointSigner)) {
      fail(field, 'the checkpoint signature does not verify');
    }
    if (checkpoint.hub !== hub) fail(`${field}.hub`, `not the proof's hub ${hub}`);
    within(checkpointSigner, checkpoint.at, `${field}.at`);
    checkpoints.set(checkpoint.number, checkpoint);
  });

  const entries = list(body.entries, 'proof.entries');
  if (entries.length === 0) fail('proof.entries', 'no entries');
  let previous: LedgerEntry | undefined;
  entries.forEach((value, index) => {
    const field = `proof.entries[${index}]`;
    const item = record(value, field);
    const entry = entryOf(item, field);
    if (entry.tracking !== tracking) fail(`${field}.tracking`, `not the proof's tracking number ${tracking}`);
    if (entryHash(entry) !== entry.hash) fail(`${field}.hash`, 'the fields do not give this hash');
    const covering = checkpoints.get(item.checkpoint as number);
    if (covering === undefined) fail(`${field}.checkpoint`, 'no checkpoint in the proof has this number');
    const path = list(item.auditPath, `${field}.auditPath`).map((sibling) => String(sibling));
    if (
      entry.seq < covering.fromSeq ||
      entry.seq > covering.seq ||
      !verifyAuditPath(
        entry.hash,
        entry.seq - covering.fromSeq,
        covering.seq - covering.fromSeq + 1,
        path,
        covering.root,
      )
    ) {
      fail(`${field}.auditPath`, `does not lead to the root of checkpoint ${covering.number}`);
    }
    if (previous !== undefined) {
      if (entry.seq <= previous.seq) fail(`${field}.seq`, 'entries are not in chain order');
      if (entry.seq === previous.seq + 1 && entry.prevHash !== previous.hash) {
        fail(`${field}.prevHash`, `does not link to entry ${previous.seq}`);
      }
    }
    previous = entry;
  });

  return {
    tracking,
    hub,
    issuedAt,
    entries: entries.length,
    checkpoints: checkpoints.size,
    caPinned: options.ca !== undefined,
    caFingerprint: ca.fingerprint256,
  };
}

function fail(field: string, reason: string): never {
  throw new VkhidError('LEDGER_PROOF_INVALID', { args: [`${field}: ${reason}`], field });
}

function parseJson(document: string): unknown {
  try {
    return JSON.parse(document) as unknown;
  } catch {
    return fail('', 'not JSON');
  }
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(field || '(document)', 'not an object');
  return value as Record<string, unknown>;
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string') fail(field, 'not a string');
  return value;
}

function nullableText(value: unknown, field: string): string | null {
  return value === null ? null : text(value, field);
}

function integer(value: unknown, field: string): number {
  if (!Number.isSafeInteger(value)) fail(field, 'not an integer');
  return value as number;
}

function list(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) fail(field, 'not a list');
  return value as unknown[];
}

function certificate(value: unknown, field: string): X509Certificate {
  try {
    return new X509Certificate(text(value, field));
  } catch (error) {
    if (error instanceof VkhidError) throw error;
    return fail(field, 'not a PEM certificate');
  }
}

/** The signature was made while the certificate was valid (revocation cannot be checked offline). */
function within(signer: X509Certificate, at: string, field: string): void {
  const time = Date.parse(at);
  if (Number.isNaN(time) || time < Date.parse(signer.validFrom) || time > Date.parse(signer.validTo)) {
    fail(field, 'outside the validity of the signing certificate');
  }
}

function checkpointOf(value: unknown, field: string): LedgerCheckpoint {
  const item = record(value, field);
  return {
    number: integer(item.number, `${field}.number`),
    hub: text(item.hub, `${field}.hub`),
    fromSeq: integer(item.fromSeq, `${field}.fromSeq`),
    seq: integer(item.seq, `${field}.seq`),
    hash: text(item.hash, `${field}.hash`),
    root: text(item.root, `${field}.root`),
    at: text(item.at, `${field}.at`),
    signerFingerprint: text(item.signerFingerprint, `${field}.signerFingerprint`),
    signature: text(item.signature, `${field}.signature`),
  };
}

function entryOf(item: Record<string, unknown>, field: string): LedgerEntry {
  const event = text(item.event, `${field}.event`);
  if (!(LEDGER_EVENTS as readonly string[]).includes(event)) fail(`${field}.event`, 'not a ledger event');
  return {
    seq: integer(item.seq, `${field}.seq`),
    at: text(item.at, `${field}.at`),
    tracking: nullableText(item.tracking, `${field}.tracking`),
    event: event as LedgerEntry['event'],
    from: nullableText(item.from, `${field}.from`),
    to: nullableText(item.to, `${field}.to`),
    messageId: nullableText(item.messageId, `${field}.messageId`),
    envelopeSha256: nullableText(item.envelopeSha256, `${field}.envelopeSha256`),
    receiptId: nullableText(item.receiptId, `${field}.receiptId`),
    receiptSha256: nullableText(item.receiptSha256, `${field}.receiptSha256`),
    reason: nullableText(item.reason, `${field}.reason`),
    prevHash: text(item.prevHash, `${field}.prevHash`),
    hash: text(item.hash, `${field}.hash`),
  };
}
