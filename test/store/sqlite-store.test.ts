import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { SQLITE_FILE_NAME, SQLITE_IN_MEMORY, SqliteDialect } from '../../gateway/store/sqlite-dialect.js';
import { Store } from '../../gateway/store/store.js';
import { conformanceMigrations, describeStoreConformance, rejectsWithCode } from './store-conformance.js';

const INSERT_ITEM = 'INSERT INTO conformance_items (id, owner, seq) VALUES (?, ?, ?)';

let root: string;
let counter = 0;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vkhid-store-'));
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A new data directory (not yet created: the dialect creates it) for each database. */
function dataDirectory(): string {
  counter++;
  return join(root, `data-${counter}`, 'nested');
}

describeStoreConformance(
  'SQLite (file in a data directory)',
  () => new SqliteDialect({ dataDirectory: dataDirectory() }),
);

describe('SqliteDialect', () => {
  const opened: Store[] = [];
  const open = async (dialect: SqliteDialect): Promise<Store> => {
    const store = await Store.open(dialect, { migrations: conformanceMigrations });
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close().catch(() => undefined);
  });

  it('names itself and claims no capability SQLite lacks', () => {
    const dialect = new SqliteDialect({ dataDirectory: dataDirectory() });
    assert.equal(dialect.name, 'sqlite');
    assert.equal(dialect.supportsSkipLocked, false);
    assert.equal(dialect.supportsConcurrentWriters, false);
    assert.equal(dialect.supportsSavepoints, true);
  });

  it('reads on its read-only connection: committed data only, without waiting for a transaction', async () => {
    const store = await open(new SqliteDialect({ dataDirectory: dataDirectory() }));
    await store.transaction((tx) =>
      tx.execute('INSERT INTO conformance_items (id, owner, seq) VALUES (?, ?, ?)', ['committed', 'r', 1]),
    );
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inside!: () => void;
    const started = new Promise<void>((resolve) => (inside = resolve));
    const writing = store.transaction(async (tx) => {
      await tx.execute('INSERT INTO conformance_items (id, owner, seq) VALUES (?, ?, ?)', ['open', 'r', 2]);
      inside();
      await held;
    });
    await started;
    // The writer holds its transaction open: a read still answers, and sees only the committed row.
    const ids = await store.read((db) =>
      db.query<{ id: string }>("SELECT id FROM conformance_items WHERE owner = 'r' ORDER BY id"),
    );
    assert.deepEqual(ids, [{ id: 'committed' }]);
    await assert.rejects(
      store.read((db) => db.execute("DELETE FROM conformance_items WHERE owner = 'r'")),
      /readonly|read-only|STORE/i,
    );
    release();
    await writing;
    const after = await store.read((db) =>
      db.query<{ id: string }>("SELECT id FROM conformance_items WHERE owner = 'r' ORDER BY id"),
    );
    assert.deepEqual(after, [{ id: 'committed' }, { id: 'open' }]);
  });

  it('creates vkhid.sqlite in the data directory, which only its owner may enter', async () => {
    const directory = dataDirectory();
    const dialect = new SqliteDialect({ dataDirectory: directory });
    assert.equal(dialect.filename, join(directory, SQLITE_FILE_NAME));
    assert.ok(!existsSync(directory));
    await open(dialect);
    assert.ok(existsSync(join(directory, 'vkhid.sqlite')));
    assert.equal((await stat(directory)).mode & 0o777, 0o700);
    // WAL mode: the log file sits beside the database while it is open.
    assert.ok((await readdir(directory)).includes('vkhid.sqlite-wal'));
  });

  it('runs in WAL mode with synchronous=FULL, foreign keys on and a busy timeout', async () => {
    const store = await open(new SqliteDialect({ dataDirectory: dataDirectory() }));
    const pragmas = await store.read(async (db) => ({
      journalMode: await db.query('PRAGMA journal_mode'),
      synchronous: await db.query('PRAGMA synchronous'),
      foreignKeys: await db.query('PRAGMA foreign_keys'),
      busyTimeout: await db.query('PRAGMA busy_timeout'),
    }));
    assert.deepEqual(pragmas, {
      journalMode: [{ journal_mode: 'wal' }],
      synchronous: [{ synchronous: 2 }],
      foreignKeys: [{ foreign_keys: 1 }],
      busyTimeout: [{ timeout: 5000 }],
    });
  });

  it('keeps committed data across close and reopen, in the file', async () => {
    const directory = dataDirectory();
    const store = await open(new SqliteDialect({ dataDirectory: directory }));
    await store.transaction((tx) => tx.execute(INSERT_ITEM, ['durable', 'Київ', 1]));
    await store.close();
    // Another connection to the file, not through the hub, sees the row.
    const rows = await new Promise<unknown[]>((resolve, reject) => {
      const db = new sqlite3.Database(
        join(directory, SQLITE_FILE_NAME),
        sqlite3.OPEN_READONLY,
        (openError) => {
          if (openError) return reject(openError);
          db.all('SELECT id, owner FROM conformance_items', (error, result) => {
            db.close();
            if (error) reject(error);
            else resolve(result);
          });
        },
      );
    });
    assert.deepEqual(rows, [{ id: 'durable', owner: 'Київ' }]);
    const reopened = await open(new SqliteDialect({ dataDirectory: directory }));
    const ids = await reopened.read((db) => db.query('SELECT id FROM conformance_items'));
    assert.deepEqual(ids, [{ id: 'durable' }]);
  });

  it('waits for a write lock held by another process, then reports STORE_UNAVAILABLE and recovers', async () => {
    const directory = dataDirectory();
    const store = await open(new SqliteDialect({ dataDirectory: directory, busyTimeoutMs: 200 }));
    const other = await new Promise<sqlite3.Database>((resolve, reject) => {
      const db = new sqlite3.Database(join(directory, SQLITE_FILE_NAME), (error) =>
        error ? reject(error) : resolve(db),
      );
    });
    const run = (sql: string): Promise<void> =>
      new Promise((resolve, reject) => other.run(sql, (error) => (error ? reject(error) : resolve())));
    await run('BEGIN IMMEDIATE');
    const started = Date.now();
    const busy = await rejectsWithCode(
      store.transaction((tx) => tx.execute(INSERT_ITEM, ['blocked', 'a', 1])),
      'STORE_UNAVAILABLE',
    );
    assert.ok(Date.now() - started >= 150, 'it waited for the busy timeout');
    assert.match(String((busy.cause as Error).message), /SQLITE_BUSY/);
    await run('ROLLBACK');
    await new Promise<void>((resolve) => other.close(() => resolve()));
    await store.transaction((tx) => tx.execute(INSERT_ITEM, ['unblocked', 'a', 1]));
  });

  it('maps other constraint failures (foreign key, NOT NULL) to STORE_UNAVAILABLE, not to a conflict', async () => {
    const store = await Store.open(new SqliteDialect({ dataDirectory: dataDirectory() }), {
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
    await rejectsWithCode(
      store.transaction((tx) =>
        tx.execute('INSERT INTO child (id, parent_id) VALUES (?, ?)', ['c', 'missing']),
      ),
      'STORE_UNAVAILABLE',
    );
    await rejectsWithCode(
      store.transaction((tx) => tx.execute('INSERT INTO child (id, parent_id) VALUES (?, ?)', ['c', null])),
      'STORE_UNAVAILABLE',
    );
  });

  it('accepts a SQLite trigger body as one statement', async () => {
    const store = await Store.open(new SqliteDialect({ dataDirectory: dataDirectory() }), {
      migrations: [
        {
          version: 1,
          name: 'append-only log',
          statements: {
            sqlite: [
              'CREATE TABLE log (id TEXT PRIMARY KEY, entry TEXT NOT NULL)',
              `CREATE TRIGGER log_append_only BEFORE UPDATE ON log
               BEGIN
                 SELECT CASE WHEN 1 THEN RAISE(ABORT, 'the log is append-only; ever') END;
               END`,
            ],
          },
        },
      ],
    });
    opened.push(store);
    await store.transaction((tx) => tx.execute('INSERT INTO log (id, entry) VALUES (?, ?)', ['1', 'x']));
    await rejectsWithCode(
      store.transaction((tx) => tx.execute('UPDATE log SET entry = ? WHERE id = ?', ['y', '1'])),
      'STORE_UNAVAILABLE',
    );
  });

  it('opens a private in-memory database with :memory:, writing no file', async () => {
    const dialect = new SqliteDialect({ dataDirectory: SQLITE_IN_MEMORY });
    assert.equal(dialect.filename, ':memory:');
    const before = await readdir(process.cwd());
    const store = await open(dialect);
    await store.transaction((tx) => tx.execute(INSERT_ITEM, ['m', 'a', 1]));
    const mode = await store.read((db) => db.query('PRAGMA journal_mode'));
    assert.deepEqual(mode, [{ journal_mode: 'memory' }]);
    assert.deepEqual(await readdir(process.cwd()), before);
    // Each store gets its own database.
    const second = await open(dialect);
    assert.deepEqual(await second.read((db) => db.query('SELECT id FROM conformance_items')), []);
  });

  it('refuses an invalid configuration', () => {
    assert.throws(() => new SqliteDialect({ dataDirectory: '' }), { code: 'INTERNAL' });
    assert.throws(() => new SqliteDialect({ dataDirectory: dataDirectory(), busyTimeoutMs: -1 }), {
      code: 'INTERNAL',
    });
  });

  it('reports a database that cannot be opened as STORE_UNAVAILABLE', async () => {
    const directory = dataDirectory();
    const dialect = new SqliteDialect({ dataDirectory: directory });
    // The database path is taken by a directory.
    await mkdir(join(directory, SQLITE_FILE_NAME), { recursive: true });
    const refused = await rejectsWithCode(Store.open(dialect, { migrations: [] }), 'STORE_UNAVAILABLE');
    assert.ok(refused.cause instanceof Error);
  });
});
