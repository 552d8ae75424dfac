import { createHash } from 'node:crypto';
import type { AdapterContext } from '../../gateway/adapters/adapter.js';
import { SCHEMA_VERSION, type Appeal, type Envelope } from '../../gateway/envelope/envelope-model.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import {
  APPEAL_COLUMNS,
  CHANNEL_LABELS,
  FALSE_WORD,
  KIND_LABELS,
  REQUIRED_APPEAL_COLUMNS,
  TRUE_WORD,
  URGENCY_LABELS,
  type AppealColumn,
} from './csv-columns.js';
import * as read from './csv-fields.js';
import { headingKey, type CsvSettings } from './csv-settings.js';

/** Where each appeal column is in a file's header (columns the file does not have are absent). */
export type AppealHeader = ReadonlyMap<AppealColumn, number>;

/**
 * Finds the appeal columns in a header by their headings (trimmed, case-insensitive). Other columns are
 * ignored: contact-center exports carry working columns (operator, call id) the hub has no use for. A
 * required column the header lacks is ADAPTER_MISSING_FIELD `column NAME`; a heading given twice is
 * ADAPTER_MALFORMED, as either could be the one meant.
 */
export function readAppealHeader(cells: readonly string[], settings: CsvSettings): AppealHeader {
  const byHeading = new Map(APPEAL_COLUMNS.map((key) => [headingKey(settings.columns[key]), key]));
  const header = new Map<AppealColumn, number>();
  cells.forEach((cell, index) => {
    const key = byHeading.get(headingKey(cell));
    if (key === undefined) return;
    if (header.has(key)) {
      const field = `column ${settings.columns[key]}`;
      throw new VkhidError('ADAPTER_MALFORMED', {
        args: ['CSV', `the header has the column ${settings.columns[key]} twice`],
        field,
      });
    }
    header.set(key, index);
  });
  for (const key of REQUIRED_APPEAL_COLUMNS) {
    if (!header.has(key)) {
      const field = `column ${settings.columns[key]}`;
      throw new VkhidError('ADAPTER_MISSING_FIELD', { args: [field], field });
    }
  }
  return header;
}

/**
 * One data row as a canonical appeal. The sender is the contact center (the context's participant), the
 * recipient the agency in the target column. A file without a message-id column gets an id derived from
 * sender, tracking number and target, so importing the same row again names the same message (the hub then
 * answers "repeated" instead of storing it twice); without a creation-time column the message is dated at
 * the appeal's reception, so a re-import converts to the identical envelope.
 */
export function appealFromRow(
  cells: readonly string[],
  header: AppealHeader,
  row: number,
  settings: CsvSettings,
  context: AdapterContext,
): Envelope {
  const cell = (key: AppealColumn): read.Cell => {
    const index = header.get(key);
    return {
      value: index === undefined ? undefined : cells[index],
      field: `row ${row}, column ${settings.columns[key]}`,
    };
  };
  const zone = settings.timeZone;
  const tracking = read.trackingNumber(cell('tracking'));
  const receivedAt = read.instant(cell('receivedAt'), zone);
  const target = read.participantCode(cell('target'));
  const sender = context.participantCode;
  const address = read.optionalText(cell('address'), 500);
  const noAdditionalStudy = read.optionalFlag(cell('noAdditionalStudy'));
  const appeal: Appeal = {
    kind: read.choice(cell('kind'), KIND_LABELS),
    channel: read.choice(cell('channel'), CHANNEL_LABELS),
    receivedAt,
    urgency: read.choice(cell('urgency'), URGENCY_LABELS),
    restrictedAccess: read.flag(cell('restrictedAccess')),
    ...(noAdditionalStudy === undefined ? {} : { noAdditionalStudy }),
    applicant: {
      fullName: read.text(cell('fullName'), 500),
      contacts: { phones: read.phones(cell('phones')), emails: read.emails(cell('emails')) },
      ...(address === undefined ? {} : { address }),
      consent: {
        disclosure: read.flag(cell('consentDisclosure')),
        personalData: read.flag(cell('consentPersonalData')),
      },
    },
    category: read.code(cell('category')),
    subject: read.text(cell('subject'), 500),
    text: read.text(cell('text'), 200_000),
    routing: { target, basis: read.text(cell('basis'), 500) },
    deadline: read.date(cell('deadline')),
  };
  const messageId =
    read.optional(cell('messageId')) === undefined
      ? derivedMessageId(sender, tracking, target)
      : read.uuid(cell('messageId'));
  const createdAt =
    read.optional(cell('createdAt')) === undefined ? receivedAt : read.instant(cell('createdAt'), zone);
  return {
    header: {
      messageId,
      type: 'appeal',
      createdAt,
      sender,
      recipient: target,
      tracking,
      schemaVersion: SCHEMA_VERSION,
    },
    body: { type: 'appeal', appeal },
  };
}

/**
 * A UUID (version 8, RFC 9562: application-defined) from the SHA-256 of what identifies a routed appeal: the
 * same appeal routed to the same agency is one message however often it is imported; routed to a second
 * agency it is another.
 */
export function derivedMessageId(sender: string, tracking: string, target: string): string {
  const hex = createHash('sha256')
    .update(`contact-center-csv\n${sender}\n${tracking}\n${target}`)
    .digest('hex');
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A cell to write and the model path a refusal about it names. */
export interface OutputCell {
  readonly value: string;
  readonly path: string;
  /**
   * An informative cell (the list of attachments): a character the encoding cannot write becomes `?` there
   * instead of refusing the message.
   */
  readonly informative?: boolean;
}

const word = (value: boolean): string => (value ? TRUE_WORD : FALSE_WORD);

/**
 * An appeal as a row of the appeal columns. Attachments cannot travel in a CSV cell: their names and sizes are
 * listed for the reader, and reading the row back gives none. E-mail addresses holding `,` or `;` are refused,
 * as those separate the addresses in their cell.
 */
export function appealToRow(envelope: Envelope, appeal: Appeal): Record<AppealColumn, OutputCell> {
  const base = 'body.appeal';
  const { applicant } = appeal;
  applicant.contacts.emails.forEach((email, index) => {
    if (/[,;]/.test(email)) {
      const path = `${base}.applicant.contacts.emails[${index}]`;
      throw new VkhidError('ADAPTER_INVALID_FIELD', {
        args: [path, 'an e-mail address with , or ; cannot be listed in a CSV cell'],
        field: path,
      });
    }
  });
  const cell = (value: string, path: string): OutputCell => ({ value, path });
  return {
    messageId: cell(envelope.header.messageId, 'header.messageId'),
    createdAt: cell(envelope.header.createdAt, 'header.createdAt'),
    tracking: cell(envelope.header.tracking ?? '', 'header.tracking'),
    receivedAt: cell(appeal.receivedAt, `${base}.receivedAt`),
    channel: cell(CHANNEL_LABELS[appeal.channel], `${base}.channel`),
    kind: cell(KIND_LABELS[appeal.kind], `${base}.kind`),
    urgency: cell(URGENCY_LABELS[appeal.urgency], `${base}.urgency`),
    restrictedAccess: cell(word(appeal.restrictedAccess), `${base}.restrictedAccess`),
    noAdditionalStudy: cell(
      appeal.noAdditionalStudy === undefined ? '' : word(appeal.noAdditionalStudy),
      `${base}.noAdditionalStudy`,
    ),
    fullName: cell(applicant.fullName, `${base}.applicant.fullName`),
    phones: cell(applicant.contacts.phones.join(','), `${base}.applicant.contacts.phones`),
    emails: cell(applicant.contacts.emails.join(', '), `${base}.applicant.contacts.emails`),
    address: cell(applicant.address ?? '', `${base}.applicant.address`),
    consentDisclosure: cell(word(applicant.consent.disclosure), `${base}.applicant.consent.disclosure`),
    consentPersonalData: cell(word(applicant.consent.personalData), `${base}.applicant.consent.personalData`),
    category: cell(appeal.category, `${base}.category`),
    subject: cell(appeal.subject, `${base}.subject`),
    text: cell(appeal.text, `${base}.text`),
    target: cell(appeal.routing.target, `${base}.routing.target`),
    basis: cell(appeal.routing.basis, `${base}.routing.basis`),
    deadline: cell(appeal.deadline, `${base}.deadline`),
    attachments: { ...cell(attachmentList(appeal.attachments), `${base}.attachments`), informative: true },
  };
}

/** `scan.pdf (12345 B); photo.png (2048 B)`: what a CSV can say about attachments it cannot carry. */
export function attachmentList(
  attachments: readonly { fileName: string; size: number }[] | undefined,
): string {
  return (attachments ?? []).map((a) => `${a.fileName} (${a.size} B)`).join('; ');
}
