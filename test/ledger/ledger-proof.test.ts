/**
 * Proofs: built from the store, checked with nothing but the proof and the CA. Alterations that keep the
 * hub's signature valid (as a buggy or compromised builder would make) are caught by the inner checks.
 */
import assert from 'node:assert/strict';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { checkpoint } from '../../gateway/ledger/ledger-checkpoint.js';
import { appendLedgerEntry } from '../../gateway/ledger/ledger-entry.js';
import {
  buildLedgerProof,
  canonicalJson,
  verifyLedgerProof,
  type LedgerProof,
} from '../../gateway/ledger/ledger-proof.js';
import { createCa, issueCertificate } from '../support/test-pki.js';
import {
  appealEvents,
  openLedgerHub,
  signingIdentity,
  type LedgerHub,
  type SigningIdentity,
} from './fixtures/ledger-store.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };

describe('ledger proofs', () => {
  let identity: SigningIdentity;
  let hub: LedgerHub;

  before(async () => {
    identity = await signingIdentity();
  });
  /** Appeal 2's entries 5..8 span two checkpoints: 1..6 and 7..12. */
  beforeEach(async () => {
    hub = await openLedgerHub();
    const events = ['KC-2026-0000001', 'KC-2026-0000002', 'KC-2026-0000003'].flatMap((t) => appealEvents(t));
    for (const [index, event] of events.entries()) {
      await hub.store.transaction((tx) => appendLedgerEntry(tx, event));
      if (index === 5) await checkpoint(hub, { signer: identity.signer });
    }
  });
  afterEach(() => hub.close());

  const build = (tracking = 'KC-2026-0000002') =>
    buildLedgerProof(hub, tracking, {
      signer: identity.signer,
      hubCertificates: [identity.hubSign.certificate],
      ca: identity.ca.certificate,
    });

  /** Alters the proof and signs it again with the hub's key: only the inner checks can catch it. */
  const resigned = (
    proof: LedgerProof,
    alter: (body: Mutable<LedgerProof['proof']>) => void,
  ): LedgerProof => {
    const body = structuredClone(proof.proof) as Mutable<LedgerProof['proof']>;
    alter(body);
    return {
      proof: body,
      signature: identity.signer.sign(Buffer.from(canonicalJson(body))).toString('base64'),
    };
  };

  const refusedAt = (proof: unknown, field: RegExp) =>
    assert.throws(
      () => verifyLedgerProof(proof, { ca: identity.ca.certificate }),
      (error: unknown) =>
        error instanceof VkhidError && error.code === 'LEDGER_PROOF_INVALID' && field.test(error.field ?? ''),
    );

  it('proves entries across two checkpoints, signing a new one for the uncovered tail', async () => {
    const proof = await build();
    assert.deepEqual(
      proof.proof.entries.map((e) => [e.seq, e.checkpoint]),
      [
        [5, 1],
        [6, 1],
        [7, 2],
        [8, 2],
      ],
    );
    const result = verifyLedgerProof(JSON.stringify(proof), { ca: identity.ca.certificate });
    assert.deepEqual([result.entries, result.checkpoints, result.caPinned], [4, 2, true]);
    assert.equal(verifyLedgerProof(proof).caPinned, false);
  });

  it('catches re-signed alterations in the inner checks, naming the part', async () => {
    const proof = await build();
    refusedAt(
      resigned(proof, (b) => void (b.entries[1]!.reason = 'answered')),
      /^proof\.entries\[1\]\.hash$/,
    );
    refusedAt(
      resigned(proof, (b) => void (b.entries[0]!.auditPath = [...b.entries[0]!.auditPath].reverse())),
      /^proof\.entries\[0\]\.auditPath$/,
    );
    refusedAt(
      resigned(proof, (b) => void (b.entries[2]!.checkpoint = 1)),
      /^proof\.entries\[2\]\.auditPath$/,
    );
    refusedAt(
      resigned(proof, (b) => void (b.checkpoints[0]!.root = '0'.repeat(64))),
      /^proof\.checkpoints\[0\]$/,
    );
    refusedAt(
      resigned(proof, (b) => void (b.entries[3]!.tracking = 'KC-2026-0000003')),
      /tracking$/,
    );
    refusedAt(
      resigned(proof, (b) => void b.entries.reverse()),
      /^proof\.entries\[\d\]\.seq$/,
    );
  });

  it('refuses a proof signed by a certificate the pinned CA did not issue', async () => {
    const otherCa = await createCa('Other CA', 'ec');
    const impostor = await issueCertificate(otherCa, 'Impostor', { kind: 'ec' });
    const proof = await build();
    assert.throws(
      () => verifyLedgerProof(proof, { ca: otherCa.certificate }),
      (error: unknown) => error instanceof VkhidError && error.code === 'LEDGER_PROOF_INVALID',
    );
    const swapped = { ...proof, proof: { ...proof.proof, certificates: [impostor.certificatePem] } };
    refusedAt(swapped, /^proof\.certificates\[0\]$/);
  });

  it('refuses what is not a proof, and an unknown tracking number', async () => {
    refusedAt('not json', /^$/);
    refusedAt({ proof: {}, signature: 'x' }, /^proof\.format$/);
    await assert.rejects(
      build('KC-2026-9999999'),
      (e: unknown) => e instanceof VkhidError && e.code === 'LEDGER_NOT_FOUND',
    );
  });
});
