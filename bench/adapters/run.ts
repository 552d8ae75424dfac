/**
 * Adapter benchmark (issue #5): conversion throughput of every built-in adapter, with its
 * `example-settings.json` (canonical: `{}`), through `RuntimeAdapter` as the hub runs it: size cap, deadline,
 * manifest checks and output validation included. For a ~4 KB appeal and a ~1 MB appeal with an attachment it
 * measures, in documents per second on one core:
 * - fromCanonical: canonical model → native document (plus the native schema check where the manifest has one);
 * - toCanonical: that native document → canonical model, plus the runtime's `buildEnvelope` and envelope XSD.
 * A format that cannot carry the document is reported as n/a, not measured on what is left of it (the contact
 * center's CSV cannot carry attachments, so its "1 MB" row would be a 1 KB row).
 *
 * `npm run bench:adapters [-- --update-readme]`; BENCH_SECONDS sets the time per figure (default 2). With
 * `--update-readme` the table replaces the block between the `<!-- bench:adapters -->` markers of README.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { AdapterContext, NativeDocument } from '../../gateway/adapters/adapter.js';
import { builtinAdapterRegistry } from '../../gateway/adapters/builtin-adapters.js';
import type { RuntimeAdapter } from '../../gateway/adapters/runtime-adapter.js';
import type { Envelope } from '../../gateway/envelope/envelope-model.js';
import { readEnvelope } from '../../gateway/envelope/envelope-reader.js';
import { packageRoot } from '../../gateway/package-paths.js';
import { appealOfSize } from '../support/appeal-of-size.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const CONTACT_CENTER = '00015622';

interface Subject {
  readonly name: string;
  /** The agency the appeal is addressed and routed to: one the adapter's example settings know. */
  readonly agency: string;
  /** Why an appeal with an attachment is not measured, when the format cannot carry one. */
  readonly noAttachments?: string;
}

const subjects: readonly Subject[] = [
  { name: 'canonical', agency: '37471933' },
  // Named in the example's orgNames, so the 1207 header carries its name instead of «ЄДРПОУ …».
  { name: 'sev-ovv-1207', agency: '37472062' },
  { name: 'medo-xdms', agency: '00022527' },
  { name: 'json-rest', agency: '00022527' },
  { name: 'contact-center-csv', agency: '00022527', noAttachments: 'a CSV cell cannot carry a file' },
];

const sizes = [
  // appealOfSize sizes a signed envelope and leaves about 1.9 KB for the signature; adapters see unsigned ones.
  { label: '4 KB', target: 4 * 1024 + 1904 },
  { label: '1 MB', target: 1024 * 1024 },
] as const;

const printed: string[] = [];
const print = (line = ''): void => {
  printed.push(line);
  console.log(line);
};

async function measure(run: () => Promise<unknown>): Promise<number> {
  // Warm up until the JIT has compiled the path (libxml2 is WebAssembly, and V8 takes about a second of use
  // to tier it up: a 0.3 s warm-up measured a tenth of the steady rate), then time three windows and keep the
  // median, so a burst of other work on the machine moves a figure less.
  await window(run, Math.max(1, seconds / 2));
  const rates = [
    await window(run, seconds / 3),
    await window(run, seconds / 3),
    await window(run, seconds / 3),
  ];
  return rates.sort((a, b) => a - b)[1]!;
}

async function window(run: () => Promise<unknown>, lengthSeconds: number): Promise<number> {
  let count = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(lengthSeconds * 1e9));
  let elapsed = 0n;
  do {
    await run();
    count += 1;
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < budget);
  return (count * 1e9) / Number(elapsed);
}

const rate = (value: number): string =>
  value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
const kilobytes = (bytes: number): string =>
  bytes >= 100 * 1024
    ? `${Math.round(bytes / 1024).toLocaleString('en-US')} KB`
    : `${(bytes / 1024).toFixed(1)} KB`;

function context(participantCode: string): AdapterContext {
  return {
    hubCode: '43395033',
    participantCode,
    now: () => new Date('2026-11-25T09:31:00+02:00'),
    newId: () => '00000000-0000-4000-8000-000000000001',
  };
}

function settingsOf(name: string): Record<string, unknown> {
  if (name === 'canonical') return {};
  const path = join(packageRoot, 'adapters', name, 'example-settings.json');
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

function appealFor(subject: Subject, target: number): Envelope {
  const xml = appealOfSize(target, (envelope) => {
    envelope.header.sender = CONTACT_CENTER;
    envelope.header.recipient = subject.agency;
    if (envelope.body.type === 'appeal') envelope.body.appeal.routing.target = subject.agency;
  });
  return readEnvelope(xml.replace(/^<\?xml[^?]*\?>/, ''));
}

interface Row {
  readonly adapter: string;
  readonly cells: Record<string, string>;
}

const startLoad = loadavg()[0] ?? 0;
const registry = builtinAdapterRegistry();
const rows: Row[] = [];
const figures: Record<string, number> = {};

console.log(
  `measuring ${subjects.length} adapters × ${sizes.length} sizes × 2 directions, ${seconds}s each…`,
);
for (const subject of subjects) {
  const runtime: RuntimeAdapter = registry.create(subject.name, settingsOf(subject.name));
  const cells: Record<string, string> = {};
  for (const size of sizes) {
    if (size.target > 8192 && subject.noAttachments !== undefined) {
      for (const column of ['native', 'from', 'to']) cells[`${column} ${size.label}`] = 'n/a';
      continue;
    }
    const envelope = appealFor(subject, size.target);
    const toRecipient = context(envelope.header.recipient);
    const fromSender = context(envelope.header.sender);
    const native: NativeDocument = await runtime.fromCanonical(envelope, toRecipient);
    const back = await runtime.toCanonical(native, fromSender); // fails fast if the setup is wrong
    if (back.envelope.body.type !== 'appeal')
      throw new Error(`${subject.name}: the appeal came back as ${back.envelope.body.type}`);
    cells[`native ${size.label}`] = kilobytes(native.bytes.length);
    if (runtime.supports('fromCanonical')) {
      const value = await measure(() => runtime.fromCanonical(envelope, toRecipient));
      figures[`fromCanonical/s ${size.label} ${subject.name}`] = value;
      cells[`from ${size.label}`] = rate(value);
    }
    if (runtime.supports('toCanonical')) {
      const value = await measure(() => runtime.toCanonical(native, fromSender));
      figures[`toCanonical/s ${size.label} ${subject.name}`] = value;
      cells[`to ${size.label}`] = rate(value);
    }
  }
  rows.push({ adapter: subject.name, cells });
}

const columns = sizes.flatMap((size) => [`native ${size.label}`, `from ${size.label}`, `to ${size.label}`]);
const canonicalSizes = sizes.map((size) => {
  const bytes = Buffer.byteLength(appealOfSize(size.target));
  return `${size.label} ${kilobytes(bytes)}${size.target > 8192 ? ' with one attachment' : ''}`;
});
print(
  `Vkhid adapter benchmark: node ${process.version}, ${cpus()[0]?.model ?? 'cpu'}, one core, through RuntimeAdapter, median of three windows over ${seconds}s per figure`,
);
print(
  `load average at the start: ${startLoad.toFixed(1)} on ${cpus().length} cores (other work moves the figures)`,
);
print(`appeals (unsigned canonical envelope): ${canonicalSizes.join(', ')}; native: the adapter's document`);
print(
  'documents per second; from = fromCanonical (model → native), to = toCanonical (native → model + envelope XSD)',
);
print('');
const widths = [
  Math.max(7, ...rows.map((row) => row.adapter.length)),
  ...columns.map((c) => Math.max(c.length, 9)),
];
print(['adapter'.padEnd(widths[0]!), ...columns.map((c, i) => c.padStart(widths[i + 1]!))].join('  '));
for (const row of rows) {
  print(
    [
      row.adapter.padEnd(widths[0]!),
      ...columns.map((c, i) => (row.cells[c] ?? '—').padStart(widths[i + 1]!)),
    ].join('  '),
  );
}
const skipped = subjects.filter((subject) => subject.noAttachments !== undefined);
if (skipped.length > 0) {
  print('');
  for (const subject of skipped)
    print(`n/a: ${subject.name} cannot carry attachments (${subject.noAttachments})`);
}

if (process.argv.includes('--update-readme')) {
  const readmePath = join(packageRoot, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  // The blank lines around the code block are what Prettier keeps, so `npm test`'s format check stays green.
  const block = [
    '<!-- bench:adapters -->',
    '',
    '```',
    ...printed,
    '```',
    '',
    '<!-- /bench:adapters -->',
  ].join('\n');
  if (!/<!-- bench:adapters -->[\s\S]*?<!-- \/bench:adapters -->/.test(readme)) {
    throw new Error('README.md has no bench:adapters markers');
  }
  writeFileSync(
    readmePath,
    readme.replace(/<!-- bench:adapters -->[\s\S]*?<!-- \/bench:adapters -->/, () => block),
  );
  console.log('README.md updated');
}
