import { VkhidError } from '../errors/vkhid-error.js';
import { PostgresDriver } from './postgres-driver.js';
import { BaseStoreDialect } from './store-dialect.js';
import type { StoreDriver } from './store-driver.js';

export interface PostgresDialectConfig {
  /** `postgres://` or `postgresql://` URL (user, password, host, port, database, `?sslmode=`...). */
  readonly url: string;
  /**
   * The schema for the hub's tables, created on open when missing. Lower-case letters, digits and `_`:
   * it is set as the sessions' search_path, where other names would need quoting. Default: the server's
   * search_path (normally `public`).
   */
  readonly schema?: string;
  /** Most connections per pool (one pool for transactions, one for reads); default 10. */
  readonly poolSize?: number;
  /**
   * How long a statement waits for a lock, the hub's write lock included, before failing with
   * STORE_UNAVAILABLE; default 5000 ms (as SQLite's busy timeout).
   */
  readonly lockTimeoutMs?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const URL_SCHEME = /^postgres(?:ql)?:\/\//i;

/**
 * The store when one hub runs on several machines: PostgreSQL through `pg`.
 *
 * Write transactions take one advisory lock at BEGIN (see PostgresDriver), so writers are serialised across
 * every hub process sharing the schema: `supportsConcurrentWriters` is false, honestly, and the store
 * therefore group-commits (savepoints work), which turns the serialised writers into few commits. Reads
 * run on their own pooled connections and never wait for writers. SKIP LOCKED works.
 */
export class PostgresDialect extends BaseStoreDialect {
  override readonly name = 'postgres';
  override readonly supportsSkipLocked = true;
  override readonly supportsSavepoints = true;
  private readonly url: string;
  readonly schema: string | undefined;
  private readonly poolSize: number;
  private readonly lockTimeoutMs: number;

  constructor(config: PostgresDialectConfig) {
    super();
    // Reasons never quote the URL: it may carry a password.
    const refuse = (reason: string): never => {
      throw new VkhidError('INTERNAL', { cause: new Error(`PostgreSQL store: ${reason}`) });
    };
    if (typeof config.url !== 'string' || !URL_SCHEME.test(config.url) || !URL.canParse(config.url)) {
      refuse('the URL is not a postgres:// or postgresql:// URL');
    }
    if (config.schema !== undefined && !SCHEMA_NAME.test(config.schema)) {
      refuse('the schema name must be lower-case letters, digits and _, not starting with a digit');
    }
    const poolSize = config.poolSize ?? 10;
    if (!Number.isSafeInteger(poolSize) || poolSize < 2) refuse('poolSize must be an integer of at least 2');
    const lockTimeoutMs = config.lockTimeoutMs ?? 5000;
    if (!Number.isSafeInteger(lockTimeoutMs) || lockTimeoutMs < 0) {
      refuse('lockTimeoutMs must be a non-negative integer');
    }
    this.url = config.url;
    this.schema = config.schema;
    this.poolSize = poolSize;
    this.lockTimeoutMs = lockTimeoutMs;
  }

  createDriver(): StoreDriver {
    return new PostgresDriver({
      connectionString: this.url,
      schema: this.schema,
      poolSize: this.poolSize,
      lockTimeoutMs: this.lockTimeoutMs,
    });
  }
}
