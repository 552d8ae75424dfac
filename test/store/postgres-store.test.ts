import assert from 'node:assert/strict';
import pg from 'pg';
import { PostgresDialect } from '../../gateway/store/postgres-dialect.js';
import { Store } from '../../gateway/store/store.js';
import { conformanceMigrations, describeStoreConformance, rejectsWithCode } from './store-conformance.js';

/**
 * Runs on a PostgreSQL server named by VKHID_TEST_POSTGRES_URL (a role that may CREATE DATABASE): one new
 * database per run, one new schema per store the suite asks for, the database dropped at the end. In CI the
 * variable is required (.ci/run starts a server and sets it): a missing server must fail, never skip.
 */
const serverUrl = process.env.VKHID_TEST_POSTGRES_URL ?? '';
const inCi = !['', '0', 'false'].includes((process.env.CI ?? '').toLowerCase());
const ENABLE =
  'set VKHID_TEST_POSTGRES_URL=postgres://user:password@localhost/postgres (a role with CREATEDB)';

if (serverUrl === '') {
  describe('PostgreSQL store', () => {
    if (inCi) {
      it('has a PostgreSQL server to run on (VKHID_TEST_POSTGRES_URL is required in CI)', () => {
        assert.fail(`CI is set but VKHID_TEST_POSTGRES_URL is not: ${ENABLE}`);
      });
    } else {
      it.skip(`PostgreSQL store tests are skipped: ${ENABLE} to run them`);
    }
  });
} else {
  describePostgres(serverUrl);
}

function describePostgres(url: string): void {
  const database = `vkhid_test_${process.pid}_${Date.now().toString(36)}`;
  const databaseUrl = new URL(url);
  databaseUrl.pathname = `/${database}`;
  let schemas = 0;
  const newDialect = (options: { lockTimeoutMs?: number } = {}): PostgresDialect => {
    schemas++;
    return new PostgresDialect({ url: databaseUrl.href, schema: `conformance_${schemas}`, ...options });
  };

  /** A plain `pg` client, outside the hub: to set up the server and to look at what the hub stored. */
  const connected = async <T>(
    connectionString: string,
    fn: (client: pg.Client) => Promise<T>,
  ): Promise<T> => {
    const client = new pg.Client({ connectionString });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };

  describe('PostgreSQL store', () => {
    before(async () => {
      await connected(url, (client) => client.query(`CREATE DATABASE ${database}`));
    });

    after(async () => {
      await connected(url, (client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
    });

    describeStoreConformance('PostgreSQL (a new schema per store)', () => newDialect());

    describe('PostgresDialect', () => {
      const opened: Store[] = [];
      const open = async (dialect: PostgresDialect): Promise<Store> => {
        const store = await Store.open(dialect, { migrations: conformanceMigrations });
        opened.push(store);
        return store;
      };
      afterEach(async () => {
        for (const store of opened.splice(0)) await store.close().catch(() => undefined);
      });

      it('names itself and claims what PostgreSQL has under the hub write lock', () => {
        const dialect = newDialect();
        assert.equal(dialect.name, 'postgres');
        assert.equal(dialect.supportsSkipLocked, true);
        assert.equal(dialect.supportsSavepoints, true);
        // Write transactions are serialised by the advisory lock, so the store group-commits them.
        assert.equal(dialect.supportsConcurrentWriters, false);
      });

      it('creates its schema and keeps the tables there', async () => {
        const dialect = newDialect();
        await open(dialect);
        const tables = await connected(databaseUrl.href, async (client) => {
          const result = await client.query<{ table_name: string }>(
            'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
            [dialect.schema],
          );
          return result.rows.map((row) => row.table_name);
        });
        assert.deepEqual(tables, ['conformance_items', 'conformance_values', 'schema_migrations']);
      });

      it('reads on read-only sessions that see committed data and do not wait for a writer', async () => {
        const store = await open(newDialect());
        await store.transaction((tx) =>
          tx.execute('INSERT INTO conformance_items (id, owner, seq) VALUES (?, ?, ?)', [
            'committed',
            'r',
            1,
          ]),
        );
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        let inside!: () => void;
        const started = new Promise<void>((resolve) => (inside = resolve));
        const writing = store.transaction(async (tx) => {
          await tx.execute('INSERT INTO conformance_items (id, owner, seq) VALUES (?, ?, ?)', [
            'open',
            'r',
            2,
          ]);
          inside();
          await held;
        });
        await started;
        const ids = await store.read((db) =>
          db.query<{ id: string }>("SELECT id FROM conformance_items WHERE owner = 'r' ORDER BY id"),
        );
        assert.deepEqual(ids, [{ id: 'committed' }]);
        const refused = await rejectsWithCode(
          store.read((db) => db.execute("DELETE FROM conformance_items WHERE owner = 'r'")),
          'STORE_UNAVAILABLE',
        );
        assert.match(String((refused.cause as Error).message), /read-only transaction/);
        release();
        await writing;
        const after = await store.read((db) =>
          db.query<{ id: string }>("SELECT id FROM conformance_items WHERE owner = 'r' ORDER BY id"),
        );
        assert.deepEqual(after, [{ id: 'committed' }, { id: 'open' }]);
      });

      it('serialises write transactions of two hub processes on one schema through the write lock', async () => {
        const first = newDialect({ lockTimeoutMs: 300 });
        const a = await open(first);
        // A second Store over the same schema stands for another hub process (another machine).
        const b = await open(
          new PostgresDialect({ url: databaseUrl.href, schema: first.schema, lockTimeoutMs: 300 }),
        );
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        let inside!: () => void;
        const started = new Promise<void>((resolve) => (inside = resolve));
        const holding = a.transaction(async (tx) => {
          await tx.execute('INSERT INTO conformance_items (id, owner, seq) VALUES (?, ?, ?)', ['a', 'x', 1]);
          inside();
          await held;
        });
        await started;
        // While A holds the lock, B's transaction does not start: it waits, then fails on the lock timeout.
        let ranInside = false;
        const timedOut = await rejectsWithCode(
          b.transaction(async (tx) => {
            ranInside = true;
            await tx.execute('INSERT INTO conformance_items (id, owner, seq) VALUES (?, ?, ?)', [
              'b',
              'x',
              1,
            ]);
          }),
          'STORE_UNAVAILABLE',
        );
        assert.equal(ranInside, false);
        assert.equal((timedOut.cause as { code?: unknown }).code, '55P03');
        // Once A commits, B writes, and its read-modify-write sees A's row.
        const waiting = b.transaction(async (tx) => {
          const rows = await tx.query<{ n: number }>('SELECT COUNT(*) AS n FROM conformance_items');
          await tx.execute('INSERT INTO conformance_items (id, owner, seq) VALUES (?, ?, ?)', [
            'b',
            'x',
            rows[0]!.n + 1,
          ]);
        });
        release();
        await holding;
        await waiting;
        const rows = await a.read((db) =>
          db.query<{ id: string; seq: number }>('SELECT id, seq FROM conformance_items ORDER BY id'),
        );
        assert.deepEqual(rows, [
          { id: 'a', seq: 1 },
          { id: 'b', seq: 2 },
        ]);
      });

      it('returns counts and sums as numbers, beyond 2^53 as exact bigints, and booleans as 1/0', async () => {
        const store = await open(newDialect());
        await store.transaction(async (tx) => {
          await tx.execute('INSERT INTO conformance_values (id, int_value) VALUES (?, ?), (?, ?)', [
            1,
            Number.MAX_SAFE_INTEGER,
            2,
            Number.MAX_SAFE_INTEGER,
          ]);
        });
        const [row] = await store.read((db) =>
          db.query<Record<string, unknown>>(
            `SELECT COUNT(*) AS n, SUM(int_value) AS total, SUM(id) AS ids, AVG(id) AS mean,
                    MAX(int_value) AS top, COUNT(*) = 2 AS two, COUNT(*) = 3 AS three
             FROM conformance_values`,
          ),
        );
        assert.deepEqual(row, {
          n: 2,
          total: 2n * BigInt(Number.MAX_SAFE_INTEGER),
          ids: 3,
          mean: 1.5,
          top: Number.MAX_SAFE_INTEGER,
          two: 1,
          three: 0,
        });
      });

      it('rewrites ? placeholders but leaves those in literals, quoted names and comments alone', async () => {
        const store = await open(newDialect());
        const rows = await store.read((db) =>
          db.query<Record<string, unknown>>(
            `SELECT '?' AS "why?", ? AS second -- a ? here is a comment
             /* and ? here */ , CAST(? AS INTEGER) + 1 AS third`,
            ['two', 2],
          ),
        );
        assert.deepEqual(rows, [{ 'why?': '?', second: 'two', third: 3 }]);
      });

      it('maps other constraint failures (foreign key, NOT NULL) to STORE_UNAVAILABLE, not to a conflict', async () => {
        const store = await Store.open(newDialect(), {
          migrations: [
            {
              version: 1,
              name: 'parent and child',
              statements: [
                'CREATE TABLE parent (id TEXT PRIMARY KEY)',
                'CREATE TABLE child (id TEXT PRIMARY KEY, parent_id TEXT NOT NULL REFERENCES parent (id))',
              ],
            },
          ],
        });
        opened.push(store);
        const foreign = await rejectsWithCode(
          store.transaction((tx) =>
            tx.execute('INSERT INTO child (id, parent_id) VALUES (?, ?)', ['c', 'missing']),
          ),
          'STORE_UNAVAILABLE',
        );
        assert.equal((foreign.cause as { code?: unknown }).code, '23503');
        await rejectsWithCode(
          store.transaction((tx) =>
            tx.execute('INSERT INTO child (id, parent_id) VALUES (?, ?)', ['c', null]),
          ),
          'STORE_UNAVAILABLE',
        );
      });

      it('reports a server it cannot reach as STORE_UNAVAILABLE, without the password', async () => {
        const unreachable = new URL(databaseUrl.href);
        unreachable.password = 'secret-password';
        // Port 1 on the loopback: nothing listens there, so the connection is refused at once.
        unreachable.hostname = '127.0.0.1';
        unreachable.port = '1';
        const refused = await rejectsWithCode(
          Store.open(new PostgresDialect({ url: unreachable.href }), { migrations: [] }),
          'STORE_UNAVAILABLE',
        );
        assert.ok(!refused.message.includes('secret-password'));
      });

      it('refuses an invalid configuration without quoting the URL', () => {
        const refusals = [
          { url: 'mysql://user:secret-password@host/db' },
          { url: databaseUrl.href, schema: 'Upper' },
          { url: databaseUrl.href, schema: 'x; DROP TABLE y' },
          { url: databaseUrl.href, poolSize: 1 },
          { url: databaseUrl.href, lockTimeoutMs: -1 },
        ];
        for (const config of refusals) {
          assert.throws(
            () => new PostgresDialect(config),
            (error: unknown) =>
              (error as { code?: unknown }).code === 'INTERNAL' &&
              !String((error as { cause?: Error }).cause?.message).includes('secret-password'),
          );
        }
      });
    });
  });
}
