/**
 * Ledger verification benchmark (issue #6): inserts N synthetic entries straight into a fresh SQLite store
 * (hash-chained exactly as appendLedgerEntry chains them, many rows per statement so the set-up is quick),
 * signs a checkpoint every `--checkpoint-every` entries, then times `verifyLedger` over the whole chain.
 *
 * `npm run bench:ledger [-- --entries N --checkpoint-every N]`. The last line is `verified/s: N`. It fails
 * (exit 1) if the verification does not pass, and checks that an edited entry is then found.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadHubConfig } from '../../gateway/config/hub-config.js';
import { HubHome } from '../../gateway/hub/hub-home.js';
import { checkpoint, keySigner } from '../../gateway/ledger/ledger-checkpoint.js';
import {
  ENTRY_COLUMNS,
  entryHash,
  entryRow,
  GENESIS_HASH,
  type LedgerEntry,
} from '../../gateway/ledger/ledger-entry.js';
import { ledgerMigrations } from '../../gateway/ledger/ledger-migrations.js';
import { verifyLedger } from '../../gateway/ledger/ledger-verifier.js';
import { queueMigrations } from '../../gateway/queue/queue-migrations.js';
import { registryMigrations } from '../../gateway/registry/registry-migrations.js';
import { SqliteDialect } from '../../gateway/store/sqlite-dialect.js';
import { Store } from '../../gateway/store/store.js';
import type { SqlValue } from '../../gateway/store/store-driver.js';
import { createCa, issueCertificate } from '../../test/support/test-pki.js';

const { values: args } = parseArgs({
  options: {
    entries: { type: 'string', default: '1000000' },
    'checkpoint-every': { type: 'string', default: '10000' },
  },
});
const ENTRIES = Number(args.entries);
const CHECKPOINT_EVERY = Number(args['checkpoint-every']);
const ROWS_PER_STATEMENT = 500;
const EVENTS = ['accepted', 'delivered', 'receipt', 'status'] as const;
const AGENCIES = ['00022527', '03359500', '00032106'];

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vkhid-bench-ledger-'));
  const store = await Store.open(new SqliteDialect({ dataDirectory: dir }), {
    migrations: [...registryMigrations, ...queueMigrations, ...ledgerMigrations],
  });
  try {
    const ca = await createCa('Bench Hub CA', 'ec');
    const hubSign = await issueCertificate(ca, 'Bench Hub Signing', { kind: 'ec' });
    const signer = keySigner(hubSign.privateKey, hubSign.certificate);
    const config = loadHubConfig({ dataDir: dir });
    const hub = {
      store,
      config: { ...config, hub: { ...config.hub, code: '00015622' } },
      home: new HubHome(dir),
    };

    const insertStarted = performance.now();
    let prevHash = GENESIS_HASH;
    const start = Date.UTC(2026, 0, 1);
    for (let from = 1; from <= ENTRIES; from += CHECKPOINT_EVERY) {
      const to = Math.min(ENTRIES, from + CHECKPOINT_EVERY - 1);
      await store.transaction(async (tx) => {
        for (let first = from; first <= to; first += ROWS_PER_STATEMENT) {
          const last = Math.min(to, first + ROWS_PER_STATEMENT - 1);
          const params: SqlValue[] = [];
          for (let seq = first; seq <= last; seq += 1) {
            const appeal = Math.floor(seq / 4);
            const unhashed: Omit<LedgerEntry, 'hash'> = {
              seq,
              at: new Date(start + seq * 1000).toISOString(),
              tracking: `KC-2026-${String(appeal).padStart(7, '0')}`,
              event: EVENTS[seq % 4]!,
              from: '00015622',
              to: AGENCIES[appeal % 3]!,
              messageId: randomUUID(),
              envelopeSha256: sha(`envelope ${appeal}`),
              receiptId: randomUUID(),
              receiptSha256: sha(`receipt ${seq}`),
              reason: seq % 4 === 3 ? 'registered' : null,
              prevHash,
            };
            const hash = entryHash(unhashed);
            params.push(...entryRow({ ...unhashed, hash }));
            prevHash = hash;
          }
          const row = `(${Array(13).fill('?').join(', ')})`;
          await tx.execute(
            `INSERT INTO ledger_entries (${ENTRY_COLUMNS}) VALUES ${Array(last - first + 1)
              .fill(row)
              .join(', ')}`,
            params,
          );
        }
      });
      await checkpoint(hub, { signer });
    }
    const insertSeconds = (performance.now() - insertStarted) / 1000;
    console.log(
      `inserted ${ENTRIES} entries and ${Math.ceil(ENTRIES / CHECKPOINT_EVERY)} checkpoints in ${insertSeconds.toFixed(1)} s`,
    );

    const verifyStarted = performance.now();
    const cpuBefore = process.cpuUsage();
    const result = await verifyLedger(store, hubSign.certificate);
    const seconds = (performance.now() - verifyStarted) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    if (!result.ok || result.entries !== ENTRIES) {
      console.error(`verification failed: ${JSON.stringify(result)}`);
      process.exitCode = 1;
      return;
    }
    // CPU time as well as wall time: on a shared machine the wall clock also measures the neighbours.
    console.log(
      `verified ${result.entries} entries and ${result.checkpoints} checkpoints in ${seconds.toFixed(2)} s (CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s)`,
    );

    // The benchmark must time a verifier that actually catches tampering.
    const victim = Math.max(1, Math.floor(ENTRIES * 0.9));
    await store.transaction(async (tx) => {
      await tx.execute('DROP TRIGGER ledger_entries_no_update');
      await tx.execute(`UPDATE ledger_entries SET to_participant = '00000000' WHERE seq = ?`, [victim]);
    });
    const tampered = await verifyLedger(store, hubSign.certificate);
    if (tampered.ok || tampered.problem?.seq !== victim) {
      console.error(`the edited entry ${victim} was not found: ${JSON.stringify(tampered)}`);
      process.exitCode = 1;
      return;
    }
    console.log(`edited entry ${victim} found: ${tampered.problem.message}`);
    console.log(`verified/s: ${Math.round(ENTRIES / seconds)}`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
