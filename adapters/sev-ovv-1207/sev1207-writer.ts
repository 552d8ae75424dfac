import { NOT_XML_CHAR } from '../../gateway/xml/xml-chars.js';
import iconv from 'iconv-lite';
import type {
  Answer,
  Appeal,
  Attachment,
  Envelope,
  EnvelopeHeader,
  Receipt,
} from '../../gateway/envelope/envelope-model.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { ADAPTER_NAME, type OutputEncoding, type Sev1207Settings } from './sev1207-settings.js';
import { ACK_TEXTS, ANSWER_RESULT_LABELS, APPEAL_KIND_LABELS, fileTypeOf } from './sev1207-vocabulary.js';

/**
 * Writes canonical messages as 1207 documents: an appeal is a document «на виконання» (purpose_type 3) with
 * one task carrying the routing basis and the deadline, an answer a report «звітність» (purpose_type 4), a
 * receipt an acknowledgement. What goes where is in docs/adapters/sev-ovv-1207.md; the output is built to the
 * 1207 schema (the runtime validates it against that schema).
 */
export function writeSev1207(envelope: Envelope, settings: Sev1207Settings): Uint8Array {
  const writer = new Sev1207Writer(settings);
  const { header, body } = envelope;
  let xml: string;
  switch (body.type) {
    case 'appeal':
      xml = writer.message(header, 1, 2, writer.appeal(header, body.appeal));
      break;
    case 'answer':
      xml = writer.message(header, 3, 2, writer.answer(header, body.answer));
      break;
    case 'receipt':
      checkWanted(body.receipt, settings);
      // Acknowledgements are never acknowledged themselves (msg_acknow 0), as in the official samples.
      xml = writer.message(header, 0, 0, writer.acknowledgement(body.receipt));
      break;
    case 'status':
      throw new VkhidError('ADAPTER_UNSUPPORTED', {
        args: [
          ADAPTER_NAME,
          'status messages: a 1207 acknowledgement is about one message (delivered, accepted, registered, ' +
            'refused), a status about the progress of an appeal, which 1207 has no message for',
        ],
        field: 'body.status',
      });
    case 'error':
      throw new VkhidError('ADAPTER_UNSUPPORTED', {
        args: [ADAPTER_NAME, 'error messages: 1207 reports a refused message as a receipt (ack_type 4)'],
        field: 'body.error',
      });
  }
  return encode(xml, settings.encoding);
}

/** The `msgAcknow` setting: 0 the agency wants no acknowledgements, 1 refusals only, 2 all. */
function checkWanted(receipt: Receipt, settings: Sev1207Settings): void {
  const kind = receipt.outcome.kind;
  const wanted = settings.msgAcknow === 2 || (settings.msgAcknow === 1 && kind === 'refused');
  if (!wanted) {
    throw new VkhidError('ADAPTER_UNSUPPORTED', {
      args: [
        ADAPTER_NAME,
        `${kind} receipts for this participant: its msgAcknow setting is ${settings.msgAcknow} ` +
          `(${settings.msgAcknow === 0 ? 'no acknowledgements' : 'refusals only'})`,
      ],
      field: 'body.receipt.outcome.kind',
    });
  }
}

class Sev1207Writer {
  constructor(private readonly settings: Sev1207Settings) {}

  message(header: EnvelopeHeader, msgType: number, msgAcknow: number, content: string): string {
    const hub = this.settings.hubSystem;
    const fromOrganization = this.organizationName(header.sender);
    const toOrganization = this.organizationName(header.recipient);
    const toOrgId = this.orgId(header.recipient);
    const agency = this.settings.agencySystem ?? { id: toOrgId, name: toOrganization };
    const declared = this.settings.encoding === 'utf-8' ? 'UTF-8' : 'windows-1251';
    return (
      `<?xml version="1.0" encoding="${declared}"?>\n` +
      '<Header standart="1207" version="1.5"' +
      attr('charset', declared) +
      attr('time', header.createdAt, 'header.createdAt') +
      attr('msg_type', String(msgType)) +
      attr('msg_id', header.messageId, 'header.messageId') +
      attr('msg_acknow', String(msgAcknow)) +
      attr('from_org_id', this.orgId(header.sender)) +
      attr('from_organization', fromOrganization) +
      attr('from_sys_id', hub.id) +
      attr('from_system', hub.name) +
      attr('to_org_id', toOrgId) +
      attr('to_organization', toOrganization) +
      attr('to_sys_id', agency.id) +
      attr('to_system', agency.name) +
      '>' +
      content +
      '</Header>\n'
    );
  }

  appeal(header: EnvelopeHeader, appeal: Appeal): string {
    const at = 'body.appeal';
    const tracking = header.tracking ?? '';
    const registered = appeal.receivedAt.slice(0, 10);
    const confident = `<Confident flag="${appeal.restrictedAccess ? 1 : 0}"></Confident>`;
    const applicant = appeal.applicant;
    const person =
      '<PrivatePerson>' +
      text('Name', applicant.fullName, `${at}.applicant.fullName`) +
      (applicant.address === undefined ? '' : text('Address', applicant.address, `${at}.applicant.address`)) +
      applicant.contacts.phones
        .map((p, i) => econtact('м', p, `${at}.applicant.contacts.phones[${i}]`))
        .join('') +
      applicant.contacts.emails
        .map((e, i) => econtact('п', e, `${at}.applicant.contacts.emails[${i}]`))
        .join('') +
      '</PrivatePerson>';
    const regNumber = `<RegNumber regdate="${registered}">${escape(tracking, 'header.tracking')}</RegNumber>`;
    const document =
      '<Document' +
      attr('idnumber', header.messageId) +
      ' type="0"' +
      attr('kind', APPEAL_KIND_LABELS[appeal.kind]) +
      attr('title', appeal.subject, `${at}.subject`) +
      attr('annotation', appeal.text, `${at}.text`) +
      ` purpose_type="3" urgent="${appeal.urgency === 'urgent' ? 1 : 0}">` +
      regNumber +
      confident +
      docTransfers(appeal.attachments, `${at}.attachments`) +
      `<Author>${person}</Author>` +
      `<Addressee type="0">${this.organization(appeal.routing.target)}</Addressee>` +
      `<Writer>${this.organization(header.sender)}</Writer>` +
      '</Document>';
    // The task is what makes the document one to act on: who executes it, why, and by when.
    const task =
      '<TaskList><Task' +
      attr('idnumber', `${header.messageId}-1`) +
      ' task_reg="1" task_copy="0"' +
      attr('task_text', appeal.routing.basis, `${at}.routing.basis`) +
      attr('deadline', appeal.deadline, `${at}.deadline`) +
      ' referred-control="1">' +
      `<TaskNumber taskDate="${header.createdAt.slice(0, 10)}">${escape(tracking, 'header.tracking')}</TaskNumber>` +
      confident +
      `<Referred${attr('idnumber', header.messageId)} retype="д">${regNumber}</Referred>` +
      `<Author>${this.organization(header.sender)}</Author>` +
      `<Executor responsible="1"${attr('deadline', appeal.deadline)}>${this.organization(appeal.routing.target)}</Executor>` +
      '</Task></TaskList>';
    return document + task;
  }

  answer(header: EnvelopeHeader, answer: Answer): string {
    const at = 'body.answer';
    // An unregistered answer has an empty registration number: 1207 requires the element, not a number.
    const registration = answer.registration;
    const regNumber =
      `<RegNumber regdate="${registration?.date ?? answer.answeredAt.slice(0, 10)}">` +
      `${registration === undefined ? '' : escape(registration.number, `${at}.registration.number`)}</RegNumber>`;
    return (
      '<Document' +
      attr('idnumber', header.messageId) +
      ' type="0"' +
      attr('kind', ANSWER_RESULT_LABELS[answer.result]) +
      attr('annotation', answer.text, `${at}.text`) +
      ' purpose_type="4" urgent="0">' +
      regNumber +
      '<Confident flag="0"></Confident>' +
      docTransfers(answer.attachments, `${at}.attachments`) +
      '<Author>' +
      this.organization(
        header.sender,
        `<OfficialPerson>${text('Name', answer.signatory, `${at}.signatory`)}</OfficialPerson>`,
      ) +
      '</Author>' +
      `<Addressee type="0">${this.organization(header.recipient)}</Addressee>` +
      `<Writer>${this.organization(header.sender)}</Writer>` +
      '</Document>'
    );
  }

  acknowledgement(receipt: Receipt): string {
    const at = 'body.receipt';
    const outcome = receipt.outcome;
    let ackType: number;
    let regNumber = '';
    let errorCode = '0';
    let errorText: string;
    switch (outcome.kind) {
      case 'delivered':
        ackType = 1;
        errorText = ACK_TEXTS.delivered;
        break;
      case 'accepted':
        ackType = 2;
        errorText = ACK_TEXTS.accepted;
        break;
      case 'registered':
        ackType = 3;
        regNumber = `<RegNumber regdate="${outcome.date}">${escape(outcome.number, `${at}.outcome.number`)}</RegNumber>`;
        errorText = ACK_TEXTS.registered;
        break;
      case 'refused':
        ackType = 4;
        // errorcode is an xs:integer: a canonical code that is not a number cannot be written (it is lost;
        // the reason still says why).
        if (outcome.code !== undefined && /^-?[0-9]+$/.test(outcome.code)) errorCode = outcome.code;
        errorText = outcome.reason;
        break;
    }
    return (
      '<Acknowledgement' +
      attr('msg_id', receipt.messageRef, `${at}.messageRef`) +
      ` ack_type="${ackType}">` +
      regNumber +
      `<AckResult errorcode="${errorCode}"${attr('errortext', errorText, `${at}.outcome.reason`)}></AckResult>` +
      '</Acknowledgement>'
    );
  }

  /** An organisation element for a participant code; `ogrn` holds the ЄДРПОУ code, which is what it means. */
  private organization(code: string, content = ''): string {
    const name = this.settings.orgNames.get(code);
    const fullname = name === undefined ? '' : attr('fullname', name);
    return `<Organization${fullname}${attr('ogrn', this.ogrn(code))}>${content}</Organization>`;
  }

  private ogrn(code: string): string {
    const orgId = this.settings.orgIdsByCode.get(code);
    return orgId !== undefined && /^[0-9]+$/.test(orgId) ? orgId : code;
  }

  private orgId(code: string): string {
    return this.settings.orgIdsByCode.get(code) ?? code;
  }

  private organizationName(code: string): string {
    return this.settings.orgNames.get(code) ?? `ЄДРПОУ ${code}`;
  }
}

function docTransfers(attachments: readonly Attachment[] | undefined, at: string): string {
  if (attachments === undefined) return '';
  // Content is strict base64 (the canonical invariants checked it): nothing in it needs escaping.
  return attachments
    .map(
      (a, i) =>
        '<DocTransfer' +
        attr('type', fileTypeOf(a.mediaType)) +
        attr('description', a.fileName, `${at}[${i}].fileName`) +
        attr('idnumber', String(i + 1)) +
        `>${a.content}</DocTransfer>`,
    )
    .join('');
}

function econtact(type: string, value: string, field: string): string {
  return `<Econtact type="${type}">${escape(value, field)}</Econtact>`;
}

function text(name: string, value: string, field: string): string {
  return `<${name}>${escape(value, field)}</${name}>`;
}

function attr(name: string, value: string, field = name): string {
  return ` ${name}="${escape(value, field, true)}"`;
}

/**
 * Escapes a value for text or an attribute. Carriage returns, NEL and LINE SEPARATOR, and tabs and line feeds
 * in attributes, are written as character references: a parser would otherwise normalise them, and the value
 * read back would not be the value written.
 */
function escape(value: string, field: string, inAttribute = false): string {
  const bad = NOT_XML_CHAR.exec(value);
  if (bad !== null) {
    throw new VkhidError('ADAPTER_INVALID_FIELD', {
      args: [
        field,
        `holds U+${(bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase()}, which XML 1.0 cannot carry`,
      ],
      field,
    });
  }
  let out = value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#xD;')
    // NEL and LINE SEPARATOR are ordinary characters in XML 1.0, but readers that apply XML 1.1's line-end
    // rules (@xmldom/xmldom among them) turn them into line feeds; references reach every reader intact.
    .replace(/\u0085/g, '&#x85;')
    .replace(/\u2028/g, '&#x2028;');
  if (inAttribute) out = out.replace(/"/g, '&quot;').replace(/\t/g, '&#x9;').replace(/\n/g, '&#xA;');
  return out;
}

let windows1251: ReadonlySet<number> | undefined;

/**
 * The code points windows-1251 can write: those a byte decodes to under the WHATWG table (what the hub's
 * intake reads with) and iconv-lite encodes back to that byte, without the C1 controls the intake refuses.
 */
function windows1251CodePoints(): ReadonlySet<number> {
  if (windows1251 !== undefined) return windows1251;
  const set = new Set<number>();
  const decoder = new TextDecoder('windows-1251');
  for (let byte = 0; byte < 256; byte++) {
    const char = decoder.decode(Uint8Array.of(byte));
    const codePoint = char.codePointAt(0) ?? 0xfffd;
    if (codePoint >= 0x80 && codePoint <= 0x9f) continue;
    const back = iconv.encode(char, 'win1251');
    if (back.length === 1 && back[0] === byte) set.add(codePoint);
  }
  windows1251 = set;
  return set;
}

/**
 * UTF-8, or windows-1251 for the EDMS that still need it; characters windows-1251 lacks (₴, ʼ, emoji) are
 * written as character references, so nothing is replaced by '?'. Every such character is in a value (the
 * markup is ASCII), where a reference means the same character.
 */
function encode(xml: string, encoding: OutputEncoding): Uint8Array {
  if (encoding === 'utf-8') return Buffer.from(xml, 'utf8');
  const allowed = windows1251CodePoints();
  let out = '';
  for (const char of xml) {
    const codePoint = char.codePointAt(0) as number;
    out += allowed.has(codePoint) ? char : `&#x${codePoint.toString(16).toUpperCase()};`;
  }
  return iconv.encode(out, 'win1251');
}
