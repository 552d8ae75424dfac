import type { LocalDate } from './civil-dates.js';

/**
 * The date of Easter (Пасха, Великдень) by the Julian paschalion, as a Gregorian date. Labour Code art. 73
 * makes it and Trinity (Easter + 49 days) days on which work is not done; the Orthodox Church of Ukraine moved
 * its fixed feasts to the New Julian calendar on 1 September 2023 but kept the Julian paschalion, so Easter in
 * Ukraine is still the Orthodox one (2024: 5 May, 2025: 20 April, 2026: 12 April).
 *
 * Meeus' Julian algorithm, then the Julian→Gregorian difference of the century (13 days for 1900–2099).
 */
export function orthodoxEaster(year: number): LocalDate {
  if (!Number.isInteger(year) || year < 1583 || year > 9999)
    throw new RangeError(`year out of range: ${year}`);
  const a = year % 4;
  const b = year % 7;
  const c = year % 19;
  const d = (19 * c + 15) % 30;
  const e = (2 * a + 4 * b - d + 34) % 7;
  const julianMonth = Math.floor((d + e + 114) / 31);
  const julianDay = ((d + e + 114) % 31) + 1;
  // Easter is always after the end of February, so the difference of the year's own century applies.
  const gregorianShift = Math.floor(year / 100) - Math.floor(year / 400) - 2;
  const date = new Date(Date.UTC(year, julianMonth - 1, julianDay + gregorianShift));
  return date.toISOString().slice(0, 10);
}
