import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { builtinAdapterRegistry } from '../adapters/builtin-adapters.js';
import type { AdapterContext } from '../adapters/adapter.js';
import { contentDerivedIds } from '../intake/native-intake.js';
import { loadHubConfig } from '../config/hub-config.js';
import { VkhidError } from '../errors/vkhid-error.js';
import { packageRoot } from '../package-paths.js';
import { readFile } from '../pki/pem.js';
import { createHash } from 'node:crypto';
import { printJson, type CliIo } from './cli-io.js';
import { formatTable } from './hub-options.js';

interface ConvertOptions {
  adapter: string;
  to: string;
  out?: string;
  settings?: string;
  mediaType?: string;
  participant?: string;
}

/**
 * `vkhid adapters`: the adapters this hub has. `vkhid convert`: one document through one adapter, offline and
 * unsigned, so an integrator can check a mapping before connecting; it runs the same runtime checks as the
 * hub (size cap, the envelope XSD on canonical output, the native schema on native output).
 */
export function registerAdapterCommands(program: Command, io: CliIo): void {
  program
    .command('adapters')
    .description('list the adapters this hub has (name, version, media types, directions)')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) => {
      const manifests = builtinAdapterRegistry().manifests();
      if (options.json === true) {
        printJson(io, { adapters: manifests });
        return;
      }
      io.stdout(
        formatTable(
          ['NAME', 'VERSION', 'READS', 'WRITES', 'DESCRIPTION'],
          manifests.map((m) => [m.name, m.version, m.reads.join(' '), m.writes.join(' '), m.description]),
          'no adapters',
        ),
      );
    });

  program
    .command('convert')
    .description(
      'convert FILE with an adapter, offline and unsigned: --to canonical reads the agency format and writes ' +
        'the canonical envelope; --to native reads a canonical envelope and writes the agency format. A ' +
        'refusal prints its code (and the field) and exits 1',
    )
    .argument('<file>')
    .requiredOption('--adapter <name>', 'the adapter (see `vkhid adapters`)')
    .requiredOption('--to <direction>', 'canonical or native')
    .option('--settings <file.json>', "the participant's adapter settings (default: the adapter's example)")
    .option('--media-type <type>', "the input's media type (default: the adapter's first)")
    .option('--participant <code>', 'the participant the format belongs to (default: from the document)')
    .option('--out <file>', 'write the result here instead of standard output')
    .action(async (file: string, options: ConvertOptions) => {
      if (options.to !== 'canonical' && options.to !== 'native') {
        throw new VkhidError('CLI_USAGE', { args: ['--to must be canonical or native'] });
      }
      const registry = builtinAdapterRegistry();
      const adapter = registry.create(options.adapter, settingsFor(options));
      const bytes = readFile(file);
      const hubCode = loadHubConfig().hub.code;
      const context = (participantCode: string): AdapterContext => ({
        hubCode,
        participantCode,
        now: () => new Date(),
        newId: contentDerivedIds(participantCode, createHash('sha256').update(bytes).digest('hex')),
      });
      let output: Uint8Array;
      if (options.to === 'canonical') {
        const mediaType = options.mediaType ?? adapter.manifest.reads[0] ?? 'application/octet-stream';
        const result = await adapter.toCanonical(
          { bytes, mediaType, fileName: file },
          context(options.participant ?? hubCode),
        );
        output = Buffer.from(result.xml, 'utf8');
      } else {
        const canonical = registry.create('canonical');
        const { envelope } = await canonical.toCanonical(
          { bytes, mediaType: 'application/xml' },
          context(options.participant ?? hubCode),
        );
        const native = await adapter.fromCanonical(
          envelope,
          context(options.participant ?? envelope.header.recipient),
        );
        output = native.bytes;
        if (options.out === undefined && !/xml|json|csv|text/.test(native.mediaType)) {
          throw new VkhidError('CLI_USAGE', { args: [`the result is ${native.mediaType}: give --out FILE`] });
        }
      }
      if (options.out === undefined) io.stdout(Buffer.from(output).toString('utf8'));
      else writeFileSync(options.out, output);
    });
}

function settingsFor(options: ConvertOptions): Record<string, unknown> {
  const path = options.settings ?? join(packageRoot, 'adapters', options.adapter, 'example-settings.json');
  if (options.settings === undefined && !existsSync(path)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new VkhidError('CLI_FILE_UNREADABLE', { args: [path, (error as Error).message], cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new VkhidError('CLI_USAGE', { args: [`${path} must hold a JSON object of adapter settings`] });
  }
  return parsed as Record<string, unknown>;
}
