/**
 * Agency-specific acknowledgements reach the lifecycle only through their adapters' canonical output: every
 * golden acknowledgement, notification, callback and answer of the 1207, xdms and JSON adapters (their
 * conformance cases' own fixtures) is converted by its adapter, mapped by eventsOf, and accepted by the
 * lifecycle of an appeal routed to that agency; the contact center's CSV appeals register and route one.
 */
import assert from 'node:assert/strict';
import type { Envelope } from '../../gateway/envelope/envelope-model.js';
import { applyEvents } from '../../gateway/lifecycle/apply-event.js';
import { eventsOf } from '../../gateway/lifecycle/events-of.js';
import {
  EVENT_TARGETS,
  type AppealLifecycle,
  type LifecycleEventType,
} from '../../gateway/lifecycle/lifecycle-model.js';
import { suiteContext, type ConformanceCase } from '../adapters/conformance/conformance-case.js';
import { contactCenterCsvCase } from '../adapters/contact-center-csv/contact-center-csv-case.js';
import { jsonRestCase } from '../adapters/json-rest/json-rest-case.js';
import { medoXdmsCase } from '../adapters/medo-xdms/medo-xdms-case.js';
import { sevOvv1207Case } from '../adapters/sev-ovv-1207/sev-ovv-1207-case.js';
import { CONTACT_CENTER, TRACKING } from './fixtures/lifecycle-fixtures.js';

/** Golden name (a distinctive part of it) → the lifecycle event its canonical message means. */
const EXPECTED: readonly [ConformanceCase, readonly [RegExp, LifecycleEventType][]][] = [
  [
    sevOvv1207Case,
    [
      [/^ДС13 /, 'deliver'], // ack_type 1
      [/^ДС14 /, 'deliver'], // ack_type 2
      [/^ДС15 /, 'register-at-agency'], // ack_type 3 with RegNumber
      [/^ДС16 /, 'refuse'], // ack_type 4
      [/^ДС7 /, 'answer'],
      [/^ДС9 /, 'answer'],
      [/^ДС11 /, 'answer'],
      [/^ДС12 /, 'answer'],
    ],
  ],
  [
    medoXdmsCase,
    [
      [/^an acknowledgment, accepted/, 'deliver'],
      [/^an acknowledgment, not accepted/, 'refuse'],
      [/«Зарегистрирован»/, 'register-at-agency'],
      [/«Отказано в регистрации»/, 'refuse'],
      [/«Назначен исполнитель»/, 'consider'],
      [/«Доклад подготовлен»/, 'consider'],
      [/«Доклад направлен»/, 'answer'],
      [/«Исполнение»/, 'consider'],
      [/«Опубликование»/, 'consider'],
      [/^a document answering the appeal/, 'answer'],
    ],
  ],
  [
    jsonRestCase,
    [
      [/callback-registered/, 'register-at-agency'],
      [/callback-refused/, 'refuse'],
      [/callback-redirected/, 'redirect'],
      [/answer\.json/, 'answer'],
      [/error\.json/, 'refuse'],
    ],
  ],
];

/** The state an agency's message arrives in: before registration for acknowledgements, after it otherwise. */
const ARRIVES_IN: Record<LifecycleEventType, 'routed' | 'registered-by-agency'> = {
  register: 'routed',
  route: 'routed',
  deliver: 'routed',
  'register-at-agency': 'routed',
  refuse: 'routed',
  redirect: 'routed',
  consider: 'registered-by-agency',
  'extend-deadline': 'registered-by-agency',
  answer: 'registered-by-agency',
  close: 'registered-by-agency',
};

function appealRoutedTo(
  agency: string,
  tracking: string,
  to: 'routed' | 'registered-by-agency',
): AppealLifecycle {
  const cc = { role: 'contact-center', participant: CONTACT_CENTER } as const;
  const state = applyEvents(undefined, [
    {
      type: 'register',
      tracking,
      at: '2026-02-26T10:00:00+02:00',
      by: cc,
      appeal: {
        kind: 'citizen-appeal',
        channel: 'hotline',
        category: 'housing',
        urgency: 'normal',
        receivedAt: '2026-02-26T10:00:00+02:00',
      },
      deadline: '2026-03-28',
    },
    { type: 'route', tracking, at: '2026-02-26T10:05:00+02:00', by: cc, to: agency },
    ...(to === 'routed'
      ? []
      : [
          {
            type: 'register-at-agency' as const,
            tracking,
            at: '2026-02-26T11:00:00+02:00',
            by: { role: 'agency' as const, participant: agency },
            number: '1/2026',
            date: '2026-02-26',
          },
        ]),
  ]);
  assert.equal(state?.state, to);
  return state;
}

/** The message an acknowledgement refers to: what the hub would look up by MessageRef or InReplyTo. */
function referenceOf(envelope: Envelope): string {
  switch (envelope.body.type) {
    case 'receipt':
      return envelope.body.receipt.messageRef;
    case 'error':
      return envelope.body.error.messageRef;
    case 'appeal':
    case 'status':
    case 'answer':
      return envelope.header.inReplyTo ?? '0c7d5e3a-9f21-4b68-8d47-2e6a1f9b3c05';
  }
}

describe('agency acknowledgements through their adapters', () => {
  for (const [conformanceCase, expectations] of EXPECTED) {
    const name = conformanceCase.module.manifest.name;
    describe(name, () => {
      for (const [pattern, expected] of expectations) {
        const goldens = conformanceCase.goldens.filter((golden) => pattern.test(golden.name));
        it(`${String(pattern)} → ${expected}`, async () => {
          assert.ok(goldens.length > 0, `${name} has no golden matching ${String(pattern)}`);
          const adapter = conformanceCase.module.createAdapter(conformanceCase.settings);
          for (const golden of goldens) {
            assert.ok(adapter.toCanonical !== undefined);
            const envelope = await adapter.toCanonical(
              golden.document,
              suiteContext(conformanceCase.participantCode),
            );
            const tracking = envelope.header.tracking ?? TRACKING;
            const events = eventsOf(envelope, {
              senderRole: 'agency',
              tracked: true,
              refersTo: {
                messageId: referenceOf(envelope),
                type: 'appeal',
                tracking,
                sender: CONTACT_CENTER,
                recipient: envelope.header.sender,
              },
            });
            assert.deepEqual(
              events.map((event) => event.type),
              [expected],
              golden.name,
            );
            const state = appealRoutedTo(envelope.header.sender, tracking, ARRIVES_IN[expected]);
            const next = applyEvents(state, events);
            assert.equal(next?.state, EVENT_TARGETS[expected], golden.name);
          }
        });
      }
    });
  }

  it('contact-center-csv: each imported row registers the appeal and routes it to its target', async () => {
    const adapter = contactCenterCsvCase.module.createAdapter(contactCenterCsvCase.settings);
    assert.ok(contactCenterCsvCase.goldens.length > 0);
    for (const golden of contactCenterCsvCase.goldens) {
      assert.ok(adapter.toCanonical !== undefined);
      const envelope = await adapter.toCanonical(golden.document, suiteContext(CONTACT_CENTER));
      const events = eventsOf(envelope, { senderRole: 'contact-center', tracked: false });
      assert.deepEqual(
        events.map((event) => event.type),
        ['register', 'route'],
      );
      const state = applyEvents(undefined, events);
      assert.equal(state?.state, 'routed');
      assert.equal(state?.holder, envelope.header.recipient);
      assert.equal(state?.contactCenter, CONTACT_CENTER);
      assert.equal(
        state?.deadline,
        envelope.body.type === 'appeal' ? envelope.body.appeal.deadline : undefined,
      );
    }
  });
});
