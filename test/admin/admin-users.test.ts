import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { AdminUsers } from '../../gateway/admin/admin-users.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { openTestHub, type TestHub } from './admin-test-hub.js';

function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

async function refusal(promise: Promise<unknown>): Promise<VkhidError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof VkhidError, `expected a VkhidError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a refusal');
}

describe('AdminUsers', () => {
  let testHub: TestHub;
  let users: AdminUsers;
  let clock = new Date('2025-03-01T09:00:00.000Z');

  before(async () => {
    testHub = await openTestHub();
    users = new AdminUsers(testHub.hub.store, () => clock);
  });

  after(async () => {
    await testHub?.close();
  });

  async function storedRows(): Promise<Record<string, unknown>[]> {
    return testHub.hub.store.read((db) =>
      db.query<Record<string, unknown>>(`SELECT * FROM admin_users ORDER BY name`),
    );
  }

  it('adds a user with a fresh 32-byte base64url token and stores only its SHA-256', async () => {
    const { user, token } = await users.add('olena', 'admin', 'cli:root');
    assert.deepEqual(user, {
      name: 'olena',
      role: 'admin',
      createdAt: '2025-03-01T09:00:00.000Z',
      disabledAt: null,
    });
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(token, 'base64url').length, 32);
    const [row] = await storedRows();
    assert.equal(row?.token_sha256, sha256Hex(token));
    assert.ok(!JSON.stringify(await storedRows()).includes(token), 'the token itself is not stored');
  });

  it('gives every user a different token', async () => {
    const a = await users.add('taras', 'operator', 'cli:root');
    const b = await users.add('iryna', 'auditor', 'cli:root');
    assert.notEqual(a.token, b.token);
  });

  it('authenticates a token to its user and role', async () => {
    const { token } = await users.add('petro', 'operator', 'cli:root');
    assert.deepEqual(await users.authenticate(token), { name: 'petro', role: 'operator' });
  });

  it('refuses a wrong, malformed, empty or non-string token with ADMIN_UNAUTHENTICATED', async () => {
    const { token } = await users.add('marta', 'auditor', 'cli:root');
    const flipped = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (const candidate of [
      flipped,
      'A'.repeat(43),
      '',
      `${token}=`,
      token.slice(1),
      sha256Hex(token),
      ' '.repeat(43),
      undefined as unknown as string,
    ]) {
      const error = await refusal(users.authenticate(candidate));
      assert.equal(error.code, 'ADMIN_UNAUTHENTICATED');
      assert.equal(error.status, 401);
    }
  });

  it('refuses a disabled user, and disabling twice changes nothing more', async () => {
    const { token } = await users.add('bohdan', 'admin', 'cli:root');
    clock = new Date('2025-03-02T10:00:00.000Z');
    const disabled = await users.disable('bohdan', 'admin:olena');
    assert.equal(disabled.disabledAt, '2025-03-02T10:00:00.000Z');
    assert.equal((await refusal(users.authenticate(token))).code, 'ADMIN_UNAUTHENTICATED');
    clock = new Date('2025-03-03T10:00:00.000Z');
    assert.equal((await users.disable('bohdan', 'admin:olena')).disabledAt, '2025-03-02T10:00:00.000Z');
    const trail = await testHub.hub.registry.auditTrail({ entity: 'admin-user', entityId: 'bohdan' });
    assert.deepEqual(
      trail.map((entry) => entry.action),
      ['admin-user.add', 'admin-user.disable'],
    );
  });

  it('lists users without tokens or hashes', async () => {
    const listed = await users.list();
    assert.deepEqual(
      listed.map((user) => user.name),
      ['bohdan', 'iryna', 'marta', 'olena', 'petro', 'taras'],
    );
    for (const user of listed)
      assert.deepEqual(Object.keys(user).sort(), ['createdAt', 'disabledAt', 'name', 'role']);
  });

  it('refuses a name taken before (even by a disabled user), a malformed name and an unknown role, storing nothing', async () => {
    const count = (await storedRows()).length;
    const audit = (await testHub.hub.registry.auditTrail()).length;
    assert.equal((await refusal(users.add('bohdan', 'auditor', 'cli:root'))).code, 'ADMIN_USER_EXISTS');
    for (const name of ['', 'has space', 'x'.repeat(65), '-dash-first', 'colon:name', 'кирилиця']) {
      const error = await refusal(users.add(name, 'auditor', 'cli:root'));
      assert.equal(error.code, 'ADMIN_USER_INVALID');
      assert.equal(error.field, 'name');
    }
    const error = await refusal(users.add('newbie', 'root' as never, 'cli:root'));
    assert.equal(error.field, 'role');
    assert.equal((await storedRows()).length, count);
    assert.equal((await testHub.hub.registry.auditTrail()).length, audit);
  });

  it('refuses to disable a user who does not exist', async () => {
    const error = await refusal(users.disable('nobody', 'admin:olena'));
    assert.equal(error.code, 'ADMIN_USER_NOT_FOUND');
    assert.equal(error.field, 'name');
  });

  it('audits every change in the registry format, never with the token or its hash', async () => {
    clock = new Date('2025-03-04T08:00:00.000Z');
    const { token } = await users.add('sofia', 'operator', 'admin:olena');
    const [entry] = await testHub.hub.registry.auditTrail({ entity: 'admin-user', entityId: 'sofia' });
    assert.deepEqual(entry && { ...entry, id: typeof entry.id }, {
      id: 'string',
      at: '2025-03-04T08:00:00.000Z',
      actor: 'admin:olena',
      action: 'admin-user.add',
      entity: 'admin-user',
      entityId: 'sofia',
      before: null,
      after: { name: 'sofia', role: 'operator', createdAt: '2025-03-04T08:00:00.000Z', disabledAt: null },
    });
    const everything = JSON.stringify(
      await testHub.hub.store.read((db) => db.query(`SELECT * FROM audit_log`)),
    );
    assert.ok(!everything.includes(token));
    assert.ok(!everything.includes(sha256Hex(token)));
  });
});
