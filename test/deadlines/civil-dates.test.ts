/**
 * Civil dates in Kyiv: which day an instant falls on, when a day begins, across the daylight-saving changes
 * (last Sunday of March 03:00 → 04:00, last Sunday of October 04:00 → 03:00) and month and year ends.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  offsetOfWallTime,
  addDays,
  addMonths,
  daysBetween,
  formatInstant,
  isLocalDate,
  isoWeekday,
  localDateOf,
  parseInstant,
  startOfLocalDay,
  zoneOffsetMs,
} from '../../gateway/deadlines/civil-dates.js';

const KYIV = 'Europe/Kyiv';
const HOUR = 60 * 60 * 1000;
const at = (iso: string): number => Date.parse(iso);

describe('civil dates', () => {
  it('validates YYYY-MM-DD dates, leap days included', () => {
    assert.ok(isLocalDate('2024-02-29'));
    assert.ok(!isLocalDate('2025-02-29'));
    assert.ok(!isLocalDate('2025-02-30'));
    assert.ok(!isLocalDate('2025-2-3'));
    assert.ok(!isLocalDate(20250203));
  });

  it('adds days and months across month and year ends, clamping to the last day of a shorter month', () => {
    assert.equal(addDays('2025-12-31', 1), '2026-01-01');
    assert.equal(addDays('2024-02-28', 1), '2024-02-29');
    assert.equal(addDays('2025-02-28', 1), '2025-03-01');
    assert.equal(addDays('2025-03-01', -1), '2025-02-28');
    assert.equal(addMonths('2025-01-31', 1), '2025-02-28');
    assert.equal(addMonths('2024-01-31', 1), '2024-02-29');
    assert.equal(addMonths('2025-12-15', 1), '2026-01-15');
    assert.equal(daysBetween('2025-12-02', '2026-01-01'), 30);
    assert.equal(daysBetween('2025-03-01', '2025-03-31'), 30, 'the DST change does not eat a day');
  });

  it('numbers weekdays from Monday (1) to Sunday (7)', () => {
    assert.equal(isoWeekday('2025-03-31'), 1);
    assert.equal(isoWeekday('2025-03-30'), 7);
    assert.equal(isoWeekday('2026-01-01'), 4);
  });

  it('puts an instant on its Kyiv date, not its UTC date', () => {
    assert.equal(localDateOf(at('2025-06-30T21:00:00Z'), KYIV), '2025-07-01');
    assert.equal(localDateOf(at('2025-06-30T20:59:59.999Z'), KYIV), '2025-06-30');
    assert.equal(localDateOf(at('2025-12-31T22:00:00Z'), KYIV), '2026-01-01');
    assert.equal(localDateOf(at('2025-01-31T21:59:59Z'), KYIV), '2025-01-31');
  });

  it('knows the Kyiv offset on both sides of each daylight-saving change', () => {
    assert.equal(zoneOffsetMs(at('2025-03-30T00:59:59Z'), KYIV), 2 * HOUR);
    assert.equal(zoneOffsetMs(at('2025-03-30T01:00:00Z'), KYIV), 3 * HOUR);
    assert.equal(zoneOffsetMs(at('2025-10-26T00:59:59Z'), KYIV), 3 * HOUR);
    assert.equal(zoneOffsetMs(at('2025-10-26T01:00:00Z'), KYIV), 2 * HOUR);
  });

  it('starts each Kyiv day at its local midnight, so the change days last 23 and 25 hours', () => {
    assert.equal(startOfLocalDay('2025-03-30', KYIV), at('2025-03-29T22:00:00Z'));
    assert.equal(startOfLocalDay('2025-03-31', KYIV), at('2025-03-30T21:00:00Z'));
    assert.equal(startOfLocalDay('2025-10-26', KYIV), at('2025-10-25T21:00:00Z'));
    assert.equal(startOfLocalDay('2025-10-27', KYIV), at('2025-10-26T22:00:00Z'));
    assert.equal(startOfLocalDay('2025-03-31', KYIV) - startOfLocalDay('2025-03-30', KYIV), 23 * HOUR);
    assert.equal(startOfLocalDay('2025-10-27', KYIV) - startOfLocalDay('2025-10-26', KYIV), 25 * HOUR);
  });

  it('finds the first instant of a day whose midnight does not exist (a zone that changes clocks at 00:00)', () => {
    // America/Santiago moved from -04:00 to -03:00 at 00:00 on 2024-09-08: the day began at 01:00 local.
    const start = startOfLocalDay('2024-09-08', 'America/Santiago');
    assert.equal(start, at('2024-09-08T04:00:00Z'));
    assert.equal(localDateOf(start, 'America/Santiago'), '2024-09-08');
    assert.equal(localDateOf(start - 1, 'America/Santiago'), '2024-09-07');
  });

  it('writes instants with the Kyiv offset in force at that instant', () => {
    assert.equal(formatInstant(at('2025-03-31T21:00:00Z'), KYIV), '2025-04-01T00:00:00+03:00');
    assert.equal(formatInstant(at('2025-01-01T10:15:30.250Z'), KYIV), '2025-01-01T12:15:30.250+02:00');
    assert.equal(formatInstant(at('2025-10-26T00:30:00Z'), KYIV), '2025-10-26T03:30:00+03:00');
    assert.equal(formatInstant(at('2025-10-26T01:30:00Z'), KYIV), '2025-10-26T03:30:00+02:00');
  });

  it('reads only instants with an explicit zone', () => {
    assert.equal(parseInstant('2025-03-28T16:30:00+02:00'), at('2025-03-28T14:30:00Z'));
    assert.equal(parseInstant('2025-03-28T16:30:00.123456789Z'), at('2025-03-28T16:30:00.123Z'));
    assert.equal(parseInstant(new Date(5)), 5);
    assert.equal(parseInstant('2025-03-28T16:30:00'), undefined, 'a local time without a zone is ambiguous');
    assert.equal(parseInstant('2025-02-30T10:00:00Z'), undefined);
    assert.equal(parseInstant('2025-03-28T25:00:00Z'), undefined);
    assert.equal(parseInstant('2025-03-28'), undefined);
    assert.equal(parseInstant(new Date(Number.NaN)), undefined);
    assert.equal(parseInstant(1_700_000_000_000), undefined);
  });

  it('property: every instant lies within the Kyiv day it is placed on, and formatting round-trips', () => {
    const instants = fc.integer({ min: at('1995-01-01T00:00:00Z'), max: at('2060-12-31T00:00:00Z') });
    fc.assert(
      fc.property(instants, (ms) => {
        const date = localDateOf(ms, KYIV);
        assert.ok(startOfLocalDay(date, KYIV) <= ms);
        assert.ok(ms < startOfLocalDay(addDays(date, 1), KYIV));
        assert.equal(Date.parse(formatInstant(ms, KYIV)), ms);
        assert.equal(parseInstant(formatInstant(ms, KYIV)), ms);
      }),
      { numRuns: 500 },
    );
  });

  it('gives a wall-clock time its zone offset, across both daylight-saving changes', () => {
    const offset = (wall: string, zone = KYIV) => offsetOfWallTime(Date.parse(`${wall}Z`), zone) / HOUR;
    assert.equal(offset('2026-01-15T12:00:00'), 2);
    assert.equal(offset('2026-07-15T12:00:00'), 3);
    // Spring: 03:00 becomes 04:00 on 29 March 2026; inside the gap the offset before the change is kept.
    assert.equal(offset('2026-03-29T02:59:00'), 2);
    assert.equal(offset('2026-03-29T03:30:00'), 2);
    assert.equal(offset('2026-03-29T04:00:00'), 3);
    // Autumn: 04:00 becomes 03:00 on 25 October 2026; the repeated hour is read in winter time.
    assert.equal(offset('2026-10-25T03:30:00'), 2);
    assert.equal(offset('2026-10-25T02:30:00'), 3);
    assert.equal(offset('2026-07-15T12:00:00', 'UTC'), 0);
  });
});
