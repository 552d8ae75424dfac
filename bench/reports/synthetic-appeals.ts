/**
 * A year of synthetic appeals for the reports benchmark, written straight into the hub's tables the way the
 * appeal tracker writes them: each appeal's events go through the real `applyEvent` (so every timeline is a
 * valid lifecycle), its deadlines through the real `computeDeadlines` / `extendDeadlines` /
 * `redirectDeadlines`, and the lifecycle steps get hash-chained ledger entries (`status`, `refused`,
 * `redirected`, `extended`, `answered`, `closed`). Only the message store's own entries (`accepted`,
 * `delivered`) and the messages themselves are left out: the report reads neither.
 *
 * Rows go in many per INSERT and many INSERTs per transaction, so a million appeals take about a minute.
 * While writing, the generator counts what the report must find (per Kyiv month), for the sanity checks.
 */
import { createHash, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import {
  computeDeadlines,
  extendDeadlines,
  redirectDeadlines,
  type AppealDeadlines,
} from '../../gateway/deadlines/appeal-deadlines.js';
import {
  addDays,
  formatInstant,
  startOfLocalDay,
  zoneOffsetMs,
} from '../../gateway/deadlines/civil-dates.js';
import type { WorkingCalendar } from '../../gateway/deadlines/working-calendar.js';
import type {
  AnswerResult,
  AppealKind,
  Channel,
  RedirectReason,
} from '../../gateway/envelope/envelope-model.js';
import { applyEvent } from '../../gateway/lifecycle/apply-event.js';
import {
  APPEAL_STATE_COLUMNS,
  appealStateValues,
  LIFECYCLE_LEDGER_EVENTS,
} from '../../gateway/tracking/appeal-tracker.js';
import type { AppealLifecycle, LifecycleEvent } from '../../gateway/lifecycle/lifecycle-model.js';
import { ENTRY_COLUMNS, entryHash, entryRow, GENESIS_HASH } from '../../gateway/ledger/ledger-entry.js';
import { edrpouCheckDigit } from '../../gateway/registry/edrpou.js';
import type { Store } from '../../gateway/store/store.js';
import type { SqlValue, StoreConnection } from '../../gateway/store/store-driver.js';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const HUB = '00015622';
const edrpou = (firstSeven: string): string => `${firstSeven}${edrpouCheckDigit(firstSeven)}`;

/** Contact centers: the national one takes most appeals, two regional ones the rest. */
const CONTACT_CENTERS = [HUB, edrpou('4455667'), edrpou('4455668')];
const CONTACT_CENTER_WEIGHTS = [0.8, 0.15, 0.05];
/** Sixty agencies; a few large ones (Zipf-like weights) get most appeals, as in life. */
const AGENCIES = Array.from({ length: 60 }, (_, i) => edrpou(String(2000000 + i * 7919).padStart(7, '0')));
const AGENCY_WEIGHTS = AGENCIES.map((_, i) => 1 / (i + 1));
const CATEGORIES = Array.from({ length: 25 }, (_, i) => `category-${String(i + 1).padStart(2, '0')}`);
const CATEGORY_WEIGHTS = CATEGORIES.map((_, i) => 1 / (i + 1));
const KINDS: readonly AppealKind[] = ['citizen-appeal', 'public-info-request', 'sensitive-report'];
const KIND_WEIGHTS = [0.92, 0.07, 0.01];
const CHANNELS: readonly Channel[] = ['hotline', 'web', 'email', 'post', 'in-person'];
const CHANNEL_WEIGHTS = [0.55, 0.3, 0.08, 0.05, 0.02];
const REDIRECT_REASONS: readonly RedirectReason[] = [
  'not-within-competence',
  'partially-within-competence',
  'other',
];
const REDIRECT_REASON_WEIGHTS = [0.75, 0.15, 0.1];
const ANSWER_RESULTS: readonly AnswerResult[] = ['satisfied', 'partially-satisfied', 'explained', 'refused'];

/** The participants the report names (short names from the registry). */
export const PARTICIPANTS: readonly { code: string; kind: 'contact-center' | 'agency'; name: string }[] = [
  ...CONTACT_CENTERS.map((code, i) => ({
    code,
    kind: 'contact-center' as const,
    name: `Контактний центр ${i + 1}`,
  })),
  ...AGENCIES.map((code, i) => ({ code, kind: 'agency' as const, name: `Орган ${i + 1}` })),
];

/** What the report over a set of appeals must find (filled per Kyiv month while generating). */
export interface Expected {
  appeals: number;
  open: number;
  answered: number;
  refused: number;
  closed: number;
  redirects: number;
  notWithinCompetence: number;
  repeats: number;
  /** The repeat groups (ids of the first appeal of each group), to count distinct groups over several months. */
  readonly repeatGroups: Set<number>;
}

export interface SyntheticYear {
  /** By Kyiv month, `YYYY-MM`. */
  readonly byMonth: Map<string, Expected>;
  readonly events: number;
  readonly ledgerEntries: number;
}

export interface GenerateOptions {
  readonly appeals: number;
  readonly year: number;
  /** The "now" of the data: nothing happens after it (recent appeals are still open). */
  readonly nowMs: number;
  readonly calendar: WorkingCalendar;
  readonly seed: number;
  readonly onProgress?: (done: number) => void;
}

const emptyExpected = (): Expected => ({
  appeals: 0,
  open: 0,
  answered: 0,
  refused: 0,
  closed: 0,
  redirects: 0,
  notWithinCompetence: 0,
  repeats: 0,
  repeatGroups: new Set(),
});

/** Adds `b` to `a` (in place). */
export function addExpected(a: Expected, b: Expected): Expected {
  for (const key of [
    'appeals',
    'open',
    'answered',
    'refused',
    'closed',
    'redirects',
    'notWithinCompetence',
    'repeats',
  ] as const)
    a[key] += b[key];
  for (const group of b.repeatGroups) a.repeatGroups.add(group);
  return a;
}

export { emptyExpected };

/** mulberry32: a small seeded generator, so two runs write the same data. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function picker<T>(values: readonly T[], weights: readonly number[], random: () => number): () => T {
  const total = weights.reduce((sum, w) => sum + w, 0);
  const cumulative: number[] = [];
  let sum = 0;
  for (const w of weights) cumulative.push((sum += w / total));
  return () => {
    const r = random();
    const index = cumulative.findIndex((c) => r < c);
    return values[index === -1 ? values.length - 1 : index]!;
  };
}

const APPEAL_COLUMNS = ['tracking', ...APPEAL_STATE_COLUMNS, 'registered_at', 'updated_at', 'repeat_key'];
const EVENT_COLUMNS = ['tracking', 'seq', 'at', 'type', 'by_role', 'by_participant', 'message_id', 'state'];

/**
 * Runs INSERTs one at a time, in order, without waiting for each: while SQLite writes one (on its own
 * thread), the next rows are generated. At most one statement is in flight; `drain` waits for it (and throws
 * its error, if it failed).
 */
class Pipeline {
  private inFlight: Promise<unknown> = Promise.resolve();

  constructor(private readonly tx: StoreConnection) {}

  async submit(sql: string, params: SqlValue[]): Promise<void> {
    await this.inFlight;
    this.inFlight = this.tx.execute(sql, params);
    // Marked handled here; `drain` (or the next submit) rethrows.
    this.inFlight.catch(() => undefined);
  }

  async drain(): Promise<void> {
    await this.inFlight;
  }
}

/** Buffers rows of one table and writes them many to an INSERT. */
class RowBatch {
  private params: SqlValue[] = [];
  private rows = 0;
  private readonly rowsPerStatement: number;

  constructor(
    private readonly pipeline: Pipeline,
    private readonly table: string,
    private readonly columns: readonly string[],
    /** Rows this table's rows refer to (foreign keys): written first. */
    private readonly after?: RowBatch,
  ) {
    // SQLite binds at most 32766 parameters to a statement.
    this.rowsPerStatement = Math.floor(30000 / columns.length);
  }

  async add(values: readonly SqlValue[]): Promise<void> {
    for (const value of values) this.params.push(value);
    this.rows += 1;
    if (this.rows === this.rowsPerStatement) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.rows === 0) return;
    await this.after?.flush();
    const row = `(${this.columns.map(() => '?').join(', ')})`;
    const sql = `INSERT INTO ${this.table} (${this.columns.join(', ')}) VALUES ${Array(this.rows).fill(row).join(', ')}`;
    const params = this.params;
    this.params = [];
    this.rows = 0;
    await this.pipeline.submit(sql, params);
  }
}

/**
 * `formatInstant` to the second, with the zone offset looked up once per hour (offsets change on the hour):
 * the real one costs ~9 µs, and a million appeals need seven million instants. Every 1000th result is
 * compared with `formatInstant`.
 */
function fastInstants(zone: string): (ms: number) => string {
  const offsets = new Map<number, number>();
  const pad = (n: number): string => String(n).padStart(2, '0');
  let calls = 0;
  return (ms) => {
    const whole = Math.floor(ms / 1000) * 1000;
    const hour = Math.floor(whole / HOUR);
    let offset = offsets.get(hour);
    if (offset === undefined) offsets.set(hour, (offset = zoneOffsetMs(hour * HOUR, zone)));
    const local = new Date(whole + offset).toISOString().slice(0, 19);
    const minutes = Math.abs(offset) / 60_000;
    const text = `${local}${offset < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
    if ((calls += 1) % 1000 === 0 && text !== formatInstant(whole, zone))
      throw new Error(`fastInstants(${whole}) gave ${text}, formatInstant ${formatInstant(whole, zone)}`);
    return text;
  };
}

/**
 * `computeDeadlines` remembered per kind and Kyiv date: terms in days run from the day after registration,
 * so only `registeredAt` differs within a day (terms in hours, urgent requests, are computed every time).
 * Every 500th result is compared with a fresh `computeDeadlines`.
 */
function fastDeadlines(
  calendar: WorkingCalendar,
): (kind: AppealKind, urgent: boolean, registeredAt: string) => AppealDeadlines {
  const byDay = new Map<string, AppealDeadlines>();
  let calls = 0;
  return (kind, urgent, registeredAt) => {
    const compute = (): AppealDeadlines => computeDeadlines({ kind, registeredAt, urgent }, calendar);
    if (urgent) return compute();
    const key = `${kind} ${registeredAt.slice(0, 10)}`;
    let day = byDay.get(key);
    if (day === undefined) byDay.set(key, (day = compute()));
    const deadlines = { ...day, registeredAt, firstRegisteredAt: registeredAt };
    if ((calls += 1) % 500 === 0 && !isDeepStrictEqual(deadlines, compute()))
      throw new Error(`fastDeadlines(${kind}, ${registeredAt}) differs from computeDeadlines`);
    return deadlines;
  };
}

/** Registers the participants and writes `options.appeals` appeals spread over the year. */
export async function generateYear(store: Store, options: GenerateOptions): Promise<SyntheticYear> {
  const { calendar, nowMs } = options;
  const zone = calendar.timeZone;
  const random = rng(options.seed);
  const between = (min: number, max: number): number => min + random() * (max - min);
  const chance = (p: number): boolean => random() < p;
  const contactCenterOf = picker(CONTACT_CENTERS, CONTACT_CENTER_WEIGHTS, random);
  const agencyOf = picker(AGENCIES, AGENCY_WEIGHTS, random);
  const categoryIndexOf = picker(
    CATEGORIES.map((_, i) => i),
    CATEGORY_WEIGHTS,
    random,
  );
  const kindOf = picker(KINDS, KIND_WEIGHTS, random);
  const channelOf = picker(CHANNELS, CHANNEL_WEIGHTS, random);
  const reasonOf = picker(REDIRECT_REASONS, REDIRECT_REASON_WEIGHTS, random);
  const instant = fastInstants(zone);
  const deadlinesAt = fastDeadlines(options.calendar);

  await store.transaction(async (tx) => {
    // A page cache big enough for the indexes written in random order (the repeat keys): the default 2 MB
    // makes every insert into them a read from the file.
    await tx.execute('PRAGMA cache_size = -1048576');
    const pipeline = new Pipeline(tx);
    const batch = new RowBatch(pipeline, 'participants', [
      'code',
      'full_name',
      'short_name',
      'kind',
      'endpoints',
      'adapter',
      'adapter_settings',
      'status',
      'status_reason',
      'status_changed_at',
      'created_at',
    ]);
    for (const p of PARTICIPANTS)
      await batch.add([
        p.code,
        `${p.name} (повна назва)`,
        p.name,
        p.kind,
        '[]',
        'vkhid-json',
        '{}',
        'active',
        '',
        '2025-01-01T00:00:00.000Z',
        '2025-01-01T00:00:00.000Z',
      ]);
    await batch.flush();
    await pipeline.drain();
  });

  const yearStart = startOfLocalDay(`${options.year}-01-01`, zone);
  const yearEnd = startOfLocalDay(`${options.year + 1}-01-01`, zone);
  const slot = (yearEnd - yearStart) / options.appeals;
  // Per appeal: its category and the id of its repeat group, so that a later appeal can repeat it.
  const categoryOfAppeal = new Uint8Array(options.appeals);
  const groupOfAppeal = new Int32Array(options.appeals);
  const byMonth = new Map<string, Expected>();
  let events = 0;
  let prevHash = GENESIS_HASH;
  let ledgerSeq = 0;
  const appealsPerTransaction = 20_000;

  for (let first = 0; first < options.appeals; first += appealsPerTransaction) {
    await store.transaction(async (tx) => {
      const pipeline = new Pipeline(tx);
      const appealRows = new RowBatch(pipeline, 'appeals', APPEAL_COLUMNS);
      const eventRows = new RowBatch(pipeline, 'appeal_events', EVENT_COLUMNS, appealRows);
      const ledgerRows = new RowBatch(pipeline, 'ledger_entries', ENTRY_COLUMNS.split(', '));
      for (let i = first; i < Math.min(options.appeals, first + appealsPerTransaction); i += 1) {
        const tracking = `KC-${options.year}-${String(i + 1).padStart(7, '0')}`;
        // One appeal per slot, somewhere inside it: registration instants strictly increase with i.
        const registeredMs = Math.floor(yearStart + (i + random() * 0.9) * slot);
        // About 3 % repeat an appeal of the last two months (same applicant, category and subject).
        const repeatOf =
          i > 0 && chance(0.03) ? i - 1 - Math.floor(random() * Math.min(i, (60 * DAY) / slot)) : undefined;
        const categoryIndex = repeatOf === undefined ? categoryIndexOf() : categoryOfAppeal[repeatOf]!;
        const group = repeatOf === undefined ? i : groupOfAppeal[repeatOf]!;
        categoryOfAppeal[i] = categoryIndex;
        groupOfAppeal[i] = group;
        const kind = kindOf();
        const urgent = kind === 'public-info-request' && chance(0.1);
        const contactCenter = contactCenterOf();

        const timeline = simulate({
          tracking,
          registeredMs,
          contactCenter,
          kind,
          urgent,
          channel: channelOf(),
          category: CATEGORIES[categoryIndex]!,
        });
        if (timeline.lifecycle === undefined || timeline.deadlines === undefined)
          throw new Error('unreachable: every appeal is registered');
        const { lifecycle, deadlines } = timeline;

        await appealRows.add([
          tracking,
          ...appealStateValues(lifecycle, deadlines),
          // The first registration: a redirect restarts the terms (deadlines.registeredAt), not the appeal.
          deadlines.firstRegisteredAt,
          lifecycle.updatedAt,
          createHash('sha256').update(`repeat group ${group}`).digest('hex'),
        ]);
        for (const [index, { event, state }] of timeline.steps.entries()) {
          await eventRows.add([
            tracking,
            index + 1,
            event.at,
            event.type,
            event.by.role,
            event.by.participant,
            event.messageId ?? null,
            state.state,
          ]);
          const ledgerEvent = LIFECYCLE_LEDGER_EVENTS[event.type];
          if (ledgerEvent === undefined) continue;
          ledgerSeq += 1;
          const unhashed = {
            seq: ledgerSeq,
            at: new Date(Date.parse(event.at)).toISOString(),
            tracking,
            event: ledgerEvent,
            from: event.by.participant,
            to: event.type === 'redirect' ? event.to : (state.holder ?? null),
            messageId: event.messageId ?? null,
            envelopeSha256: null,
            receiptId: null,
            receiptSha256: null,
            reason: event.type === 'redirect' ? event.reasonCode : state.state,
            prevHash,
          };
          prevHash = entryHash(unhashed);
          await ledgerRows.add(entryRow({ ...unhashed, hash: prevHash }));
        }
        events += timeline.steps.length;

        const month = deadlines.firstRegisteredAt.slice(0, 7);
        let expected = byMonth.get(month);
        if (expected === undefined) byMonth.set(month, (expected = emptyExpected()));
        expected.appeals += 1;
        if (!['answered', 'closed', 'refused'].includes(lifecycle.state)) expected.open += 1;
        if (timeline.steps.some((s) => s.event.type === 'answer')) expected.answered += 1;
        if (lifecycle.state === 'refused') expected.refused += 1;
        if (lifecycle.state === 'closed') expected.closed += 1;
        for (const { event } of timeline.steps) {
          if (event.type !== 'redirect') continue;
          expected.redirects += 1;
          if (event.reasonCode === 'not-within-competence') expected.notWithinCompetence += 1;
        }
        if (repeatOf !== undefined) {
          expected.repeats += 1;
          expected.repeatGroups.add(group);
        }
      }
      await appealRows.flush();
      await eventRows.flush();
      await ledgerRows.flush();
      await pipeline.drain();
    });
    options.onProgress?.(Math.min(options.appeals, first + appealsPerTransaction));
  }
  return { byMonth, events, ledgerEntries: ledgerSeq };

  /**
   * One appeal's life: registered, routed an hour or so later, delivered, then (unless it stalls or time runs
   * out at `nowMs`) registered by the agency, considered and answered; a few are refused, a few redirected to
   * another agency (and answered there), a few extended, some closed after the answer.
   */
  function simulate(appeal: {
    tracking: string;
    registeredMs: number;
    contactCenter: string;
    kind: AppealKind;
    urgent: boolean;
    channel: Channel;
    category: string;
  }): {
    lifecycle: AppealLifecycle | undefined;
    deadlines: AppealDeadlines | undefined;
    steps: { event: LifecycleEvent; state: AppealLifecycle }[];
  } {
    const { tracking, contactCenter } = appeal;
    let lifecycle: AppealLifecycle | undefined;
    let deadlines: AppealDeadlines | undefined;
    const steps: { event: LifecycleEvent; state: AppealLifecycle }[] = [];
    let clock = appeal.registeredMs;
    let stopped = false;
    /** Applies the event happening `afterMs` later, unless that is after "now" (then nothing more happens). */
    const step = (afterMs: number, make: (at: string) => LifecycleEvent): boolean => {
      if (stopped || clock + afterMs > nowMs) {
        stopped = true;
        return false;
      }
      clock += afterMs;
      const event = make(instant(clock));
      const before = lifecycle;
      lifecycle = applyEvent(lifecycle, event);
      if (event.type === 'register') deadlines = deadlinesAt(appeal.kind, appeal.urgent, event.at);
      else if (event.type === 'extend-deadline' && deadlines !== undefined)
        deadlines = extendDeadlines(deadlines, { at: event.at, until: event.newDeadline }, options.calendar);
      else if (event.type === 'route' && before?.state === 'redirected' && deadlines !== undefined)
        deadlines = redirectDeadlines(deadlines, { at: event.at }, options.calendar);
      steps.push({ event, state: lifecycle });
      return true;
    };
    const base = (at: string, role: 'contact-center' | 'agency' | 'hub', participant: string) => ({
      tracking,
      at,
      by: { role, participant },
      messageId: randomUUID(),
    });
    const agencyWork = (agency: string): void => {
      if (!step(between(0.05, 1) * HOUR, (at) => ({ ...base(at, 'hub', HUB), type: 'deliver' }))) return;
      if (chance(0.02)) {
        step(between(1, 48) * HOUR, (at) => ({
          ...base(at, 'agency', agency),
          type: 'refuse',
          code: 'not-registrable',
          reason: 'Анонімне звернення',
        }));
        return;
      }
      // Most register within a working day; 0.5 % with a clock a little behind the hub's.
      const registerAfter = chance(0.005) ? -between(1, 10) * 60_000 : between(0.5, 72) * HOUR;
      if (
        !step(registerAfter, (at) => ({
          ...base(at, 'agency', agency),
          type: 'register-at-agency',
          number: `${Math.floor(random() * 1e6)}/0/${String(Math.floor(random() * 100))}`,
          date: at.slice(0, 10),
        }))
      )
        return;
      if (chance(0.04)) {
        const picked = agencyOf();
        const to = picked === agency ? AGENCIES[(AGENCIES.indexOf(agency) + 1) % AGENCIES.length]! : picked;
        if (
          !step(between(2, 96) * HOUR, (at) => ({
            ...base(at, 'agency', agency),
            type: 'redirect',
            to,
            reasonCode: reasonOf(),
            reason: 'Не належить до повноважень',
          }))
        )
          return;
        if (
          !step(between(1, 24) * HOUR, (at) => ({
            ...base(at, 'contact-center', contactCenter),
            type: 'route',
            to,
          }))
        )
          return;
        agencyWork(to);
        return;
      }
      if (!step(between(2, 72) * HOUR, (at) => ({ ...base(at, 'agency', agency), type: 'consider' }))) return;
      // Some never get an answer: they stay open and run overdue.
      if (chance(0.03)) return;
      // A citizen's appeal may be extended (up to 45 days in all), and only before its answer term ends.
      const extendAfter = between(1, 10) * DAY;
      if (
        deadlines !== undefined &&
        appeal.kind === 'citizen-appeal' &&
        clock + extendAfter < Date.parse(deadlines.answerBy.endsAt) &&
        chance(0.015)
      ) {
        const until = addDays(deadlines.registeredAt.slice(0, 10), 40);
        if (
          !step(extendAfter, (at) => ({
            ...base(at, 'agency', agency),
            type: 'extend-deadline',
            newDeadline: until,
            reason: 'Потрібна додаткова перевірка',
          }))
        )
          return;
      }
      if (
        !step(between(1, 30) * DAY, (at) => ({
          ...base(at, 'agency', agency),
          type: 'answer',
          result: ANSWER_RESULTS[Math.floor(random() * ANSWER_RESULTS.length)]!,
          registration: { number: `${Math.floor(random() * 1e6)}/вих`, date: at.slice(0, 10) },
        }))
      )
        return;
      if (chance(0.3))
        step(between(1, 10) * DAY, (at) => ({
          ...base(at, 'contact-center', contactCenter),
          type: 'close',
          reason: 'Відповідь надано',
        }));
    };

    const facts = {
      kind: appeal.kind,
      channel: appeal.channel,
      category: appeal.category,
      urgency: appeal.urgent ? ('urgent' as const) : ('normal' as const),
      receivedAt: instant(appeal.registeredMs),
    };
    step(0, (at) => ({
      ...base(at, 'contact-center', contactCenter),
      type: 'register',
      appeal: facts,
      deadline: instant(appeal.registeredMs + 30 * DAY).slice(0, 10),
    }));
    const agency = agencyOf();
    if (
      step(between(0.2, 3) * HOUR, (at) => ({
        ...base(at, 'contact-center', contactCenter),
        type: 'route',
        to: agency,
      }))
    )
      agencyWork(agency);
    return { lifecycle, deadlines, steps };
  }
}
