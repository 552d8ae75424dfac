import { AsyncLocalStorage } from 'node:async_hooks';
import { VkhidError } from '../errors/vkhid-error.js';
import { Migrator, type Migration } from './migrator.js';
import { RuntimeDriver, type StatementLogger } from './runtime-driver.js';
import type { StoreDialect } from './store-dialect.js';
import type { ExecuteResult, Row, SqlValue, StoreConnection } from './store-driver.js';

export interface StoreOptions {
  /** The schema, supplied by the modules that own the tables, applied in order on open. */
  readonly migrations: readonly Migration[];
  /** Receives each statement's duration (never its parameters). */
  readonly onStatement?: StatementLogger;
}

/**
 * One operation in progress: the handle given to its callback stays usable while `active`. In a
 * transaction, the first failed statement is kept in `failure`: the transaction can no longer commit.
 */
class Operation {
  active = true;
  failure: VkhidError | undefined;
  readonly handle: StoreConnection;

  constructor(connection: StoreConnection, transactional: boolean) {
    const guarded = async <T>(run: () => Promise<T>): Promise<T> => {
      // A handle kept past its operation (stored in a closure, used from a timer) would otherwise run its
      // statement inside whichever operation holds the connection by then.
      if (!this.active) throw new VkhidError('STORE_HANDLE_EXPIRED');
      if (this.failure !== undefined) throw this.failure;
      try {
        return await run();
      } catch (error) {
        if (transactional) this.failure ??= VkhidError.from(error);
        throw error;
      }
    };
    this.handle = Object.freeze({
      query: <R = Row>(sql: string, params?: readonly SqlValue[]): Promise<R[]> =>
        guarded(() => connection.query<R>(sql, params)),
      execute: (sql: string, params?: readonly SqlValue[]): Promise<ExecuteResult> =>
        guarded(() => connection.execute(sql, params)),
    });
  }
}

/**
 * Everything the hub keeps goes through a Store: the one storage boundary, the same for every engine.
 *
 * Work happens in operations, each with the connection to itself from start to end:
 * - `transaction(fn)`: BEGIN, `fn`, COMMIT. If `fn` throws, the transaction is rolled back and the very
 *   error `fn` threw is rethrown; nothing of it is stored. If a statement inside fails, the transaction
 *   cannot commit even when `fn` catches the error (PostgreSQL semantics, enforced on every engine): it is
 *   rolled back and that statement's error is thrown.
 * - `read(fn)`: statements without a transaction, for read-only work, on the driver's read connection when
 *   it has one (SQLite: a read-only second connection that sees only committed data and does not wait for
 *   a commit's fsync; writes fail on it), else through the same gate as transactions. Separate statements
 *   may see different committed states: read within `transaction` when a consistent view across statements
 *   matters.
 *
 * An operation started from inside another operation on the same store would wait for a connection its
 * own caller holds, forever on a single-connection engine. That is refused at once with
 * STORE_NESTED_TRANSACTION: pass the handle down instead.
 */
interface PendingTransaction {
  readonly fn: (tx: StoreConnection) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(reason: unknown): void;
}

/** Most transactions one group commit holds: bounds the latency of the first in a long queue. */
const MAX_GROUP = 128;

export class Store {
  private readonly current = new AsyncLocalStorage<Operation>();
  /** Group commit (see StoreDialect.supportsSavepoints): transactions waiting for the next group. */
  private readonly waiting: PendingTransaction[] = [];
  private draining = false;
  private readonly groupCommit: boolean;

  private constructor(
    readonly dialect: StoreDialect,
    private readonly runtime: RuntimeDriver,
  ) {
    this.groupCommit = dialect.supportsSavepoints && !dialect.supportsConcurrentWriters;
  }

  /**
   * Opens the store and brings its schema up to date. The migration list is checked before the database
   * is touched; if opening or migrating fails, the driver is closed again and the error thrown.
   */
  static async open(dialect: StoreDialect, options: StoreOptions): Promise<Store> {
    const migrator = new Migrator(options.migrations);
    const runtime = new RuntimeDriver(dialect.createDriver(), { onStatement: options.onStatement });
    const store = new Store(dialect, runtime);
    try {
      await runtime.init();
      await migrator.migrate(store);
    } catch (error) {
      await runtime.destroy().catch(() => undefined);
      throw error;
    }
    return store;
  }

  /** True once `close` has been called. */
  get closed(): boolean {
    return this.runtime.closed;
  }

  async transaction<T>(fn: (tx: StoreConnection) => Promise<T>): Promise<T> {
    this.refuseNested();
    if (!this.groupCommit) return this.soloTransaction(fn);
    if (this.runtime.closed) throw new VkhidError('STORE_CLOSED');
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ fn, resolve: resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  /** Runs the waiting transactions in groups until none waits; one drain at a time. */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.waiting.length > 0) await this.runGroup(this.waiting.splice(0, MAX_GROUP));
    } finally {
      this.draining = false;
    }
  }

  /**
   * One database transaction for `group`: each member in its own savepoint, in arrival order (so each sees
   * the members before it, exactly as if they had committed one by one). A member that throws, or whose
   * statement failed, is rolled back to its savepoint and later rejected with its own error; the others go
   * on. Every member settles after the group's one COMMIT (the successful ones are resolved only once it is
   * durable); if the COMMIT fails, they are rejected with its error and nothing of the group is stored.
   */
  private async runGroup(group: PendingTransaction[]): Promise<void> {
    let connection: StoreConnection;
    try {
      connection = await this.runtime.acquireConnection();
    } catch (error) {
      for (const member of group) member.reject(error);
      return;
    }
    const done: { member: PendingTransaction; result: unknown }[] = [];
    const refused: { member: PendingTransaction; error: unknown }[] = [];
    let next = 0;
    try {
      await this.runtime.beginTransaction(connection);
      for (; next < group.length; next += 1) {
        const member = group[next] as PendingTransaction;
        await connection.execute('SAVEPOINT vkhid_member');
        const operation = new Operation(connection, true);
        let result: unknown;
        let failure: unknown;
        let failed = false;
        try {
          result = await this.current.run(operation, () => member.fn(operation.handle));
          if (operation.failure !== undefined) {
            failed = true;
            failure = operation.failure;
          }
        } catch (error) {
          failed = true;
          failure = error;
        } finally {
          operation.active = false;
        }
        if (failed) {
          await connection.execute('ROLLBACK TO vkhid_member');
          await connection.execute('RELEASE vkhid_member');
          refused.push({ member, error: failure });
        } else {
          await connection.execute('RELEASE vkhid_member');
          done.push({ member, result });
        }
      }
      await this.runtime.commitTransaction(connection);
      for (const { member, result } of done) member.resolve(result);
      for (const { member, error } of refused) member.reject(error);
    } catch (error) {
      await this.rollbackQuietly(connection);
      for (const { member } of done) member.reject(error);
      // A refused member keeps its own error: nothing of it was stored whatever happened to the group.
      for (const { member, error: own } of refused) member.reject(own);
      // The member running when the group failed, and those after it, never completed: refused as well.
      for (const member of group.slice(next)) member.reject(error);
    } finally {
      await this.runtime.releaseConnection(connection);
    }
  }

  /** One transaction on its own connection: engines with concurrent writers or without savepoints. */
  private async soloTransaction<T>(fn: (tx: StoreConnection) => Promise<T>): Promise<T> {
    const connection = await this.runtime.acquireConnection();
    try {
      await this.runtime.beginTransaction(connection);
      const operation = new Operation(connection, true);
      let result: T;
      try {
        result = await this.current.run(operation, () => fn(operation.handle));
      } catch (error) {
        operation.active = false;
        await this.rollbackQuietly(connection);
        throw error;
      }
      operation.active = false;
      if (operation.failure !== undefined) {
        await this.rollbackQuietly(connection);
        throw operation.failure;
      }
      try {
        await this.runtime.commitTransaction(connection);
      } catch (error) {
        await this.rollbackQuietly(connection);
        throw error;
      }
      return result;
    } finally {
      await this.runtime.releaseConnection(connection);
    }
  }

  async read<T>(fn: (db: StoreConnection) => Promise<T>): Promise<T> {
    this.refuseNested();
    const connection = await this.runtime.acquireReadConnection();
    const operation = new Operation(connection, false);
    try {
      return await this.current.run(operation, () => fn(operation.handle));
    } finally {
      operation.active = false;
      await this.runtime.releaseConnection(connection);
    }
  }

  /**
   * Lets the operations in progress finish, then closes. Operations not yet started are refused with
   * STORE_CLOSED. Calling it again returns the same outcome.
   */
  async close(): Promise<void> {
    // From inside an operation, close would wait for that very operation to end.
    this.refuseNested();
    await this.runtime.destroy();
  }

  private refuseNested(): void {
    if (this.current.getStore()?.active === true) throw new VkhidError('STORE_NESTED_TRANSACTION');
  }

  /** The error that made us roll back is the one the caller needs; a failed rollback is only logged. */
  private async rollbackQuietly(connection: StoreConnection): Promise<void> {
    await this.runtime.rollbackTransaction(connection).catch(() => undefined);
  }
}
