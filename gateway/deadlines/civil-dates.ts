/**
 * Civil (wall-calendar) dates and their link to instants in a named time zone. Statutory terms count days of
 * the Kyiv calendar, not 24-hour periods: a day is a `LocalDate` string (`YYYY-MM-DD`) and all day arithmetic
 * happens on those, so a daylight-saving change (a 23- or 25-hour day in Kyiv) can never shift a deadline.
 * Instants only appear at the two edges: which Kyiv day an instant falls on, and the instant a Kyiv day begins.
 */

/** A date of the civil calendar, `YYYY-MM-DD`, with no zone: "the 31st of March in Kyiv". */
export type LocalDate = string;

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** The schema's Instant: an xs:dateTime with an explicit zone (a bare local time is ambiguous). */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const DAY_MS = 24 * 60 * 60 * 1000;

/** True for a real calendar date written `YYYY-MM-DD` (rejects 2025-02-30). */
export function isLocalDate(value: unknown): value is LocalDate {
  if (typeof value !== 'string') return false;
  const match = LOCAL_DATE.exec(value);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Midnight UTC of the date: a day number for arithmetic only, never a real instant of that day. */
function dayNumber(date: LocalDate): number {
  const match = LOCAL_DATE.exec(date);
  if (match === null) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
}

function fromDayNumber(ms: number): LocalDate {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return fromDayNumber(dayNumber(date) + days * DAY_MS);
}

/** Adds calendar months; a day the target month lacks becomes its last day (31 January + 1 month → 28/29 February). */
export function addMonths(date: LocalDate, months: number): LocalDate {
  const start = new Date(dayNumber(date));
  const target = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(start.getUTCDate(), lastDay));
  return fromDayNumber(target.getTime());
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: LocalDate, to: LocalDate): number {
  return Math.round((dayNumber(to) - dayNumber(from)) / DAY_MS);
}

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: LocalDate): number {
  const weekday = new Date(dayNumber(date)).getUTCDay();
  return weekday === 0 ? 7 : weekday;
}

export function yearOf(date: LocalDate): number {
  return Number(date.slice(0, 4));
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** True when the runtime's time-zone database knows `zone` (e.g. `Europe/Kyiv`). */
export function isKnownTimeZone(zone: string): boolean {
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

interface WallClock {
  date: LocalDate;
  /** Milliseconds since the date's local midnight as shown on the wall clock. */
  clockMs: number;
}

function wallClock(epochMs: number, zone: string): WallClock {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(zone).formatToParts(new Date(epochMs))) parts[part.type] = part.value;
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  const clockMs =
    ((Number(parts.hour) * 60 + Number(parts.minute)) * 60 + Number(parts.second)) * 1000 +
    (((epochMs % 1000) + 1000) % 1000);
  return { date, clockMs };
}

/** The zone's offset from UTC at that instant, in milliseconds (+3 h for Kyiv in summer). */
export function zoneOffsetMs(epochMs: number, zone: string): number {
  const { date, clockMs } = wallClock(epochMs, zone);
  return dayNumber(date) + clockMs - epochMs;
}

/**
 * The zone's offset (ms) that makes a wall-clock time an instant; `wallMs` is the wall time read as if it were
 * UTC. Guessed at the wall time itself, then re-read once at the instant that guess gives: enough across a
 * daylight-saving change (a wall time inside the spring gap, which no instant shows, gets the offset in force
 * before the change: Kyiv's 03:30 on the last Sunday of March is read as +02:00). Adapters
 * use it for the local times their formats allow without a zone.
 */
export function offsetOfWallTime(wallMs: number, zone: string): number {
  return zoneOffsetMs(wallMs - zoneOffsetMs(wallMs, zone), zone);
}

/** The civil date in `zone` at this instant. */
export function localDateOf(epochMs: number, zone: string): LocalDate {
  return wallClock(epochMs, zone).date;
}

/**
 * The instant the civil day begins in `zone`. Offsets are re-read at the candidate instant because the day's
 * midnight may be on the other side of a daylight-saving change from a naive guess; should midnight not exist
 * (zones that change clocks at 00:00), the day begins at the first instant that does.
 */
export function startOfLocalDay(date: LocalDate, zone: string): number {
  const naive = dayNumber(date);
  let candidate = naive - offsetOfWallTime(naive, zone);
  if (localDateOf(candidate, zone) !== date) {
    // In a gap: walk forward to the first instant of this date (offsets change by whole minutes).
    const earliest = naive - zoneOffsetMs(naive - DAY_MS, zone);
    candidate = Math.max(candidate, earliest);
    while (localDateOf(candidate, zone) !== date) candidate += 60 * 1000;
  }
  return candidate;
}

const pad = (value: number, width = 2): string => String(Math.trunc(value)).padStart(width, '0');

/** `YYYY-MM-DDTHH:mm:ss[.sss]±hh:mm` in the zone's offset at that instant: readable there, exact everywhere. */
export function formatInstant(epochMs: number, zone: string): string {
  const offset = zoneOffsetMs(epochMs, zone);
  const { date, clockMs } = wallClock(epochMs, zone);
  const seconds = Math.floor(clockMs / 1000);
  const millis = clockMs % 1000;
  const sign = offset < 0 ? '-' : '+';
  const offsetMinutes = Math.round(Math.abs(offset) / 60_000);
  return (
    `${date}T${pad(seconds / 3600)}:${pad((seconds % 3600) / 60)}:${pad(seconds % 60)}` +
    (millis === 0 ? '' : `.${pad(millis, 3)}`) +
    `${sign}${pad(offsetMinutes / 60)}:${pad(offsetMinutes % 60)}`
  );
}

/** Milliseconds since the epoch of an Instant string with an explicit zone, or undefined if it is not one. */
export function parseInstant(value: unknown): number | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  if (typeof value !== 'string' || !INSTANT.test(value)) return undefined;
  if (!isLocalDate(value.slice(0, 10))) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
