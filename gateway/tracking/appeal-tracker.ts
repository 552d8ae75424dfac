import {
  computeDeadlines,
  extendDeadlines,
  redirectDeadlines,
  type AppealDeadlines,
} from '../deadlines/appeal-deadlines.js';
import type { WorkingCalendar } from '../deadlines/working-calendar.js';
import type { Appeal, Envelope } from '../envelope/envelope-model.js';
import { appendLedgerEntry, type LedgerEvent } from '../ledger/ledger-entry.js';
import { applyEvent } from '../lifecycle/apply-event.js';
import { eventsOf, type ReferencedMessage } from '../lifecycle/events-of.js';
import type {
  ActorRole,
  AppealLifecycle,
  LifecycleEvent,
  LifecycleState,
} from '../lifecycle/lifecycle-model.js';
import { parameterMarkers } from '../store/scan-sql.js';
import type { Row, SqlValue, StoreConnection } from '../store/store-driver.js';
import type { RedirectForwarder } from './redirect-forwarder.js';

/** One appeal as the hub tracks it. */
export interface TrackedAppeal {
  readonly tracking: string;
  readonly state: LifecycleState;
  readonly lifecycle: AppealLifecycle;
  readonly deadlines: AppealDeadlines;
  readonly registeredAt: string;
  readonly updatedAt: string;
}

/** One step of an appeal's timeline: what happened, when, by whom (a participant's code), the state after. */
export interface TimelineStep {
  readonly seq: number;
  readonly at: string;
  readonly type: LifecycleEvent['type'];
  readonly byRole: ActorRole;
  readonly byParticipant: string;
  readonly state: LifecycleState;
}

export interface AppealTrackerOptions {
  /** Sends a redirected appeal on to the body the redirect names; without it the contact center re-routes. */
  readonly forwarder?: RedirectForwarder;
  /**
   * The pseudonymous repeat-appeal key of a newly registered appeal (gateway/reports/repeat-key.ts), stored
   * for the reports; without it appeals get none and are never counted as repeats.
   */
  readonly repeatKey?: (appeal: Appeal) => string;
}

/** Ledger events for the lifecycle's own steps (the message's acceptance is already an `accepted` entry). */
export const LIFECYCLE_LEDGER_EVENTS: Readonly<Partial<Record<LifecycleEvent['type'], LedgerEvent>>> = {
  'register-at-agency': 'status',
  refuse: 'refused',
  consider: 'status',
  redirect: 'redirected',
  'extend-deadline': 'extended',
  answer: 'answered',
  close: 'closed',
};

/**
 * Keeps each appeal's lifecycle and statutory deadlines as messages about it are accepted and delivered
 * (issue #6). Everything runs inside the caller's transaction: a message is stored together with the change it
 * makes to its appeal, its timeline step and its ledger entry, or not at all. A message that would make an
 * invalid transition of a tracked appeal is refused with the lifecycle's code (LIFECYCLE_*); a message about
 * an appeal the hub does not track (it was registered before the hub kept appeals, or elsewhere) is carried
 * without tracking.
 */
export class AppealTracker {
  constructor(
    private readonly calendar: WorkingCalendar,
    private readonly options: AppealTrackerOptions = {},
  ) {}

  /** The hook a delivery queue runs when a job is acknowledged (see DeliveryQueueOptions.onAcknowledged). */
  deliveryHook(hubCode: string): (tx: StoreConnection, jobId: string, at: string) => Promise<void> {
    return (tx, jobId, at) => this.onDelivered(tx, jobId, hubCode, at);
  }

  /** Applies what an accepted message means to its appeal. */
  async onAccepted(
    tx: StoreConnection,
    envelope: Envelope,
    context: { readonly senderRole: ActorRole; readonly acceptedAt: string },
  ): Promise<void> {
    const refersTo = await this.referencedMessage(tx, envelope);
    const tracking = envelope.header.tracking ?? refersTo?.tracking;
    if (tracking === undefined) return;
    const current = await findAppeal(tx, tracking);
    if (current === undefined && envelope.body.type !== 'appeal') return;
    // The contact center sending the appeal again to the agency that holds it (an addendum: more documents, a
    // corrected text) adds to the same appeal and moves nothing; only routing it elsewhere is a transition.
    if (
      current !== undefined &&
      envelope.body.type === 'appeal' &&
      current.state !== 'closed' &&
      current.lifecycle.holder === envelope.header.recipient &&
      current.lifecycle.contactCenter === envelope.header.sender
    ) {
      return;
    }
    const message: Envelope = { ...envelope, header: { ...envelope.header, tracking } };
    const events = eventsOf(message, {
      senderRole: context.senderRole,
      tracked: current !== undefined,
      acceptedAt: context.acceptedAt,
      ...(refersTo === undefined ? {} : { refersTo }),
    });
    const repeatKey =
      current === undefined && envelope.body.type === 'appeal'
        ? (this.options.repeatKey?.(envelope.body.appeal) ?? null)
        : null;
    await this.apply(tx, tracking, current, events, { acceptedAt: context.acceptedAt, repeatKey });
  }

  /** The hub delivered job `jobId`'s message (the recipient's receipt is in hand): an appeal is delivered. */
  async onDelivered(tx: StoreConnection, jobId: string, hubCode: string, at: string): Promise<void> {
    const [row] = await tx.query<Row>(
      `SELECT m.message_id, m.type, m.tracking, j.recipient FROM delivery_jobs j
       JOIN messages m ON m.message_id = j.message_id WHERE j.id = ?`,
      [jobId],
    );
    if (row === undefined || row.type !== 'appeal' || typeof row.tracking !== 'string') return;
    const current = await findAppeal(tx, row.tracking);
    // Only the delivery to the agency that holds it moves the appeal; a late one changes nothing.
    if (current === undefined || current.lifecycle.holder !== row.recipient) return;
    if (current.state !== 'routed') return;
    await this.apply(tx, row.tracking, current, [
      {
        type: 'deliver',
        tracking: row.tracking,
        at,
        by: { role: 'hub', participant: hubCode },
        messageId: String(row.message_id),
      },
    ]);
  }

  private async apply(
    tx: StoreConnection,
    tracking: string,
    current: TrackedAppeal | undefined,
    events: readonly LifecycleEvent[],
    facts: { readonly acceptedAt?: string; readonly repeatKey?: string | null } = {},
  ): Promise<void> {
    if (events.length === 0) return;
    let lifecycle = current?.lifecycle;
    let deadlines = current?.deadlines;
    let seq = current === undefined ? 0 : await lastSeq(tx, tracking);
    const steps: { step: TimelineStep; messageId: string | null }[] = [];
    const pending = [...events];
    for (let event = pending.shift(); event !== undefined; event = pending.shift()) {
      const before = lifecycle;
      lifecycle = applyEvent(lifecycle, event);
      deadlines = this.deadlinesAfter(event, before, deadlines);
      seq += 1;
      steps.push({
        step: {
          seq,
          at: event.at,
          type: event.type,
          byRole: event.by.role,
          byParticipant: event.by.participant,
          state: lifecycle.state,
        },
        messageId: event.messageId?.toLowerCase() ?? null,
      });
      const ledgerEvent = LIFECYCLE_LEDGER_EVENTS[event.type];
      if (ledgerEvent !== undefined) {
        await appendLedgerEntry(tx, {
          at: new Date(Date.parse(event.at)),
          event: ledgerEvent,
          tracking,
          from: event.by.participant,
          // A redirect hands the appeal towards the body it names; every other step concerns the holder.
          to: event.type === 'redirect' ? event.to : (lifecycle.holder ?? null),
          messageId: event.messageId?.toLowerCase() ?? null,
          reason: event.type === 'redirect' ? event.reasonCode : lifecycle.state,
        });
      }
      if (event.type === 'redirect' && this.options.forwarder !== undefined) {
        const outcome = await this.options.forwarder.forward(
          tx,
          lifecycle,
          event,
          facts.acceptedAt ?? event.at,
        );
        if (outcome.forwarded) pending.push(outcome.route);
      }
    }
    if (lifecycle === undefined || deadlines === undefined) return;
    const now = lifecycle.updatedAt;
    await tx.execute(
      current === undefined
        ? `INSERT INTO appeals (${APPEAL_STATE_COLUMNS.join(', ')}, updated_at, registered_at, tracking, repeat_key)
             VALUES (${parameterMarkers(APPEAL_STATE_COLUMNS.length + 4)})`
        : `UPDATE appeals SET ${APPEAL_STATE_COLUMNS.map((column) => `${column} = ?`).join(', ')}, updated_at = ?
             WHERE registered_at = ? AND tracking = ?`,
      [
        ...appealStateValues(lifecycle, deadlines),
        now,
        current?.registeredAt ?? deadlines.registeredAt,
        tracking,
        ...(current === undefined ? [facts.repeatKey ?? null] : []),
      ],
    );
    for (const { step, messageId } of steps) {
      await tx.execute(
        `INSERT INTO appeal_events (tracking, seq, at, type, by_role, by_participant, message_id, state)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [tracking, step.seq, step.at, step.type, step.byRole, step.byParticipant, messageId, step.state],
      );
    }
  }

  /**
   * The statutory deadlines after `event`: computed at registration, extended as the agency decides (within
   * the legal maximum, else DEADLINE_EXTENSION_*), restarted when a redirected appeal is routed to the new body.
   */
  private deadlinesAfter(
    event: LifecycleEvent,
    before: AppealLifecycle | undefined,
    deadlines: AppealDeadlines | undefined,
  ): AppealDeadlines | undefined {
    switch (event.type) {
      case 'register':
        return computeDeadlines(
          {
            kind: event.appeal.kind,
            registeredAt: event.at,
            urgent: event.appeal.urgency === 'urgent',
            ...(event.appeal.noAdditionalStudy === undefined
              ? {}
              : { noAdditionalStudy: event.appeal.noAdditionalStudy }),
          },
          this.calendar,
        );
      case 'extend-deadline':
        return deadlines === undefined
          ? undefined
          : extendDeadlines(deadlines, { at: event.at, until: event.newDeadline }, this.calendar);
      case 'route':
        return deadlines !== undefined && before?.state === 'redirected'
          ? redirectDeadlines(deadlines, { at: event.at }, this.calendar)
          : deadlines;
      case 'deliver':
      case 'register-at-agency':
      case 'refuse':
      case 'consider':
      case 'redirect':
      case 'answer':
      case 'close':
        return deadlines;
    }
  }

  /** The stored message a receipt or error names (MessageRef), or a status or answer replies to (InReplyTo). */
  private async referencedMessage(
    tx: StoreConnection,
    envelope: Envelope,
  ): Promise<ReferencedMessage | undefined> {
    const { body, header } = envelope;
    const ref =
      body.type === 'receipt'
        ? body.receipt.messageRef
        : body.type === 'error'
          ? body.error.messageRef
          : header.inReplyTo;
    if (ref === undefined) return undefined;
    const [row] = await tx.query<Row>(
      `SELECT message_id, type, tracking, sender, recipient FROM messages WHERE message_id = ?`,
      [ref.toLowerCase()],
    );
    if (row === undefined) return undefined;
    return {
      messageId: String(row.message_id),
      type: String(row.type) as ReferencedMessage['type'],
      ...(typeof row.tracking === 'string' ? { tracking: row.tracking } : {}),
      sender: String(row.sender),
      recipient: String(row.recipient),
    };
  }
}

/** The columns of `appeals` that follow the lifecycle and the deadlines, in `appealStateValues` order. */
export const APPEAL_STATE_COLUMNS = [
  'state',
  'contact_center',
  'holder',
  'kind',
  'channel',
  'category',
  'lifecycle',
  'deadlines',
  'answer_by',
] as const;

/** The values of APPEAL_STATE_COLUMNS for an appeal: what the tracker writes after every step. */
export function appealStateValues(lifecycle: AppealLifecycle, deadlines: AppealDeadlines): SqlValue[] {
  return [
    lifecycle.state,
    lifecycle.contactCenter,
    lifecycle.holder ?? null,
    lifecycle.appeal.kind,
    lifecycle.appeal.channel,
    lifecycle.appeal.category,
    JSON.stringify(lifecycle),
    JSON.stringify(deadlines),
    deadlines.answerBy.endsAt,
  ];
}

/** The tracked appeal, if the hub tracks `tracking`. */
export async function findAppeal(db: StoreConnection, tracking: string): Promise<TrackedAppeal | undefined> {
  const [row] = await db.query<Row>(
    `SELECT tracking, state, lifecycle, deadlines, registered_at, updated_at FROM appeals WHERE tracking = ?`,
    [tracking],
  );
  if (row === undefined) return undefined;
  return {
    tracking: String(row.tracking),
    state: String(row.state) as LifecycleState,
    lifecycle: JSON.parse(String(row.lifecycle)) as AppealLifecycle,
    deadlines: JSON.parse(String(row.deadlines)) as AppealDeadlines,
    registeredAt: String(row.registered_at),
    updatedAt: String(row.updated_at),
  };
}

/** The appeal's timeline, oldest first. */
export async function appealTimeline(db: StoreConnection, tracking: string): Promise<TimelineStep[]> {
  const rows = await db.query<Row>(
    `SELECT seq, at, type, by_role, by_participant, state FROM appeal_events WHERE tracking = ? ORDER BY seq`,
    [tracking],
  );
  return rows.map((row) => ({
    seq: Number(row.seq),
    at: String(row.at),
    type: String(row.type) as LifecycleEvent['type'],
    byRole: String(row.by_role) as ActorRole,
    byParticipant: String(row.by_participant),
    state: String(row.state) as LifecycleState,
  }));
}

async function lastSeq(tx: StoreConnection, tracking: string): Promise<number> {
  const [row] = await tx.query<Row>(`SELECT MAX(seq) AS seq FROM appeal_events WHERE tracking = ?`, [
    tracking,
  ]);
  return Number(row?.seq ?? 0);
}
