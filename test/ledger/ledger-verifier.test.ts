/**
 * verifyLedger: a clean ledger passes; any single column of any row changed by SQL (as someone holding the
 * database file could) is found, naming that entry; deletions, insertions, reordering, a consistently
 * rewritten chain and tampered checkpoints are found too.
 */
import assert from 'node:assert/strict';
import {
  appendLedgerEntry,
  entryHash,
  ENTRY_COLUMNS,
  entryFromRow,
} from '../../gateway/ledger/ledger-entry.js';
import { checkpoint } from '../../gateway/ledger/ledger-checkpoint.js';
import { verifyLedger } from '../../gateway/ledger/ledger-verifier.js';
import type { SqlValue } from '../../gateway/store/store-driver.js';
import { createCa, issueCertificate } from '../support/test-pki.js';
import {
  appealEvents,
  openLedgerHub,
  signingIdentity,
  type LedgerHub,
  type SigningIdentity,
} from './fixtures/ledger-store.js';

const ENTRY_COLUMN_NAMES = ENTRY_COLUMNS.split(', ').filter((column) => column !== 'seq');

describe('verifyLedger', function () {
  this.timeout(60_000);
  let identity: SigningIdentity;
  let hub: LedgerHub;

  before(async () => {
    identity = await signingIdentity();
  });

  /** 3 appeals x 4 events: entries 1..12, checkpoint 1 over 1..8 (9..12 rest on their hashes alone). */
  beforeEach(async () => {
    hub = await openLedgerHub();
    const events = ['KC-2026-0000001', 'KC-2026-0000002', 'KC-2026-0000003'].flatMap((t) => appealEvents(t));
    for (const [index, event] of events.entries()) {
      await hub.store.transaction((tx) => appendLedgerEntry(tx, event));
      if (index === 7) await checkpoint(hub, { signer: identity.signer });
    }
  });
  afterEach(() => hub.close());

  const verify = () => verifyLedger(hub.store, identity.hubSign.certificate, { pageSize: 5 });

  /** Runs SQL as an intruder: with the append-only triggers dropped first. */
  const tamper = (sql: string, params: SqlValue[] = []) =>
    hub.store.transaction(async (tx) => {
      for (const trigger of [
        'entries_no_update',
        'entries_no_delete',
        'checkpoints_no_update',
        'checkpoints_no_delete',
      ]) {
        await tx.execute(`DROP TRIGGER IF EXISTS ledger_${trigger}`);
      }
      await tx.execute(sql, params);
    });

  it('passes a clean ledger, paging through it, and reports the head and checkpoint coverage', async () => {
    const result = await verify();
    assert.equal(result.ok, true, JSON.stringify(result.problem));
    assert.equal(result.entries, 12);
    assert.equal(result.head.seq, 12);
    assert.equal(result.checkpoints, 1);
    assert.equal(result.checkpointedSeq, 8);
  });

  it('refuses UPDATE and DELETE on the ledger tables while the triggers stand', async () => {
    await assert.rejects(
      hub.store.transaction((tx) => tx.execute(`UPDATE ledger_entries SET reason = 'x' WHERE seq = 1`)),
    );
    await assert.rejects(
      hub.store.transaction((tx) => tx.execute('DELETE FROM ledger_entries WHERE seq = 12')),
    );
    await assert.rejects(hub.store.transaction((tx) => tx.execute(`UPDATE ledger_checkpoints SET at = 'x'`)));
    assert.equal((await verify()).ok, true);
  });

  for (const seq of [1, 5, 8, 9, 12]) {
    for (const column of ENTRY_COLUMN_NAMES) {
      it(`finds entry ${seq} when its ${column} is changed`, async () => {
        const [row] = await hub.store.read((db) =>
          db.query(`SELECT ${column} AS value FROM ledger_entries WHERE seq = ?`, [seq]),
        );
        const before = row?.value;
        const after =
          before === null
            ? 'x'
            : typeof before === 'string'
              ? `${before.slice(0, -1)}${before.endsWith('0') ? '1' : '0'}`
              : 'x';
        await tamper(`UPDATE ledger_entries SET ${column} = ? WHERE seq = ?`, [after, seq]);
        const result = await verify();
        assert.equal(result.ok, false);
        assert.equal(result.problem?.seq, seq, JSON.stringify(result.problem));
        assert.equal(result.problem?.reason, 'edited');
      });
    }
    for (const moved of [1000, 0, -7]) {
      it(`finds entry ${seq} when its seq is changed to ${moved}`, async () => {
        await tamper('UPDATE ledger_entries SET seq = ? WHERE seq = ?', [moved, seq]);
        const result = await verify();
        assert.equal(result.ok, false);
        assert.equal(result.problem?.seq, seq, JSON.stringify(result.problem));
      });
    }
  }

  it('finds a deleted entry in the middle, and a deleted tail a checkpoint vouches for', async () => {
    await tamper('DELETE FROM ledger_entries WHERE seq = 6');
    assert.deepEqual([(await verify()).problem?.seq, (await verify()).problem?.reason], [6, 'deleted']);
    await tamper('DELETE FROM ledger_entries WHERE seq >= 6');
    const result = await verify();
    assert.equal(result.problem?.seq, 6);
    assert.equal(result.problem?.reason, 'deleted');
    assert.equal(result.problem?.checkpoint, 1);
  });

  it('finds two swapped entries as reordered, naming the first', async () => {
    await tamper('UPDATE ledger_entries SET seq = 100 WHERE seq = 3');
    await tamper('UPDATE ledger_entries SET seq = 3 WHERE seq = 7');
    await tamper('UPDATE ledger_entries SET seq = 7 WHERE seq = 100');
    const result = await verify();
    assert.equal(result.problem?.seq, 3);
    assert.equal(result.problem?.reason, 'reordered');
    assert.match(result.problem?.message ?? '', /entry 7/);
  });

  it('finds a forged entry that hashes correctly but does not link, as inserted', async () => {
    const [last] = await hub.store.read((db) =>
      db.query(`SELECT ${ENTRY_COLUMNS} FROM ledger_entries WHERE seq = 12`),
    );
    const original = entryFromRow(last!);
    const forged = { ...original, seq: 13, prevHash: original.prevHash, reason: 'forged' };
    const hash = entryHash(forged);
    await tamper(
      `INSERT INTO ledger_entries (${ENTRY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        13,
        forged.at,
        forged.tracking,
        forged.event,
        forged.from,
        forged.to,
        forged.messageId,
        forged.envelopeSha256,
        forged.receiptId,
        forged.receiptSha256,
        forged.reason,
        forged.prevHash,
        hash,
      ],
    );
    const result = await verify();
    assert.equal(result.problem?.seq, 13);
    assert.equal(result.problem?.reason, 'inserted');
  });

  it('finds a chain rewritten with recomputed hashes through the signed checkpoint', async () => {
    const rows = await hub.store.read((db) =>
      db.query(`SELECT ${ENTRY_COLUMNS} FROM ledger_entries ORDER BY seq`),
    );
    let prevHash = entryFromRow(rows[2]!).prevHash;
    for (const row of rows.slice(2)) {
      const entry = entryFromRow(row);
      const changed = { ...entry, to: entry.seq === 3 ? '00000000' : entry.to, prevHash };
      const hash = entryHash(changed);
      await tamper('UPDATE ledger_entries SET to_participant = ?, prev_hash = ?, hash = ? WHERE seq = ?', [
        changed.to,
        prevHash,
        hash,
        entry.seq,
      ]);
      prevHash = hash;
    }
    const result = await verify();
    assert.equal(result.problem?.reason, 'rewritten');
    assert.equal(result.problem?.seq, 1, 'the first entry of the range checkpoint 1 seals');
    assert.equal(result.problem?.checkpoint, 1);
  });

  for (const column of [
    'number',
    'hub',
    'from_seq',
    'seq',
    'hash',
    'root',
    'at',
    'signer_fingerprint',
    'signature',
  ]) {
    it(`finds checkpoint 1 when its ${column} is changed`, async () => {
      const [row] = await hub.store.read((db) =>
        db.query(`SELECT ${column} AS value FROM ledger_checkpoints`),
      );
      const value = row?.value;
      const after =
        typeof value === 'number'
          ? value + 1
          : column === 'signature'
            ? Buffer.from('forged').toString('base64')
            : `${String(value)}0`;
      await tamper(`UPDATE ledger_checkpoints SET ${column} = ?`, [after]);
      const result = await verify();
      assert.equal(result.ok, false);
      assert.equal(result.problem?.reason, 'checkpoint');
      assert.equal(result.problem?.checkpoint, 1, JSON.stringify(result.problem));
    });
  }

  it('finds a deleted checkpoint between others, and one signed by a certificate it was not given', async () => {
    await checkpoint(hub, { signer: identity.signer });
    await tamper('DELETE FROM ledger_checkpoints WHERE number = 1');
    let result = await verify();
    assert.equal(result.problem?.reason, 'checkpoint');
    assert.equal(result.problem?.checkpoint, 1);
    assert.match(result.problem?.message ?? '', /missing/);

    const ca = await createCa('Other CA', 'ec');
    const other = await issueCertificate(ca, 'Other signer', { kind: 'ec' });
    result = await verifyLedger(hub.store, other.certificate);
    assert.equal(result.problem?.reason, 'checkpoint');
  });

  it('accepts checkpoints signed by each of several hub certificates (rotation)', async () => {
    const rotated = await issueCertificate(identity.ca, 'Vkhid Test Hub Signing 2', { kind: 'ec' });
    const { keySigner } = await import('../../gateway/ledger/ledger-checkpoint.js');
    await checkpoint(hub, { signer: keySigner(rotated.privateKey, rotated.certificate) });
    assert.equal((await verifyLedger(hub.store, identity.hubSign.certificate)).ok, false);
    const result = await verifyLedger(hub.store, [identity.hubSign.certificate, rotated.certificate]);
    assert.equal(result.ok, true);
    assert.equal(result.checkpointedSeq, 12);
  });
});
