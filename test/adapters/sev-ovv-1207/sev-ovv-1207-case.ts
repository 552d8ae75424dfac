import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { SEV1207_MEDIA_TYPE, sev1207Adapter } from '../../../adapters/sev-ovv-1207/sev1207-adapter.js';
import {
  SCHEMA_VERSION,
  type Envelope,
  type EnvelopeBody,
  type EnvelopeHeader,
  type MessageType,
  type ReceiptOutcome,
} from '../../../gateway/envelope/envelope-model.js';
import {
  answer,
  appeal,
  instant,
  participantCode as anyParticipantCode,
  receipt,
  trackingNumber,
  uuid,
  xmlId,
} from '../../envelope/fixtures/envelope-arbitraries.js';
import type { ConformanceCase } from '../conformance/conformance-case.js';

/**
 * The conformance case of the СЕВ ОВВ «1207» adapter: every official sample (ДС1–ДС16, t3, test_res) and a
 * windows-1251 copy of ДС11 as goldens, the expected canonical models of ДС1 and ДС13–ДС16 written out, the
 * refusals, and the round trip of appeals, answers and receipts with the losses listed in `project`.
 */

const FIXTURES = new URL('./fixtures/', import.meta.url);

export const SEV1207_PARTICIPANT = '37472062';

/** Settings the suite creates the adapter with (also a working example of every setting). */
export const SEV1207_CASE_SETTINGS = {
  msgAcknow: 2,
  encoding: 'utf-8',
  // The Verkhovna Rada's 1207 id in the samples is not its ЄДРПОУ code.
  orgIds: { '7879990908': '20064120' },
  orgNames: { '37472062': 'Міністерство інфраструктури України', '00015622': 'Урядовий контактний центр' },
  agencySystem: { id: '052dfd86-34c4-4053-993e-21d9888465f6', name: 'IT-Enterprise' },
  hubSystem: { id: '8d0f3c52-9a61-4f0e-b7a4-1207a0b0c0de', name: 'Vkhid' },
  defaultRecipient: '00015622',
  defaults: {
    appealKind: 'citizen-appeal',
    channel: 'post',
    category: 'unclassified',
    consent: { disclosure: false, personalData: false },
    answerResult: 'explained',
    basis: 'Надійшло через СЕВ ОВВ',
    answerTermDays: 30,
  },
} as const;

export function fixtureBytes(name: string): Uint8Array {
  return readFileSync(new URL(name, FIXTURES));
}

export function fixtureText(name: string): string {
  return new TextDecoder('utf-8', { ignoreBOM: false }).decode(fixtureBytes(name));
}

export function nativeDocument(bytes: Uint8Array | string, fileName?: string) {
  return {
    bytes: typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes,
    mediaType: SEV1207_MEDIA_TYPE,
    ...(fileName === undefined ? {} : { fileName }),
  };
}

/** The base64 of the first DocTransfer of a fixture, whitespace removed: the golden pins its size and hash. */
function firstDocTransfer(name: string): string {
  const match = /<DocTransfer[^>]*>([^<]*)<\/DocTransfer>/.exec(fixtureText(name));
  if (match === null) throw new Error(`${name} has no DocTransfer`);
  return (match[1] ?? '').replace(/\s/g, '');
}

const header = (fields: Omit<EnvelopeHeader, 'schemaVersion'>): EnvelopeHeader => ({
  ...fields,
  schemaVersion: SCHEMA_VERSION,
});

/** ДС13–ДС16: the four acknowledgements of one СЕВ exchange (30116577 → 30855996). */
function acknowledgement(
  messageId: string,
  createdAt: string,
  messageRef: string,
  outcome: ReceiptOutcome,
): Envelope {
  return {
    header: header({
      messageId,
      type: 'receipt',
      createdAt,
      sender: '30116577',
      recipient: '30855996',
      inReplyTo: messageRef,
    }),
    body: { type: 'receipt', receipt: { messageRef, at: createdAt, outcome } },
  };
}

const DS1_EXPECTED: Envelope = {
  header: header({
    messageId: '3b328ce2-d12b-4cbc-ade8-4b73ca965463',
    type: 'appeal',
    createdAt: '2015-09-09T12:45:43Z',
    sender: '37472062',
    recipient: '21560045',
    tracking: '1/16/11-15',
  }),
  body: {
    type: 'appeal',
    appeal: {
      kind: 'citizen-appeal',
      channel: 'post',
      receivedAt: '2015-09-09T12:45:43Z',
      urgency: 'normal',
      restrictedAccess: false,
      applicant: {
        fullName: 'Міністерство інфраструктури України',
        contacts: { phones: [], emails: [] },
        address: 'м. Київ, проспект Перемоги, 14',
        consent: { disclosure: false, personalData: false },
      },
      category: 'unclassified',
      subject: 'Окреме доручення',
      text: 'До виконання ДС1',
      attachments: [
        {
          fileName: 'Окреме доручення_DLRKS168__Z0K5UCYRK.pdf',
          mediaType: 'application/pdf',
          size: 1_093_370,
          sha256: '36612511ff957c79b1b140fcc5d04de8cf3bf099d397eda824aa8763efa915a7',
          content: firstDocTransfer('ds01-do-vykonannia.xml'),
        },
      ],
      // Addressee Укрпошта (21560045); Укравтодор's 312315214 is no ЄДРПОУ code and is not in orgIds.
      routing: { target: '21560045', basis: 'До відповідної роботи' },
      deadline: '2015-09-09',
    },
  },
};

const DS11_EXPECTED: Envelope = {
  header: header({
    messageId: 'dcb75434-88fd-40b8-b0e9-db196389a212',
    type: 'answer',
    createdAt: '2015-09-09T13:12:59Z',
    sender: '37472062',
    recipient: '20064120',
    tracking: '56/4/55-15',
  }),
  body: {
    type: 'answer',
    answer: {
      answeredAt: '2015-09-09T13:12:59Z',
      registration: { number: '4/16/14-15', date: '2015-09-08' },
      result: 'explained',
      signatory: 'Пивоварський Андрій Миколайович',
      text: 'Відповідь на ДС5 - ДС11 Звітність Інформування',
      attachments: [
        {
          fileName: 'Test',
          mediaType: 'text/plain',
          size: 17,
          sha256: '22863a2b97bd96416639f27799d132512ea2be1b54f58ff826ee37b68ec30b2f',
          content: '0uXx8u7i++kg5O7q8+zl7fI=',
        },
      ],
    },
  },
};

const goldens: ConformanceCase['goldens'] = [
  {
    name: 'ДС1 До виконання',
    document: nativeDocument(fixtureBytes('ds01-do-vykonannia.xml')),
    expected: DS1_EXPECTED,
  },
  { name: 'ДС3 На погодження', document: nativeDocument(fixtureBytes('ds03-na-pohodzhennia.xml')) },
  { name: 'ДС5 Для інформування', document: nativeDocument(fixtureBytes('ds05-dlia-informuvannia.xml')) },
  { name: 'ДС6 Для узагальнення', document: nativeDocument(fixtureBytes('ds06-dlia-uzahalnennia.xml')) },
  {
    name: 'ДС7 Звітність, до виконання',
    document: nativeDocument(fixtureBytes('ds07-zvitnist-do-vykonannia.xml')),
  },
  {
    name: 'ДС9 Звітність, на погодження',
    document: nativeDocument(fixtureBytes('ds09-zvitnist-na-pohodzhennia.xml')),
  },
  {
    name: 'ДС11 Звітність, для інформування',
    document: nativeDocument(fixtureBytes('ds11-zvitnist-dlia-informuvannia.xml')),
    expected: DS11_EXPECTED,
  },
  {
    name: 'ДС11 in windows-1251',
    document: nativeDocument(fixtureBytes('ds11-windows-1251.xml')),
    expected: DS11_EXPECTED,
  },
  {
    name: 'ДС12 Звітність, для узагальнення',
    document: nativeDocument(fixtureBytes('ds12-zvitnist-dlia-uzahalnennia.xml')),
  },
  {
    name: 'ДС13 Сповіщення про доставку',
    document: nativeDocument(fixtureBytes('ds13-spovishchennia-pro-dostavku.xml')),
    expected: acknowledgement(
      'e4e3439a-708e-47c7-9e0e-a9f38c91e770',
      '2015-09-11T06:56:34Z',
      '63FC75F4-0759-4CFD-9E78-0903537D8597',
      { kind: 'delivered' },
    ),
  },
  {
    name: 'ДС14 Сповіщення про прийом',
    document: nativeDocument(fixtureBytes('ds14-spovishchennia-pro-pryiom.xml')),
    expected: acknowledgement(
      'd59cc010-2888-468a-aedf-84a4079e7767',
      '2015-09-11T06:56:45Z',
      '63FC75F4-0759-4CFD-9E78-0903537D8597',
      { kind: 'accepted' },
    ),
  },
  {
    name: 'ДС15 Сповіщення про реєстрацію',
    document: nativeDocument(fixtureBytes('ds15-spovishchennia-pro-reiestratsiiu.xml')),
    expected: acknowledgement(
      'cf5209fe-a0ea-4a38-9ecb-8c4c8ff82015',
      '2015-09-11T07:00:22Z',
      '63FC75F4-0759-4CFD-9E78-0903537D8597',
      { kind: 'registered', number: '1/0/-15', date: '2015-09-11' },
    ),
  },
  {
    name: 'ДС16 Сповіщення про відхилення',
    document: nativeDocument(fixtureBytes('ds16-spovishchennia-pro-vidkhylennia.xml')),
    // errorcode 0 is "no code"; the errortext is the reason.
    expected: acknowledgement(
      'f857f2ec-7e80-4ded-9fb1-4c6e8d80c4e2',
      '2015-09-12T10:33:40Z',
      '486C9E34-297B-4480-B04F-0BDF57CF195B',
      { kind: 'refused', reason: 'Документ відхилено' },
    ),
  },
  { name: 't3 (BMS test document)', document: nativeDocument(fixtureBytes('t3.xml')) },
  {
    name: 'test_res (BMS test document, no XML declaration)',
    document: nativeDocument(fixtureBytes('test-res.xml')),
  },
];

const DS13 = fixtureText('ds13-spovishchennia-pro-dostavku.xml');
const DS15 = fixtureText('ds15-spovishchennia-pro-reiestratsiiu.xml');
const DS11 = fixtureText('ds11-zvitnist-dlia-informuvannia.xml');

function replaced(text: string, from: string | RegExp, to: string): string {
  const result = text.replace(from, to);
  if (result === text) throw new Error(`the refusal fixture did not change: ${String(from)}`);
  return result;
}

/** ДС13 with one byte that is not UTF-8 (0xFF) in the middle of the acknowledgement's text. */
function ds13WithInvalidUtf8(): Uint8Array {
  const bytes = Buffer.from(DS13, 'utf8');
  const at = bytes.indexOf('доставлено');
  return Buffer.concat([bytes.subarray(0, at), Buffer.of(0xff), bytes.subarray(at)]);
}

/** A windows-1251 document with byte 0x98, which windows-1251 leaves undefined. */
function windows1251WithUndefinedByte(): Uint8Array {
  const bytes = Buffer.from(fixtureBytes('ds11-windows-1251.xml'));
  const at = bytes.indexOf('Test"', 0, 'latin1');
  return Buffer.concat([bytes.subarray(0, at), Buffer.of(0x98), bytes.subarray(at)]);
}

const refusals: ConformanceCase['refusals'] = [
  {
    name: 'malformed XML (unclosed element)',
    document: nativeDocument(replaced(DS13, '</Header>', '')),
    code: 'ADAPTER_MALFORMED',
  },
  {
    name: 'bytes that are not UTF-8',
    document: nativeDocument(ds13WithInvalidUtf8()),
    code: 'ADAPTER_BAD_ENCODING',
  },
  {
    name: 'a byte windows-1251 does not define',
    document: nativeDocument(windows1251WithUndefinedByte()),
    code: 'ADAPTER_BAD_ENCODING',
  },
  {
    name: 'a DOCTYPE with an external entity (XXE)',
    document: nativeDocument(
      replaced(
        DS13,
        '<Header ',
        '<!DOCTYPE Header [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<Header ',
      ).replace('Повідомлення доставлено без помилок', '&x;'),
    ),
    code: 'ADAPTER_MALFORMED',
  },
  {
    name: 'an acknowledgement without its msg_id',
    document: nativeDocument(replaced(DS13, 'msg_id="63FC75F4-0759-4CFD-9E78-0903537D8597" ', '')),
    code: 'ADAPTER_MISSING_FIELD',
    field: '/Header/Acknowledgement/@msg_id',
  },
  {
    name: 'a header without its time',
    document: nativeDocument(replaced(DS13, 'time="2015-09-11T06:56:34Z" ', '')),
    code: 'ADAPTER_MISSING_FIELD',
    field: '/Header/@time',
  },
  {
    name: 'a registration acknowledgement without the registration number',
    document: nativeDocument(replaced(DS15, /<RegNumber[^>]*>[^<]*<\/RegNumber>/, '')),
    code: 'ADAPTER_MISSING_FIELD',
    field: '/Header/Acknowledgement/RegNumber',
  },
  {
    name: 'ack_type 5',
    document: nativeDocument(replaced(DS13, 'ack_type="1"', 'ack_type="5"')),
    code: 'ADAPTER_INVALID_FIELD',
    field: '/Header/Acknowledgement/@ack_type',
  },
  {
    name: 'a time that is not an xs:dateTime',
    document: nativeDocument(replaced(DS13, 'time="2015-09-11T06:56:34Z"', 'time="11.09.2015 06:56"')),
    code: 'ADAPTER_INVALID_FIELD',
    field: '/Header/@time',
  },
  {
    name: 'a document with an element the 1207 schema does not have',
    document: nativeDocument(
      replaced(DS11, '<Confident flag="0" />', '<Confident flag="0" /><Comment>?</Comment>'),
    ),
    code: 'ADAPTER_NATIVE_SCHEMA_INVALID',
    field: '/Header/Document/Comment',
  },
  {
    name: 'another root element',
    document: nativeDocument('<?xml version="1.0" encoding="utf-8"?><Envelope standart="1207"/>'),
    code: 'ADAPTER_NATIVE_SCHEMA_INVALID',
    field: '/Envelope',
  },
  {
    name: 'a message with neither a document nor an acknowledgement',
    document: nativeDocument(
      replaced(
        DS13,
        /<Acknowledgement[\s\S]*<\/Acknowledgement>/,
        '<Expansion organization="IT-Enterprise" exp_ver="1"><StaticExpansion /></Expansion>',
      ),
    ),
    code: 'ADAPTER_UNSUPPORTED',
    field: '/Header',
  },
];

/* ---------- the round trip ---------- */

function headerArbitrary(type: MessageType): fc.Arbitrary<EnvelopeHeader> {
  return fc.record(
    {
      messageId: uuid,
      type: fc.constant(type),
      createdAt: instant,
      sender: anyParticipantCode,
      recipient: fc.constant(SEV1207_PARTICIPANT),
      tracking: trackingNumber,
      inReplyTo: uuid,
      schemaVersion: fc.constant(SCHEMA_VERSION),
    },
    {
      requiredKeys:
        type === 'appeal'
          ? ['messageId', 'type', 'createdAt', 'sender', 'recipient', 'tracking', 'schemaVersion']
          : ['messageId', 'type', 'createdAt', 'sender', 'recipient', 'schemaVersion'],
      noNullPrototype: true,
    },
  );
}

function envelopeOf(type: MessageType, body: fc.Arbitrary<EnvelopeBody>): fc.Arbitrary<Envelope> {
  return fc.record(
    { id: xmlId, header: headerArbitrary(type), body },
    { requiredKeys: ['header', 'body'], noNullPrototype: true },
  );
}

/** Appeals, answers and receipts addressed to the participant: the three message types 1207 carries. */
export const sev1207Canonical: fc.Arbitrary<Envelope> = fc.oneof(
  envelopeOf(
    'appeal',
    appeal.map((a) => ({ type: 'appeal' as const, appeal: a })),
  ),
  envelopeOf(
    'answer',
    answer.map((a) => ({ type: 'answer' as const, answer: a })),
  ),
  envelopeOf(
    'receipt',
    receipt.map((r) => ({ type: 'receipt' as const, receipt: r })),
  ),
);

/**
 * What survives canonical → 1207 → canonical. Every loss is here:
 * - all messages: the envelope `id` (1207 has no such attribute); 1207 has one time per message (`time`),
 *   so receivedAt, answeredAt and a receipt's `at` come back as the header's createdAt;
 * - appeal: inReplyTo; channel, category, consent (no 1207 field: the settings' defaults come back);
 *   noAdditionalStudy;
 * - answer: tracking and inReplyTo (1207 refers to the answered document by its registration number and
 *   date, which the canonical answer does not have);
 * - receipt: tracking and messageDigest; inReplyTo comes back as the acknowledged message; a refusal code
 *   survives only as a non-zero integer (`errorcode` is an xs:integer, 0 means no code).
 */
export function sev1207Project(envelope: Envelope): Envelope {
  const defaults = SEV1207_CASE_SETTINGS.defaults;
  const { tracking, inReplyTo, ...rest } = envelope.header;
  void inReplyTo;
  const createdAt = envelope.header.createdAt;
  const body = envelope.body;
  switch (body.type) {
    case 'appeal': {
      const { noAdditionalStudy, ...appeal } = body.appeal;
      void noAdditionalStudy;
      return {
        header: { ...rest, ...(tracking === undefined ? {} : { tracking }) },
        body: {
          type: 'appeal',
          appeal: {
            ...appeal,
            channel: defaults.channel,
            category: defaults.category,
            receivedAt: createdAt,
            applicant: { ...appeal.applicant, consent: { ...defaults.consent } },
          },
        },
      };
    }
    case 'answer':
      return { header: rest, body: { type: 'answer', answer: { ...body.answer, answeredAt: createdAt } } };
    case 'receipt': {
      const { messageDigest, ...receipt } = body.receipt;
      void messageDigest;
      let outcome = receipt.outcome;
      if (outcome.kind === 'refused') {
        const { code, ...refused } = outcome;
        outcome = code !== undefined && /^-?[0-9]+$/.test(code) && !/^-?0+$/.test(code) ? outcome : refused;
      }
      return {
        header: { ...rest, inReplyTo: receipt.messageRef },
        body: { type: 'receipt', receipt: { ...receipt, at: createdAt, outcome } },
      };
    }
    case 'status':
    case 'error':
      throw new Error(`${body.type} messages do not round-trip through 1207`);
  }
}

export const sevOvv1207Case: ConformanceCase = {
  module: sev1207Adapter,
  settings: SEV1207_CASE_SETTINGS,
  participantCode: SEV1207_PARTICIPANT,
  canonical: sev1207Canonical,
  project: sev1207Project,
  goldens,
  refusals,
};
