/**
 * `vkhid import FILE --from CODE`: a contact-center export converted row by row and submitted to the intake
 * for converted documents. The intake is injected (NativeIntake.acceptCanonical in run-cli); here a fake
 * that records each submission and answers as the real one does: accepted, repeated for the same document
 * again, a refusal when told to.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { CliExit, reportError, type CliIo } from '../../gateway/cli/cli-io.js';
import {
  IMPORT_VIA,
  registerImportCommand,
  type CanonicalSubmission,
  type ImportCommandOptions,
  type ImportedRow,
} from '../../gateway/cli/import-command.js';
import type { Envelope } from '../../gateway/envelope/envelope-model.js';
import type { NativeOrigin } from '../../gateway/intake/native-intake.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { openHub } from '../../gateway/hub/hub-context.js';
import { MINIMAL_HEADER, MINIMAL_ROW } from '../adapters/contact-center-csv/contact-center-csv-case.js';
import {
  AGENCY,
  CONTACT_CENTER,
  copyHub,
  initialisedHub,
  OTHER_AGENCY,
  removeTemporaryDirectories,
  temporaryDirectory,
} from './fixtures/hub-cli.js';

const SAMPLE = new URL('../../adapters/contact-center-csv/examples/routed-appeals.csv', import.meta.url)
  .pathname;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `vkhid ...argv` with the import command registered as run-cli registers it. */
async function vkhidImport(
  argv: string[],
  options: Omit<ImportCommandOptions, 'progressStream'> & Partial<ImportCommandOptions>,
): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) };
  const configure = (command: Command): Command =>
    command
      .exitOverride()
      .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) });
  const program = configure(new Command('vkhid'));
  registerImportCommand(program, io, { progressStream: null, ...options });
  program.commands.forEach(configure);
  let code = 0;
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CliExit) code = error.exitCode;
    else if (error instanceof CommanderError) code = error.exitCode === 0 ? 0 : 2;
    else code = reportError(io, error);
  }
  return { code, stdout, stderr };
}

/** The intake for converted documents, faked: idempotent by MessageId, refusing trackings it is told to. */
class FakeIntake {
  readonly calls: { envelope: Envelope; origin: NativeOrigin }[] = [];
  private readonly stored = new Map<string, string>();
  readonly refusals = new Map<string, VkhidError>();

  readonly submitter: ImportCommandOptions['submitter'] = () => (envelope, origin) =>
    Promise.resolve().then(() => this.accept(envelope, origin));

  private accept(envelope: Envelope, origin: NativeOrigin): CanonicalSubmission {
    this.calls.push({ envelope, origin });
    const refusal = this.refusals.get(envelope.header.tracking ?? '');
    if (refusal !== undefined) throw refusal;
    const key = envelope.header.messageId.toLowerCase();
    const before = this.stored.get(key);
    if (before !== undefined && before !== origin.nativeSha256) {
      throw new VkhidError('INTAKE_DUPLICATE_ID', { args: [key] });
    }
    this.stored.set(key, origin.nativeSha256);
    return { outcome: before === undefined ? 'accepted' : 'repeated', messageId: key };
  }
}

const SETTINGS_CENTER = '23456783';

describe('vkhid import (CLI)', function () {
  this.timeout(120_000);

  let data: string;
  let dir: string;

  before(async () => {
    data = copyHub(await initialisedHub());
    const hub = await openHub({ dataDir: data });
    try {
      const add = (code: string, adapter: string, adapterSettings: Record<string, unknown> = {}) =>
        hub.registry.addParticipant(
          { code, fullName: `Participant ${code}`, kind: 'contact-center', adapter, adapterSettings },
          'test',
        );
      await add(CONTACT_CENTER, 'contact-center-csv');
      await add(SETTINGS_CENTER, 'contact-center-csv', {
        encoding: 'windows-1251',
        delimiter: ',',
        columns: { subject: 'Topic' },
      });
      await add(AGENCY, 'canonical');
    } finally {
      await hub.close();
    }
    dir = temporaryDirectory();
  });
  after(removeTemporaryDirectories);

  const file = (name: string, content: string | Uint8Array): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const row = (tracking: string, change: (cells: string[]) => void = () => undefined): string => {
    const cells = [...MINIMAL_ROW];
    cells[0] = tracking;
    change(cells);
    return cells.join(';');
  };
  const mixed = () =>
    file(
      'mixed.csv',
      [
        MINIMAL_HEADER.join(';'),
        row('UKC-2026-0301-00001'),
        row('UKC-2026-0301-00002', (c) => (c[1] = '30.02.2026 10:00')),
        row('UKC-2026-0301-00003', (c) => c.pop()),
        '',
        row('UKC-2026-0301-00004', (c) => (c[12] = OTHER_AGENCY)),
        '',
      ].join('\r\n'),
    );

  it('imports every row of the sample export and reports each (exit 0, a summary line when not on a terminal)', async () => {
    const intake = new FakeIntake();
    const run = await vkhidImport(['import', SAMPLE, '--from', CONTACT_CENTER, '--data', data], intake);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, 'routed-appeals.csv: 4 rows: 4 accepted, 0 repeated, 0 refused\n');
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^ROW\s+LINE\s+TRACKING\s+OUTCOME\s+CODE\s+FIELD\s+MESSAGE$/);
    assert.deepEqual(
      lines.slice(1).map((line) => line.split(/\s+/).slice(0, 4)),
      [
        ['1', '2', 'UKC-2026-0302-00101', 'accepted'],
        ['2', '4', 'UKC-2026-0302-00102', 'accepted'],
        ['3', '5', 'UKC-2026-0302-00103', 'accepted'],
        ['4', '6', 'UKC-2026-0302-00104', 'accepted'],
      ],
    );
    assert.equal(intake.calls.length, 4);
    const [first] = intake.calls;
    assert.ok(first !== undefined);
    assert.equal(first.envelope.header.sender, CONTACT_CENTER);
    assert.equal(first.envelope.header.recipient, AGENCY);
    assert.equal(first.origin.participantCode, CONTACT_CENTER);
    assert.equal(first.origin.via, IMPORT_VIA);
    // The native document of a row is the header line and that row, as in the file (BOM aside).
    const text = readFileSync(SAMPLE).subarray(3).toString('utf8').split('\r\n');
    const native = `${text[0]}\r\n${text[1]}\r\n${text[2]}\r\n`;
    assert.equal(first.origin.nativeSha256, createHash('sha256').update(native).digest('hex'));
    assert.deepEqual(
      intake.calls.map((c) => c.envelope.header.recipient),
      [AGENCY, AGENCY, OTHER_AGENCY, AGENCY],
    );
  });

  it('importing the same file again repeats every row and stores nothing new (exit 0)', async () => {
    const intake = new FakeIntake();
    await vkhidImport(['import', SAMPLE, '--from', CONTACT_CENTER, '--data', data], intake);
    const again = await vkhidImport(
      ['import', SAMPLE, '--from', CONTACT_CENTER, '--data', data, '--json'],
      intake,
    );
    assert.equal(again.code, 0, again.stderr);
    const body = JSON.parse(again.stdout) as { ok: boolean; summary: Record<string, number> };
    assert.deepEqual(body.summary, { rows: 4, accepted: 0, repeated: 4, refused: 0 });
    assert.equal(body.ok, true);
  });

  it('reports bad rows and submits the good ones (exit 1), with --json and a --report file', async () => {
    const intake = new FakeIntake();
    const reportJson = join(dir, 'report.json');
    const run = await vkhidImport(
      ['import', mixed(), '--from', CONTACT_CENTER, '--data', data, '--json', '--report', reportJson],
      intake,
    );
    assert.equal(run.code, 1, run.stderr);
    const body = JSON.parse(run.stdout) as {
      ok: boolean;
      participant: string;
      summary: Record<string, number>;
      rows: ImportedRow[];
    };
    assert.equal(body.ok, false);
    assert.equal(body.participant, CONTACT_CENTER);
    assert.deepEqual(body.summary, { rows: 4, accepted: 2, repeated: 0, refused: 2 });
    assert.deepEqual(
      body.rows.map((r) => [r.row, r.line, r.tracking, r.outcome, r.code, r.field]),
      [
        [1, 2, 'UKC-2026-0301-00001', 'accepted', null, null],
        [2, 3, 'UKC-2026-0301-00002', 'refused', 'ADAPTER_INVALID_FIELD', 'row 2, column Дата надходження'],
        [3, 4, 'UKC-2026-0301-00003', 'refused', 'ADAPTER_MALFORMED', 'row 3'],
        [4, 6, 'UKC-2026-0301-00004', 'accepted', null, null],
      ],
    );
    assert.match(body.rows[1]?.message ?? '', /30\.02\.2026 10:00/);
    assert.deepEqual(
      intake.calls.map((c) => c.envelope.header.tracking),
      ['UKC-2026-0301-00001', 'UKC-2026-0301-00004'],
    );
    assert.deepEqual(JSON.parse(readFileSync(reportJson, 'utf8')), body.rows);

    const reportCsv = join(dir, 'report.csv');
    const text = await vkhidImport(
      ['import', mixed(), '--from', CONTACT_CENTER, '--data', data, '--report', reportCsv],
      new FakeIntake(),
    );
    assert.equal(text.code, 1);
    assert.match(
      text.stdout,
      /\n2\s+3\s+UKC-2026-0301-00002\s+refused\s+ADAPTER_INVALID_FIELD\s+row 2, column Дата надходження\s+/,
    );
    const csv = readFileSync(reportCsv, 'utf8');
    assert.ok(csv.startsWith('\ufeffrow;line;tracking;outcome;messageId;code;field;message\r\n'));
    assert.match(csv, /\r\n3;4;UKC-2026-0301-00003;refused;;ADAPTER_MALFORMED;row 3;/);
  });

  it('reports a row the intake refuses, and goes on with the next', async () => {
    const intake = new FakeIntake();
    intake.refusals.set(
      'UKC-2026-0302-00103',
      new VkhidError('PARTICIPANT_NOT_ACTIVE', { args: [OTHER_AGENCY, 'suspended'] }),
    );
    const run = await vkhidImport(
      ['import', SAMPLE, '--from', CONTACT_CENTER, '--data', data, '--json'],
      intake,
    );
    assert.equal(run.code, 1);
    const body = JSON.parse(run.stdout) as { rows: ImportedRow[] };
    assert.deepEqual(
      body.rows.map((r) => [r.outcome, r.code]),
      [
        ['accepted', null],
        ['accepted', null],
        ['refused', 'PARTICIPANT_NOT_ACTIVE'],
        ['accepted', null],
      ],
    );
    assert.equal(intake.calls.length, 4);
  });

  it("converts with the participant's own settings (encoding, delimiter, column headings)", async () => {
    const header = MINIMAL_HEADER.map((h) => (h === 'Тема' ? 'Topic' : h)).join(',');
    const content = `${header}\n${MINIMAL_ROW.map((c) => (c.includes(',') ? `"${c}"` : c)).join(',')}\n`;
    const bytes = Uint8Array.from([...content].map(windows1251Byte));
    const intake = new FakeIntake();
    const run = await vkhidImport(
      ['import', file('cp1251.csv', bytes), '--from', SETTINGS_CENTER, '--data', data],
      intake,
    );
    assert.equal(run.code, 0, `${run.stdout}${run.stderr}`);
    const appeal = intake.calls[0]?.envelope.body;
    assert.ok(appeal?.type === 'appeal');
    assert.equal(appeal.appeal.subject, 'Опалення');
    assert.equal(appeal.appeal.applicant.fullName, 'Мельник Андрій');
  });

  it('refuses a file whose header lacks a required column as a whole, submitting nothing (exit 1)', async () => {
    const intake = new FakeIntake();
    const path = file(
      'no-subject.csv',
      `${MINIMAL_HEADER.join(';').replace('Тема', 'Тема звернення')}\r\n${row('UKC-1')}\r\n`,
    );
    const run = await vkhidImport(['import', path, '--from', CONTACT_CENTER, '--data', data], intake);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^vkhid: ADAPTER_MISSING_FIELD: The required field column Тема is missing \(field: column Тема\)\n$/,
    );
    const json = await vkhidImport(
      ['import', path, '--from', CONTACT_CENTER, '--data', data, '--json'],
      intake,
    );
    assert.equal(json.code, 1);
    assert.deepEqual(JSON.parse(json.stdout), {
      ok: false,
      code: 'ADAPTER_MISSING_FIELD',
      message: 'The required field column Тема is missing',
      field: 'column Тема',
    });
    assert.equal(intake.calls.length, 0);
  });

  it('refuses unknown participants, participants on another adapter, unreadable files and a missing --from', async () => {
    const intake = new FakeIntake();
    const unknown = await vkhidImport(['import', SAMPLE, '--from', OTHER_AGENCY, '--data', data], intake);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^vkhid: PARTICIPANT_NOT_FOUND: /);
    const canonical = await vkhidImport(['import', SAMPLE, '--from', AGENCY, '--data', data], intake);
    assert.equal(canonical.code, 2);
    assert.match(canonical.stderr, /^vkhid: CLI_USAGE: participant 00022527 uses the canonical adapter/);
    const missing = await vkhidImport(
      ['import', join(dir, 'nope.csv'), '--from', CONTACT_CENTER, '--data', data],
      intake,
    );
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^vkhid: CLI_FILE_UNREADABLE: Cannot read .*nope\.csv: ENOENT/);
    const noFrom = await vkhidImport(['import', SAMPLE, '--data', data], intake);
    assert.equal(noFrom.code, 2);
    assert.match(noFrom.stderr, /--from/);
    assert.equal(intake.calls.length, 0);
  });

  it('draws a progress bar on a terminal instead of the summary line', async () => {
    let drawn = '';
    const terminal = Object.assign(
      new Writable({
        write: (chunk: Buffer, _encoding, done) => {
          drawn += chunk.toString();
          done();
        },
      }),
      { isTTY: true, columns: 120 },
    );
    const run = await vkhidImport(['import', SAMPLE, '--from', CONTACT_CENTER, '--data', data], {
      submitter: new FakeIntake().submitter,
      progressStream: terminal,
    });
    assert.equal(run.code, 0);
    assert.equal(run.stderr, '');
    assert.match(drawn, /routed-appeals\.csv \[.*\] 4\/4 rows \| accepted 4 \| repeated 0 \| refused 0/);
  });

  it('states the exit statuses in --help', async () => {
    const run = await vkhidImport(['import', '--help'], { submitter: new FakeIntake().submitter });
    assert.equal(run.code, 0);
    assert.match(run.stdout, /Exit status: 0 when every row was accepted .* 1 when some rows were refused/s);
    assert.match(run.stdout, /2 for usage errors/);
  });
});

function windows1251Byte(char: string): number {
  const table = new TextDecoder('windows-1251').decode(Uint8Array.from({ length: 256 }, (_, i) => i));
  const byte = table.indexOf(char);
  assert.ok(byte >= 0, `no windows-1251 byte for ${char}`);
  return byte;
}
