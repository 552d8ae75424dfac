import type { LifecycleEventType, LifecycleState } from '../lifecycle/lifecycle-model.js';
import type { SqlValue, StoreConnection } from '../store/store-driver.js';
import { resolveReportQuery, type AppealReportOptions, type ResolvedReportQuery } from './report-query.js';

/**
 * Reports on appeals for the contact center and administrators (issue #6, item 5): how many appeals, where
 * they are, how fast agencies register and answer them, what is overdue, how often an agency sends an appeal
 * on as "not within competence" (the figure the system exists to reduce), and how many appeals repeat an
 * earlier one. Aggregates only: no tracking number, name, repeat key or text leaves this module.
 *
 * Everything is read with plain SELECTs (SQLite and PostgreSQL alike) and computed here: the instants in the
 * tables carry their own zone offsets (`2026-03-02T10:00:00+02:00`), so neither text order nor an engine's date
 * functions can be trusted to compare them, and percentiles have no portable SQL form.
 */

/** Count, median and 90th percentile of a set of durations (null when the set is empty). */
export interface DurationStats {
  readonly count: number;
  readonly median: number | null;
  readonly p90: number | null;
}

export interface AgencyRef {
  /** The agency's ЄДРПОУ code; null for appeals not routed to any agency yet. */
  readonly agency: string | null;
  /** Its short name in the registry; null when the registry does not know the code. */
  readonly name: string | null;
}

export type AgencyCount = AgencyRef & { readonly appeals: number };
export type AgencyDurations = AgencyRef & DurationStats;

export interface OverdueRow extends AgencyRef {
  /** Open appeals it holds whose answer term ran out at or before `at`. */
  readonly open: number;
  /** Appeals it answered at or after the end of the answer term in force then. */
  readonly answeredLate: number;
}

export interface RedirectRow extends AgencyRef {
  /** Appeals routed to the agency (the denominator of the shares). */
  readonly appeals: number;
  /** Redirect events by the agency, whatever the reason. */
  readonly redirects: number;
  /** Of those, with the reason code `not-within-competence`. */
  readonly notWithinCompetence: number;
  /** Share of its appeals that it redirected at least once (0..1, three decimals). */
  readonly redirectShare: number;
  /** Share of its appeals that it redirected as not within its competence (0..1, three decimals). */
  readonly notWithinCompetenceShare: number;
}

export interface RepeatRow {
  readonly category: string;
  /** Appeals in the period that repeat an earlier appeal (same applicant, category and subject). */
  readonly appeals: number;
  /** Distinct applicant-and-subject groups those repeats belong to. */
  readonly groups: number;
}

export interface AppealReport {
  /** The instant deadlines were judged against (ISO-8601 UTC). */
  readonly at: string;
  /** Appeals registered at the contact center in [from, to) (ISO-8601 UTC; null: open end). */
  readonly period: { readonly from: string | null; readonly to: string | null };
  readonly filters: { readonly agency: string | null; readonly contactCenter: string | null };
  readonly totals: {
    readonly appeals: number;
    /** Not answered, closed or refused. */
    readonly open: number;
    /** With an answer (an answer message or an "answered" status). */
    readonly answered: number;
    readonly refused: number;
    readonly closed: number;
  };
  /** By the agency holding the appeal now. */
  readonly byAgency: readonly AgencyCount[];
  readonly byCategory: readonly { readonly category: string; readonly appeals: number }[];
  readonly byChannel: readonly { readonly channel: string; readonly appeals: number }[];
  readonly byState: readonly { readonly state: string; readonly appeals: number }[];
  readonly byKind: readonly { readonly kind: string; readonly appeals: number }[];
  /** From the routing to an agency to that agency's registration of it, in hours. */
  readonly timeToRegistration: {
    readonly unit: 'hours';
    readonly overall: DurationStats;
    readonly byAgency: readonly AgencyDurations[];
  };
  /** From the registration at the contact center to the first answer, in days; by the answering agency. */
  readonly timeToAnswer: {
    readonly unit: 'days';
    readonly overall: DurationStats;
    readonly byAgency: readonly AgencyDurations[];
  };
  readonly overdue: {
    readonly open: number;
    readonly answeredLate: number;
    readonly byAgency: readonly OverdueRow[];
  };
  readonly redirects: {
    readonly total: number;
    readonly notWithinCompetence: number;
    readonly byAgency: readonly RedirectRow[];
  };
  readonly repeats: {
    readonly appeals: number;
    readonly groups: number;
    readonly byCategory: readonly RepeatRow[];
  };
}

/** States in which the appeal still waits for the agency: everything but answered, closed and refused. */
const DONE_STATES: ReadonlySet<string> = new Set<LifecycleState>(['answered', 'closed', 'refused']);
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

interface AppealRow {
  tracking: string;
  state: string;
  contact_center: string;
  holder: string | null;
  kind: string;
  channel: string;
  category: string;
  answer_by: string;
  registered_at: string;
  repeat_key: string | null;
}

interface EventRow {
  tracking: string;
  seq: number;
  at: string;
  type: LifecycleEventType;
  by_role: string;
  by_participant: string;
}

/** One routing of the appeal: to which agency, when, and when that agency registered it. */
interface Leg {
  readonly routeMs: number;
  agency: string | undefined;
  registrationMs: number | undefined;
}

interface Facts {
  readonly row: AppealRow;
  readonly registeredMs: number;
  readonly answerByMs: number;
  readonly legs: Leg[];
  contactCenterRegistrationMs: number | undefined;
  answer: { readonly atMs: number; readonly by: string } | undefined;
}

/** The report of the appeals registered in the period, as `options` asks (REPORT_QUERY_INVALID if wrong). */
export async function appealReport(db: StoreConnection, options: AppealReportOptions): Promise<AppealReport> {
  const query = resolveReportQuery(options);
  const { conditions, params } = prefilter(query);
  const where = whereOf(conditions);
  const appealRows = await db.query<AppealRow>(
    `SELECT a.tracking, a.state, a.contact_center, a.holder, a.kind, a.channel, a.category, a.answer_by,
       a.registered_at, a.repeat_key FROM appeals a${where}`,
    params,
  );
  const eventRows = await db.query<EventRow>(
    `SELECT e.tracking, e.seq, e.at, e.type, e.by_role, e.by_participant
     FROM appeal_events e JOIN appeals a ON a.tracking = e.tracking${where} ORDER BY e.tracking, e.seq`,
    params,
  );
  const redirectRows = await db.query<{
    tracking: string;
    from_participant: string | null;
    reason: string | null;
  }>(
    `SELECT l.tracking, l.from_participant, l.reason FROM ledger_entries l JOIN appeals a ON a.tracking = l.tracking
     ${whereOf(["l.event = 'redirected'", ...conditions])}`,
    params,
  );
  // Every appeal sharing a key with one in the period, wherever and whenever it was registered: the earlier
  // appeal a repeat repeats may lie before the period or have come through another contact center.
  const keyRows = await db.query<{ tracking: string; registered_at: string; repeat_key: string }>(
    `SELECT tracking, registered_at, repeat_key FROM appeals WHERE repeat_key IN
       (SELECT a.repeat_key FROM appeals a ${whereOf(['a.repeat_key IS NOT NULL', ...conditions])})`,
    params,
  );
  const nameRows = await db.query<{ code: string; short_name: string }>(
    'SELECT code, short_name FROM participants',
  );
  const names = new Map(nameRows.map((row) => [String(row.code), String(row.short_name)]));
  const ref = (agency: string | null | undefined): AgencyRef => ({
    agency: agency ?? null,
    name: agency === null || agency === undefined ? null : (names.get(agency) ?? null),
  });

  const appeals = selectAppeals(appealRows, eventRows, query);
  const inAgency = (agency: string | null | undefined): boolean =>
    query.agency === undefined || agency === query.agency;

  // Counts.
  const byAgency = countBy(appeals.filter((a) => inAgency(a.row.holder)).map((a) => a.row.holder));
  const totals = {
    appeals: appeals.length,
    open: appeals.filter((a) => !DONE_STATES.has(a.row.state)).length,
    answered: appeals.filter((a) => a.answer !== undefined).length,
    refused: appeals.filter((a) => a.row.state === 'refused').length,
    closed: appeals.filter((a) => a.row.state === 'closed').length,
  };

  // Durations.
  const registration = new Durations();
  const answer = new Durations();
  for (const appeal of appeals) {
    for (const leg of appeal.legs) {
      if (leg.registrationMs === undefined || leg.agency === undefined || !inAgency(leg.agency)) continue;
      registration.add(leg.agency, (leg.registrationMs - leg.routeMs) / HOUR_MS);
    }
    if (
      appeal.answer !== undefined &&
      appeal.contactCenterRegistrationMs !== undefined &&
      inAgency(appeal.answer.by)
    )
      answer.add(appeal.answer.by, (appeal.answer.atMs - appeal.contactCenterRegistrationMs) / DAY_MS);
  }

  // Deadlines: a term runs out at its `endsAt` (exclusive, see appeal-deadlines.ts), so "at endsAt" is late.
  const overdue = new Map<string | null, { open: number; answeredLate: number }>();
  const overdueOf = (agency: string | null) => {
    let row = overdue.get(agency);
    if (row === undefined) overdue.set(agency, (row = { open: 0, answeredLate: 0 }));
    return row;
  };
  for (const appeal of appeals) {
    if (!DONE_STATES.has(appeal.row.state) && appeal.answerByMs <= query.atMs && inAgency(appeal.row.holder))
      overdueOf(appeal.row.holder).open += 1;
    if (appeal.answer !== undefined && appeal.answer.atMs >= appeal.answerByMs && inAgency(appeal.answer.by))
      overdueOf(appeal.answer.by).answeredLate += 1;
  }
  const overdueRows = [...overdue]
    .map(([agency, row]): OverdueRow => ({ ...ref(agency), ...row }))
    .sort((a, b) => b.open + b.answeredLate - (a.open + a.answeredLate) || compareKeys(a.agency, b.agency));

  // Redirects, against the appeals routed to each agency.
  const routedTo = new Map<string, Set<string>>();
  for (const appeal of appeals) {
    for (const leg of appeal.legs) {
      if (leg.agency === undefined || !inAgency(leg.agency)) continue;
      let set = routedTo.get(leg.agency);
      if (set === undefined) routedTo.set(leg.agency, (set = new Set()));
      set.add(appeal.row.tracking);
    }
  }
  const selected = new Set(appeals.map((a) => a.row.tracking));
  const redirected = new Map<
    string,
    { redirects: number; nwc: number; appeals: Set<string>; nwcAppeals: Set<string> }
  >();
  for (const row of redirectRows) {
    const agency = row.from_participant;
    if (agency === null || !selected.has(row.tracking) || !inAgency(agency)) continue;
    let stat = redirected.get(agency);
    if (stat === undefined)
      redirected.set(agency, (stat = { redirects: 0, nwc: 0, appeals: new Set(), nwcAppeals: new Set() }));
    stat.redirects += 1;
    stat.appeals.add(row.tracking);
    if (row.reason === 'not-within-competence') {
      stat.nwc += 1;
      stat.nwcAppeals.add(row.tracking);
    }
  }
  const redirectAgencies = new Set([...routedTo.keys(), ...redirected.keys()]);
  const redirectRowsOut = [...redirectAgencies]
    .map((agency): RedirectRow => {
      const stat = redirected.get(agency);
      const routed = routedTo.get(agency)?.size ?? 0;
      return {
        ...ref(agency),
        appeals: routed,
        redirects: stat?.redirects ?? 0,
        notWithinCompetence: stat?.nwc ?? 0,
        redirectShare: share(stat?.appeals.size ?? 0, routed),
        notWithinCompetenceShare: share(stat?.nwcAppeals.size ?? 0, routed),
      };
    })
    .sort(
      (a, b) =>
        b.notWithinCompetence - a.notWithinCompetence ||
        b.redirects - a.redirects ||
        compareKeys(a.agency, b.agency),
    );

  return {
    at: new Date(query.atMs).toISOString(),
    period: {
      from: query.fromMs === undefined ? null : new Date(query.fromMs).toISOString(),
      to: query.toMs === undefined ? null : new Date(query.toMs).toISOString(),
    },
    filters: { agency: query.agency ?? null, contactCenter: query.contactCenter ?? null },
    totals,
    byAgency: byAgency.map(([agency, count]) => ({ ...ref(agency), appeals: count })),
    byCategory: countBy(appeals.map((a) => a.row.category)).map(([category, n]) => ({
      category: category ?? '',
      appeals: n,
    })),
    byChannel: countBy(appeals.map((a) => a.row.channel)).map(([channel, n]) => ({
      channel: channel ?? '',
      appeals: n,
    })),
    byState: countBy(appeals.map((a) => a.row.state)).map(([state, n]) => ({
      state: state ?? '',
      appeals: n,
    })),
    byKind: countBy(appeals.map((a) => a.row.kind)).map(([kind, n]) => ({ kind: kind ?? '', appeals: n })),
    timeToRegistration: { unit: 'hours', ...registration.report(ref) },
    timeToAnswer: { unit: 'days', ...answer.report(ref) },
    overdue: {
      open: overdueRows.reduce((sum, row) => sum + row.open, 0),
      answeredLate: overdueRows.reduce((sum, row) => sum + row.answeredLate, 0),
      byAgency: overdueRows,
    },
    redirects: {
      total: redirectRowsOut.reduce((sum, row) => sum + row.redirects, 0),
      notWithinCompetence: redirectRowsOut.reduce((sum, row) => sum + row.notWithinCompetence, 0),
      byAgency: redirectRowsOut,
    },
    repeats: repeatsOf(appeals, keyRows),
  };
}

/**
 * A coarse SQL filter that can only over-select, refined in `selectAppeals`: registered_at is ISO-8601 text with
 * a zone offset of at most ±14 hours, so its date part is within a day of the UTC date, and comparing it as
 * text with a date a day (or two) wider than the period keeps every appeal that may be in it. It lets the
 * database skip most rows of a long history without relying on its date functions.
 */
function prefilter(query: ResolvedReportQuery): { conditions: string[]; params: SqlValue[] } {
  const conditions: string[] = [];
  const params: SqlValue[] = [];
  const utcDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
  if (query.fromMs !== undefined) {
    conditions.push('a.registered_at >= ?');
    params.push(utcDate(query.fromMs - DAY_MS));
  }
  if (query.toMs !== undefined) {
    conditions.push('a.registered_at < ?');
    params.push(utcDate(query.toMs + 2 * DAY_MS));
  }
  if (query.contactCenter !== undefined) {
    conditions.push('a.contact_center = ?');
    params.push(query.contactCenter);
  }
  return { conditions, params };
}

function whereOf(conditions: readonly string[]): string {
  return conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
}

/** The appeals exactly in the period (and routed to the agency asked for), with their legs and answer. */
function selectAppeals(rows: AppealRow[], events: EventRow[], query: ResolvedReportQuery): Facts[] {
  const byTracking = new Map<string, Facts>();
  for (const row of rows) {
    const registeredMs = Date.parse(String(row.registered_at));
    if (query.fromMs !== undefined && !(registeredMs >= query.fromMs)) continue;
    if (query.toMs !== undefined && !(registeredMs < query.toMs)) continue;
    byTracking.set(String(row.tracking), {
      row,
      registeredMs,
      answerByMs: Date.parse(String(row.answer_by)),
      legs: [],
      contactCenterRegistrationMs: undefined,
      answer: undefined,
    });
  }
  for (const event of events) {
    const facts = byTracking.get(String(event.tracking));
    if (facts === undefined) continue;
    const atMs = Date.parse(String(event.at));
    const leg = facts.legs.at(-1);
    // Only the holder acts as an agency on an appeal (the lifecycle refuses anyone else), so the first agency
    // event after a routing names the agency it was routed to.
    if (event.by_role === 'agency' && leg !== undefined) leg.agency ??= String(event.by_participant);
    switch (event.type) {
      case 'register':
        facts.contactCenterRegistrationMs ??= atMs;
        break;
      case 'route':
        facts.legs.push({ routeMs: atMs, agency: undefined, registrationMs: undefined });
        break;
      case 'register-at-agency':
        // A later registration by the same holder corrects the number; the first one is when it registered.
        if (leg !== undefined) leg.registrationMs ??= atMs;
        break;
      case 'answer':
        facts.answer ??= { atMs, by: String(event.by_participant) };
        break;
      case 'deliver':
      case 'refuse':
      case 'consider':
      case 'redirect':
      case 'extend-deadline':
      case 'close':
        break;
    }
  }
  const selected: Facts[] = [];
  for (const facts of byTracking.values()) {
    // The last routing with no agency event yet went to the agency holding the appeal now.
    const last = facts.legs.at(-1);
    if (last !== undefined && last.agency === undefined && facts.row.holder !== null)
      last.agency = String(facts.row.holder);
    if (query.agency !== undefined && !facts.legs.some((leg) => leg.agency === query.agency)) continue;
    selected.push(facts);
  }
  return selected;
}

/** Repeat appeals: those whose key an appeal registered before it also has (ties broken by tracking number). */
function repeatsOf(
  appeals: readonly Facts[],
  keyRows: readonly { tracking: string; registered_at: string; repeat_key: string }[],
): AppealReport['repeats'] {
  const first = new Map<string, { ms: number; tracking: string }>();
  for (const row of keyRows) {
    const candidate = { ms: Date.parse(String(row.registered_at)), tracking: String(row.tracking) };
    const current = first.get(String(row.repeat_key));
    if (current === undefined || isEarlier(candidate, current)) first.set(String(row.repeat_key), candidate);
  }
  const byCategory = new Map<string, { appeals: number; groups: Set<string> }>();
  const groups = new Set<string>();
  let repeats = 0;
  for (const appeal of appeals) {
    const key = appeal.row.repeat_key;
    if (key === null || key === undefined) continue;
    const earliest = first.get(String(key));
    if (earliest === undefined || earliest.tracking === appeal.row.tracking) continue;
    repeats += 1;
    groups.add(String(key));
    let row = byCategory.get(appeal.row.category);
    if (row === undefined) byCategory.set(appeal.row.category, (row = { appeals: 0, groups: new Set() }));
    row.appeals += 1;
    row.groups.add(String(key));
  }
  return {
    appeals: repeats,
    groups: groups.size,
    byCategory: [...byCategory]
      .map(([category, row]) => ({ category, appeals: row.appeals, groups: row.groups.size }))
      .sort((a, b) => b.appeals - a.appeals || compareKeys(a.category, b.category)),
  };
}

function isEarlier(a: { ms: number; tracking: string }, b: { ms: number; tracking: string }): boolean {
  return a.ms < b.ms || (a.ms === b.ms && a.tracking < b.tracking);
}

/** Durations collected per agency. */
class Durations {
  private readonly all: number[] = [];
  private readonly perAgency = new Map<string, number[]>();

  add(agency: string, value: number): void {
    // Instants come from different systems' clocks: an agency clock a little behind the hub's can put its
    // registration before the routing. Such an interval counts as zero rather than as a negative time.
    const duration = Math.max(0, value);
    this.all.push(duration);
    let list = this.perAgency.get(agency);
    if (list === undefined) this.perAgency.set(agency, (list = []));
    list.push(duration);
  }

  report(ref: (agency: string) => AgencyRef): { overall: DurationStats; byAgency: AgencyDurations[] } {
    return {
      overall: durationStats(this.all),
      byAgency: [...this.perAgency]
        .map(([agency, values]) => ({ ...ref(agency), ...durationStats(values) }))
        .sort((a, b) => b.count - a.count || compareKeys(a.agency, b.agency)),
    };
  }
}

/**
 * Nearest-rank percentile: the smallest value such that at least p % of the values are less than or equal to
 * it, i.e. the value at rank ⌈p/100 · n⌉ (1-based) of the sorted values. Always one of the observed values, no
 * interpolation; the median of an even count is therefore the lower of the two middle values.
 */
export function nearestRank(sortedValues: readonly number[], p: number): number | undefined {
  if (sortedValues.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * sortedValues.length));
  return sortedValues[rank - 1];
}

/** Count, median and p90 (nearest rank), rounded to one decimal. */
export function durationStats(values: readonly number[]): DurationStats {
  const sorted = [...values].sort((a, b) => a - b);
  const median = nearestRank(sorted, 50);
  const p90 = nearestRank(sorted, 90);
  return {
    count: sorted.length,
    median: median === undefined ? null : round1(median),
    p90: p90 === undefined ? null : round1(p90),
  };
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function share(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 1000) / 1000;
}

/** Values and how often each occurs, most frequent first, then by value (null last). */
function countBy(values: readonly (string | null)[]): [string | null, number][] {
  const counts = new Map<string | null, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || compareKeys(a[0], b[0]));
}

function compareKeys(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
