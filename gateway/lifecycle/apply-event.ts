import { VkhidError } from '../errors/vkhid-error.js';
import {
  EVENT_TARGETS,
  UNTRACKED,
  type AppealLifecycle,
  type LifecycleEvent,
  type RouteEvent,
} from './lifecycle-model.js';
import { transitionFor, type Transition } from './transition-table.js';

/**
 * Applies one event to an appeal's lifecycle and returns the new lifecycle; `state` is left as it was.
 * `undefined` is an appeal the hub does not track yet: only the contact center's `register` starts one.
 *
 * Refusals (nothing changes):
 * - LIFECYCLE_UNKNOWN_APPEAL: an event other than `register` on an untracked appeal;
 * - LIFECYCLE_UNTRACKED: the event is about another appeal than `state`;
 * - LIFECYCLE_INVALID_TRANSITION: the table has no row for the event in this state (every event on a closed
 *   appeal), or the row's condition fails (a forward to another participant than the redirect named, a
 *   routing to the contact center, a redirect to the holder itself); args name appeal, from, to and event;
 * - LIFECYCLE_WRONG_ACTOR: the event's role may not cause it, or the agency is not the holder, or the contact
 *   center is not the one that registered the appeal.
 */
export function applyEvent(state: AppealLifecycle | undefined, event: LifecycleEvent): AppealLifecycle {
  if (state === undefined) {
    if (event.type !== 'register') {
      throw new VkhidError('LIFECYCLE_UNKNOWN_APPEAL', { args: [event.tracking], field: 'tracking' });
    }
    const row = transitionFor(UNTRACKED, 'register') as Transition;
    checkRole(row, event);
    return {
      tracking: event.tracking,
      state: row.to,
      contactCenter: event.by.participant,
      appeal: event.appeal,
      deadline: event.deadline,
      routings: 0,
      since: event.at,
      updatedAt: event.at,
    };
  }

  if (event.tracking !== state.tracking) {
    throw new VkhidError('LIFECYCLE_UNTRACKED', {
      args: [event.messageId ?? event.type, `it is about appeal ${event.tracking}, not ${state.tracking}`],
      field: 'tracking',
    });
  }
  const row = transitionFor(state.state, event.type);
  if (row === undefined) throw invalidTransition(state, event);
  checkRole(row, event);
  checkParticipant(state, event);
  checkCondition(state, event);

  const moved = row.to !== state.state;
  const next: AppealLifecycle = {
    ...effectOf(state, event),
    state: row.to,
    since: moved ? event.at : state.since,
    updatedAt: event.at,
  };
  return next;
}

/** Applies events in order, starting from `state` (undefined: untracked). Stops at the first refusal. */
export function applyEvents(
  state: AppealLifecycle | undefined,
  events: readonly LifecycleEvent[],
): AppealLifecycle | undefined {
  let current = state;
  for (const event of events) current = applyEvent(current, event);
  return current;
}

/** Rebuilds a lifecycle from its recorded events (for example the ledger's entries for one appeal). */
export function replayEvents(events: readonly LifecycleEvent[]): AppealLifecycle {
  const state = applyEvents(undefined, events);
  if (state === undefined) {
    throw new VkhidError('LIFECYCLE_UNKNOWN_APPEAL', { args: ['(no events)'], field: 'tracking' });
  }
  return state;
}

/** The facts each event establishes. Fields an event does not concern are kept. */
function effectOf(state: AppealLifecycle, event: LifecycleEvent): AppealLifecycle {
  switch (event.type) {
    case 'register':
      // Unreachable: the table has no `register` row out of a tracked state.
      return state;
    case 'route': {
      // A new holder starts afresh: the previous agency's delivery, registration, refusal and answer are
      // about its own handling, not the new one's. The latest redirect stays, as the reason for the move.
      const rest: { -readonly [K in keyof AppealLifecycle]: AppealLifecycle[K] } = { ...state };
      delete rest.deliveredAt;
      delete rest.registration;
      delete rest.refusal;
      delete rest.answer;
      return { ...rest, holder: event.to, routings: state.routings + 1 };
    }
    case 'deliver':
      return state.deliveredAt === undefined ? { ...state, deliveredAt: event.at } : state;
    case 'register-at-agency':
      return {
        ...state,
        deliveredAt: state.deliveredAt ?? event.at,
        registration: { agency: event.by.participant, number: event.number, date: event.date },
      };
    case 'refuse':
      return {
        ...state,
        refusal: {
          by: event.by,
          ...(event.code === undefined ? {} : { code: event.code }),
          reason: event.reason,
          at: event.at,
        },
      };
    case 'consider':
      return state;
    case 'redirect':
      return {
        ...state,
        redirect: {
          from: event.by.participant,
          to: event.to,
          reasonCode: event.reasonCode,
          reason: event.reason,
          at: event.at,
        },
      };
    case 'extend-deadline':
      return { ...state, deadline: event.newDeadline };
    case 'answer':
      return {
        ...state,
        answer: {
          by: event.by.participant,
          // An "answered" status followed by the answer itself: the answer's details complete the status's.
          at: state.answer?.at ?? event.at,
          ...pick(event.result ?? state.answer?.result, (result) => ({ result })),
          ...pick(event.registration ?? state.answer?.registration, (registration) => ({ registration })),
        },
      };
    case 'close':
      return { ...state, closure: { by: event.by, reason: event.reason, at: event.at } };
  }
}

function pick<T, R extends object>(value: T | undefined, wrap: (value: T) => R): R | Record<never, never> {
  return value === undefined ? {} : wrap(value);
}

function checkRole(row: Transition, event: LifecycleEvent): void {
  if (!row.by.includes(event.by.role)) {
    throw wrongActor(event, `only ${row.by.join(', ')} may cause it when the appeal is ${row.from}`);
  }
}

/** The role is not enough: an agency acts only on an appeal it holds, a contact center only on its own. */
function checkParticipant(state: AppealLifecycle, event: LifecycleEvent): void {
  if (event.by.role === 'agency' && event.by.participant !== state.holder) {
    throw wrongActor(event, `the appeal is held by ${state.holder ?? 'no agency'}`);
  }
  if (event.by.role === 'contact-center' && event.by.participant !== state.contactCenter) {
    throw wrongActor(event, `the appeal was registered by contact center ${state.contactCenter}`);
  }
}

function checkCondition(state: AppealLifecycle, event: LifecycleEvent): void {
  switch (event.type) {
    case 'route':
      checkRoute(state, event);
      break;
    case 'redirect':
      if (event.to === state.holder) {
        throw invalidTransition(
          state,
          event,
          `the holder ${event.to} cannot redirect the appeal to itself`,
          'to',
        );
      }
      break;
    case 'register':
    case 'deliver':
    case 'register-at-agency':
    case 'refuse':
    case 'consider':
    case 'extend-deadline':
    case 'answer':
    case 'close':
      break;
  }
}

function checkRoute(state: AppealLifecycle, event: RouteEvent): void {
  if (event.to === state.contactCenter) {
    throw invalidTransition(
      state,
      event,
      'an appeal is routed to an agency, not to its contact center',
      'to',
    );
  }
  // The contact center decides competence and may send the appeal anywhere; the hub and the redirecting
  // agency only carry out the redirect the agency stated.
  if (state.state === 'redirected' && event.by.role !== 'contact-center') {
    const named = state.redirect?.to;
    if (event.to !== named) {
      throw invalidTransition(
        state,
        event,
        `the redirect named ${named ?? 'no participant'}, not ${event.to}`,
        'to',
      );
    }
  }
}

function invalidTransition(
  state: AppealLifecycle,
  event: LifecycleEvent,
  why?: string,
  field?: string,
): VkhidError {
  return new VkhidError('LIFECYCLE_INVALID_TRANSITION', {
    args: [
      state.tracking,
      state.state,
      EVENT_TARGETS[event.type],
      event.type,
      why === undefined ? '' : `: ${why}`,
    ],
    ...(field === undefined ? {} : { field }),
  });
}

function wrongActor(event: LifecycleEvent, why: string): VkhidError {
  return new VkhidError('LIFECYCLE_WRONG_ACTOR', {
    args: [event.type, event.tracking, event.by.role, event.by.participant, why],
    field: 'by',
  });
}
