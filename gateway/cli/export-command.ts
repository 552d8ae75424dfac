/**
 * `vkhid export --to CODE`: what agencies sent the contact center (receipts, statuses, answers, errors), as
 * one CSV in the contact center's encoding and delimiter, under one header, in the order the hub accepted
 * the messages. Each message is written by the participant's `contact-center-csv` adapter through the hub's
 * runtime wrapper; the rows are then joined under the header.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { csvReplyHeader, joinCsvDocuments } from '../../adapters/contact-center-csv/join-csv-documents.js';
import type { AdapterContext, NativeDocument } from '../adapters/adapter.js';
import type { AdapterRegistry } from '../adapters/adapter-registry.js';
import type { MessageType } from '../envelope/envelope-model.js';
import { readEnvelope } from '../envelope/envelope-reader.js';
import { VkhidError } from '../errors/vkhid-error.js';
import type { Row } from '../store/store-driver.js';
import { CliExit, ExitCode, type CliIo } from './cli-io.js';
import { runHubCommand, usageError, withHubOptions, type HubOptions } from './hub-options.js';
import { contactCenterAdapterFor, defaultAdapters } from './import-command.js';

/** The message types sent back to a contact center (it sends the appeals itself). */
export const EXPORTED_TYPES = [
  'receipt',
  'status',
  'answer',
  'error',
] as const satisfies readonly MessageType[];

export interface ExportCommandOptions {
  /** The hub's adapters (default: a registry holding the contact-center-csv module). */
  readonly adapters?: () => AdapterRegistry;
  readonly now?: () => Date;
}

interface ExportOptions extends HubOptions {
  to: string;
  since?: string;
  out?: string;
}

/** A message that could not be written (its row is left out of the file and reported). */
interface ExportFailure {
  readonly messageId: string;
  readonly type: string;
  readonly code: string;
  readonly field: string | null;
  readonly message: string;
}

export function registerExportCommand(program: Command, io: CliIo, options: ExportCommandOptions = {}): void {
  withHubOptions(
    program
      .command('export')
      .description('export the receipts, statuses, answers and errors addressed to a contact center as CSV')
      .requiredOption(
        '--to <code>',
        'the contact center (a participant using the contact-center-csv adapter)',
      )
      .option(
        '--since <iso>',
        'only messages the hub accepted at or after this instant (2026-03-01T00:00:00+02:00; a date alone is midnight UTC)',
      )
      .option('--out <file>', "write the CSV here, in the participant's encoding (default: standard output)")
      .addHelpText(
        'after',
        '\nThe summary (and --json) gives `until`, the acceptance time of the last message exported: pass it as the\n' +
          'next --since. --since is inclusive, so that boundary message comes again; its message id tells it.\n' +
          'Exit status: 0 when every message was written, 1 when some could not be (they are listed), 2 for usage errors.\n',
      ),
  ).action(async (commandOptions: ExportOptions) => {
    const since = commandOptions.since === undefined ? undefined : parseSince(commandOptions.since);
    let failed = 0;
    await runHubCommand(io, commandOptions, async (hub) => {
      const adapters = (options.adapters ?? defaultAdapters)();
      const { participant, adapter } = await contactCenterAdapterFor(hub, commandOptions.to, adapters);
      const rows = await hub.store.read((db) =>
        db.query<Row>(
          `SELECT message_id, type, signed_xml, received_at FROM messages
            WHERE recipient = ? AND type IN (${EXPORTED_TYPES.map(() => '?').join(', ')})
            ${since === undefined ? '' : 'AND received_at >= ?'}
            ORDER BY received_at, message_id`,
          [participant.code, ...EXPORTED_TYPES, ...(since === undefined ? [] : [since])],
        ),
      );
      const context: AdapterContext = {
        hubCode: hub.config.hub.code,
        participantCode: participant.code,
        now: options.now ?? (() => new Date()),
        newId: randomUUID,
      };
      const documents: NativeDocument[] = [];
      const failures: ExportFailure[] = [];
      const counts: Record<string, number> = Object.fromEntries(EXPORTED_TYPES.map((type) => [type, 0]));
      for (const row of rows) {
        try {
          const envelope = readEnvelope(String(row.signed_xml));
          documents.push(await adapter.fromCanonical(envelope, context));
          counts[envelope.header.type] = (counts[envelope.header.type] ?? 0) + 1;
        } catch (error) {
          const coded = VkhidError.from(error);
          failures.push({
            messageId: String(row.message_id),
            type: String(row.type),
            code: coded.code,
            field: coded.field ?? null,
            message: coded.message,
          });
        }
      }
      failed = failures.length;
      const csv = joinCsvDocuments(csvReplyHeader(participant.adapterSettings), documents);
      const until = rows.length === 0 ? null : String(rows[rows.length - 1]?.received_at);
      if (commandOptions.out !== undefined) writeOutput(commandOptions.out, csv.bytes);
      for (const failure of failures) {
        io.stderr(
          `vkhid: message ${failure.messageId} (${failure.type}) not exported: ${failure.code}: ${failure.message}\n`,
        );
      }
      const summary =
        `exported ${documents.length} message${documents.length === 1 ? '' : 's'} for ${participant.code} ` +
        `(${EXPORTED_TYPES.map((type) => `${counts[type]} ${type}`).join(', ')})` +
        `${commandOptions.out === undefined ? '' : ` to ${commandOptions.out}`}` +
        `${until === null ? '' : `; until ${until}`}` +
        `${failed === 0 ? '' : `; ${failed} could not be written`}\n`;
      const text = csvText(csv);
      if (commandOptions.out === undefined && commandOptions.json !== true) io.stderr(summary);
      return {
        json: {
          ok: failed === 0,
          participant: participant.code,
          since: since ?? null,
          until,
          exported: documents.length,
          counts,
          failures,
          ...(commandOptions.out === undefined ? { csv: text } : { out: commandOptions.out }),
        },
        text: commandOptions.out === undefined ? text : summary,
      };
    });
    if (failed > 0) throw new CliExit(ExitCode.Refused);
  });
}

/** An ISO 8601 date, or date-time with a zone, as the ISO UTC text `received_at` holds (compared as text). */
function parseSince(value: string): string {
  const pattern = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
  const at = new Date(value);
  if (!pattern.test(value) || Number.isNaN(at.getTime())) {
    throw usageError(
      `--since must be a date or a date-time with a zone (ISO 8601), not ${JSON.stringify(value)}`,
    );
  }
  return at.toISOString();
}

/** The CSV as text for standard output: decoded from its encoding, without a BOM. */
function csvText(csv: NativeDocument): string {
  const encoding = /charset=windows-1251/i.test(csv.mediaType) ? 'windows-1251' : 'utf-8';
  return new TextDecoder(encoding).decode(csv.bytes);
}

function writeOutput(path: string, bytes: Uint8Array): void {
  try {
    writeFileSync(path, bytes);
  } catch (error) {
    throw new VkhidError('CLI_FILE_UNWRITABLE', {
      args: [path, (error as NodeJS.ErrnoException).code ?? String(error)],
      cause: error,
    });
  }
}
