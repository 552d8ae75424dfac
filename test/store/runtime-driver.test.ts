import assert from 'node:assert/strict';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { RuntimeDriver, type StatementEvent } from '../../gateway/store/runtime-driver.js';
import type { StoreConnection } from '../../gateway/store/store-driver.js';
import { FakeStoreDriver } from './fake-store-dialect.js';
import { rejectsWithCode } from './store-conformance.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('RuntimeDriver', () => {
  it('shares one driver init among concurrent callers, and retries after a failed init', async () => {
    const driver = new FakeStoreDriver();
    const runtime = new RuntimeDriver(driver);
    const failure = new Error('cannot open');
    driver.failures.set('init', failure);
    const results = await Promise.allSettled([runtime.init(), runtime.init(), runtime.acquireConnection()]);
    assert.equal(driver.count('init'), 1);
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      assert.ok(result.reason instanceof VkhidError);
      assert.equal(result.reason.code, 'STORE_UNAVAILABLE');
      assert.equal(result.reason.cause, failure);
    }
    await Promise.all([runtime.init(), runtime.init()]);
    assert.equal(driver.count('init'), 2);
    await runtime.init();
    assert.equal(driver.count('init'), 2);
  });

  it('maps driver errors to catalogue codes, keeping the original as the cause', async () => {
    const driver = new FakeStoreDriver();
    const runtime = new RuntimeDriver(driver);
    const connection = await runtime.acquireConnection();
    const unique = new Error('unique');
    driver.failures.set('execute', unique);
    const conflict = await rejectsWithCode(
      connection.execute('INSERT INTO t (a) VALUES (?)', [1]),
      'STORE_CONFLICT',
    );
    assert.equal(conflict.cause, unique);
    assert.ok(!conflict.message.includes('unique'), 'the driver message stays out of the catalogue message');

    const disk = new Error('SQLITE_IOERR: disk I/O error');
    driver.failures.set('query', disk);
    const unavailable = await rejectsWithCode(connection.query('SELECT 1 AS one'), 'STORE_UNAVAILABLE');
    assert.equal(unavailable.cause, disk);

    const coded = new VkhidError('STORE_CLOSED');
    driver.failures.set('begin', coded);
    assert.equal(await rejectsWithCode(runtime.beginTransaction(connection), 'STORE_CLOSED'), coded);

    driver.failures.set('commit', new Error('classifier breaks'));
    await rejectsWithCode(runtime.commitTransaction(connection), 'STORE_UNAVAILABLE');
  });

  it('checks each statement before it reaches the driver', async () => {
    const driver = new FakeStoreDriver();
    const runtime = new RuntimeDriver(driver);
    const connection = await runtime.acquireConnection();
    await rejectsWithCode(connection.query('SELECT ? AS a', []), 'STORE_INVALID_STATEMENT');
    await rejectsWithCode(connection.execute('DELETE FROM a; DELETE FROM b'), 'STORE_INVALID_STATEMENT');
    assert.equal(driver.count('query') + driver.count('execute'), 0);
    const params = ['x'];
    const pending = connection.query('SELECT ? AS a', params);
    params.push('changed after the call');
    await pending;
    assert.deepEqual(driver.calls.at(-1), 'query SELECT ? AS a [1]');
  });

  it('refuses a connection that was released, or never handed out, and releases only once', async () => {
    const driver = new FakeStoreDriver();
    const runtime = new RuntimeDriver(driver);
    const connection = await runtime.acquireConnection();
    await runtime.releaseConnection(connection);
    await runtime.releaseConnection(connection);
    assert.equal(driver.count('release'), 1);
    await rejectsWithCode(connection.query('SELECT 1 AS one'), 'STORE_HANDLE_EXPIRED');
    await rejectsWithCode(runtime.beginTransaction(connection), 'STORE_HANDLE_EXPIRED');
    await rejectsWithCode(runtime.commitTransaction(driver.connection), 'STORE_HANDLE_EXPIRED');
    const stranger: StoreConnection = {
      query: () => Promise.resolve([]),
      execute: () => Promise.resolve({ changes: 0 }),
    };
    await rejectsWithCode(runtime.rollbackTransaction(stranger), 'STORE_HANDLE_EXPIRED');
    assert.equal(driver.count('begin') + driver.count('commit') + driver.count('rollback'), 0);
  });

  it('stops a driver that hands out a connection another operation still holds', async () => {
    const driver = new FakeStoreDriver();
    const runtime = new RuntimeDriver(driver);
    const first = await runtime.acquireConnection();
    const error = await rejectsWithCode(runtime.acquireConnection(), 'INTERNAL');
    assert.match(String((error.cause as Error).message), /already|still holds/);
    await runtime.releaseConnection(first);
    await runtime.releaseConnection(await runtime.acquireConnection());
  });

  it('reports a failed release to the logger instead of throwing it', async () => {
    const driver = new FakeStoreDriver();
    const events: StatementEvent[] = [];
    const runtime = new RuntimeDriver(driver, { onStatement: (event) => events.push(event) });
    const connection = await runtime.acquireConnection();
    driver.failures.set('release', new Error('release failed'));
    await runtime.releaseConnection(connection);
    assert.deepEqual(
      events.map((event) => [event.operation, event.outcome]),
      [['release', 'STORE_UNAVAILABLE']],
    );
  });

  it('logs statements with their SQL text and duration, never their parameters', async () => {
    const driver = new FakeStoreDriver();
    const events: StatementEvent[] = [];
    const runtime = new RuntimeDriver(driver, { onStatement: (event) => events.push(event) });
    const connection = await runtime.acquireConnection();
    await connection.execute('INSERT INTO people (name) VALUES (?)', ['Леся Українка']);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.sql, 'INSERT INTO people (name) VALUES (?)');
    assert.ok(!JSON.stringify(events).includes('Леся'));
  });

  it('destroys once, after a pending init, and refuses all new work from the moment it is called', async () => {
    const driver = new FakeStoreDriver();
    const runtime = new RuntimeDriver(driver);
    const gate = deferred();
    driver.initGate = gate.promise;
    const initialising = runtime.init();
    const destroying = runtime.destroy();
    assert.equal(runtime.closed, true);
    await rejectsWithCode(runtime.acquireConnection(), 'STORE_CLOSED');
    await rejectsWithCode(runtime.init(), 'STORE_CLOSED');
    gate.resolve();
    await initialising;
    await Promise.all([destroying, runtime.destroy()]);
    await runtime.destroy();
    assert.deepEqual(driver.calls, ['init', 'destroy']);
  });

  it('destroys nothing that was never opened, and can retry a failed destroy', async () => {
    const unopened = new FakeStoreDriver();
    await new RuntimeDriver(unopened).destroy();
    assert.deepEqual(unopened.calls, []);

    const driver = new FakeStoreDriver();
    const runtime = new RuntimeDriver(driver);
    await runtime.init();
    driver.failures.set('destroy', new Error('busy'));
    await rejectsWithCode(runtime.destroy(), 'STORE_UNAVAILABLE');
    await runtime.destroy();
    assert.equal(driver.count('destroy'), 2);
  });

  it('hands back a connection served after close was called, and refuses the work', async () => {
    const driver = new FakeStoreDriver();
    const runtime = new RuntimeDriver(driver);
    await runtime.init();
    const gate = deferred();
    driver.acquireGate = gate.promise;
    const acquiring = runtime.acquireConnection();
    const destroying = runtime.destroy();
    gate.resolve();
    await rejectsWithCode(acquiring, 'STORE_CLOSED');
    await destroying;
    assert.equal(driver.count('acquire'), 1);
    assert.equal(driver.count('release'), 1);
  });
});
