import { join, resolve } from 'node:path';
import { VkhidError } from '../errors/vkhid-error.js';
import { SqliteDriver } from './sqlite-driver.js';
import { BaseStoreDialect } from './store-dialect.js';
import type { StoreDriver } from './store-driver.js';

/** The database file's name inside the data directory. */
export const SQLITE_FILE_NAME = 'vkhid.sqlite';

/** In place of a data directory: a private in-memory database per driver, gone when it closes (tests). */
export const SQLITE_IN_MEMORY = ':memory:';

export interface SqliteDialectConfig {
  /** The data directory (created if missing); the database is `<dataDirectory>/vkhid.sqlite`. */
  readonly dataDirectory: string;
  /** How long a statement waits for a lock held by another process before failing; default 5000 ms. */
  readonly busyTimeoutMs?: number;
}

/**
 * The embedded default store: one SQLite file in the data directory, WAL mode, one shared connection.
 * It claims neither `supportsSkipLocked` nor `supportsConcurrentWriters` (the defaults): SQLite has one
 * writer at a time and no row locks. It has savepoints, so the store commits waiting transactions in groups
 * (with synchronous=FULL every commit is an fsync: grouping is what lets one file take hundreds of
 * durable transactions per second).
 */
export class SqliteDialect extends BaseStoreDialect {
  override readonly name = 'sqlite';
  override readonly supportsSavepoints = true;
  /** The database file's absolute path, or `:memory:`. */
  readonly filename: string;
  private readonly directory: string | undefined;
  private readonly busyTimeoutMs: number;

  constructor(config: SqliteDialectConfig) {
    super();
    const busyTimeoutMs = config.busyTimeoutMs ?? 5000;
    if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw new VkhidError('INTERNAL', { cause: new Error('busyTimeoutMs must be a non-negative integer') });
    }
    if (config.dataDirectory === '') {
      throw new VkhidError('INTERNAL', { cause: new Error('the SQLite data directory is empty') });
    }
    this.busyTimeoutMs = busyTimeoutMs;
    if (config.dataDirectory === SQLITE_IN_MEMORY) {
      this.directory = undefined;
      this.filename = SQLITE_IN_MEMORY;
    } else {
      this.directory = resolve(config.dataDirectory);
      this.filename = join(this.directory, SQLITE_FILE_NAME);
    }
  }

  createDriver(): StoreDriver {
    return new SqliteDriver({
      filename: this.filename,
      directory: this.directory,
      busyTimeoutMs: this.busyTimeoutMs,
    });
  }
}
