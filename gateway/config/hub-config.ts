import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import cron from 'node-cron';
import { VkhidError } from '../errors/vkhid-error.js';
import { packageRoot } from '../package-paths.js';
import { isValidEdrpou } from '../registry/edrpou.js';
import type { IntakeLimits } from '../xml/xml-intake.js';

export interface HubConfig {
  hub: { code: string; name: string; hostnames: string[] };
  /** Absolute path of the data directory (database, hub keys and certificates). */
  dataDir: string;
  intake: IntakeLimits;
  pki: {
    caValidityYears: number;
    certificateValidityDays: number;
    rotationOverlapDays: number;
    expiryWarningDays: number[];
    crlValidityHours: number;
    /**
     * Key type of the hub's own signing and TLS keys made by `init`: `ec` (P-256, the default: the hub signs a
     * receipt per message, and an ECDSA signature costs a small fraction of an RSA-3072 one) or `rsa` (3072).
     */
    hubKeyType: 'ec' | 'rsa';
  };
  /** The push delivery worker and the queue it works on. */
  delivery: {
    /** Jobs one claim takes. */
    batch: number;
    /** Pause between claims when the last one found less than a full batch. */
    pollMs: number;
    /** Per HTTP attempt; keep it well under `leaseMs`. */
    timeoutMs: number;
    /** How long a claim holds a job before another worker (or the reaper) may take it over. */
    leaseMs: number;
    /** At most this many deliveries in flight per recipient. */
    perRecipientConcurrency: number;
    /** How long a pull participant's claimed job waits before the worker looks at it again. */
    pullParkMs: number;
  };
  /** Participants whose endpoint is a `file:` folder (see docs/transport.md). */
  fileDrop: {
    /** Pause between two scans of a participant's `out/`. */
    pollMs: number;
    /** How often the set of polled folders is brought in line with the registry. */
    refreshMs: number;
    /** A file is complete once its size and time are unchanged for this long. */
    settleMs: number;
    /** A file the hub could not take (its own failure, not a refusal) is tried again after this long. */
    retryDelayMs: number;
  };
  /** Backoff of failed deliveries (see RetrySchedule). */
  retry: {
    baseDelayMs: number;
    factor: number;
    maxDelayMs: number;
    jitter: number;
    /** A job failing for longer than this becomes a dead letter. */
    maxAgeHours: number;
  };
  /**
   * Where the hub keeps its data. `url` null: SQLite, `vkhid.sqlite` in the data directory (the embedded
   * default). A `postgres://` or `postgresql://` URL: that PostgreSQL database, for a hub that runs on several
   * machines. `VKHID_STORE_URL` overrides it (empty: SQLite), so a password need not be written into a file.
   */
  store: { url: string | null };
  /** The statutory-deadline watch and its alerts (see docs/deadline-alerts.md). */
  deadlines: {
    /** When the watch runs: a node-cron expression, in Kyiv time. */
    watchCron: string;
    /**
     * Where each run's new alerts are POSTed as JSON (http or https), or null for none. `VKHID_DEADLINE_WEBHOOK_URL`
     * overrides it (empty: none), so a URL carrying a token need not be written into a file.
     */
    webhookUrl: string | null;
    /** How long one webhook call may take before it is given up (it is not retried). */
    webhookTimeoutMs: number;
    /** How close to its end the answer term counts as due soon. */
    dueSoon: DueSoonSetting;
  };
}

/**
 * The due-soon window as configured: hours before the term ends, or working days left after today on the
 * calendar in `config/calendar.json`. Exactly one of the two.
 */
export type DueSoonSetting = { hours: number } | { workingDays: number };

/**
 * Settings replaced whole by a later layer instead of merged key by key: a window of `{ hours }` in the
 * defaults and `{ workingDays }` in local.json would otherwise merge into one with both.
 */
const REPLACED_WHOLE: ReadonlySet<string> = new Set(['deadlines.dueSoon']);

type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K];
};

/**
 * Settings come from `config/default.json`, then `config/local.json` if present (per installation, not in
 * git), then the JSON file named by `VKHID_CONFIG` if set (one file per hub process: tests and the demo), then
 * the environment (`VKHID_DATA`, `VKHID_HUB_CODE`, `VKHID_DEADLINE_WEBHOOK_URL`, `VKHID_STORE_URL`), then the command line's `--data`. Numbers are checked here,
 * so a hub with an unusable setting refuses to start (CONFIG_INVALID) instead of failing later.
 */
export function loadHubConfig(
  overrides: { dataDir?: string } = {},
  env: NodeJS.ProcessEnv = process.env,
): HubConfig {
  const base = readJson(join(packageRoot, 'config', 'default.json')) as HubConfig;
  const localPath = join(packageRoot, 'config', 'local.json');
  const local = existsSync(localPath) ? (readJson(localPath) as DeepPartial<HubConfig>) : {};
  const extra = env.VKHID_CONFIG ? (readJson(resolve(env.VKHID_CONFIG)) as DeepPartial<HubConfig>) : {};
  const merged = deepMerge(deepMerge(base, local), extra) as HubConfig;
  if (env.VKHID_HUB_CODE !== undefined) merged.hub.code = env.VKHID_HUB_CODE;
  const webhook = env.VKHID_DEADLINE_WEBHOOK_URL;
  if (webhook !== undefined) merged.deadlines.webhookUrl = webhook === '' ? null : webhook;
  const storeUrl = env.VKHID_STORE_URL;
  if (storeUrl !== undefined) merged.store = { url: storeUrl === '' ? null : storeUrl };
  const dataDir = overrides.dataDir ?? env.VKHID_DATA ?? merged.dataDir;
  merged.dataDir = resolve(dataDir);
  if (!isValidEdrpou(merged.hub.code)) {
    throw new VkhidError('PARTICIPANT_CODE_INVALID', { args: [merged.hub.code], field: 'hub.code' });
  }
  checkNumbers(merged);
  checkDeadlines(merged.deadlines);
  checkStore(merged.store);
  return merged;
}

function checkNumbers(config: HubConfig): void {
  const rules: [string, unknown, (value: number) => boolean, string][] = [
    ['delivery.batch', config.delivery.batch, (v) => Number.isSafeInteger(v) && v >= 1, 'a whole number ≥ 1'],
    ['delivery.pollMs', config.delivery.pollMs, (v) => v > 0, 'a number > 0'],
    ['delivery.timeoutMs', config.delivery.timeoutMs, (v) => v > 0, 'a number > 0'],
    [
      'delivery.leaseMs',
      config.delivery.leaseMs,
      (v) => Number.isSafeInteger(v) && v > config.delivery.timeoutMs,
      'a whole number above delivery.timeoutMs',
    ],
    [
      'delivery.perRecipientConcurrency',
      config.delivery.perRecipientConcurrency,
      (v) => Number.isSafeInteger(v) && v >= 1,
      'a whole number ≥ 1',
    ],
    ['delivery.pullParkMs', config.delivery.pullParkMs, (v) => v >= 0, 'a number ≥ 0'],
    ['fileDrop.pollMs', config.fileDrop.pollMs, (v) => v > 0, 'a number > 0'],
    ['fileDrop.refreshMs', config.fileDrop.refreshMs, (v) => v > 0, 'a number > 0'],
    ['fileDrop.settleMs', config.fileDrop.settleMs, (v) => v >= 0, 'a number ≥ 0'],
    ['fileDrop.retryDelayMs', config.fileDrop.retryDelayMs, (v) => v >= 0, 'a number ≥ 0'],
    ['retry.baseDelayMs', config.retry.baseDelayMs, (v) => v >= 0, 'a number ≥ 0'],
    ['retry.factor', config.retry.factor, (v) => v >= 1, 'a number ≥ 1'],
    [
      'retry.maxDelayMs',
      config.retry.maxDelayMs,
      (v) => v >= config.retry.baseDelayMs,
      'a number ≥ retry.baseDelayMs',
    ],
    ['retry.jitter', config.retry.jitter, (v) => v >= 0 && v < 1, 'a number in [0, 1)'],
    ['retry.maxAgeHours', config.retry.maxAgeHours, (v) => v > 0, 'a number > 0'],
    ['deadlines.webhookTimeoutMs', config.deadlines.webhookTimeoutMs, (v) => v > 0, 'a number > 0'],
  ];
  if (config.pki.hubKeyType !== 'ec' && config.pki.hubKeyType !== 'rsa') {
    throw new VkhidError('CONFIG_INVALID', {
      args: ['pki.hubKeyType', `${JSON.stringify(config.pki.hubKeyType)} is not "ec" or "rsa"`],
      field: 'pki.hubKeyType',
    });
  }
  for (const [field, value, ok, expected] of rules) {
    if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
      throw new VkhidError('CONFIG_INVALID', {
        args: [field, `${JSON.stringify(value)} is not ${expected}`],
        field,
      });
    }
  }
}

function invalid(field: string, why: string): VkhidError {
  return new VkhidError('CONFIG_INVALID', { args: [field, why], field });
}

function checkDeadlines(deadlines: HubConfig['deadlines']): void {
  const { watchCron, webhookUrl, dueSoon } = deadlines;
  if (typeof watchCron !== 'string' || !cron.validate(watchCron)) {
    throw invalid('deadlines.watchCron', `${JSON.stringify(watchCron)} is not a cron expression`);
  }
  if (webhookUrl !== null) {
    // The URL itself is kept out of the message: webhook URLs often carry a token, and this error is logged.
    const protocol =
      typeof webhookUrl === 'string' && URL.canParse(webhookUrl) ? new URL(webhookUrl).protocol : '';
    if (protocol !== 'http:' && protocol !== 'https:') {
      throw invalid(
        'deadlines.webhookUrl',
        'it is not an http(s) URL (set it, or VKHID_DEADLINE_WEBHOOK_URL, to one, or leave it null)',
      );
    }
  }
  if (typeof dueSoon !== 'object' || dueSoon === null || Array.isArray(dueSoon)) {
    throw invalid(
      'deadlines.dueSoon',
      `${JSON.stringify(dueSoon)} is not { "hours": N } or { "workingDays": N }`,
    );
  }
  const keys = Object.keys(dueSoon);
  if (keys.length !== 1 || (keys[0] !== 'hours' && keys[0] !== 'workingDays')) {
    throw invalid(
      'deadlines.dueSoon',
      `${JSON.stringify(dueSoon)} is not exactly one of { "hours": N } or { "workingDays": N }`,
    );
  }
  if ('hours' in dueSoon) {
    const { hours } = dueSoon as { hours: unknown };
    if (typeof hours !== 'number' || !Number.isFinite(hours) || hours <= 0) {
      throw invalid('deadlines.dueSoon.hours', `${JSON.stringify(hours)} is not a number > 0`);
    }
  } else {
    const { workingDays } = dueSoon as { workingDays: unknown };
    if (typeof workingDays !== 'number' || !Number.isSafeInteger(workingDays) || workingDays < 0) {
      throw invalid(
        'deadlines.dueSoon.workingDays',
        `${JSON.stringify(workingDays)} is not a whole number ≥ 0`,
      );
    }
  }
}

function checkStore(store: HubConfig['store'] | undefined): void {
  const url: unknown = store?.url;
  if (url === null) return;
  // Never echo the URL: it usually carries the database password, and this error is logged.
  if (typeof url !== 'string' || !/^postgres(?:ql)?:\/\//i.test(url) || !URL.canParse(url)) {
    throw invalid(
      'store.url',
      'it is not a postgres:// or postgresql:// URL (set it, or VKHID_STORE_URL, to one, or leave it null for SQLite)',
    );
  }
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (error) {
    throw new VkhidError('CLI_FILE_UNREADABLE', { args: [path, (error as Error).message], cause: error });
  }
}

function deepMerge(base: unknown, override: unknown, path = ''): unknown {
  if (REPLACED_WHOLE.has(path)) return override ?? base;
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return override ?? base;
  if (typeof override !== 'object' || override === null || Array.isArray(override)) return override ?? base;
  const result: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(override)) {
    result[key] = deepMerge(result[key], value, path === '' ? key : `${path}.${key}`);
  }
  return result;
}
