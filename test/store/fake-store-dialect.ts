import { BaseStoreDialect } from '../../gateway/store/store-dialect.js';
import type {
  ExecuteResult,
  Row,
  SqlValue,
  StoreConnection,
  StoreDriver,
} from '../../gateway/store/store-driver.js';

export type FakeStep =
  'init' | 'acquire' | 'begin' | 'commit' | 'rollback' | 'release' | 'destroy' | 'query' | 'execute';

/**
 * A driver that records what the core asks of it and fails on demand, to test the core's paths that a real
 * engine rarely takes (a failing COMMIT, ROLLBACK or release). It has no mutex: it always hands out the
 * same connection, which the core must notice when it is still held.
 */
export class FakeStoreDriver implements StoreDriver {
  readonly calls: string[] = [];
  /** One-shot failures: the next call of that step throws the error. */
  readonly failures = new Map<FakeStep, Error>();
  /** While set, `init` / `acquireConnection` wait for it. */
  initGate: Promise<void> | undefined;
  acquireGate: Promise<void> | undefined;
  /** Rows the next queries return, in order. */
  readonly results: Row[][] = [];
  readonly connection: StoreConnection;

  constructor() {
    this.connection = {
      query: <R = Row>(sql: string, params?: readonly SqlValue[]): Promise<R[]> =>
        this.step('query', sql, params).then(() => (this.results.shift() ?? []) as R[]),
      execute: (sql: string, params?: readonly SqlValue[]): Promise<ExecuteResult> =>
        this.step('execute', sql, params).then(() => ({ changes: 1 })),
    };
  }

  count(step: FakeStep): number {
    return this.calls.filter((call) => call === step || call.startsWith(`${step} `)).length;
  }

  async init(): Promise<void> {
    if (this.initGate !== undefined) await this.initGate;
    await this.step('init');
  }

  async acquireConnection(): Promise<StoreConnection> {
    if (this.acquireGate !== undefined) await this.acquireGate;
    await this.step('acquire');
    return this.connection;
  }

  beginTransaction(): Promise<void> {
    return this.step('begin');
  }

  commitTransaction(): Promise<void> {
    return this.step('commit');
  }

  rollbackTransaction(): Promise<void> {
    return this.step('rollback');
  }

  releaseConnection(): Promise<void> {
    return this.step('release');
  }

  destroy(): Promise<void> {
    return this.step('destroy');
  }

  isUniqueViolation(error: unknown): boolean {
    if (error instanceof Error && error.message === 'classifier breaks') throw new Error('classifier bug');
    return error instanceof Error && error.message === 'unique';
  }

  private async step(step: FakeStep, sql?: string, params?: readonly SqlValue[]): Promise<void> {
    await Promise.resolve();
    this.calls.push(
      sql === undefined ? step : `${step} ${sql}${params?.length ? ` [${params.length}]` : ''}`,
    );
    const failure = this.failures.get(step);
    if (failure !== undefined) {
      this.failures.delete(step);
      throw failure;
    }
  }
}

export class FakeStoreDialect extends BaseStoreDialect {
  override readonly name = 'fake';

  constructor(readonly driver = new FakeStoreDriver()) {
    super();
  }

  createDriver(): FakeStoreDriver {
    return this.driver;
  }
}
