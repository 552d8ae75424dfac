import assert from 'node:assert/strict';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { AsyncMutex } from '../../gateway/store/async-mutex.js';

describe('AsyncMutex', () => {
  it('serves waiters in arrival order, one at a time', async () => {
    const mutex = new AsyncMutex();
    const order: string[] = [];
    let inside = 0;
    const worker = async (name: string): Promise<void> => {
      await mutex.lock();
      inside++;
      assert.equal(inside, 1, 'two holders at once');
      order.push(name);
      await new Promise((resolve) => setImmediate(resolve));
      inside--;
      mutex.unlock();
    };
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map(worker));
    assert.deepEqual(order, ['a', 'b', 'c', 'd', 'e']);
    assert.equal(mutex.locked, false);
  });

  it('hands the lock straight to the next waiter, so a late caller cannot jump the queue', async () => {
    const mutex = new AsyncMutex();
    const order: string[] = [];
    await mutex.lock();
    const waiter = mutex.lock().then(() => order.push('waiter'));
    assert.equal(mutex.waiting, 1);
    mutex.unlock();
    // Arrives after the unlock, before the waiter has resumed.
    const late = mutex.lock().then(() => order.push('late'));
    assert.equal(mutex.locked, true);
    await waiter;
    mutex.unlock();
    await late;
    mutex.unlock();
    assert.deepEqual(order, ['waiter', 'late']);
  });

  it('refuses to unlock a free mutex', () => {
    const mutex = new AsyncMutex();
    assert.throws(
      () => mutex.unlock(),
      (error) => error instanceof VkhidError && error.code === 'INTERNAL',
    );
  });
});
