import { mkdir } from 'node:fs/promises';
import sqlite3 from 'sqlite3';
import { VkhidError } from '../errors/vkhid-error.js';
import { AsyncMutex } from './async-mutex.js';
import type { ExecuteResult, Row, SqlValue, StoreConnection, StoreDriver } from './store-driver.js';

export interface SqliteDriverConfig {
  /** The database file, or `:memory:`. */
  readonly filename: string;
  /** The directory to create before opening (the data directory); undefined for `:memory:`. */
  readonly directory: string | undefined;
  /** How long a statement waits for a lock held by another process (another hub process, the CLI). */
  readonly busyTimeoutMs: number;
}

/** The one connection: statements go straight to the `sqlite3` handle, which runs them in call order. */
class SqliteConnection implements StoreConnection {
  /** Between a successful BEGIN and a successful COMMIT/ROLLBACK. */
  inTransaction = false;

  constructor(private readonly db: sqlite3.Database) {}

  query<R = Row>(sql: string, params: readonly SqlValue[] = []): Promise<R[]> {
    return new Promise((resolve, reject) => {
      this.db.all<R>(sql, toSqliteParams(params), (error, rows) => {
        if (error) reject(error);
        else resolve(rows);
      });
    });
  }

  execute(sql: string, params: readonly SqlValue[] = []): Promise<ExecuteResult> {
    return new Promise((resolve, reject) => {
      this.db.run(sql, toSqliteParams(params), function (error) {
        if (error) reject(error);
        else resolve({ changes: this.changes });
      });
    });
  }
}

/**
 * The `sqlite3` package's binding: bigints would be bound as NULL, so they become numbers (RuntimeDriver
 * has already refused those that would lose precision); a Uint8Array view is passed as a Buffer over the
 * same bytes so that exactly the viewed range is stored.
 */
function toSqliteParams(params: readonly SqlValue[]): unknown[] {
  return params.map((value) => {
    if (typeof value === 'bigint') return Number(value);
    if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
      return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
    return value;
  });
}

/**
 * SQLite through the `sqlite3` package, on ONE shared connection. SQLite has one writer at a time anyway,
 * and one connection means one page cache and no SQLITE_BUSY between the hub's own operations.
 *
 * The connection is handed to one holder at a time through a FIFO mutex; `releaseConnection` passes it to
 * the next. This is what makes transactions safe on a shared connection: SQLite has no notion of "whose"
 * statement it is running, so without the mutex a statement of operation B issued while operation A awaits
 * something between its BEGIN and COMMIT would run inside A's transaction (and be committed or rolled back
 * with it), and B's own BEGIN would fail.
 */
export class SqliteDriver implements StoreDriver {
  private db: sqlite3.Database | undefined;
  private connection: SqliteConnection | undefined;
  private readonly mutex = new AsyncMutex();
  /**
   * The read-only connection (file databases only: an in-memory database is private to its connection).
   * Reads need no mutex: a statement outside a transaction is its own read transaction, and in WAL mode it
   * sees the last commit without waiting for the writer, so reads go on while a commit waits for its fsync.
   */
  private readerDb: sqlite3.Database | undefined;
  private reader: SqliteConnection | undefined;
  private readsInFlight = 0;
  private readsDrained: (() => void)[] = [];

  constructor(private readonly config: SqliteDriverConfig) {}

  async init(): Promise<void> {
    if (this.db !== undefined) return;
    // 0700: the database holds personal data from appeals; nobody but the hub's account reads it.
    if (this.config.directory !== undefined)
      await mkdir(this.config.directory, { recursive: true, mode: 0o700 });
    const db = await openDatabase(this.config.filename);
    try {
      await this.configure(db);
    } catch (error) {
      await closeDatabase(db).catch(() => undefined);
      throw error;
    }
    this.db = db;
    this.connection = new SqliteConnection(db);
    if (this.config.filename !== ':memory:') {
      try {
        const readerDb = await openDatabase(this.config.filename, true);
        // The same settings as the writer, so a PRAGMA read through either connection tells the truth.
        await allRows(readerDb, `PRAGMA busy_timeout = ${this.config.busyTimeoutMs}`);
        await allRows(readerDb, 'PRAGMA synchronous = FULL');
        await allRows(readerDb, 'PRAGMA foreign_keys = ON');
        this.readerDb = readerDb;
        this.reader = new SqliteConnection(readerDb);
      } catch (error) {
        await closeDatabase(db).catch(() => undefined);
        this.db = undefined;
        this.connection = undefined;
        throw error;
      }
    }
  }

  async acquireReadConnection(): Promise<StoreConnection> {
    if (this.reader === undefined) return this.acquireConnection();
    this.readsInFlight += 1;
    return this.reader;
  }

  async releaseReadConnection(connection: StoreConnection): Promise<void> {
    if (this.reader === undefined || connection !== this.reader) return this.releaseConnection(connection);
    this.readsInFlight -= 1;
    if (this.readsInFlight === 0) for (const drained of this.readsDrained.splice(0)) drained();
  }

  private async configure(db: sqlite3.Database): Promise<void> {
    const pragma = async (sql: string): Promise<unknown> => {
      const rows = await allRows(db, sql);
      return rows[0] === undefined ? undefined : Object.values(rows[0])[0];
    };
    // Wait for a lock another process holds instead of failing at once (a CLI command during a commit).
    await pragma(`PRAGMA busy_timeout = ${this.config.busyTimeoutMs}`);
    // WAL: readers do not block the writer nor the writer readers, and a commit appends to the log rather
    // than rewriting the database. An in-memory database has no file and reports `memory`.
    const expectedMode = this.config.filename === ':memory:' ? 'memory' : 'wal';
    const mode = await pragma('PRAGMA journal_mode = WAL');
    if (mode !== expectedMode) throw new Error(`SQLite journal_mode is ${String(mode)}, not ${expectedMode}`);
    // FULL: the WAL is synced to disk at every commit. A commit acknowledged to a sender (its receipt says
    // the hub holds the document) must survive power loss; NORMAL, the usual WAL setting, can lose the last
    // commits and leave the hub having acknowledged a document it no longer has.
    await pragma('PRAGMA synchronous = FULL');
    const synchronous = await pragma('PRAGMA synchronous');
    if (synchronous !== 2) throw new Error(`SQLite synchronous is ${String(synchronous)}, not 2 (FULL)`);
    // SQLite ignores REFERENCES unless asked; PostgreSQL always enforces them.
    await pragma('PRAGMA foreign_keys = ON');
    const foreignKeys = await pragma('PRAGMA foreign_keys');
    if (foreignKeys !== 1) throw new Error('SQLite foreign_keys could not be enabled');
  }

  async acquireConnection(): Promise<StoreConnection> {
    await this.mutex.lock();
    if (this.connection === undefined) {
      this.mutex.unlock();
      throw new VkhidError('STORE_CLOSED');
    }
    return this.connection;
  }

  async beginTransaction(connection: StoreConnection): Promise<void> {
    const own = this.own(connection);
    // IMMEDIATE takes the write lock now. A deferred transaction that reads first and writes later can
    // fail at the first write with SQLITE_BUSY (another process wrote in between), which busy_timeout
    // cannot resolve: half of the caller's work would already have run.
    await own.execute('BEGIN IMMEDIATE');
    own.inTransaction = true;
  }

  async commitTransaction(connection: StoreConnection): Promise<void> {
    const own = this.own(connection);
    await own.execute('COMMIT');
    own.inTransaction = false;
  }

  async rollbackTransaction(connection: StoreConnection): Promise<void> {
    const own = this.own(connection);
    await own.execute('ROLLBACK');
    own.inTransaction = false;
  }

  async releaseConnection(connection: StoreConnection): Promise<void> {
    const own = this.own(connection);
    try {
      if (own.inTransaction) {
        // A failed COMMIT or ROLLBACK left a transaction open (or SQLite already ended it, and this
        // ROLLBACK fails harmlessly). The next holder must never start inside someone else's transaction.
        own.inTransaction = false;
        await own.execute('ROLLBACK').catch(() => undefined);
      }
    } finally {
      this.mutex.unlock();
    }
  }

  /** Waits for the current holder (and those queued before) to finish, then closes. */
  async destroy(): Promise<void> {
    if (this.db === undefined) return;
    await this.mutex.lock();
    try {
      if (this.readsInFlight > 0) await new Promise<void>((resolve) => this.readsDrained.push(resolve));
      if (this.readerDb !== undefined) await closeDatabase(this.readerDb);
      this.readerDb = undefined;
      this.reader = undefined;
      if (this.db !== undefined) await closeDatabase(this.db);
      this.db = undefined;
      this.connection = undefined;
    } finally {
      this.mutex.unlock();
    }
  }

  /**
   * The `sqlite3` package reports only the primary result code (SQLITE_CONSTRAINT for unique, NOT NULL,
   * CHECK and foreign-key failures alike), so the message is what tells a unique violation apart.
   */
  isUniqueViolation(error: unknown): boolean {
    return (
      error instanceof Error &&
      (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT' &&
      /^SQLITE_CONSTRAINT: (UNIQUE|PRIMARY KEY) constraint failed/.test(error.message)
    );
  }

  private own(connection: StoreConnection): SqliteConnection {
    if (this.connection === undefined || connection !== this.connection) {
      throw new VkhidError('INTERNAL', { cause: new Error('not a connection of this SQLite driver') });
    }
    return this.connection;
  }
}

function openDatabase(filename: string, readOnly = false): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const mode = readOnly
      ? sqlite3.OPEN_READONLY | sqlite3.OPEN_FULLMUTEX
      : sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE | sqlite3.OPEN_FULLMUTEX;
    const db: sqlite3.Database = new sqlite3.Database(filename, mode, (error) => {
      if (error) reject(error);
      else resolve(db);
    });
  });
}

function closeDatabase(db: sqlite3.Database): Promise<void> {
  return new Promise((resolve, reject) => {
    db.close((error) => {
      if (error) reject(error);
      else resolve();
    });
  });
}

function allRows(db: sqlite3.Database, sql: string): Promise<Row[]> {
  return new Promise((resolve, reject) => {
    db.all<Row>(sql, (error, rows) => {
      if (error) reject(error);
      else resolve(rows);
    });
  });
}
