import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { VkhidError } from '../errors/vkhid-error.js';
import { audit } from '../registry/registry.js';
import type { StoreConnection } from '../store/store-driver.js';
import type { Store } from '../store/store.js';

/**
 * Who may use the admin API. An auditor reads everything and changes nothing; an operator also runs the
 * day-to-day changes (participant and memorandum status, expiring memoranda); an admin does everything.
 */
export const ADMIN_ROLES = ['admin', 'operator', 'auditor'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

/** An administrator as listed: the token and its hash are never part of it. */
export interface AdminUser {
  name: string;
  role: AdminRole;
  createdAt: string;
  disabledAt: string | null;
}

/** The caller a token stands for. */
export interface AdminIdentity {
  name: string;
  role: AdminRole;
}

/** Names become audit actors (`admin:<name>`): letters, digits and `.`, `_`, `-`, `@`, at most 64. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/** 32 random bytes in base64url without padding. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const TOKEN_BYTES = 32;
/** The audit trail's entity for administrators (written with the registry's own `audit`, same format). */
const ENTITY = 'admin-user';

export function isAdminRole(value: unknown): value is AdminRole {
  return typeof value === 'string' && (ADMIN_ROLES as readonly string[]).includes(value);
}

/**
 * The administrators, in the store's `admin_users` table. A token is shown once, when the user is added; only
 * its SHA-256 is stored, so a copy of the database gives no way in. Tokens are 256 random bits: a plain hash
 * (no salt, no slow KDF) is enough, as nothing can be guessed.
 *
 * Changes are written to the registry's audit trail in the same transaction (entity `admin-user`, the name as
 * id, before and after without token or hash).
 */
export class AdminUsers {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Adds a user and returns its token, which is not stored and cannot be shown again. Names are never reused. */
  async add(name: string, role: AdminRole, actor: string): Promise<{ user: AdminUser; token: string }> {
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw invalid(
        `the name must be 1 to 64 letters, digits or . _ - @, starting with a letter or digit`,
        'name',
      );
    }
    if (!isAdminRole(role)) throw invalid(`the role must be one of ${ADMIN_ROLES.join(', ')}`, 'role');
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    const user: AdminUser = { name, role, createdAt: this.now().toISOString(), disabledAt: null };
    await this.store.transaction(async (tx) => {
      // A disabled user keeps its name: the audit trail's `admin:<name>` must always mean one person.
      const existing = await tx.query(`SELECT name FROM admin_users WHERE name = ?`, [name]);
      if (existing.length > 0) throw new VkhidError('ADMIN_USER_EXISTS', { args: [name], field: 'name' });
      await tx.execute(
        `INSERT INTO admin_users (name, role, token_sha256, created_at, disabled_at) VALUES (?, ?, ?, ?, ?)`,
        [name, role, sha256(token).toString('hex'), user.createdAt, null],
      );
      await audit(tx, actor, 'admin-user.add', ENTITY, name, null, user, user.createdAt);
    });
    return { user, token };
  }

  /**
   * The user a bearer token belongs to. Refuses with ADMIN_UNAUTHENTICATED whatever is wrong (no such token,
   * a disabled user, garbage), without saying which. The hash of the token is compared with every stored hash
   * in constant time, all of them every time, so neither the comparison nor the index lookup gives timing.
   */
  async authenticate(token: string): Promise<AdminIdentity> {
    const presented = sha256(typeof token === 'string' && TOKEN.test(token) ? token : '');
    const rows = await this.store.read((db) =>
      db.query<{ name: string; role: string; token_sha256: string; disabled_at: string | null }>(
        `SELECT name, role, token_sha256, disabled_at FROM admin_users`,
      ),
    );
    let match: (typeof rows)[number] | undefined;
    for (const row of rows) {
      const stored = Buffer.from(row.token_sha256, 'hex');
      if (stored.length === presented.length && timingSafeEqual(stored, presented)) match = row;
    }
    if (
      typeof token !== 'string' ||
      !TOKEN.test(token) ||
      match === undefined ||
      match.disabled_at !== null ||
      !isAdminRole(match.role)
    ) {
      throw new VkhidError('ADMIN_UNAUTHENTICATED');
    }
    return { name: match.name, role: match.role };
  }

  /** Disables a user: its token is refused from now on. Disabling a disabled user changes nothing. */
  async disable(name: string, actor: string): Promise<AdminUser> {
    const at = this.now().toISOString();
    return this.store.transaction(async (tx) => {
      const before = await findUser(tx, name);
      if (before.disabledAt !== null) return before;
      const after: AdminUser = { ...before, disabledAt: at };
      await tx.execute(`UPDATE admin_users SET disabled_at = ? WHERE name = ?`, [at, name]);
      await audit(tx, actor, 'admin-user.disable', ENTITY, name, before, after, at);
      return after;
    });
  }

  async list(): Promise<AdminUser[]> {
    const rows = await this.store.read((db) =>
      db.query<UserRow>(`SELECT name, role, created_at, disabled_at FROM admin_users ORDER BY name`),
    );
    return rows.map(userFromRow);
  }
}

function invalid(why: string, field: string): VkhidError {
  return new VkhidError('ADMIN_USER_INVALID', { args: [why], field });
}

async function findUser(tx: StoreConnection, name: string): Promise<AdminUser> {
  const rows = await tx.query<UserRow>(
    `SELECT name, role, created_at, disabled_at FROM admin_users WHERE name = ?`,
    [name],
  );
  if (rows[0] === undefined) throw new VkhidError('ADMIN_USER_NOT_FOUND', { args: [name], field: 'name' });
  return userFromRow(rows[0]);
}

interface UserRow {
  name: string;
  role: string;
  created_at: string;
  disabled_at: string | null;
}

function userFromRow(row: UserRow): AdminUser {
  return {
    name: row.name,
    role: row.role as AdminRole,
    createdAt: row.created_at,
    disabledAt: row.disabled_at ?? null,
  };
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
