import pg from 'pg';
import { VkhidError } from '../errors/vkhid-error.js';
import { numberPlaceholders } from './scan-sql.js';
import type { ExecuteResult, Row, SqlValue, StoreConnection, StoreDriver } from './store-driver.js';

export interface PostgresDriverConfig {
  /** `postgres://user:password@host:port/database?...`, as `pg` reads it. */
  readonly connectionString: string;
  /** The schema the hub's tables live in (created on init when missing); undefined: the server's search_path. */
  readonly schema: string | undefined;
  /** Most connections each pool (transactions, reads) opens. */
  readonly poolSize: number;
  /** How long a statement waits for a lock (the hub's write lock included) before failing. */
  readonly lockTimeoutMs: number;
}

/**
 * The two ints of the transaction-level advisory lock every write transaction takes at BEGIN: a fixed
 * namespace ('vkhi') and the schema, so that two hubs in one database (tests, staging) do not wait for each
 * other.
 */
const WRITE_LOCK_NAMESPACE = 0x766b6869;
const TAKE_WRITE_LOCK = `SELECT pg_advisory_xact_lock(${WRITE_LOCK_NAMESPACE}, hashtext(current_schema()))`;

/** Translating the same SQL text on every call would be waste; the texts are nearly all constants. */
const TRANSLATION_CACHE_LIMIT = 500;

/**
 * `pg` returns most types as text and a few as JS objects. The hub's rules (store-driver.ts) want every
 * integer back as a number and nothing but SqlValues, so:
 * - INT8 (COUNT(*), SUM of integers, BIGINT columns) and integral NUMERIC (SUM of BIGINT) become numbers.
 *   The hub refuses parameters beyond ±(2^53 − 1), so a stored value cannot exceed that; only arithmetic
 *   (a SUM over many rows) could, and it comes back as an exact `bigint` (a SqlValue, and `Number()` of it
 *   still works) rather than a silently rounded number.
 * - A fractional NUMERIC (AVG) becomes a number, as SQLite gives a REAL for it.
 * - BOOL (a comparison selected as a column) becomes 1/0, SQLite's and the hub's booleans.
 * - Dates, timestamps, JSON and arrays stay text: the hub stores instants as ISO-8601 TEXT and JSON as
 *   TEXT, and a Date or a parsed object is not a SqlValue. BYTEA keeps pg's Buffer (a Uint8Array).
 */
const INT8_OID = 20;
const NUMERIC_OID = 1700;
const BOOL_OID = 16;
const BYTEA_OID = 17;
const INTEGRAL = /^-?\d+$/;

function parseInteger(text: string): number | bigint {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : BigInt(text);
}

const INT2_OID = 21;
const INT4_OID = 23;
const FLOAT4_OID = 700;
const FLOAT8_OID = 701;
const parseBytea = pg.types.getTypeParser(BYTEA_OID, 'text') as (text: string) => Buffer;

/** Only the text format is ever asked for: the driver never requests binary results. */
const typeParsers = {
  getTypeParser(oid: number): (text: string) => SqlValue {
    switch (oid) {
      case INT8_OID:
        return parseInteger;
      case NUMERIC_OID:
        return (text) => (INTEGRAL.test(text) ? parseInteger(text) : Number(text));
      case BOOL_OID:
        return (text) => (text === 't' ? 1 : 0);
      case INT2_OID:
      case INT4_OID:
      case FLOAT4_OID:
      case FLOAT8_OID:
        return Number;
      case BYTEA_OID:
        return parseBytea;
      default:
        return (text) => text;
    }
  },
};

/** One checked-out client: one holder's statements, in order, and its transaction. */
class PostgresConnection implements StoreConnection {
  /** Between a BEGIN and a COMMIT/ROLLBACK that succeeded. */
  inTransaction = false;

  constructor(
    readonly client: pg.PoolClient,
    private readonly translate: (sql: string) => string,
  ) {}

  async query<R = Row>(sql: string, params: readonly SqlValue[] = []): Promise<R[]> {
    const result = await this.client.query(this.translate(sql), toPgParams(params));
    return result.rows as R[];
  }

  async execute(sql: string, params: readonly SqlValue[] = []): Promise<ExecuteResult> {
    const result = await this.client.query(this.translate(sql), toPgParams(params));
    return { changes: result.rowCount ?? 0 };
  }
}

/**
 * Bigints and numbers are sent as their decimal text (PostgreSQL infers the column's type from the
 * statement); a Uint8Array view is sent as a Buffer over exactly the viewed bytes.
 */
function toPgParams(params: readonly SqlValue[]): unknown[] {
  return params.map((value) => {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
      return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
    return value;
  });
}

/**
 * PostgreSQL through `pg`, on two pools: one for transactions (each operation gets a client of its own),
 * one for `Store.read` (its sessions are read-only: a write on a read fails, as on SQLite's read connection).
 *
 * Every write transaction takes one advisory lock right after BEGIN, and holds it to its COMMIT or
 * ROLLBACK. That is the "write lock up front" of the driver contract: the hub's SQL was written for one
 * writer at a time (e.g. `INSERT ... SELECT MAX(seq) + 1`, read-then-write chains) and stays correct when
 * several hub processes on several machines share the database, where PostgreSQL's READ COMMITTED alone
 * would let two of them interleave. Reads do not take it and see only committed data.
 */
export class PostgresDriver implements StoreDriver {
  private pool: pg.Pool | undefined;
  private readPool: pg.Pool | undefined;
  private readonly translations = new Map<string, string>();
  private readonly translate = (sql: string): string => {
    let translated = this.translations.get(sql);
    if (translated === undefined) {
      translated = numberPlaceholders(sql);
      if (this.translations.size >= TRANSLATION_CACHE_LIMIT) this.translations.clear();
      this.translations.set(sql, translated);
    }
    return translated;
  };

  constructor(private readonly config: PostgresDriverConfig) {}

  async init(): Promise<void> {
    if (this.pool !== undefined) return;
    const pool = this.newPool(false);
    const readPool = this.newPool(true);
    try {
      const client = await pool.connect();
      try {
        if (this.config.schema !== undefined) {
          await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(this.config.schema)}`);
        }
        const rows = await client.query<{ schema: string | null }>('SELECT current_schema() AS schema');
        if (rows.rows[0]?.schema == null) {
          throw new Error('the PostgreSQL search_path names no schema the hub can create its tables in');
        }
      } finally {
        client.release();
      }
    } catch (error) {
      await Promise.all([pool.end(), readPool.end()]).catch(() => undefined);
      throw error;
    }
    this.pool = pool;
    this.readPool = readPool;
  }

  private newPool(readOnly: boolean): pg.Pool {
    const settings = [
      // Every commit acknowledged to a sender must be on disk, whatever the server's default says.
      'synchronous_commit=on',
      `lock_timeout=${this.config.lockTimeoutMs}`,
      'client_encoding=UTF8',
      ...(this.config.schema === undefined ? [] : [`search_path=${this.config.schema}`]),
      ...(readOnly ? ['default_transaction_read_only=on'] : []),
    ];
    // pg lets an `options` parameter of the URL replace the one given here: it is moved in front of the
    // hub's settings instead, so that the hub's (given last) win and the operator's others still apply.
    const url = new URL(this.config.connectionString);
    const fromUrl = url.searchParams.get('options');
    url.searchParams.delete('options');
    const pool = new pg.Pool({
      connectionString: url.href,
      max: this.config.poolSize,
      options: [...(fromUrl === null ? [] : [fromUrl]), ...settings.map((setting) => `-c ${setting}`)].join(
        ' ',
      ),
      types: typeParsers,
      application_name: readOnly ? 'vkhid-read' : 'vkhid',
    });
    // An idle client whose server connection dropped is removed by the pool; without a listener the
    // 'error' event would end the process. The next acquire opens a new connection.
    pool.on('error', () => undefined);
    return pool;
  }

  async acquireConnection(): Promise<StoreConnection> {
    const pool = this.pool;
    if (pool === undefined) throw new VkhidError('STORE_CLOSED');
    return new PostgresConnection(await pool.connect(), this.translate);
  }

  async acquireReadConnection(): Promise<StoreConnection> {
    const pool = this.readPool;
    if (pool === undefined) throw new VkhidError('STORE_CLOSED');
    return new PostgresConnection(await pool.connect(), this.translate);
  }

  async releaseReadConnection(connection: StoreConnection): Promise<void> {
    return this.releaseConnection(connection);
  }

  async beginTransaction(connection: StoreConnection): Promise<void> {
    const own = ownConnection(connection);
    await own.client.query('BEGIN');
    own.inTransaction = true;
    await own.client.query(TAKE_WRITE_LOCK);
  }

  async commitTransaction(connection: StoreConnection): Promise<void> {
    const own = ownConnection(connection);
    // COMMIT of a transaction PostgreSQL has aborted answers ROLLBACK without an error: that must not be
    // reported as stored. Store never commits after a failed statement; this defends the contract anyway.
    const result = await own.client.query('COMMIT');
    own.inTransaction = false;
    if (result.command !== 'COMMIT') throw new Error(`COMMIT answered ${String(result.command)}`);
  }

  async rollbackTransaction(connection: StoreConnection): Promise<void> {
    const own = ownConnection(connection);
    await own.client.query('ROLLBACK');
    own.inTransaction = false;
  }

  async releaseConnection(connection: StoreConnection): Promise<void> {
    const own = ownConnection(connection);
    if (!own.inTransaction) {
      own.client.release();
      return;
    }
    // A failed COMMIT or ROLLBACK left a transaction open: the next holder must never start inside it. If
    // even ROLLBACK fails, the client is closed rather than returned to the pool.
    own.inTransaction = false;
    try {
      await own.client.query('ROLLBACK');
      own.client.release();
    } catch (error) {
      own.client.release(error instanceof Error ? error : true);
    }
  }

  /** Lets the checked-out clients be released (pg's `end` waits for them), then closes every connection. */
  async destroy(): Promise<void> {
    const pools = [this.pool, this.readPool].filter((pool) => pool !== undefined);
    this.pool = undefined;
    this.readPool = undefined;
    await Promise.all(pools.map((pool) => pool.end()));
  }

  /** SQLSTATE 23505; serialization failures (40001) and deadlocks (40P01) are left to STORE_UNAVAILABLE. */
  isUniqueViolation(error: unknown): boolean {
    return error instanceof Error && (error as { code?: unknown }).code === '23505';
  }
}

function ownConnection(connection: StoreConnection): PostgresConnection {
  if (!(connection instanceof PostgresConnection)) {
    throw new VkhidError('INTERNAL', { cause: new Error('not a connection of the PostgreSQL driver') });
  }
  return connection;
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
