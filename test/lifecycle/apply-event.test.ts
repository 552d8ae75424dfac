/**
 * What each event establishes, and the refusals beyond the table: the holder and the registering contact
 * center, forwards that must follow the redirect, routings to the contact center, events about another appeal.
 */
import assert from 'node:assert/strict';
import { applyEvent, applyEvents, replayEvents } from '../../gateway/lifecycle/apply-event.js';
import type { AppealLifecycle } from '../../gateway/lifecycle/lifecycle-model.js';
import {
  agency,
  AGENCY,
  cc,
  COMPETENT_AGENCY,
  CONTACT_CENTER,
  deepFreeze,
  eventOf,
  hub,
  OTHER_CONTACT_CENTER,
  reach,
  refusal,
  THIRD_AGENCY,
  TRACKING,
} from './fixtures/lifecycle-fixtures.js';

const at = (state: Parameters<typeof reach>[0]): AppealLifecycle =>
  deepFreeze(reach(state) as AppealLifecycle);

describe('applyEvent', () => {
  describe('starting a lifecycle', () => {
    it('registers an appeal at the contact center with its facts and deadline', () => {
      const event = eventOf('register', cc);
      const state = applyEvent(undefined, event);
      assert.deepEqual(state, {
        tracking: TRACKING,
        state: 'registered',
        contactCenter: CONTACT_CENTER,
        appeal: event.type === 'register' ? event.appeal : assert.fail(),
        deadline: '2026-04-01',
        routings: 0,
        since: event.at,
        updatedAt: event.at,
      });
      assert.equal(state.holder, undefined);
    });

    it('refuses a registration by an agency or the hub, and any other first event', () => {
      refusal(() => applyEvent(undefined, eventOf('register', agency())), 'LIFECYCLE_WRONG_ACTOR');
      refusal(() => applyEvent(undefined, eventOf('register', hub)), 'LIFECYCLE_WRONG_ACTOR');
      const error = refusal(
        () => applyEvent(undefined, eventOf('deliver', agency())),
        'LIFECYCLE_UNKNOWN_APPEAL',
      );
      assert.equal(
        error.message,
        `Appeal ${TRACKING} is not tracked: its lifecycle starts with the registration at the contact center`,
      );
    });
  });

  describe('routing and holding', () => {
    it('makes the routed agency the holder and counts the routing', () => {
      const state = applyEvent(at('registered'), eventOf('route', cc, undefined, { to: AGENCY }));
      assert.equal(state.state, 'routed');
      assert.equal(state.holder, AGENCY);
      assert.equal(state.routings, 1);
    });

    it('lets only the holder act, and only the contact center that registered the appeal', () => {
      const routed = at('routed');
      const error = refusal(
        () => applyEvent(routed, eventOf('register-at-agency', agency(THIRD_AGENCY))),
        'LIFECYCLE_WRONG_ACTOR',
      );
      assert.equal(
        error.message,
        `Event register-at-agency on appeal ${TRACKING} cannot come from agency ${THIRD_AGENCY}: the appeal is held by ${AGENCY}`,
      );
      refusal(
        () =>
          applyEvent(
            at('refused'),
            eventOf('close', { role: 'contact-center', participant: OTHER_CONTACT_CENTER }),
          ),
        'LIFECYCLE_WRONG_ACTOR',
      );
    });

    it('refuses routing an appeal to its own contact center', () => {
      const error = refusal(
        () => applyEvent(at('registered'), eventOf('route', cc, undefined, { to: CONTACT_CENTER })),
        'LIFECYCLE_INVALID_TRANSITION',
      );
      assert.equal(error.field, 'to');
      assert.match(error.message, /from registered to routed on event route: /);
    });

    it('re-routes a refused appeal, starting the new holder afresh', () => {
      const refused = at('refused');
      assert.equal(refused.refusal?.reason, 'Не підлягає реєстрації');
      const state = applyEvent(refused, eventOf('route', cc, refused, { to: COMPETENT_AGENCY }));
      assert.equal(state.state, 'routed');
      assert.equal(state.holder, COMPETENT_AGENCY);
      assert.equal(state.routings, 2);
      assert.equal(state.refusal, undefined);
      assert.equal(state.deliveredAt, undefined);
    });
  });

  describe('redirect', () => {
    it('records who redirected, to whom and why, and keeps the holder until the appeal is sent on', () => {
      const registered = at('registered-by-agency');
      const event = eventOf('redirect', agency(), registered);
      const state = applyEvent(registered, event);
      assert.equal(state.state, 'redirected');
      assert.equal(state.holder, AGENCY);
      assert.deepEqual(state.redirect, {
        from: AGENCY,
        to: COMPETENT_AGENCY,
        reasonCode: 'not-within-competence',
        reason: 'Питання належить до компетенції органу місцевого самоврядування',
        at: event.at,
      });
    });

    it('refuses a redirect to the holder itself', () => {
      const error = refusal(
        () => applyEvent(at('under-consideration'), eventOf('redirect', agency(), undefined, { to: AGENCY })),
        'LIFECYCLE_INVALID_TRANSITION',
      );
      assert.equal(error.field, 'to');
    });

    it('accepts a redirect back to the contact center, which the hub then cannot forward', () => {
      const state = applyEvent(
        at('delivered'),
        eventOf('redirect', agency(), undefined, { to: CONTACT_CENTER }),
      );
      assert.equal(state.state, 'redirected');
      refusal(() => applyEvent(state, eventOf('route', hub, state)), 'LIFECYCLE_INVALID_TRANSITION');
      assert.equal(applyEvent(state, eventOf('route', cc, state, { to: THIRD_AGENCY })).holder, THIRD_AGENCY);
    });

    it('lets the hub and the redirecting agency forward only to the participant the redirect named', () => {
      const redirected = at('redirected');
      for (const by of [hub, agency()]) {
        const error = refusal(
          () => applyEvent(redirected, eventOf('route', by, redirected, { to: THIRD_AGENCY })),
          'LIFECYCLE_INVALID_TRANSITION',
        );
        assert.equal(
          error.message,
          `Appeal ${TRACKING} cannot go from redirected to routed on event route: the redirect named ${COMPETENT_AGENCY}, not ${THIRD_AGENCY}`,
        );
        const forwarded = applyEvent(redirected, eventOf('route', by, redirected));
        assert.equal(forwarded.holder, COMPETENT_AGENCY);
        assert.equal(forwarded.registration, undefined, 'the old holder’s registration is not the new one’s');
        assert.equal(forwarded.redirect?.from, AGENCY, 'the redirect stays on record');
      }
      // The contact center decides competence itself.
      assert.equal(
        applyEvent(redirected, eventOf('route', cc, redirected, { to: THIRD_AGENCY })).holder,
        THIRD_AGENCY,
      );
    });

    it('takes events from the new holder after a forward, not from the old one', () => {
      const redirected = at('redirected');
      const forwarded = applyEvent(redirected, eventOf('route', hub, redirected));
      refusal(() => applyEvent(forwarded, eventOf('deliver', agency(AGENCY))), 'LIFECYCLE_WRONG_ACTOR');
      const registered = applyEvents(forwarded, [
        eventOf('deliver', agency(COMPETENT_AGENCY)),
        eventOf('register-at-agency', agency(COMPETENT_AGENCY), undefined, { number: '01-12/7' }),
      ]);
      assert.deepEqual(registered?.registration, {
        agency: COMPETENT_AGENCY,
        number: '01-12/7',
        date: '2026-03-03',
      });
    });
  });

  describe('what the other events establish', () => {
    it('records the first delivery and keeps the state for late receipts', () => {
      const routed = at('routed');
      const delivered = applyEvent(routed, eventOf('deliver', hub));
      const accepted = applyEvent(delivered, eventOf('deliver', agency()));
      assert.equal(accepted.deliveredAt, delivered.deliveredAt);
      assert.equal(accepted.since, delivered.since);

      const considering = at('under-consideration');
      const late = applyEvent(considering, eventOf('deliver', agency()));
      assert.equal(late.state, 'under-consideration');
      assert.equal(late.since, considering.since);
      assert.notEqual(late.updatedAt, considering.updatedAt);
    });

    it('records the agency registration, and its correction', () => {
      const delivered = at('delivered');
      const registered = applyEvent(delivered, eventOf('register-at-agency', agency()));
      assert.deepEqual(registered.registration, { agency: AGENCY, number: '1234/05-26', date: '2026-03-03' });
      assert.equal(registered.deliveredAt, delivered.deliveredAt);
      const corrected = applyEvent(
        registered,
        eventOf('register-at-agency', agency(), undefined, { number: '1235/05-26' }),
      );
      assert.equal(corrected.registration?.number, '1235/05-26');
      // Registered straight from routed (the registration receipt was the push answer): delivery is implied.
      const direct = applyEvent(at('routed'), eventOf('register-at-agency', agency()));
      assert.equal(direct.deliveredAt, direct.since);
    });

    it('records a refusal with its code, whoever refused', () => {
      const event = eventOf('refuse', hub, undefined, {
        code: undefined,
        reason: 'Не доставлено за 72 години',
      });
      const state = applyEvent(at('routed'), event);
      assert.deepEqual(state.refusal, { by: hub, reason: 'Не доставлено за 72 години', at: event.at });
    });

    it('moves the deadline on each extension, and stays extended while the agency reports progress', () => {
      const extended = applyEvent(at('under-consideration'), eventOf('extend-deadline', agency()));
      assert.equal(extended.deadline, '2026-04-16');
      const progress = applyEvent(extended, eventOf('consider', agency()));
      assert.equal(progress.state, 'deadline-extended');
      const again = applyEvent(
        progress,
        eventOf('extend-deadline', agency(), undefined, { newDeadline: '2026-04-20' }),
      );
      assert.equal(again.deadline, '2026-04-20');
    });

    it('completes an "answered" status with the answer that follows it', () => {
      const status = eventOf('answer', agency(), undefined, { result: undefined, registration: undefined });
      const answered = applyEvent(at('under-consideration'), status);
      assert.deepEqual(answered.answer, { by: AGENCY, at: status.at });
      const answer = applyEvents(answered, [eventOf('answer', agency())]);
      assert.deepEqual(answer?.answer, {
        by: AGENCY,
        at: status.at,
        result: 'explained',
        registration: { number: '77/05-26', date: '2026-03-20' },
      });
      assert.equal(answer?.since, answered.since);
    });

    it('records who closed the appeal and why', () => {
      const event = eventOf('close', cc);
      const closed = applyEvent(at('answered'), event);
      assert.deepEqual(closed.closure, { by: cc, reason: 'Відповідь надано заявнику', at: event.at });
      assert.equal(closed.answer?.result, 'explained', 'closing keeps the answer on record');
    });
  });

  it('refuses an event about another appeal', () => {
    const error = refusal(
      () =>
        applyEvent(at('routed'), eventOf('deliver', agency(), undefined, { tracking: 'UKC-2026/000999' })),
      'LIFECYCLE_UNTRACKED',
    );
    assert.match(error.message, /about appeal UKC-2026\/000999, not UKC-2026\/000123/);
  });

  it('never changes the state it is given (inputs are frozen throughout these tests)', () => {
    const routed = at('routed');
    const copy = structuredClone(routed);
    applyEvent(routed, eventOf('register-at-agency', agency()));
    assert.deepEqual(routed, copy);
  });

  it('replays a recorded history to the same lifecycle, and refuses an empty one', () => {
    const events = [
      eventOf('register', cc),
      eventOf('route', cc, undefined, { to: AGENCY }),
      eventOf('deliver', hub),
      eventOf('register-at-agency', agency()),
      eventOf('redirect', agency()),
    ];
    const replayed = replayEvents(events);
    let stepwise: AppealLifecycle | undefined;
    for (const event of events) stepwise = applyEvent(stepwise, event);
    assert.deepEqual(replayed, stepwise);
    assert.equal(replayed.state, 'redirected');
    refusal(() => replayEvents([]), 'LIFECYCLE_UNKNOWN_APPEAL');
  });
});
