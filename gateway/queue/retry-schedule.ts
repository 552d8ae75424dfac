/**
 * When a failed delivery is tried again: exponential backoff with jitter, capped, and given up after a maximum
 * age. Pure: the clock and the random source are the caller's, so the schedule is tested exactly.
 *
 *   delay(attempt) = min(maxDelayMs, baseDelayMs · factor^(attempt − 1)) · (1 ± jitter)
 *
 * `attempt` is the number of attempts made so far (1 after the first failure). Jitter spreads the retries of
 * many jobs that failed together (a recipient coming back after an outage) instead of sending them in one burst.
 */
export interface RetrySettings {
  /** The delay after the first failed attempt (default 5 s). */
  readonly baseDelayMs?: number;
  /** How much each further failure multiplies the delay (default 2). */
  readonly factor?: number;
  /** The longest delay, before jitter (default 1 h). */
  readonly maxDelayMs?: number;
  /** Relative spread, 0 ≤ jitter < 1: 0.2 gives delays within ±20 % (default 0.2). */
  readonly jitter?: number;
  /** A job older than this is given up and becomes a dead letter (default 72 h). */
  readonly maxAgeMs?: number;
}

export const DEFAULT_RETRY_SETTINGS: Required<RetrySettings> = {
  baseDelayMs: 5_000,
  factor: 2,
  maxDelayMs: 60 * 60 * 1000,
  jitter: 0.2,
  maxAgeMs: 72 * 60 * 60 * 1000,
};

export class RetrySchedule {
  readonly baseDelayMs: number;
  readonly factor: number;
  readonly maxDelayMs: number;
  readonly jitter: number;
  readonly maxAgeMs: number;

  /** Throws a RangeError for settings that make no schedule (a programming or configuration error). */
  constructor(settings: RetrySettings = {}) {
    const merged = { ...DEFAULT_RETRY_SETTINGS, ...definedOnly(settings) };
    for (const [name, value] of Object.entries(merged)) {
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`retry ${name} must be a number ≥ 0`);
    }
    if (merged.factor < 1) throw new RangeError('retry factor must be at least 1');
    if (merged.jitter >= 1) throw new RangeError('retry jitter must be below 1');
    if (merged.maxDelayMs < merged.baseDelayMs) throw new RangeError('retry maxDelayMs is below baseDelayMs');
    this.baseDelayMs = merged.baseDelayMs;
    this.factor = merged.factor;
    this.maxDelayMs = merged.maxDelayMs;
    this.jitter = merged.jitter;
    this.maxAgeMs = merged.maxAgeMs;
  }

  /** The delay before the next attempt, in whole milliseconds, after `attempt` attempts (≥ 1) have failed. */
  nextDelay(attempt: number, random: () => number = Math.random): number {
    const exponent = Math.max(0, Math.floor(attempt) - 1);
    // Computed in steps so a large attempt number saturates at the cap instead of overflowing to Infinity.
    let delay = this.baseDelayMs;
    for (let i = 0; i < exponent && delay < this.maxDelayMs; i += 1) delay *= this.factor;
    delay = Math.min(delay, this.maxDelayMs);
    const spread = (2 * clampUnit(random()) - 1) * this.jitter;
    return Math.max(0, Math.round(delay * (1 + spread)));
  }

  /** True when a job whose retry window began at `createdAt` is now at or past the maximum age. */
  isExpired(createdAt: Date | string, now: Date): boolean {
    return now.getTime() - new Date(createdAt).getTime() >= this.maxAgeMs;
  }
}

function clampUnit(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0.5;
}

function definedOnly(settings: RetrySettings): RetrySettings {
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
}
