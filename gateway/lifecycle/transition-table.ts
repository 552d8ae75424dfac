import type { ActorRole, LifecycleEventType, LifecycleOrigin, LifecycleState } from './lifecycle-model.js';

/**
 * One legal transition: from a state, on an event, caused by one of `by`, to a state. `agency` always means the
 * agency holding the appeal (the one it was last routed to) and `contact-center` the one that registered it;
 * `applyEvent` checks the participant as well as the role.
 */
export interface Transition {
  readonly from: LifecycleOrigin;
  readonly event: LifecycleEventType;
  readonly to: LifecycleState;
  readonly by: readonly ActorRole[];
  /** Why the transition exists, for docs/lifecycle.md and for whoever reads a refusal. */
  readonly note: string;
}

const C = 'contact-center';
const A = 'agency';
const H = 'hub';

const LATE_DELIVERY =
  'a delivery or acceptance receipt arriving after a later step (1207 sends ack_type 1, 2 and 3 separately; ' +
  'a push answer and a posted receipt may cross): kept as evidence, the state does not move';
const REPEATED_REGISTRATION =
  'the holder repeats or corrects its registration receipt: the number is updated, the state does not move';

/**
 * The transition table. Anything not listed is refused with LIFECYCLE_INVALID_TRANSITION. Two principles
 * shape it: (1) what an agency does instead of considering an appeal (register it, refuse it, redirect it) is
 * accepted as soon as the hub has routed it to that agency, since its own message proves it holds the appeal
 * even when its delivery receipt is still on the way; (2) considering, extending and answering need the
 * agency's registration first (Law «Про звернення громадян», art. 7 and 20: an appeal is registered before it
 * is considered, and the registration receipt is what the deadline watch waits for).
 */
export const TRANSITION_TABLE: readonly Transition[] = [
  {
    from: 'untracked',
    event: 'register',
    to: 'registered',
    by: [C],
    note: 'the contact center registered the appeal; the hub learns it from the appeal message',
  },
  {
    from: 'registered',
    event: 'route',
    to: 'routed',
    by: [C],
    note: 'the hub accepted the appeal for the agency',
  },
  {
    from: 'registered',
    event: 'close',
    to: 'closed',
    by: [C, H],
    note: 'registered but never routed (withdrawn, duplicate)',
  },

  { from: 'routed', event: 'deliver', to: 'delivered', by: [A, H], note: 'delivery confirmed' },
  {
    from: 'routed',
    event: 'register-at-agency',
    to: 'registered-by-agency',
    by: [A],
    note: 'the agency registered it (its registration receipt was its answer to the delivery)',
  },
  {
    from: 'routed',
    event: 'refuse',
    to: 'refused',
    by: [A, H],
    note: 'the agency refused to register it, or the hub gave up delivering it',
  },
  {
    from: 'routed',
    event: 'redirect',
    to: 'redirected',
    by: [A],
    note: 'not within the agency’s competence',
  },

  { from: 'delivered', event: 'deliver', to: 'delivered', by: [A, H], note: 'accepted after delivered' },
  {
    from: 'delivered',
    event: 'register-at-agency',
    to: 'registered-by-agency',
    by: [A],
    note: 'the agency registered it',
  },
  {
    from: 'delivered',
    event: 'refuse',
    to: 'refused',
    by: [A, H],
    note: 'the agency refused to register it, or the hub withdrew it',
  },
  {
    from: 'delivered',
    event: 'redirect',
    to: 'redirected',
    by: [A],
    note: 'not within the agency’s competence',
  },

  {
    from: 'registered-by-agency',
    event: 'deliver',
    to: 'registered-by-agency',
    by: [A, H],
    note: LATE_DELIVERY,
  },
  {
    from: 'registered-by-agency',
    event: 'register-at-agency',
    to: 'registered-by-agency',
    by: [A],
    note: REPEATED_REGISTRATION,
  },
  {
    from: 'registered-by-agency',
    event: 'consider',
    to: 'under-consideration',
    by: [A],
    note: 'an executor was assigned, the consideration started',
  },
  {
    from: 'registered-by-agency',
    event: 'redirect',
    to: 'redirected',
    by: [A],
    note: 'registered, then found not within competence (forwarded within 5 days, art. 7)',
  },
  {
    from: 'registered-by-agency',
    event: 'extend-deadline',
    to: 'deadline-extended',
    by: [A],
    note: 'the term was extended (art. 20)',
  },
  { from: 'registered-by-agency', event: 'answer', to: 'answered', by: [A], note: 'answered' },

  { from: 'refused', event: 'deliver', to: 'refused', by: [A, H], note: LATE_DELIVERY },
  {
    from: 'refused',
    event: 'route',
    to: 'routed',
    by: [C],
    note: 'the contact center routes it again (another agency, or the same after a correction)',
  },
  { from: 'refused', event: 'close', to: 'closed', by: [C, H], note: 'the contact center ends it' },

  {
    from: 'under-consideration',
    event: 'deliver',
    to: 'under-consideration',
    by: [A, H],
    note: LATE_DELIVERY,
  },
  {
    from: 'under-consideration',
    event: 'register-at-agency',
    to: 'under-consideration',
    by: [A],
    note: REPEATED_REGISTRATION,
  },
  {
    from: 'under-consideration',
    event: 'consider',
    to: 'under-consideration',
    by: [A],
    note: 'further progress (xdms: report prepared, course changed, published)',
  },
  {
    from: 'under-consideration',
    event: 'redirect',
    to: 'redirected',
    by: [A],
    note: 'found not (or only partly) within competence while considering it',
  },
  {
    from: 'under-consideration',
    event: 'extend-deadline',
    to: 'deadline-extended',
    by: [A],
    note: 'the term was extended (art. 20)',
  },
  { from: 'under-consideration', event: 'answer', to: 'answered', by: [A], note: 'answered' },

  { from: 'redirected', event: 'deliver', to: 'redirected', by: [A, H], note: LATE_DELIVERY },
  { from: 'redirected', event: 'register-at-agency', to: 'redirected', by: [A], note: REPEATED_REGISTRATION },
  {
    from: 'redirected',
    event: 'route',
    to: 'routed',
    by: [C, H, A],
    note:
      'sent on: by the hub or the redirecting agency to the participant the redirect named, or by the contact ' +
      'center to the agency it chooses',
  },
  {
    from: 'redirected',
    event: 'close',
    to: 'closed',
    by: [C, H],
    note: 'the competent body is not a participant: the appeal leaves the system',
  },

  { from: 'deadline-extended', event: 'deliver', to: 'deadline-extended', by: [A, H], note: LATE_DELIVERY },
  {
    from: 'deadline-extended',
    event: 'register-at-agency',
    to: 'deadline-extended',
    by: [A],
    note: REPEATED_REGISTRATION,
  },
  {
    from: 'deadline-extended',
    event: 'consider',
    to: 'deadline-extended',
    by: [A],
    note: 'progress after an extension: the appeal stays "deadline extended", which tells the citizen more',
  },
  {
    from: 'deadline-extended',
    event: 'redirect',
    to: 'redirected',
    by: [A],
    note: 'found not (or only partly) within competence after an extension',
  },
  {
    from: 'deadline-extended',
    event: 'extend-deadline',
    to: 'deadline-extended',
    by: [A],
    note: 'extended again (the deadlines module refuses beyond 45 days in total)',
  },
  { from: 'deadline-extended', event: 'answer', to: 'answered', by: [A], note: 'answered' },

  { from: 'answered', event: 'deliver', to: 'answered', by: [A, H], note: LATE_DELIVERY },
  { from: 'answered', event: 'register-at-agency', to: 'answered', by: [A], note: REPEATED_REGISTRATION },
  {
    from: 'answered',
    event: 'answer',
    to: 'answered',
    by: [A],
    note: 'the answer document after an "answered" status, or a supplementary answer',
  },
  { from: 'answered', event: 'close', to: 'closed', by: [C, H], note: 'the contact center ends it' },
];

const index = new Map<string, Transition>(TRANSITION_TABLE.map((row) => [key(row.from, row.event), row]));

/** The row for `event` in `from`, if the table has one. */
export function transitionFor(from: LifecycleOrigin, event: LifecycleEventType): Transition | undefined {
  return index.get(key(from, event));
}

/** The transitions out of `from`, in table order (what may happen next). */
export function transitionsFrom(from: LifecycleOrigin): readonly Transition[] {
  return TRANSITION_TABLE.filter((row) => row.from === from);
}

function key(from: LifecycleOrigin, event: LifecycleEventType): string {
  return `${from} ${event}`;
}
