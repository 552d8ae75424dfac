import { Command, CommanderError } from 'commander';
import { CliExit, ExitCode, reportError, type CliIo } from './cli-io.js';
import { registerAdminUserCommands } from './admin-user-command.js';
import { registerAuditCommands } from './audit-command.js';
import { registerCertCommands } from './cert-command.js';
import { registerEnvelopeCommands } from './envelope-command.js';
import { registerInitCommand } from './init-command.js';
import { registerJobsCommand } from './jobs-command.js';
import { registerLedgerCommands } from './ledger-command.js';
import { registerMemorandumCommands } from './memorandum-command.js';
import { registerParticipantCommands } from './participant-command.js';
import { registerQueueCommands } from './queue-command.js';
import { registerReportCommand } from './report-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerTrackCommands } from './track-command.js';
import { builtinAdapterRegistry } from '../adapters/builtin-adapters.js';
import { NativeIntake } from '../intake/native-intake.js';
import { registerAdapterCommands } from './adapter-command.js';
import { registerExportCommand } from './export-command.js';
import { registerImportCommand } from './import-command.js';

/** Builds the `vkhid` command tree writing to `io`. */
export function createProgram(io: CliIo): Command {
  const program = new Command('vkhid')
    .description("Vkhid: the exchange hub between government agencies' EDMS")
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) });
  registerEnvelopeCommands(program, io);
  registerInitCommand(program, io);
  registerParticipantCommands(program, io);
  registerMemorandumCommands(program, io);
  registerCertCommands(program, io);
  registerAuditCommands(program, io);
  registerLedgerCommands(program, io);
  registerTrackCommands(program, io);
  registerAdminUserCommands(program, io);
  registerQueueCommands(program, io);
  registerReportCommand(program, io);
  registerJobsCommand(program, io);
  registerServeCommand(program, io);
  registerAdapterCommands(program, io);
  registerImportCommand(program, io, {
    adapters: () => builtinAdapterRegistry(),
    submitter: (hub, adapters) => {
      const intake = new NativeIntake(hub, adapters);
      return (envelope, origin) => intake.acceptCanonical(envelope, origin);
    },
  });
  registerExportCommand(program, io, { adapters: () => builtinAdapterRegistry() });
  // Subcommands inherit exitOverride and output settings only when set on each of them.
  const configure = (command: Command): void => {
    command
      .exitOverride()
      .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) });
    command.commands.forEach(configure);
  };
  program.commands.forEach(configure);
  return program;
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code; never calls process.exit. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    await createProgram(io).parseAsync([...argv], { from: 'user' });
    return ExitCode.Ok;
  } catch (error) {
    if (error instanceof CliExit) return error.exitCode;
    if (error instanceof CommanderError) {
      // Commander already printed its message (help, version, unknown option...).
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    return reportError(io, error);
  }
}
