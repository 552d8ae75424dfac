import { basename } from 'node:path';
import type { Command } from 'commander';
import { readFile } from '../pki/pem.js';
import type { NewMemorandum } from '../registry/registry.js';
import {
  MEMORANDUM_STATUSES,
  type Memorandum,
  type MemorandumStatus,
  type ScopeKind,
} from '../registry/registry-model.js';
import type { CliIo } from './cli-io.js';
import {
  cliActor,
  formatTable,
  parseChoice,
  parseList,
  runHubCommand,
  withHubOptions,
  type HubOptions,
} from './hub-options.js';

interface AddOptions extends HubOptions {
  participant: string;
  number: string;
  signed: string;
  from: string;
  until?: string;
  scope: string;
  channels?: string;
  file?: string;
  draft?: boolean;
}

export const DEFAULT_MEMORANDUM_ACTIVATION_REASON = 'activated by administrator';

/** `vkhid memorandum add|list|suspend|activate|terminate|expire`. */
export function registerMemorandumCommands(program: Command, io: CliIo): void {
  const memorandum = program
    .command('memorandum')
    .description('register and manage the memoranda that bind participants');

  withHubOptions(
    memorandum
      .command('add')
      .description(
        'register a memorandum (in force from --from while active; --draft registers it not yet in force)',
      )
      .requiredOption('--participant <code>', "the participant's ЄДРПОУ code")
      .requiredOption('--number <number>', "the memorandum's number")
      .requiredOption('--signed <date>', 'signing date, YYYY-MM-DD')
      .requiredOption('--from <date>', 'effective from, YYYY-MM-DD (Kyiv calendar)')
      .option('--until <date>', 'effective until, YYYY-MM-DD inclusive (default: open-ended)')
      .requiredOption('--scope <kinds>', 'comma-separated kinds covered: appeal, public-info, sensitive')
      .option(
        '--channels <channels>',
        'comma-separated channels covered (default: every channel): hotline, web, email, post, in-person',
      )
      .option('--file <file>', 'the signed document (kept with its SHA-256)')
      .option('--draft', 'register as a draft, not yet in force'),
  ).action((options: AddOptions) =>
    runHubCommand(io, options, async (hub) => {
      const input: NewMemorandum = {
        participantCode: options.participant,
        number: options.number,
        signedOn: options.signed,
        effectiveFrom: options.from,
        effectiveUntil: options.until ?? null,
        // The registry checks each kind and channel: an unknown one is MEMORANDUM_INVALID.
        scopeKinds: parseList(options.scope) as ScopeKind[],
        scopeChannels: parseList(options.channels),
        ...(options.file === undefined
          ? {}
          : { document: { name: basename(options.file), bytes: readFile(options.file) } }),
        draft: options.draft === true,
      };
      const added = await hub.registry.addMemorandum(input, cliActor());
      return {
        json: { memorandum: added },
        text: `registered memorandum ${added.number} of ${added.participantCode} (${describePeriod(added)}), status ${added.status}, id ${added.id}\n`,
      };
    }),
  );

  withHubOptions(
    memorandum
      .command('list')
      .description('list memoranda')
      .option('--participant <code>', "only this participant's memoranda")
      .option('--status <status>', `only memoranda in this status (${MEMORANDUM_STATUSES.join(', ')})`),
  ).action((options: HubOptions & { participant?: string; status?: string }) => {
    const status =
      options.status === undefined ? undefined : parseChoice(options.status, '--status', MEMORANDUM_STATUSES);
    return runHubCommand(io, options, async (hub) => {
      const memoranda = (
        await hub.registry.listMemoranda(
          options.participant === undefined ? {} : { participantCode: options.participant },
        )
      ).filter((m) => status === undefined || m.status === status);
      return {
        json: { memoranda },
        text: formatTable(
          ['NUMBER', 'PARTICIPANT', 'STATUS', 'FROM', 'UNTIL', 'SCOPE', 'CHANNELS', 'ID'],
          memoranda.map((m) => [
            m.number,
            m.participantCode,
            m.status,
            m.effectiveFrom,
            m.effectiveUntil ?? '-',
            m.scopeKinds.join(','),
            m.scopeChannels.length === 0 ? 'all' : m.scopeChannels.join(','),
            m.id,
          ]),
          'no memoranda',
        ),
      };
    });
  });

  const statusCommand = (
    name: string,
    to: MemorandumStatus,
    description: string,
    defaultReason?: string,
  ): void => {
    const command = memorandum.command(name).description(description).argument('<id-or-number>');
    if (defaultReason === undefined)
      command.requiredOption('--reason <reason>', 'why (kept in the audit trail)');
    else command.option('--reason <reason>', `why (default "${defaultReason}")`, defaultReason);
    withHubOptions(command).action((reference: string, options: HubOptions & { reason: string }) =>
      runHubCommand(io, options, async (hub) => {
        const changed = await hub.registry.setMemorandumStatus(reference, to, options.reason, cliActor());
        return {
          json: { memorandum: changed },
          text: `memorandum ${changed.number} of ${changed.participantCode} is now ${changed.status}: ${changed.statusReason}\n`,
        };
      }),
    );
  };
  statusCommand('suspend', 'suspended', 'suspend a memorandum: it is not in force until activated again');
  statusCommand(
    'activate',
    'active',
    'bring a draft or suspended memorandum into force',
    DEFAULT_MEMORANDUM_ACTIVATION_REASON,
  );
  statusCommand('terminate', 'terminated', 'terminate a memorandum for good');

  withHubOptions(
    memorandum
      .command('expire')
      .description('expire the memoranda whose end date has passed (what the daily job does)'),
  ).action((options: HubOptions) =>
    runHubCommand(io, options, async (hub) => {
      const expired = await hub.registry.expireMemoranda(cliActor());
      return {
        json: { expired },
        text:
          expired.length === 0
            ? 'no memorandum was due to expire\n'
            : `${expired.map((m) => `expired memorandum ${m.number} of ${m.participantCode} (${describePeriod(m)})`).join('\n')}\n`,
      };
    }),
  );
}

function describePeriod(m: Memorandum): string {
  const channels = m.scopeChannels.length === 0 ? '' : ` via ${m.scopeChannels.join(', ')}`;
  return `${m.scopeKinds.join(', ')}${channels}, from ${m.effectiveFrom}${m.effectiveUntil === null ? '' : ` until ${m.effectiveUntil}`}`;
}
