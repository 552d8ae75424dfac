/**
 * eventsOf: each canonical message kind mapped to its lifecycle events, the messages that do not move the
 * appeal, and the messages that cannot be tied to one.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  SCHEMA_VERSION,
  type Envelope,
  type EnvelopeBody,
  type MessageType,
} from '../../gateway/envelope/envelope-model.js';
import { applyEvents } from '../../gateway/lifecycle/apply-event.js';
import { eventsOf, type MessageContext, type ReferencedMessage } from '../../gateway/lifecycle/events-of.js';
import type { ActorRole } from '../../gateway/lifecycle/lifecycle-model.js';
import { anyEnvelope, appeal as appealArbitrary } from '../envelope/fixtures/envelope-arbitraries.js';
import {
  AGENCY,
  COMPETENT_AGENCY,
  CONTACT_CENTER,
  HUB,
  refusal,
  TRACKING,
} from './fixtures/lifecycle-fixtures.js';

const APPEAL_ID = '3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b';
const MESSAGE_ID = 'a1b2c3d4-0000-4000-8000-000000000001';
const CREATED_AT = '2026-03-03T09:12:00+02:00';

const theAppeal: ReferencedMessage = {
  messageId: APPEAL_ID,
  type: 'appeal',
  tracking: TRACKING,
  sender: CONTACT_CENTER,
  recipient: AGENCY,
};

function message(body: EnvelopeBody, header: Partial<Envelope['header']> = {}): Envelope {
  return {
    header: {
      messageId: MESSAGE_ID,
      type: body.type,
      createdAt: CREATED_AT,
      sender: AGENCY,
      recipient: CONTACT_CENTER,
      schemaVersion: SCHEMA_VERSION,
      ...header,
    },
    body,
  };
}

const fromAgency = (extra: Partial<MessageContext> = {}): MessageContext => ({
  senderRole: 'agency',
  tracked: true,
  refersTo: theAppeal,
  ...extra,
});

const by = { role: 'agency', participant: AGENCY } as const;

const receipt = (
  outcome: Extract<EnvelopeBody, { type: 'receipt' }>['receipt']['outcome'],
): EnvelopeBody => ({
  type: 'receipt',
  receipt: { messageRef: APPEAL_ID, at: '2026-03-03T09:00:00+02:00', outcome },
});

const status = (outcome: Extract<EnvelopeBody, { type: 'status' }>['status']['outcome']): EnvelopeBody => ({
  type: 'status',
  status: { at: '2026-03-05T14:00:00+02:00', outcome, comment: 'Призначено виконавця: Петренко О.' },
});

describe('eventsOf', () => {
  describe('appeals', () => {
    it('registers and routes an appeal the hub does not track yet', () => {
      fc.assert(
        fc.property(appealArbitrary, (appeal) => {
          const envelope = message(
            { type: 'appeal', appeal },
            { sender: CONTACT_CENTER, recipient: AGENCY, tracking: TRACKING },
          );
          const events = eventsOf(envelope, { senderRole: 'contact-center', tracked: false });
          const cc = { role: 'contact-center', participant: CONTACT_CENTER } as const;
          assert.deepEqual(events, [
            {
              type: 'register',
              tracking: TRACKING,
              at: appeal.receivedAt,
              by: cc,
              messageId: MESSAGE_ID,
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
            { type: 'route', tracking: TRACKING, at: CREATED_AT, by: cc, messageId: MESSAGE_ID, to: AGENCY },
          ]);
          // No personal data reaches the lifecycle: not the applicant, the subject or the text.
          const serialised = JSON.stringify(events);
          assert.ok(!serialised.includes('"applicant"') && !serialised.includes('"text"'));
          assert.equal(applyEvents(undefined, events)?.state, 'routed');
        }),
        { numRuns: 50 },
      );
    });

    it('only routes an appeal the hub tracks (a re-route, or the hub forwarding a redirect)', () => {
      fc.assert(
        fc.property(appealArbitrary, (appeal) => {
          const envelope = message(
            { type: 'appeal', appeal },
            { sender: HUB, recipient: COMPETENT_AGENCY, tracking: TRACKING },
          );
          const events = eventsOf(envelope, {
            senderRole: 'hub',
            tracked: true,
            acceptedAt: '2026-03-06T08:00:00Z',
          });
          assert.deepEqual(events, [
            {
              type: 'route',
              tracking: TRACKING,
              at: '2026-03-06T08:00:00Z',
              by: { role: 'hub', participant: HUB },
              messageId: MESSAGE_ID,
              to: COMPETENT_AGENCY,
            },
          ]);
        }),
        { numRuns: 20 },
      );
    });
  });

  describe('receipts about the appeal', () => {
    const common = { tracking: TRACKING, at: '2026-03-03T09:00:00+02:00', by, messageId: MESSAGE_ID };

    it('maps delivered and accepted to deliver', () => {
      for (const kind of ['delivered', 'accepted'] as const) {
        assert.deepEqual(eventsOf(message(receipt({ kind })), fromAgency()), [
          { type: 'deliver', ...common },
        ]);
      }
    });

    it('maps registered to the agency registration with its number and date', () => {
      const events = eventsOf(
        message(receipt({ kind: 'registered', number: '1234/05-26', date: '2026-03-03' })),
        fromAgency(),
      );
      assert.deepEqual(events, [
        { type: 'register-at-agency', ...common, number: '1234/05-26', date: '2026-03-03' },
      ]);
    });

    it('maps refused to refuse, with the code when there is one', () => {
      assert.deepEqual(
        eventsOf(
          message(receipt({ kind: 'refused', code: 'not-registrable', reason: 'Не підлягає' })),
          fromAgency(),
        ),
        [{ type: 'refuse', ...common, code: 'not-registrable', reason: 'Не підлягає' }],
      );
      assert.deepEqual(eventsOf(message(receipt({ kind: 'refused', reason: 'Відхилено' })), fromAgency()), [
        { type: 'refuse', ...common, reason: 'Відхилено' },
      ]);
    });

    it('takes the tracking number from the acknowledged appeal (1207 and JSON receipts carry none)', () => {
      const [event] = eventsOf(message(receipt({ kind: 'delivered' })), fromAgency());
      assert.equal(event?.tracking, TRACKING);
    });

    it('ignores the hub’s own acceptance receipts and receipts about other messages', () => {
      const hubReceipt = message(receipt({ kind: 'accepted' }), { sender: HUB, recipient: CONTACT_CENTER });
      assert.deepEqual(eventsOf(hubReceipt, fromAgency({ senderRole: 'hub' })), []);
      for (const type of ['receipt', 'status', 'answer', 'error'] as const) {
        const aboutAnswer = fromAgency({ senderRole: 'contact-center', refersTo: { ...theAppeal, type } });
        assert.deepEqual(
          eventsOf(message(receipt({ kind: 'registered', number: '1', date: '2026-03-20' })), aboutAnswer),
          [],
        );
      }
    });

    it('refuses a receipt whose acknowledged message the hub does not hold, or holds under another id', () => {
      const lost = refusal(
        () => eventsOf(message(receipt({ kind: 'delivered' })), fromAgency({ refersTo: undefined })),
        'LIFECYCLE_UNTRACKED',
      );
      assert.equal(lost.field, 'messageRef');
      assert.equal(lost.status, 422);
      refusal(
        () =>
          eventsOf(
            message(receipt({ kind: 'delivered' })),
            fromAgency({ refersTo: { ...theAppeal, messageId: MESSAGE_ID } }),
          ),
        'LIFECYCLE_UNTRACKED',
      );
      // MessageIds compare without regard to case.
      const upper = { ...theAppeal, messageId: APPEAL_ID.toUpperCase() };
      assert.equal(
        eventsOf(message(receipt({ kind: 'delivered' })), fromAgency({ refersTo: upper })).length,
        1,
      );
    });
  });

  describe('statuses', () => {
    const common = { tracking: TRACKING, at: '2026-03-05T14:00:00+02:00', by, messageId: MESSAGE_ID };
    const header = { tracking: TRACKING, inReplyTo: APPEAL_ID };

    it('maps each status outcome, leaving comments (internal details) out', () => {
      assert.deepEqual(eventsOf(message(status({ kind: 'under-consideration' }), header), fromAgency()), [
        { type: 'consider', ...common },
      ]);
      assert.deepEqual(
        eventsOf(
          message(
            status({ kind: 'deadline-extended', newDeadline: '2026-04-16', reason: 'Додаткове вивчення' }),
            header,
          ),
          fromAgency(),
        ),
        [{ type: 'extend-deadline', ...common, newDeadline: '2026-04-16', reason: 'Додаткове вивчення' }],
      );
      assert.deepEqual(
        eventsOf(
          message(
            status({
              kind: 'redirected',
              to: COMPETENT_AGENCY,
              reasonCode: 'not-within-competence',
              reason: 'Не наша',
            }),
            header,
          ),
          fromAgency(),
        ),
        [
          {
            type: 'redirect',
            ...common,
            to: COMPETENT_AGENCY,
            reasonCode: 'not-within-competence',
            reason: 'Не наша',
          },
        ],
      );
      assert.deepEqual(eventsOf(message(status({ kind: 'answered' }), header), fromAgency()), [
        { type: 'answer', ...common },
      ]);
    });

    it('ties a status to its appeal by its own tracking number or by the message it replies to', () => {
      const byOwn = eventsOf(
        message(status({ kind: 'answered' }), { tracking: TRACKING }),
        fromAgency({ refersTo: undefined }),
      );
      assert.equal(byOwn[0]?.tracking, TRACKING);
      const byReply = eventsOf(message(status({ kind: 'answered' })), fromAgency());
      assert.equal(byReply[0]?.tracking, TRACKING);
      const none = refusal(
        () => eventsOf(message(status({ kind: 'answered' })), fromAgency({ refersTo: undefined })),
        'LIFECYCLE_UNTRACKED',
      );
      assert.equal(none.field, 'header.tracking');
      const conflict = refusal(
        () => eventsOf(message(status({ kind: 'answered' }), { tracking: 'UKC-2026/000999' }), fromAgency()),
        'LIFECYCLE_UNTRACKED',
      );
      assert.match(
        conflict.message,
        /names appeal UKC-2026\/000999 but refers to message .* about appeal UKC-2026\/000123/,
      );
    });
  });

  it('maps an answer to answer with its result and registration', () => {
    const answer: EnvelopeBody = {
      type: 'answer',
      answer: {
        answeredAt: '2026-03-20T16:00:00+02:00',
        registration: { number: '77/05-26', date: '2026-03-20' },
        result: 'partially-satisfied',
        signatory: 'Заступник міністра',
        text: 'Текст відповіді',
      },
    };
    assert.deepEqual(eventsOf(message(answer, { tracking: TRACKING }), fromAgency()), [
      {
        type: 'answer',
        tracking: TRACKING,
        at: '2026-03-20T16:00:00+02:00',
        by,
        messageId: MESSAGE_ID,
        result: 'partially-satisfied',
        registration: { number: '77/05-26', date: '2026-03-20' },
      },
    ]);
  });

  it('maps an error about the appeal to refuse, and ignores errors about other messages', () => {
    const error: EnvelopeBody = {
      type: 'error',
      error: { messageRef: APPEAL_ID, code: 'EDMS-17', description: 'Документ не може бути оброблений' },
    };
    assert.deepEqual(eventsOf(message(error), fromAgency()), [
      {
        type: 'refuse',
        tracking: TRACKING,
        at: CREATED_AT,
        by,
        messageId: MESSAGE_ID,
        code: 'EDMS-17',
        reason: 'Документ не може бути оброблений',
      },
    ]);
    assert.deepEqual(
      eventsOf(message(error), fromAgency({ refersTo: { ...theAppeal, type: 'status' } })),
      [],
    );
    refusal(() => eventsOf(message(error), fromAgency({ refersTo: undefined })), 'LIFECYCLE_UNTRACKED');
  });

  it('maps any canonical message to events about one appeal, caused by its sender', () => {
    const expectedTypes: Record<MessageType, readonly string[]> = {
      appeal: ['register', 'route'],
      receipt: ['deliver', 'register-at-agency', 'refuse'],
      status: ['consider', 'extend-deadline', 'redirect', 'answer'],
      answer: ['answer'],
      error: ['refuse'],
    };
    fc.assert(
      fc.property(
        anyEnvelope,
        fc.constantFrom<ActorRole>('agency', 'contact-center'),
        fc.boolean(),
        (envelope, senderRole, tracked) => {
          const ref =
            envelope.body.type === 'receipt'
              ? envelope.body.receipt.messageRef
              : envelope.body.type === 'error'
                ? envelope.body.error.messageRef
                : (envelope.header.inReplyTo ?? APPEAL_ID);
          const context: MessageContext = {
            senderRole,
            tracked,
            refersTo: { ...theAppeal, messageId: ref, tracking: envelope.header.tracking ?? TRACKING },
          };
          const events = eventsOf(envelope, context);
          const tracking = envelope.header.tracking ?? TRACKING;
          assert.ok(events.length >= 1 && events.length <= 2);
          for (const event of events) {
            assert.ok(
              expectedTypes[envelope.header.type].includes(event.type),
              `${envelope.header.type} → ${event.type}`,
            );
            assert.equal(event.tracking, tracking);
            assert.deepEqual(event.by, { role: senderRole, participant: envelope.header.sender });
            assert.equal(event.messageId, envelope.header.messageId);
          }
          if (envelope.body.type === 'appeal') assert.equal(events.length, tracked ? 1 : 2);
        },
      ),
      { numRuns: 300 },
    );
  });
});
