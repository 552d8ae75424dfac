import type {
  Answer,
  Appeal,
  Attachment,
  Envelope,
  EnvelopeHeader,
  Receipt,
  Status,
} from '../../gateway/envelope/envelope-model.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { PASSPORT_NAME, type PackageEntry } from './medo-package.js';
import type { XdmsSettings } from './xdms-settings.js';
import { dateOfInstant, encodeXml, escapeXml, xmlDeclaration } from './xdms-text.js';
import {
  ANSWER_LINK_TYPE,
  CHANNEL_LABELS,
  FILE_GROUP,
  FILE_TYPES,
  KIND_LABELS,
  MESSAGE_KIND,
  NO_NUMBER,
  NOTIFICATION_TYPES,
  REFUSAL_REASONS,
  RESTRICTED_ID,
  RESTRICTED_LABEL,
  URGENCY_LABELS,
  XDMS_NAMESPACE,
  XDMS_VERSION,
  type NotificationElement,
} from './xdms-vocabulary.js';

/** What fromCanonical produces before it is validated: the passport and, for documents, the package files. */
export interface XdmsOutput {
  readonly passport: Buffer;
  /** Files listed in the passport; present only for documents (they travel as a package). */
  readonly files?: readonly PackageEntry[];
}

export const TEXT_FILE_NAME = 'document.txt';
/** Longest xdms documentNumber/number (xsd:token, maxLength 31). */
const NUMBER_MAX = 31;
/** anyone/contactInfo maxLength. */
const CONTACT_INFO_MAX = 511;
/** Prefix of the line in document/comment that carries the canonical fields xdms has no element for. */
export const EXTRA_PREFIX = 'Vkhid:';

type Attributes = Record<string, string | undefined>;

/** Canonical message → xdms 2.6. Every element is written in the order IEDMS.xsd's sequences require. */
export class XdmsWriter {
  constructor(private readonly settings: XdmsSettings) {}

  write(envelope: Envelope): XdmsOutput {
    const { header, body } = envelope;
    switch (body.type) {
      case 'appeal':
        return this.document(
          header,
          this.appealDocument(header, body.appeal),
          body.appeal.text,
          body.appeal.attachments,
        );
      case 'answer':
        return this.document(
          header,
          this.answerDocument(header, body.answer),
          body.answer.text,
          body.answer.attachments,
        );
      case 'receipt':
        return { passport: this.receipt(header, body.receipt) };
      case 'status':
        return { passport: this.status(header, body.status) };
      case 'error':
        throw unsupported('error messages (xdms has no message for a processing error)');
    }
  }

  // ---------------------------------------------------------------- documents

  private document(
    header: EnvelopeHeader,
    fields: (enclosures: string, files: string) => string,
    text: string,
    attachments: readonly Attachment[] | undefined,
  ): XdmsOutput {
    const files: PackageEntry[] = [{ name: TEXT_FILE_NAME, bytes: Buffer.from(text, 'utf8') }];
    let enclosures = '';
    let fileList = this.el(
      'file',
      { localName: TEXT_FILE_NAME, localId: '0', type: 'txt' },
      this.text('group', FILE_GROUP.text) + this.text('description', 'text/plain; charset=utf-8'),
    );
    (attachments ?? []).forEach((attachment, index) => {
      const localId = String(index + 1);
      const name = `enclosure-${localId}${extensionOf(attachment.fileName)}`;
      files.push({ name, bytes: Buffer.from(attachment.content, 'base64') });
      enclosures += this.el(
        'enclosure',
        {},
        this.text('title', attachment.fileName) + this.text('pages', '0') + this.text('files', localId),
      );
      fileList += this.el(
        'file',
        { localName: name, localId, type: FILE_TYPES[attachment.mediaType] },
        this.text('group', FILE_GROUP.enclosure) + this.text('description', attachment.mediaType),
      );
    });
    const document = fields(
      enclosures === '' ? '' : this.el('enclosures', {}, enclosures),
      this.text('files', '0'),
    );
    const passport = this.communication(
      MESSAGE_KIND.document,
      header,
      document + this.el('files', {}, fileList),
    );
    return { passport, files: [{ name: PASSPORT_NAME, bytes: passport }, ...files] };
  }

  private appealDocument(header: EnvelopeHeader, appeal: Appeal) {
    const applicant = appeal.applicant;
    const contactInfo = [...applicant.contacts.phones, ...applicant.contacts.emails].join('; ');
    if (contactInfo.length > CONTACT_INFO_MAX) {
      throw new VkhidError('ADAPTER_INVALID_FIELD', {
        args: [
          'body.appeal.applicant.contacts',
          `xdms contactInfo holds at most ${CONTACT_INFO_MAX} characters`,
        ],
        field: 'body.appeal.applicant.contacts',
      });
    }
    const extra = [
      `receivedAt=${appeal.receivedAt}`,
      ...(appeal.noAdditionalStudy === undefined ? [] : [`noAdditionalStudy=${appeal.noAdditionalStudy}`]),
      `disclosure=${applicant.consent.disclosure}`,
      `personalData=${applicant.consent.personalData}`,
    ];
    return (enclosures: string, files: string): string =>
      this.el(
        'document',
        { uid: header.messageId, id: header.tracking },
        this.text('type', CHANNEL_LABELS[appeal.channel], { id: appeal.channel }) +
          this.text('kind', KIND_LABELS[appeal.kind], { id: appeal.kind }) +
          this.number(header.tracking, dateOfInstant(appeal.receivedAt)) +
          (appeal.restrictedAccess
            ? this.text('classification', RESTRICTED_LABEL, { id: RESTRICTED_ID })
            : '') +
          this.text('urgency', URGENCY_LABELS[appeal.urgency], { id: appeal.urgency }) +
          this.signatories(header.sender, undefined, dateOfInstant(header.createdAt)) +
          this.addressees(header.recipient) +
          this.text('pages', '0') +
          this.text('annotation', appeal.subject) +
          enclosures +
          this.el(
            'correspondents',
            {},
            this.el(
              'correspondent',
              {},
              this.text('person', applicant.fullName) +
                (contactInfo === '' ? '' : this.text('contactInfo', contactInfo)) +
                (applicant.address === undefined ? '' : this.text('comment', applicant.address)),
            ),
          ) +
          this.el(
            'clauses',
            {},
            this.el(
              'clause',
              {},
              this.text('designation', appeal.category) +
                this.text('text', appeal.routing.basis) +
                this.text('deadline', appeal.deadline) +
                this.el('principal', {}, this.organization(appeal.routing.target)),
            ),
          ) +
          files +
          this.text('comment', `${EXTRA_PREFIX} ${extra.join('; ')}`),
      );
  }

  private answerDocument(header: EnvelopeHeader, answer: Answer) {
    if (header.inReplyTo === undefined) {
      // xdms tells an answer from a new document only by its link to the document it answers.
      throw new VkhidError('ADAPTER_MISSING_FIELD', {
        args: ['header.inReplyTo'],
        field: 'header.inReplyTo',
      });
    }
    const registration = answer.registration;
    if (registration !== undefined) checkNumber(registration.number, 'body.answer.registration.number');
    const inReplyTo = header.inReplyTo;
    const annotation = `Відповідь на звернення${header.tracking === undefined ? '' : ` № ${header.tracking}`}`;
    return (enclosures: string, files: string): string =>
      this.el(
        'document',
        { uid: header.messageId, id: header.tracking },
        this.el(
          'num',
          {},
          this.text('number', registration?.number ?? NO_NUMBER) +
            (registration === undefined ? '' : this.text('date', registration.date)),
        ) +
          this.signatories(header.sender, answer.signatory, dateOfInstant(answer.answeredAt)) +
          this.addressees(header.recipient) +
          this.text('pages', '0') +
          this.text('annotation', annotation) +
          enclosures +
          this.el(
            'links',
            {},
            this.el(
              'link',
              { uid: inReplyTo },
              this.text('linkType', ANSWER_LINK_TYPE) +
                this.el('reference', {}, this.number(header.tracking)),
            ),
          ) +
          files +
          this.text('comment', `${EXTRA_PREFIX} answeredAt=${answer.answeredAt}; result=${answer.result}`),
      );
  }

  private signatories(code: string, person: string | undefined, signed: string): string {
    return this.el(
      'signatories',
      {},
      this.el(
        'signatory',
        {},
        this.organization(code) +
          (person === undefined ? '' : this.text('person', person)) +
          this.text('signed', signed),
      ),
    );
  }

  private addressees(code: string): string {
    return this.el('addressees', {}, this.el('addressee', {}, this.organization(code)));
  }

  /** An organization as qualifiedValue: the ЄДРПОУ code in @id, which is what the reader takes. */
  private organization(code: string): string {
    return this.text('organization', `ЄДРПОУ ${code}`, { id: code });
  }

  /** documentNumber: the tracking number when it fits the 31 characters, else «б/н». */
  private number(tracking: string | undefined, date?: string): string {
    const number = tracking !== undefined && tracking.length <= NUMBER_MAX ? tracking : NO_NUMBER;
    return this.el(
      'num',
      {},
      this.text('number', number) + (date === undefined ? '' : this.text('date', date)),
    );
  }

  // ---------------------------------------------------------------- receipts and statuses

  private receipt(header: EnvelopeHeader, receipt: Receipt): Buffer {
    const outcome = receipt.outcome;
    switch (outcome.kind) {
      case 'delivered':
      case 'accepted':
        return this.communication(
          MESSAGE_KIND.acknowledgment,
          header,
          this.el(
            'acknowledgment',
            { uid: receipt.messageRef, content: header.tracking },
            this.text('time', receipt.at) +
              this.text('accepted', 'true') +
              (receipt.messageDigest === undefined
                ? ''
                : this.el(
                    'hashCodes',
                    { algorithm: 'SHA-256' },
                    this.el(
                      'item',
                      {},
                      this.text('name', 'message') + this.text('code', receipt.messageDigest),
                    ),
                  )),
          ),
        );
      case 'registered':
        checkNumber(outcome.number, 'body.receipt.outcome.number');
        return this.notification(
          header,
          receipt.messageRef,
          receipt.at,
          'documentAccepted',
          this.el('num', {}, this.text('number', outcome.number) + this.text('date', outcome.date)),
        );
      case 'refused': {
        const code =
          outcome.code !== undefined && REFUSAL_REASONS[outcome.code] !== undefined
            ? outcome.code
            : this.settings.defaults.refusalReason;
        const enumerated = REFUSAL_REASONS[code] as string;
        return this.notification(
          header,
          receipt.messageRef,
          receipt.at,
          'documentRefused',
          this.text('reason', enumerated),
          outcome.reason === enumerated ? undefined : outcome.reason,
        );
      }
    }
  }

  private status(header: EnvelopeHeader, status: Status): Buffer {
    if (header.inReplyTo === undefined) {
      // notification/@uid (the document the event is about) is required.
      throw new VkhidError('ADAPTER_MISSING_FIELD', {
        args: ['header.inReplyTo'],
        field: 'header.inReplyTo',
      });
    }
    const outcome = status.outcome;
    switch (outcome.kind) {
      case 'under-consideration':
        return this.notification(
          header,
          header.inReplyTo,
          status.at,
          'executorAssigned',
          this.el('secretary', {}, '') + this.el('manager', {}, '') + this.el('executor', {}, ''),
          status.comment,
        );
      case 'answered':
        return this.notification(
          header,
          header.inReplyTo,
          status.at,
          'reportSent',
          this.el('report', {}, this.el('num', {}, this.text('number', NO_NUMBER))),
          status.comment,
        );
      case 'deadline-extended':
      case 'redirected':
        throw unsupported(`a ${outcome.kind} status (xdms has no notification for it)`);
    }
  }

  private notification(
    header: EnvelopeHeader,
    documentUid: string,
    time: string,
    element: NotificationElement,
    specific: string,
    comment?: string,
  ): Buffer {
    const event =
      this.text('time', time) +
      // foundation names the organization whose document the event is about: the notification's recipient.
      this.el('foundation', {}, this.organization(header.recipient) + this.number(header.tracking)) +
      this.el('correspondent', {}, this.organization(header.sender)) +
      specific;
    return this.communication(
      MESSAGE_KIND.notification,
      header,
      this.el(
        'notification',
        { type: NOTIFICATION_TYPES[element], uid: documentUid, id: header.tracking, mid: documentUid },
        this.el(element, {}, event) + (comment === undefined ? '' : this.text('comment', comment)),
      ),
    );
  }

  // ---------------------------------------------------------------- XML

  private communication(type: string, header: EnvelopeHeader, content: string): Buffer {
    const encoding = this.settings.encoding;
    const xml =
      xmlDeclaration(encoding) +
      `<xdms:communication xmlns:xdms="${XDMS_NAMESPACE}" xdms:version="${XDMS_VERSION}">` +
      this.el(
        'header',
        { type, uid: header.messageId, created: header.createdAt },
        this.el(
          'source',
          { uid: this.settings.hubMedoUid },
          this.text('organization', this.settings.hubName),
        ),
      ) +
      content +
      '</xdms:communication>';
    return encodeXml(xml, encoding);
  }

  /** An element in the xdms namespace; attributes are namespace-qualified (attributeFormDefault="qualified"). */
  private el(name: string, attributes: Attributes, content: string): string {
    let start = `<xdms:${name}`;
    for (const [key, value] of Object.entries(attributes)) {
      if (value !== undefined) start += ` xdms:${key}="${escapeXml(value, this.settings.encoding, true)}"`;
    }
    return `${start}>${content}</xdms:${name}>`;
  }

  private text(name: string, value: string, attributes: Attributes = {}): string {
    return this.el(name, attributes, escapeXml(value, this.settings.encoding, false));
  }
}

/** documentNumber/number is an xsd:token of 1 to 31 characters (counted after whitespace collapsing). */
function checkNumber(number: string, field: string): void {
  const collapsed = number.replace(/[\t\n\r ]+/g, ' ').trim();
  if (collapsed.length === 0 || [...collapsed].length > NUMBER_MAX) {
    throw new VkhidError('ADAPTER_INVALID_FIELD', {
      args: [field, `an xdms document number has 1 to ${NUMBER_MAX} characters`],
      field,
    });
  }
}

/** A short ASCII extension of the original name, so that the file opens with the right program. */
function extensionOf(fileName: string): string {
  return /\.[A-Za-z0-9]{1,8}$/.exec(fileName)?.[0]?.toLowerCase() ?? '';
}

function unsupported(what: string): VkhidError {
  return new VkhidError('ADAPTER_UNSUPPORTED', { args: ['medo-xdms', what] });
}
