/**
 * `vkhid import FILE --from CODE`: a contact-center export of routed appeals, row by row into the hub. Each
 * row is converted by the participant's `contact-center-csv` adapter (through the hub's runtime wrapper, so
 * the size cap and the envelope XSD apply) and submitted to the intake for converted documents, which signs
 * it on the participant's behalf and stores it with its delivery job in one transaction. A row is therefore
 * stored whole or not at all; a refused row is reported and the rows after it still go through.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { contactCenterCsvAdapter } from '../../adapters/contact-center-csv/contact-center-csv-adapter.js';
import { splitCsvRows, type CsvRow } from '../../adapters/contact-center-csv/split-csv-rows.js';
import type { AdapterContext } from '../adapters/adapter.js';
import { AdapterRegistry } from '../adapters/adapter-registry.js';
import type { RuntimeAdapter } from '../adapters/runtime-adapter.js';
import type { Envelope } from '../envelope/envelope-model.js';
import { VkhidError } from '../errors/vkhid-error.js';
import type { HubContext } from '../hub/hub-context.js';
import type { NativeOrigin } from '../intake/native-intake.js';
import type { Participant } from '../registry/registry-model.js';
import { CliExit, ExitCode, type CliIo } from './cli-io.js';
import { formatTable, runHubCommand, usageError, withHubOptions, type HubOptions } from './hub-options.js';

export const CONTACT_CENTER_ADAPTER = contactCenterCsvAdapter.manifest.name;

/** What the intake answers for a stored message (the `IntakeOutcome` fields this command reports). */
export interface CanonicalSubmission {
  readonly outcome: 'accepted' | 'repeated';
  readonly messageId: string;
}

/** Submits one canonical message on behalf of a participant: `NativeIntake.acceptCanonical`. */
export type SubmitCanonical = (envelope: Envelope, origin: NativeOrigin) => Promise<CanonicalSubmission>;

export interface ImportCommandOptions {
  /** Binds the hub's intake for converted documents to an open hub (run-cli passes NativeIntake's). */
  readonly submitter: (hub: HubContext, adapters: AdapterRegistry) => SubmitCanonical;
  /** The hub's adapters (default: a registry holding the contact-center-csv module). */
  readonly adapters?: () => AdapterRegistry;
  /**
   * Where the progress bar is drawn: default standard error when it is a terminal. `null`, or a stream that
   * is not a terminal, gives a summary line on standard error instead.
   */
  readonly progressStream?: (NodeJS.WritableStream & { isTTY?: boolean }) | null;
  readonly now?: () => Date;
}

export const IMPORT_VIA = 'cli-import';

export type RowOutcome = 'accepted' | 'repeated' | 'refused';

/** One line of the import report. */
export interface ImportedRow {
  readonly row: number;
  readonly line: number;
  readonly tracking: string | null;
  readonly outcome: RowOutcome;
  readonly messageId: string | null;
  readonly code: string | null;
  readonly field: string | null;
  readonly message: string | null;
}

interface ImportOptions extends HubOptions {
  from: string;
  report?: string;
}

export function defaultAdapters(): AdapterRegistry {
  return new AdapterRegistry().register(contactCenterCsvAdapter);
}

/** `vkhid import`: see the file comment. */
export function registerImportCommand(program: Command, io: CliIo, options: ImportCommandOptions): void {
  withHubOptions(
    program
      .command('import')
      .description("import a contact center's CSV export of routed appeals, one message per row")
      .argument('<file>', 'the CSV export (UTF-8 or windows-1251, ; or , as delimiter)')
      .requiredOption(
        '--from <code>',
        'the contact center (a participant using the contact-center-csv adapter)',
      )
      .option('--report <file>', 'also write the per-row report to FILE (JSON if it ends in .json, else CSV)')
      .addHelpText(
        'after',
        '\nExit status: 0 when every row was accepted (or had been before), 1 when some rows were refused or\n' +
          'the file could not be read as a whole (the report names each refused row), 2 for usage errors.\n',
      ),
  ).action(async (file: string, commandOptions: ImportOptions) => {
    let refused = 0;
    await runHubCommand(io, commandOptions, async (hub) => {
      const bytes = readInput(file);
      const adapters = (options.adapters ?? defaultAdapters)();
      const { participant, adapter } = await contactCenterAdapterFor(hub, commandOptions.from, adapters);
      const { rows } = splitCsvRows(bytes, participant.adapterSettings, basename(file));
      const all = [...rows];
      const context: AdapterContext = {
        hubCode: hub.config.hub.code,
        participantCode: participant.code,
        now: options.now ?? (() => new Date()),
        newId: randomUUID,
      };
      const submit = options.submitter(hub, adapters);
      const progress = new ImportProgress(io, basename(file), all.length, options.progressStream);
      const report: ImportedRow[] = [];
      try {
        for (const row of all) {
          const result = await importRow(row, adapter, context, submit);
          report.push(result);
          progress.tick(result.outcome);
        }
      } finally {
        progress.stop();
      }
      const summary = summarise(report);
      refused = summary.refused;
      if (commandOptions.report !== undefined) writeReport(commandOptions.report, report);
      return {
        json: { ok: refused === 0, file, participant: participant.code, summary, rows: report },
        text: formatTable(
          ['ROW', 'LINE', 'TRACKING', 'OUTCOME', 'CODE', 'FIELD', 'MESSAGE'],
          report.map((r) => [
            String(r.row),
            String(r.line),
            r.tracking ?? '-',
            r.outcome,
            r.code ?? '-',
            r.field ?? '-',
            r.message ?? '-',
          ]),
          'the file has no data rows',
        ),
      };
    });
    if (refused > 0) throw new CliExit(ExitCode.Refused);
  });
}

/**
 * The runtime adapter of participant `code`, which must exist (PARTICIPANT_NOT_FOUND) and exchange CSV with
 * the hub: a participant on another adapter is a mistyped `--from`/`--to`, a usage error.
 */
export async function contactCenterAdapterFor(
  hub: HubContext,
  code: string,
  adapters: AdapterRegistry,
): Promise<{ participant: Participant; adapter: RuntimeAdapter }> {
  const participant = await hub.registry.getParticipant(code);
  if (participant.adapter !== CONTACT_CENTER_ADAPTER) {
    throw usageError(
      `participant ${code} uses the ${participant.adapter} adapter; this command works with ${CONTACT_CENTER_ADAPTER} participants`,
    );
  }
  return { participant, adapter: adapters.create(CONTACT_CENTER_ADAPTER, participant.adapterSettings) };
}

async function importRow(
  row: CsvRow,
  adapter: RuntimeAdapter,
  context: AdapterContext,
  submit: SubmitCanonical,
): Promise<ImportedRow> {
  try {
    const { envelope } = await adapter.toCanonical(row.document, context);
    const stored = await submit(envelope, {
      participantCode: context.participantCode,
      via: IMPORT_VIA,
      nativeSha256: createHash('sha256').update(row.document.bytes).digest('hex'),
    });
    return {
      row: row.row,
      line: row.line,
      tracking: envelope.header.tracking ?? null,
      outcome: stored.outcome,
      messageId: stored.messageId,
      code: null,
      field: null,
      message: null,
    };
  } catch (error) {
    const coded = VkhidError.from(error);
    return {
      row: row.row,
      line: row.line,
      tracking: row.tracking ?? null,
      outcome: 'refused',
      messageId: null,
      code: coded.code,
      field: coded.field ?? null,
      message: coded.message,
    };
  }
}

export function summarise(report: readonly ImportedRow[]): Record<'rows' | RowOutcome, number> {
  const count = (outcome: RowOutcome) => report.filter((r) => r.outcome === outcome).length;
  return {
    rows: report.length,
    accepted: count('accepted'),
    repeated: count('repeated'),
    refused: count('refused'),
  };
}

function readInput(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new VkhidError('CLI_FILE_UNREADABLE', {
      args: [file, (error as NodeJS.ErrnoException).code ?? String(error)],
      cause: error,
    });
  }
}

const REPORT_COLUMNS = [
  'row',
  'line',
  'tracking',
  'outcome',
  'messageId',
  'code',
  'field',
  'message',
] as const;

/** The report as JSON, or as CSV (UTF-8 with a BOM and `;`, as spreadsheets in Ukraine open it). */
function writeReport(path: string, report: readonly ImportedRow[]): void {
  const content = path.toLowerCase().endsWith('.json')
    ? `${JSON.stringify(report, null, 2)}\n`
    : `\ufeff${stringify(
        [[...REPORT_COLUMNS], ...report.map((r) => REPORT_COLUMNS.map((key) => String(r[key] ?? '')))],
        { delimiter: ';', record_delimiter: '\r\n', quoted_match: /[\r\n]/ },
      )}`;
  try {
    writeFileSync(path, content);
  } catch (error) {
    throw new VkhidError('CLI_FILE_UNWRITABLE', {
      args: [path, (error as NodeJS.ErrnoException).code ?? String(error)],
      cause: error,
    });
  }
}

/**
 * The progress of an import on standard error: a bar with running counts when that is a terminal, otherwise
 * (a log, a pipe, a scheduled job) one summary line at the end, so no escape codes land in a log file.
 */
class ImportProgress {
  private readonly bar: SingleBar | undefined;
  private readonly counts = { accepted: 0, repeated: 0, refused: 0 };

  constructor(
    private readonly io: CliIo,
    private readonly file: string,
    private readonly total: number,
    stream: ImportCommandOptions['progressStream'],
  ) {
    const target = stream === undefined ? process.stderr : stream;
    if (target !== null && target.isTTY === true) {
      this.bar = new SingleBar({
        stream: target,
        format: `${file} [{bar}] {value}/{total} rows | accepted {accepted} | repeated {repeated} | refused {refused}`,
        hideCursor: false,
        clearOnComplete: false,
      });
      this.bar.start(total, 0, this.counts);
    }
  }

  tick(outcome: RowOutcome): void {
    this.counts[outcome]++;
    this.bar?.increment(1, this.counts);
  }

  stop(): void {
    if (this.bar !== undefined) {
      this.bar.stop();
      return;
    }
    const { accepted, repeated, refused } = this.counts;
    this.io.stderr(
      `${this.file}: ${this.total} rows: ${accepted} accepted, ${repeated} repeated, ${refused} refused\n`,
    );
  }
}
