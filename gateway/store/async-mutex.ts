import { VkhidError } from '../errors/vkhid-error.js';

/**
 * A first-in, first-out asynchronous lock. `unlock` hands the lock straight to the next waiter (it never
 * becomes free in between), so a caller arriving at that moment cannot jump the queue: waiters are served
 * strictly in arrival order and none of them starves.
 */
export class AsyncMutex {
  private held = false;
  private readonly waiters: (() => void)[] = [];

  /** Resolves when the caller holds the lock. Every successful `lock` must be followed by one `unlock`. */
  lock(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * Passes the lock on. Unlocking a free mutex is a bug that would let two holders in at once later, so it
   * throws instead of being ignored.
   */
  unlock(): void {
    if (!this.held) {
      throw new VkhidError('INTERNAL', {
        cause: new Error('AsyncMutex.unlock() called on an unlocked mutex'),
      });
    }
    const next = this.waiters.shift();
    if (next === undefined) this.held = false;
    else next();
  }

  get locked(): boolean {
    return this.held;
  }

  /** How many callers are waiting for the lock. */
  get waiting(): number {
    return this.waiters.length;
  }
}
