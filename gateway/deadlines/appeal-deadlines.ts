import { APPEAL_KINDS, type AppealKind } from '../envelope/envelope-model.js';
import { VkhidError } from '../errors/vkhid-error.js';
import {
  addDays,
  addMonths,
  daysBetween,
  formatInstant,
  isLocalDate,
  localDateOf,
  parseInstant,
  startOfLocalDay,
  type LocalDate,
} from './civil-dates.js';
import {
  regimeOf,
  STATUTORY_TERMS,
  type DeadlineRegime,
  type StatutoryTerms,
  type Term,
} from './statutory-terms.js';
import type { WorkingCalendar } from './working-calendar.js';

/**
 * Statutory deadlines of an appeal: computed at registration, recomputed on extension and on redirect, and
 * compared with the clock. Pure functions of their inputs and the calendar (no clock, no store), so the lead's
 * lifecycle and the deadline job call them with whatever "now" they have.
 *
 * Counting (docs/deadlines.md has each rule with its source):
 * - a term in days starts on the day after registration (Civil Code art. 253) in Kyiv time;
 * - a calendar-day term whose last day is a day off ends on the next working day (Civil Code art. 254 ч. 5);
 * - a working-day term counts working days only, so it always ends on a working day;
 * - a term in hours runs from the registration instant, hour by hour, days off included;
 * - a term in days ends at 24:00 Kyiv time of its last day (Civil Code art. 255 ч. 1).
 */

export interface Deadline {
  /** The last day of the term, in the calendar's zone. */
  readonly date: LocalDate;
  /** The instant the term runs out (exclusive): 24:00 of `date` for a day term, written as 00:00 of the next day. */
  readonly endsAt: string;
  readonly term: Term;
  readonly basis: string;
  /** The nominal last day, when it was a day off and the term was moved to `date`. */
  readonly movedFrom?: LocalDate;
}

export interface AppealDeadlines {
  readonly kind: AppealKind;
  readonly regime: DeadlineRegime;
  readonly urgent: boolean;
  readonly noAdditionalStudy: boolean;
  /** When the body now holding the appeal registered it; the terms run from here. */
  readonly registeredAt: string;
  /** When the appeal was first registered, kept across redirects. */
  readonly firstRegisteredAt: string;
  readonly forwardBy: Deadline;
  readonly answerBy: Deadline;
  readonly maxAnswerBy: Deadline;
  readonly extended: boolean;
  readonly redirects: number;
}

export interface AppealTerms {
  kind: AppealKind;
  /** An instant with an explicit zone (`2025-03-28T16:30:00+02:00`) or a Date. */
  registeredAt: string | Date;
  /** Public-information requests only: the 48-hour term (art. 20 ч. 2). Ignored for citizens' appeals. */
  urgent?: boolean;
  /** Citizens' appeals only: the 15-day term (art. 20 ч. 1). Ignored for information requests. */
  noAdditionalStudy?: boolean;
}

const HOUR_MS = 60 * 60 * 1000;
const EXTENSION_BASIS: Record<DeadlineRegime, string> = {
  'citizen-appeal': STATUTORY_TERMS['citizen-appeal'].maximum.basis,
  'public-information': STATUTORY_TERMS['public-information'].maximum.basis,
};

function inputError(field: string, problem: string): VkhidError {
  return new VkhidError('DEADLINE_INPUT_INVALID', { args: [field, problem], field });
}

function instantOf(value: unknown, field: string): number {
  const ms = parseInstant(value);
  if (ms === undefined) throw inputError(field, 'not an instant with a zone, e.g. 2025-03-28T16:30:00+02:00');
  return ms;
}

/** The deadlines of an appeal registered at `registeredAt`. */
export function computeDeadlines(
  appeal: AppealTerms,
  calendar: WorkingCalendar,
  terms: StatutoryTerms = STATUTORY_TERMS,
): AppealDeadlines {
  if (!(APPEAL_KINDS as readonly unknown[]).includes(appeal.kind))
    throw inputError('kind', `not one of ${APPEAL_KINDS.join(', ')}`);
  const registeredMs = instantOf(appeal.registeredAt, 'registeredAt');
  const regime = regimeOf(appeal.kind);
  const rules = terms[regime];
  const urgent = regime === 'public-information' && appeal.urgent === true;
  const noAdditionalStudy = regime === 'citizen-appeal' && appeal.noAdditionalStudy === true;
  const registeredAt = formatInstant(registeredMs, calendar.timeZone);
  const answerRule = urgent || noAdditionalStudy ? rules.answerShort : rules.answer;
  return {
    kind: appeal.kind,
    regime,
    urgent,
    noAdditionalStudy,
    registeredAt,
    firstRegisteredAt: registeredAt,
    forwardBy: termEnd(registeredMs, rules.forward.term, rules.forward.basis, calendar),
    answerBy: termEnd(registeredMs, answerRule.term, answerRule.basis, calendar),
    maxAnswerBy: termEnd(registeredMs, rules.maximum.term, rules.maximum.basis, calendar),
    extended: false,
    redirects: 0,
  };
}

/** Where a term that starts at `startMs` ends. */
export function termEnd(startMs: number, term: Term, basis: string, calendar: WorkingCalendar): Deadline {
  if (!Number.isInteger(term.count) || term.count < 1)
    throw new RangeError(`term count must be ≥ 1: ${term.count}`);
  const zone = calendar.timeZone;
  if (term.unit === 'hours') {
    const endsMs = startMs + term.count * HOUR_MS;
    // An hour term ending exactly at midnight belongs to the day before, like a day term's 24:00.
    return { date: localDateOf(endsMs - 1, zone), endsAt: formatInstant(endsMs, zone), term, basis };
  }
  const start = localDateOf(startMs, zone);
  let nominal: LocalDate;
  switch (term.unit) {
    case 'working-days':
      return dayDeadline(calendar.addWorkingDays(start, term.count), term, basis, calendar);
    case 'calendar-days':
      nominal = addDays(start, term.count);
      break;
    case 'months':
      nominal = addMonths(start, term.count);
      break;
  }
  return dayDeadline(nominal, term, basis, calendar);
}

/** A deadline whose last day is `nominal`, or the next working day if `nominal` is a day off. */
function dayDeadline(nominal: LocalDate, term: Term, basis: string, calendar: WorkingCalendar): Deadline {
  const date = calendar.nextWorkingDay(nominal);
  const endsAt = formatInstant(startOfLocalDay(addDays(date, 1), calendar.timeZone), calendar.timeZone);
  return { date, endsAt, term, basis, ...(date === nominal ? {} : { movedFrom: nominal }) };
}

export interface Extension {
  /** When the extension is decided; it must be before the current answer term runs out. */
  at: string | Date;
  /** The new last day set by the head of the body; by default the statutory maximum. */
  until?: LocalDate;
}

/**
 * The deadlines after the answer term is extended (art. 20 of either law). The new last day is moved off a day
 * off like any other; it must be later than the current one, no later than the maximum, and decided while the
 * current term still runs: a term that has run out cannot be extended, only missed.
 */
export function extendDeadlines(
  deadlines: AppealDeadlines,
  extension: Extension,
  calendar: WorkingCalendar,
): AppealDeadlines {
  const atMs = instantOf(extension.at, 'at');
  const currentEnd = Date.parse(deadlines.answerBy.endsAt);
  if (atMs >= currentEnd)
    throw new VkhidError('DEADLINE_EXTENSION_REFUSED', {
      args: [`the answer term ran out at ${deadlines.answerBy.endsAt}; a term is extended before it ends`],
      field: 'at',
    });
  if (atMs < Date.parse(deadlines.registeredAt))
    throw inputError('at', `before the registration at ${deadlines.registeredAt}`);
  const requested = extension.until ?? deadlines.maxAnswerBy.date;
  if (!isLocalDate(requested)) throw inputError('until', 'not a YYYY-MM-DD date');
  const next = dayDeadline(requested, { count: 1, unit: 'calendar-days' }, '', calendar);
  if (next.date > deadlines.maxAnswerBy.date)
    throw new VkhidError('DEADLINE_EXTENSION_BEYOND_MAXIMUM', {
      args: [next.date, deadlines.maxAnswerBy.date, deadlines.maxAnswerBy.basis],
      field: 'until',
    });
  if (next.date <= deadlines.answerBy.date)
    throw new VkhidError('DEADLINE_EXTENSION_REFUSED', {
      args: [`the new last day ${next.date} is not after the current one, ${deadlines.answerBy.date}`],
      field: 'until',
    });
  const start = localDateOf(Date.parse(deadlines.registeredAt), calendar.timeZone);
  const term: Term =
    deadlines.regime === 'public-information'
      ? { count: calendar.workingDaysBetween(start, next.date), unit: 'working-days' }
      : { count: daysBetween(start, next.date), unit: 'calendar-days' };
  return {
    ...deadlines,
    answerBy: { ...next, term, basis: EXTENSION_BASIS[deadlines.regime] },
    extended: true,
  };
}

/**
 * The deadlines after the appeal is sent on to another body, which received it at `at`. Both laws run the term
 * from the day the competent body receives the appeal (citizens' appeals: art. 20 "від дня їх надходження" with
 * art. 7 ч. 3; information requests: art. 22 ч. 3 says so expressly), so every term restarts there, an earlier
 * extension included. Whether the forwarding itself was in time is `termState(previous.forwardBy, at)`.
 */
export function redirectDeadlines(
  deadlines: AppealDeadlines,
  redirect: { at: string | Date },
  calendar: WorkingCalendar,
  terms: StatutoryTerms = STATUTORY_TERMS,
): AppealDeadlines {
  const atMs = instantOf(redirect.at, 'at');
  if (atMs < Date.parse(deadlines.registeredAt))
    throw inputError('at', `before the registration at ${deadlines.registeredAt}`);
  const fresh = computeDeadlines(
    {
      kind: deadlines.kind,
      registeredAt: new Date(atMs),
      urgent: deadlines.urgent,
      noAdditionalStudy: deadlines.noAdditionalStudy,
    },
    calendar,
    terms,
  );
  return { ...fresh, firstRegisteredAt: deadlines.firstRegisteredAt, redirects: deadlines.redirects + 1 };
}

export type DeadlineState = 'on-time' | 'due-soon' | 'overdue';

/** How close to the end a term counts as due soon: a number of hours, or of working days left (today excluded). */
export type DueSoonWindow = { hours: number } | { workingDays: number; calendar: WorkingCalendar };

export const DEFAULT_DUE_SOON: DueSoonWindow = { hours: 72 };

/** Overdue from `endsAt` on; due soon within the window before it; on time before that. */
export function termState(
  deadline: Deadline,
  now: Date | string,
  window: DueSoonWindow = DEFAULT_DUE_SOON,
): DeadlineState {
  const nowMs = instantOf(now, 'now');
  const endMs = Date.parse(deadline.endsAt);
  if (nowMs >= endMs) return 'overdue';
  if ('hours' in window) return endMs - nowMs <= window.hours * HOUR_MS ? 'due-soon' : 'on-time';
  const today = localDateOf(nowMs, window.calendar.timeZone);
  return window.calendar.workingDaysBetween(today, deadline.date) <= window.workingDays
    ? 'due-soon'
    : 'on-time';
}

/** The state of the answer term (the one the citizen and the reports care about). */
export function deadlineStatus(
  deadlines: AppealDeadlines,
  now: Date | string,
  window: DueSoonWindow = DEFAULT_DUE_SOON,
): DeadlineState {
  return termState(deadlines.answerBy, now, window);
}
