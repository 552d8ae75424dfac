import { NOT_XML_CHAR } from '../../gateway/xml/xml-chars.js';
import type { AdapterContext } from '../../gateway/adapters/adapter.js';
import { attachmentFromBytes } from '../../gateway/envelope/envelope-builder.js';
import {
  ANSWER_RESULTS,
  APPEAL_KINDS,
  CHANNELS,
  MAX_ATTACHMENTS,
  MAX_CONTACTS_PER_KIND,
  SCHEMA_VERSION,
  URGENCIES,
  type AnswerResult,
  type Attachment,
  type Envelope,
  type EnvelopeHeader,
  type MessageType,
  type Urgency,
} from '../../gateway/envelope/envelope-model.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import type { XdmsSettings } from './xdms-settings.js';
import { addDays, dateOf, dateOfInstant, instantOf } from './xdms-text.js';
import {
  ANSWER_LINK_TYPES,
  CHANNEL_LABELS,
  FILE_GROUP,
  KIND_LABELS,
  MEDIA_TYPES_OF_FILE_TYPES,
  NO_NUMBER,
  refusalCodeOf,
  URGENCY_LABELS,
  XDMS_NAMESPACE,
} from './xdms-vocabulary.js';
import { EXTRA_PREFIX } from './xdms-writer.js';

const TRACKING = /^[A-Z0-9][A-Z0-9/-]{2,39}$/;
const PARTICIPANT = /^[0-9]{8}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const CODE = /^[A-Za-z0-9._-]{1,64}$/;
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/;
const PHONE = /^\+?[0-9 ()-]{5,20}$/;
// The XSD's \s is only space, tab, LF and CR (JavaScript's \s is wider).
const EMAIL = /^[^@ \t\n\r]{1,64}@[^@ \t\n\r]{1,255}$/;
const SHORT_TEXT_MAX = 500;
const LONG_TEXT_MAX = 200_000;
const EXTENSION_MEDIA_TYPES: Readonly<Record<string, string>> = {
  pdf: 'application/pdf',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  odt: 'application/vnd.oasis.opendocument.text',
  txt: 'text/plain',
  xml: 'application/xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  p7s: 'application/pkcs7-signature',
};

/**
 * xdms 2.6 (already intake-checked and schema-valid) → canonical model. Schema-valid means every element the
 * XSD requires is there; what is checked here is what the canonical model requires beyond it.
 */
export class XdmsReader {
  constructor(
    private readonly settings: XdmsSettings,
    private readonly context: AdapterContext,
    private readonly root: Element,
    /** The package's files by name (empty for a bare passport). */
    private readonly files: ReadonlyMap<string, Uint8Array>,
  ) {}

  read(): Envelope {
    const header = required(this.root, 'header', 'communication');
    const document = child(this.root, 'document');
    if (document !== undefined) return this.document(header, document);
    const notification = child(this.root, 'notification');
    if (notification !== undefined) return this.notification(header, notification);
    return this.acknowledgment(header, required(this.root, 'acknowledgment', 'communication'));
  }

  // ---------------------------------------------------------------- documents

  private document(header: Element, document: Element): Envelope {
    const signatory = first(document, 'signatories', 'signatory');
    const addressee = first(document, 'addressees', 'addressee');
    const sender = codeOf(signatory) ?? this.context.participantCode;
    const recipient = codeOf(addressee) ?? this.defaultRecipient();
    const extra = extraFields(child(document, 'comment'));
    const tracking = attribute(document, 'id');
    const answerLink = childrenOf(child(document, 'links'), 'link').find((link) =>
      ANSWER_LINK_TYPES.includes(collapse(textOf(child(link, 'linkType')) ?? '')),
    );
    const inReplyTo = answerLink === undefined ? undefined : attribute(answerLink, 'uid');
    const createdAt = this.createdAt(header);
    const { text, attachments } = this.documentFiles(document);
    const annotation = textOf(child(document, 'annotation')) ?? '';
    const body = text ?? annotation;
    if (body.trim() === '') {
      throw missing(
        'communication.document.annotation',
        'the document has neither a text file nor an annotation',
      );
    }
    if (inReplyTo !== undefined && UUID.test(inReplyTo)) {
      const answeredAt = extra.get('answeredAt') ?? createdAt;
      const number = collapse(textOf(first(document, 'num', 'number')) ?? '');
      const result = extra.get('result');
      return {
        header: this.header(header, 'answer', sender, recipient, trackingOf(tracking), inReplyTo),
        body: {
          type: 'answer',
          answer: {
            answeredAt,
            ...(number === '' || number === NO_NUMBER
              ? {}
              : {
                  registration: {
                    number,
                    date: dateOf(textOf(first(document, 'num', 'date')) ?? '') ?? dateOfInstant(createdAt),
                  },
                }),
            result: ANSWER_RESULTS.includes(result as AnswerResult)
              ? (result as AnswerResult)
              : this.settings.defaults.answerResult,
            signatory: this.signatoryName(signatory),
            text: body,
            ...(attachments.length === 0 ? {} : { attachments }),
          },
        },
      };
    }
    if (tracking === undefined) {
      throw missing('communication.document.@id', 'an appeal needs its tracking number (document/@id)');
    }
    if (!TRACKING.test(tracking)) {
      throw invalid('communication.document.@id', 'a tracking number is 3 to 40 of A-Z, 0-9, / and -');
    }
    const correspondent = first(document, 'correspondents', 'correspondent');
    const fullName = textOf(child(correspondent, 'person'));
    if (fullName === undefined || fullName.trim() === '') {
      // The applicant's name is personal data: never defaulted.
      throw missing(
        'communication.document.correspondents.correspondent.person',
        'the applicant is not named',
      );
    }
    const clause = first(document, 'clauses', 'clause');
    const receivedAt = extra.get('receivedAt') ?? createdAt;
    const address = textOf(child(correspondent, 'comment'));
    const noAdditionalStudy = extra.get('noAdditionalStudy');
    const category = textOf(child(clause, 'designation'));
    const basis = textOf(child(clause, 'text'));
    const deadline = dateOf(textOf(child(clause, 'deadline')) ?? '');
    return {
      header: this.header(header, 'appeal', sender, recipient, tracking, undefined),
      body: {
        type: 'appeal',
        appeal: {
          kind: pick(child(document, 'kind'), APPEAL_KINDS, KIND_LABELS) ?? this.settings.defaults.appealKind,
          channel: pick(child(document, 'type'), CHANNELS, CHANNEL_LABELS) ?? this.settings.defaults.channel,
          receivedAt,
          urgency: urgencyOf(child(document, 'urgency')),
          // Any security classification restricts access: treating an open document as restricted can be
          // undone, disclosing a restricted one cannot.
          restrictedAccess: child(document, 'classification') !== undefined,
          ...(noAdditionalStudy === undefined ? {} : { noAdditionalStudy: noAdditionalStudy === 'true' }),
          applicant: {
            fullName: shortText(fullName, 'communication.document.correspondents.correspondent.person'),
            contacts: contactsOf(textOf(child(correspondent, 'contactInfo'))),
            ...(address === undefined || address === ''
              ? {}
              : {
                  address: shortText(address, 'communication.document.correspondents.correspondent.comment'),
                }),
            // Consent is never presumed: without the hub's own record of it, both are false.
            consent: {
              disclosure: extra.get('disclosure') === 'true',
              personalData: extra.get('personalData') === 'true',
            },
          },
          category:
            category !== undefined && CODE.test(category) ? category : this.settings.defaults.category,
          subject: truncate(annotation.trim() === '' ? body : annotation),
          text: body,
          ...(attachments.length === 0 ? {} : { attachments }),
          routing: {
            target: codeOf(child(clause, 'principal')) ?? recipient,
            basis:
              basis !== undefined && basis.trim() !== ''
                ? truncate(basis)
                : this.settings.defaults.routingBasis,
          },
          deadline: deadline ?? addDays(dateOfInstant(receivedAt), this.settings.defaults.answerTermDays),
        },
      },
    };
  }

  /** The text (first plain-text file of the document text group) and every other file as an attachment. */
  private documentFiles(document: Element): { text: string | undefined; attachments: Attachment[] } {
    const titles = new Map<string, string>();
    for (const enclosure of childrenOf(child(document, 'enclosures'), 'enclosure')) {
      const title = textOf(child(enclosure, 'title'));
      if (title === undefined || title.trim() === '' || [...title].length > SHORT_TEXT_MAX) continue;
      for (const id of (textOf(child(enclosure, 'files')) ?? '').trim().split(/\s+/)) {
        if (id !== '' && !titles.has(id)) titles.set(id, title);
      }
    }
    let text: string | undefined;
    const attachments: Attachment[] = [];
    const list = childrenOf(child(this.root, 'files'), 'file');
    list.forEach((file, index) => {
      const field = `communication.files.file[${index}]`;
      const localName = requiredAttribute(file, 'localName');
      const bytes = this.files.get(localName);
      if (bytes === undefined) {
        throw missing(`${field}.@localName`, `the package has no file ${localName}`);
      }
      const group = collapse(textOf(child(file, 'group')) ?? '');
      const type = attribute(file, 'type');
      const isText = type === 'txt' || (type === undefined && /\.txt$/i.test(localName));
      if (text === undefined && group === FILE_GROUP.text && isText) {
        text = decodeText(bytes, field);
        return;
      }
      const localId = attribute(file, 'localId');
      const described = textOf(child(file, 'description'))?.trim();
      const extension = /\.([A-Za-z0-9]+)$/.exec(localName)?.[1]?.toLowerCase();
      const mediaType =
        (described !== undefined && MEDIA_TYPE.test(described) ? described : undefined) ??
        (type === undefined ? undefined : MEDIA_TYPES_OF_FILE_TYPES[type]) ??
        (extension === undefined ? undefined : EXTENSION_MEDIA_TYPES[extension]) ??
        'application/octet-stream';
      const fileName = (localId === undefined ? undefined : titles.get(localId)) ?? localName;
      attachments.push(attachmentFromBytes(fileName, mediaType, bytes));
    });
    if (attachments.length > MAX_ATTACHMENTS) {
      throw invalid(
        'communication.files',
        `the canonical message carries at most ${MAX_ATTACHMENTS} attachments`,
      );
    }
    return { text: text === undefined || text.trim() === '' ? undefined : text, attachments };
  }

  private signatoryName(signatory: Element | undefined): string {
    for (const name of ['person', 'post', 'organization']) {
      const value = textOf(child(signatory, name));
      if (value !== undefined && value.trim() !== '') return truncate(value);
    }
    throw missing('communication.document.signatories.signatory.person', 'the answer names no signatory');
  }

  // ---------------------------------------------------------------- notifications

  private notification(header: Element, notification: Element): Envelope {
    const event = firstElement(notification) as Element; // the schema requires one of the choice
    const sender = codeOf(child(event, 'correspondent')) ?? this.context.participantCode;
    const recipient = codeOf(child(event, 'foundation')) ?? this.defaultRecipient();
    // @uid is required by the schema; @mid, when given, names the message the document came with.
    const documentRef = attribute(notification, 'mid') ?? requiredAttribute(notification, 'uid');
    const tracking = trackingOf(attribute(notification, 'id'));
    const at = instantOf(textOf(child(event, 'time')) ?? '', this.settings.timeZone);
    const comment = textOf(child(notification, 'comment'));
    const headerOf = (type: MessageType): EnvelopeHeader =>
      this.header(header, type, sender, recipient, tracking, documentRef);
    const status = (kind: 'under-consideration' | 'answered', text: string | undefined): Envelope => ({
      header: headerOf('status'),
      body: {
        type: 'status',
        status: { at, outcome: { kind }, ...(text === undefined ? {} : { comment: truncate(text) }) },
      },
    });
    switch (event.localName) {
      case 'documentAccepted':
        return {
          header: headerOf('receipt'),
          body: {
            type: 'receipt',
            receipt: {
              messageRef: documentRef,
              at,
              outcome: {
                kind: 'registered',
                number: collapse(textOf(first(event, 'num', 'number')) ?? ''),
                date: dateOf(textOf(first(event, 'num', 'date')) ?? '') ?? dateOfInstant(at),
              },
            },
          },
        };
      case 'documentRefused': {
        const reason = collapse(textOf(child(event, 'reason')) ?? '');
        const code = refusalCodeOf(reason);
        return {
          header: headerOf('receipt'),
          body: {
            type: 'receipt',
            receipt: {
              messageRef: documentRef,
              at,
              outcome: {
                kind: 'refused',
                ...(code === undefined ? {} : { code }),
                reason: comment === undefined ? reason : truncate(comment),
              },
            },
          },
        };
      }
      case 'executorAssigned':
        return status(
          'under-consideration',
          comment ?? describe('Призначено виконавця', child(event, 'executor')),
        );
      case 'reportPrepared':
        return status(
          'under-consideration',
          comment ??
            describe('Проєкт відповіді передано на підпис', child(event, 'signatory')) ??
            'Проєкт відповіді передано на підпис',
        );
      case 'reportSent': {
        const number = collapse(textOf(first(event, 'report', 'num', 'number')) ?? '');
        const date = dateOf(textOf(first(event, 'report', 'num', 'date')) ?? '');
        const sent =
          number === '' || number === NO_NUMBER
            ? undefined
            : `Відповідь № ${number}${date === undefined ? '' : ` від ${date}`}`;
        return status('answered', comment ?? sent);
      }
      case 'courseChanged': {
        const parts = [textOf(child(event, 'courseText')), comment].filter(
          (part): part is string => part !== undefined && part.trim() !== '',
        );
        return status('under-consideration', parts.length === 0 ? undefined : parts.join('\n'));
      }
      case 'documentPublished': {
        const number = collapse(textOf(first(event, 'num', 'number')) ?? '');
        const date = dateOf(textOf(first(event, 'num', 'date')) ?? '') ?? '';
        const point = collapse(textOf(child(event, 'publicationPoint')) ?? '');
        const published = `Опубліковано: ${point}, № ${number} від ${date}`;
        return status('under-consideration', comment === undefined ? published : `${published}\n${comment}`);
      }
      default:
        throw new VkhidError('ADAPTER_UNSUPPORTED', {
          args: ['medo-xdms', `the notification ${event.localName}`],
          field: `communication.notification.${event.localName}`,
        });
    }
  }

  private acknowledgment(header: Element, acknowledgment: Element): Envelope {
    const messageRef = requiredAttribute(acknowledgment, 'uid');
    const at = instantOf(textOf(child(acknowledgment, 'time')) ?? '', this.settings.timeZone);
    const accepted = (textOf(child(acknowledgment, 'accepted')) ?? '').trim();
    const comment = textOf(child(acknowledgment, 'comment'));
    const hashCodes = child(acknowledgment, 'hashCodes');
    const digest =
      hashCodes !== undefined && /^sha-?256$/i.test(attribute(hashCodes, 'algorithm') ?? '')
        ? childrenOf(hashCodes, 'item')
            .filter((item) => textOf(child(item, 'name'))?.trim() === 'message')
            .map((item) => (textOf(child(item, 'code')) ?? '').trim().toLowerCase())
            .find((code) => /^[0-9a-f]{64}$/.test(code))
        : undefined;
    const positive = accepted === 'true' || accepted === '1';
    return {
      header: this.header(
        header,
        'receipt',
        this.context.participantCode,
        this.defaultRecipient(),
        trackingOf(attribute(acknowledgment, 'content')),
        messageRef,
      ),
      body: {
        type: 'receipt',
        receipt: {
          messageRef,
          ...(digest === undefined ? {} : { messageDigest: digest }),
          at,
          outcome: positive
            ? { kind: 'accepted' }
            : {
                kind: 'refused',
                reason:
                  comment === undefined ? 'Повідомлення не прийнято системою адресата' : truncate(comment),
              },
        },
      },
    };
  }

  // ---------------------------------------------------------------- shared

  private header(
    header: Element,
    type: MessageType,
    sender: string,
    recipient: string,
    tracking: string | undefined,
    inReplyTo: string | undefined,
  ): EnvelopeHeader {
    const uid = attribute(header, 'uid');
    return {
      messageId: uid ?? this.context.newId(),
      type,
      createdAt: this.createdAt(header),
      sender,
      recipient,
      ...(tracking === undefined ? {} : { tracking }),
      ...(inReplyTo === undefined ? {} : { inReplyTo }),
      schemaVersion: SCHEMA_VERSION,
    };
  }

  private createdAt(header: Element): string {
    const created = attribute(header, 'created');
    return created === undefined
      ? this.context.now().toISOString()
      : instantOf(created, this.settings.timeZone);
  }

  private defaultRecipient(): string {
    return this.settings.defaultRecipient ?? this.context.hubCode;
  }
}

// ---------------------------------------------------------------- DOM helpers

function child(parent: Element | undefined, name: string): Element | undefined {
  if (parent === undefined) return undefined;
  for (let node = parent.firstChild; node !== null; node = node.nextSibling) {
    if (
      node.nodeType === 1 &&
      (node as Element).localName === name &&
      (node as Element).namespaceURI === XDMS_NAMESPACE
    )
      return node as Element;
  }
  return undefined;
}

function childrenOf(parent: Element | undefined, name: string): Element[] {
  const found: Element[] = [];
  if (parent === undefined) return found;
  for (let node = parent.firstChild; node !== null; node = node.nextSibling) {
    if (
      node.nodeType === 1 &&
      (node as Element).localName === name &&
      (node as Element).namespaceURI === XDMS_NAMESPACE
    )
      found.push(node as Element);
  }
  return found;
}

function first(parent: Element | undefined, ...path: string[]): Element | undefined {
  let current = parent;
  for (const name of path) current = child(current, name);
  return current;
}

function firstElement(parent: Element): Element | undefined {
  for (let node = parent.firstChild; node !== null; node = node.nextSibling) {
    if (node.nodeType === 1) return node as Element;
  }
  return undefined;
}

function required(parent: Element, name: string, at: string): Element {
  const found = child(parent, name);
  if (found === undefined) throw missing(`${at}.${name}`, `${name} is missing`);
  return found;
}

function attribute(element: Element, name: string): string | undefined {
  return element.hasAttributeNS(XDMS_NAMESPACE, name)
    ? (element.getAttributeNS(XDMS_NAMESPACE, name) ?? undefined)
    : undefined;
}

/** An attribute the schema requires (so never missing on a validated document; checked all the same). */
function requiredAttribute(element: Element, name: string): string {
  const value = attribute(element, name);
  if (value === undefined) throw missing(`${element.localName}.@${name}`, `${name} is missing`);
  return value;
}

function textOf(element: Element | undefined): string | undefined {
  return element === undefined ? undefined : (element.textContent ?? '');
}

/** xsd:token's whitespace rule. */
function collapse(value: string): string {
  return value.replace(/[\t\n\r ]+/g, ' ').trim();
}

/** The ЄДРПОУ code an organization (qualifiedValue) carries in @id, when it is one. */
function codeOf(owner: Element | undefined): string | undefined {
  const organization = child(owner, 'organization');
  const id = organization === undefined ? undefined : attribute(organization, 'id')?.trim();
  return id !== undefined && PARTICIPANT.test(id) ? id : undefined;
}

function trackingOf(value: string | undefined): string | undefined {
  return value !== undefined && TRACKING.test(value) ? value : undefined;
}

/** A qualifiedValue read as a canonical enumeration: by @id, else by the label the writer uses. */
function pick<T extends string>(
  element: Element | undefined,
  values: readonly T[],
  labels: Readonly<Record<T, string>>,
): T | undefined {
  if (element === undefined) return undefined;
  const id = attribute(element, 'id');
  if (values.includes(id as T)) return id as T;
  const text = collapse(textOf(element) ?? '');
  return values.find((value) => labels[value] === text);
}

function urgencyOf(element: Element | undefined): Urgency {
  const known = pick(element, URGENCIES, URGENCY_LABELS);
  if (known !== undefined) return known;
  // Other systems write their own labels («Срочно», «Весьма срочно», «Терміново»).
  return element !== undefined && /срочн|терміново|невідклад/i.test(textOf(element) ?? '')
    ? 'urgent'
    : 'normal';
}

/** contactInfo as the writer joins it ("; "); entries that are neither a phone nor an e-mail are skipped. */
function contactsOf(contactInfo: string | undefined): { phones: string[]; emails: string[] } {
  const phones: string[] = [];
  const emails: string[] = [];
  for (const entry of (contactInfo ?? '').split('; ')) {
    if (EMAIL.test(entry)) {
      if (emails.length < MAX_CONTACTS_PER_KIND) emails.push(entry);
    } else if (PHONE.test(entry) && phones.length < MAX_CONTACTS_PER_KIND) {
      phones.push(entry);
    }
  }
  return { phones, emails };
}

/** The `Vkhid: key=value; ...` line of document/comment (see the writer); absent in other systems' documents. */
function extraFields(comment: Element | undefined): Map<string, string> {
  const fields = new Map<string, string>();
  const text = textOf(comment)?.trim();
  if (text === undefined || !text.startsWith(EXTRA_PREFIX)) return fields;
  for (const pair of text.slice(EXTRA_PREFIX.length).split(';')) {
    const match = /^\s*([A-Za-z]+)=(\S+)\s*$/.exec(pair);
    if (match !== null) fields.set(match[1] as string, match[2] as string);
  }
  const instant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
  for (const key of ['receivedAt', 'answeredAt']) {
    const value = fields.get(key);
    if (value !== undefined && !instant.test(value)) fields.delete(key);
  }
  return fields;
}

/** "what: person, department, post" from an addressee or signatory, when it names anyone. */
function describe(what: string, who: Element | undefined): string | undefined {
  const parts = ['person', 'department', 'post']
    .map((name) => textOf(child(who, name))?.trim())
    .filter((part): part is string => part !== undefined && part !== '');
  return parts.length === 0 ? undefined : `${what}: ${parts.join(', ')}`;
}

/** Canonical ShortText holds 500 characters; longer xdms values are cut with an ellipsis. */
function truncate(value: string): string {
  const characters = [...value];
  return characters.length <= SHORT_TEXT_MAX ? value : `${characters.slice(0, SHORT_TEXT_MAX - 1).join('')}…`;
}

function shortText(value: string, field: string): string {
  if ([...value].length > SHORT_TEXT_MAX)
    throw invalid(field, `the canonical model holds at most ${SHORT_TEXT_MAX} characters`);
  return value;
}

/** The document text file: UTF-8, or windows-1251 from systems that still write it; never a lossy decode. */
function decodeText(bytes: Uint8Array, field: string): string {
  let text: string;
  try {
    // ignoreBOM: a U+FEFF the text starts with is part of it (the writer adds no BOM).
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    try {
      text = new TextDecoder('windows-1251', { fatal: true }).decode(bytes);
    } catch (error) {
      throw new VkhidError('ADAPTER_BAD_ENCODING', {
        args: ['UTF-8 or windows-1251', `the file at ${field}`],
        field,
        cause: error,
      });
    }
    if (/[\u0080-\u009f]/.test(text)) {
      throw new VkhidError('ADAPTER_BAD_ENCODING', {
        args: ['UTF-8 or windows-1251', `the file at ${field}`],
        field,
      });
    }
  }
  if (NOT_XML_CHAR.test(text)) throw invalid(field, 'the text holds characters XML cannot carry');
  if ([...text].length > LONG_TEXT_MAX)
    throw invalid(field, `the canonical text holds at most ${LONG_TEXT_MAX} characters`);
  return text;
}

function missing(field: string, why: string): VkhidError {
  return new VkhidError('ADAPTER_MISSING_FIELD', { args: [`${field} (${why})`], field });
}

function invalid(field: string, why: string): VkhidError {
  return new VkhidError('ADAPTER_INVALID_FIELD', { args: [field, why], field });
}
