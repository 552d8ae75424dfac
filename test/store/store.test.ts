import assert from 'node:assert/strict';
import type { Migration } from '../../gateway/store/migrator.js';
import { Store } from '../../gateway/store/store.js';
import { FakeStoreDialect } from './fake-store-dialect.js';
import { rejectsWithCode } from './store-conformance.js';

async function openFake(): Promise<{ store: Store; dialect: FakeStoreDialect }> {
  const dialect = new FakeStoreDialect();
  const store = await Store.open(dialect, { migrations: [] });
  return { store, dialect };
}

describe('Store (over a scripted driver)', () => {
  it('opens: init, bookkeeping table in a transaction, version read without one', async () => {
    const dialect = new FakeStoreDialect();
    await Store.open(dialect, { migrations: [] });
    assert.deepEqual(
      dialect.driver.calls.map((call) => call.split(' ')[0]),
      ['init', 'acquire', 'begin', 'execute', 'commit', 'release', 'acquire', 'query', 'release'],
    );
  });

  it('rolls back and reports the COMMIT failure when the commit fails', async () => {
    const { store, dialect } = await openFake();
    const start = dialect.driver.calls.length;
    dialect.driver.failures.set('commit', new Error('SQLITE_FULL: database or disk is full'));
    await rejectsWithCode(
      store.transaction((tx) => tx.execute('INSERT INTO t (a) VALUES (?)', [1])),
      'STORE_UNAVAILABLE',
    );
    assert.deepEqual(
      dialect.driver.calls.slice(start).map((call) => call.split(' ')[0]),
      ['acquire', 'begin', 'execute', 'commit', 'rollback', 'release'],
    );
  });

  it('rethrows the callback error even when the rollback fails too', async () => {
    const { store, dialect } = await openFake();
    const failure = new Error('the callback failed');
    dialect.driver.failures.set('rollback', new Error('rollback failed'));
    await assert.rejects(
      store.transaction(() => Promise.reject(failure)),
      (error) => error === failure,
    );
    assert.equal(dialect.driver.calls.at(-1), 'release');
  });

  it('never runs the callback when BEGIN fails, and still releases the connection', async () => {
    const { store, dialect } = await openFake();
    dialect.driver.failures.set('begin', new Error('SQLITE_BUSY: database is locked'));
    let ran = false;
    await rejectsWithCode(
      store.transaction(() => {
        ran = true;
        return Promise.resolve();
      }),
      'STORE_UNAVAILABLE',
    );
    assert.equal(ran, false);
    assert.equal(dialect.driver.calls.at(-1), 'release');
    await store.transaction(() => Promise.resolve());
  });

  it('reads without BEGIN, through the same acquire and release', async () => {
    const { store, dialect } = await openFake();
    const start = dialect.driver.calls.length;
    dialect.driver.results.push([{ n: 1 }]);
    assert.deepEqual(await store.read((db) => db.query('SELECT 1 AS n')), [{ n: 1 }]);
    assert.deepEqual(dialect.driver.calls.slice(start), ['acquire', 'query SELECT 1 AS n', 'release']);
  });

  it('a failed statement in a read does not poison the next statement of the read', async () => {
    const { store, dialect } = await openFake();
    dialect.driver.failures.set('query', new Error('transient'));
    const result = await store.read(async (db) => {
      await db.query('SELECT 1 AS n').catch(() => undefined);
      return db.query('SELECT 2 AS n');
    });
    assert.deepEqual(result, []);
  });

  it('closes the driver when opening fails, and never opens it for a malformed migration list', async () => {
    const failing = new FakeStoreDialect();
    failing.driver.failures.set(
      'execute',
      new Error('SQLITE_READONLY: attempt to write a readonly database'),
    );
    await rejectsWithCode(Store.open(failing, { migrations: [] }), 'STORE_UNAVAILABLE');
    assert.equal(failing.driver.calls.at(-1), 'destroy');

    const untouched = new FakeStoreDialect();
    const malformed = [{ version: 2, name: 'two', statements: ['SELECT 1'] }] satisfies Migration[];
    await rejectsWithCode(Store.open(untouched, { migrations: malformed }), 'INTERNAL');
    assert.deepEqual(untouched.driver.calls, []);
  });

  it('exposes its dialect for capability checks', async () => {
    const { store, dialect } = await openFake();
    assert.equal(store.dialect, dialect);
    assert.equal(store.dialect.supportsSkipLocked, false);
    assert.equal(store.closed, false);
    await store.close();
    assert.equal(store.closed, true);
  });
});
