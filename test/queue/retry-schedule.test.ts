/**
 * The retry schedule: exponential backoff to a cap, jitter within its bounds, expiry at exactly the maximum age.
 */
import assert from 'node:assert/strict';
import { DEFAULT_RETRY_SETTINGS, RetrySchedule } from '../../gateway/queue/retry-schedule.js';

const HOUR = 60 * 60 * 1000;
const middle = (): number => 0.5;

describe('RetrySchedule', () => {
  it('defaults: 5 s doubling to a 1 h cap, ±20 % jitter, 72 h maximum age', () => {
    const schedule = new RetrySchedule();
    assert.deepEqual(
      {
        baseDelayMs: schedule.baseDelayMs,
        factor: schedule.factor,
        maxDelayMs: schedule.maxDelayMs,
        jitter: schedule.jitter,
        maxAgeMs: schedule.maxAgeMs,
      },
      DEFAULT_RETRY_SETTINGS,
    );
    assert.deepEqual(
      [1, 2, 3, 4].map((attempt) => schedule.nextDelay(attempt, middle)),
      [5_000, 10_000, 20_000, 40_000],
    );
  });

  it('grows monotonically up to the cap and stays there, even for huge attempt numbers', () => {
    const schedule = new RetrySchedule({ baseDelayMs: 1_000, factor: 3, maxDelayMs: 60_000 });
    const delays = Array.from({ length: 40 }, (_, i) => schedule.nextDelay(i + 1, middle));
    for (let i = 1; i < delays.length; i += 1) assert.ok(delays[i]! >= delays[i - 1]!, `step ${i}`);
    assert.equal(delays.at(-1), 60_000);
    assert.equal(schedule.nextDelay(1e9, middle), 60_000);
    assert.equal(schedule.nextDelay(0, middle), 1_000, 'attempt 0 is treated as the first');
  });

  it('keeps the jitter within ±jitter of the delay, reaching both bounds', () => {
    const schedule = new RetrySchedule();
    assert.equal(
      schedule.nextDelay(2, () => 0),
      8_000,
    );
    assert.equal(
      schedule.nextDelay(2, () => 1),
      12_000,
    );
    for (let i = 0; i < 500; i += 1) {
      const delay = schedule.nextDelay(3);
      assert.ok(delay >= 16_000 && delay <= 24_000, `${delay} outside 20 s ± 20 %`);
    }
    assert.equal(
      schedule.nextDelay(50, () => 1),
      1.2 * HOUR,
      'jitter applies at the cap too',
    );
    assert.equal(
      schedule.nextDelay(1, () => Number.NaN),
      5_000,
      'a broken random source means no jitter',
    );
  });

  it('without jitter the delays are exact', () => {
    const schedule = new RetrySchedule({ jitter: 0 });
    assert.equal(
      schedule.nextDelay(3, () => 0),
      20_000,
    );
    assert.equal(
      schedule.nextDelay(3, () => 1),
      20_000,
    );
  });

  it('expires a job at exactly the maximum age, not a millisecond before', () => {
    const schedule = new RetrySchedule();
    const created = '2026-03-01T10:00:00.000Z';
    const at = (ms: number): Date => new Date(Date.parse(created) + ms);
    assert.equal(schedule.isExpired(created, at(72 * HOUR - 1)), false);
    assert.equal(schedule.isExpired(created, at(72 * HOUR)), true);
    assert.equal(schedule.isExpired(new Date(created), at(100 * HOUR)), true);
    assert.equal(new RetrySchedule({ maxAgeMs: 1_000 }).isExpired(created, at(999)), false);
  });

  it('refuses settings that make no schedule', () => {
    assert.throws(() => new RetrySchedule({ jitter: 1 }), RangeError);
    assert.throws(() => new RetrySchedule({ factor: 0.5 }), RangeError);
    assert.throws(() => new RetrySchedule({ baseDelayMs: -1 }), RangeError);
    assert.throws(() => new RetrySchedule({ maxDelayMs: 1_000, baseDelayMs: 2_000 }), RangeError);
    assert.throws(() => new RetrySchedule({ maxAgeMs: Number.NaN }), RangeError);
    assert.doesNotThrow(() => new RetrySchedule({ baseDelayMs: undefined }));
  });
});
