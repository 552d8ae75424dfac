import { VkhidError } from '../errors/vkhid-error.js';
import type { Store } from './store.js';

/**
 * The statements of one migration: portable SQL run on every dialect, or, where a portable form does not
 * exist (a blob column is BLOB in SQLite and BYTEA in PostgreSQL), the statements per dialect name. One
 * statement per string.
 */
export type MigrationStatements = readonly string[] | Readonly<Record<string, readonly string[]>>;

/**
 * One schema change. Versions run 1, 2, 3, ... with no gaps, and a released migration is never edited or
 * renumbered: databases in the field have recorded it by version and name.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: MigrationStatements;
}

export interface MigrationReport {
  /** The schema version found in the database (0 for a new database). */
  readonly from: number;
  /** The schema version now. */
  readonly to: number;
  /** The versions this run applied, in order. */
  readonly applied: readonly number[];
}

const CREATE_SCHEMA_MIGRATIONS =
  'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)';

/**
 * Brings a database to the schema the code expects, on every open. The migrations come from the modules
 * that own the tables; the store ships none.
 *
 * - Each migration runs in its own transaction together with its `schema_migrations` row: it is either
 *   applied and recorded, or neither (both SQLite and PostgreSQL have transactional DDL).
 * - A database at a higher version than the code knows is refused (STORE_SCHEMA_TOO_NEW): old code on a
 *   newer schema would misread or damage data the newer code wrote.
 * - An applied migration recorded under another name than the code gives it is refused
 *   (STORE_SCHEMA_DIVERGED): two branches both shipped "version 3", and the database has the other one.
 * - Whether a migration is still needed is checked again inside its transaction, so two processes opening
 *   the same database at once apply it once.
 */
export class Migrator {
  private readonly migrations: readonly Migration[];

  /** Checks the list itself (INTERNAL when it is malformed) before anything touches a database. */
  constructor(migrations: readonly Migration[]) {
    if (!isArrayValue(migrations)) throw malformed('the migrations are not an array');
    migrations.forEach((migration, index) => checkMigration(migration, index));
    this.migrations = [...migrations];
  }

  /** The highest version the code knows (0 without migrations). */
  get latestVersion(): number {
    return this.migrations.length;
  }

  async migrate(store: Store): Promise<MigrationReport> {
    const dialect = store.dialect.name;
    // Every migration must have statements for this dialect, checked before any of them runs.
    const plan = this.migrations.map((migration) => ({
      migration,
      statements: statementsFor(migration, dialect),
    }));

    await store.transaction((tx) => tx.execute(CREATE_SCHEMA_MIGRATIONS));
    const recorded = await store.read((db) =>
      db.query<{ version: number; name: string }>(
        'SELECT version, name FROM schema_migrations ORDER BY version',
      ),
    );
    const from = recorded.at(-1)?.version ?? 0;
    if (from > this.latestVersion) {
      throw new VkhidError('STORE_SCHEMA_TOO_NEW', { args: [from, this.latestVersion] });
    }
    this.migrations.slice(0, from).forEach((migration, index) => {
      const row = recorded[index];
      if (row?.version !== migration.version || row.name !== migration.name) {
        const recordedName = row?.version === migration.version ? row.name : '(not recorded)';
        throw new VkhidError('STORE_SCHEMA_DIVERGED', {
          args: [migration.version, recordedName, migration.name],
        });
      }
    });

    const applied: number[] = [];
    for (const { migration, statements } of plan) {
      if (migration.version <= from) continue;
      const ran = await store.transaction(async (tx) => {
        const done = await tx.query('SELECT name FROM schema_migrations WHERE version = ?', [
          migration.version,
        ]);
        if (done.length > 0) return false;
        for (const statement of statements) await tx.execute(statement);
        await tx.execute('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
          migration.version,
          migration.name,
          new Date().toISOString(),
        ]);
        return true;
      });
      if (ran) applied.push(migration.version);
    }
    return { from, to: Math.max(from, this.latestVersion), applied };
  }
}

function statementsFor(migration: Migration, dialect: string): readonly string[] {
  const { statements } = migration;
  if (isStatementList(statements)) return statements;
  if (Object.hasOwn(statements, dialect)) return statements[dialect]!;
  throw malformed(
    `migration ${migration.version} (${migration.name}) has no statements for dialect ${dialect}`,
  );
}

function isStatementList(statements: MigrationStatements): statements is readonly string[] {
  return Array.isArray(statements);
}

function checkMigration(migration: Migration, index: number): void {
  const expected = index + 1;
  if (typeof migration !== 'object' || migration === null)
    throw malformed(`migration #${expected} is not an object`);
  const { version, name, statements } = migration;
  if (version !== expected) {
    throw malformed(
      `migration versions must be 1, 2, 3, ... in order with no gaps: found ${String(version)} where ${expected} belongs`,
    );
  }
  if (typeof name !== 'string' || name.trim() === '') throw malformed(`migration ${version} has no name`);
  const lists: unknown[] =
    typeof statements === 'object' && statements !== null
      ? isStatementList(statements)
        ? [statements]
        : Object.values(statements)
      : [];
  if (lists.length === 0) throw malformed(`migration ${version} (${name}) has no statements`);
  for (const list of lists) {
    const valid =
      Array.isArray(list) &&
      list.length > 0 &&
      list.every((statement) => typeof statement === 'string' && statement.trim() !== '');
    if (!valid)
      throw malformed(`migration ${version} (${name}) needs a non-empty list of non-empty SQL strings`);
  }
}

function malformed(reason: string): VkhidError {
  return new VkhidError('INTERNAL', { cause: new Error(`invalid migration list: ${reason}`) });
}

/** `Array.isArray` without narrowing (it narrows readonly arrays to `any[]`): for checks on untyped callers. */
function isArrayValue(value: unknown): boolean {
  return Array.isArray(value);
}
