import { XMLParser, type EntityDecoderOptions } from 'fast-xml-parser';
import { VkhidError } from '../errors/vkhid-error.js';
import {
  ANSWER_RESULTS,
  APPEAL_KINDS,
  CHANNELS,
  checkEnvelopeInvariants,
  MESSAGE_TYPES,
  REDIRECT_REASONS,
  SCHEMA_VERSION,
  URGENCIES,
  type Answer,
  type Appeal,
  type Applicant,
  type Attachment,
  type Envelope,
  type EnvelopeBody,
  type EnvelopeHeader,
  type ErrorReport,
  type Receipt,
  type ReceiptOutcome,
  type Registration,
  type Status,
  type StatusOutcome,
} from './envelope-model.js';

/**
 * Maps a canonical envelope to the model. The input has already passed intake, signature verification and
 * the XSD, so this is a mapper, not a security parser: it trusts the structure and exists to be fast and
 * lossless. It still refuses, rather than guesses, when the structure is not what the schema promises
 * (ENVELOPE_SCHEMA_INVALID), so that a caller that skipped validation gets an error, not a half-read model.
 *
 * Fidelity rules:
 * - string values are kept exactly, whitespace included (xs:string preserves whitespace);
 * - values of xs:boolean, xs:date, xs:dateTime and xs:nonNegativeInteger are trimmed and base64 content loses
 *   its whitespace, because the XSD collapses whitespace for those types: ` true ` and `true` are one value;
 * - whitespace-only text between elements (pretty-printed envelopes from other tools) is ignored.
 */
export function readEnvelope(xml: string): Envelope {
  const root = parse(xml)['Envelope'];
  if (root === undefined || typeof root !== 'object' || Array.isArray(root)) {
    throw schemaInvalid('the root element is not Envelope', '/');
  }
  const header = readHeader(element(root, 'Header', ROOT));
  const envelope: Envelope = { header, body: readBody(element(root, 'Body', ROOT)) };
  const id = root['@_Id'];
  if (typeof id === 'string') envelope.id = id;
  checkEnvelopeInvariants(envelope);
  return envelope;
}

// ---------------------------------------------------------------- parser

type XmlValue = string | XmlElement | XmlValue[];
interface XmlElement {
  [name: string]: XmlValue | undefined;
}

/**
 * Resolves exactly what XML defines without a DTD: the five predefined entities and character references
 * (c14n writes a carriage return as &#xD;). The library's own decoder only resolves character references
 * together with the whole HTML entity set, which a well-formed envelope can never use.
 */
const xmlEntityDecoder: EntityDecoderOptions = {
  decode: decodeReferences,
  reset: () => undefined,
  setXmlVersion: () => undefined,
  setExternalEntities: () => undefined,
  addInputEntities: () => undefined,
};

/**
 * An indexOf walk rather than a regex replace: a text full of escaped characters (every line end of a
 * Windows-written text is a &#xD;) costs a regex callback per reference, ten times this loop. The input is
 * well-formed, so every '&' starts a reference that ends at the next ';'.
 */
function decodeReferences(text: string): string {
  let amp = text.indexOf('&');
  if (amp === -1) return text;
  let out = '';
  let from = 0;
  while (amp !== -1) {
    const semicolon = text.indexOf(';', amp + 1);
    if (semicolon === -1) break;
    const character =
      text.charCodeAt(amp + 1) === 0x23
        ? characterReference(text, amp + 2, semicolon)
        : predefinedEntity(text, amp + 1, semicolon);
    if (character !== undefined) {
      out += text.slice(from, amp) + character;
      from = semicolon + 1;
    }
    amp = text.indexOf('&', semicolon + 1);
  }
  return out + text.slice(from);
}

/** `#x1F4A1` or `#128161`, given the range after the `#`. */
function characterReference(text: string, start: number, end: number): string {
  let codePoint = 0;
  if (text.charCodeAt(start) === 0x78) {
    for (let i = start + 1; i < end; i++) {
      const unit = text.charCodeAt(i);
      codePoint = codePoint * 16 + (unit <= 0x39 ? unit - 0x30 : (unit | 0x20) - 0x57);
    }
  } else {
    for (let i = start; i < end; i++) codePoint = codePoint * 10 + text.charCodeAt(i) - 0x30;
  }
  return String.fromCodePoint(codePoint);
}

function predefinedEntity(text: string, start: number, end: number): string | undefined {
  switch (end - start) {
    case 2:
      if (text.charCodeAt(start + 1) !== 0x74) return undefined;
      return text.charCodeAt(start) === 0x6c ? '<' : text.charCodeAt(start) === 0x67 ? '>' : undefined;
    case 3:
      return text.startsWith('amp', start) ? '&' : undefined;
    case 4:
      return text.startsWith('quot', start) ? '"' : text.startsWith('apos', start) ? "'" : undefined;
    default:
      return undefined;
  }
}

const REPEATED = new Set(['Phone', 'Email', 'Attachment']);

/**
 * The parser builds ordinary text one character at a time, about 50 ns a character: a 20 MB attachment would
 * cost a second and a heap of garbage. Stop nodes are sliced out of the document in one piece
 * instead, so the two elements that can be large (Text, up to 200,000 characters, and attachment Content,
 * up to the intake limit) are read that way and their references decoded here (see rawText).
 */
const LARGE_TEXT_ELEMENTS = ['..Text', '..Content'];

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  entityDecoder: xmlEntityDecoder,
  // Canonical envelopes may still use a prefix for the envelope namespace (c14n keeps prefixes); the XSD
  // has already proven every element is in that namespace, so the local name is all the mapping needs.
  removeNSPrefix: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (name) => REPEATED.has(name),
  stopNodes: LARGE_TEXT_ELEMENTS,
  // Callbacks get a matcher instead of a freshly built path string per tag.
  jPath: false,
});

function parse(xml: string): XmlElement {
  try {
    return parser.parse(xml) as XmlElement;
  } catch (error) {
    // The parser is lenient and rarely throws; when it does, the input never passed the XSD.
    throw new VkhidError('INTAKE_MALFORMED', {
      args: [error instanceof Error ? error.message : String(error)],
      cause: error,
    });
  }
}

// ---------------------------------------------------------------- structure access

const ROOT = '/Envelope';
const EMPTY: XmlElement = Object.freeze({});
const WHITESPACE_ONLY = /^[ \t\n\r]*$/;

function schemaInvalid(why: string, path: string): VkhidError {
  return new VkhidError('ENVELOPE_SCHEMA_INVALID', { args: [why], field: path });
}

/** An element-only node; whitespace-only text means it has no child elements. */
function asElement(value: XmlValue, path: string): XmlElement {
  if (typeof value === 'string') {
    if (WHITESPACE_ONLY.test(value)) return EMPTY;
    throw schemaInvalid('text where child elements are expected', path);
  }
  if (Array.isArray(value)) throw schemaInvalid('the element occurs more than once', path);
  return value;
}

function element(parent: XmlElement, name: string, parentPath: string): XmlElement {
  const value = parent[name];
  if (value === undefined) throw schemaInvalid(`missing element ${name}`, parentPath);
  return asElement(value, `${parentPath}/${name}`);
}

function optionalElement(parent: XmlElement, name: string, parentPath: string): XmlElement | undefined {
  const value = parent[name];
  return value === undefined ? undefined : asElement(value, `${parentPath}/${name}`);
}

function elements(parent: XmlElement, name: string, parentPath: string): XmlElement[] {
  const value = parent[name];
  if (value === undefined) return [];
  const path = `${parentPath}/${name}`;
  if (!Array.isArray(value)) throw schemaInvalid('expected a list', path);
  return value.map((item) => asElement(item, path));
}

function asText(value: XmlValue, path: string): string {
  if (typeof value === 'string') return value;
  throw schemaInvalid('child elements where text is expected', path);
}

function text(parent: XmlElement, name: string, parentPath: string): string {
  const value = parent[name];
  if (value === undefined) throw schemaInvalid(`missing element ${name}`, parentPath);
  return asText(value, `${parentPath}/${name}`);
}

function optionalText(parent: XmlElement, name: string, parentPath: string): string | undefined {
  const value = parent[name];
  return value === undefined ? undefined : asText(value, `${parentPath}/${name}`);
}

function texts(parent: XmlElement, name: string, parentPath: string): string[] {
  const value = parent[name];
  if (value === undefined) return [];
  const path = `${parentPath}/${name}`;
  if (!Array.isArray(value)) throw schemaInvalid('expected a list', path);
  return value.map((item) => asText(item, path));
}

/**
 * The value of a stop node (see LARGE_TEXT_ELEMENTS): the raw text between the tags, with line ends already
 * normalised but references not yet decoded. Canonical XML has no CDATA sections or comments, so any markup
 * here means the input was not canonical.
 */
function rawText(parent: XmlElement, name: string, parentPath: string): string {
  const value = text(parent, name, parentPath);
  if (value.indexOf('<') !== -1) {
    throw schemaInvalid(
      'markup inside a text value (the input is not canonical XML)',
      `${parentPath}/${name}`,
    );
  }
  return decodeReferences(value);
}

/** A value of an XSD type whose whitespace facet is `collapse` and whose lexical space has no inner spaces. */
function collapsed(parent: XmlElement, name: string, parentPath: string): string {
  return text(parent, name, parentPath).trim();
}

function boolean(parent: XmlElement, name: string, parentPath: string): boolean {
  return toBoolean(collapsed(parent, name, parentPath), `${parentPath}/${name}`);
}

function optionalBoolean(parent: XmlElement, name: string, parentPath: string): boolean | undefined {
  const value = optionalText(parent, name, parentPath);
  return value === undefined ? undefined : toBoolean(value.trim(), `${parentPath}/${name}`);
}

function toBoolean(value: string, path: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw schemaInvalid(`${value} is not an xs:boolean`, path);
}

function oneOf<T extends string>(
  allowed: readonly T[],
  parent: XmlElement,
  name: string,
  parentPath: string,
): T {
  const value = text(parent, name, parentPath);
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw schemaInvalid(`${value} is not one of ${allowed.join(', ')}`, `${parentPath}/${name}`);
}

/** The one element present among the branches of an xs:choice. */
function choice<T extends string>(
  parent: XmlElement,
  branches: readonly T[],
  parentPath: string,
): { name: T; node: XmlElement } {
  let found: { name: T; node: XmlElement } | undefined;
  for (const name of branches) {
    const value = parent[name];
    if (value === undefined) continue;
    if (found !== undefined) throw schemaInvalid(`both ${found.name} and ${name} are present`, parentPath);
    found = { name, node: asElement(value, `${parentPath}/${name}`) };
  }
  if (found === undefined) throw schemaInvalid(`expected one of ${branches.join(', ')}`, parentPath);
  return found;
}

// ---------------------------------------------------------------- mapping

const HEADER = `${ROOT}/Header`;
const BODY = `${ROOT}/Body`;
const SCHEMA_VERSIONS = [SCHEMA_VERSION] as const;

function readHeader(node: XmlElement): EnvelopeHeader {
  const header: EnvelopeHeader = {
    messageId: text(node, 'MessageId', HEADER),
    type: oneOf(MESSAGE_TYPES, node, 'Type', HEADER),
    createdAt: collapsed(node, 'CreatedAt', HEADER),
    sender: text(node, 'Sender', HEADER),
    recipient: text(node, 'Recipient', HEADER),
    schemaVersion: oneOf(SCHEMA_VERSIONS, node, 'SchemaVersion', HEADER),
  };
  const tracking = optionalText(node, 'Tracking', HEADER);
  if (tracking !== undefined) header.tracking = tracking;
  const inReplyTo = optionalText(node, 'InReplyTo', HEADER);
  if (inReplyTo !== undefined) header.inReplyTo = inReplyTo;
  return header;
}

const BODY_BRANCHES = ['Appeal', 'Receipt', 'Status', 'Answer', 'Error'] as const;

function readBody(node: XmlElement): EnvelopeBody {
  const { name, node: content } = choice(node, BODY_BRANCHES, BODY);
  switch (name) {
    case 'Appeal':
      return { type: 'appeal', appeal: readAppeal(content, `${BODY}/Appeal`) };
    case 'Receipt':
      return { type: 'receipt', receipt: readReceipt(content, `${BODY}/Receipt`) };
    case 'Status':
      return { type: 'status', status: readStatus(content, `${BODY}/Status`) };
    case 'Answer':
      return { type: 'answer', answer: readAnswer(content, `${BODY}/Answer`) };
    case 'Error':
      return { type: 'error', error: readErrorReport(content, `${BODY}/Error`) };
  }
}

function readAppeal(node: XmlElement, path: string): Appeal {
  const routingPath = `${path}/Routing`;
  const routing = element(node, 'Routing', path);
  const appeal: Appeal = {
    kind: oneOf(APPEAL_KINDS, node, 'Kind', path),
    channel: oneOf(CHANNELS, node, 'Channel', path),
    receivedAt: collapsed(node, 'ReceivedAt', path),
    urgency: oneOf(URGENCIES, node, 'Urgency', path),
    restrictedAccess: boolean(node, 'RestrictedAccess', path),
    applicant: readApplicant(element(node, 'Applicant', path), `${path}/Applicant`),
    category: text(node, 'Category', path),
    subject: text(node, 'Subject', path),
    text: rawText(node, 'Text', path),
    routing: { target: text(routing, 'Target', routingPath), basis: text(routing, 'Basis', routingPath) },
    deadline: collapsed(node, 'Deadline', path),
  };
  const noAdditionalStudy = optionalBoolean(node, 'NoAdditionalStudy', path);
  if (noAdditionalStudy !== undefined) appeal.noAdditionalStudy = noAdditionalStudy;
  const attachments = readAttachments(node, path);
  if (attachments !== undefined) appeal.attachments = attachments;
  return appeal;
}

function readApplicant(node: XmlElement, path: string): Applicant {
  const contactsPath = `${path}/Contacts`;
  const contacts = element(node, 'Contacts', path);
  const consentPath = `${path}/Consent`;
  const consent = element(node, 'Consent', path);
  const applicant: Applicant = {
    fullName: text(node, 'FullName', path),
    contacts: {
      phones: texts(contacts, 'Phone', contactsPath),
      emails: texts(contacts, 'Email', contactsPath),
    },
    consent: {
      disclosure: boolean(consent, 'Disclosure', consentPath),
      personalData: boolean(consent, 'PersonalData', consentPath),
    },
  };
  const address = optionalText(node, 'Address', path);
  if (address !== undefined) applicant.address = address;
  return applicant;
}

const RECEIPT_BRANCHES = ['Delivered', 'Accepted', 'Registered', 'Refused'] as const;

function readReceipt(node: XmlElement, path: string): Receipt {
  const receipt: Receipt = {
    messageRef: text(node, 'MessageRef', path),
    at: collapsed(node, 'At', path),
    outcome: readReceiptOutcome(node, path),
  };
  const digest = optionalText(node, 'MessageDigest', path);
  if (digest !== undefined) receipt.messageDigest = digest;
  return receipt;
}

function readReceiptOutcome(node: XmlElement, path: string): ReceiptOutcome {
  const { name, node: content } = choice(node, RECEIPT_BRANCHES, path);
  const at = `${path}/${name}`;
  switch (name) {
    case 'Delivered':
      return { kind: 'delivered' };
    case 'Accepted':
      return { kind: 'accepted' };
    case 'Registered':
      return { kind: 'registered', ...readRegistration(content, at) };
    case 'Refused': {
      const reason = text(content, 'Reason', at);
      const code = optionalText(content, 'Code', at);
      return code === undefined ? { kind: 'refused', reason } : { kind: 'refused', code, reason };
    }
  }
}

const STATUS_BRANCHES = ['UnderConsideration', 'DeadlineExtended', 'Redirected', 'Answered'] as const;

function readStatus(node: XmlElement, path: string): Status {
  const status: Status = { at: collapsed(node, 'At', path), outcome: readStatusOutcome(node, path) };
  const comment = optionalText(node, 'Comment', path);
  if (comment !== undefined) status.comment = comment;
  return status;
}

function readStatusOutcome(node: XmlElement, path: string): StatusOutcome {
  const { name, node: content } = choice(node, STATUS_BRANCHES, path);
  const at = `${path}/${name}`;
  switch (name) {
    case 'UnderConsideration':
      return { kind: 'under-consideration' };
    case 'DeadlineExtended':
      return {
        kind: 'deadline-extended',
        newDeadline: collapsed(content, 'NewDeadline', at),
        reason: text(content, 'Reason', at),
      };
    case 'Redirected':
      return {
        kind: 'redirected',
        to: text(content, 'To', at),
        reasonCode: oneOf(REDIRECT_REASONS, content, 'ReasonCode', at),
        reason: text(content, 'Reason', at),
      };
    case 'Answered':
      return { kind: 'answered' };
  }
}

function readAnswer(node: XmlElement, path: string): Answer {
  const answer: Answer = {
    answeredAt: collapsed(node, 'AnsweredAt', path),
    result: oneOf(ANSWER_RESULTS, node, 'Result', path),
    signatory: text(node, 'Signatory', path),
    text: rawText(node, 'Text', path),
  };
  const registration = optionalElement(node, 'Registration', path);
  if (registration !== undefined)
    answer.registration = readRegistration(registration, `${path}/Registration`);
  const attachments = readAttachments(node, path);
  if (attachments !== undefined) answer.attachments = attachments;
  return answer;
}

function readErrorReport(node: XmlElement, path: string): ErrorReport {
  return {
    messageRef: text(node, 'MessageRef', path),
    code: text(node, 'Code', path),
    description: text(node, 'Description', path),
  };
}

function readRegistration(node: XmlElement, path: string): Registration {
  return { number: text(node, 'Number', path), date: collapsed(node, 'Date', path) };
}

const BASE64_WHITESPACE = /[ \t\n\r]+/g;
const HAS_WHITESPACE = /[ \t\n\r]/;

function readAttachments(parent: XmlElement, parentPath: string): Attachment[] | undefined {
  const list = optionalElement(parent, 'Attachments', parentPath);
  if (list === undefined) return undefined;
  const path = `${parentPath}/Attachments/Attachment`;
  return elements(list, 'Attachment', `${parentPath}/Attachments`).map((node) => {
    const content = rawText(node, 'Content', path).trim();
    return {
      fileName: text(node, 'FileName', path),
      mediaType: text(node, 'MediaType', path),
      size: Number(collapsed(node, 'Size', path)),
      sha256: text(node, 'Sha256', path),
      // Other tools wrap base64 in lines; the model holds it unwrapped so that it compares and re-encodes as is.
      content: HAS_WHITESPACE.test(content) ? content.replace(BASE64_WHITESPACE, '') : content,
    };
  });
}
