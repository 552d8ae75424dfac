import { VkhidError } from '../errors/vkhid-error.js';

/** Where a command writes; tests pass buffers, `main` passes the process streams. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Exit codes: scripts rely on them. */
export const ExitCode = {
  Ok: 0,
  /** The input was examined and refused (invalid signature, schema error, ...). */
  Refused: 1,
  /** The command line itself was wrong. */
  Usage: 2,
} as const;

export class CliExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = 'CliExit';
  }
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints a refusal as `vkhid: CODE: message` and returns the exit code for it. */
export function reportError(io: CliIo, error: unknown): number {
  const coded = VkhidError.from(error);
  if (coded.code === 'INTERNAL') {
    io.stderr(
      `vkhid: INTERNAL: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  } else {
    const field = coded.field === undefined ? '' : ` (field: ${coded.field})`;
    io.stderr(`vkhid: ${coded.code}: ${coded.message}${field}\n`);
  }
  return coded.code === 'CLI_USAGE' ? ExitCode.Usage : ExitCode.Refused;
}
