import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import type { Adapter } from '../../../gateway/adapters/adapter.js';
import { RuntimeAdapter } from '../../../gateway/adapters/runtime-adapter.js';
import { buildEnvelope } from '../../../gateway/envelope/envelope-builder.js';
import type { Appeal, Envelope, ReceiptOutcome } from '../../../gateway/envelope/envelope-model.js';
import { envelopeSchema } from '../../../gateway/envelope/envelope-schema.js';
import { VkhidError } from '../../../gateway/errors/vkhid-error.js';
import { XsdSchema } from '../../../gateway/xml/xsd-schema.js';
import { SEV1207_MEDIA_TYPE, sev1207Adapter } from '../../../adapters/sev-ovv-1207/sev1207-adapter.js';
import { sev1207Schema } from '../../../adapters/sev-ovv-1207/sev1207-schema.js';
import { suiteContext } from '../conformance/conformance-case.js';
import {
  fixtureText,
  nativeDocument,
  SEV1207_CASE_SETTINGS,
  SEV1207_PARTICIPANT,
  sevOvv1207Case,
} from './sev-ovv-1207-case.js';

const adapter = sev1207Adapter.createAdapter(SEV1207_CASE_SETTINGS);
/** Async, so that a synchronous refusal becomes a rejected promise like the runtime makes it. */
const toCanonical = async (a: Adapter, bytes: Uint8Array | string, participant = SEV1207_PARTICIPANT) =>
  a.toCanonical!(nativeDocument(bytes), suiteContext(participant));
const fromCanonical = async (a: Adapter, envelope: Envelope) =>
  a.fromCanonical!(envelope, suiteContext(envelope.header.recipient));

async function refusal(promise: Promise<unknown>): Promise<VkhidError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof VkhidError, `expected a VkhidError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a refusal');
}

const DS13 = fixtureText('ds13-spovishchennia-pro-dostavku.xml');
const DS11 = fixtureText('ds11-zvitnist-dlia-informuvannia.xml');
const T3 = fixtureText('t3.xml');

/** A receipt addressed to the participant, for fromCanonical tests. */
function receiptEnvelope(outcome: ReceiptOutcome): Envelope {
  return {
    header: {
      messageId: '9a3c1f2e-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
      type: 'receipt',
      createdAt: '2026-03-02T11:30:00+02:00',
      sender: '00015622',
      recipient: SEV1207_PARTICIPANT,
      inReplyTo: '3b328ce2-d12b-4cbc-ade8-4b73ca965463',
      schemaVersion: '1.0',
    },
    body: {
      type: 'receipt',
      receipt: {
        messageRef: '3b328ce2-d12b-4cbc-ade8-4b73ca965463',
        at: '2026-03-02T11:30:00+02:00',
        outcome,
      },
    },
  };
}

describe('sev-ovv-1207 adapter', () => {
  describe('manifest and settings', () => {
    it('declares a vendor media type, both directions, 20 MiB and the 1207 schema inside the repository', () => {
      const m = sev1207Adapter.manifest;
      assert.equal(m.name, 'sev-ovv-1207');
      assert.deepEqual(m.reads, ['application/vnd.sev-ovv-1207+xml']);
      assert.deepEqual(m.writes, ['application/vnd.sev-ovv-1207+xml']);
      assert.deepEqual([...m.directions].sort(), ['fromCanonical', 'toCanonical']);
      assert.deepEqual([...m.messageTypes.fromCanonical].sort(), ['answer', 'appeal', 'receipt']);
      assert.deepEqual([...m.messageTypes.toCanonical].sort(), ['answer', 'appeal', 'receipt']);
      assert.equal(m.maxInputBytes, 20 * 1024 * 1024);
      assert.ok(m.nativeSchema !== undefined && existsSync(m.nativeSchema), 'nativeSchema exists');
    });

    it('accepts example-settings.json and empty settings', () => {
      const example = JSON.parse(
        readFileSync(
          new URL('../../../adapters/sev-ovv-1207/example-settings.json', import.meta.url),
          'utf8',
        ),
      ) as Record<string, unknown>;
      assert.ok(sev1207Adapter.createAdapter(example));
      assert.ok(sev1207Adapter.createAdapter({}));
    });

    const invalid: [string, Record<string, unknown>, string][] = [
      ['msgAcknow out of range', { msgAcknow: 3 }, 'msgAcknow'],
      ['msgAcknow as a string', { msgAcknow: '2' }, 'msgAcknow'],
      ['an unknown encoding', { encoding: 'koi8-u' }, 'encoding'],
      [
        'an orgIds value that is no ЄДРПОУ code',
        { orgIds: { '7879990908': '2006412' } },
        'orgIds.7879990908',
      ],
      ['two orgIds for one code', { orgIds: { a: '20064120', b: '20064120' } }, 'orgIds.b'],
      ['an orgNames key that is no code', { orgNames: { ВРУ: 'Верховна Рада' } }, 'orgNames.ВРУ'],
      ['a defaultRecipient of 7 digits', { defaultRecipient: '0001562' }, 'defaultRecipient'],
      ['a system without a name', { agencySystem: { id: 'x' } }, 'agencySystem.name'],
      ['an unknown appeal kind', { defaults: { appealKind: 'complaint' } }, 'defaults.appealKind'],
      ['an unknown channel', { defaults: { channel: 'fax' } }, 'defaults.channel'],
      ['a category with spaces', { defaults: { category: 'road repair' } }, 'defaults.category'],
      [
        'consent without personalData',
        { defaults: { consent: { disclosure: true } } },
        'defaults.consent.personalData',
      ],
      ['a term of 0 days', { defaults: { answerTermDays: 0 } }, 'defaults.answerTermDays'],
      ['a misspelt setting', { msgAcknowledge: 2 }, 'msgAcknowledge'],
      ['a misspelt default', { defaults: { chanel: 'post' } }, 'defaults.chanel'],
    ];
    for (const [name, settings, field] of invalid) {
      it(`refuses ${name} (ADAPTER_SETTINGS_INVALID naming ${field})`, () => {
        assert.throws(
          () => sev1207Adapter.createAdapter(settings),
          (error: unknown) =>
            error instanceof VkhidError && error.code === 'ADAPTER_SETTINGS_INVALID' && error.field === field,
        );
      });
    }
  });

  describe('toCanonical: the official samples (goldens)', () => {
    for (const golden of sevOvv1207Case.goldens) {
      it(`converts ${golden.name}${golden.expected === undefined ? '' : ' to the expected model'}`, async () => {
        const envelope = await toCanonical(adapter, golden.document.bytes);
        envelopeSchema().validate(buildEnvelope(envelope));
        if (golden.expected !== undefined) assert.deepStrictEqual(envelope, golden.expected);
      });
    }

    it('reads reports (Звітність, purpose_type 4) as answers and other documents as appeals', async () => {
      const types: Record<string, string> = {};
      for (const golden of sevOvv1207Case.goldens) {
        types[golden.name] = (await toCanonical(adapter, golden.document.bytes)).body.type;
      }
      for (const [name, type] of Object.entries(types)) {
        const expected = /Звітність|ДС11/.test(name)
          ? 'answer'
          : /ДС1[3-6]/.test(name)
            ? 'receipt'
            : 'appeal';
        assert.equal(type, expected, name);
      }
    });

    it('derives a stable tracking number when the registration number does not have the canonical form', async () => {
      const first = await toCanonical(adapter, T3);
      const second = await toCanonical(adapter, T3);
      assert.match(first.header.tracking ?? '', /^23455432\/[0-9A-F]{12}$/);
      assert.equal(first.header.tracking, second.header.tracking);
      const other = await toCanonical(adapter, T3.replace('>ewrwerwer<', '>ewrwerwer2<'));
      assert.notEqual(other.header.tracking, first.header.tracking);
    });

    it('names a msg_id that is not a UUID by a stable UUID v5', async () => {
      const doc = DS13.replace('msg_id="e4e3439a-708e-47c7-9e0e-a9f38c91e770"', 'msg_id="СЕВ-000123"');
      const a = await toCanonical(adapter, doc);
      const b = await toCanonical(adapter, doc);
      assert.match(
        a.header.messageId,
        /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      assert.equal(a.header.messageId, b.header.messageId);
    });

    it('adds the Kyiv offset in force to a time without a zone (summer +03:00, winter +02:00)', async () => {
      const summer = await toCanonical(
        adapter,
        DS13.replace('time="2015-09-11T06:56:34Z"', 'time="2015-09-11T06:56:34"'),
      );
      assert.equal(summer.header.createdAt, '2015-09-11T06:56:34+03:00');
      const winter = await toCanonical(
        adapter,
        DS13.replace('time="2015-09-11T06:56:34Z"', 'time="2015-01-11T06:56:34.5"'),
      );
      assert.equal(winter.header.createdAt, '2015-01-11T06:56:34.5+02:00');
    });

    it('takes the sender from the participant when from_org_id is no code, and maps org ids by orgIds', async () => {
      const envelope = await toCanonical(
        adapter,
        DS13.replace('from_org_id="30116577"', 'from_org_id="312315214"'),
        '30116577',
      );
      assert.equal(envelope.header.sender, '30116577');
      const mapped = sev1207Adapter.createAdapter({ orgIds: { '312315214': '03449924' } });
      const read = await toCanonical(
        mapped,
        DS13.replace('from_org_id="30116577"', 'from_org_id="312315214"'),
      );
      assert.equal(read.header.sender, '03449924');
    });

    it('reads a private author as the applicant with contacts, and the kind label as the appeal kind', async () => {
      const doc = T3.replace(
        /<Author>\s*<Organization[\s\S]*?<\/Organization>/,
        '<Author><PrivatePerson><Name secname="Коваленко" firstname="Олена" fathersname="Петрівна" />' +
          '<Address street="вул. Велика Васильківська" house="72" settlement="Київ" />' +
          '<Econtact type="м">+380 (67) 123-45-67</Econtact><Econtact type="п">o.kovalenko@ukr.net</Econtact>' +
          '<Econtact type="і">http://example.gov.ua</Econtact><Econtact>not a contact</Econtact></PrivatePerson>',
      ).replace('kind="Лист"', 'kind="Запит на публічну інформацію"');
      const envelope = await toCanonical(adapter, doc);
      assert.equal(envelope.body.type, 'appeal');
      const appeal = (envelope.body as { appeal: Appeal }).appeal;
      assert.equal(appeal.kind, 'public-info-request');
      assert.deepEqual(appeal.applicant, {
        fullName: 'Коваленко Олена Петрівна',
        contacts: { phones: ['+380 (67) 123-45-67'], emails: ['o.kovalenko@ukr.net'] },
        address: 'Київ, вул. Велика Васильківська, 72',
        consent: { disclosure: false, personalData: false },
      });
    });

    it('answers: the Referred idnumber that is a UUID becomes inReplyTo, the kind label the result', async () => {
      const doc = DS11.replace(
        'idnumber="889548"',
        'idnumber="27d451f0-82ac-4626-abdc-95b530dd0604"',
      ).replace('kind="Ініціативний лист"', 'kind="Відповідь: задоволено частково"');
      const envelope = await toCanonical(adapter, doc);
      assert.equal(envelope.header.inReplyTo, '27d451f0-82ac-4626-abdc-95b530dd0604');
      assert.equal(envelope.body.type === 'answer' && envelope.body.answer.result, 'partially-satisfied');
    });

    it('a refusal keeps a non-zero errorcode as its code', async () => {
      const doc = fixtureText('ds16-spovishchennia-pro-vidkhylennia.xml').replace(
        'errorcode="0"',
        'errorcode=" +17 "',
      );
      const envelope = await toCanonical(adapter, doc);
      assert.deepEqual(envelope.body.type === 'receipt' && envelope.body.receipt.outcome, {
        kind: 'refused',
        code: '17',
        reason: 'Документ відхилено',
      });
    });
  });

  describe('toCanonical: refusals', () => {
    for (const r of sevOvv1207Case.refusals) {
      it(`refuses ${r.name} with ${r.code}${r.field === undefined ? '' : ` naming ${String(r.field)}`}`, async () => {
        const error = await refusal(toCanonical(adapter, r.document.bytes));
        assert.equal(error.code, r.code, error.message);
        if (typeof r.field === 'string') assert.equal(error.field, r.field);
        else if (r.field !== undefined) assert.match(error.field ?? '', r.field);
      });
    }

    it('refuses a recipient that is no ЄДРПОУ code when neither orgIds nor defaultRecipient gives one', async () => {
      const doc = DS13.replace('to_org_id="30855996"', 'to_org_id="ДЦІР"');
      const error = await refusal(toCanonical(sev1207Adapter.createAdapter({}), doc));
      assert.equal(error.code, 'ADAPTER_INVALID_FIELD');
      assert.equal(error.field, '/Header/@to_org_id');
      const envelope = await toCanonical(adapter, doc);
      assert.equal(envelope.header.recipient, '00015622');
    });

    it('refuses a message with both a document and an acknowledgement', async () => {
      const doc = DS11.replace(
        '</Header>',
        '<Acknowledgement msg_id="x" ack_type="1"><AckResult errorcode="0" errortext="" /></Acknowledgement></Header>',
      );
      const error = await refusal(toCanonical(adapter, doc));
      assert.equal(error.code, 'ADAPTER_UNSUPPORTED');
    });

    it('refuses a subject longer than the canonical 500 characters, naming the attribute', async () => {
      const error = await refusal(
        toCanonical(adapter, T3.replace('kind="Лист"', `kind="Лист" title="${'й'.repeat(501)}"`)),
      );
      assert.equal(error.code, 'ADAPTER_INVALID_FIELD');
      assert.equal(error.field, '/Header/Document/@title');
    });

    it('refuses input over 20 MiB unread', async () => {
      const error = await refusal(toCanonical(adapter, new Uint8Array(20 * 1024 * 1024 + 1)));
      assert.equal(error.code, 'ADAPTER_INPUT_TOO_LARGE');
    });
  });

  describe('fromCanonical', () => {
    it('writes every golden back as a document valid against the 1207 schema', async () => {
      for (const golden of sevOvv1207Case.goldens) {
        const envelope = await toCanonical(adapter, golden.document.bytes);
        const native = await fromCanonical(adapter, {
          ...envelope,
          header: { ...envelope.header, recipient: SEV1207_PARTICIPANT },
        });
        assert.equal(native.mediaType, SEV1207_MEDIA_TYPE);
        sev1207Schema().validate(native.bytes);
      }
    });

    it('writes an appeal as a document «на виконання» with its task, deadline and files', async () => {
      const envelope = await toCanonical(adapter, fixtureText('ds01-do-vykonannia.xml'));
      const xml = Buffer.from((await fromCanonical(adapter, envelope)).bytes).toString('utf8');
      assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>/);
      assert.match(
        xml,
        /<Header standart="1207" version="1\.5" charset="UTF-8" time="2015-09-09T12:45:43Z" msg_type="1" msg_id="3b328ce2-d12b-4cbc-ade8-4b73ca965463" msg_acknow="2" from_org_id="37472062" from_organization="Міністерство інфраструктури України"/,
      );
      assert.match(
        xml,
        /purpose_type="3" urgent="0"><RegNumber regdate="2015-09-09">1\/16\/11-15<\/RegNumber>/,
      );
      assert.match(
        xml,
        /<DocTransfer type="pdf" description="Окреме доручення_DLRKS168__Z0K5UCYRK\.pdf" idnumber="1">JVBER/,
      );
      assert.match(
        xml,
        /<Task idnumber="[^"]+" task_reg="1" task_copy="0" task_text="До відповідної роботи" deadline="2015-09-09" referred-control="1">/,
      );
      assert.match(
        xml,
        /<Executor responsible="1" deadline="2015-09-09"><Organization ogrn="21560045"><\/Organization><\/Executor>/,
      );
    });

    it('writes receipts as acknowledgements with ack_type 1 to 4', async () => {
      const cases: [ReceiptOutcome, RegExp][] = [
        [
          { kind: 'delivered' },
          /<Acknowledgement msg_id="3b328ce2-d12b-4cbc-ade8-4b73ca965463" ack_type="1"><AckResult errorcode="0"/,
        ],
        [{ kind: 'accepted' }, /ack_type="2"><AckResult errorcode="0"/],
        [
          { kind: 'registered', number: '12/3-вх', date: '2026-03-02' },
          /ack_type="3"><RegNumber regdate="2026-03-02">12\/3-вх<\/RegNumber>/,
        ],
        [
          { kind: 'refused', code: '42', reason: 'Не за компетенцією' },
          /ack_type="4"><AckResult errorcode="42" errortext="Не за компетенцією">/,
        ],
        [
          { kind: 'refused', code: 'NOT-OURS', reason: 'Не за компетенцією' },
          /ack_type="4"><AckResult errorcode="0" errortext="Не за компетенцією">/,
        ],
      ];
      for (const [outcome, pattern] of cases) {
        const native = await fromCanonical(adapter, receiptEnvelope(outcome));
        sev1207Schema().validate(native.bytes);
        const xml = Buffer.from(native.bytes).toString('utf8');
        assert.match(xml, pattern);
        assert.match(xml, /msg_type="0" msg_id="9a3c1f2e-5b6d-4e7f-8a9b-0c1d2e3f4a5b" msg_acknow="0"/);
      }
    });

    it('respects msgAcknow: 0 refuses every receipt, 1 writes refusals only', async () => {
      const none = sev1207Adapter.createAdapter({ msgAcknow: 0 });
      const refusalsOnly = sev1207Adapter.createAdapter({ msgAcknow: 1 });
      for (const outcome of [
        { kind: 'delivered' },
        { kind: 'registered', number: '1', date: '2026-03-02' },
      ] as const) {
        const error = await refusal(fromCanonical(refusalsOnly, receiptEnvelope(outcome)));
        assert.equal(error.code, 'ADAPTER_UNSUPPORTED');
        assert.equal(error.field, 'body.receipt.outcome.kind');
      }
      const refused = receiptEnvelope({ kind: 'refused', reason: 'Дубль' });
      sev1207Schema().validate((await fromCanonical(refusalsOnly, refused)).bytes);
      assert.equal((await refusal(fromCanonical(none, refused))).code, 'ADAPTER_UNSUPPORTED');
    });

    it('refuses status and error messages with ADAPTER_UNSUPPORTED', async () => {
      const header = { ...receiptEnvelope({ kind: 'delivered' }).header };
      const status: Envelope = {
        header: { ...header, type: 'status' },
        body: { type: 'status', status: { at: header.createdAt, outcome: { kind: 'under-consideration' } } },
      };
      const error: Envelope = {
        header: { ...header, type: 'error' },
        body: { type: 'error', error: { messageRef: header.messageId, code: 'X', description: 'y' } },
      };
      assert.equal((await refusal(fromCanonical(adapter, status))).code, 'ADAPTER_UNSUPPORTED');
      assert.equal((await refusal(fromCanonical(adapter, error))).code, 'ADAPTER_UNSUPPORTED');
    });

    it('writes windows-1251 when asked, with character references for what it cannot encode', async () => {
      const cp1251 = sev1207Adapter.createAdapter({ encoding: 'windows-1251' });
      const envelope = receiptEnvelope({ kind: 'refused', code: '7', reason: 'Сума 10 ₴ — «ні» 😀' });
      const native = await fromCanonical(cp1251, envelope);
      sev1207Schema().validate(native.bytes);
      const text = iconv.decode(Buffer.from(native.bytes), 'win1251');
      assert.match(text, /^<\?xml version="1\.0" encoding="windows-1251"\?>/);
      assert.match(text, /charset="windows-1251"/);
      assert.match(text, /errortext="Сума 10 &#x20B4; — «ні» &#x1F600;"/);
      const back = await toCanonical(cp1251, native.bytes, envelope.header.sender);
      assert.equal(back.body.type, 'receipt');
      assert.equal(envelope.body.type, 'receipt');
      if (back.body.type === 'receipt' && envelope.body.type === 'receipt') {
        assert.deepEqual(back.body.receipt, { ...envelope.body.receipt, at: envelope.header.createdAt });
      }
    });
  });

  describe('round trip (canonical → 1207 → canonical)', () => {
    // Found by the property below (seed 281949975): @xmldom/xmldom applies XML 1.1's line-end rules, so a
    // literal NEL or LINE SEPARATOR came back as a line feed; the writer now references them.
    it('keeps NEL and LINE SEPARATOR in text and attributes', async () => {
      const reason = 'рядок\u2028далі\u0085кінець';
      const envelope = receiptEnvelope({ kind: 'refused', code: '7', reason });
      const native = await fromCanonical(adapter, envelope);
      const text = Buffer.from(native.bytes).toString('utf8');
      assert.match(text, /&#x2028;/);
      assert.match(text, /&#x85;/);
      const back = await toCanonical(adapter, native.bytes, envelope.header.sender);
      assert.ok(back.body.type === 'receipt' && back.body.receipt.outcome.kind === 'refused');
      assert.equal(back.body.receipt.outcome.reason, reason);
    });

    for (const encoding of ['utf-8', 'windows-1251'] as const) {
      it(`keeps everything project() keeps, in ${encoding}, and every document it writes is 1207-valid`, async () => {
        const a = sev1207Adapter.createAdapter({ ...SEV1207_CASE_SETTINGS, encoding });
        await fc.assert(
          fc.asyncProperty(sevOvv1207Case.canonical!, async (envelope) => {
            const native = await fromCanonical(a, envelope);
            sev1207Schema().validate(native.bytes);
            const back = await toCanonical(a, native.bytes, envelope.header.sender);
            envelopeSchema().validate(buildEnvelope(back));
            assert.deepStrictEqual(back, sevOvv1207Case.project!(envelope));
          }),
          { numRuns: 150 },
        );
      });
    }
  });

  describe('through the hub runtime', () => {
    const runtime = new RuntimeAdapter(
      sev1207Adapter,
      adapter,
      XsdSchema.load(sev1207Adapter.manifest.nativeSchema!, 'ADAPTER_NATIVE_SCHEMA_INVALID'),
    );

    it('converts ДС1 and writes it back, the runtime validating both sides', async () => {
      const { envelope, xml } = await runtime.toCanonical(
        nativeDocument(fixtureText('ds01-do-vykonannia.xml')),
        suiteContext(SEV1207_PARTICIPANT),
      );
      assert.match(xml, /<Tracking>1\/16\/11-15<\/Tracking>/);
      const native = await runtime.fromCanonical(
        { ...envelope, header: { ...envelope.header, recipient: SEV1207_PARTICIPANT } },
        suiteContext(SEV1207_PARTICIPANT),
      );
      assert.equal(native.mediaType, SEV1207_MEDIA_TYPE);
    });

    it('refuses application/xml, which is not this adapter’s', async () => {
      const error = await refusal(
        runtime.toCanonical(
          { bytes: Buffer.from(DS13), mediaType: 'application/xml' },
          suiteContext(SEV1207_PARTICIPANT),
        ),
      );
      assert.equal(error.code, 'ADAPTER_UNSUPPORTED');
    });
  });
});
