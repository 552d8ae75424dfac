import { performance } from 'node:perf_hooks';
import type { ErrorCode } from '../errors/error-catalogue.js';
import { VkhidError } from '../errors/vkhid-error.js';
import { scanSql, type SqlScan } from './scan-sql.js';
import type { ExecuteResult, Row, SqlValue, StoreConnection, StoreDriver } from './store-driver.js';

export type StatementOperation = 'query' | 'execute' | 'begin' | 'commit' | 'rollback' | 'release';

/**
 * One statement (or transaction step) as the logger sees it. It never carries parameter values, rows or
 * driver error messages: those may hold personal data (names, addresses, appeal texts) and logs are kept
 * and shipped elsewhere.
 */
export interface StatementEvent {
  readonly operation: StatementOperation;
  /** The SQL text of a query or execute, with its `?` placeholders; undefined for the other operations. */
  readonly sql: string | undefined;
  readonly durationMs: number;
  /** `ok`, or the catalogue code the failure was mapped to. */
  readonly outcome: 'ok' | ErrorCode;
}

export type StatementLogger = (event: StatementEvent) => void;

export interface RuntimeDriverOptions {
  /**
   * Called after every query, execute, begin, commit and rollback, and after a release that failed.
   * It runs synchronously on the statement's path: keep it cheap. An exception it throws is ignored.
   */
  readonly onStatement?: StatementLogger;
}

/** A connection handed out by the runtime: the driver's connection, and whether it is still ours. */
interface HeldConnection {
  readonly driverConnection: StoreConnection;
  released: boolean;
  /** A driver's read connection, shared by concurrent readers (see acquireReadConnection). */
  readonly shared?: boolean;
}

/** Parsing the same SQL text on every call would be waste; the texts are nearly all constants. */
const SCAN_CACHE_LIMIT = 500;

/**
 * The core-owned wrapper around every `StoreDriver` (Kysely's RuntimeDriver, with the hub's rules). The
 * driver only talks to its engine; this class makes every engine behave the same at the boundary:
 *
 * - `init` runs the driver's init once, however many callers ask at the same time (they share one
 *   promise); a failed init is forgotten so that a later call retries.
 * - After `destroy` is called, new work is refused with STORE_CLOSED; connections already held may
 *   finish (the driver's destroy waits for them). `destroy` itself can be called any number of times.
 * - Driver errors become catalogue errors: a unique or primary-key violation is STORE_CONFLICT, anything
 *   else STORE_UNAVAILABLE, the driver's error kept as `cause` (never in the message: it can name data).
 * - Every statement is checked against the portability rules (store-driver.ts) before it reaches the
 *   driver: one statement, `?` placeholders matching the parameters, only portable values.
 * - A connection can only be used by its holder and only until it is released, and a driver that hands
 *   out a connection someone still holds is stopped: either would interleave two operations' statements.
 */
export class RuntimeDriver {
  private initPromise: Promise<void> | undefined;
  private initDone = false;
  private closing = false;
  private destroyed = false;
  private destroyPromise: Promise<void> | undefined;
  private readonly held = new WeakMap<StoreConnection, HeldConnection>();
  private readonly inUse = new Set<StoreConnection>();
  private readonly scans = new Map<string, SqlScan>();

  constructor(
    private readonly driver: StoreDriver,
    private readonly options: RuntimeDriverOptions = {},
  ) {}

  /** True once `destroy` has been called. */
  get closed(): boolean {
    return this.closing;
  }

  init(): Promise<void> {
    if (this.closing) return Promise.reject(new VkhidError('STORE_CLOSED'));
    this.initPromise ??= Promise.resolve()
      .then(() => this.driver.init())
      .then(
        () => {
          this.initDone = true;
        },
        (error: unknown) => {
          this.initPromise = undefined;
          throw this.toStoreError(error);
        },
      );
    return this.initPromise;
  }

  async acquireConnection(): Promise<StoreConnection> {
    this.assertOpen();
    if (!this.initDone) await this.init();
    this.assertOpen();
    let driverConnection: StoreConnection;
    try {
      driverConnection = await this.driver.acquireConnection();
    } catch (error) {
      throw this.toStoreError(error);
    }
    if (this.closing) {
      // Queued before close, served after: refuse rather than start new work on a closing store.
      await this.releaseToDriver(driverConnection);
      throw new VkhidError('STORE_CLOSED');
    }
    if (this.inUse.has(driverConnection)) {
      throw new VkhidError('INTERNAL', {
        cause: new Error('the store driver handed out a connection that another operation still holds'),
      });
    }
    this.inUse.add(driverConnection);
    const held: HeldConnection = { driverConnection, released: false };
    const connection: StoreConnection = Object.freeze({
      query: <R = Row>(sql: string, params?: readonly SqlValue[]): Promise<R[]> =>
        this.statement(held, 'query', sql, params, (c, p) => c.query<R>(sql, p)),
      execute: (sql: string, params?: readonly SqlValue[]): Promise<ExecuteResult> =>
        this.statement(held, 'execute', sql, params, (c, p) => c.execute(sql, p)),
    });
    this.held.set(connection, held);
    return connection;
  }

  /**
   * A connection for `Store.read`: the driver's read connection when it has one (shared by concurrent
   * readers, so it is not tracked as held by one operation), else the transactional one.
   */
  async acquireReadConnection(): Promise<StoreConnection> {
    const acquire = this.driver.acquireReadConnection?.bind(this.driver);
    if (acquire === undefined) return this.acquireConnection();
    this.assertOpen();
    if (!this.initDone) await this.init();
    this.assertOpen();
    let driverConnection: StoreConnection;
    try {
      driverConnection = await acquire();
    } catch (error) {
      throw this.toStoreError(error);
    }
    const held: HeldConnection = { driverConnection, released: false, shared: true };
    const connection: StoreConnection = Object.freeze({
      query: <R = Row>(sql: string, params?: readonly SqlValue[]): Promise<R[]> =>
        this.statement(held, 'query', sql, params, (c, p) => c.query<R>(sql, p)),
      execute: (sql: string, params?: readonly SqlValue[]): Promise<ExecuteResult> =>
        this.statement(held, 'execute', sql, params, (c, p) => c.execute(sql, p)),
    });
    this.held.set(connection, held);
    return connection;
  }

  async beginTransaction(connection: StoreConnection): Promise<void> {
    const { driverConnection } = this.holding(connection);
    await this.timed('begin', undefined, () => this.driver.beginTransaction(driverConnection));
  }

  async commitTransaction(connection: StoreConnection): Promise<void> {
    const { driverConnection } = this.holding(connection);
    await this.timed('commit', undefined, () => this.driver.commitTransaction(driverConnection));
  }

  async rollbackTransaction(connection: StoreConnection): Promise<void> {
    const { driverConnection } = this.holding(connection);
    await this.timed('rollback', undefined, () => this.driver.rollbackTransaction(driverConnection));
  }

  /**
   * Gives the connection back. It never throws: by the time a connection is released the operation's
   * outcome is decided (a commit may have succeeded), and reporting a release failure as the operation's
   * failure would make a caller retry work that is already stored. Failures go to the logger. Releasing
   * twice is a no-op, never a second release in the driver (that could pass on a connection someone
   * else now holds).
   */
  async releaseConnection(connection: StoreConnection): Promise<void> {
    const held = this.held.get(connection);
    if (held === undefined || held.released) return;
    held.released = true;
    if (held.shared === true) {
      const started = performance.now();
      try {
        await this.driver.releaseReadConnection?.(held.driverConnection);
      } catch (error) {
        this.report('release', undefined, started, this.toStoreError(error).code);
      }
      return;
    }
    this.inUse.delete(held.driverConnection);
    await this.releaseToDriver(held.driverConnection);
  }

  destroy(): Promise<void> {
    this.closing = true;
    this.destroyPromise ??= this.destroyDriver().catch((error: unknown) => {
      this.destroyPromise = undefined;
      throw this.toStoreError(error);
    });
    return this.destroyPromise;
  }

  private async destroyDriver(): Promise<void> {
    // Never initialised, or its init failed (and the driver cleaned up): nothing is open.
    if (this.initPromise === undefined) return;
    try {
      await this.initPromise;
    } catch {
      return;
    }
    await this.driver.destroy();
    this.destroyed = true;
  }

  private async statement<T>(
    held: HeldConnection,
    operation: 'query' | 'execute',
    sql: string,
    params: readonly SqlValue[] | undefined,
    run: (connection: StoreConnection, params: readonly SqlValue[]) => Promise<T>,
  ): Promise<T> {
    if (held.released) throw new VkhidError('STORE_HANDLE_EXPIRED');
    const checked = this.checkStatement(sql, params ?? []);
    return this.timed(operation, sql, () => run(held.driverConnection, checked));
  }

  private async timed<T>(
    operation: StatementOperation,
    sql: string | undefined,
    action: () => Promise<T>,
  ): Promise<T> {
    const started = performance.now();
    try {
      const result = await action();
      this.report(operation, sql, started, 'ok');
      return result;
    } catch (error) {
      const mapped = this.toStoreError(error);
      this.report(operation, sql, started, mapped.code);
      throw mapped;
    }
  }

  private async releaseToDriver(driverConnection: StoreConnection): Promise<void> {
    const started = performance.now();
    try {
      await this.driver.releaseConnection(driverConnection);
    } catch (error) {
      this.report('release', undefined, started, this.toStoreError(error).code);
    }
  }

  private holding(connection: StoreConnection): HeldConnection {
    const held = this.held.get(connection);
    if (held === undefined || held.released) throw new VkhidError('STORE_HANDLE_EXPIRED');
    return held;
  }

  private assertOpen(): void {
    if (this.closing) throw new VkhidError('STORE_CLOSED');
  }

  private toStoreError(error: unknown): VkhidError {
    if (error instanceof VkhidError) return error;
    if (this.destroyed) return new VkhidError('STORE_CLOSED', { cause: error });
    let unique = false;
    try {
      unique = this.driver.isUniqueViolation(error);
    } catch {
      // A faulty classifier must not replace the error it was asked about.
    }
    return new VkhidError(unique ? 'STORE_CONFLICT' : 'STORE_UNAVAILABLE', { cause: error });
  }

  private report(
    operation: StatementOperation,
    sql: string | undefined,
    started: number,
    outcome: 'ok' | ErrorCode,
  ): void {
    const onStatement = this.options.onStatement;
    if (onStatement === undefined) return;
    try {
      onStatement({ operation, sql, durationMs: performance.now() - started, outcome });
    } catch {
      // A broken logger must not turn a stored commit into a reported failure.
    }
  }

  private checkStatement(sql: string, params: readonly SqlValue[]): readonly SqlValue[] {
    if (typeof sql !== 'string') throw invalidStatement('the SQL text is not a string');
    let scan = this.scans.get(sql);
    if (scan === undefined) {
      scan = scanSql(sql);
      if (this.scans.size >= SCAN_CACHE_LIMIT) this.scans.clear();
      this.scans.set(sql, scan);
    }
    if (scan.statements !== 1) {
      throw invalidStatement(`the SQL text holds ${scan.statements} statements; exactly one is allowed`);
    }
    if (scan.foreignParameter !== undefined) {
      throw invalidStatement(`parameter ${scan.foreignParameter} is engine-specific; use ?`);
    }
    if (!isArrayValue(params)) throw invalidStatement('the parameters are not an array');
    if (scan.placeholders.length !== params.length) {
      throw invalidStatement(
        `the SQL has ${scan.placeholders.length} placeholders but ${params.length} parameters were given`,
      );
    }
    params.forEach(checkValue);
    // A copy: the caller may change its array while the statement waits for the engine.
    return [...params];
  }
}

function invalidStatement(reason: string): VkhidError {
  return new VkhidError('STORE_INVALID_STATEMENT', { args: [reason] });
}

/** Lone UTF-16 surrogates: in `u` mode a well-formed pair is one code point and does not match. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Refuses, by position and kind (never by value), a parameter not every engine would store exactly. */
function checkValue(value: unknown, index: number): void {
  const position = index + 1;
  const refuse = (why: string): never => {
    throw invalidStatement(`parameter ${position} ${why}`);
  };
  if (value === null || value instanceof Uint8Array) return;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) refuse('contains U+0000');
    if (LONE_SURROGATE.test(value)) refuse('contains a lone UTF-16 surrogate');
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value)) refuse('is not a finite number');
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) refuse('is an integer beyond ±(2^53 − 1)');
  } else if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      refuse('is a bigint beyond ±(2^53 − 1)');
    }
  } else {
    refuse(`is ${kindOf(value)}; only string, number, bigint, null and Uint8Array are stored`);
  }
}

function kindOf(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value !== 'object' || value === null) return `a ${typeof value}`;
  const name: unknown = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' ? `a ${name}` : 'an object';
}

/** `Array.isArray` without narrowing (it narrows readonly arrays to `any[]`): for checks on untyped callers. */
function isArrayValue(value: unknown): boolean {
  return Array.isArray(value);
}
