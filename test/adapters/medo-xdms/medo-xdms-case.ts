import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import {
  medoXdmsAdapter,
  XDMS_MEDIA_TYPE,
  XDMS_PACKAGE_MEDIA_TYPE,
} from '../../../adapters/medo-xdms/medo-xdms-adapter.js';
import { readPackage, writePackage } from '../../../adapters/medo-xdms/medo-package.js';
import { REFUSAL_REASONS } from '../../../adapters/medo-xdms/xdms-vocabulary.js';
import type { NativeDocument } from '../../../gateway/adapters/adapter.js';
import { attachmentFromBytes } from '../../../gateway/envelope/envelope-builder.js';
import {
  SCHEMA_VERSION,
  type Envelope,
  type EnvelopeBody,
  type EnvelopeHeader,
  type MessageType,
  type Status,
} from '../../../gateway/envelope/envelope-model.js';
import * as arbitraries from '../../envelope/fixtures/envelope-arbitraries.js';
import type { ConformanceCase } from '../conformance/conformance-case.js';

/**
 * The medo-xdms adapter's conformance case. The goldens are hand-written xdms 2.6 documents in the style of
 * other МЕДО systems (indented, their own labels, times without a zone, no Vkhid extras), so they exercise the
 * settings defaults; the round trip exercises what the adapter writes itself.
 */

const FIXTURES = new URL('./fixtures/', import.meta.url);
export const fixture = (name: string): Buffer => readFileSync(new URL(name, FIXTURES));
export const xdms = (bytes: Uint8Array): NativeDocument => ({ bytes, mediaType: XDMS_MEDIA_TYPE });
export const xdmsPackage = (bytes: Uint8Array): NativeDocument => ({
  bytes,
  mediaType: XDMS_PACKAGE_MEDIA_TYPE,
});
export const exampleSettings = JSON.parse(
  readFileSync(new URL('../../../adapters/medo-xdms/example-settings.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

const CONTACT_CENTER = '00015622';
export const CITY_ADMINISTRATION = '00022527';
const TRACKING = 'UKC-2026-0226-01544';
const APPEAL_ID = '0c7d5e3a-9f21-4b68-8d47-2e6a1f9b3c05';

function envelope(
  type: MessageType,
  messageId: string,
  createdAt: string,
  body: EnvelopeBody,
  extra: Partial<EnvelopeHeader> = { tracking: TRACKING, inReplyTo: APPEAL_ID },
): Envelope {
  const sender = type === 'appeal' ? CONTACT_CENTER : CITY_ADMINISTRATION;
  const recipient = type === 'appeal' ? CITY_ADMINISTRATION : CONTACT_CENTER;
  return {
    header: { messageId, type, createdAt, sender, recipient, ...extra, schemaVersion: SCHEMA_VERSION },
    body,
  };
}

const status = (messageId: string, createdAt: string, value: Status): Envelope =>
  envelope('status', messageId, createdAt, { type: 'status', status: value });

const registered = (): Envelope =>
  envelope('receipt', '4e1f0a9c-2b7d-4c35-a816-7d9e3b5f1a21', '2026-02-27T11:40:00+02:00', {
    type: 'receipt',
    receipt: {
      messageRef: APPEAL_ID,
      at: '2026-02-27T11:38:12+02:00',
      outcome: { kind: 'registered', number: 'К-2741/26-вх', date: '2026-02-27' },
    },
  });

/** The appeal package: passport (windows-1251), its text (a windows-1251 .txt) and a PDF scan, zipped by zip(1). */
const appealPackage = fixture('appeal-document.zip');
const SCAN_PDF = Buffer.from(
  '%PDF-1.4\n% scan placeholder\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n',
  'latin1',
);

function packageEntry(zip: Buffer, name: string): Buffer {
  const entry = readPackage(zip, { maxEntries: 10, maxTotalBytes: 1 << 20 }).get(name);
  if (entry === undefined) throw new Error(`${name} is missing from the fixture`);
  return entry;
}

const goldens: ConformanceCase['goldens'] = [
  {
    name: 'a document: an appeal package (windows-1251 passport, text file and a PDF enclosure)',
    document: xdmsPackage(appealPackage),
    expected: envelope(
      'appeal',
      APPEAL_ID,
      '2026-02-26T15:12:09+02:00',
      {
        type: 'appeal',
        appeal: {
          kind: 'citizen-appeal',
          channel: 'post',
          receivedAt: '2026-02-26T15:12:09+02:00',
          urgency: 'urgent',
          restrictedAccess: false,
          applicant: {
            fullName: 'Петренко Іван Миколайович',
            contacts: { phones: ['+380 44 123 45 67'], emails: ['i.petrenko@example.ua'] },
            address: 'м. Київ, вул. Саксаганського, 41, кв. 7',
            consent: { disclosure: false, personalData: false },
          },
          category: 'roads.repair',
          subject: 'Про ремонт вибоїн на вул. Саксаганського',
          text:
            'Прошу відремонтувати вибоїни на проїжджій частині вул. Саксаганського біля будинку № 41.\r\n' +
            'Яма глибиною близько 15 см небезпечна для автомобілів і велосипедистів.\r\n',
          attachments: [attachmentFromBytes('Фото вибоїн (скан-копія)', 'application/pdf', SCAN_PDF)],
          routing: { target: CITY_ADMINISTRATION, basis: 'Закон України «Про звернення громадян», ст. 7' },
          deadline: '2026-03-28',
        },
      },
      { tracking: TRACKING },
    ),
  },
  {
    name: 'a document answering the appeal (UTF-8, bare passport, text in the annotation)',
    document: xdms(fixture('answer.utf8.xml')),
    expected: envelope('answer', 'd2a09d6f-be47-4fcf-9baf-6a8b2e4cadb0', '2026-03-12T10:00:00+02:00', {
      type: 'answer',
      answer: {
        answeredAt: '2026-03-12T10:00:00+02:00',
        registration: { number: '061-2317', date: '2026-03-12' },
        result: 'explained',
        signatory: 'Бондаренко Сергій Олексійович',
        text: 'Повідомляємо, що ремонт проїжджої частини вул. Саксаганського біля будинку № 41 виконано 11.03.2026.',
      },
    }),
  },
  {
    name: 'an acknowledgment, accepted (windows-1251, local time)',
    document: xdms(fixture('acknowledgment-accepted.cp1251.xml')),
    expected: envelope(
      'receipt',
      'b08e7b4d-9c25-4dad-9f8d-4e6f0c2a8b98',
      '2026-02-27T10:02:00+02:00',
      {
        type: 'receipt',
        receipt: { messageRef: APPEAL_ID, at: '2026-02-27T10:01:47+02:00', outcome: { kind: 'accepted' } },
      },
      { inReplyTo: APPEAL_ID },
    ),
  },
  {
    name: 'an acknowledgment, not accepted (UTF-8)',
    document: xdms(fixture('acknowledgment-rejected.utf8.xml')),
    expected: envelope(
      'receipt',
      'c19f8c5e-ad36-4ebe-8a9e-5f7a1d3b9ca9',
      '2026-02-27T10:03:00+02:00',
      {
        type: 'receipt',
        receipt: {
          messageRef: APPEAL_ID,
          at: '2026-02-27T10:02:55+02:00',
          outcome: { kind: 'refused', reason: 'Файл document.txt пошкоджено: контрольна сума не збігається' },
        },
      },
      { inReplyTo: APPEAL_ID },
    ),
  },
  {
    name: 'a notification «Зарегистрирован» (windows-1251)',
    document: xdms(fixture('notification-registered.cp1251.xml')),
    expected: registered(),
  },
  {
    name: 'a notification «Зарегистрирован» (UTF-8)',
    document: xdms(fixture('notification-registered.utf8.xml')),
    expected: registered(),
  },
  {
    name: 'a notification «Отказано в регистрации» with a reason (UTF-8)',
    document: xdms(fixture('notification-refused.utf8.xml')),
    expected: envelope('receipt', '5a2e1b8d-3c6f-4d47-b927-8e0f4c6a2b32', '2026-02-27T12:05:00+02:00', {
      type: 'receipt',
      receipt: {
        messageRef: APPEAL_ID,
        at: '2026-02-27T12:04:30+02:00',
        outcome: {
          kind: 'refused',
          code: 'wrongly-addressed',
          reason: 'Питання утримання доріг належить до компетенції КП «Київавтодор»; просимо переадресувати.',
        },
      },
    }),
  },
  {
    name: 'a notification «Назначен исполнитель» (windows-1251, local time)',
    document: xdms(fixture('notification-executor-assigned.cp1251.xml')),
    expected: status('6b3f2c9e-4d70-4e58-8a38-9f1a5d7b3c43', '2026-03-02T09:15:00+02:00', {
      at: '2026-03-02T09:14:00+02:00',
      outcome: { kind: 'under-consideration' },
      comment: 'Призначено виконавця: Відділ утримання доріг, Головний спеціаліст',
    }),
  },
  {
    name: 'a notification «Доклад подготовлен» (UTF-8)',
    document: xdms(fixture('notification-report-prepared.utf8.xml')),
    expected: status('7c4a3d0f-5e81-4f69-9b49-0a2b6e8c4d54', '2026-03-10T16:20:00+02:00', {
      at: '2026-03-10T16:18:00+02:00',
      outcome: { kind: 'under-consideration' },
      comment: 'Проєкт відповіді передано на підпис: Директор Департаменту транспортної інфраструктури',
    }),
  },
  {
    name: 'a notification «Доклад направлен» (windows-1251)',
    document: xdms(fixture('notification-report-sent.cp1251.xml')),
    expected: status('8d5b4e1a-6f92-4a7a-8c5a-1b3c7f9d5e65', '2026-03-12T10:00:00+02:00', {
      at: '2026-03-12T09:58:41+02:00',
      outcome: { kind: 'answered' },
      comment: 'Відповідь № 061-2317 від 2026-03-12',
    }),
  },
  {
    name: 'a notification «Исполнение» (UTF-8)',
    document: xdms(fixture('notification-execution.utf8.xml')),
    expected: status('9e6c5f2b-7a03-4b8b-9d6b-2c4d8a0e6f76', '2026-03-05T14:30:00+02:00', {
      at: '2026-03-05T14:29:00+02:00',
      outcome: { kind: 'under-consideration' },
      comment:
        'Проведено обстеження ділянки вул. Саксаганського, 41; ремонт включено до плану робіт на березень.',
    }),
  },
  {
    name: 'a notification «Опубликование» (windows-1251, summer local time)',
    document: xdms(fixture('notification-published.cp1251.xml')),
    expected: status('af7d6a3c-8b14-4c9c-8e7c-3d5e9b1f7a87', '2025-07-15T09:00:00+03:00', {
      at: '2025-07-15T08:55:00+03:00',
      outcome: { kind: 'under-consideration' },
      comment: 'Опубліковано: Газета «Хрещатик», № 27/2025 від 2025-07-14',
    }),
  },
];

// ---------------------------------------------------------------- refusals

const registeredUtf8 = fixture('notification-registered.utf8.xml').toString('utf8');
const refusedUtf8 = fixture('notification-refused.utf8.xml').toString('utf8');
const answerUtf8 = fixture('answer.utf8.xml').toString('utf8');
const text = (value: string): NativeDocument => xdms(Buffer.from(value, 'utf8'));
const cp1251 = (value: string): NativeDocument => xdms(iconv.encode(value, 'win1251'));
/** The answer fixture turned into an appeal: no answer link, and an applicant. */
const appealFromAnswer = answerUtf8
  .replace(/<xdms:links>[\s\S]*<\/xdms:links>/, '')
  .replace(
    '</xdms:annotation>',
    '</xdms:annotation><xdms:correspondents><xdms:correspondent><xdms:person>Петренко Іван</xdms:person></xdms:correspondent></xdms:correspondents>',
  );

export const refusals: ConformanceCase['refusals'] = [
  {
    name: 'XML that is not well-formed',
    document: text(registeredUtf8.replace('</xdms:notification>', '')),
    code: 'ADAPTER_MALFORMED',
  },
  { name: 'not XML at all', document: text('МЕДО'), code: 'ADAPTER_MALFORMED' },
  {
    name: 'windows-1251 bytes in a document declared UTF-8',
    document: cp1251(registeredUtf8),
    code: 'ADAPTER_BAD_ENCODING',
  },
  {
    name: 'a byte windows-1251 leaves undefined (0x98)',
    document: xdms(
      Buffer.concat([
        iconv.encode(registeredUtf8.replace('UTF-8', 'windows-1251').split('К-2741')[0] as string, 'win1251'),
        Buffer.from([0x98]),
        iconv.encode(`К-2741${registeredUtf8.split('К-2741')[1] as string}`, 'win1251'),
      ]),
    ),
    code: 'ADAPTER_BAD_ENCODING',
  },
  {
    name: 'a DOCTYPE with an external entity (XXE)',
    document: text(
      registeredUtf8.replace(
        '<xdms:communication',
        '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xdms:communication',
      ),
    ),
    code: 'ADAPTER_MALFORMED',
  },
  {
    name: 'an appeal without the applicant (correspondent/person)',
    document: text(appealFromAnswer.replace(/<xdms:person>Петренко Іван<\/xdms:person>/, '')),
    code: 'ADAPTER_MISSING_FIELD',
    field: 'communication.document.correspondents.correspondent.person',
  },
  {
    name: 'an appeal without its tracking number (document/@id)',
    document: text(appealFromAnswer.replace(' xdms:id="UKC-2026-0226-01544"', '')),
    code: 'ADAPTER_MISSING_FIELD',
    field: 'communication.document.@id',
  },
  {
    name: 'an unknown notification type',
    document: text(registeredUtf8.replace('xdms:type="Зарегистрирован"', 'xdms:type="Снят с контроля"')),
    code: 'ADAPTER_UNSUPPORTED',
    field: 'communication.notification.@type',
  },
  {
    name: 'a notification whose type contradicts its event',
    document: text(refusedUtf8.replace('xdms:type="Отказано в регистрации"', 'xdms:type="Зарегистрирован"')),
    code: 'ADAPTER_INVALID_FIELD',
    field: 'communication.notification.@type',
  },
  {
    name: 'a schema-invalid document (a notification without its time)',
    document: text(registeredUtf8.replace(/<xdms:time>[^<]*<\/xdms:time>/, '')),
    code: 'ADAPTER_NATIVE_SCHEMA_INVALID',
    field: /documentAccepted/,
  },
  {
    name: 'a schema-invalid document (a refusal reason xdms does not enumerate)',
    document: text(refusedUtf8.replace('Документ неверно адресован', 'Не сподобався')),
    code: 'ADAPTER_NATIVE_SCHEMA_INVALID',
    field: /reason/,
  },
  {
    name: 'a package without passport.xml',
    document: xdmsPackage(writePackage([{ name: 'document.txt', bytes: Buffer.from('текст') }])),
    code: 'ADAPTER_MISSING_FIELD',
    field: 'passport.xml',
  },
  {
    name: 'a package missing a file its passport lists',
    document: xdmsPackage(
      writePackage([{ name: 'passport.xml', bytes: packageEntry(appealPackage, 'passport.xml') }]),
    ),
    code: 'ADAPTER_MISSING_FIELD',
    field: 'communication.files.file[0].@localName',
  },
  {
    name: 'a truncated package',
    document: xdmsPackage(appealPackage.subarray(0, appealPackage.length - 30)),
    code: 'ADAPTER_MALFORMED',
  },
];

// ---------------------------------------------------------------- round trip

const notBlank = (value: string): boolean => value.trim() !== '';
/** A registration number xdms can carry: an xsd:token of at most 31 characters. */
const documentNumber = fc.stringMatching(/^[0-9А-ЯІЇЄҐA-Z][0-9А-ЯІЇЄҐA-Z/.-]{0,30}$/);

/** Contacts as one contactInfo (511 characters): e-mails are dropped from the end until they fit. */
function fitContacts(
  phones: readonly string[],
  emails: readonly string[],
): { phones: string[]; emails: string[] } {
  const kept = [...emails];
  while ([...phones, ...kept].join('; ').length > 511) kept.pop();
  return { phones: [...phones], emails: kept };
}

/** Envelopes xdms can carry, addressed to the xdms participant; the rest is refused (see the test file). */
export const canonical: fc.Arbitrary<Envelope> = fc
  .oneof(
    arbitraries.appealEnvelope
      .filter((e) => {
        if (e.body.type !== 'appeal') return false;
        const a = e.body.appeal;
        return (
          notBlank(a.applicant.fullName) &&
          notBlank(a.subject) &&
          notBlank(a.text) &&
          notBlank(a.routing.basis) &&
          (a.attachments ?? []).every((file) => notBlank(file.fileName))
        );
      })
      .map((e): Envelope => {
        if (e.body.type !== 'appeal') return e;
        const a = e.body.appeal;
        const contacts = fitContacts(a.applicant.contacts.phones, a.applicant.contacts.emails);
        return { ...e, body: { type: 'appeal', appeal: { ...a, applicant: { ...a.applicant, contacts } } } };
      }),
    fc
      .tuple(
        arbitraries.envelopeOf(
          'answer',
          arbitraries.answer.map((answer) => ({ type: 'answer' as const, answer })),
        ),
        arbitraries.uuid,
        documentNumber,
      )
      .filter(([e]) => {
        if (e.body.type !== 'answer') return false;
        const a = e.body.answer;
        return (
          notBlank(a.signatory) &&
          notBlank(a.text) &&
          (a.attachments ?? []).every((f) => notBlank(f.fileName))
        );
      })
      .map(([e, inReplyTo, number]): Envelope => {
        if (e.body.type !== 'answer') return e;
        const a = e.body.answer;
        return {
          ...e,
          header: { ...e.header, inReplyTo },
          body: {
            type: 'answer',
            answer: {
              ...a,
              ...(a.registration === undefined ? {} : { registration: { ...a.registration, number } }),
            },
          },
        };
      }),
    fc
      .tuple(
        arbitraries.envelopeOf(
          'receipt',
          arbitraries.receipt.map((receipt) => ({ type: 'receipt' as const, receipt })),
        ),
        documentNumber,
        fc.constantFrom(undefined, ...Object.keys(REFUSAL_REASONS)),
      )
      .map(([e, number, code]): Envelope => {
        if (e.body.type !== 'receipt') return e;
        const r = e.body.receipt;
        const outcome =
          r.outcome.kind === 'registered'
            ? { ...r.outcome, number }
            : r.outcome.kind === 'refused' && code !== undefined
              ? { ...r.outcome, code }
              : r.outcome;
        return { ...e, body: { type: 'receipt', receipt: { ...r, outcome } } };
      }),
    fc
      .tuple(
        arbitraries.envelopeOf(
          'status',
          arbitraries.status.map((value) => ({ type: 'status' as const, status: value })),
        ),
        arbitraries.uuid,
        fc.constantFrom('under-consideration' as const, 'answered' as const),
      )
      .map(([e, inReplyTo, kind]): Envelope => {
        if (e.body.type !== 'status') return e;
        return {
          ...e,
          header: { ...e.header, inReplyTo },
          body: { type: 'status', status: { ...e.body.status, outcome: { kind } } },
        };
      }),
  )
  .map((e) => ({ ...e, header: { ...e.header, recipient: CITY_ADMINISTRATION } }));

/**
 * What survives canonical → xdms → canonical (the losses, each explained in docs/adapters/medo-xdms.md):
 * the root Id is not carried; an appeal's inReplyTo is not carried (a linked document reads as an answer);
 * a receipt's inReplyTo is its MessageRef (one notification attribute holds both); `delivered` and `accepted`
 * are one positive acknowledgment; a digest survives only on acknowledgments; a refusal code is one of the
 * xdms reasons (others become the default); an acknowledgment names no recipient (the default is taken).
 */
export function project(e: Envelope): Envelope {
  const rest = { ...e };
  delete rest.id;
  const header = { ...rest.header };
  if (rest.body.type === 'appeal') delete header.inReplyTo;
  if (rest.body.type !== 'receipt') return { ...rest, header };
  const receipt = { ...rest.body.receipt };
  header.inReplyTo = receipt.messageRef;
  const outcome = receipt.outcome;
  if (outcome.kind === 'delivered' || outcome.kind === 'accepted') {
    receipt.outcome = { kind: 'accepted' };
    header.recipient = exampleSettings.defaultRecipient as string;
  } else {
    delete receipt.messageDigest;
    if (outcome.kind === 'refused') {
      const code =
        outcome.code !== undefined && REFUSAL_REASONS[outcome.code] !== undefined
          ? outcome.code
          : ((exampleSettings.defaults as Record<string, string>).refusalReason as string);
      receipt.outcome = { kind: 'refused', code, reason: outcome.reason };
    }
  }
  return { ...rest, header, body: { type: 'receipt', receipt } };
}

export const medoXdmsCase: ConformanceCase = {
  module: medoXdmsAdapter,
  settings: exampleSettings,
  participantCode: CITY_ADMINISTRATION,
  canonical,
  project,
  goldens,
  refusals,
};
