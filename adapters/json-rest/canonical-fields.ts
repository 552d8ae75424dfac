import { NOT_XML_CHAR } from '../../gateway/xml/xml-chars.js';
import {
  ANSWER_RESULTS,
  APPEAL_KINDS,
  CHANNELS,
  MAX_ATTACHMENTS,
  MAX_CONTACTS_PER_KIND,
  RECEIPT_OUTCOMES,
  REDIRECT_REASONS,
  STATUS_OUTCOMES,
  URGENCIES,
  type MessageType,
} from '../../gateway/envelope/envelope-model.js';

/**
 * The canonical fields a json-rest mapping may name: every leaf of the envelope model (schemas/vkhid-envelope-1.xsd),
 * as a dotted path, with its type and the XSD rule its values must meet. Settings naming anything else are
 * refused, and every value read from an agency document is checked here, so a refusal names the agency's own
 * field instead of surfacing later as an XSD error about the canonical XML it never sees.
 */

/** The XSD simple type of a string field (or of the items of a string list). */
export type FieldFormat =
  | 'uuid'
  | 'participant'
  | 'tracking'
  | 'instant'
  | 'date'
  | 'short'
  | 'long'
  | 'code'
  | 'sha256'
  | 'phone'
  | 'email'
  | 'xml-id'
  | 'media-type'
  | 'enum';

export type FieldKind = 'string' | 'boolean' | 'strings' | 'attachments';

/** Values a format other than the agency's own can fill in when the agency document lacks them. */
export type ContextValue = 'messageId' | 'createdAt' | 'sender' | 'recipient';

export interface CanonicalField {
  /** Dotted model path, e.g. `body.appeal.applicant.fullName`. */
  readonly path: string;
  readonly kind: FieldKind;
  /** For `string` and `strings`. */
  readonly format?: FieldFormat;
  /** For format `enum`. */
  readonly enum?: readonly string[];
  /** Must be present (when its variant applies, or when its optional group is present). */
  readonly required: boolean;
  /** The outcome kind selector of a receipt or status: the fields with `variants` depend on it. */
  readonly selector?: boolean;
  /** The outcome kinds this field belongs to (receipt/status outcome members). */
  readonly variants?: readonly string[];
  /** An optional group whose required members come all together or not at all (answer registration). */
  readonly group?: string;
  /** Where toCanonical takes the value when the agency does not give it. */
  readonly context?: ContextValue;
  readonly maxItems?: number;
}

const s = (
  path: string,
  format: FieldFormat,
  required: boolean,
  extra: Partial<CanonicalField> = {},
): CanonicalField => ({ path, kind: 'string', format, required, ...extra });
const b = (path: string, required: boolean): CanonicalField => ({ path, kind: 'boolean', required });
const e = (path: string, values: readonly string[], required: boolean, extra: Partial<CanonicalField> = {}) =>
  s(path, 'enum', required, { enum: values, ...extra });
const attachments = (path: string): CanonicalField => ({
  path,
  kind: 'attachments',
  required: false,
  maxItems: MAX_ATTACHMENTS,
});
const contacts = (path: string, format: FieldFormat): CanonicalField => ({
  path,
  kind: 'strings',
  format,
  required: false,
  maxItems: MAX_CONTACTS_PER_KIND,
});

function header(type: MessageType): CanonicalField[] {
  return [
    s('id', 'xml-id', false),
    s('header.messageId', 'uuid', true, { context: 'messageId' }),
    s('header.createdAt', 'instant', true, { context: 'createdAt' }),
    s('header.sender', 'participant', true, { context: 'sender' }),
    s('header.recipient', 'participant', true, { context: 'recipient' }),
    // The envelope invariants require the tracking number on an appeal only.
    s('header.tracking', 'tracking', type === 'appeal'),
    s('header.inReplyTo', 'uuid', false),
  ];
}

const A = 'body.appeal.';
const R = 'body.receipt.';
const S = 'body.status.';
const N = 'body.answer.';
const E = 'body.error.';

const bodies: Record<MessageType, CanonicalField[]> = {
  appeal: [
    e(`${A}kind`, APPEAL_KINDS, true),
    e(`${A}channel`, CHANNELS, true),
    s(`${A}receivedAt`, 'instant', true),
    e(`${A}urgency`, URGENCIES, true),
    b(`${A}restrictedAccess`, true),
    b(`${A}noAdditionalStudy`, false),
    s(`${A}applicant.fullName`, 'short', true),
    contacts(`${A}applicant.contacts.phones`, 'phone'),
    contacts(`${A}applicant.contacts.emails`, 'email'),
    s(`${A}applicant.address`, 'short', false),
    b(`${A}applicant.consent.disclosure`, true),
    b(`${A}applicant.consent.personalData`, true),
    s(`${A}category`, 'code', true),
    s(`${A}subject`, 'short', true),
    s(`${A}text`, 'long', true),
    attachments(`${A}attachments`),
    s(`${A}routing.target`, 'participant', true),
    s(`${A}routing.basis`, 'short', true),
    s(`${A}deadline`, 'date', true),
  ],
  receipt: [
    s(`${R}messageRef`, 'uuid', true),
    s(`${R}messageDigest`, 'sha256', false),
    s(`${R}at`, 'instant', true),
    e(`${R}outcome.kind`, RECEIPT_OUTCOMES, true, { selector: true }),
    s(`${R}outcome.number`, 'short', true, { variants: ['registered'] }),
    s(`${R}outcome.date`, 'date', true, { variants: ['registered'] }),
    s(`${R}outcome.code`, 'code', false, { variants: ['refused'] }),
    s(`${R}outcome.reason`, 'short', true, { variants: ['refused'] }),
  ],
  status: [
    s(`${S}at`, 'instant', true),
    e(`${S}outcome.kind`, STATUS_OUTCOMES, true, { selector: true }),
    s(`${S}outcome.newDeadline`, 'date', true, { variants: ['deadline-extended'] }),
    s(`${S}outcome.to`, 'participant', true, { variants: ['redirected'] }),
    e(`${S}outcome.reasonCode`, REDIRECT_REASONS, true, { variants: ['redirected'] }),
    s(`${S}outcome.reason`, 'short', true, { variants: ['deadline-extended', 'redirected'] }),
    s(`${S}comment`, 'short', false),
  ],
  answer: [
    s(`${N}answeredAt`, 'instant', true),
    s(`${N}registration.number`, 'short', true, { group: `${N}registration` }),
    s(`${N}registration.date`, 'date', true, { group: `${N}registration` }),
    e(`${N}result`, ANSWER_RESULTS, true),
    s(`${N}signatory`, 'short', true),
    s(`${N}text`, 'long', true),
    attachments(`${N}attachments`),
  ],
  error: [
    s(`${E}messageRef`, 'uuid', true),
    s(`${E}code`, 'code', true),
    s(`${E}description`, 'short', true),
  ],
};

const catalogue = new Map<MessageType, readonly CanonicalField[]>(
  (Object.keys(bodies) as MessageType[]).map((type) => [type, [...header(type), ...bodies[type]]]),
);

/** The fields of one message type, selectors before the fields that depend on them. */
export function canonicalFields(type: MessageType): readonly CanonicalField[] {
  return catalogue.get(type) ?? [];
}

/** The members of an attachment, in the order the model and the XSD list them. */
export const ATTACHMENT_MEMBERS = ['fileName', 'mediaType', 'size', 'sha256', 'content'] as const;
export type AttachmentMember = (typeof ATTACHMENT_MEMBERS)[number];

// XML 1.0 Char: what JSON strings may hold but an envelope cannot carry (controls, lone surrogates, U+FFFE/F).

const PATTERNS: Partial<Record<FieldFormat, RegExp>> = {
  uuid: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  participant: /^[0-9]{8}$/,
  tracking: /^[A-Z0-9][A-Z0-9/-]{2,39}$/,
  code: /^[A-Za-z0-9._-]{1,64}$/,
  sha256: /^[0-9a-f]{64}$/,
  phone: /^\+?[0-9 ()-]{5,20}$/,
  // The XSD's \s is space, tab, CR and LF only; lengths count characters (code points), hence the u flag.
  email: /^[^@ \t\n\r]{1,64}@[^@ \t\n\r]{1,255}$/u,
  'xml-id': /^[A-Za-z_][A-Za-z0-9._-]*$/,
  'media-type': /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/,
};

/** JSON Schema fragments equivalent to each format, for the OpenAPI description. */
export function formatSchema(field: Pick<CanonicalField, 'format' | 'enum'>): Record<string, unknown> {
  switch (field.format) {
    case undefined:
      return { type: 'string' };
    case 'enum':
      return { type: 'string', enum: [...(field.enum ?? [])] };
    case 'instant':
      return { type: 'string', format: 'date-time', pattern: '(Z|[+-][0-9]{2}:[0-9]{2})$' };
    case 'date':
      return { type: 'string', format: 'date' };
    case 'short':
      return { type: 'string', minLength: 1, maxLength: 500 };
    case 'long':
      return { type: 'string', minLength: 1, maxLength: 200000 };
    case 'uuid':
    case 'participant':
    case 'tracking':
    case 'code':
    case 'sha256':
    case 'phone':
    case 'email':
    case 'xml-id':
    case 'media-type':
      return { type: 'string', pattern: (PATTERNS[field.format] as RegExp).source };
  }
}

/**
 * Why `value` is not a valid value of a string field of this format, or undefined when it is. Checks what
 * the XSD checks, so that a value accepted here also passes the envelope schema.
 */
export function formatProblem(
  field: Pick<CanonicalField, 'format' | 'enum'>,
  value: string,
): string | undefined {
  if (NOT_XML_CHAR.test(value)) return 'it holds a character XML cannot carry';
  switch (field.format) {
    case undefined:
      return undefined;
    case 'enum':
      return field.enum?.includes(value) === true
        ? undefined
        : `it is not one of ${(field.enum ?? []).join(', ')}`;
    case 'instant':
      return isInstant(value)
        ? undefined
        : 'it is not a date and time with a zone (2026-03-02T11:30:00+02:00)';
    case 'date':
      return isDate(value) ? undefined : 'it is not a date (YYYY-MM-DD)';
    case 'short':
      return lengthProblem(value, 500);
    case 'long':
      return lengthProblem(value, 200000);
    case 'uuid':
    case 'participant':
    case 'tracking':
    case 'code':
    case 'sha256':
    case 'phone':
    case 'email':
    case 'xml-id':
    case 'media-type':
      return (PATTERNS[field.format] as RegExp).test(value) ? undefined : `it does not match ${field.format}`;
  }
}

function lengthProblem(value: string, max: number): string | undefined {
  if (value.length === 0) return 'it is empty';
  // Code points, as the XSD counts characters; only a long string can be over.
  if (value.length > max && [...value].length > max) return `it is longer than ${max} characters`;
  return undefined;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

function validDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] as number;
  return day <= days;
}

/** xs:date without a zone, as the model writes dates (years 0001-9999). */
export function isDate(value: string): boolean {
  const m = DATE.exec(value);
  return m !== null && Number(m[1]) > 0 && validDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** The XSD Instant: xs:dateTime with an explicit zone (Z or ±hh:mm, at most 14:00). */
export function isInstant(value: string): boolean {
  const m = INSTANT.exec(value);
  if (m === null) return false;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = m.slice(1, 7).map(Number);
  if (year === 0 || !validDay(year, month, day)) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  if (m[7] !== undefined) {
    const zoneHours = Number(m[8]);
    const zoneMinutes = Number(m[9]);
    if (zoneMinutes > 59 || zoneHours > 14 || (zoneHours === 14 && zoneMinutes > 0)) return false;
  }
  return true;
}
