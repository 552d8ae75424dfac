import type {
  AnswerResult,
  AppealKind,
  Channel,
  RedirectReason,
  Registration,
  Urgency,
} from '../envelope/envelope-model.js';

/**
 * The appeal lifecycle (issue #6, item 2): the canonical states an appeal passes through between the contact
 * center and the agencies, whatever formats those agencies speak. Agency-specific acknowledgements (1207
 * `ack_type`, xdms notifications, JSON statuses) reach it only as canonical messages, through their adapters,
 * and `eventsOf` turns those into the events below. The module is pure: the hub keeps the state and decides
 * what to do with a refusal. See docs/lifecycle.md.
 */

export const LIFECYCLE_STATES = [
  'registered',
  'routed',
  'delivered',
  'registered-by-agency',
  'refused',
  'under-consideration',
  'redirected',
  'deadline-extended',
  'answered',
  'closed',
] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

/** The pseudo-state before the contact center's registration: the hub does not track the appeal yet. */
export const UNTRACKED = 'untracked';
export type LifecycleOrigin = LifecycleState | typeof UNTRACKED;

export const LIFECYCLE_EVENTS = [
  'register',
  'route',
  'deliver',
  'register-at-agency',
  'refuse',
  'consider',
  'redirect',
  'extend-deadline',
  'answer',
  'close',
] as const;
export type LifecycleEventType = (typeof LIFECYCLE_EVENTS)[number];

/**
 * The state each event leads to when it moves the appeal. Some transitions keep the state instead (a late
 * delivery receipt, a further "under consideration" after an extension): the table says which.
 */
export const EVENT_TARGETS: Readonly<Record<LifecycleEventType, LifecycleState>> = {
  register: 'registered',
  route: 'routed',
  deliver: 'delivered',
  'register-at-agency': 'registered-by-agency',
  refuse: 'refused',
  consider: 'under-consideration',
  redirect: 'redirected',
  'extend-deadline': 'deadline-extended',
  answer: 'answered',
  close: 'closed',
};

/** Who causes an event: the registry kind of the participant, or the hub itself. */
export const ACTOR_ROLES = ['contact-center', 'agency', 'hub'] as const;
export type ActorRole = (typeof ACTOR_ROLES)[number];

export interface Actor {
  readonly role: ActorRole;
  /** ЄДРПОУ code of the participant (for the hub: its own code). */
  readonly participant: string;
}

/** What the lifecycle keeps about the appeal itself: no personal data, only what deadlines and reports need. */
export interface AppealFacts {
  readonly kind: AppealKind;
  readonly channel: Channel;
  readonly category: string;
  readonly urgency: Urgency;
  readonly noAdditionalStudy?: boolean;
  /** When the contact center received the appeal (xs:dateTime with zone). */
  readonly receivedAt: string;
}

interface EventBase {
  readonly tracking: string;
  /** When it happened, as the message says (xs:dateTime with zone). */
  readonly at: string;
  readonly by: Actor;
  /** The canonical message the event comes from; absent for the hub's own events (delivery by file, closing). */
  readonly messageId?: string;
}

export interface RegisterEvent extends EventBase {
  readonly type: 'register';
  readonly appeal: AppealFacts;
  /** The answer deadline the contact center set (xs:date). */
  readonly deadline: string;
}
export interface RouteEvent extends EventBase {
  readonly type: 'route';
  /** The agency the appeal is sent to: it holds the appeal from now on. */
  readonly to: string;
}
export interface DeliverEvent extends EventBase {
  readonly type: 'deliver';
}
export interface RegisterAtAgencyEvent extends EventBase {
  readonly type: 'register-at-agency';
  /** The agency's registration number and date (xs:date). */
  readonly number: string;
  readonly date: string;
}
export interface RefuseEvent extends EventBase {
  readonly type: 'refuse';
  readonly code?: string;
  readonly reason: string;
}
export interface ConsiderEvent extends EventBase {
  readonly type: 'consider';
}
export interface RedirectEvent extends EventBase {
  readonly type: 'redirect';
  /** The participant the appeal should go to (ЄДРПОУ code; may be one the hub does not serve). */
  readonly to: string;
  readonly reasonCode: RedirectReason;
  readonly reason: string;
}
export interface ExtendDeadlineEvent extends EventBase {
  readonly type: 'extend-deadline';
  /** xs:date. */
  readonly newDeadline: string;
  readonly reason: string;
}
export interface AnswerEvent extends EventBase {
  readonly type: 'answer';
  /** Absent when only an "answered" status told the hub (the answer itself may follow). */
  readonly result?: AnswerResult;
  /** The answer's own outgoing registration. */
  readonly registration?: Registration;
}
export interface CloseEvent extends EventBase {
  readonly type: 'close';
  readonly reason: string;
}

export type LifecycleEvent =
  | RegisterEvent
  | RouteEvent
  | DeliverEvent
  | RegisterAtAgencyEvent
  | RefuseEvent
  | ConsiderEvent
  | RedirectEvent
  | ExtendDeadlineEvent
  | AnswerEvent
  | CloseEvent;

export type LifecycleEventOf<T extends LifecycleEventType> = Extract<LifecycleEvent, { type: T }>;

/** One appeal's lifecycle: the current state and the facts the events established. */
export interface AppealLifecycle {
  readonly tracking: string;
  readonly state: LifecycleState;
  /** The contact center that registered the appeal: only it may route or close it. */
  readonly contactCenter: string;
  readonly appeal: AppealFacts;
  /** The agency the appeal was last routed to; only it may acknowledge, consider, redirect or answer. */
  readonly holder?: string;
  /** The answer deadline as last stated (xs:date): the contact center's, then each extension's. */
  readonly deadline: string;
  /** How many times the appeal was routed (1 after the first routing; each re-route or forward adds one). */
  readonly routings: number;
  /** When the holder's delivery was first confirmed. */
  readonly deliveredAt?: string;
  /** The holder's registration of the appeal (the latest, when it corrected it). */
  readonly registration?: { readonly agency: string; readonly number: string; readonly date: string };
  readonly refusal?: {
    readonly by: Actor;
    readonly code?: string;
    readonly reason: string;
    readonly at: string;
  };
  /** The latest redirect; kept after the appeal is forwarded, for the record. */
  readonly redirect?: {
    readonly from: string;
    readonly to: string;
    readonly reasonCode: RedirectReason;
    readonly reason: string;
    readonly at: string;
  };
  readonly answer?: {
    readonly by: string;
    readonly at: string;
    readonly result?: AnswerResult;
    readonly registration?: Registration;
  };
  readonly closure?: { readonly by: Actor; readonly reason: string; readonly at: string };
  /** When the appeal entered its current state. */
  readonly since: string;
  /** The instant of the last event applied (a late receipt updates it without changing the state). */
  readonly updatedAt: string;
}

export function isLifecycleState(value: string): value is LifecycleState {
  return (LIFECYCLE_STATES as readonly string[]).includes(value);
}

/** `closed` is the only terminal state: every event on a closed appeal is refused. */
export function isTerminal(state: LifecycleState): boolean {
  return state === 'closed';
}
