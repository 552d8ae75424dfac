import type { Envelope } from '../../gateway/envelope/envelope-model.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { attachmentList, type OutputCell } from './appeal-row.js';
import {
  RECEIPT_LABELS,
  REDIRECT_LABELS,
  RESULT_LABELS,
  STATUS_LABELS,
  TYPE_LABELS,
  type ReplyColumn,
} from './csv-columns.js';
import { ADAPTER_NAME } from './csv-settings.js';

/**
 * A receipt, status, answer or error for the contact center as one row of the reply columns. The four types
 * share one header so that an export holds them all under it, in the order they arrived; a column that does
 * not apply to a row's type is empty. What the row says happened is in `event` (a receipt's outcome, a
 * status, an answer's result, an error's code) and `eventAt`.
 *
 * Not carried: the receipt's message digest (the hub has checked it), the envelope's Id attribute, and the
 * content of an answer's attachments (their names and sizes are listed).
 */
export function replyToRow(envelope: Envelope): Partial<Record<ReplyColumn, OutputCell>> {
  const { header, body } = envelope;
  const cell = (value: string | undefined, path: string): OutputCell => ({ value: value ?? '', path });
  const common: Partial<Record<ReplyColumn, OutputCell>> = {
    messageId: cell(header.messageId, 'header.messageId'),
    type: cell(TYPE_LABELS[header.type], 'header.type'),
    createdAt: cell(header.createdAt, 'header.createdAt'),
    sender: cell(header.sender, 'header.sender'),
    tracking: cell(header.tracking, 'header.tracking'),
    inReplyTo: cell(header.inReplyTo, 'header.inReplyTo'),
  };
  switch (body.type) {
    case 'receipt': {
      const { receipt } = body;
      const base = 'body.receipt';
      const outcome = receipt.outcome;
      return {
        ...common,
        messageRef: cell(receipt.messageRef, `${base}.messageRef`),
        event: cell(RECEIPT_LABELS[outcome.kind], `${base}.outcome`),
        eventAt: cell(receipt.at, `${base}.at`),
        ...(outcome.kind === 'registered'
          ? {
              registrationNumber: cell(outcome.number, `${base}.outcome.number`),
              registrationDate: cell(outcome.date, `${base}.outcome.date`),
            }
          : {}),
        ...(outcome.kind === 'refused'
          ? {
              code: cell(outcome.code, `${base}.outcome.code`),
              reason: cell(outcome.reason, `${base}.outcome.reason`),
            }
          : {}),
      };
    }
    case 'status': {
      const { status } = body;
      const base = 'body.status';
      const outcome = status.outcome;
      return {
        ...common,
        event: cell(STATUS_LABELS[outcome.kind], `${base}.outcome`),
        eventAt: cell(status.at, `${base}.at`),
        comment: cell(status.comment, `${base}.comment`),
        ...(outcome.kind === 'deadline-extended'
          ? {
              newDeadline: cell(outcome.newDeadline, `${base}.outcome.newDeadline`),
              reason: cell(outcome.reason, `${base}.outcome.reason`),
            }
          : {}),
        ...(outcome.kind === 'redirected'
          ? {
              redirectedTo: cell(outcome.to, `${base}.outcome.to`),
              redirectReason: cell(REDIRECT_LABELS[outcome.reasonCode], `${base}.outcome.reasonCode`),
              reason: cell(outcome.reason, `${base}.outcome.reason`),
            }
          : {}),
      };
    }
    case 'answer': {
      const { answer } = body;
      const base = 'body.answer';
      return {
        ...common,
        event: cell(RESULT_LABELS[answer.result], `${base}.result`),
        eventAt: cell(answer.answeredAt, `${base}.answeredAt`),
        registrationNumber: cell(answer.registration?.number, `${base}.registration.number`),
        registrationDate: cell(answer.registration?.date, `${base}.registration.date`),
        signatory: cell(answer.signatory, `${base}.signatory`),
        answerText: cell(answer.text, `${base}.text`),
        attachments: {
          ...cell(attachmentList(answer.attachments), `${base}.attachments`),
          informative: true,
        },
      };
    }
    case 'error': {
      const { error } = body;
      const base = 'body.error';
      return {
        ...common,
        messageRef: cell(error.messageRef, `${base}.messageRef`),
        event: cell(TYPE_LABELS.error, 'header.type'),
        eventAt: cell(header.createdAt, 'header.createdAt'),
        code: cell(error.code, `${base}.code`),
        reason: cell(error.description, `${base}.description`),
      };
    }
    case 'appeal':
      throw new VkhidError('ADAPTER_UNSUPPORTED', {
        args: [ADAPTER_NAME, 'an appeal as a reply row'],
        field: 'header.type',
      });
  }
}
