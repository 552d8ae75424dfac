import type { Envelope, MessageType, ReceiptOutcome, StatusOutcome } from '../envelope/envelope-model.js';
import { VkhidError } from '../errors/vkhid-error.js';
import type { Actor, ActorRole, LifecycleEvent } from './lifecycle-model.js';

/** The message a receipt or error refers to (by MessageRef) or a status or answer replies to (InReplyTo). */
export interface ReferencedMessage {
  readonly messageId: string;
  readonly type: MessageType;
  readonly tracking?: string;
  readonly sender: string;
  readonly recipient: string;
}

/** What the hub knows about a message beyond its content. */
export interface MessageContext {
  /** The sender's role: the registry kind of `header.sender`, or `hub` for the hub's own messages. */
  readonly senderRole: ActorRole;
  /** Whether the hub already tracks the appeal (decides whether an appeal message also registers it). */
  readonly tracked: boolean;
  /** When the hub accepted the message: the instant an appeal counts as routed (default: its CreatedAt). */
  readonly acceptedAt?: string;
  /**
   * The stored message that a receipt or error names in MessageRef, or that a status or answer names in
   * InReplyTo. Required for receipts and errors: without it the hub cannot tell whether they are about the
   * appeal or about, say, an answer on its way back.
   */
  readonly refersTo?: ReferencedMessage;
}

/**
 * The lifecycle events a canonical message means, in the order to apply them. Every participant's own
 * acknowledgements arrive here already converted by its adapter, so the mapping is per canonical message,
 * never per agency format:
 *
 * | message (header.sender's role)                  | events                                                  |
 * | ----------------------------------------------- | ------------------------------------------------------- |
 * | appeal, appeal not yet tracked                  | `register` (at ReceivedAt), then `route` to the recipient |
 * | appeal, appeal tracked (re-route, forward)      | `route` to the recipient                                |
 * | receipt about the appeal: delivered, accepted   | `deliver`                                               |
 * | receipt about the appeal: registered            | `register-at-agency` with number and date               |
 * | receipt about the appeal: refused               | `refuse` with code and reason                           |
 * | receipt from the hub (its acceptance receipt)   | none: the appeal's acceptance is already `route`        |
 * | receipt about any other message                 | none: it does not move the appeal                       |
 * | status under-consideration                      | `consider`                                              |
 * | status deadline-extended                        | `extend-deadline` with the new deadline and reason      |
 * | status redirected                               | `redirect` with the participant and reason              |
 * | status answered                                 | `answer` (no result yet)                                |
 * | answer                                          | `answer` with result and registration                   |
 * | error about the appeal                          | `refuse` with the error's code and description          |
 * | error about any other message                   | none                                                    |
 *
 * Throws LIFECYCLE_UNTRACKED when a message that moves the appeal cannot be tied to one: a receipt or error
 * without `refersTo`, a status or answer with neither a tracking number nor `refersTo.tracking`, or a
 * tracking number that contradicts the referenced message's.
 */
export function eventsOf(message: Envelope, context: MessageContext): LifecycleEvent[] {
  const { header, body } = message;
  const by: Actor = { role: context.senderRole, participant: header.sender };
  const messageId = header.messageId;
  switch (body.type) {
    case 'appeal': {
      const tracking = trackingOf(message, undefined);
      const route: LifecycleEvent = {
        type: 'route',
        tracking,
        at: context.acceptedAt ?? header.createdAt,
        by,
        messageId,
        to: header.recipient,
      };
      if (context.tracked) return [route];
      const { appeal } = body;
      return [
        {
          type: 'register',
          tracking,
          at: appeal.receivedAt,
          by,
          messageId,
          appeal: {
            kind: appeal.kind,
            channel: appeal.channel,
            category: appeal.category,
            urgency: appeal.urgency,
            ...(appeal.noAdditionalStudy === undefined
              ? {}
              : { noAdditionalStudy: appeal.noAdditionalStudy }),
            receivedAt: appeal.receivedAt,
          },
          deadline: appeal.deadline,
        },
        route,
      ];
    }
    case 'receipt': {
      const refersTo = requireReference(message, context, body.receipt.messageRef);
      if (refersTo.type !== 'appeal' || context.senderRole === 'hub') return [];
      const tracking = trackingOf(message, refersTo);
      return [receiptEvent(body.receipt.outcome, { tracking, at: body.receipt.at, by, messageId })];
    }
    case 'status': {
      const tracking = trackingOf(message, context.refersTo);
      return [statusEvent(body.status.outcome, { tracking, at: body.status.at, by, messageId })];
    }
    case 'answer': {
      const { answer } = body;
      return [
        {
          type: 'answer',
          tracking: trackingOf(message, context.refersTo),
          at: answer.answeredAt,
          by,
          messageId,
          result: answer.result,
          ...(answer.registration === undefined ? {} : { registration: answer.registration }),
        },
      ];
    }
    case 'error': {
      const refersTo = requireReference(message, context, body.error.messageRef);
      if (refersTo.type !== 'appeal') return [];
      return [
        {
          type: 'refuse',
          tracking: trackingOf(message, refersTo),
          at: header.createdAt,
          by,
          messageId,
          code: body.error.code,
          reason: body.error.description,
        },
      ];
    }
  }
}

type Common = Pick<LifecycleEvent, 'tracking' | 'at' | 'by' | 'messageId'>;

function receiptEvent(outcome: ReceiptOutcome, common: Common): LifecycleEvent {
  switch (outcome.kind) {
    // "Accepted" is the receiving system taking the document in (1207 ack_type 2, an xdms acknowledgment):
    // proof of delivery, not yet registration.
    case 'delivered':
    case 'accepted':
      return { type: 'deliver', ...common };
    case 'registered':
      return { type: 'register-at-agency', ...common, number: outcome.number, date: outcome.date };
    case 'refused':
      return {
        type: 'refuse',
        ...common,
        ...(outcome.code === undefined ? {} : { code: outcome.code }),
        reason: outcome.reason,
      };
  }
}

function statusEvent(outcome: StatusOutcome, common: Common): LifecycleEvent {
  switch (outcome.kind) {
    case 'under-consideration':
      return { type: 'consider', ...common };
    case 'deadline-extended':
      return { type: 'extend-deadline', ...common, newDeadline: outcome.newDeadline, reason: outcome.reason };
    case 'redirected':
      return {
        type: 'redirect',
        ...common,
        to: outcome.to,
        reasonCode: outcome.reasonCode,
        reason: outcome.reason,
      };
    case 'answered':
      return { type: 'answer', ...common };
  }
}

function requireReference(message: Envelope, context: MessageContext, messageRef: string): ReferencedMessage {
  const refersTo = context.refersTo;
  if (refersTo === undefined) {
    throw untracked(message, `it refers to message ${messageRef}, which the hub does not hold`, 'messageRef');
  }
  // MessageIds are UUIDs, compared without regard to case as everywhere in the hub.
  if (refersTo.messageId.toLowerCase() !== messageRef.toLowerCase()) {
    throw untracked(message, `it refers to message ${messageRef}, not ${refersTo.messageId}`, 'messageRef');
  }
  return refersTo;
}

/**
 * The appeal a message is about: its own tracking number, else the referenced message's. When both are
 * present they must agree: a status that names one appeal in reply to a message about another is refused
 * rather than guessed at.
 */
function trackingOf(message: Envelope, refersTo: ReferencedMessage | undefined): string {
  const own = message.header.tracking;
  const referenced = refersTo?.tracking;
  if (own !== undefined && referenced !== undefined && own !== referenced) {
    throw untracked(
      message,
      `it names appeal ${own} but refers to message ${refersTo?.messageId ?? '?'} about appeal ${referenced}`,
      'header.tracking',
    );
  }
  const tracking = own ?? referenced;
  if (tracking === undefined) {
    throw untracked(
      message,
      'it has no tracking number and refers to no message about an appeal',
      'header.tracking',
    );
  }
  return tracking;
}

function untracked(message: Envelope, why: string, field: string): VkhidError {
  return new VkhidError('LIFECYCLE_UNTRACKED', { args: [message.header.messageId, why], field });
}
