import type { LifecycleEventType, LifecycleState } from '../lifecycle/lifecycle-model.js';
import { parameterMarkers } from '../store/scan-sql.js';
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

/**
 * Appeals are read a page at a time in tracking-number order (keyset pagination, portable to PostgreSQL), with
 * their events, redirect entries and repeat-key siblings, and folded into running totals; only the durations
 * (one number per measured interval) are kept whole, for the percentiles. A year of a national hub (1–2
 * million appeals, ~6 events each) would otherwise sit in memory as row objects at once: gigabytes.
 */
const PAGE_SIZE = 1000;

interface AppealRow {
  tracking: string;
  state: string;
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
  at: string;
  type: LifecycleEventType;
  by_role: string;
  by_participant: string;
}

interface RedirectEntryRow {
  tracking: string;
  from_participant: string | null;
  reason: string | null;
}

interface KeyRow {
  tracking: string;
  registered_at: string;
  repeat_key: string;
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
  const nameRows = await db.query<{ code: string; short_name: string }>(
    'SELECT code, short_name FROM participants',
  );
  const names = new Map(nameRows.map((row) => [String(row.code), String(row.short_name)]));
  const ref = (agency: string | null | undefined): AgencyRef => ({
    agency: agency ?? null,
    name: agency === null || agency === undefined ? null : (names.get(agency) ?? null),
  });

  const totals = new Totals(query);
  const pageAfter = (after: string | undefined): Promise<AppealRow[]> =>
    db.query<AppealRow>(
      `SELECT a.tracking, a.state, a.holder, a.kind, a.channel, a.category, a.answer_by, a.registered_at,
         a.repeat_key
       FROM appeals a${whereOf(after === undefined ? conditions : [...conditions, 'a.tracking > ?'])}
       ORDER BY a.tracking LIMIT ?`,
      [...params, ...(after === undefined ? [] : [after]), PAGE_SIZE],
    );
  for (let page = await pageAfter(undefined); page.length > 0;) {
    const inPeriod = factsInPeriod(page, query);
    const trackings = [...inPeriod.keys()];
    const keys = [...new Set([...inPeriod.values()].map((a) => a.row.repeat_key))].filter(
      (key) => key !== null,
    );
    // The next page is asked for with this one's rows: the engine reads it while this one is folded in.
    const [events, redirects, keyRows, next] = await Promise.all([
      trackings.length === 0
        ? []
        : db.query<EventRow>(
            // Only the events `selectAppeals` uses (the hub's deliveries and the closings change no figure):
            // building rows in the driver is the report's main cost.
            `SELECT tracking, at, type, by_role, by_participant FROM appeal_events
             WHERE tracking IN (${parameterMarkers(trackings.length)})
               AND (by_role = 'agency' OR type IN ('register', 'route', 'register-at-agency', 'answer'))
             ORDER BY tracking, seq`,
            trackings,
          ),
      trackings.length === 0
        ? []
        : db.query<RedirectEntryRow>(
            `SELECT tracking, from_participant, reason FROM ledger_entries
             WHERE event = 'redirected' AND tracking IN (${parameterMarkers(trackings.length)})`,
            trackings,
          ),
      // Every appeal sharing a key with one on the page, wherever and whenever it was registered: the earlier
      // appeal a repeat repeats may lie before the period or have come through another contact center. Keys
      // no other appeal has cannot make a repeat, so their (lone) appeals are not fetched again.
      keys.length === 0
        ? []
        : db.query<KeyRow>(
            `SELECT b.tracking, b.registered_at, b.repeat_key FROM appeals b
             WHERE b.repeat_key IN (${parameterMarkers(keys.length)}) AND EXISTS
               (SELECT 1 FROM appeals c WHERE c.repeat_key = b.repeat_key AND c.tracking <> b.tracking)`,
            keys.map(String),
          ),
      page.length < PAGE_SIZE ? [] : pageAfter(String(page.at(-1)?.tracking)),
    ]);
    totals.add(selectAppeals(inPeriod, events, query), redirects, keyRows);
    page = next;
  }
  return totals.report(ref);
}

/**
 * A coarse SQL filter that can only over-select, refined in `factsInPeriod`: registered_at is ISO-8601 text
 * with a zone offset of at most ±14 hours, so its date part is within a day of the UTC date, and comparing it
 * as text with a date a day (or two) wider than the period keeps every appeal that may be in it. It lets the
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

/** The page's appeals exactly in the period, by tracking number, with no events applied yet. */
function factsInPeriod(rows: readonly AppealRow[], query: ResolvedReportQuery): Map<string, Facts> {
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
  return byTracking;
}

/** The appeals routed to the agency asked for (all, without one), with their legs and answer. */
function selectAppeals(
  byTracking: Map<string, Facts>,
  events: EventRow[],
  query: ResolvedReportQuery,
): Facts[] {
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

/** The report's running totals, fed a page of selected appeals at a time. */
class Totals {
  private appeals = 0;
  private open = 0;
  private answered = 0;
  private refused = 0;
  private closed = 0;
  private readonly byHolder = new Map<string | null, number>();
  private readonly byCategory = new Map<string | null, number>();
  private readonly byChannel = new Map<string | null, number>();
  private readonly byState = new Map<string | null, number>();
  private readonly byKind = new Map<string | null, number>();
  private readonly registration = new Durations();
  private readonly answer = new Durations();
  private readonly overdue = new Map<string | null, { open: number; answeredLate: number }>();
  /** Appeals routed to each agency (each appeal once, however often it was routed there). */
  private readonly routedTo = new Map<string, number>();
  private readonly redirected = new Map<
    string,
    { redirects: number; nwc: number; appeals: number; nwcAppeals: number }
  >();
  private repeats = 0;
  private readonly repeatGroups = new Set<string>();
  private readonly repeatsByCategory = new Map<string, { appeals: number; groups: Set<string> }>();

  constructor(private readonly query: ResolvedReportQuery) {}

  private inAgency(agency: string | null | undefined): boolean {
    return this.query.agency === undefined || agency === this.query.agency;
  }

  add(
    appeals: readonly Facts[],
    redirectRows: readonly RedirectEntryRow[],
    keyRows: readonly KeyRow[],
  ): void {
    const { query } = this;
    for (const appeal of appeals) {
      const { row } = appeal;
      // Counts.
      this.appeals += 1;
      if (!DONE_STATES.has(row.state)) this.open += 1;
      if (appeal.answer !== undefined) this.answered += 1;
      if (row.state === 'refused') this.refused += 1;
      if (row.state === 'closed') this.closed += 1;
      if (this.inAgency(row.holder)) increment(this.byHolder, row.holder);
      increment(this.byCategory, row.category);
      increment(this.byChannel, row.channel);
      increment(this.byState, row.state);
      increment(this.byKind, row.kind);

      // Durations.
      for (const leg of appeal.legs) {
        if (leg.registrationMs === undefined || leg.agency === undefined || !this.inAgency(leg.agency))
          continue;
        this.registration.add(leg.agency, (leg.registrationMs - leg.routeMs) / HOUR_MS);
      }
      if (
        appeal.answer !== undefined &&
        appeal.contactCenterRegistrationMs !== undefined &&
        this.inAgency(appeal.answer.by)
      )
        this.answer.add(appeal.answer.by, (appeal.answer.atMs - appeal.contactCenterRegistrationMs) / DAY_MS);

      // Deadlines: a term runs out at its `endsAt` (exclusive, see appeal-deadlines.ts), so "at endsAt" is late.
      if (!DONE_STATES.has(row.state) && appeal.answerByMs <= query.atMs && this.inAgency(row.holder))
        this.overdueOf(row.holder).open += 1;
      if (
        appeal.answer !== undefined &&
        appeal.answer.atMs >= appeal.answerByMs &&
        this.inAgency(appeal.answer.by)
      )
        this.overdueOf(appeal.answer.by).answeredLate += 1;

      // Redirects, against the appeals routed to each agency.
      const routed = new Set<string>();
      for (const leg of appeal.legs)
        if (leg.agency !== undefined && this.inAgency(leg.agency)) routed.add(leg.agency);
      for (const agency of routed) increment(this.routedTo, agency);
    }

    const selected = new Set(appeals.map((a) => a.row.tracking));
    /** Per agency, the appeals it redirected (and as not within competence) on this page. */
    const pageRedirects = new Map<string, { appeals: Set<string>; nwcAppeals: Set<string> }>();
    for (const row of redirectRows) {
      const agency = row.from_participant;
      if (agency === null || !selected.has(row.tracking) || !this.inAgency(agency)) continue;
      let stat = this.redirected.get(agency);
      if (stat === undefined)
        this.redirected.set(agency, (stat = { redirects: 0, nwc: 0, appeals: 0, nwcAppeals: 0 }));
      let page = pageRedirects.get(agency);
      if (page === undefined)
        pageRedirects.set(agency, (page = { appeals: new Set(), nwcAppeals: new Set() }));
      stat.redirects += 1;
      page.appeals.add(row.tracking);
      if (row.reason === 'not-within-competence') {
        stat.nwc += 1;
        page.nwcAppeals.add(row.tracking);
      }
    }
    // An appeal lies on one page only, so distinct appeals per page add up to distinct appeals overall.
    for (const [agency, page] of pageRedirects) {
      const stat = this.redirected.get(agency)!;
      stat.appeals += page.appeals.size;
      stat.nwcAppeals += page.nwcAppeals.size;
    }

    this.addRepeats(appeals, keyRows);
  }

  /** Repeat appeals: those whose key an appeal registered before it also has (ties broken by tracking number). */
  private addRepeats(appeals: readonly Facts[], keyRows: readonly KeyRow[]): void {
    const first = new Map<string, { ms: number; tracking: string }>();
    for (const row of keyRows) {
      const candidate = { ms: Date.parse(String(row.registered_at)), tracking: String(row.tracking) };
      const current = first.get(String(row.repeat_key));
      if (current === undefined || isEarlier(candidate, current))
        first.set(String(row.repeat_key), candidate);
    }
    for (const appeal of appeals) {
      const key = appeal.row.repeat_key;
      if (key === null || key === undefined) continue;
      const earliest = first.get(String(key));
      if (earliest === undefined || earliest.tracking === appeal.row.tracking) continue;
      this.repeats += 1;
      this.repeatGroups.add(String(key));
      let row = this.repeatsByCategory.get(appeal.row.category);
      if (row === undefined)
        this.repeatsByCategory.set(appeal.row.category, (row = { appeals: 0, groups: new Set() }));
      row.appeals += 1;
      row.groups.add(String(key));
    }
  }

  private overdueOf(agency: string | null): { open: number; answeredLate: number } {
    let row = this.overdue.get(agency);
    if (row === undefined) this.overdue.set(agency, (row = { open: 0, answeredLate: 0 }));
    return row;
  }

  report(ref: (agency: string | null | undefined) => AgencyRef): AppealReport {
    const { query } = this;
    const overdueRows = [...this.overdue]
      .map(([agency, row]): OverdueRow => ({ ...ref(agency), ...row }))
      .sort((a, b) => b.open + b.answeredLate - (a.open + a.answeredLate) || compareKeys(a.agency, b.agency));
    const redirectAgencies = new Set([...this.routedTo.keys(), ...this.redirected.keys()]);
    const redirectRowsOut = [...redirectAgencies]
      .map((agency): RedirectRow => {
        const stat = this.redirected.get(agency);
        const routed = this.routedTo.get(agency) ?? 0;
        return {
          ...ref(agency),
          appeals: routed,
          redirects: stat?.redirects ?? 0,
          notWithinCompetence: stat?.nwc ?? 0,
          redirectShare: share(stat?.appeals ?? 0, routed),
          notWithinCompetenceShare: share(stat?.nwcAppeals ?? 0, routed),
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
      totals: {
        appeals: this.appeals,
        open: this.open,
        answered: this.answered,
        refused: this.refused,
        closed: this.closed,
      },
      byAgency: sortedCounts(this.byHolder).map(([agency, count]) => ({ ...ref(agency), appeals: count })),
      byCategory: sortedCounts(this.byCategory).map(([category, n]) => ({
        category: category ?? '',
        appeals: n,
      })),
      byChannel: sortedCounts(this.byChannel).map(([channel, n]) => ({ channel: channel ?? '', appeals: n })),
      byState: sortedCounts(this.byState).map(([state, n]) => ({ state: state ?? '', appeals: n })),
      byKind: sortedCounts(this.byKind).map(([kind, n]) => ({ kind: kind ?? '', appeals: n })),
      timeToRegistration: { unit: 'hours', ...this.registration.report(ref) },
      timeToAnswer: { unit: 'days', ...this.answer.report(ref) },
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
      repeats: {
        appeals: this.repeats,
        groups: this.repeatGroups.size,
        byCategory: [...this.repeatsByCategory]
          .map(([category, row]) => ({ category, appeals: row.appeals, groups: row.groups.size }))
          .sort((a, b) => b.appeals - a.appeals || compareKeys(a.category, b.category)),
      },
    };
  }
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

function increment<K>(counts: Map<K, number>, key: K): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
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

/** Counted values, most frequent first, then by value (null last). */
function sortedCounts(counts: ReadonlyMap<string | null, number>): [string | null, number][] {
  return [...counts].sort((a, b) => b[1] - a[1] || compareKeys(a[0], b[0]));
}

function compareKeys(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
