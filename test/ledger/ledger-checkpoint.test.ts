/**
 * Checkpoints: the hub signs the chain head (seq, hash, Merkle root, time); idle hubs add none; a tampered
 * tail is refused rather than sealed; the job and the shutdown hook sign and log.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import {
  checkpoint,
  checkpointOnShutdown,
  checkpointSignatureValid,
  ledgerCheckpointJobDefinition,
  LEDGER_CHECKPOINT_JOB_NAME,
} from '../../gateway/ledger/ledger-checkpoint.js';
import { appendLedgerEntry, ledgerEntriesFor } from '../../gateway/ledger/ledger-entry.js';
import { merkleRoot } from '../../gateway/ledger/ledger-merkle.js';
import {
  appealEvents,
  HUB_CODE,
  openLedgerHub,
  signingIdentity,
  type LedgerHub,
  type SigningIdentity,
} from './fixtures/ledger-store.js';

describe('ledger checkpoints', () => {
  let identity: SigningIdentity;
  let hub: LedgerHub;
  const logged: { level: string; fields: Record<string, unknown> }[] = [];
  const logger = {
    info: (fields: Record<string, unknown>) => logged.push({ level: 'info', fields }),
    error: (fields: Record<string, unknown>) => logged.push({ level: 'error', fields }),
  };

  before(async () => {
    identity = await signingIdentity();
  });
  beforeEach(async () => {
    hub = await openLedgerHub();
    logged.length = 0;
  });
  afterEach(() => hub.close());

  const append = async (tracking: string) => {
    for (const event of appealEvents(tracking))
      await hub.store.transaction((tx) => appendLedgerEntry(tx, event));
  };

  it('signs seq, head hash and the Merkle root of the entries since the last checkpoint', async () => {
    assert.deepEqual(await checkpoint(hub, { signer: identity.signer }), {
      checkpoint: null,
      created: false,
    });
    await append('KC-2026-0000001');
    const first = await checkpoint(hub, {
      signer: identity.signer,
      now: () => new Date('2026-01-12T10:00:00Z'),
    });
    const entries = await hub.store.read((db) => ledgerEntriesFor(db, 'KC-2026-0000001'));
    assert.equal(first.created, true);
    assert.deepEqual(
      (({ number, hub: code, fromSeq, seq, hash, root, at }) => ({
        number,
        code,
        fromSeq,
        seq,
        hash,
        root,
        at,
      }))(first.checkpoint!),
      {
        number: 1,
        code: HUB_CODE,
        fromSeq: 1,
        seq: 4,
        hash: entries[3]!.hash,
        root: merkleRoot(entries.map((e) => e.hash)),
        at: '2026-01-12T10:00:00.000Z',
      },
    );
    assert.ok(checkpointSignatureValid(first.checkpoint!, identity.hubSign.certificate));
    assert.ok(!checkpointSignatureValid({ ...first.checkpoint!, seq: 3 }, identity.hubSign.certificate));

    assert.equal(
      (await checkpoint(hub, { signer: identity.signer })).created,
      false,
      'nothing new: nothing signed',
    );
    await append('KC-2026-0000002');
    const second = (await checkpoint(hub, { signer: identity.signer })).checkpoint!;
    assert.deepEqual([second.number, second.fromSeq, second.seq], [2, 5, 8]);
  });

  it('refuses to seal a tail that no longer chains', async () => {
    await append('KC-2026-0000001');
    await hub.store.transaction(async (tx) => {
      await tx.execute('DROP TRIGGER ledger_entries_no_update');
      await tx.execute(`UPDATE ledger_entries SET reason = 'forged' WHERE seq = 2`);
    });
    await assert.rejects(
      checkpoint(hub, { signer: identity.signer }),
      (error: unknown) =>
        error instanceof VkhidError && error.code === 'LEDGER_BROKEN' && /entry 2/.test(error.message),
    );
  });

  it('the job definition signs new entries and logs the checkpoint whole', async () => {
    const job = ledgerCheckpointJobDefinition(hub, logger, '*/5 * * * *', { signer: identity.signer });
    assert.equal(job.name, LEDGER_CHECKPOINT_JOB_NAME);
    assert.equal(job.schedule, '*/5 * * * *');
    await append('KC-2026-0000001');
    assert.deepEqual(await job.run(), { created: true, seq: 4 });
    assert.deepEqual(await job.run(), { created: false, seq: 4 });
    assert.equal(logged.length, 1);
    assert.equal((logged[0]!.fields.checkpoint as { seq: number }).seq, 4);
  });

  it('the shutdown checkpoint seals the last entries, and logs (never throws) when it cannot sign', async () => {
    await append('KC-2026-0000001');
    assert.equal((await checkpointOnShutdown(hub, logger, { signer: identity.signer }))?.seq, 4);
    await append('KC-2026-0000002');
    // No signer given and no key in the data directory: the hub's own signer cannot load.
    assert.equal(await checkpointOnShutdown(hub, logger), null);
    assert.equal(logged.at(-1)?.level, 'error');
    assert.ok(identity.hubSign.certificate instanceof X509Certificate);
  });
});
