/**
 * What every command working on the hub's stored state shares: `--data DIR` (else `VKHID_DATA`, else the
 * configured `./data`) and `--json`, opening and always closing the hub, the actor written to the audit trail,
 * and the two output forms: human-readable lines and tables, or exactly one JSON value on standard output.
 */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { loadHubConfig } from '../config/hub-config.js';
import { VkhidError } from '../errors/vkhid-error.js';
import { openHub, type HubContext } from '../hub/hub-context.js';
import { HubHome } from '../hub/hub-home.js';
import type { CertificateRecord } from '../registry/registry-model.js';
import { CliExit, ExitCode, printJson, type CliIo } from './cli-io.js';

export interface HubOptions {
  data?: string;
  json?: boolean;
}

/** Adds `--data DIR` and `--json` to a command. */
export function withHubOptions(command: Command): Command {
  return command
    .option('--data <dir>', 'the data directory (default: VKHID_DATA, else ./data)')
    .option('--json', 'print exactly one JSON value on standard output');
}

/** Who the audit trail says made a change from the command line. */
export function cliActor(): string {
  let name: string | undefined;
  try {
    name = userInfo().username;
  } catch {
    // No passwd entry for the uid (some containers): fall back to what the environment says.
    name = process.env.USER ?? process.env.LOGNAME;
  }
  return `cli:${name === undefined || name === '' ? 'unknown' : name}`;
}

/** What a command prints: `json` with `--json` (an `ok: true` is added), `text` otherwise. */
export interface CommandOutput {
  readonly json: Record<string, unknown>;
  readonly text: string;
}

export interface RunHubOptions {
  /**
   * Every command but `init` refuses a data directory without a hub (HUB_NOT_INITIALISED) before touching
   * it: a mistyped `--data` must not quietly create an empty database somewhere.
   */
  readonly requireInitialised?: boolean;
}

/**
 * Opens the hub, runs `work`, closes the hub whatever happened, and prints the result. A coded refusal is
 * printed as `{"ok":false,"code":...,"message":...}` on standard output with `--json` (exit 1); otherwise it
 * is rethrown for runCli to print as `vkhid: CODE: message` on standard error.
 */
export async function runHubCommand(
  io: CliIo,
  options: HubOptions,
  work: (hub: HubContext) => Promise<CommandOutput>,
  settings: RunHubOptions = {},
): Promise<void> {
  let output: CommandOutput;
  try {
    const hub = await openHubFor(options, settings.requireInitialised ?? true);
    try {
      output = await work(hub);
    } finally {
      await hub.close();
    }
  } catch (error) {
    throw jsonRefusal(io, options, error);
  }
  if (options.json === true) printJson(io, { ok: true, ...output.json });
  else io.stdout(output.text);
}

/** Opens the hub in the data directory the options name (checking it is initialised unless told not to). */
export async function openHubFor(
  options: Pick<HubOptions, 'data'>,
  requireInitialised = true,
): Promise<HubContext> {
  const config = loadHubConfig(options.data === undefined ? {} : { dataDir: options.data });
  if (requireInitialised && !new HubHome(config.dataDir).initialised) {
    throw new VkhidError('HUB_NOT_INITIALISED', { args: [config.dataDir] });
  }
  return openHub({ dataDir: config.dataDir });
}

/**
 * With `--json`, prints a coded refusal as JSON and returns the exit to throw; usage errors and internal
 * errors (and everything without `--json`) are returned unchanged for runCli to report on standard error.
 */
function jsonRefusal(io: CliIo, options: HubOptions, error: unknown): unknown {
  if (
    options.json !== true ||
    !(error instanceof VkhidError) ||
    error.code === 'INTERNAL' ||
    error.code === 'CLI_USAGE'
  ) {
    return error;
  }
  printJson(io, {
    ok: false,
    code: error.code,
    message: error.message,
    ...(error.field === undefined ? {} : { field: error.field }),
  });
  return new CliExit(ExitCode.Refused);
}

export function usageError(message: string): VkhidError {
  return new VkhidError('CLI_USAGE', { args: [message] });
}

/** A whole number of at least `min` given on the command line; anything else is a usage error. */
export function parseWholeNumber(value: string | undefined, option: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value) || Number(value) < min) {
    throw usageError(
      `${option} must be a whole number${min > 0 ? ` of at least ${min}` : ''}, not ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}

/** One of `allowed`, or a usage error naming them. */
export function parseChoice<T extends string>(value: string, option: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw usageError(`${option} must be one of ${allowed.join(', ')}, not ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** `a,b, c` as ['a', 'b', 'c'] (empty items dropped). */
export function parseList(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];

/** A plain-text table: a header row and left-aligned columns two spaces apart, or `empty` when there are no rows. */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  empty: string,
): string {
  if (rows.length === 0) return `${empty}\n`;
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}

/** A certificate record as commands print it: everything but the PEM (the certificate file is the PEM). */
export function certificateSummary(record: CertificateRecord): Omit<CertificateRecord, 'pem'> {
  const { pem, ...summary } = record;
  void pem;
  return summary;
}

/** `2026-01-31T10:00:00.000Z` as `2026-01-31 10:00Z`: short enough for a table. */
export function shortInstant(iso: string | null): string {
  if (iso === null) return '-';
  return iso.replace('T', ' ').replace(/:\d{2}(\.\d+)?Z$/, 'Z');
}
