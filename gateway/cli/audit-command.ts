import type { Command } from 'commander';
import { VkhidError } from '../errors/vkhid-error.js';
import type { HubContext } from '../hub/hub-context.js';
import type { AuditEntry } from '../registry/registry-model.js';
import type { CliIo } from './cli-io.js';
import {
  parseChoice,
  parseWholeNumber,
  runHubCommand,
  withHubOptions,
  type HubOptions,
} from './hub-options.js';

const ENTITIES = ['participant', 'memorandum', 'certificate'] as const;
type Entity = (typeof ENTITIES)[number];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `vkhid audit list`: who changed what in the registry, when, with the record before and after. */
export function registerAuditCommands(program: Command, io: CliIo): void {
  const audit = program
    .command('audit')
    .description('the audit trail of every change to participants, memoranda and certificates');

  withHubOptions(
    audit
      .command('list')
      .description('list audit entries, oldest first')
      .option('--entity <entity>', `only changes to this kind of record (${ENTITIES.join(', ')})`)
      .option(
        '--id <id>',
        'only changes to this record: a participant code, a memorandum id (or its number, with --entity memorandum), a certificate serial (or fingerprint, with --entity certificate)',
      )
      .option(
        '--limit <n>',
        'at most this many entries: the latest ones, listed oldest first (default 1000)',
      ),
  ).action((options: HubOptions & { entity?: string; id?: string; limit?: string }) => {
    const entity =
      options.entity === undefined ? undefined : parseChoice(options.entity, '--entity', ENTITIES);
    const limit = parseWholeNumber(options.limit, '--limit', 1);
    return runHubCommand(io, options, async (hub) => {
      const entityId = options.id === undefined ? undefined : await resolveEntityId(hub, entity, options.id);
      const entries = await hub.registry.auditTrail({
        ...(entity === undefined ? {} : { entity }),
        ...(entityId === undefined ? {} : { entityId }),
        ...(limit === undefined ? {} : { limit }),
      });
      return {
        json: { entries },
        text: entries.length === 0 ? 'no audit entries\n' : entries.map(formatEntry).join(''),
      };
    });
  });
}

/** The id the audit trail files a record under, from what an administrator is likely to type. */
async function resolveEntityId(hub: HubContext, entity: Entity | undefined, id: string): Promise<string> {
  if (entity === 'memorandum' && !UUID.test(id)) {
    const matches = (await hub.registry.listMemoranda()).filter((m) => m.number === id);
    if (matches.length > 1) {
      throw new VkhidError('MEMORANDUM_INVALID', {
        args: [`number ${id} is used by several participants: give the id`],
        field: 'id',
      });
    }
    return matches[0]?.id ?? id;
  }
  if (entity === 'certificate') {
    try {
      return (await hub.registry.getCertificate(id)).serialNumber;
    } catch (error) {
      if (error instanceof VkhidError && error.code === 'CERT_NOT_FOUND')
        return id.replace(/^0x/i, '').toUpperCase();
      throw error;
    }
  }
  return id;
}

function formatEntry(entry: AuditEntry): string {
  const lines = [`${entry.at}  ${entry.actor}  ${entry.action}  ${entry.entity} ${entry.entityId}`];
  if (entry.before === null) lines.push('  (new record)');
  else if (entry.after === null) lines.push('  (removed)');
  for (const [field, before, after] of changedFields(entry.before, entry.after)) {
    lines.push(`  ${field}: ${entry.before === null ? '' : `${brief(before)} -> `}${brief(after)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The top-level fields whose values differ between before and after (all of them for a new record). */
function changedFields(before: unknown, after: unknown): [string, unknown, unknown][] {
  const asRecord = (value: unknown): Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  const a = asRecord(before);
  const b = asRecord(after);
  const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return fields
    .filter((field) => JSON.stringify(a[field]) !== JSON.stringify(b[field]))
    .map((field) => [field, a[field], b[field]]);
}

function brief(value: unknown): string {
  const text = value === undefined ? '-' : JSON.stringify(value);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}
