import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve, join } from 'node:path';
import { MIN_APPEALS } from './demo-plan.js';

export const DEFAULT_APPEALS = 300;
export const DEFAULT_SEED = 1207;

export const USAGE = `npm run demo [-- --appeals N] [-- --seed S]

Starts a hub, a contact center and three simulated agency EDMS (СЕВ ОВВ 1207 over HTTPS, МЕДО xdms by file
drop, a flaky JSON API over HTTPS), sends N appeals (default ${DEFAULT_APPEALS}, at least ${MIN_APPEALS}) through
their lifecycle, then prints the deadline watch, the report and \`vkhid ledger verify\`.
Data: VKHID_DATA if set (it must be empty or not exist), else a new temporary directory; it is kept.`;

/** A wrong command line or data directory: printed with the usage, exit 2. */
export class DemoUsageError extends Error {}

export interface ParsedOptions {
  readonly appeals: number;
  readonly seed: number;
  readonly help: boolean;
}

export function parseDemoArgs(argv: readonly string[]): ParsedOptions {
  let appeals = DEFAULT_APPEALS;
  let seed = DEFAULT_SEED;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [name, inline] = arg.includes('=') ? (arg.split('=', 2) as [string, string]) : [arg, undefined];
    const value = (): string => {
      const next = inline ?? argv[++i];
      if (next === undefined) throw new DemoUsageError(`${name} needs a value`);
      return next;
    };
    switch (name) {
      case '--appeals':
        appeals = integer(name, value());
        if (appeals < MIN_APPEALS) throw new DemoUsageError(`--appeals must be at least ${MIN_APPEALS}`);
        break;
      case '--seed':
        seed = integer(name, value());
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new DemoUsageError(`unknown argument ${arg}`);
    }
  }
  return { appeals, seed, help };
}

function integer(name: string, text: string): number {
  if (!/^\d{1,9}$/.test(text)) throw new DemoUsageError(`${name} takes a whole number, not "${text}"`);
  return Number(text);
}

/**
 * The demo's data directory: VKHID_DATA when set, which must not hold anything yet (the demo never runs
 * against a hub that has data of its own), else a new directory under the system's temporary folder.
 */
export function demoDataDir(env: NodeJS.ProcessEnv): string {
  const configured = env.VKHID_DATA;
  if (configured === undefined || configured === '') {
    return mkdtempSync(join(tmpdir(), 'vkhid-demo-'));
  }
  const dir = resolve(configured);
  if (existsSync(dir)) {
    if (readdirSync(dir).length > 0) {
      throw new DemoUsageError(
        `VKHID_DATA=${dir} is not empty: the demo makes its own hub and will not run against existing data. ` +
          'Point VKHID_DATA at an empty or new directory, or unset it for a temporary one.',
      );
    }
  } else {
    mkdirSync(dir, { recursive: true });
  }
  return dir;
}
