import type { StoreDriver } from './store-driver.js';

/**
 * A database engine as the hub sees it: a name, what it can do, and a factory for its driver. Modelled on
 * Kysely's dialects: the core asks the dialect for parts and never branches on which engine it is, except
 * through the `supports*` flags, which upper layers read to pick a strategy (never to change semantics).
 */
export interface StoreDialect {
  /**
   * Stable lower-case name (`sqlite`, `postgres`). Migrations that cannot be written portably give their
   * statements per dialect name.
   */
  readonly name: string;
  /**
   * `SELECT ... FOR UPDATE SKIP LOCKED` works: several workers can claim queue rows without waiting for
   * each other. Without it, a claim is one short transaction that updates the row it selects.
   */
  readonly supportsSkipLocked: boolean;
  /**
   * Writers on separate connections can run at the same time. Without it, writes are serialised (one
   * connection, or one writer at a time), so long transactions delay everything else: keep them short.
   */
  readonly supportsConcurrentWriters: boolean;
  /**
   * `SAVEPOINT` / `ROLLBACK TO` / `RELEASE` work inside a transaction. With one writer at a time
   * (`supportsConcurrentWriters` false) the store then uses group commit: transactions waiting for the writer
   * run one after another inside one database transaction, each in its own savepoint, and share one commit
   * (one fsync). Each keeps its all-or-nothing outcome; none is answered before the shared commit is durable.
   */
  readonly supportsSavepoints: boolean;
  /** A new driver, not yet initialised. Each call gives an independent driver (its own connection). */
  createDriver(): StoreDriver;
}

/**
 * Defaults for dialects. A capability is off unless the dialect says it has it: a missing claim costs
 * throughput, a wrong claim costs correctness.
 */
export abstract class BaseStoreDialect implements StoreDialect {
  abstract readonly name: string;
  readonly supportsSkipLocked: boolean = false;
  readonly supportsConcurrentWriters: boolean = false;
  readonly supportsSavepoints: boolean = false;
  abstract createDriver(): StoreDriver;
}
