/**
 * `vkhid ledger verify | checkpoint | proof | verify-proof` on a hub made by `vkhid init` (its own CA and
 * signing key), with entries appended as the hub appends them.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openHub } from '../../gateway/hub/hub-context.js';
import { appendLedgerEntry } from '../../gateway/ledger/ledger-entry.js';
import { appealEvents } from '../ledger/fixtures/ledger-store.js';
import { createCa } from '../support/test-pki.js';
import {
  copyHub,
  expectJsonError,
  initialisedHub,
  json,
  ok,
  removeTemporaryDirectories,
  temporaryDirectory,
  vkhid,
} from './fixtures/hub-cli.js';
import { runVkhid } from './fixtures/run-vkhid.js';

const TRACKING = 'KC-2026-0000002';

/** The parts of a proof file the alteration tests change. */
interface ProofFile {
  proof: {
    tracking: string;
    entries: { to: string | null; hash: string; auditPath: string[] }[];
    checkpoints: { root: string }[];
  };
  signature: string;
}

describe('vkhid ledger (CLI)', function () {
  this.timeout(120_000);
  let template: string;
  let data: string;
  /** Entries `vkhid init` itself wrote (its registry changes are admin-change entries); the test's follow. */
  let base = 0;

  before(async () => {
    template = await initialisedHub();
    const hub = await openHub({ dataDir: template });
    try {
      base = Number(
        (await hub.store.read((db) => db.query<{ n: number }>('SELECT COUNT(*) AS n FROM ledger_entries')))[0]
          ?.n,
      );
    } finally {
      await hub.close();
    }
  });
  beforeEach(async () => {
    data = copyHub(template);
    const hub = await openHub({ dataDir: data });
    try {
      for (const tracking of ['KC-2026-0000001', TRACKING, 'KC-2026-0000003']) {
        for (const event of appealEvents(tracking))
          await hub.store.transaction((tx) => appendLedgerEntry(tx, event));
      }
    } finally {
      await hub.close();
    }
  });
  after(removeTemporaryDirectories);

  /** Changes the database as an intruder would: triggers dropped, one column of one row changed. */
  const tamper = async (sql: string): Promise<void> => {
    const hub = await openHub({ dataDir: data });
    try {
      await hub.store.transaction(async (tx) => {
        await tx.execute('DROP TRIGGER ledger_entries_no_update');
        await tx.execute(sql);
      });
    } finally {
      await hub.close();
    }
  };

  it('verify passes a clean ledger (exit 0) and names the edited entry after a change by hand (exit 1)', async () => {
    const clean = ok(await vkhid(data, 'ledger', 'verify'));
    assert.match(
      clean.stdout,
      new RegExp(
        `^ledger ok: ${base + 12} entries, head ${base + 12} \\([0-9a-f]{64}\\), 0 signed checkpoint\\(s\\); ${base + 12} entries after`,
      ),
    );
    ok(await vkhid(data, 'ledger', 'checkpoint'));
    assert.equal(
      json<{ checkpoints: number }>(ok(await vkhid(data, 'ledger', 'verify', '--json'))).checkpoints,
      1,
    );

    await tamper(`UPDATE ledger_entries SET to_participant = '03359500' WHERE seq = ${base + 6}`);
    const broken = await vkhid(data, 'ledger', 'verify');
    assert.equal(broken.code, 1);
    assert.match(
      broken.stderr,
      new RegExp(`LEDGER_BROKEN: The ledger is broken at entry ${base + 6}: edited`),
    );
    const body = expectJsonError(await vkhid(data, 'ledger', 'verify', '--json'), 'LEDGER_BROKEN');
    assert.equal(body.field, `ledger_entries[seq=${base + 6}]`);
  });

  it('checkpoint signs the head once; a second call with nothing new signs nothing', async () => {
    const first = json<{ created: boolean; checkpoint: { number: number; seq: number } }>(
      ok(await vkhid(data, 'ledger', 'checkpoint', '--json')),
    );
    assert.deepEqual([first.created, first.checkpoint.number, first.checkpoint.seq], [true, 1, base + 12]);
    assert.match(
      ok(await vkhid(data, 'ledger', 'checkpoint')).stdout,
      new RegExp(`already signed: checkpoint 1, entries 1\\.\\.${base + 12}`),
    );
  });

  it("proof exports an appeal's entries that verify-proof checks offline, pinned to the hub CA", async () => {
    const dir = temporaryDirectory();
    const file = join(dir, 'proof.json');
    ok(await vkhid(data, 'ledger', 'proof', TRACKING, '--out', file));
    const proof = JSON.parse(readFileSync(file, 'utf8')) as {
      proof: { entries: { seq: number; tracking: string }[]; checkpoints: unknown[] };
    };
    assert.deepEqual(
      proof.proof.entries.map((e) => e.seq),
      [5, 6, 7, 8].map((seq) => base + seq),
    );
    assert.ok(proof.proof.entries.every((e) => e.tracking === TRACKING));
    assert.equal(proof.proof.checkpoints.length, 1, 'a checkpoint was signed to cover the entries');

    // Offline: no --data, no database; the CA pinned from the hub's own files.
    const checked = await runVkhid(
      'ledger',
      'verify-proof',
      file,
      '--ca',
      join(data, 'pki', 'ca.pem'),
      '--json',
    );
    assert.equal(checked.code, 0, checked.stdout + checked.stderr);
    assert.deepEqual(
      (({ tracking, entries, caPinned }) => ({ tracking, entries, caPinned }))(
        json<Record<string, unknown>>(checked),
      ),
      { tracking: TRACKING, entries: 4, caPinned: true },
    );
    assert.match(ok(await runVkhid('ledger', 'verify-proof', file)).stdout, /taken from the proof itself/);
  });

  it('verify-proof fails on any alteration of the proof, and on a CA that did not issue its certificates', async () => {
    const dir = temporaryDirectory();
    const file = join(dir, 'proof.json');
    ok(await vkhid(data, 'ledger', 'proof', TRACKING, '--out', file));
    const original = readFileSync(file, 'utf8');
    const alterations: [string, (p: ProofFile) => void][] = [
      ['an entry field', (p) => (p.proof.entries[1]!.to = '03359500')],
      ['an entry hash', (p) => (p.proof.entries[0]!.hash = p.proof.entries[2]!.hash)],
      ['an audit path', (p) => (p.proof.entries[0]!.auditPath[0] = p.proof.entries[3]!.hash)],
      ['a dropped entry', (p) => p.proof.entries.splice(1, 1)],
      ['the checkpoint root', (p) => (p.proof.checkpoints[0]!.root = '0'.repeat(64))],
      ['the tracking number', (p) => (p.proof.tracking = 'KC-2026-0000001')],
      ['the signature', (p) => (p.signature = Buffer.from('x'.repeat(64)).toString('base64'))],
    ];
    for (const [what, alter] of alterations) {
      const altered = JSON.parse(original) as ProofFile;
      alter(altered);
      const changed = join(dir, 'altered.json');
      writeFileSync(changed, JSON.stringify(altered));
      const run = await runVkhid('ledger', 'verify-proof', changed, '--json');
      assert.equal(json<{ code: string }>(run).code, 'LEDGER_PROOF_INVALID', what);
      assert.equal(run.code, 1, what);
    }
    // Re-serialised (key order, whitespace) but unchanged: still valid.
    writeFileSync(join(dir, 'compact.json'), JSON.stringify(JSON.parse(original)));
    ok(await runVkhid('ledger', 'verify-proof', join(dir, 'compact.json')));

    const otherCa = await createCa('Some other CA', 'ec');
    writeFileSync(join(dir, 'other-ca.pem'), otherCa.certificatePem);
    const run = await runVkhid('ledger', 'verify-proof', file, '--ca', join(dir, 'other-ca.pem'));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /LEDGER_PROOF_INVALID/);
  });

  it('proof refuses an unknown tracking number with LEDGER_NOT_FOUND', async () => {
    const dir = temporaryDirectory();
    expectJsonError(
      await vkhid(data, 'ledger', 'proof', 'KC-2026-9999999', '--out', join(dir, 'p.json'), '--json'),
      'LEDGER_NOT_FOUND',
    );
  });
});
