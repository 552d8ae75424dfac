/**
 * Issue #5's "done when", end to end, as a new user does it: one running hub (its own delivery worker and
 * file-drop pollers), configured with the `vkhid` commands of the README's "Three agencies on three formats"
 * (participant add with --adapter and --adapter-settings, memorandum add, participant activate, import,
 * export), run in-process against the hub's data directory while it runs (SQLite in WAL mode allows it).
 * The contact center is on `contact-center-csv` and imports its export with `vkhid import`; agency A is on
 * `sev-ovv-1207` behind HTTPS and answers with its 1207 acknowledgement (ack_type 3, registered); agency B is
 * on `medo-xdms` by file drop and drops an xdms «Зарегистрирован» notification into out/; agency C is on
 * `json-rest` behind HTTPS and answers with its JSON callback. Every receipt is read back as a canonical one:
 * A's and C's are kept with their delivery jobs; B's becomes a receipt message to the contact center, which
 * `vkhid export` lists.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { newAjv } from '../../adapters/json-rest/input-schema.js';
import { JSON_MEDIA_TYPE } from '../../adapters/json-rest/json-rest-adapter.js';
import { openApiFor } from '../../adapters/json-rest/json-rest-openapi.js';
import { PASSPORT_NAME, readPackage } from '../../adapters/medo-xdms/medo-package.js';
import { XDMS_PACKAGE_MEDIA_TYPE, xdmsSchema } from '../../adapters/medo-xdms/medo-xdms-adapter.js';
import { SEV1207_MEDIA_TYPE } from '../../adapters/sev-ovv-1207/sev1207-adapter.js';
import { validateSev1207 } from '../../adapters/sev-ovv-1207/sev1207-schema.js';
import type { AdapterContext, NativeDocument } from '../../gateway/adapters/adapter.js';
import { builtinAdapterRegistry } from '../../gateway/adapters/builtin-adapters.js';
import type { Envelope, ReceiptOutcome } from '../../gateway/envelope/envelope-model.js';
import { readEnvelope } from '../../gateway/envelope/envelope-reader.js';
import { findDeliveryReceipt } from '../../gateway/queue/delivery-receipt.js';
import { kyivDate } from '../../gateway/registry/registry.js';
import type { RunningHub } from '../../gateway/server/hub-server.js';
import type { Row } from '../../gateway/store/store-driver.js';
import { runVkhid, stdoutJson, type VkhidRun } from '../cli/fixtures/run-vkhid.js';
import { startAgencyEndpoint, type AgencyEndpoint } from '../support/agency-endpoint.js';
import {
  CONTACT_CENTER,
  dropAtomically,
  FAST_TIMERS,
  startTestHub,
  until,
  type TestHub,
} from '../support/hub-fixture.js';

/** The codes the fixture CSV routes its three rows to (valid ЄДРПОУ check digits). */
const AGENCY_1207 = '35000016';
const AGENCY_XDMS = '35000025';
const AGENCY_JSON = '35000030';
const TRACKING = {
  [AGENCY_1207]: 'UKC-2026-1120-00201',
  [AGENCY_XDMS]: 'UKC-2026-1120-00202',
  [AGENCY_JSON]: 'UKC-2026-1120-00203',
};

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);
const CSV_EXPORT = fileURLToPath(fixture('three-agencies.csv'));
const SEV1207_ACK = readFileSync(fixture('sev1207-registered.xml'), 'utf8');
const XDMS_NOTICE = readFileSync(fixture('xdms-registered.xml'), 'utf8');
const settingsOf = (adapter: string) =>
  readFileSync(new URL(`../../adapters/${adapter}/example-settings.json`, import.meta.url), 'utf8');
const SETTINGS = {
  csv: settingsOf('contact-center-csv'),
  sev1207: settingsOf('sev-ovv-1207'),
  xdms: settingsOf('medo-xdms'),
  json: settingsOf('json-rest'),
};

/** What each agency registers the appeal under, and when. */
const REGISTERED = {
  [AGENCY_1207]: { number: '1207/26-вх', date: '2026-11-26' },
  [AGENCY_XDMS]: { number: 'МСП-4417/26-вх', date: '2026-11-26' },
  [AGENCY_JSON]: { number: 'К-15/26-вх', date: '2026-11-26' },
};

const fill = (template: string, values: Record<string, string>) =>
  Object.entries(values).reduce((text, [key, value]) => text.replaceAll(`{{${key}}}`, value), template);

describe('three agencies on three formats, the contact center on CSV (issue #5, done when)', function () {
  this.timeout(120_000);

  let testHub: TestHub;
  let base: string;
  let dataDir: string;
  let xdmsRoot: string;
  let running: RunningHub;
  let sev: AgencyEndpoint;
  let json: AgencyEndpoint;
  /** MessageId (lower case) of the appeal imported for each agency. */
  const appealTo: Record<string, string> = {};

  /** `vkhid ...argv --data <the running hub's data directory>`, which must succeed. */
  async function vkhid(...argv: string[]): Promise<VkhidRun> {
    const run = await runVkhid(...argv, '--data', dataDir);
    assert.equal(run.code, 0, `vkhid ${argv.join(' ')}: exit ${run.code}\n${run.stdout}${run.stderr}`);
    return run;
  }

  /** Agency `code`'s HTTPS endpoint at `path`, answering each POST (200) with `answer(body)`. */
  const endpoint = (code: string, path: string, answer: (body: Buffer) => { type: string; body: string }) =>
    startAgencyEndpoint(
      testHub,
      code,
      ({ body }) => {
        const reply = answer(body);
        return { contentType: reply.type, body: reply.body };
      },
      { path },
    );

  before(async () => {
    testHub = await startTestHub('walkthrough', FAST_TIMERS);
    ({ base, dataDir, running } = testHub);
    xdmsRoot = join(base, 'drop', AGENCY_XDMS);
    mkdirSync(xdmsRoot, { recursive: true });

    // Agency A's 1207 system registers what it receives and answers with its acknowledgement (ack_type 3).
    sev = await endpoint(AGENCY_1207, '/sev1207', (body) => {
      const msgId = /<Header [^>]*\bmsg_id="([^"]+)"/.exec(body.toString('utf8'))?.[1] ?? '';
      const ack = fill(SEV1207_ACK, {
        ACK_ID: randomUUID(),
        MSG_ID: msgId,
        FROM: AGENCY_1207,
        TO: CONTACT_CENTER,
        TIME: '2026-11-26T10:05:00+02:00',
        REG_NUMBER: REGISTERED[AGENCY_1207].number,
        REG_DATE: REGISTERED[AGENCY_1207].date,
      });
      return { type: SEV1207_MEDIA_TYPE, body: ack };
    });
    // Agency C's JSON API answers the POST with its callback.
    json = await endpoint(AGENCY_JSON, '/api/vkhid', (body) => {
      const document = JSON.parse(body.toString('utf8')) as { id: string; regNumber: string };
      const callback = {
        docType: 'callback',
        from: AGENCY_JSON,
        regNumber: document.regNumber,
        messageId: document.id,
        status: 'ЗАРЕЄСТРОВАНО',
        at: '2026-11-26T10:15:00+02:00',
        number: REGISTERED[AGENCY_JSON].number,
        date: REGISTERED[AGENCY_JSON].date,
      };
      return { type: JSON_MEDIA_TYPE, body: JSON.stringify(callback) };
    });

    // The README's commands, in its order, against the running hub's data directory.
    const today = kyivDate(new Date());
    const participants: [string, string, string, string, string[]][] = [
      [CONTACT_CENTER, 'contact-center', 'contact-center-csv', SETTINGS.csv, []],
      [AGENCY_1207, 'agency', 'sev-ovv-1207', SETTINGS.sev1207, ['--endpoint', sev.url]],
      [AGENCY_XDMS, 'agency', 'medo-xdms', SETTINGS.xdms, ['--endpoint', `file://${xdmsRoot}`]],
      [AGENCY_JSON, 'agency', 'json-rest', SETTINGS.json, ['--endpoint', json.url]],
    ];
    for (const [code, kind, adapter, settings, endpoints] of participants) {
      await vkhid(
        'participant',
        'add',
        '--code',
        code,
        '--name',
        `Participant ${code}`,
        '--kind',
        kind,
        ...endpoints,
        '--adapter',
        adapter,
        '--adapter-settings',
        settings,
      );
      await vkhid(
        'memorandum',
        'add',
        '--participant',
        code,
        '--number',
        `М-${code}/2026`,
        '--signed',
        today,
        '--from',
        today,
        '--scope',
        kind === 'contact-center' ? 'appeal,public-info' : 'appeal',
      );
      await vkhid('participant', 'activate', code);
    }
    // Registered while the hub runs: the pollers' refresh picks the drop folder up without a restart.
    await until('agency B polled', () =>
      running.fileDrops?.folders().some((f) => f.participantCode === AGENCY_XDMS) === true ? true : undefined,
    );
  });

  after(async () => {
    await running?.stop();
    for (const agency of [sev, json]) await agency?.close();
    await testHub?.close();
  });

  const context = (participantCode: string): AdapterContext => ({
    hubCode: running.hub.config.hub.code,
    participantCode,
    now: () => new Date(),
    newId: randomUUID,
  });

  /** `document` read back by the agency's own adapter (its settings): the canonical message it carries. */
  async function readBack(adapter: string, settings: string, agency: string, document: NativeDocument) {
    const runtime = builtinAdapterRegistry().create(adapter, JSON.parse(settings) as Record<string, unknown>);
    return (await runtime.toCanonical(document, context(agency))).envelope;
  }

  /** The job delivering the appeal to `agency`, once acknowledged, with the receipt kept for it. */
  async function acknowledged(agency: string) {
    const messageId = appealTo[agency];
    assert.ok(messageId !== undefined, 'the appeal was imported');
    const [job] = await running.hub.messages.deliveryJobs(messageId);
    assert.ok(job);
    const details = await until(`the delivery to ${agency} acknowledged`, async () => {
      const inspected = await running.queue.inspect(job.id);
      return inspected.job.state === 'acknowledged' ? inspected : undefined;
    });
    const kept = await running.hub.store.read((db) => findDeliveryReceipt(db, job.id));
    assert.ok(kept, 'the receipt is kept with the job');
    return { messageId, job: details.job, kept };
  }

  function assertRegistered(envelope: Envelope, agency: string, messageId: string): void {
    assert.equal(envelope.header.type, 'receipt');
    assert.equal(envelope.header.sender, agency);
    assert.equal(envelope.header.recipient, CONTACT_CENTER);
    assert.ok(envelope.body.type === 'receipt');
    assert.equal(envelope.body.receipt.messageRef.toLowerCase(), messageId);
    const expected: ReceiptOutcome = { kind: 'registered', ...REGISTERED[agency as keyof typeof REGISTERED] };
    assert.deepEqual(envelope.body.receipt.outcome, expected);
  }

  it('imports the contact center CSV with `vkhid import` while the hub runs: one appeal per agency', async () => {
    const run = await vkhid('import', CSV_EXPORT, '--from', CONTACT_CENTER, '--json');
    const body = stdoutJson(run) as {
      summary: Record<string, number>;
      rows: { tracking: string; outcome: string; messageId: string }[];
    };
    assert.deepEqual(body.summary, { rows: 3, accepted: 3, repeated: 0, refused: 0 });
    for (const [agency, tracking] of Object.entries(TRACKING)) {
      const row = body.rows.find((r) => r.tracking === tracking);
      assert.ok(row, tracking);
      const stored = await running.hub.messages.findByMessageId(row.messageId);
      assert.ok(stored, `${tracking} is stored`);
      const appeal = readEnvelope(stored.signedXml);
      assert.equal(appeal.header.type, 'appeal');
      assert.equal(appeal.header.sender, CONTACT_CENTER);
      assert.equal(appeal.header.recipient, agency);
      assert.equal(appeal.header.tracking, tracking);
      const jobs = await running.hub.messages.deliveryJobs(row.messageId);
      assert.deepEqual(
        jobs.map((j) => j.recipient),
        [agency],
      );
      appealTo[agency] = row.messageId.toLowerCase();
    }
    // The same export again (an operator's second run) stores nothing new.
    const again = stdoutJson(await vkhid('import', CSV_EXPORT, '--from', CONTACT_CENTER, '--json'));
    assert.deepEqual(again.summary, { rows: 3, accepted: 0, repeated: 3, refused: 0 });
  });

  it('A (sev-ovv-1207, HTTPS): gets a valid 1207 document; its ack_type 3 is kept as a registered receipt', async () => {
    const { messageId, job, kept } = await acknowledged(AGENCY_1207);
    assert.equal(sev.exchanges.length, 1, 'delivered once');
    const exchange = sev.exchanges[0]!;
    assert.equal(exchange.headers['content-type'], SEV1207_MEDIA_TYPE);
    assert.doesNotThrow(() => validateSev1207(exchange.body), 'the 1207 schema accepts what A received');
    const appeal = await readBack('sev-ovv-1207', SETTINGS.sev1207, AGENCY_1207, {
      bytes: exchange.body,
      mediaType: SEV1207_MEDIA_TYPE,
    });
    assert.equal(appeal.header.messageId.toLowerCase(), messageId);
    assert.equal(
      appeal.body.type === 'appeal' && appeal.body.appeal.subject,
      'Вибоїни на мосту через Либідь',
    );

    assert.equal(job.attempts, 1);
    assert.equal(kept.via, 'push');
    assert.equal(kept.outcome, 'registered', 'ack_type 3 is a registered receipt');
    assert.equal(kept.xml, exchange.answer.body, 'the native acknowledgement is kept as it came');
    const receipt = await readBack('sev-ovv-1207', SETTINGS.sev1207, AGENCY_1207, {
      bytes: Buffer.from(kept.xml, 'utf8'),
      mediaType: SEV1207_MEDIA_TYPE,
    });
    assert.equal(kept.receiptId, receipt.header.messageId, "the receipt id is the acknowledgement's msg_id");
    assertRegistered(receipt, AGENCY_1207, messageId);
  });

  it('C (json-rest, HTTPS): gets the JSON its OpenAPI describes; its callback is kept as a registered receipt', async () => {
    const { messageId, kept } = await acknowledged(AGENCY_JSON);
    assert.equal(json.exchanges.length, 1, 'delivered once');
    const exchange = json.exchanges[0]!;
    assert.match(String(exchange.headers['content-type']), /^application\/json\b/);
    const document = JSON.parse(exchange.body.toString('utf8')) as Record<string, unknown>;
    const schemas = (
      openApiFor(JSON.parse(SETTINGS.json) as Record<string, unknown>).components as {
        schemas: Record<string, object>;
      }
    ).schemas;
    const ajv = newAjv('2020-12');
    for (const name of ['HubAppeal', 'AgencyAppeal']) {
      const validate = ajv.compile(schemas[name] ?? {});
      assert.ok(validate(document), `${name}: ${JSON.stringify(validate.errors)}`);
    }
    assert.equal(document.id, messageId);
    assert.equal(document.regNumber, TRACKING[AGENCY_JSON]);

    assert.equal(kept.via, 'push');
    assert.equal(kept.outcome, 'registered');
    assert.equal(kept.xml, exchange.answer.body, 'the JSON callback is kept as it came');
    const receipt = await readBack('json-rest', SETTINGS.json, AGENCY_JSON, {
      bytes: Buffer.from(kept.xml, 'utf8'),
      mediaType: JSON_MEDIA_TYPE,
    });
    assertRegistered(receipt, AGENCY_JSON, messageId);
  });

  it('B (medo-xdms, file drop): gets an xdms package in in/; its notification from out/ reaches the contact center', async () => {
    const { messageId, kept } = await acknowledged(AGENCY_XDMS);
    // The written file is the acknowledgement of the file drop: a transport-level receipt.
    assert.equal(kept.outcome, 'delivered');
    const delivered = readdirSync(join(xdmsRoot, 'in'));
    assert.equal(delivered.length, 1, delivered.join());
    const bytes = readFileSync(join(xdmsRoot, 'in', delivered[0]!));
    const entries = readPackage(bytes, { maxEntries: 201, maxTotalBytes: 80 * 1024 * 1024 });
    const passport = entries.get(PASSPORT_NAME);
    assert.ok(passport, 'the package holds its passport');
    assert.doesNotThrow(() => xdmsSchema().validate(passport), 'IEDMS.xsd accepts the passport B received');
    assert.match(passport.subarray(0, 60).toString('latin1'), /encoding="windows-1251"/i, 'as B asked');
    const appeal = await readBack('medo-xdms', SETTINGS.xdms, AGENCY_XDMS, {
      bytes,
      mediaType: XDMS_PACKAGE_MEDIA_TYPE,
    });
    assert.equal(appeal.header.messageId.toLowerCase(), messageId);
    assert.equal(appeal.header.tracking, TRACKING[AGENCY_XDMS]);

    // B registers the appeal and drops its notification, writing it under a temporary name first.
    const notice = fill(XDMS_NOTICE, {
      NOTICE_ID: randomUUID(),
      MSG_ID: messageId,
      TRACKING: TRACKING[AGENCY_XDMS],
      TRACKING_DATE: '2026-11-20',
      TIME: '2026-11-26T11:38:12+02:00',
      FROM: AGENCY_XDMS,
      TO: CONTACT_CENTER,
      REG_NUMBER: REGISTERED[AGENCY_XDMS].number,
      REG_DATE: REGISTERED[AGENCY_XDMS].date,
    });
    dropAtomically(xdmsRoot, 'registered.xml', notice);
    await until('the notification moved to sent/', () =>
      existsSync(join(xdmsRoot, 'sent', 'registered.xml')) && readdirSync(join(xdmsRoot, 'out')).length === 0
        ? true
        : undefined,
    );
    assert.deepEqual(readdirSync(join(xdmsRoot, 'failed')), []);

    const rows = await running.hub.store.read((db) =>
      db.query<Row>(`SELECT message_id FROM messages WHERE sender = ? AND type = 'receipt'`, [AGENCY_XDMS]),
    );
    assert.equal(rows.length, 1);
    const stored = await running.hub.messages.findByMessageId(String(rows[0]!.message_id));
    assert.ok(stored);
    assertRegistered(readEnvelope(stored.signedXml), AGENCY_XDMS, messageId);
    const jobs = await running.hub.messages.deliveryJobs(stored.messageId);
    assert.deepEqual(
      jobs.map((j) => j.recipient),
      [CONTACT_CENTER],
    );
  });

  it('`vkhid export --to` gives the contact center the receipt that came back as a message, as CSV', async () => {
    const out = join(base, 'replies.csv');
    const run = await vkhid('export', '--to', CONTACT_CENTER, '--out', out, '--json');
    const body = stdoutJson(run) as { exported: number; counts: Record<string, number> };
    assert.ok(body.exported >= 1);
    const records = parse<Record<string, string>>(readFileSync(out), {
      bom: true,
      delimiter: ';',
      columns: true,
    });
    assert.equal(records.length, body.exported);
    // Every agency's receipt came back: B's from its drop folder, A's and C's from their answers to the push
    // (forwarded to the contact center by the hub).
    for (const agency of [AGENCY_1207, AGENCY_XDMS, AGENCY_JSON] as const) {
      const from = records.filter((r) => Object.values(r).includes(agency));
      assert.equal(from.length, 1, `${agency}: ${JSON.stringify(records)}`);
      const row = Object.values(from[0]!);
      for (const value of [appealTo[agency]!, TRACKING[agency], REGISTERED[agency].number]) {
        assert.ok(
          row.some((cell) => cell.toLowerCase() === value.toLowerCase()),
          `${agency}: ${value}`,
        );
      }
    }
  });
});
