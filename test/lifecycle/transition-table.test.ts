/**
 * The transition table, exhaustively: every legal transition with every role allowed to cause it, every other
 * role refused, and every (state, event) pair the table does not list refused with LIFECYCLE_INVALID_TRANSITION
 * naming the appeal, from, to and event.
 */
import assert from 'node:assert/strict';
import { applyEvent } from '../../gateway/lifecycle/apply-event.js';
import {
  ACTOR_ROLES,
  EVENT_TARGETS,
  LIFECYCLE_EVENTS,
  UNTRACKED,
} from '../../gateway/lifecycle/lifecycle-model.js';
import {
  TRANSITION_TABLE,
  transitionFor,
  transitionsFrom,
} from '../../gateway/lifecycle/transition-table.js';
import { actorFor, eventOf, ORIGINS, reach, refusal, TRACKING } from './fixtures/lifecycle-fixtures.js';

describe('the lifecycle transition table', () => {
  it('has one row per (state, event) and names only known roles', () => {
    const seen = new Set<string>();
    for (const row of TRANSITION_TABLE) {
      const key = `${row.from} ${row.event}`;
      assert.ok(!seen.has(key), `${key} is listed twice`);
      seen.add(key);
      assert.ok(row.by.length > 0, `${key} names nobody who may cause it`);
      for (const role of row.by) assert.ok(ACTOR_ROLES.includes(role), `${key}: unknown role ${role}`);
      // A transition either leads where the event leads or keeps the state (late or repeated evidence).
      assert.ok(row.to === EVENT_TARGETS[row.event] || row.to === row.from, `${key} leads to ${row.to}`);
      assert.equal(transitionFor(row.from, row.event), row);
    }
  });

  it('reaches every state from the untracked origin', () => {
    const reached = new Set<string>([UNTRACKED]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const row of TRANSITION_TABLE) {
        if (reached.has(row.from) && !reached.has(row.to)) {
          reached.add(row.to);
          grew = true;
        }
      }
    }
    assert.deepEqual([...reached].sort(), [...ORIGINS].sort());
  });

  it('leaves closed terminal and every other state with a way forward', () => {
    assert.deepEqual(transitionsFrom('closed'), []);
    for (const origin of ORIGINS.filter((o) => o !== 'closed')) {
      assert.ok(
        transitionsFrom(origin).some((row) => row.to !== row.from),
        `${origin} has no transition out of it`,
      );
    }
  });

  describe('every legal transition', () => {
    for (const row of TRANSITION_TABLE) {
      for (const role of row.by) {
        it(`${row.from} —${row.event} by ${role}→ ${row.to}`, () => {
          const state = reach(row.from);
          const event = eventOf(row.event, actorFor(role, state), state);
          const next = applyEvent(state, event);
          assert.equal(next.state, row.to);
          assert.equal(next.tracking, TRACKING);
          assert.equal(next.updatedAt, event.at);
          assert.equal(next.since, row.to === row.from && state !== undefined ? state.since : event.at);
        });
      }
      for (const role of ACTOR_ROLES.filter((r) => !row.by.includes(r))) {
        it(`${row.from} —${row.event}→ refused when ${role} causes it`, () => {
          const state = reach(row.from);
          const error = refusal(
            () => applyEvent(state, eventOf(row.event, actorFor(role, state), state)),
            'LIFECYCLE_WRONG_ACTOR',
          );
          assert.match(
            error.message,
            new RegExp(`^Event ${row.event} on appeal ${TRACKING} cannot come from ${role}`),
          );
          assert.equal(error.field, 'by');
        });
      }
    }
  });

  describe('every illegal transition', () => {
    for (const from of ORIGINS) {
      for (const event of LIFECYCLE_EVENTS.filter((e) => transitionFor(from, e) === undefined)) {
        it(`${from} —${event}→ refused`, () => {
          const state = reach(from);
          // Whoever causes it: the state decides before the actor is looked at.
          for (const role of ACTOR_ROLES) {
            const attempt = eventOf(event, actorFor(role, state), state);
            if (state === undefined) {
              const error = refusal(() => applyEvent(state, attempt), 'LIFECYCLE_UNKNOWN_APPEAL');
              assert.equal(error.status, 404);
              assert.match(error.message, new RegExp(TRACKING));
              continue;
            }
            const error = refusal(() => applyEvent(state, attempt), 'LIFECYCLE_INVALID_TRANSITION');
            assert.equal(error.status, 409);
            assert.equal(
              error.message,
              `Appeal ${TRACKING} cannot go from ${from} to ${EVENT_TARGETS[event]} on event ${event}`,
            );
          }
        });
      }
    }
  });

  it('refuses everything on a closed appeal', () => {
    const closed = reach('closed');
    for (const event of LIFECYCLE_EVENTS) {
      for (const role of ACTOR_ROLES) {
        refusal(
          () => applyEvent(closed, eventOf(event, actorFor(role, closed), closed)),
          'LIFECYCLE_INVALID_TRANSITION',
        );
      }
    }
  });
});
