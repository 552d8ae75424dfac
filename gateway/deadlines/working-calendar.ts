import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VkhidError } from '../errors/vkhid-error.js';
import { packageRoot } from '../package-paths.js';
import { addDays, isKnownTimeZone, isLocalDate, isoWeekday, yearOf, type LocalDate } from './civil-dates.js';
import { orthodoxEaster } from './orthodox-easter.js';

/**
 * The working-day calendar that statutory deadlines are counted on: weekends, Ukrainian public holidays
 * (Labour Code art. 73), the day off moved from a holiday that falls on a weekend (art. 67 part 3), and one-off
 * adjustments (the Cabinet's recommended swaps of working days). Everything comes from `config/calendar.json`,
 * so a change of law or the end of martial law is an edit of that file, not of code (docs/deadlines.md).
 */

export const WEEKDAYS = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A holiday rule: a fixed date every year (`MM-DD`), one date (`YYYY-MM-DD`), or a day relative to Easter. */
export interface HolidayRule {
  /** `MM-DD` for every year, or `YYYY-MM-DD` for that day only. Exclusive with `easterOffset`. */
  date?: string;
  /** Days after Orthodox Easter (0 Easter, 49 Trinity). Exclusive with `date`. */
  easterOffset?: number;
  name: string;
  /** The legal act the rule comes from. */
  basis?: string;
  /** The rule applies to holidays falling on or after this date (the amending law's entry into force). */
  from?: LocalDate;
  /** …and on or before this date. */
  until?: LocalDate;
}

/** A single day made a day off or a working day by a decision outside art. 73 (e.g. a Cabinet order). */
export interface CalendarAdjustment {
  date: LocalDate;
  dayOff: boolean;
  basis?: string;
}

export interface CalendarSettings {
  /** IANA zone the days are counted in (default `Europe/Kyiv`). */
  timeZone?: string;
  /** Weekly days off (default Saturday and Sunday). */
  weekend?: readonly Weekday[];
  /**
   * Whether art. 73 holidays are days off. False while martial law is in force: Law 2136-IX art. 6 suspends
   * art. 73 and art. 67 part 3, so holidays are working days and no day off is moved. The list is kept.
   */
  holidaysAreDaysOff: boolean;
  /** Art. 67 part 3: a holiday on a weekend day moves the day off to the next working day (default true). */
  weekendHolidayTransfer?: boolean;
  holidays: readonly HolidayRule[];
  adjustments?: readonly CalendarAdjustment[];
}

export type DayOffReason = 'weekend' | 'holiday' | 'transferred' | 'adjustment';

export interface DayInfo {
  date: LocalDate;
  working: boolean;
  /** Why the day is not a working day (absent on working days). */
  reason?: DayOffReason;
  /** The holiday's name, for a holiday, a transferred day off, or a holiday that is a working day. */
  holiday?: string;
}

export interface HolidayDay {
  date: LocalDate;
  name: string;
  basis?: string;
  /** Whether the holiday is a day off under the current settings. */
  dayOff: boolean;
}

export const DEFAULT_TIME_ZONE = 'Europe/Kyiv';
export const defaultCalendarPath = join(packageRoot, 'config', 'calendar.json');

/** Guards the day-by-day searches against a calendar without working days. */
const MAX_SEARCH_DAYS = 366;

interface YearTable {
  holidays: HolidayDay[];
  /** Days off other than weekends, with their reason and holiday name. */
  daysOff: Map<LocalDate, { reason: DayOffReason; holiday?: string }>;
  /** Weekend days made working days by an adjustment. */
  workingWeekendDays: Set<LocalDate>;
}

export class WorkingCalendar {
  readonly timeZone: string;
  readonly holidaysAreDaysOff: boolean;
  readonly settings: Readonly<CalendarSettings>;
  private readonly weekend: ReadonlySet<number>;
  private readonly years = new Map<number, YearTable>();

  private constructor(settings: CalendarSettings) {
    this.settings = settings;
    this.timeZone = settings.timeZone ?? DEFAULT_TIME_ZONE;
    this.holidaysAreDaysOff = settings.holidaysAreDaysOff;
    this.weekend = new Set(
      (settings.weekend ?? ['saturday', 'sunday']).map((day) => WEEKDAYS.indexOf(day) + 1),
    );
  }

  /** Checks `settings` (parsed JSON) and builds the calendar; refuses with DEADLINE_CALENDAR_INVALID naming the field. */
  static fromSettings(settings: unknown): WorkingCalendar {
    return new WorkingCalendar(checkSettings(settings));
  }

  /** Reads and checks a calendar file (by default `config/calendar.json`). */
  static load(path: string = defaultCalendarPath): WorkingCalendar {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new VkhidError('DEADLINE_CALENDAR_INVALID', { args: [`cannot read ${path}`], cause: error });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new VkhidError('DEADLINE_CALENDAR_INVALID', { args: [`${path} is not JSON`], cause: error });
    }
    return WorkingCalendar.fromSettings(parsed);
  }

  /** The same calendar with some settings replaced (e.g. `{ holidaysAreDaysOff: true }` when martial law ends). */
  with(overrides: Partial<CalendarSettings>): WorkingCalendar {
    return WorkingCalendar.fromSettings({ ...this.settings, ...overrides });
  }

  /** What kind of day `date` is. */
  day(date: LocalDate): DayInfo {
    const table = this.yearTable(yearOf(date));
    const off = table.daysOff.get(date);
    if (off !== undefined) return { date, working: false, ...off };
    const holiday = table.holidays.find((entry) => entry.date === date)?.name;
    const named = holiday === undefined ? {} : { holiday };
    if (this.weekend.has(isoWeekday(date)) && !table.workingWeekendDays.has(date))
      return { date, working: false, reason: 'weekend', ...named };
    return { date, working: true, ...named };
  }

  isWorkingDay(date: LocalDate): boolean {
    return this.day(date).working;
  }

  /** The holidays of `year` by the rules in force on each date, with whether each is a day off. */
  holidaysIn(year: number): readonly HolidayDay[] {
    return this.yearTable(year).holidays;
  }

  /** `date` itself when it is a working day, otherwise the first working day after it. */
  nextWorkingDay(date: LocalDate): LocalDate {
    let day = date;
    for (let i = 0; i <= MAX_SEARCH_DAYS; i += 1, day = addDays(day, 1))
      if (this.isWorkingDay(day)) return day;
    throw new VkhidError('DEADLINE_CALENDAR_INVALID', {
      args: [`no working day within a year after ${date}`],
    });
  }

  /**
   * The `count`-th working day after `date` (Civil Code art. 253: a term starts running on the day after the
   * event, so `date` itself never counts). The result is always a working day.
   */
  addWorkingDays(date: LocalDate, count: number): LocalDate {
    if (!Number.isInteger(count) || count < 1)
      throw new RangeError(`working-day count must be ≥ 1: ${count}`);
    let day = date;
    for (let found = 0; found < count;) {
      day = this.nextWorkingDay(addDays(day, 1));
      found += 1;
    }
    return day;
  }

  /** Working days in (from, to]: how many working days remain from `from` until the end of `to`. */
  workingDaysBetween(from: LocalDate, to: LocalDate): number {
    let count = 0;
    for (let day = addDays(from, 1); day <= to; day = addDays(day, 1)) if (this.isWorkingDay(day)) count += 1;
    return count;
  }

  private yearTable(year: number): YearTable {
    let table = this.years.get(year);
    if (table === undefined) {
      table = this.buildYear(year);
      this.years.set(year, table);
    }
    return table;
  }

  private buildYear(year: number): YearTable {
    const holidays = this.holidayDays(year);
    const daysOff = new Map<LocalDate, { reason: DayOffReason; holiday?: string }>();
    if (this.holidaysAreDaysOff) {
      for (const holiday of holidays) daysOff.set(holiday.date, { reason: 'holiday', holiday: holiday.name });
      if (this.settings.weekendHolidayTransfer !== false) {
        // A late-December holiday on a weekend moves its day off into January, so last year's count too.
        const candidates = [...this.holidayDays(year - 1), ...holidays];
        const taken = new Set(candidates.map((holiday) => holiday.date));
        for (const holiday of candidates) {
          if (!this.weekend.has(isoWeekday(holiday.date))) continue;
          let day = addDays(holiday.date, 1);
          while (this.weekend.has(isoWeekday(day)) || taken.has(day)) day = addDays(day, 1);
          taken.add(day);
          if (yearOf(day) === year) daysOff.set(day, { reason: 'transferred', holiday: holiday.name });
        }
      }
    }
    const workingWeekendDays = new Set<LocalDate>();
    for (const adjustment of this.settings.adjustments ?? []) {
      if (yearOf(adjustment.date) !== year) continue;
      if (adjustment.dayOff) {
        daysOff.set(adjustment.date, { reason: 'adjustment' });
      } else {
        daysOff.delete(adjustment.date);
        workingWeekendDays.add(adjustment.date);
      }
    }
    return { holidays, daysOff, workingWeekendDays };
  }

  private holidayDays(year: number): HolidayDay[] {
    const byDate = new Map<LocalDate, HolidayDay>();
    for (const rule of this.settings.holidays) {
      const date = ruleDate(rule, year);
      if (date === undefined) continue;
      if ((rule.from !== undefined && date < rule.from) || (rule.until !== undefined && date > rule.until))
        continue;
      const existing = byDate.get(date);
      if (existing !== undefined) {
        existing.name = `${existing.name}; ${rule.name}`;
        continue;
      }
      byDate.set(date, {
        date,
        name: rule.name,
        ...(rule.basis === undefined ? {} : { basis: rule.basis }),
        dayOff: this.holidaysAreDaysOff,
      });
    }
    return [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : 1));
  }
}

function ruleDate(rule: HolidayRule, year: number): LocalDate | undefined {
  if (rule.easterOffset !== undefined) return addDays(orthodoxEaster(year), rule.easterOffset);
  const date = rule.date ?? '';
  if (date.length === 10) return yearOf(date) === year ? date : undefined;
  const full = `${String(year).padStart(4, '0')}-${date}`;
  // 29 February exists only in leap years.
  return isLocalDate(full) ? full : undefined;
}

// --- Checking the settings: the file is edited by hand, so every mistake names its field ---

const TOP_LEVEL_KEYS = new Set([
  'timeZone',
  'weekend',
  'holidaysAreDaysOff',
  'weekendHolidayTransfer',
  'holidays',
  'adjustments',
]);
const HOLIDAY_KEYS = new Set(['date', 'easterOffset', 'name', 'basis', 'from', 'until']);
const ADJUSTMENT_KEYS = new Set(['date', 'dayOff', 'basis']);
const RECURRING_DATE = /^(\d{2})-(\d{2})$/;

function invalid(field: string, problem: string): VkhidError {
  return new VkhidError('DEADLINE_CALENDAR_INVALID', { args: [`${field}: ${problem}`], field });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Unknown keys are refused so a misspelt setting cannot silently fall back to its default; `$…` keys are comments. */
function checkKeys(record: Record<string, unknown>, allowed: ReadonlySet<string>, path: string): void {
  for (const key of Object.keys(record))
    if (!key.startsWith('$') && !allowed.has(key)) throw invalid(`${path}${key}`, 'unknown setting');
}

function optionalText(record: Record<string, unknown>, key: string, path: string): void {
  if (record[key] !== undefined && (typeof record[key] !== 'string' || record[key] === ''))
    throw invalid(`${path}.${key}`, 'must be a non-empty string');
}

function checkSettings(value: unknown): CalendarSettings {
  if (!isRecord(value)) throw invalid('(root)', 'must be a JSON object');
  checkKeys(value, TOP_LEVEL_KEYS, '');
  if (
    value.timeZone !== undefined &&
    (typeof value.timeZone !== 'string' || !isKnownTimeZone(value.timeZone))
  )
    throw invalid('timeZone', 'must be an IANA time zone known to this runtime, e.g. Europe/Kyiv');
  if (value.weekend !== undefined) {
    if (!Array.isArray(value.weekend)) throw invalid('weekend', 'must be a list of weekday names');
    value.weekend.forEach((day, index) => {
      if (!(WEEKDAYS as readonly unknown[]).includes(day))
        throw invalid(`weekend[${index}]`, `must be one of ${WEEKDAYS.join(', ')}`);
    });
    if (new Set(value.weekend).size >= 7) throw invalid('weekend', 'leaves no working day in the week');
  }
  if (typeof value.holidaysAreDaysOff !== 'boolean')
    throw invalid('holidaysAreDaysOff', 'must be true or false');
  if (value.weekendHolidayTransfer !== undefined && typeof value.weekendHolidayTransfer !== 'boolean')
    throw invalid('weekendHolidayTransfer', 'must be true or false');
  if (!Array.isArray(value.holidays)) throw invalid('holidays', 'must be a list');
  value.holidays.forEach((rule, index) => checkHoliday(rule, `holidays[${index}]`));
  if (value.adjustments !== undefined) {
    if (!Array.isArray(value.adjustments)) throw invalid('adjustments', 'must be a list');
    const seen = new Set<string>();
    value.adjustments.forEach((adjustment, index) => {
      const path = `adjustments[${index}]`;
      if (!isRecord(adjustment)) throw invalid(path, 'must be an object');
      checkKeys(adjustment, ADJUSTMENT_KEYS, `${path}.`);
      if (!isLocalDate(adjustment.date)) throw invalid(`${path}.date`, 'must be a YYYY-MM-DD date');
      if (seen.has(adjustment.date)) throw invalid(`${path}.date`, `${adjustment.date} is adjusted twice`);
      seen.add(adjustment.date);
      if (typeof adjustment.dayOff !== 'boolean') throw invalid(`${path}.dayOff`, 'must be true or false');
      optionalText(adjustment, 'basis', path);
    });
  }
  return value as unknown as CalendarSettings;
}

function checkHoliday(rule: unknown, path: string): void {
  if (!isRecord(rule)) throw invalid(path, 'must be an object');
  checkKeys(rule, HOLIDAY_KEYS, `${path}.`);
  if (typeof rule.name !== 'string' || rule.name === '')
    throw invalid(`${path}.name`, 'must be a non-empty string');
  optionalText(rule, 'basis', path);
  const hasDate = rule.date !== undefined;
  const hasOffset = rule.easterOffset !== undefined;
  if (hasDate === hasOffset) throw invalid(path, 'needs exactly one of date and easterOffset');
  if (hasDate) {
    const date = rule.date;
    const recurring = typeof date === 'string' ? RECURRING_DATE.exec(date) : null;
    const valid =
      recurring !== null
        ? isLocalDate(`2024-${date as string}`) // a leap year, so 02-29 is accepted
        : isLocalDate(date);
    if (!valid) throw invalid(`${path}.date`, 'must be MM-DD (every year) or YYYY-MM-DD (one day)');
  } else if (!Number.isInteger(rule.easterOffset) || Math.abs(rule.easterOffset as number) > 200) {
    throw invalid(`${path}.easterOffset`, 'must be a whole number of days within ±200');
  }
  for (const key of ['from', 'until'] as const)
    if (rule[key] !== undefined && !isLocalDate(rule[key]))
      throw invalid(`${path}.${key}`, 'must be a YYYY-MM-DD date');
  if (rule.from !== undefined && rule.until !== undefined && (rule.until as string) < (rule.from as string))
    throw invalid(`${path}.until`, 'is before from');
}
