import type { Command } from 'commander';
import { VkhidError } from '../errors/vkhid-error.js';
import type { HubContext } from '../hub/hub-context.js';
import type { NewParticipant } from '../registry/registry.js';
import {
  PARTICIPANT_STATUSES,
  type Participant,
  type ParticipantStatus,
} from '../registry/registry-model.js';
import type { CliIo } from './cli-io.js';
import {
  certificateSummary,
  cliActor,
  collect,
  formatTable,
  parseChoice,
  runHubCommand,
  shortInstant,
  usageError,
  withHubOptions,
  type HubOptions,
} from './hub-options.js';

interface ParticipantFieldOptions extends HubOptions {
  name?: string;
  shortName?: string;
  endpoint?: string[];
  adapter?: string;
  adapterSettings?: string;
  edmsId?: string;
  edmsName?: string;
  alertContact?: string;
}

interface AddOptions extends ParticipantFieldOptions {
  code: string;
  kind: string;
}

interface UpdateOptions extends ParticipantFieldOptions {
  clearEndpoints?: boolean;
}

export const DEFAULT_ACTIVATION_REASON = 'activated by administrator';

/** `vkhid participant add|list|show|suspend|activate|withdraw|update`. */
export function registerParticipantCommands(program: Command, io: CliIo): void {
  const participant = program
    .command('participant')
    .description('register and manage participants (agencies, the contact center)');

  withFieldOptions(
    withHubOptions(
      participant
        .command('add')
        .description('register a participant (status pending until activated)')
        .requiredOption('--code <code>', 'ЄДРПОУ code (8 digits with a check digit)')
        .requiredOption('--name <name>', 'full name')
        .requiredOption('--kind <kind>', 'agency or contact-center'),
    ),
  ).action((options: AddOptions) =>
    runHubCommand(io, options, async (hub) => {
      const input: NewParticipant = {
        code: options.code,
        fullName: options.name ?? '',
        kind: options.kind as NewParticipant['kind'],
        ...fieldChanges(options),
      };
      const added = await hub.registry.addParticipant(input, cliActor());
      return {
        json: { participant: added },
        text: `registered ${added.kind} ${added.code} (${added.shortName}), status ${added.status}\n`,
      };
    }),
  );

  withHubOptions(
    participant
      .command('list')
      .description('list participants')
      .option('--status <status>', `only participants in this status (${PARTICIPANT_STATUSES.join(', ')})`),
  ).action((options: HubOptions & { status?: string }) => {
    const status =
      options.status === undefined
        ? undefined
        : parseChoice(options.status, '--status', PARTICIPANT_STATUSES);
    return runHubCommand(io, options, async (hub) => {
      const participants = await hub.registry.listParticipants(status === undefined ? {} : { status });
      return {
        json: { participants },
        text: formatTable(
          ['CODE', 'KIND', 'STATUS', 'ADAPTER', 'ENDPOINTS', 'NAME'],
          participants.map((p) => [
            p.code,
            p.kind,
            p.status,
            p.adapter,
            String(p.endpoints.length),
            p.shortName,
          ]),
          'no participants',
        ),
      };
    });
  });

  withHubOptions(
    participant
      .command('show')
      .description('a participant with its status history, memoranda and certificates')
      .argument('<code>'),
  ).action((code: string, options: HubOptions) =>
    runHubCommand(io, options, async (hub) => {
      const record = await hub.registry.getParticipant(code);
      const history = await statusHistory(hub, code);
      const memoranda = await hub.registry.listMemoranda({ participantCode: code });
      const certificates = (await hub.registry.listCertificates({ participantCode: code })).map(
        certificateSummary,
      );
      const lines = [
        `${record.code}  ${record.fullName}`,
        `  short name     ${record.shortName}`,
        `  kind           ${record.kind}`,
        `  status         ${record.status} since ${record.statusChangedAt} (${record.statusReason})`,
        `  EDMS           ${record.edmsName ?? '-'}${record.edmsId === null ? '' : ` [${record.edmsId}]`}`,
        `  adapter        ${record.adapter} ${JSON.stringify(record.adapterSettings)}`,
        `  endpoints      ${record.endpoints.length === 0 ? '- (pulls)' : record.endpoints.join(', ')}`,
        `  alert contact  ${record.alertContact ?? '-'}`,
        `  registered     ${record.createdAt}`,
        '',
        'status history:',
        ...history.map(
          (change) =>
            `  ${change.at}  ${change.from ?? '-'} -> ${change.to}  by ${change.by}: ${change.reason}`,
        ),
        '',
        'memoranda:',
        ...(memoranda.length === 0
          ? ['  none']
          : memoranda.map(
              (m) =>
                `  ${m.number}  ${m.status}  ${m.effectiveFrom}..${m.effectiveUntil ?? ''}  ${m.scopeKinds.join(',')}${m.scopeChannels.length === 0 ? '' : ` (${m.scopeChannels.join(',')})`}  id ${m.id}`,
            )),
        '',
        'certificates:',
        ...(certificates.length === 0
          ? ['  none']
          : certificates.map(
              (c) =>
                `  ${c.serialNumber}  ${c.role}  ${c.status}  until ${shortInstant(c.notAfter)}  ${c.subject}`,
            )),
      ];
      return {
        json: { participant: record, statusHistory: history, memoranda, certificates },
        text: `${lines.join('\n')}\n`,
      };
    }),
  );

  const statusCommand = (
    name: string,
    to: ParticipantStatus,
    description: string,
    defaultReason?: string,
  ): void => {
    const command = participant.command(name).description(description).argument('<code>');
    if (defaultReason === undefined)
      command.requiredOption('--reason <reason>', 'why (kept in the status history and the audit trail)');
    else command.option('--reason <reason>', `why (default "${defaultReason}")`, defaultReason);
    withHubOptions(command).action((code: string, options: HubOptions & { reason: string }) =>
      runHubCommand(io, options, async (hub) => {
        const changed = await hub.registry.setParticipantStatus(code, to, options.reason, cliActor());
        return {
          json: { participant: changed },
          text: `participant ${changed.code} is now ${changed.status}: ${changed.statusReason}\n`,
        };
      }),
    );
  };
  statusCommand(
    'suspend',
    'suspended',
    'suspend a participant: it may not exchange messages until activated again',
  );
  statusCommand(
    'activate',
    'active',
    'activate a pending or suspended participant',
    DEFAULT_ACTIVATION_REASON,
  );
  statusCommand('withdraw', 'withdrawn', 'withdraw a participant for good');

  withFieldOptions(
    withHubOptions(
      participant
        .command('update')
        .description(
          "change a participant's details (code and kind are fixed; an empty value clears an optional field)",
        )
        .argument('<code>')
        .option('--name <name>', 'full name')
        .option('--clear-endpoints', 'remove every endpoint (the participant pulls)'),
    ),
  ).action((code: string, options: UpdateOptions) => {
    if (options.clearEndpoints === true && options.endpoint !== undefined) {
      throw usageError('--clear-endpoints and --endpoint exclude each other');
    }
    const changes: Partial<Omit<NewParticipant, 'code' | 'kind'>> = {
      ...(options.name === undefined ? {} : { fullName: options.name }),
      ...fieldChanges(options),
      ...(options.clearEndpoints === true ? { endpoints: [] } : {}),
    };
    if (Object.keys(changes).length === 0) throw usageError('nothing to update: give at least one option');
    return runHubCommand(io, options, async (hub) => {
      const updated = await hub.registry.updateParticipant(code, changes, cliActor());
      return {
        json: { participant: updated },
        text: `updated participant ${updated.code}: ${Object.keys(changes).join(', ')}\n`,
      };
    });
  });
}

/** The options `add` and `update` share. */
function withFieldOptions(command: Command): Command {
  return command
    .option('--short-name <name>', 'short name (default: the full name)')
    .option(
      '--endpoint <url>',
      'an https endpoint the hub pushes to (repeatable, in order of preference)',
      collect,
    )
    .option('--adapter <name>', "the adapter for the participant's format (default canonical)")
    .option('--adapter-settings <json>', "the adapter's settings, a JSON object")
    .option('--edms-id <id>', "the identifier of the participant's EDMS")
    .option('--edms-name <name>', "the name of the participant's EDMS")
    .option('--alert-contact <contact>', 'where alerts about the participant go (e-mail or URL)');
}

/** The participant fields the options set; empty strings clear the nullable ones. */
function fieldChanges(
  options: ParticipantFieldOptions,
): Partial<Omit<NewParticipant, 'code' | 'kind' | 'fullName'>> {
  const nullable = (value: string | undefined): string | null | undefined =>
    value === undefined ? undefined : value === '' ? null : value;
  const changes: Partial<Omit<NewParticipant, 'code' | 'kind' | 'fullName'>> = {};
  if (options.shortName !== undefined) changes.shortName = options.shortName;
  if (options.endpoint !== undefined) changes.endpoints = options.endpoint;
  if (options.adapter !== undefined) changes.adapter = options.adapter;
  if (options.adapterSettings !== undefined)
    changes.adapterSettings = parseAdapterSettings(options.adapterSettings);
  const edmsId = nullable(options.edmsId);
  if (edmsId !== undefined) changes.edmsId = edmsId;
  const edmsName = nullable(options.edmsName);
  if (edmsName !== undefined) changes.edmsName = edmsName;
  const alertContact = nullable(options.alertContact);
  if (alertContact !== undefined) changes.alertContact = alertContact;
  return changes;
}

/** The JSON of `--adapter-settings`; the registry checks it is an object. */
function parseAdapterSettings(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new VkhidError('PARTICIPANT_INVALID', {
      args: [`adapter settings are not JSON: ${(error as Error).message}`],
      field: 'adapterSettings',
      cause: error,
    });
  }
}

export interface StatusChange {
  from: ParticipantStatus | null;
  to: ParticipantStatus;
  reason: string;
  at: string;
  by: string;
}

/**
 * The participant's status history, oldest first. The registry keeps it (participant_status_changes) but has
 * no method to read it yet, so it is read here through the store.
 */
async function statusHistory(hub: HubContext, code: Participant['code']): Promise<StatusChange[]> {
  const rows = await hub.store.read((tx) =>
    tx.query<{
      from_status: string | null;
      to_status: string;
      reason: string;
      changed_at: string;
      changed_by: string;
    }>(
      `SELECT from_status, to_status, reason, changed_at, changed_by FROM participant_status_changes WHERE participant_code = ? ORDER BY changed_at, id`,
      [code],
    ),
  );
  return rows.map((row) => ({
    from: row.from_status as ParticipantStatus | null,
    to: row.to_status as ParticipantStatus,
    reason: row.reason,
    at: row.changed_at,
    by: row.changed_by,
  }));
}
