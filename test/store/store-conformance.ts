import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import type { ErrorCode } from '../../gateway/errors/error-catalogue.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import type { Migration } from '../../gateway/store/migrator.js';
import {
  RuntimeDriver,
  type StatementEvent,
  type StatementLogger,
} from '../../gateway/store/runtime-driver.js';
import type { StoreDialect } from '../../gateway/store/store-dialect.js';
import type { SqlValue, StoreConnection } from '../../gateway/store/store-driver.js';
import { Store } from '../../gateway/store/store.js';

/**
 * The migrations of the conformance suite. Portable SQL, except the blob column, which is the one column
 * type SQLite and PostgreSQL spell differently: it shows the per-dialect form. A new dialect adds its entry.
 */
export const conformanceMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'conformance: items',
    statements: [
      'CREATE TABLE conformance_items (id TEXT PRIMARY KEY, owner TEXT NOT NULL, seq INTEGER NOT NULL)',
    ],
  },
  {
    version: 2,
    name: 'conformance: values',
    statements: {
      sqlite: [
        `CREATE TABLE conformance_values (
          id INTEGER PRIMARY KEY, text_value TEXT, int_value BIGINT, real_value DOUBLE PRECISION, blob_value BLOB
        )`,
      ],
      postgres: [
        `CREATE TABLE conformance_values (
          id INTEGER PRIMARY KEY, text_value TEXT, int_value BIGINT, real_value DOUBLE PRECISION, blob_value BYTEA
        )`,
      ],
    },
  },
];

const INSERT_ITEM = 'INSERT INTO conformance_items (id, owner, seq) VALUES (?, ?, ?)';
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Awaits `promise`, asserts it rejected with a VkhidError of `code`, and returns that error. */
export async function rejectsWithCode(promise: Promise<unknown>, code: ErrorCode): Promise<VkhidError> {
  let caught: unknown;
  let settled = false;
  try {
    await promise;
    settled = true;
  } catch (error) {
    caught = error;
  }
  assert.ok(!settled, `expected a rejection with ${code}, but the promise resolved`);
  assert.ok(caught instanceof VkhidError, `expected a VkhidError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, `expected ${code}, got ${caught.code}: ${caught.message}`);
  return caught;
}

async function countItems(store: Store, owner?: string): Promise<number> {
  const rows = await store.read((db) =>
    owner === undefined
      ? db.query<{ n: number }>('SELECT COUNT(*) AS n FROM conformance_items')
      : db.query<{ n: number }>('SELECT COUNT(*) AS n FROM conformance_items WHERE owner = ?', [owner]),
  );
  return rows[0]!.n;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/**
 * The behaviour every store dialect must have. Run it with a factory that returns a dialect over a NEW,
 * empty database each time; opening several stores from one dialect must reach the same database (the
 * suite reopens to check durability and migrations).
 */
export function describeStoreConformance(
  name: string,
  makeDialect: () => StoreDialect | Promise<StoreDialect>,
): void {
  describe(`store conformance: ${name}`, () => {
    const opened: Store[] = [];

    async function open(
      dialect: StoreDialect,
      migrations: readonly Migration[] = conformanceMigrations,
      onStatement?: StatementLogger,
    ): Promise<Store> {
      const store = await Store.open(dialect, { migrations, onStatement });
      opened.push(store);
      return store;
    }

    async function openNew(onStatement?: StatementLogger): Promise<Store> {
      return open(await makeDialect(), conformanceMigrations, onStatement);
    }

    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close().catch(() => undefined);
    });

    describe('migrations', () => {
      it('applies the migrations in order, once, each recorded with its name and time', async () => {
        const dialect = await makeDialect();
        const first = await open(dialect);
        const recorded = await first.read((db) =>
          db.query<{ version: number; name: string; applied_at: string }>(
            'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
          ),
        );
        assert.deepEqual(
          recorded.map(({ version, name }) => ({ version, name })),
          conformanceMigrations.map(({ version, name }) => ({ version, name })),
        );
        for (const row of recorded) assert.match(row.applied_at, ISO_UTC);
        await first.close();

        // Reopening runs nothing again: the CREATE TABLEs (no IF NOT EXISTS) would fail if it did.
        const second = await open(dialect);
        const again = await second.read((db) =>
          db.query<{ version: number; applied_at: string }>(
            'SELECT version, applied_at FROM schema_migrations ORDER BY version',
          ),
        );
        assert.deepEqual(
          again,
          recorded.map(({ version, applied_at }) => ({ version, applied_at })),
        );
        await second.close();

        // A new version applies alone, on top.
        const third = await open(dialect, [
          ...conformanceMigrations,
          {
            version: 3,
            name: 'conformance: extra',
            statements: ['CREATE TABLE conformance_extra (id TEXT PRIMARY KEY)'],
          },
        ]);
        const versions = await third.read((db) =>
          db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version'),
        );
        assert.deepEqual(
          versions.map((row) => row.version),
          [1, 2, 3],
        );
        await third.transaction((tx) => tx.execute('INSERT INTO conformance_extra (id) VALUES (?)', ['x']));
      });

      it('refuses a database at a newer schema version than the code knows, and leaves it untouched', async () => {
        const dialect = await makeDialect();
        await (await open(dialect)).close();
        const refused = await rejectsWithCode(
          Store.open(dialect, { migrations: conformanceMigrations.slice(0, 1) }),
          'STORE_SCHEMA_TOO_NEW',
        );
        assert.match(refused.message, /version 2 .* up to 1/);
        const store = await open(dialect);
        await store.transaction((tx) => tx.execute(INSERT_ITEM, ['a', 'a', 1]));
      });

      it('refuses an applied migration the code names differently (another branch of the schema)', async () => {
        const dialect = await makeDialect();
        await (await open(dialect)).close();
        const renamed = conformanceMigrations.map((migration) =>
          migration.version === 2 ? { ...migration, name: 'conformance: something else' } : migration,
        );
        const refused = await rejectsWithCode(
          Store.open(dialect, { migrations: renamed }),
          'STORE_SCHEMA_DIVERGED',
        );
        assert.match(refused.message, /conformance: values/);
      });

      it('rolls back a failing migration together with its record, and applies it once fixed', async () => {
        const dialect = await makeDialect();
        const createExtra = 'CREATE TABLE conformance_extra (id TEXT PRIMARY KEY)';
        const broken: Migration = {
          version: 3,
          name: 'conformance: extra',
          statements: [createExtra, 'INSERT INTO no_such_table VALUES (1)'],
        };
        await rejectsWithCode(
          Store.open(dialect, { migrations: [...conformanceMigrations, broken] }),
          'STORE_UNAVAILABLE',
        );
        // Versions 1 and 2 stayed applied (their own transactions), 3 is not recorded...
        await (await open(dialect)).close();
        // ...and its CREATE TABLE was rolled back: running it again does not find the table.
        const fixed: Migration = { ...broken, statements: [createExtra] };
        const store = await open(dialect, [...conformanceMigrations, fixed]);
        await store.transaction((tx) => tx.execute('INSERT INTO conformance_extra (id) VALUES (?)', ['x']));
      });

      it('checks the migration list before touching the database', async () => {
        const dialect = await makeDialect();
        const [first] = conformanceMigrations;
        const gap: Migration = { version: 3, name: 'gap', statements: ['CREATE TABLE gap (id TEXT)'] };
        await rejectsWithCode(Store.open(dialect, { migrations: [first!, gap] }), 'INTERNAL');
        const otherEngineOnly: Migration = {
          version: 2,
          name: 'other',
          statements: { 'other-engine': ['SELECT 1'] },
        };
        await rejectsWithCode(Store.open(dialect, { migrations: [first!, otherEngineOnly] }), 'INTERNAL');
        // Nothing was applied: the database is still at version 0.
        const store = await open(dialect, []);
        const versions = await store.read((db) => db.query('SELECT version FROM schema_migrations'));
        assert.deepEqual(versions, []);
      });
    });

    describe('transactions', () => {
      it('keeps each of many concurrent transactions all-or-nothing (group commit on single-writer engines)', async () => {
        const store = await openNew();
        const outcomes = await Promise.allSettled(
          Array.from({ length: 60 }, (_, i) =>
            store.transaction(async (tx) => {
              await tx.execute(INSERT_ITEM, [`c-${i}-1`, 'c', i]);
              // Every seventh fails after its first write; a statement error and a thrown error both count.
              if (i % 7 === 3) await tx.execute(INSERT_ITEM, [`c-${i}-1`, 'c', i]);
              if (i % 7 === 5) throw new Error(`member ${i} gives up`);
              await tx.execute(INSERT_ITEM, [`c-${i}-2`, 'c', i]);
              return i;
            }),
          ),
        );
        const failed = outcomes.flatMap((outcome, i) => (outcome.status === 'rejected' ? [i] : []));
        assert.deepEqual(
          failed,
          Array.from({ length: 60 }, (_, i) => i).filter((i) => i % 7 === 3 || i % 7 === 5),
        );
        const rows = await store.read((db) =>
          db.query<{ id: string }>("SELECT id FROM conformance_items WHERE owner = 'c'"),
        );
        const ids = new Set(rows.map((row) => row.id));
        for (let i = 0; i < 60; i += 1) {
          const stored = ids.has(`c-${i}-1`) && ids.has(`c-${i}-2`);
          const none = !ids.has(`c-${i}-1`) && !ids.has(`c-${i}-2`);
          assert.ok(failed.includes(i) ? none : stored, `transaction ${i} is half-stored`);
        }
      });

      it('lets a transaction see the ones that finished before it, even when they share a commit', async () => {
        const store = await openNew();
        const first = store.transaction((tx) => tx.execute(INSERT_ITEM, ['seen', 'd', 1]));
        const second = store.transaction(
          async (tx) =>
            (
              await tx.query<{ n: number }>("SELECT COUNT(*) AS n FROM conformance_items WHERE id = 'seen'")
            )[0]?.n,
        );
        await first;
        assert.equal(Number(await second), 1);
      });

      it('commits the work of a transaction and returns its result', async () => {
        const store = await openNew();
        const result = await store.transaction(async (tx) => {
          await tx.execute(INSERT_ITEM, ['a-1', 'a', 1]);
          await tx.execute(INSERT_ITEM, ['a-2', 'a', 2]);
          return 'done';
        });
        assert.equal(result, 'done');
        assert.equal(await countItems(store), 2);
      });

      it('rolls back everything when the callback throws, and rethrows the very same error', async () => {
        const store = await openNew();
        const failure = new Error('the callback failed');
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.execute(INSERT_ITEM, ['a-1', 'a', 1]);
            await tx.execute(INSERT_ITEM, ['a-2', 'a', 2]);
            throw failure;
          }),
          (error) => error === failure,
        );
        assert.equal(await countItems(store), 0);
        // The connection came back clean: the next transaction commits.
        await store.transaction((tx) => tx.execute(INSERT_ITEM, ['b-1', 'b', 1]));
        assert.equal(await countItems(store), 1);
      });

      it('never interleaves the statements of concurrent transactions', async () => {
        const store = await openNew();
        const owners = ['a', 'b', 'c', 'd'];
        const log: string[] = [];
        const seen = new Map<string, Map<string, number>>();
        await Promise.all(
          owners.map((owner) =>
            store.transaction(async (tx) => {
              log.push(`${owner}:start`);
              await tx.execute(INSERT_ITEM, [`${owner}-1`, owner, 1]);
              // Yield for long enough that every other transaction has been started and is waiting.
              await delay(15);
              const counts = await tx.query<{ owner: string; n: number }>(
                'SELECT owner, COUNT(*) AS n FROM conformance_items GROUP BY owner ORDER BY owner',
              );
              seen.set(owner, new Map(counts.map((row) => [row.owner, row.n])));
              await tx.execute(INSERT_ITEM, [`${owner}-2`, owner, 2]);
              log.push(`${owner}:end`);
            }),
          ),
        );
        // One after another: each start is followed by its own end.
        for (let i = 0; i < log.length; i += 2) {
          assert.equal(log[i + 1], log[i]!.replace(':start', ':end'), `interleaved: ${log.join(' ')}`);
        }
        for (const owner of owners) {
          const counts = seen.get(owner)!;
          // Its own first write, not yet its second...
          assert.equal(counts.get(owner), 1, `${owner} saw ${JSON.stringify([...counts])}`);
          // ...and of the others only whole committed transactions, never half of one.
          for (const [other, n] of counts)
            if (other !== owner) assert.equal(n, 2, `${owner} saw half of ${other}`);
        }
        const final = await store.read((db) =>
          db.query<{ owner: string; n: number }>(
            'SELECT owner, COUNT(*) AS n FROM conformance_items GROUP BY owner ORDER BY owner',
          ),
        );
        assert.deepEqual(
          final,
          owners.map((owner) => ({ owner, n: 2 })),
        );
      });

      it('maps a unique violation to STORE_CONFLICT (409) and rolls the whole transaction back', async () => {
        const store = await openNew();
        await store.transaction((tx) => tx.execute(INSERT_ITEM, ['k', 'a', 1]));
        const conflict = await rejectsWithCode(
          store.transaction(async (tx) => {
            await tx.execute(INSERT_ITEM, ['other', 'b', 1]);
            await tx.execute(INSERT_ITEM, ['k', 'b', 2]);
          }),
          'STORE_CONFLICT',
        );
        assert.equal(conflict.status, 409);
        assert.ok(conflict.cause instanceof Error, 'the driver error is kept as the cause');
        const ids = await store.read((db) =>
          db.query<{ id: string }>('SELECT id FROM conformance_items ORDER BY id'),
        );
        assert.deepEqual(ids, [{ id: 'k' }]);
        await store.transaction((tx) => tx.execute(INSERT_ITEM, ['next', 'c', 1]));
        assert.equal(await countItems(store), 2);
      });

      it('does not commit a transaction whose statement failed, even when the callback catches the error', async () => {
        const store = await openNew();
        await store.transaction((tx) => tx.execute(INSERT_ITEM, ['k', 'a', 1]));
        const conflict = await rejectsWithCode(
          store.transaction(async (tx) => {
            await tx.execute(INSERT_ITEM, ['before', 'b', 1]);
            try {
              await tx.execute(INSERT_ITEM, ['k', 'b', 2]);
            } catch {
              // Carrying on here would work on SQLite and not on PostgreSQL: refused on both.
            }
            await tx.execute(INSERT_ITEM, ['after', 'b', 3]).catch(() => undefined);
            return 'carried on';
          }),
          'STORE_CONFLICT',
        );
        assert.equal(conflict.status, 409);
        assert.equal(await countItems(store, 'b'), 0);
      });

      it('refuses an operation started inside another one on the same store (STORE_NESTED_TRANSACTION)', async () => {
        const store = await openNew();
        let later: Promise<unknown> | undefined;
        await store.transaction(async (tx) => {
          await tx.execute(INSERT_ITEM, ['outer', 'a', 1]);
          await rejectsWithCode(
            store.transaction((inner) => inner.execute(INSERT_ITEM, ['inner', 'a', 2])),
            'STORE_NESTED_TRANSACTION',
          );
          await rejectsWithCode(
            store.read((db) => db.query('SELECT id FROM conformance_items')),
            'STORE_NESTED_TRANSACTION',
          );
          await rejectsWithCode(store.close(), 'STORE_NESTED_TRANSACTION');
          // Work scheduled from here but run after the transaction ended is not nested.
          later = delay(20).then(() =>
            store.transaction((next) => next.execute(INSERT_ITEM, ['later', 'a', 3])),
          );
        });
        await store.read(async (db) => {
          await rejectsWithCode(
            store.transaction((tx) => tx.execute(INSERT_ITEM, ['in-read', 'a', 4])),
            'STORE_NESTED_TRANSACTION',
          );
          await db.query('SELECT id FROM conformance_items');
        });
        await later;
        const ids = await store.read((db) =>
          db.query<{ id: string }>('SELECT id FROM conformance_items ORDER BY id'),
        );
        assert.deepEqual(ids, [{ id: 'later' }, { id: 'outer' }]);
      });

      it('refuses a handle used after its operation ended (STORE_HANDLE_EXPIRED)', async () => {
        const store = await openNew();
        let leakedTx: StoreConnection | undefined;
        let leakedRead: StoreConnection | undefined;
        await store.transaction((tx) => {
          leakedTx = tx;
          return Promise.resolve();
        });
        await store.read((db) => {
          leakedRead = db;
          return Promise.resolve();
        });
        await rejectsWithCode(leakedTx!.execute(INSERT_ITEM, ['late', 'a', 1]), 'STORE_HANDLE_EXPIRED');
        await rejectsWithCode(leakedRead!.query('SELECT id FROM conformance_items'), 'STORE_HANDLE_EXPIRED');
        assert.equal(await countItems(store), 0);
      });

      it('counts changed rows, and runs ON CONFLICT upserts alike', async () => {
        const store = await openNew();
        await store.transaction(async (tx) => {
          assert.deepEqual(await tx.execute(INSERT_ITEM, ['u', 'a', 1]), { changes: 1 });
          assert.deepEqual(await tx.execute(`${INSERT_ITEM} ON CONFLICT (id) DO NOTHING`, ['u', 'a', 2]), {
            changes: 0,
          });
          assert.deepEqual(
            await tx.execute(`${INSERT_ITEM} ON CONFLICT (id) DO UPDATE SET seq = excluded.seq`, [
              'u',
              'a',
              3,
            ]),
            { changes: 1 },
          );
          await tx.execute(INSERT_ITEM, ['v', 'a', 1]);
          assert.deepEqual(
            await tx.execute('UPDATE conformance_items SET seq = seq + 1 WHERE owner = ?', ['a']),
            {
              changes: 2,
            },
          );
          assert.deepEqual(await tx.execute('DELETE FROM conformance_items WHERE id = ?', ['nothing']), {
            changes: 0,
          });
        });
        const rows = await store.read((db) =>
          db.query<{ id: string; seq: number }>('SELECT id, seq FROM conformance_items ORDER BY id'),
        );
        assert.deepEqual(rows, [
          { id: 'u', seq: 4 },
          { id: 'v', seq: 2 },
        ]);
      });
    });

    describe('statements and values', () => {
      it('refuses statements that break the portability rules (STORE_INVALID_STATEMENT)', async () => {
        const store = await openNew();
        const refusals: [string, SqlValue[]][] = [
          [INSERT_ITEM, ['a', 'a']],
          [INSERT_ITEM, ['a', 'a', 1, 2]],
          ['SELECT id FROM conformance_items; DELETE FROM conformance_items', []],
          ['SELECT id FROM conformance_items WHERE id = ?1', ['a']],
          ['SELECT id FROM conformance_items WHERE id = :id', []],
          ['SELECT id FROM conformance_items WHERE id = $1', ['a']],
          ['SELECT id FROM conformance_items WHERE id = @id', []],
          ['', []],
        ];
        for (const [sql, params] of refusals) {
          await rejectsWithCode(
            store.read((db) => db.query(sql, params)),
            'STORE_INVALID_STATEMENT',
          );
        }
        const badValues: unknown[] = [
          undefined,
          true,
          new Date(0),
          { id: 1 },
          Number.NaN,
          Number.POSITIVE_INFINITY,
          2 ** 53,
          -(2 ** 53),
          2n ** 53n,
          -(2n ** 53n),
          'a\u0000b',
          'broken \uD800 pair',
        ];
        for (const value of badValues) {
          const refused = await rejectsWithCode(
            store.transaction((tx) => tx.execute(INSERT_ITEM, ['id', 'owner', value as SqlValue])),
            'STORE_INVALID_STATEMENT',
          );
          assert.match(refused.message, /parameter 3/);
        }
        assert.equal(await countItems(store), 0);
        // A ? inside a literal, and ; inside a literal or after the statement, are not syntax.
        const rows = await store.read((db) =>
          db.query<{ q: string }>("SELECT '?;' AS q FROM conformance_items WHERE id = ?;", ['none']),
        );
        assert.deepEqual(rows, []);
      });

      it('round-trips text, empty strings and nulls, integers, reals and blobs exactly', async () => {
        const store = await openNew();
        const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);
        const backing = Uint8Array.from({ length: 64 }, (_, i) => 255 - i);
        const view = backing.subarray(10, 20);
        const cyrillic = 'Звернення громадянина Ґалаґан Ївги: «їжак», ЄДРПОУ 00015622 — 🇺🇦';
        const inserted: [number, string | null, number | bigint | null, number | null, Uint8Array | null][] =
          [
            [1, cyrillic, Number.MAX_SAFE_INTEGER, 0.1, allBytes],
            [2, '', Number.MIN_SAFE_INTEGER, -1.5, new Uint8Array(0)],
            [3, null, 0, null, null],
            [4, 'x', 2n ** 40n + 7n, 1e-300, view],
            [5, ' ', -1n, 2 ** 40 + 0.5, Buffer.from('bytes')],
          ];
        await store.transaction(async (tx) => {
          for (const row of inserted) {
            await tx.execute(
              'INSERT INTO conformance_values (id, text_value, int_value, real_value, blob_value) VALUES (?, ?, ?, ?, ?)',
              row,
            );
          }
        });
        const rows = await store.read((db) =>
          db.query<{
            id: number;
            text_value: string | null;
            int_value: number | null;
            real_value: number | null;
            blob_value: Uint8Array | null;
          }>('SELECT id, text_value, int_value, real_value, blob_value FROM conformance_values ORDER BY id'),
        );
        assert.equal(rows.length, inserted.length);
        rows.forEach((row, index) => {
          const [id, text, int, real, blob] = inserted[index]!;
          assert.equal(row.id, id);
          assert.equal(row.text_value, text, `text of row ${id}`);
          // Integers come back as numbers on every engine, bigints included.
          assert.equal(typeof row.int_value, 'number', `int of row ${id}`);
          assert.equal(row.int_value, Number(int));
          assert.equal(row.real_value, real, `real of row ${id}`);
          if (blob === null) {
            assert.equal(row.blob_value, null, `blob of row ${id}`);
          } else {
            assert.ok(row.blob_value instanceof Uint8Array, `blob of row ${id} is a Uint8Array`);
            assert.deepEqual([...row.blob_value], [...blob], `blob of row ${id}`);
          }
        });
        // Empty string and NULL stay distinct in comparisons too, and parameters compare like values.
        const found = await store.read(async (db) => ({
          empty: await db.query<{ id: number }>('SELECT id FROM conformance_values WHERE text_value = ?', [
            '',
          ]),
          nulls: await db.query<{ id: number }>('SELECT id FROM conformance_values WHERE text_value IS NULL'),
          cyrillic: await db.query<{ id: number }>('SELECT id FROM conformance_values WHERE text_value = ?', [
            cyrillic,
          ]),
          big: await db.query<{ id: number }>('SELECT id FROM conformance_values WHERE int_value = ?', [
            2n ** 40n + 7n,
          ]),
        }));
        assert.deepEqual(found, {
          empty: [{ id: 2 }],
          nulls: [{ id: 3 }],
          cyrillic: [{ id: 1 }],
          big: [{ id: 4 }],
        });
      });
    });

    describe('lifecycle', () => {
      it('runs the driver init once for concurrent callers', async () => {
        const dialect = await makeDialect();
        // Apply the schema first, so that the raw runtime below has a table to read.
        await (await open(dialect)).close();
        const driver = dialect.createDriver();
        const init = driver.init.bind(driver);
        let inits = 0;
        driver.init = async () => {
          inits++;
          await init();
        };
        const runtime = new RuntimeDriver(driver);
        const use = async (): Promise<void> => {
          const connection = await runtime.acquireConnection();
          try {
            await connection.query('SELECT COUNT(*) AS n FROM conformance_items');
          } finally {
            await runtime.releaseConnection(connection);
          }
        };
        await Promise.all([runtime.init(), runtime.init(), use(), use(), runtime.init()]);
        await runtime.init();
        assert.equal(inits, 1);
        await runtime.destroy();
        await rejectsWithCode(runtime.init(), 'STORE_CLOSED');
        await rejectsWithCode(runtime.acquireConnection(), 'STORE_CLOSED');
      });

      it('refuses every operation after close with STORE_CLOSED, and closing again is harmless', async () => {
        const store = await openNew();
        await store.close();
        assert.equal(store.closed, true);
        await rejectsWithCode(
          store.transaction((tx) => tx.execute(INSERT_ITEM, ['a', 'a', 1])),
          'STORE_CLOSED',
        );
        await rejectsWithCode(
          store.read((db) => db.query('SELECT id FROM conformance_items')),
          'STORE_CLOSED',
        );
        await store.close();
      });

      it('lets the operation in progress finish on close, and refuses the ones not yet started', async () => {
        const dialect = await makeDialect();
        const store = await open(dialect);
        const inside = deferred();
        const running = store.transaction(async (tx) => {
          inside.resolve();
          await tx.execute(INSERT_ITEM, ['before-close', 'a', 1]);
          await delay(30);
          await tx.execute(INSERT_ITEM, ['during-close', 'a', 2]);
          return 'committed';
        });
        await inside.promise;
        const waiting = store.transaction((tx) => tx.execute(INSERT_ITEM, ['waiting', 'b', 1]));
        const closing = store.close();
        assert.equal(await running, 'committed');
        await rejectsWithCode(waiting, 'STORE_CLOSED');
        await closing;

        const reopened = await open(dialect);
        const ids = await reopened.read((db) =>
          db.query<{ id: string }>('SELECT id FROM conformance_items ORDER BY id'),
        );
        assert.deepEqual(ids, [{ id: 'before-close' }, { id: 'during-close' }]);
      });

      it('keeps committed data across close and reopen', async () => {
        const dialect = await makeDialect();
        const store = await open(dialect);
        await store.transaction((tx) => tx.execute(INSERT_ITEM, ['durable', 'a', 1]));
        await store.close();
        const reopened = await open(dialect);
        assert.equal(await countItems(reopened, 'a'), 1);
      });

      it("reports each statement's duration and outcome, never its parameter values", async () => {
        const events: StatementEvent[] = [];
        const store = await openNew((event) => events.push(event));
        events.length = 0;
        const secret = 'Шевченко Тарас Григорович, вул. Хрещатик 1';
        await store.transaction((tx) => tx.execute(INSERT_ITEM, ['p', secret, 1]));
        await rejectsWithCode(
          store.transaction((tx) => tx.execute(INSERT_ITEM, ['p', secret, 2])),
          'STORE_CONFLICT',
        );
        // With group commit each transaction runs in a savepoint of the group's transaction; a failed one is
        // rolled back to its savepoint and the (empty) group still commits.
        const grouped = store.dialect.supportsSavepoints && !store.dialect.supportsConcurrentWriters;
        assert.deepEqual(
          events.map((event) => [event.operation, event.sql, event.outcome]),
          grouped
            ? [
                ['begin', undefined, 'ok'],
                ['execute', 'SAVEPOINT vkhid_member', 'ok'],
                ['execute', INSERT_ITEM, 'ok'],
                ['execute', 'RELEASE vkhid_member', 'ok'],
                ['commit', undefined, 'ok'],
                ['begin', undefined, 'ok'],
                ['execute', 'SAVEPOINT vkhid_member', 'ok'],
                ['execute', INSERT_ITEM, 'STORE_CONFLICT'],
                ['execute', 'ROLLBACK TO vkhid_member', 'ok'],
                ['execute', 'RELEASE vkhid_member', 'ok'],
                ['commit', undefined, 'ok'],
              ]
            : [
                ['begin', undefined, 'ok'],
                ['execute', INSERT_ITEM, 'ok'],
                ['commit', undefined, 'ok'],
                ['begin', undefined, 'ok'],
                ['execute', INSERT_ITEM, 'STORE_CONFLICT'],
                ['rollback', undefined, 'ok'],
              ],
        );
        for (const event of events) assert.ok(Number.isFinite(event.durationMs) && event.durationMs >= 0);
        assert.ok(!JSON.stringify(events).includes('Шевченко'), 'no parameter value reaches the logger');
      });

      it('commits even when the statement logger throws', async () => {
        const store = await openNew(() => {
          throw new Error('the logger is broken');
        });
        await store.transaction((tx) => tx.execute(INSERT_ITEM, ['logged', 'a', 1]));
        assert.equal(await countItems(store), 1);
      });
    });
  });
}
