/**
 * appendLedgerEntry: chains entries inside the caller's transaction, refuses anything that is not a code,
 * UUID, digest or instant (no personal data), and rolls back with the change it records.
 */
import assert from 'node:assert/strict';
import {
  appendLedgerEntry,
  canonicalPage,
  entryHash,
  GENESIS_HASH,
  ledgerEntriesFor,
  type LedgerEntryInput,
} from '../../gateway/ledger/ledger-entry.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { AGENCY, appealEvents, openLedgerHub, type LedgerHub } from './fixtures/ledger-store.js';

describe('appendLedgerEntry', () => {
  let hub: LedgerHub;
  beforeEach(async () => {
    hub = await openLedgerHub();
  });
  afterEach(() => hub.close());

  it('numbers entries 1, 2, 3 and links each to the hash of the one before', async () => {
    const events = appealEvents('KC-2026-0000001');
    const written = [];
    for (const event of events)
      written.push(await hub.store.transaction((tx) => appendLedgerEntry(tx, event)));
    assert.deepEqual(
      written.map((e) => e.seq),
      [1, 2, 3, 4],
    );
    assert.equal(written[0]!.prevHash, GENESIS_HASH);
    for (let i = 1; i < written.length; i += 1) assert.equal(written[i]!.prevHash, written[i - 1]!.hash);
    for (const entry of written) assert.equal(entryHash(entry), entry.hash);
    assert.deepEqual(await hub.store.read((db) => ledgerEntriesFor(db, 'KC-2026-0000001')), written);
  });

  it('chains entries appended by concurrent transactions (group commit) without a fork', async () => {
    const events = ['KC-2026-0000001', 'KC-2026-0000002', 'KC-2026-0000003'].flatMap((t) => appealEvents(t));
    await Promise.all(events.map((event) => hub.store.transaction((tx) => appendLedgerEntry(tx, event))));
    const rows = await hub.store.read((db) => canonicalPage(db, 0));
    assert.deepEqual(
      rows.map((r) => r.seq),
      events.map((_, i) => i + 1),
    );
  });

  it('is written in the same transaction as the change it records: both or neither', async () => {
    await assert.rejects(
      hub.store.transaction(async (tx) => {
        await appendLedgerEntry(tx, appealEvents('KC-2026-0000001')[0]!);
        throw new Error('the recorded change failed');
      }),
      /the recorded change failed/,
    );
    const entry = await hub.store.transaction((tx) =>
      appendLedgerEntry(tx, appealEvents('KC-2026-0000001')[0]!),
    );
    assert.equal(entry.seq, 1);
    assert.equal(entry.prevHash, GENESIS_HASH);
  });

  it('stores message and receipt ids in lower case, as the message store keys them', async () => {
    const entry = await hub.store.transaction((tx) =>
      appendLedgerEntry(tx, {
        at: '2026-01-12T09:00:00.000Z',
        event: 'delivered',
        messageId: 'A0B1C2D3-0000-4000-8000-00000000000F',
        receipt: { id: 'A0B1C2D3-0000-4000-8000-00000000001F', sha256: 'a'.repeat(64) },
      }),
    );
    assert.equal(entry.messageId, 'a0b1c2d3-0000-4000-8000-00000000000f');
    assert.equal(entry.receiptId, 'a0b1c2d3-0000-4000-8000-00000000001f');
  });

  const base: LedgerEntryInput = {
    at: '2026-01-12T09:00:00.000Z',
    event: 'status',
    tracking: 'KC-2026-0000001',
  };
  const refusals: [string, Partial<Record<string, unknown>>][] = [
    ['at', { at: '2026-01-12 09:00' }],
    ['at', { at: '2026-01-12T11:00:00.000+02:00' }],
    ['event', { event: 'lost' }],
    ['tracking', { tracking: 'Іваненко Петро' }],
    ['from', { from: 'Petro Ivanenko' }],
    ['to', { to: '1234567' }],
    ['messageId', { messageId: 'not-a-uuid' }],
    ['envelopeSha256', { envelopeSha256: 'A'.repeat(64) }],
    ['receipt.id', { receipt: { id: 'x', sha256: 'a'.repeat(64) } }],
    ['receipt.sha256', { receipt: { id: 'a0b1c2d3-0000-4000-8000-000000000000', sha256: 'short' } }],
    ['reason', { reason: 'the citizen Petro Ivanenko phoned' }],
  ];
  for (const [field, change] of refusals) {
    it(`refuses ${JSON.stringify(change)} with LEDGER_ENTRY_INVALID naming ${field}`, async () => {
      await assert.rejects(
        hub.store.transaction((tx) => appendLedgerEntry(tx, { ...base, ...change })),
        (error: unknown) =>
          error instanceof VkhidError && error.code === 'LEDGER_ENTRY_INVALID' && error.field === field,
      );
    });
  }

  it('accepts a Date for at, and an admin change with no appeal', async () => {
    const entry = await hub.store.transaction((tx) =>
      appendLedgerEntry(tx, {
        at: new Date(Date.UTC(2026, 0, 12)),
        event: 'admin-change',
        to: AGENCY,
        reason: 'participant.suspend',
      }),
    );
    assert.equal(entry.at, '2026-01-12T00:00:00.000Z');
    assert.equal(entry.tracking, null);
  });

  it('the database builds exactly the serialisation entryHash hashes', async () => {
    for (const event of appealEvents('KC-2026-0000001'))
      await hub.store.transaction((tx) => appendLedgerEntry(tx, event));
    const rows = await hub.store.read((db) => canonicalPage(db, 0));
    const entries = await hub.store.read((db) => ledgerEntriesFor(db, 'KC-2026-0000001'));
    rows.forEach((row, i) => {
      const { hash, ...fields } = entries[i]!;
      void hash;
      assert.equal(
        row.canonical,
        JSON.stringify([
          'vkhid-ledger-entry-1',
          fields.seq,
          fields.at,
          fields.tracking,
          fields.event,
          fields.from,
          fields.to,
          fields.messageId,
          fields.envelopeSha256,
          fields.receiptId,
          fields.receiptSha256,
          fields.reason,
          fields.prevHash,
        ]),
      );
    });
  });
});
