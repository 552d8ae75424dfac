/**
 * Property tests over random event sequences: whatever arrives, in whatever order, from whoever, the appeal is
 * always in one of the canonical states, a refused event changes nothing, an accepted one is a row of the
 * table, `closed` is terminal, and the facts each state promises are there.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyEvent } from '../../gateway/lifecycle/apply-event.js';
import {
  ACTOR_ROLES,
  LIFECYCLE_EVENTS,
  LIFECYCLE_STATES,
  type Actor,
  type AppealLifecycle,
  type LifecycleEvent,
} from '../../gateway/lifecycle/lifecycle-model.js';
import { transitionFor, transitionsFrom } from '../../gateway/lifecycle/transition-table.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import {
  AGENCY,
  COMPETENT_AGENCY,
  CONTACT_CENTER,
  eventOf,
  HUB,
  OTHER_CONTACT_CENTER,
  THIRD_AGENCY,
  TRACKING,
  actorFor,
} from './fixtures/lifecycle-fixtures.js';

const PARTICIPANTS = [CONTACT_CENTER, OTHER_CONTACT_CENTER, AGENCY, COMPETENT_AGENCY, THIRD_AGENCY, HUB];

/** Any event at all: any type, any role, any participant, any target, now and then about another appeal. */
const anyEvent: fc.Arbitrary<LifecycleEvent> = fc
  .record({
    type: fc.constantFrom(...LIFECYCLE_EVENTS),
    role: fc.constantFrom(...ACTOR_ROLES),
    participant: fc.constantFrom(...PARTICIPANTS),
    to: fc.constantFrom(...PARTICIPANTS),
    otherAppeal: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  })
  .map(({ type, role, participant, to, otherAppeal }) => {
    const by: Actor = { role, participant };
    const overrides: Record<string, unknown> = type === 'route' || type === 'redirect' ? { to } : {};
    if (otherAppeal) overrides.tracking = 'UKC-2026/000999';
    return eventOf(type, by, undefined, overrides);
  });

/**
 * A step is either any event at all, or one of the transitions the table allows from the state reached so far
 * (`choice` picks the row and the role), so that sequences get deep into the lifecycle and noise arrives there.
 */
const step = fc.oneof(
  anyEvent.map((event) => ({ kind: 'any' as const, event })),
  fc.nat().map((choice) => ({ kind: 'plausible' as const, choice })),
);

function plausibleEvent(state: AppealLifecycle | undefined, choice: number): LifecycleEvent | undefined {
  const rows = transitionsFrom(state?.state ?? 'untracked');
  if (rows.length === 0) return undefined;
  const row = rows[choice % rows.length]!;
  const role = row.by[Math.floor(choice / rows.length) % row.by.length]!;
  return eventOf(row.event, actorFor(role, state), state);
}

/** The facts each state promises (what the tracking page and the hub rely on). */
function checkInvariants(state: AppealLifecycle, tracking: string, contactCenter: string): void {
  assert.ok(LIFECYCLE_STATES.includes(state.state), `unknown state ${state.state}`);
  assert.equal(state.tracking, tracking, 'an appeal never becomes another');
  assert.equal(state.contactCenter, contactCenter, 'the registering contact center never changes');
  const everRouted = state.routings > 0;
  assert.equal(state.holder !== undefined, everRouted);
  if (state.state === 'registered') assert.equal(state.routings, 0);
  if (!['registered', 'closed'].includes(state.state))
    assert.ok(everRouted, `${state.state} without a holder`);
  if (state.state === 'registered-by-agency') assert.equal(state.registration?.agency, state.holder);
  if (state.state === 'refused') assert.ok(state.refusal !== undefined);
  if (state.state === 'redirected') assert.equal(state.redirect?.from, state.holder);
  if (state.state === 'answered') assert.equal(state.answer?.by, state.holder);
  if (state.state === 'closed') assert.ok(state.closure !== undefined);
  assert.notEqual(state.holder, state.contactCenter);
}

describe('the lifecycle under random event sequences', () => {
  it('stays in a canonical state, refuses with a lifecycle code, and never leaves closed', () => {
    const visited = new Set<string>();
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
        let state: AppealLifecycle | undefined;
        for (const next of steps) {
          const before = state;
          const event = next.kind === 'any' ? next.event : plausibleEvent(before, next.choice);
          if (event === undefined) continue;
          let after: AppealLifecycle;
          try {
            after = applyEvent(before, event);
          } catch (error) {
            assert.ok(error instanceof VkhidError, String(error));
            assert.match(error.code, /^LIFECYCLE_/);
            if (before?.state === 'closed' && event.tracking === before.tracking) {
              assert.equal(error.code, 'LIFECYCLE_INVALID_TRANSITION');
            }
            continue;
          }
          // Accepted: a row of the table, caused by a role it allows, never out of closed.
          const row = transitionFor(before?.state ?? 'untracked', event.type);
          assert.ok(row !== undefined, `${before?.state} —${event.type}→ is not in the table`);
          assert.ok(row.by.includes(event.by.role));
          assert.equal(after.state, row.to);
          assert.notEqual(before?.state, 'closed');
          if (event.by.role === 'agency') assert.equal(event.by.participant, before?.holder);
          checkInvariants(
            after,
            before?.tracking ?? event.tracking,
            before?.contactCenter ?? event.by.participant,
          );
          visited.add(after.state);
          state = after;
        }
      }),
      { numRuns: 500 },
    );
    // Guards the property itself: random sequences that never got past the first states would prove little.
    assert.deepEqual([...visited].sort(), [...LIFECYCLE_STATES].sort());
  });

  it('accepts every walk along the table by the participants entitled to each step, until closed', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 40 }), (choices) => {
        let state: AppealLifecycle | undefined;
        for (const choice of choices) {
          const rows = transitionsFrom(state?.state ?? 'untracked');
          if (rows.length === 0) {
            assert.equal(state?.state, 'closed');
            for (const type of LIFECYCLE_EVENTS) {
              assert.throws(
                () => applyEvent(state, eventOf(type, actorFor('hub', state), state)),
                VkhidError,
              );
            }
            return;
          }
          const row = rows[choice % rows.length]!;
          const role = row.by[Math.floor(choice / rows.length) % row.by.length]!;
          state = applyEvent(state, eventOf(row.event, actorFor(role, state), state));
          assert.equal(state.state, row.to);
          checkInvariants(state, TRACKING, CONTACT_CENTER);
        }
      }),
      { numRuns: 500 },
    );
  });
});
