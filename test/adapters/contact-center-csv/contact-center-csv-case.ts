import { readFileSync } from 'node:fs';
import type fc from 'fast-check';
import { contactCenterCsvAdapter } from '../../../adapters/contact-center-csv/contact-center-csv-adapter.js';
import type { NativeDocument } from '../../../gateway/adapters/adapter.js';
import { SCHEMA_VERSION, type Appeal, type Envelope } from '../../../gateway/envelope/envelope-model.js';
import { appealEnvelope } from '../../envelope/fixtures/envelope-arbitraries.js';
import type { ConformanceCase } from '../conformance/conformance-case.js';

export const CONTACT_CENTER = '00015622';

const fixture = (name: string): Uint8Array => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const csv = (bytes: Uint8Array | string, mediaType = 'text/csv'): NativeDocument => ({
  bytes: typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes,
  mediaType,
});

/** The required columns with one valid value each: the refusals below break one thing in it. */
export const MINIMAL_HEADER = [
  'Номер звернення',
  'Дата надходження',
  'Канал надходження',
  'Вид звернення',
  'Терміновість',
  'Обмежений доступ',
  'ПІБ заявника',
  'Згода на розголошення',
  'Згода на обробку персональних даних',
  'Категорія',
  'Тема',
  'Текст звернення',
  'Код ЄДРПОУ адресата',
  'Підстава направлення',
  'Граничний строк розгляду',
];
export const MINIMAL_ROW = [
  'UKC-2026-0301-00001',
  '01.03.2026 12:00',
  'гаряча лінія',
  'звернення громадянина',
  'звичайне',
  'ні',
  'Мельник Андрій',
  'так',
  'так',
  'housing',
  'Опалення',
  'Немає опалення в будинку.',
  '00022527',
  'Ст. 7 Закону «Про звернення громадян»',
  '2026-03-31',
];

/** A one-row document of the minimal columns, with `change` applied to a copy of the row (or header). */
export function minimal(
  change: { row?: (row: string[]) => void; header?: (header: string[]) => void } = {},
): string {
  const header = [...MINIMAL_HEADER];
  const row = [...MINIMAL_ROW];
  change.header?.(header);
  change.row?.(row);
  return `${header.join(';')}\r\n${row.join(';')}\r\n`;
}

const appealOf = (
  header: Omit<Envelope['header'], 'type' | 'schemaVersion' | 'sender'>,
  appeal: Appeal,
): Envelope => ({
  header: { ...header, type: 'appeal', sender: CONTACT_CENTER, schemaVersion: SCHEMA_VERSION },
  body: { type: 'appeal', appeal },
});

/**
 * UTF-8 with `;` and CRLF, no BOM; columns in the contact center's own order with a working column
 * (Оператор) the hub ignores; Kyiv wall-clock times; no message id (derived), no creation time (the
 * reception time); a quoted text spanning two lines with `;` and doubled quotes.
 */
const utf8Semicolon = appealOf(
  {
    messageId: 'ce9e284b-097b-808d-b839-13af03c32a70',
    createdAt: '2025-03-14T10:17:42+02:00',
    recipient: '00022527',
    tracking: 'UKC-2025-0314-00873',
  },
  {
    kind: 'citizen-appeal',
    channel: 'hotline',
    receivedAt: '2025-03-14T10:17:42+02:00',
    urgency: 'normal',
    restrictedAccess: false,
    applicant: {
      fullName: 'Коваленко Олена Петрівна',
      contacts: { phones: ['+380 (67) 123-45-67', '+380 44 234 56 78'], emails: ['o.kovalenko@ukr.net'] },
      address: 'м. Київ, вул. Велика Васильківська, 72, кв. 15',
      consent: { disclosure: true, personalData: true },
    },
    category: 'roads.repair',
    subject: 'Ремонт дорожнього покриття на вул. Велика Васильківська',
    text:
      'Прошу вжити заходів щодо ремонту вибоїн на проїжджій частині вул. Велика Васильківська між будинками № 68 ' +
      'та № 76 (Печерський район).\r\nПісля зими утворилися вибоїни глибиною понад 10 см; фото — у «Дії»: ' +
      '"вибоїна-72.png".',
    routing: {
      target: '00022527',
      basis: 'Закон України «Про звернення громадян», ст. 7; утримання вулично-дорожньої мережі м. Києва',
    },
    deadline: '2025-04-13',
  },
);

/**
 * windows-1251 with `,` and LF: the letters only Ukrainian has (Ґ Ї Є і), a message id column, a summer wall
 * time (+03:00), two e-mail addresses separated by `; `, no phone or address columns.
 */
const windows1251Comma = appealOf(
  {
    messageId: '8c1f6a2e-3b4d-4e5f-9a6b-7c8d9e0f1a2b',
    createdAt: '2025-07-02T09:05:00+03:00',
    recipient: '03359500',
    tracking: 'UKC-2025-0702-00041',
  },
  {
    kind: 'sensitive-report',
    channel: 'web',
    receivedAt: '2025-07-02T09:05:00+03:00',
    urgency: 'urgent',
    restrictedAccess: true,
    noAdditionalStudy: true,
    applicant: {
      fullName: 'Ґудзь Їжак Євгенович',
      contacts: { phones: [], emails: ['ie.gudz@example.ua', 'yizhak@meta.ua'] },
      consent: { disclosure: false, personalData: true },
    },
    category: 'social.violence',
    subject: 'Повідомлення про домашнє насильство, вул. Шевченка, 5',
    text: 'Сусіди чують крики щоночі; прошу перевірити.',
    routing: { target: '03359500', basis: 'Ч. 3 ст. 7 Закону «Про звернення громадян»' },
    deadline: '2025-07-07',
  },
);

/** UTF-8 with a BOM and `,`, the canonical codes instead of Ukrainian words, an explicit creation time. */
const utf8Bom = appealOf(
  {
    messageId: 'bb49ef82-b154-8c4d-bb29-b628a67cb05c',
    createdAt: '2026-01-15T08:00:00Z',
    recipient: '00022527',
    tracking: 'UKC-2026-0115-00002',
  },
  {
    kind: 'public-info-request',
    channel: 'email',
    receivedAt: '2026-01-15T09:58:10.250+02:00',
    urgency: 'normal',
    restrictedAccess: false,
    applicant: {
      fullName: 'Степаненко Ірина',
      contacts: { phones: ['0441234567'], emails: [] },
      consent: { disclosure: true, personalData: true },
    },
    category: 'public-info',
    subject: 'Запит щодо бюджету',
    text: 'Прошу надати копію кошторису на 2026 рік.',
    routing: { target: '00022527', basis: 'Закон «Про доступ до публічної інформації»' },
    deadline: '2026-01-20',
  },
);

const PHONE = /^\+?[0-9 ()-]{5,20}$/;

/**
 * What survives canonical → CSV → canonical. Lost, by design of the format:
 * - the root Id attribute and the header's InReplyTo (an appeal row has no columns for them);
 * - attachments (a CSV cell cannot carry files; fromCanonical lists their names and sizes only);
 * - the recipient, which is read from the target column (Routing/Target);
 * - spaces around a phone number, when the number is still valid without them; blank phone "numbers".
 */
export function projectAppeal(envelope: Envelope): Envelope {
  if (envelope.body.type !== 'appeal') return envelope;
  const { attachments, ...appeal } = envelope.body.appeal;
  void attachments;
  const { inReplyTo, ...header } = envelope.header;
  void inReplyTo;
  const phones = appeal.applicant.contacts.phones
    .filter((phone) => phone.trim() !== '')
    .map((phone) => (PHONE.test(phone.trim()) ? phone.trim() : phone));
  return {
    header: { ...header, recipient: appeal.routing.target },
    body: {
      type: 'appeal',
      appeal: {
        ...appeal,
        applicant: { ...appeal.applicant, contacts: { ...appeal.applicant.contacts, phones } },
      },
    },
  };
}

/**
 * Appeals from the contact center. E-mail addresses are drawn without `,` and `;`, which separate addresses
 * in their cell (real addresses never hold them unquoted; fromCanonical refuses one that does).
 */
export const contactCenterAppeal: fc.Arbitrary<Envelope> = appealEnvelope.map((envelope) => {
  if (envelope.body.type !== 'appeal') return envelope;
  const appeal = envelope.body.appeal;
  const emails = appeal.applicant.contacts.emails.map((email) => email.replace(/[,;]/g, '_'));
  return {
    ...envelope,
    header: { ...envelope.header, sender: CONTACT_CENTER },
    body: {
      type: 'appeal',
      appeal: {
        ...appeal,
        applicant: { ...appeal.applicant, contacts: { ...appeal.applicant.contacts, emails } },
      },
    },
  };
});

export const contactCenterCsvCase: ConformanceCase = {
  module: contactCenterCsvAdapter,
  settings: {},
  participantCode: CONTACT_CENTER,
  canonical: contactCenterAppeal,
  project: projectAppeal,
  goldens: [
    {
      name: 'UTF-8, semicolons, Kyiv wall-clock times, derived message id',
      document: csv(fixture('appeal-utf8-semicolon.csv')),
      expected: utf8Semicolon,
    },
    {
      name: 'windows-1251, commas, LF line ends',
      document: csv(fixture('appeal-1251-comma.csv')),
      expected: windows1251Comma,
    },
    {
      name: 'UTF-8 with a BOM, commas, canonical codes, no final line end',
      document: csv(fixture('appeal-utf8-bom.csv')),
      expected: utf8Bom,
    },
  ],
  refusals: [
    {
      name: 'a row with fewer cells than the header',
      document: csv(minimal({ row: (row) => row.pop() })),
      code: 'ADAPTER_MALFORMED',
      field: 'row 1',
    },
    {
      name: 'a reception date that is not a date',
      document: csv(minimal({ row: (row) => (row[1] = '31.02.2026 12:00') })),
      code: 'ADAPTER_INVALID_FIELD',
      field: 'row 1, column Дата надходження',
    },
    {
      name: 'a deadline that is not a date',
      document: csv(minimal({ row: (row) => (row[14] = 'завтра') })),
      code: 'ADAPTER_INVALID_FIELD',
      field: 'row 1, column Граничний строк розгляду',
    },
    {
      name: 'a NUL byte: neither UTF-8 nor windows-1251 text',
      document: csv(
        Buffer.concat([Buffer.from(minimal().slice(0, -4)), Buffer.from([0x00]), Buffer.from('\r\n')]),
      ),
      code: 'ADAPTER_BAD_ENCODING',
      field: /^row 1, column /,
    },
    {
      name: 'windows-1251 bytes declared as UTF-8',
      document: csv(Buffer.from(fixture('appeal-1251-comma.csv')), 'text/csv; charset=utf-8'),
      code: 'ADAPTER_BAD_ENCODING',
    },
    {
      name: 'a required column missing from the header',
      document: csv(minimal({ header: (header) => header.splice(10, 1), row: (row) => row.splice(10, 1) })),
      code: 'ADAPTER_MISSING_FIELD',
      field: 'column Тема',
    },
    {
      name: 'an empty required cell',
      document: csv(minimal({ row: (row) => (row[6] = '') })),
      code: 'ADAPTER_MISSING_FIELD',
      field: 'row 1, column ПІБ заявника',
    },
    {
      name: 'a target that is not a ЄДРПОУ code',
      document: csv(minimal({ row: (row) => (row[12] = '2252') })),
      code: 'ADAPTER_INVALID_FIELD',
      field: 'row 1, column Код ЄДРПОУ адресата',
    },
    {
      name: 'a channel the format does not know',
      document: csv(minimal({ row: (row) => (row[2] = 'телеграм') })),
      code: 'ADAPTER_INVALID_FIELD',
      field: 'row 1, column Канал надходження',
    },
    {
      name: 'a stray quote inside an unquoted cell',
      document: csv(minimal({ row: (row) => (row[10] = 'Опалення "ТЕЦ') })),
      code: 'ADAPTER_MALFORMED',
      field: 'row 1',
    },
    {
      name: 'two data rows in one document',
      document: csv(`${minimal()}${MINIMAL_ROW.join(';')}\r\n`),
      code: 'ADAPTER_MALFORMED',
    },
    {
      name: 'a header without data',
      document: csv(`${MINIMAL_HEADER.join(';')}\r\n`),
      code: 'ADAPTER_MALFORMED',
    },
  ],
};
