/**
 * `vkhid export --to CODE`: the receipts, statuses, answers and errors stored for a contact center, as one
 * CSV under one header, in acceptance order, in the participant's encoding and delimiter.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { parse } from 'csv-parse/sync';
import { CliExit, reportError, type CliIo } from '../../gateway/cli/cli-io.js';
import { registerExportCommand } from '../../gateway/cli/export-command.js';
import { buildEnvelope, XML_DECLARATION } from '../../gateway/envelope/envelope-builder.js';
import type { Envelope } from '../../gateway/envelope/envelope-model.js';
import { openHub } from '../../gateway/hub/hub-context.js';
import {
  APPEAL_MESSAGE_ID,
  CITY_ADMINISTRATION,
  CONTACT_CENTER,
  ROAD_ENTERPRISE,
  sampleEnvelope,
} from '../envelope/fixtures/sample-envelopes.js';
import {
  copyHub,
  initialisedHub,
  removeTemporaryDirectories,
  temporaryDirectory,
} from './fixtures/hub-cli.js';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `vkhid ...argv` with the export command registered as run-cli registers it. */
async function vkhidExport(...argv: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) };
  const configure = (command: Command): Command =>
    command
      .exitOverride()
      .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) });
  const program = configure(new Command('vkhid'));
  registerExportCommand(program, io);
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

/** A second contact center whose system takes windows-1251 with commas. */
const LEGACY_CENTER = '23456783';

const withId = (
  envelope: Envelope,
  recipient: string,
  change: Partial<Envelope['header']> = {},
): Envelope => ({
  ...envelope,
  header: { ...envelope.header, messageId: randomUUID(), recipient, ...change },
});

describe('vkhid export (CLI)', function () {
  this.timeout(120_000);

  let data: string;
  let dir: string;
  const receipt = sampleEnvelope('receipt');
  const status = sampleEnvelope('status');
  const answer = sampleEnvelope('answer');
  const error = sampleEnvelope('error');
  const legacyStatus = withId(status, LEGACY_CENTER);
  const emojiStatus = (() => {
    const envelope = withId(status, LEGACY_CENTER);
    assert.ok(envelope.body.type === 'status');
    return {
      ...envelope,
      body: { type: 'status' as const, status: { ...envelope.body.status, comment: 'Готово 👍' } },
    };
  })();

  before(async () => {
    data = copyHub(await initialisedHub());
    dir = temporaryDirectory();
    const hub = await openHub({ dataDir: data });
    try {
      const add = (code: string, adapter: string, adapterSettings: Record<string, unknown> = {}) =>
        hub.registry.addParticipant(
          {
            code,
            fullName: `Participant ${code}`,
            kind: code === CONTACT_CENTER ? 'contact-center' : 'agency',
            adapter,
            adapterSettings,
          },
          'test',
        );
      await add(CONTACT_CENTER, 'contact-center-csv');
      await add(LEGACY_CENTER, 'contact-center-csv', { encoding: 'windows-1251', delimiter: ',' });
      await add(CITY_ADMINISTRATION, 'canonical');
      await add(ROAD_ENTERPRISE, 'canonical');
      const store = async (envelope: Envelope, receivedAt: string) => {
        const xml = buildEnvelope(envelope);
        const bytes = Buffer.from(xml);
        const { header, body } = envelope;
        await hub.messages.storeAccepted(
          {
            messageId: header.messageId,
            type: header.type,
            sender: header.sender,
            recipient: header.recipient,
            tracking: header.tracking ?? null,
            inReplyTo: header.inReplyTo ?? null,
            urgency: body.type === 'appeal' ? body.appeal.urgency : null,
            createdAt: header.createdAt,
            receivedSha256: createHash('sha256').update(bytes).digest('hex'),
            receivedBytes: bytes,
            signedXml: xml.slice(XML_DECLARATION.length),
            signerFingerprint: 'test',
            clientFingerprint: 'test',
            receiptId: randomUUID(),
            receiptXml: '<Receipt/>',
            receivedAt,
          },
          10,
        );
      };
      // Stored out of order: the export follows acceptance time, not insertion.
      await store(sampleEnvelope('appeal'), '2026-03-01T08:00:00.000Z');
      await store(answer, '2026-03-05T10:00:00.000Z');
      await store(receipt, '2026-03-02T09:00:00.000Z');
      await store(status, '2026-03-03T12:00:00.000Z');
      await store(error, '2026-03-01T08:00:05.000Z');
      await store(
        withId(status, CITY_ADMINISTRATION, { sender: ROAD_ENTERPRISE }),
        '2026-03-04T00:00:00.000Z',
      );
      await store(legacyStatus, '2026-03-03T00:00:00.000Z');
      await store(emojiStatus, '2026-03-03T00:00:01.000Z');
    } finally {
      await hub.close();
    }
  });
  after(removeTemporaryDirectories);

  const rowsOf = (text: string, delimiter = ';'): string[][] => {
    const rows: unknown = parse(text.replace(/^\ufeff/, ''), { delimiter });
    return rows as string[][];
  };

  it("writes the contact center's receipts, statuses, answers and errors, in acceptance order, to --out", async () => {
    const out = join(dir, 'replies.csv');
    const run = await vkhidExport('export', '--to', CONTACT_CENTER, '--out', out, '--data', data);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stdout,
      `exported 4 messages for ${CONTACT_CENTER} (1 receipt, 1 status, 1 answer, 1 error) to ${out}; until 2026-03-05T10:00:00.000Z\n`,
    );
    const bytes = readFileSync(out);
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const [header, ...rows] = rowsOf(bytes.toString('utf8'));
    assert.equal(header?.[0], 'Ідентифікатор повідомлення');
    assert.deepEqual(
      rows.map((row) => [row[0], row[1]]),
      [
        [error.header.messageId, 'помилка'],
        [receipt.header.messageId, 'квитанція'],
        [status.header.messageId, 'статус'],
        [answer.header.messageId, 'відповідь'],
      ],
    );
    assert.ok(rows.every((row) => row.length === header?.length));
    assert.ok(!bytes.toString('utf8').includes(APPEAL_MESSAGE_ID + ';звернення'));
  });

  it('--since keeps messages accepted at or after the instant', async () => {
    const run = await vkhidExport(
      'export',
      '--to',
      CONTACT_CENTER,
      '--since',
      '2026-03-03T14:00:00+02:00',
      '--data',
      data,
    );
    assert.equal(run.code, 0, run.stderr);
    const [, ...rows] = rowsOf(run.stdout);
    assert.deepEqual(
      rows.map((row) => row[0]),
      [status.header.messageId, answer.header.messageId],
    );
    assert.match(
      run.stderr,
      /^exported 2 messages for 00015622 \(0 receipt, 1 status, 1 answer, 0 error\); until /,
    );
    const none = await vkhidExport('export', '--to', CONTACT_CENTER, '--since', '2026-04-01', '--data', data);
    assert.equal(none.code, 0);
    assert.equal(rowsOf(none.stdout).length, 1, 'the header alone');
  });

  it('--json gives the counts, the last acceptance time and the CSV text', async () => {
    const run = await vkhidExport('export', '--to', CONTACT_CENTER, '--data', data, '--json');
    assert.equal(run.code, 0, run.stderr);
    const body = JSON.parse(run.stdout) as Record<string, unknown>;
    assert.equal(body.ok, true);
    assert.equal(body.exported, 4);
    assert.deepEqual(body.counts, { receipt: 1, status: 1, answer: 1, error: 1 });
    assert.equal(body.until, '2026-03-05T10:00:00.000Z');
    assert.deepEqual(body.failures, []);
    assert.equal(rowsOf(String(body.csv)).length, 5);
    assert.equal(run.stderr, '');
  });

  it("writes in the participant's windows-1251 and commas, and lists a message it cannot write (exit 1)", async () => {
    const out = join(dir, 'legacy.csv');
    const run = await vkhidExport('export', '--to', LEGACY_CENTER, '--out', out, '--data', data);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      `vkhid: message ${emojiStatus.header.messageId} (status) not exported: ADAPTER_INVALID_FIELD: ` +
        'The field body.status.comment is invalid: the character U+1F44D cannot be written in windows-1251\n',
    );
    assert.match(run.stdout, /exported 1 message for 23456783 .*; 1 could not be written\n$/);
    const bytes = readFileSync(out);
    assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    const [header, ...rows] = rowsOf(new TextDecoder('windows-1251').decode(bytes), ',');
    assert.equal(header?.[1], 'Тип повідомлення');
    assert.deepEqual(
      rows.map((row) => row[0]),
      [legacyStatus.header.messageId],
    );
  });

  it('refuses a bad --since, a participant on another adapter and an unknown participant', async () => {
    const since = await vkhidExport('export', '--to', CONTACT_CENTER, '--since', 'yesterday', '--data', data);
    assert.equal(since.code, 2);
    assert.match(since.stderr, /^vkhid: CLI_USAGE: --since must be/);
    const zoneless = await vkhidExport(
      'export',
      '--to',
      CONTACT_CENTER,
      '--since',
      '2026-03-01T10:00',
      '--data',
      data,
    );
    assert.equal(zoneless.code, 2);
    const canonical = await vkhidExport('export', '--to', CITY_ADMINISTRATION, '--data', data);
    assert.equal(canonical.code, 2);
    assert.match(canonical.stderr, /uses the canonical adapter/);
    const unknown = await vkhidExport('export', '--to', '44223319', '--data', data, '--json');
    assert.equal(unknown.code, 1);
    assert.equal((JSON.parse(unknown.stdout) as { code: string }).code, 'PARTICIPANT_NOT_FOUND');
  });
});
