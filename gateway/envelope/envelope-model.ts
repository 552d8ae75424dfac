import { createHash } from 'node:crypto';
import { VkhidError } from '../errors/vkhid-error.js';

/**
 * The typed model of the canonical envelope v1 (schemas/vkhid-envelope-1.xsd). It mirrors the schema one to
 * one so that build and read are lossless: every element has a field, optional elements are optional fields,
 * xs:choice groups are discriminated unions. Dates and instants stay the strings written in the XML (an
 * instant keeps its zone offset: a deadline computed in Kyiv must not drift when read elsewhere).
 */

export const ENVELOPE_NAMESPACE = 'urn:vkhid:envelope:1';
export const SCHEMA_VERSION = '1.0';
export type SchemaVersion = typeof SCHEMA_VERSION;

export const MESSAGE_TYPES = ['appeal', 'receipt', 'status', 'answer', 'error'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export const APPEAL_KINDS = ['citizen-appeal', 'public-info-request', 'sensitive-report'] as const;
export type AppealKind = (typeof APPEAL_KINDS)[number];

export const CHANNELS = ['hotline', 'web', 'email', 'post', 'in-person'] as const;
export type Channel = (typeof CHANNELS)[number];

export const URGENCIES = ['normal', 'urgent'] as const;
export type Urgency = (typeof URGENCIES)[number];

export const REDIRECT_REASONS = ['not-within-competence', 'partially-within-competence', 'other'] as const;
export type RedirectReason = (typeof REDIRECT_REASONS)[number];

export const ANSWER_RESULTS = ['satisfied', 'partially-satisfied', 'explained', 'refused'] as const;
export type AnswerResult = (typeof ANSWER_RESULTS)[number];

/** The branches of the Receipt choice (Delivered, Accepted, Registered, Refused), in schema order. */
export const RECEIPT_OUTCOMES = ['delivered', 'accepted', 'registered', 'refused'] as const;
export type ReceiptOutcomeKind = (typeof RECEIPT_OUTCOMES)[number];

/** The branches of the Status choice (UnderConsideration, DeadlineExtended, Redirected, Answered). */
export const STATUS_OUTCOMES = [
  'under-consideration',
  'deadline-extended',
  'redirected',
  'answered',
] as const;
export type StatusOutcomeKind = (typeof STATUS_OUTCOMES)[number];

/** Schema limits the model cannot express as types, exported so producers can check early. */
export const MAX_ATTACHMENTS = 100;
export const MAX_CONTACTS_PER_KIND = 5;

export interface EnvelopeHeader {
  /** UUID of this message. */
  messageId: string;
  type: MessageType;
  /** xs:dateTime with an explicit zone, as written in the XML. */
  createdAt: string;
  /** ЄДРПОУ code (8 digits) of the sending participant. */
  sender: string;
  recipient: string;
  /** The appeal's tracking number; required when type is `appeal`. */
  tracking?: string;
  /** MessageId of the message this one answers. */
  inReplyTo?: string;
  schemaVersion: SchemaVersion;
}

export interface Registration {
  number: string;
  /** xs:date (YYYY-MM-DD). */
  date: string;
}

export interface Attachment {
  fileName: string;
  mediaType: string;
  /** Decoded length of `content`, in bytes. */
  size: number;
  /** Lower-case hex SHA-256 of the decoded `content`. */
  sha256: string;
  /** The file, base64 without whitespace. */
  content: string;
}

export interface Contacts {
  phones: readonly string[];
  emails: readonly string[];
}

export interface Consent {
  /** May the applicant's identity be disclosed to the body that considers the appeal? */
  disclosure: boolean;
  /** Consent to personal-data processing. */
  personalData: boolean;
}

export interface Applicant {
  fullName: string;
  contacts: Contacts;
  address?: string;
  consent: Consent;
}

export interface Routing {
  /** ЄДРПОУ code of the body the appeal is routed to. */
  target: string;
  basis: string;
}

export interface Appeal {
  kind: AppealKind;
  channel: Channel;
  receivedAt: string;
  urgency: Urgency;
  restrictedAccess: boolean;
  noAdditionalStudy?: boolean;
  applicant: Applicant;
  category: string;
  subject: string;
  text: string;
  /** 1 to 100 attachments; an empty list is written as no Attachments element. */
  attachments?: readonly Attachment[];
  routing: Routing;
  /** xs:date. */
  deadline: string;
}

export type ReceiptOutcome =
  | { kind: 'delivered' }
  | { kind: 'accepted' }
  | { kind: 'registered'; number: string; date: string }
  | { kind: 'refused'; code?: string; reason: string };

export interface Receipt {
  /** MessageId of the acknowledged message. */
  messageRef: string;
  /** SHA-256 hex of the acknowledged signed message as received. */
  messageDigest?: string;
  at: string;
  outcome: ReceiptOutcome;
}

export type StatusOutcome =
  | { kind: 'under-consideration' }
  | { kind: 'deadline-extended'; newDeadline: string; reason: string }
  | { kind: 'redirected'; to: string; reasonCode: RedirectReason; reason: string }
  | { kind: 'answered' };

export interface Status {
  at: string;
  outcome: StatusOutcome;
  comment?: string;
}

export interface Answer {
  answeredAt: string;
  registration?: Registration;
  result: AnswerResult;
  signatory: string;
  text: string;
  attachments?: readonly Attachment[];
}

/** The Error message: a participant refusing a message it could not process. */
export interface ErrorReport {
  messageRef: string;
  code: string;
  description: string;
}

export interface AppealBody {
  type: 'appeal';
  appeal: Appeal;
}
export interface ReceiptBody {
  type: 'receipt';
  receipt: Receipt;
}
export interface StatusBody {
  type: 'status';
  status: Status;
}
export interface AnswerBody {
  type: 'answer';
  answer: Answer;
}
export interface ErrorBody {
  type: 'error';
  error: ErrorReport;
}

export type EnvelopeBody = AppealBody | ReceiptBody | StatusBody | AnswerBody | ErrorBody;
export type BodyOf<T extends MessageType> = Extract<EnvelopeBody, { type: T }>;

export interface Envelope {
  /** The root `Id` attribute (xs:ID), for a signature Reference by fragment. */
  id?: string;
  header: EnvelopeHeader;
  body: EnvelopeBody;
}

/**
 * Checks the rules the XSD cannot express: the header type names the body, an appeal carries its tracking
 * number, and each attachment's Size and Sha256 describe its content. Both the builder and the reader run it,
 * so a model that leaves or enters the hub always satisfies them. Throws ENVELOPE_TYPE_MISMATCH or
 * ENVELOPE_INVALID_MODEL with the model path of the offending field.
 */
export function checkEnvelopeInvariants(envelope: Envelope): void {
  const { header, body } = envelope;
  if (header.type !== body.type) {
    throw new VkhidError('ENVELOPE_TYPE_MISMATCH', { args: [header.type, body.type], field: 'header.type' });
  }
  switch (body.type) {
    case 'appeal':
      if (header.tracking === undefined) {
        throw invalidModel('an appeal must carry the tracking number in its header', 'header.tracking');
      }
      checkAttachments(body.appeal.attachments, 'body.appeal.attachments');
      break;
    case 'answer':
      checkAttachments(body.answer.attachments, 'body.answer.attachments');
      break;
    case 'receipt':
    case 'status':
    case 'error':
      break;
  }
}

function checkAttachments(attachments: readonly Attachment[] | undefined, field: string): void {
  if (attachments === undefined) return;
  for (let i = 0; i < attachments.length; i++) {
    checkAttachment(attachments[i] as Attachment, `${field}[${i}]`);
  }
}

/**
 * Size and Sha256 are what the receiving system records and later proves it received; they are recomputed
 * from the content rather than trusted, so a description that does not match the file is never signed or
 * accepted.
 */
function checkAttachment(attachment: Attachment, field: string): void {
  if (!isStrictBase64(attachment.content)) {
    throw invalidModel(
      'the content is not base64 (RFC 4648 alphabet, padded, no whitespace)',
      `${field}.content`,
    );
  }
  const bytes = Buffer.from(attachment.content, 'base64');
  if (attachment.size !== bytes.length) {
    throw invalidModel(
      `the size is ${attachment.size} but the content holds ${bytes.length} bytes`,
      `${field}.size`,
    );
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (attachment.sha256 !== sha256) {
    throw invalidModel(`the sha256 does not match the content (its SHA-256 is ${sha256})`, `${field}.sha256`);
  }
}

const NOT_BASE64 = /[^A-Za-z0-9+/=]/;

/**
 * Buffer.from(…, 'base64') silently skips characters outside the alphabet, so without this check a corrupted
 * content could still match a size and hash computed over what survived decoding.
 */
export function isStrictBase64(value: string): boolean {
  const length = value.length;
  if (length % 4 !== 0 || NOT_BASE64.test(value)) return false;
  const pad = value.indexOf('=');
  if (pad === -1) return true;
  return pad === length - 1 || (pad === length - 2 && value.charCodeAt(length - 1) === 0x3d);
}

/** ENVELOPE_INVALID_MODEL about `field`, a model path such as `body.appeal.attachments[0].size`. */
export function invalidModel(why: string, field: string): VkhidError {
  return new VkhidError('ENVELOPE_INVALID_MODEL', { args: [why], field });
}
