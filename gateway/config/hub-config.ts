import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
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
  };
}

type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K];
};

/**
 * Settings come from `config/default.json`, then `config/local.json` if present (per installation, not in
 * git), then the environment (`VKHID_DATA`, `VKHID_HUB_CODE`), then the command line's `--data`.
 */
export function loadHubConfig(
  overrides: { dataDir?: string } = {},
  env: NodeJS.ProcessEnv = process.env,
): HubConfig {
  const base = readJson(join(packageRoot, 'config', 'default.json')) as HubConfig;
  const localPath = join(packageRoot, 'config', 'local.json');
  const local = existsSync(localPath) ? (readJson(localPath) as DeepPartial<HubConfig>) : {};
  const merged = deepMerge(base, local) as HubConfig;
  if (env.VKHID_HUB_CODE !== undefined) merged.hub.code = env.VKHID_HUB_CODE;
  const dataDir = overrides.dataDir ?? env.VKHID_DATA ?? merged.dataDir;
  merged.dataDir = resolve(dataDir);
  if (!isValidEdrpou(merged.hub.code)) {
    throw new VkhidError('PARTICIPANT_CODE_INVALID', { args: [merged.hub.code], field: 'hub.code' });
  }
  return merged;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (error) {
    throw new VkhidError('CLI_FILE_UNREADABLE', { args: [path, (error as Error).message], cause: error });
  }
}

function deepMerge(base: unknown, override: unknown): unknown {
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return override ?? base;
  if (typeof override !== 'object' || override === null || Array.isArray(override)) return override ?? base;
  const result: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(override)) result[key] = deepMerge(result[key], value);
  return result;
}
