import { createHash } from 'node:crypto';
import type { AdapterContext } from '../../gateway/adapters/adapter.js';
import { offsetOfWallTime } from '../../gateway/deadlines/civil-dates.js';
import { attachmentFromBytes } from '../../gateway/envelope/envelope-builder.js';
import {
  MAX_ATTACHMENTS,
  MAX_CONTACTS_PER_KIND,
  SCHEMA_VERSION,
  type Answer,
  type Appeal,
  type Applicant,
  type Attachment,
  type Contacts,
  type Envelope,
  type EnvelopeHeader,
  type MessageType,
  type Receipt,
  type ReceiptOutcome,
} from '../../gateway/envelope/envelope-model.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { ADAPTER_NAME, type Sev1207Settings } from './sev1207-settings.js';
import {
  ANSWER_RESULT_BY_LABEL,
  APPEAL_KIND_BY_LABEL,
  DEFAULT_REFUSAL_REASON,
  mediaTypeOf,
} from './sev1207-vocabulary.js';

/**
 * Maps a 1207 message that has passed the 1207 schema to the canonical model. The schema has already
 * guaranteed every required attribute and element, the enumerations and the date formats, so this code only
 * decides what the values mean and refuses what the canonical model cannot hold (ADAPTER_MISSING_FIELD or
 * ADAPTER_INVALID_FIELD naming the 1207 field as an XPath, ADAPTER_UNSUPPORTED for kinds of message it has no
 * place for).
 *
 * The rules (docs/adapters/sev-ovv-1207.md has the table):
 * - an `Acknowledgement` is a receipt; a `Document` is an answer when it reports on a document received
 *   (`purpose_type` 4 «Звітність», or `msg_type` 3), an appeal otherwise;
 * - sender and recipient come from `from_org_id`/`to_org_id`, through the `orgIds` setting or as they are
 *   when they are 8-digit codes; otherwise the sender is the participant and the recipient `defaultRecipient`;
 * - what 1207 has no field for (consent, channel, category, the kind of an appeal and the result of an answer
 *   unless the document kind names them) comes from the settings' defaults, never from guesses about people.
 */
export function readSev1207(root: Element, settings: Sev1207Settings, context: AdapterContext): Envelope {
  const acknowledgement = child(root, 'Acknowledgement');
  const document = child(root, 'Document');
  if (acknowledgement !== undefined && document !== undefined) {
    throw unsupported('messages that carry both a Document and an Acknowledgement', '/Header');
  }
  if (acknowledgement === undefined && document === undefined) {
    throw unsupported(
      'messages without a Document or an Acknowledgement (a task list or additional documents on their own ' +
        'belong to a document the canonical model has already carried)',
      '/Header',
    );
  }
  const reader = new MessageReader(root, settings, context);
  if (acknowledgement !== undefined) return reader.receipt(acknowledgement);
  const doc = document as Element;
  const isAnswer =
    trimmed(attribute(doc, 'purpose_type')) === '4' || trimmed(attribute(root, 'msg_type')) === '3';
  return isAnswer ? reader.answer(doc) : reader.appeal(doc);
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const PARTICIPANT_CODE = /^[0-9]{8}$/;
const TRACKING = /^[A-Z0-9][A-Z0-9/-]{2,39}$/;
const CODE = /^[A-Za-z0-9._-]{1,64}$/;
const PHONE = /^\+?[0-9 ()-]{5,20}$/;
const EMAIL = /^[^@ \t\n\r]{1,64}@[^@ \t\n\r]{1,255}$/;
const ZONE = /(Z|[+-]\d{2}:\d{2})$/;
const SHORT_TEXT_MAX = 500;
const LONG_TEXT_MAX = 200_000;
const HEADER = '/Header';
const DOCUMENT = '/Header/Document';

/** Names derived message ids (UUID v5) for 1207 msg_ids that are not UUIDs. */
const MSG_ID_NAMESPACE = 'ae4f248f-b4ea-4789-aa09-09a67cb9541f';

class MessageReader {
  constructor(
    private readonly root: Element,
    private readonly settings: Sev1207Settings,
    private readonly context: AdapterContext,
  ) {}

  receipt(ack: Element): Envelope {
    const at = `${HEADER}/Acknowledgement`;
    const messageRef = messageIdOf(required(ack, 'msg_id', at), `${at}/@msg_id`);
    const receipt: Receipt = {
      messageRef,
      at: this.createdAt(),
      outcome: this.ackOutcome(ack, at),
    };
    return {
      header: this.header('receipt', { inReplyTo: messageRef }),
      body: { type: 'receipt', receipt },
    };
  }

  private ackOutcome(ack: Element, at: string): ReceiptOutcome {
    const type = trimmed(attribute(ack, 'ack_type'));
    switch (type) {
      case '1':
        return { kind: 'delivered' };
      case '2':
        return { kind: 'accepted' };
      case '3': {
        const reg = child(ack, 'RegNumber');
        const field = `${at}/RegNumber`;
        if (reg === undefined || reg.textContent === '') throw missing(field);
        return {
          kind: 'registered',
          number: shortText(reg.textContent ?? '', field),
          date: required(reg, 'regdate', field).trim(),
        };
      }
      case '4': {
        const results = children(ack, 'AckResult');
        const code = errorCode(results[0], `${at}/AckResult/@errorcode`);
        const texts = results.map((r) => attribute(r, 'errortext') ?? '').filter((t) => t !== '');
        const reason =
          texts.length === 0
            ? DEFAULT_REFUSAL_REASON
            : shortText(texts.join('; '), `${at}/AckResult/@errortext`);
        return code === undefined ? { kind: 'refused', reason } : { kind: 'refused', code, reason };
      }
      default:
        throw invalid(
          `${at}/@ack_type`,
          'must be 1 (delivered), 2 (accepted), 3 (registered) or 4 (refused)',
        );
    }
  }

  appeal(doc: Element): Envelope {
    const defaults = this.settings.defaults;
    const reg = child(doc, 'RegNumber') as Element;
    const regNumber = reg.textContent ?? '';
    const regDate = required(reg, 'regdate', `${DOCUMENT}/RegNumber`).trim();
    const kindLabel = attribute(doc, 'kind') ?? '';
    const subject = nonEmpty(attribute(doc, 'title')) ?? nonEmpty(kindLabel);
    if (subject === undefined) throw missing(`${DOCUMENT}/@title`);
    const text = nonEmpty(attribute(doc, 'annotation')) ?? nonEmpty(attribute(doc, 'title'));
    if (text === undefined) throw missing(`${DOCUMENT}/@annotation`);
    const tasks = this.tasks();
    const attachments = this.attachments(doc);
    const sender = this.sender();
    const appeal: Appeal = {
      kind: APPEAL_KIND_BY_LABEL.get(kindLabel.trim()) ?? defaults.appealKind,
      channel: defaults.channel,
      receivedAt: this.createdAt(),
      urgency: trimmed(attribute(doc, 'urgent')) === '1' ? 'urgent' : 'normal',
      restrictedAccess: confidential(doc),
      applicant: this.applicant(doc),
      category: defaults.category,
      subject: shortText(subject, `${DOCUMENT}/@title`),
      text: longText(text, `${DOCUMENT}/@annotation`),
      ...(attachments.length === 0 ? {} : { attachments }),
      routing: {
        target: this.routingTarget(doc),
        basis: shortText(nonEmpty(tasks[0]?.text) ?? defaults.basis, `${HEADER}/TaskList/Task/@task_text`),
      },
      deadline: this.deadline(doc, tasks, regDate),
    };
    // The tracking number is the sender's registration number when it has the canonical form; otherwise one is
    // derived from the sender and that registration, so the same document always gets the same number.
    const tracking = TRACKING.test(regNumber)
      ? regNumber
      : `${sender}/${createHash('sha256').update(`${regNumber}\n${regDate}`).digest('hex').slice(0, 12).toUpperCase()}`;
    return {
      header: this.header('appeal', { tracking }),
      body: { type: 'appeal', appeal },
    };
  }

  answer(doc: Element): Envelope {
    const reg = child(doc, 'RegNumber') as Element;
    const regNumber = reg.textContent ?? '';
    const text = nonEmpty(attribute(doc, 'annotation')) ?? nonEmpty(attribute(doc, 'title'));
    if (text === undefined) throw missing(`${DOCUMENT}/@annotation`);
    const attachments = this.attachments(doc);
    const answer: Answer = {
      answeredAt: this.createdAt(),
      ...(regNumber === ''
        ? {}
        : {
            registration: {
              number: shortText(regNumber, `${DOCUMENT}/RegNumber`),
              date: required(reg, 'regdate', `${DOCUMENT}/RegNumber`).trim(),
            },
          }),
      result:
        ANSWER_RESULT_BY_LABEL.get((attribute(doc, 'kind') ?? '').trim()) ??
        this.settings.defaults.answerResult,
      signatory: this.signatory(doc),
      text: longText(text, `${DOCUMENT}/@annotation`),
      ...(attachments.length === 0 ? {} : { attachments }),
    };
    // The document answered is the one the addressee's Referred names: its registration number is the
    // tracking number when the hub sent it (the hub registers appeals under their tracking numbers), and its
    // idnumber the hub's message id.
    const referred = children(doc, 'Addressee')
      .flatMap((addressee) => children(addressee, 'Referred'))
      .find((r) => trimmed(attribute(r, 'retype')) === 'д');
    const referredNumber = referred === undefined ? undefined : child(referred, 'RegNumber')?.textContent;
    const referredId = referred === undefined ? undefined : attribute(referred, 'idnumber');
    return {
      header: this.header('answer', {
        ...(referredNumber !== undefined && referredNumber !== null && TRACKING.test(referredNumber)
          ? { tracking: referredNumber }
          : {}),
        ...(referredId !== undefined && UUID.test(referredId) ? { inReplyTo: referredId } : {}),
      }),
      body: { type: 'answer', answer },
    };
  }

  private header(type: MessageType, extra: { tracking?: string; inReplyTo?: string }): EnvelopeHeader {
    return {
      messageId: messageIdOf(required(this.root, 'msg_id', HEADER), `${HEADER}/@msg_id`),
      type,
      createdAt: this.createdAt(),
      sender: this.sender(),
      recipient: this.recipient(),
      ...(extra.tracking === undefined ? {} : { tracking: extra.tracking }),
      ...(extra.inReplyTo === undefined ? {} : { inReplyTo: extra.inReplyTo }),
      schemaVersion: SCHEMA_VERSION,
    };
  }

  private createdAt(): string {
    return instantOf(required(this.root, 'time', HEADER).trim());
  }

  private sender(): string {
    return this.codeOf(required(this.root, 'from_org_id', HEADER)) ?? this.context.participantCode;
  }

  private recipient(): string {
    const code = this.codeOf(required(this.root, 'to_org_id', HEADER)) ?? this.settings.defaultRecipient;
    if (code === undefined) {
      throw invalid(
        `${HEADER}/@to_org_id`,
        'is neither an 8-digit ЄДРПОУ code nor mapped by the orgIds setting, and no defaultRecipient is set',
      );
    }
    return code;
  }

  /** The ЄДРПОУ code of a 1207 organisation id (`*_org_id`, `ogrn`), when it has one. */
  private codeOf(orgId: string): string | undefined {
    return (
      this.settings.orgIds.get(orgId) ??
      this.settings.orgIds.get(orgId.trim()) ??
      (PARTICIPANT_CODE.test(orgId.trim()) ? orgId.trim() : undefined)
    );
  }

  private routingTarget(doc: Element): string {
    for (const addressee of children(doc, 'Addressee')) {
      const organization = child(addressee, 'Organization');
      const code =
        organization === undefined ? undefined : this.codeOf(attribute(organization, 'ogrn') ?? '');
      if (code !== undefined) return code;
    }
    return this.recipient();
  }

  /** The applicant is the document's (first) author: a private person, or an organisation writing to the hub. */
  private applicant(doc: Element): Applicant {
    const author = child(doc, 'Author') as Element;
    const person = child(author, 'PrivatePerson');
    const organization = child(author, 'Organization');
    const party = person ?? organization;
    let fullName: string | undefined;
    let field: string;
    if (person !== undefined) {
      field = `${DOCUMENT}/Author/PrivatePerson/Name`;
      fullName = personName(child(person, 'Name'));
    } else if (organization !== undefined) {
      field = `${DOCUMENT}/Author/Organization/@fullname`;
      fullName =
        nonEmpty(attribute(organization, 'fullname')) ??
        nonEmpty(attribute(organization, 'shortname')) ??
        nonEmpty(attribute(this.root, 'from_organization'));
    } else {
      field = `${HEADER}/@from_organization`;
      fullName = nonEmpty(attribute(this.root, 'from_organization'));
    }
    if (fullName === undefined) throw missing(field);
    const address = party === undefined ? undefined : addressOf(child(party, 'Address'));
    return {
      fullName: shortText(fullName, field),
      contacts: party === undefined ? { phones: [], emails: [] } : contactsOf(children(party, 'Econtact')),
      ...(address === undefined
        ? {}
        : { address: shortText(address, `${field.replace(/\/[^/]+$/, '')}/Address`) }),
      consent: { ...this.settings.defaults.consent },
    };
  }

  /** Who signed the answer: the author's official person, else the author itself. */
  private signatory(doc: Element): string {
    const author = child(doc, 'Author') as Element;
    const person = child(author, 'PrivatePerson');
    const organization = child(author, 'Organization');
    let name: string | undefined;
    let field = `${DOCUMENT}/Author`;
    if (person !== undefined) {
      field = `${DOCUMENT}/Author/PrivatePerson/Name`;
      name = personName(child(person, 'Name'));
    } else if (organization !== undefined) {
      const official = child(organization, 'OfficialPerson');
      field =
        official === undefined
          ? `${DOCUMENT}/Author/Organization/@fullname`
          : `${DOCUMENT}/Author/Organization/OfficialPerson/Name`;
      name =
        (official === undefined ? undefined : personName(child(official, 'Name'))) ??
        nonEmpty(attribute(organization, 'fullname')) ??
        nonEmpty(attribute(organization, 'shortname'));
    }
    name ??= nonEmpty(attribute(this.root, 'from_organization'));
    if (name === undefined) throw missing(field);
    return shortText(name, field);
  }

  private tasks(): { text: string; deadlines: string[] }[] {
    const list = child(this.root, 'TaskList');
    if (list === undefined) return [];
    return children(list, 'Task').map((task) => ({
      text: attribute(task, 'task_text') ?? '',
      deadlines: [
        attribute(task, 'deadline') ?? '',
        ...children(task, 'Executor').map((e) => attribute(e, 'deadline') ?? ''),
      ].filter((d) => d !== ''),
    }));
  }

  /**
   * The earliest deadline a task, executor or approver names; without one, the registration date plus the
   * statutory term from the settings (dates compare by their date part: a zone cannot move a date by a day
   * in a way that matters for a deadline).
   */
  private deadline(doc: Element, tasks: { deadlines: string[] }[], regDate: string): string {
    const approval = child(doc, 'Approval');
    const request = approval === undefined ? undefined : child(approval, 'ApprovalRequest');
    const approvers =
      request === undefined ? [] : children(request, 'Approver').map((a) => attribute(a, 'deadline') ?? '');
    const all = [...tasks.flatMap((t) => t.deadlines), ...approvers]
      .map((d) => d.trim())
      .filter((d) => d !== '');
    if (all.length > 0) return all.reduce((min, d) => (d.slice(0, 10) < min.slice(0, 10) ? d : min));
    return addDays(regDate, this.settings.defaults.answerTermDays, `${DOCUMENT}/RegNumber/@regdate`);
  }

  /** The files of the document, of its tasks and of its additional-document folders, in document order. */
  private attachments(doc: Element): Attachment[] {
    const sources: { element: Element; field: string }[] = [];
    children(doc, 'DocTransfer').forEach((element, i) =>
      sources.push({ element, field: `${DOCUMENT}/DocTransfer[${i + 1}]` }),
    );
    const taskList = child(this.root, 'TaskList');
    (taskList === undefined ? [] : children(taskList, 'Task')).forEach((task, t) =>
      children(task, 'DocTransfer').forEach((element, i) =>
        sources.push({ element, field: `${HEADER}/TaskList/Task[${t + 1}]/DocTransfer[${i + 1}]` }),
      ),
    );
    const add = child(this.root, 'AddDocuments');
    (add === undefined ? [] : children(add, 'Folder')).forEach((folder, f) =>
      children(folder, 'DocTransfer').forEach((element, i) =>
        sources.push({ element, field: `${HEADER}/AddDocuments/Folder[${f + 1}]/DocTransfer[${i + 1}]` }),
      ),
    );
    if (sources.length > MAX_ATTACHMENTS) {
      throw invalid(
        `${DOCUMENT}/DocTransfer`,
        `the message has ${sources.length} files; the canonical envelope carries at most ${MAX_ATTACHMENTS}`,
      );
    }
    return sources.map(({ element, field }) => {
      const type = attribute(element, 'type') ?? '';
      const fileName =
        nonEmpty(attribute(element, 'description')) ??
        `${(attribute(element, 'idnumber') ?? '').trim() || 'file'}.${type.trim() || 'bin'}`;
      // The schema has checked the base64; XML allows whitespace inside it, the canonical Content does not.
      const bytes = Buffer.from((element.textContent ?? '').replace(/[ \t\r\n]/g, ''), 'base64');
      return attachmentFromBytes(shortText(fileName, `${field}/@description`), mediaTypeOf(type), bytes);
    });
  }
}

function contactsOf(econtacts: Element[]): Contacts {
  const phones: string[] = [];
  const emails: string[] = [];
  for (const econtact of econtacts) {
    const value = econtact.textContent ?? '';
    const type = attribute(econtact, 'type');
    // Only values the canonical patterns accept are carried; a web site, Skype or ICQ has no canonical field.
    const isEmail = type === 'п' || (type === undefined && value.includes('@'));
    const isPhone =
      type === 'р' || type === 'д' || type === 'м' || type === 'ф' || (type === undefined && !isEmail);
    if (isEmail && EMAIL.test(value) && emails.length < MAX_CONTACTS_PER_KIND) emails.push(value);
    else if (isPhone && PHONE.test(value) && phones.length < MAX_CONTACTS_PER_KIND) phones.push(value);
  }
  return { phones, emails };
}

const ADDRESS_PARTS = [
  'postcode',
  'country',
  'region',
  'district',
  'settlement',
  'street',
  'house',
  'building',
  'flat',
  'postbox',
  'nontypical',
] as const;

/** The address text, or its parts joined when the text is empty. */
function addressOf(address: Element | undefined): string | undefined {
  if (address === undefined) return undefined;
  const text = address.textContent ?? '';
  if (text !== '') return text;
  const parts = ADDRESS_PARTS.map((part) => nonEmpty(attribute(address, part))).filter(
    (p) => p !== undefined,
  );
  return parts.length === 0 ? undefined : parts.join(', ');
}

/** A Name's text, or surname, first name and patronymic from its attributes when the text is empty. */
function personName(name: Element | undefined): string | undefined {
  if (name === undefined) return undefined;
  const text = name.textContent ?? '';
  if (text !== '') return text;
  const parts = ['secname', 'firstname', 'fathersname']
    .map((p) => nonEmpty(attribute(name, p))?.trim())
    .filter((p) => p !== undefined);
  return parts.length === 0 ? undefined : parts.join(' ');
}

function confidential(doc: Element): boolean {
  const confident = child(doc, 'Confident');
  return confident !== undefined && trimmed(attribute(confident, 'flag')) === '1';
}

/**
 * The refusal code: `errorcode` as written (xs:integer, so whitespace and a leading '+' are not part of it);
 * 0 means "no code", as in the official samples.
 */
function errorCode(result: Element | undefined, field: string): string | undefined {
  if (result === undefined) return undefined;
  const code = trimmed(attribute(result, 'errorcode')).replace(/^\+/, '');
  if (/^-?0+$/.test(code)) return undefined;
  if (!CODE.test(code))
    throw invalid(field, 'is longer than the 64 characters a canonical refusal code holds');
  return code;
}

/** A msg_id as the canonical message id: a UUID as it is, anything else named by a UUID v5 derived from it. */
export function messageIdOf(msgId: string, field: string): string {
  if (UUID.test(msgId)) return msgId;
  if (msgId.trim() === '') throw missing(field);
  const hash = createHash('sha1')
    .update(Buffer.from(MSG_ID_NAMESPACE.replace(/-/g, ''), 'hex'))
    .update(msgId, 'utf8')
    .digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * A 1207 `time` as a canonical Instant. 1207 allows a time without a zone; the EDMS that write one keep Kyiv
 * time, so the Kyiv offset in force at that moment is added (a deadline must not depend on the reader's zone).
 */
export function instantOf(time: string): string {
  if (ZONE.test(time)) return time;
  const match = /^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(time);
  if (match === null) throw invalid(`${HEADER}/@time`, 'is not an xs:dateTime');
  const [, year, month, day, hour, minute, second] = match.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const local = new Date(0);
  local.setUTCFullYear(year, month - 1, day);
  local.setUTCHours(hour, minute, second);
  const offset = Math.round(offsetOfWallTime(local.getTime(), 'Europe/Kyiv') / 60_000);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${time}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function addDays(date: string, days: number, field: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
  if (match === null) throw invalid(field, 'is not a date from year 1000 to 9999');
  const result = new Date(0);
  result.setUTCFullYear(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + days);
  return result.toISOString().slice(0, 10);
}

function shortText(value: string, field: string): string {
  if (value.length > SHORT_TEXT_MAX) {
    throw invalid(
      field,
      `has ${value.length} characters; the canonical field holds at most ${SHORT_TEXT_MAX}`,
    );
  }
  return value;
}

function longText(value: string, field: string): string {
  if (value.length > LONG_TEXT_MAX) {
    throw invalid(
      field,
      `has ${value.length} characters; the canonical field holds at most ${LONG_TEXT_MAX}`,
    );
  }
  return value;
}

function child(element: Element, name: string): Element | undefined {
  for (let node = element.firstChild; node !== null; node = node.nextSibling) {
    if (node.nodeType === 1 && (node as Element).localName === name) return node as Element;
  }
  return undefined;
}

function children(element: Element, name: string): Element[] {
  const found: Element[] = [];
  for (let node = element.firstChild; node !== null; node = node.nextSibling) {
    if (node.nodeType === 1 && (node as Element).localName === name) found.push(node as Element);
  }
  return found;
}

function attribute(element: Element, name: string): string | undefined {
  return element.hasAttribute(name) ? (element.getAttribute(name) ?? '') : undefined;
}

function required(element: Element, name: string, at: string): string {
  const value = attribute(element, name);
  if (value === undefined) throw missing(`${at}/@${name}`);
  return value;
}

function trimmed(value: string | undefined): string {
  return (value ?? '').trim();
}

/** The value unless it is absent or empty (a value of spaces is kept: it is what the sender wrote). */
function nonEmpty(value: string | undefined | null): string | undefined {
  return value === undefined || value === null || value === '' ? undefined : value;
}

function missing(field: string): VkhidError {
  return new VkhidError('ADAPTER_MISSING_FIELD', { args: [field], field });
}

function invalid(field: string, why: string): VkhidError {
  return new VkhidError('ADAPTER_INVALID_FIELD', { args: [field, why], field });
}

function unsupported(what: string, field: string): VkhidError {
  return new VkhidError('ADAPTER_UNSUPPORTED', { args: [ADAPTER_NAME, what], field });
}
