import { offsetOfWallTime } from '../../gateway/deadlines/civil-dates.js';
import { MAX_CONTACTS_PER_KIND } from '../../gateway/envelope/envelope-model.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { FALSE_WORD, TRUE_WORD } from './csv-columns.js';

/**
 * Reading one CSV cell into a canonical value, checked against the envelope XSD's rule for it so that a bad
 * value is refused here, naming its row and column (`row 3, column Дата надходження`), rather than later as a
 * schema error about an XML path the contact center never sees. Free text is kept exactly as written
 * (spaces, line breaks); codes, dates, numbers and flags are read trimmed.
 */

/** One cell of a row: its text (`undefined` when the file has no such column) and how errors name it. */
export interface Cell {
  readonly value: string | undefined;
  readonly field: string;
}

export function missing(cell: Cell): VkhidError {
  return new VkhidError('ADAPTER_MISSING_FIELD', { args: [cell.field], field: cell.field });
}

export function invalid(cell: Cell, why: string): VkhidError {
  return new VkhidError('ADAPTER_INVALID_FIELD', { args: [cell.field, why], field: cell.field });
}

/** The cell's text, or undefined when it is empty or the column is absent. */
export function optional(cell: Cell): string | undefined {
  return cell.value === undefined || cell.value === '' ? undefined : cell.value;
}

export function required(cell: Cell): string {
  const value = optional(cell);
  if (value === undefined) throw missing(cell);
  return value;
}

/** XSD lengths count characters (code points), not UTF-16 units. */
function codePoints(value: string): number {
  let count = 0;
  for (const char of value) {
    void char;
    count++;
  }
  return count;
}

/** ShortText (1 to 500 characters) or LongText (1 to 200,000), exactly as written. */
export function text(cell: Cell, max: 500 | 200_000): string {
  const value = required(cell);
  if (codePoints(value) > max) throw invalid(cell, `it is longer than ${max} characters`);
  return value;
}

export function optionalText(cell: Cell, max: 500): string | undefined {
  return optional(cell) === undefined ? undefined : text(cell, max);
}

function patterned(cell: Cell, pattern: RegExp, what: string): string {
  const value = required(cell).trim();
  if (!pattern.test(value)) throw invalid(cell, `${JSON.stringify(value)} is not ${what}`);
  return value;
}

export const participantCode = (cell: Cell): string =>
  patterned(cell, /^[0-9]{8}$/, 'a ЄДРПОУ code (eight digits)');

export const trackingNumber = (cell: Cell): string =>
  patterned(
    cell,
    /^[A-Z0-9][A-Z0-9/-]{2,39}$/,
    'a tracking number (3 to 40 capital Latin letters, digits, - and /)',
  );

export const code = (cell: Cell): string =>
  patterned(cell, /^[A-Za-z0-9._-]{1,64}$/, 'a code (1 to 64 Latin letters, digits, . _ -)');

export const uuid = (cell: Cell): string =>
  patterned(cell, /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'a UUID');

/** A word of `labels` (Ukrainian, as written by the contact center) or the canonical code itself. */
export function choice<T extends string>(cell: Cell, labels: Readonly<Record<T, string>>): T {
  const value = required(cell).trim().toLocaleLowerCase('uk');
  for (const [code, label] of Object.entries(labels) as [T, string][]) {
    if (value === code || value === label) return code;
  }
  throw invalid(
    cell,
    `${JSON.stringify(value)} is not one of ${Object.entries(labels as Record<string, string>)
      .map(([code, label]) => `${label} (${code})`)
      .join(', ')}`,
  );
}

const TRUE_WORDS = [TRUE_WORD, 'true', '1', 'yes'];
const FALSE_WORDS = [FALSE_WORD, 'false', '0', 'no'];

export function flag(cell: Cell): boolean {
  const value = required(cell).trim().toLocaleLowerCase('uk');
  if (TRUE_WORDS.includes(value)) return true;
  if (FALSE_WORDS.includes(value)) return false;
  throw invalid(cell, `${JSON.stringify(value)} is not ${TRUE_WORD} or ${FALSE_WORD}`);
}

export const optionalFlag = (cell: Cell): boolean | undefined =>
  optional(cell)?.trim() ? flag(cell) : undefined;

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

function validDate(year: number, month: number, day: number): boolean {
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= days;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const UA_DATE = /^(\d{2})\.(\d{2})\.(\d{4})$/;

/** xs:date, written `2025-03-28` or `28.03.2025`; read as `2025-03-28`. */
export function date(cell: Cell): string {
  const value = required(cell).trim();
  const iso = ISO_DATE.exec(value);
  const ua = UA_DATE.exec(value);
  const [year, month, day] = iso
    ? [Number(iso[1]), Number(iso[2]), Number(iso[3])]
    : ua
      ? [Number(ua[3]), Number(ua[2]), Number(ua[1])]
      : [0, 0, 0];
  if (!validDate(year, month, day)) {
    throw invalid(cell, `${JSON.stringify(value)} is not a date (YYYY-MM-DD or DD.MM.YYYY)`);
  }
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

const ZONED = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/;
const LOCAL_ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?$/;
const LOCAL_UA = /^(\d{2})\.(\d{2})\.(\d{4})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * An instant. With an offset (`2025-03-14T10:25:04+02:00`, `…Z`) it is kept exactly as written; without one
 * (`14.03.2025 10:25`, `2025-03-14 10:25:04`) it is a wall-clock time in `timeZone` and gets that zone's offset
 * for that moment (so a summer time is +03:00 in Kyiv and a winter time +02:00).
 */
export function instant(cell: Cell, timeZone: string): string {
  const value = required(cell).trim();
  const fail = (): VkhidError =>
    invalid(
      cell,
      `${JSON.stringify(value)} is not a date and time (YYYY-MM-DDThh:mm:ss with an offset, or DD.MM.YYYY hh:mm)`,
    );
  const zoned = ZONED.exec(value);
  if (zoned) {
    const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = zoned.slice(1, 7).map(Number);
    const zoneHours = Number(zoned[10] ?? 0);
    const zoneMinutes = Number(zoned[11] ?? 0);
    if (
      !validDate(year, month, day) ||
      hour > 23 ||
      minute > 59 ||
      second > 59 ||
      zoneHours > 14 ||
      zoneMinutes > 59 ||
      (zoneHours === 14 && zoneMinutes > 0)
    ) {
      throw fail();
    }
    return value;
  }
  const iso = LOCAL_ISO.exec(value);
  const ua = LOCAL_UA.exec(value);
  let parts: [number, number, number, number, number, number];
  let fraction = '';
  if (iso) {
    parts = [iso[1], iso[2], iso[3], iso[4], iso[5], iso[6] ?? '0'].map(Number) as typeof parts;
    fraction = iso[7] ?? '';
  } else if (ua) {
    parts = [ua[3], ua[2], ua[1], ua[4], ua[5], ua[6] ?? '0'].map(Number) as typeof parts;
  } else {
    throw fail();
  }
  const [year, month, day, hour, minute, second] = parts;
  if (!validDate(year, month, day) || hour > 23 || minute > 59 || second > 59) throw fail();
  const offset = Math.round(offsetOfWallTime(utcOf(parts), timeZone) / 60_000);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return (
    `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}${fraction}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

type WallTime = readonly [
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
];

function utcOf([year, month, day, hour, minute, second]: WallTime): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

const PHONE = /^\+?[0-9 ()-]{5,20}$/;

/**
 * Phone numbers separated by `,` or `;`. A number is read trimmed when that is still a phone number (the
 * spaces after a comma are not part of it), else as written.
 */
export function phones(cell: Cell): string[] {
  const value = optional(cell);
  if (value === undefined) return [];
  const list: string[] = [];
  for (const piece of value.split(/[,;]/)) {
    if (piece.trim() === '') continue;
    const phone = PHONE.test(piece.trim()) ? piece.trim() : piece;
    if (!PHONE.test(phone)) throw invalid(cell, `${JSON.stringify(phone)} is not a phone number`);
    list.push(phone);
  }
  return atMostFive(cell, list, 'phone numbers');
}

export const EMAIL = /^[^@ \t\r\n]{1,64}@[^@ \t\r\n]{1,255}$/u;
/** What separates e-mail addresses in a cell: XSD whitespace, commas and semicolons. */
export const EMAIL_SEPARATOR = /[ \t\r\n,;]+/;

export function emails(cell: Cell): string[] {
  const value = optional(cell);
  if (value === undefined) return [];
  const list = value.split(EMAIL_SEPARATOR).filter((piece) => piece !== '');
  for (const email of list) {
    if (!EMAIL.test(email)) throw invalid(cell, `${JSON.stringify(email)} is not an e-mail address`);
  }
  return atMostFive(cell, list, 'e-mail addresses');
}

function atMostFive(cell: Cell, list: string[], what: string): string[] {
  if (list.length > MAX_CONTACTS_PER_KIND) {
    throw invalid(cell, `it lists ${list.length} ${what}; at most ${MAX_CONTACTS_PER_KIND} are allowed`);
  }
  return list;
}
