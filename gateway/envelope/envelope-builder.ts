import { createHash } from 'node:crypto';
import type { VkhidError } from '../errors/vkhid-error.js';
import {
  checkEnvelopeInvariants,
  ENVELOPE_NAMESPACE,
  invalidModel,
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
 * Starts every document buildEnvelope returns, with nothing after it before the root: slicing it off gives the
 * exclusive-c14n form of the envelope.
 */
export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/**
 * Serialises an envelope model to XML text. Runs for every message the hub emits, so it is a plain string
 * builder, not a DOM.
 *
 * The output is already in exclusive-c14n form apart from the XML declaration: default namespace declared
 * once on the root, no whitespace between elements, start/end tag pairs for empty elements, and text escaped
 * exactly as c14n escapes it (&amp; &lt; &gt; &#xD;). The signer relies on that: canonicalising our own output
 * is then the identity, and a carriage return survives any parser's line-end normalisation.
 *
 * Only the rules the XSD cannot express are checked here (see checkEnvelopeInvariants), plus the characters
 * XML 1.0 cannot carry at all; pattern, length and enumeration rules are the schema's job.
 */
export function buildEnvelope(envelope: Envelope): string {
  checkEnvelopeInvariants(envelope);
  const id = envelope.id === undefined ? '' : ` Id="${escapeAttribute(envelope.id, 'id')}"`;
  return (
    `${XML_DECLARATION}<Envelope xmlns="${ENVELOPE_NAMESPACE}"${id}>` +
    header(envelope.header) +
    '<Body>' +
    body(envelope.body) +
    '</Body></Envelope>'
  );
}

/** Describes a file for an Attachments list: size, SHA-256 and base64 computed from the bytes. */
export function attachmentFromBytes(fileName: string, mediaType: string, bytes: Uint8Array): Attachment {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    fileName,
    mediaType,
    size: buffer.length,
    sha256: createHash('sha256').update(buffer).digest('hex'),
    content: buffer.toString('base64'),
  };
}

function header(h: EnvelopeHeader): string {
  return (
    '<Header>' +
    text('MessageId', h.messageId, 'header.messageId') +
    text('Type', h.type, 'header.type') +
    text('CreatedAt', h.createdAt, 'header.createdAt') +
    text('Sender', h.sender, 'header.sender') +
    text('Recipient', h.recipient, 'header.recipient') +
    optionalText('Tracking', h.tracking, 'header.tracking') +
    optionalText('InReplyTo', h.inReplyTo, 'header.inReplyTo') +
    text('SchemaVersion', h.schemaVersion, 'header.schemaVersion') +
    '</Header>'
  );
}

function body(b: EnvelopeBody): string {
  switch (b.type) {
    case 'appeal':
      return appeal(b.appeal, 'body.appeal');
    case 'receipt':
      return receipt(b.receipt, 'body.receipt');
    case 'status':
      return status(b.status, 'body.status');
    case 'answer':
      return answer(b.answer, 'body.answer');
    case 'error':
      return errorReport(b.error, 'body.error');
  }
}

function appeal(a: Appeal, at: string): string {
  return (
    '<Appeal>' +
    text('Kind', a.kind, `${at}.kind`) +
    text('Channel', a.channel, `${at}.channel`) +
    text('ReceivedAt', a.receivedAt, `${at}.receivedAt`) +
    text('Urgency', a.urgency, `${at}.urgency`) +
    bool('RestrictedAccess', a.restrictedAccess) +
    (a.noAdditionalStudy === undefined ? '' : bool('NoAdditionalStudy', a.noAdditionalStudy)) +
    applicant(a.applicant, `${at}.applicant`) +
    text('Category', a.category, `${at}.category`) +
    text('Subject', a.subject, `${at}.subject`) +
    text('Text', a.text, `${at}.text`) +
    attachments(a.attachments, `${at}.attachments`) +
    '<Routing>' +
    text('Target', a.routing.target, `${at}.routing.target`) +
    text('Basis', a.routing.basis, `${at}.routing.basis`) +
    '</Routing>' +
    text('Deadline', a.deadline, `${at}.deadline`) +
    '</Appeal>'
  );
}

function applicant(a: Applicant, at: string): string {
  return (
    '<Applicant>' +
    text('FullName', a.fullName, `${at}.fullName`) +
    '<Contacts>' +
    repeated('Phone', a.contacts.phones, `${at}.contacts.phones`) +
    repeated('Email', a.contacts.emails, `${at}.contacts.emails`) +
    '</Contacts>' +
    optionalText('Address', a.address, `${at}.address`) +
    '<Consent>' +
    bool('Disclosure', a.consent.disclosure) +
    bool('PersonalData', a.consent.personalData) +
    '</Consent></Applicant>'
  );
}

function receipt(r: Receipt, at: string): string {
  return (
    '<Receipt>' +
    text('MessageRef', r.messageRef, `${at}.messageRef`) +
    optionalText('MessageDigest', r.messageDigest, `${at}.messageDigest`) +
    text('At', r.at, `${at}.at`) +
    receiptOutcome(r.outcome, `${at}.outcome`) +
    '</Receipt>'
  );
}

function receiptOutcome(o: ReceiptOutcome, at: string): string {
  switch (o.kind) {
    case 'delivered':
      return '<Delivered></Delivered>';
    case 'accepted':
      return '<Accepted></Accepted>';
    case 'registered':
      return `<Registered>${registrationContent(o, at)}</Registered>`;
    case 'refused':
      return (
        '<Refused>' +
        optionalText('Code', o.code, `${at}.code`) +
        text('Reason', o.reason, `${at}.reason`) +
        '</Refused>'
      );
  }
}

function status(s: Status, at: string): string {
  return (
    '<Status>' +
    text('At', s.at, `${at}.at`) +
    statusOutcome(s.outcome, `${at}.outcome`) +
    optionalText('Comment', s.comment, `${at}.comment`) +
    '</Status>'
  );
}

function statusOutcome(o: StatusOutcome, at: string): string {
  switch (o.kind) {
    case 'under-consideration':
      return '<UnderConsideration></UnderConsideration>';
    case 'deadline-extended':
      return (
        '<DeadlineExtended>' +
        text('NewDeadline', o.newDeadline, `${at}.newDeadline`) +
        text('Reason', o.reason, `${at}.reason`) +
        '</DeadlineExtended>'
      );
    case 'redirected':
      return (
        '<Redirected>' +
        text('To', o.to, `${at}.to`) +
        text('ReasonCode', o.reasonCode, `${at}.reasonCode`) +
        text('Reason', o.reason, `${at}.reason`) +
        '</Redirected>'
      );
    case 'answered':
      return '<Answered></Answered>';
  }
}

function answer(a: Answer, at: string): string {
  return (
    '<Answer>' +
    text('AnsweredAt', a.answeredAt, `${at}.answeredAt`) +
    (a.registration === undefined
      ? ''
      : `<Registration>${registrationContent(a.registration, `${at}.registration`)}</Registration>`) +
    text('Result', a.result, `${at}.result`) +
    text('Signatory', a.signatory, `${at}.signatory`) +
    text('Text', a.text, `${at}.text`) +
    attachments(a.attachments, `${at}.attachments`) +
    '</Answer>'
  );
}

function errorReport(e: ErrorReport, at: string): string {
  return (
    '<Error>' +
    text('MessageRef', e.messageRef, `${at}.messageRef`) +
    text('Code', e.code, `${at}.code`) +
    text('Description', e.description, `${at}.description`) +
    '</Error>'
  );
}

function registrationContent(r: Registration, at: string): string {
  return text('Number', r.number, `${at}.number`) + text('Date', r.date, `${at}.date`);
}

function attachments(list: readonly Attachment[] | undefined, at: string): string {
  if (list === undefined || list.length === 0) return '';
  let xml = '<Attachments>';
  for (let i = 0; i < list.length; i++) {
    const a = list[i] as Attachment;
    const field = `${at}[${i}]`;
    // Content was proven strict base64 by checkEnvelopeInvariants: nothing in it needs escaping.
    xml +=
      '<Attachment>' +
      text('FileName', a.fileName, `${field}.fileName`) +
      text('MediaType', a.mediaType, `${field}.mediaType`) +
      `<Size>${a.size}</Size>` +
      text('Sha256', a.sha256, `${field}.sha256`) +
      `<Content>${a.content}</Content></Attachment>`;
  }
  return xml + '</Attachments>';
}

function repeated(name: string, values: readonly string[], at: string): string {
  let xml = '';
  for (let i = 0; i < values.length; i++) xml += text(name, values[i] as string, `${at}[${i}]`);
  return xml;
}

function text(name: string, value: string, field: string): string {
  return `<${name}>${escapeText(value, field)}</${name}>`;
}

function optionalText(name: string, value: string | undefined, field: string): string {
  return value === undefined ? '' : text(name, value, field);
}

function bool(name: string, value: boolean): string {
  return value ? `<${name}>true</${name}>` : `<${name}>false</${name}>`;
}

/*
 * Escaping: one precompiled test per value decides whether the value needs any work. Almost every value
 * (codes, dates, ordinary Ukrainian text) passes untouched; the rest takes one pass over its UTF-16 units.
 * The test also matches every unit that might be illegal in XML 1.0 (C0 controls other than tab/LF/CR,
 * surrogates, U+FFFE/U+FFFF) so that the slow pass can refuse them: a document the parser at the other end
 * cannot read, or would read differently, must never be signed.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const TEXT_NEEDS_WORK = /[&<>\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ATTRIBUTE_NEEDS_WORK = /[&<"\t\n\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

function escapeText(value: string, field: string): string {
  return TEXT_NEEDS_WORK.test(value) ? escapeSlow(value, field, false) : value;
}

function escapeAttribute(value: string, field: string): string {
  return ATTRIBUTE_NEEDS_WORK.test(value) ? escapeSlow(value, field, true) : value;
}

/** Replacements as exclusive c14n writes them, so that our output needs no re-serialisation to be canonical. */
function escapeSlow(value: string, field: string, inAttribute: boolean): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    let replacement: string;
    if (unit === 0x26) replacement = '&amp;';
    else if (unit === 0x3c) replacement = '&lt;';
    else if (unit === 0x3e && !inAttribute) replacement = '&gt;';
    else if (unit === 0x0d) replacement = '&#xD;';
    else if (unit === 0x22 && inAttribute) replacement = '&quot;';
    else if (unit === 0x0a && inAttribute) replacement = '&#xA;';
    else if (unit === 0x09 && inAttribute) replacement = '&#x9;';
    else if (unit >= 0xd800 && unit <= 0xdbff && isLowSurrogate(value.charCodeAt(i + 1))) {
      i++;
      continue;
    } else if (isForbidden(unit)) {
      throw invalidCharacter(unit, i, field);
    } else continue;
    out += value.slice(from, i) + replacement;
    from = i + 1;
  }
  return from === 0 ? value : out + value.slice(from);
}

/** XML 1.0 Char production, for a UTF-16 unit that is not the start of a surrogate pair. */
function isForbidden(unit: number): boolean {
  if (unit < 0x20) return unit !== 0x09 && unit !== 0x0a && unit !== 0x0d;
  return (unit >= 0xd800 && unit <= 0xdfff) || unit >= 0xfffe;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

function invalidCharacter(unit: number, index: number, field: string): VkhidError {
  const codePoint = `U+${unit.toString(16).toUpperCase().padStart(4, '0')}`;
  const what = unit >= 0xd800 && unit <= 0xdfff ? `an unpaired surrogate ${codePoint}` : codePoint;
  return invalidModel(`the value holds ${what} at offset ${index}, which XML 1.0 does not allow`, field);
}
