/**
 * The contract between the hub and one database engine. A driver is a plug-in: it only talks to its engine.
 * Everything that must hold for every engine (init once, refusal after close, error codes, parameter checks,
 * logging) lives in `RuntimeDriver`, which wraps each driver; domain code never sees a driver, only `Store`.
 *
 * The portability rules below are what lets a PostgreSQL driver pass the same conformance suite
 * (test/store/store-conformance.ts) as SQLite. `RuntimeDriver` checks those it can; the others are the
 * rules for everyone who writes SQL or migrations against the store.
 *
 * - Placeholders are `?`, positional, one per parameter. A PostgreSQL driver rewrites them to `$1..$n`
 *   (`numberPlaceholders` in scan-sql.ts). Numbered (`?1`, `$1`) and named (`:x`, `@x`, `$x`) parameters are
 *   refused: each engine binds them differently. Hence also no PostgreSQL `?`/`?|`/`?&` JSON operators.
 * - One statement per call. SQLite silently ignores everything after the first `;`, so a second statement
 *   is refused rather than dropped.
 * - Values are `SqlValue`s only. Timestamps are ISO-8601 UTC TEXT (`new Date().toISOString()`), so they
 *   sort as text; booleans are INTEGER 0/1; JSON is TEXT; binary data is a blob (`Uint8Array`).
 * - Integers come back as JS `number` on every engine (a driver converts, e.g. PostgreSQL `int8` and
 *   `COUNT(*)` arrive from `pg` as strings). Integers beyond ±(2^53 − 1) cannot be represented exactly and
 *   are refused as parameters; a `bigint` inside that range is accepted and comes back as a `number`.
 * - Strings may not contain U+0000 (PostgreSQL TEXT refuses it; SQLite truncates it in some functions) or
 *   lone UTF-16 surrogates (they cannot be encoded as UTF-8 and would be silently replaced).
 * - Upserts are `INSERT ... ON CONFLICT (cols) DO NOTHING | DO UPDATE SET c = excluded.c`, which both
 *   engines run alike; never `INSERT OR REPLACE` (it deletes the row first) or `REPLACE INTO`.
 * - Keys are supplied by the application (text ids, UUIDs); no `AUTOINCREMENT`/`SERIAL`, and no
 *   `RETURNING` to learn a generated key. Where an engine-specific column type cannot be avoided (blob:
 *   `BLOB` vs `BYTEA`), a migration gives statements per dialect name.
 * - Column aliases are lower-case snake_case: PostgreSQL folds unquoted identifiers to lower case.
 * - A failed statement ends its transaction: PostgreSQL aborts the transaction on any error, so `Store`
 *   refuses further statements in it and rolls it back on every engine. Use `ON CONFLICT` instead of
 *   catching a conflict and carrying on.
 */

/** A value that can be bound as a parameter and that rows carry. */
export type SqlValue = string | number | bigint | null | Uint8Array;

/** A result row, by column name (the alias given in the SQL). Blobs arrive as `Uint8Array` (or a subclass). */
export type Row = Record<string, SqlValue>;

export interface ExecuteResult {
  /** Rows inserted, updated or deleted by the statement (an upsert that did nothing counts 0). */
  readonly changes: number;
}

/** What domain code can do with the database inside one `Store` operation. */
export interface StoreConnection {
  /**
   * Runs one statement and returns its rows. `R` is not checked: it describes what the SQL selects.
   */
  query<R = Row>(sql: string, params?: readonly SqlValue[]): Promise<R[]>;
  /** Runs one statement that returns no rows. */
  execute(sql: string, params?: readonly SqlValue[]): Promise<ExecuteResult>;
}

/**
 * One engine. Drivers throw their engine's own errors: `RuntimeDriver` maps them to catalogue codes, using
 * `isUniqueViolation` for the one distinction the hub acts on.
 *
 * Contract: `acquireConnection` hands a connection to exactly one holder until `releaseConnection`; no
 * statement of another holder may run on it in between (a single-connection engine queues the next holder;
 * a pooled engine hands out another connection). `beginTransaction` starts a transaction that takes the
 * write lock up front, so it cannot fail half-way through on a lock upgrade. `releaseConnection` must leave
 * the connection with no transaction open, whatever happened before. `destroy` lets the current holder
 * finish, then closes.
 */
export interface StoreDriver {
  init(): Promise<void>;
  acquireConnection(): Promise<StoreConnection>;
  beginTransaction(connection: StoreConnection): Promise<void>;
  commitTransaction(connection: StoreConnection): Promise<void>;
  rollbackTransaction(connection: StoreConnection): Promise<void>;
  releaseConnection(connection: StoreConnection): Promise<void>;
  destroy(): Promise<void>;
  /**
   * Optional: a connection for read-only work outside transactions, which may be shared by concurrent
   * readers and sees only committed data (SQLite in WAL mode: a second, read-only connection, so reads do not
   * wait behind a commit's fsync). Statements that write fail on it. Without it, reads take the connection
   * transactions use. Every connection it hands out is given back with `releaseReadConnection`.
   */
  acquireReadConnection?(): Promise<StoreConnection>;
  releaseReadConnection?(connection: StoreConnection): Promise<void>;
  /** True when `error` (thrown by this driver) is a unique or primary-key violation. */
  isUniqueViolation(error: unknown): boolean;
}
