/**
 * Properties of the deadlines over random registration instants (2020–2035), both holiday settings and
 * random one-off adjustments: working-day terms land on working days and count exactly, calendar-day terms
 * move only over days off, terms end at Kyiv midnight, the order of terms holds, extensions stay within the
 * maximum, and the way an instant is written never changes a deadline.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  computeDeadlines,
  extendDeadlines,
  redirectDeadlines,
  type AppealDeadlines,
  type Deadline,
} from '../../gateway/deadlines/appeal-deadlines.js';
import {
  addDays,
  formatInstant,
  localDateOf,
  startOfLocalDay,
  type LocalDate,
} from '../../gateway/deadlines/civil-dates.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { WorkingCalendar } from '../../gateway/deadlines/working-calendar.js';
import { APPEAL_KINDS } from '../../gateway/envelope/envelope-model.js';

const base = WorkingCalendar.load();
const KYIV = 'Europe/Kyiv';

const instantMs = fc.integer({
  min: Date.parse('2020-01-01T00:00:00Z'),
  max: Date.parse('2035-12-31T00:00:00Z'),
});
const adjustmentDates = fc.uniqueArray(
  fc.integer({ min: 0, max: 16 * 366 }).map((offset) => addDays('2020-01-01', offset)),
  { maxLength: 40 },
);
const calendar = fc
  .record({ holidaysAreDaysOff: fc.boolean(), dates: adjustmentDates, dayOff: fc.boolean() })
  .map(({ holidaysAreDaysOff, dates, dayOff }) =>
    base.with({
      holidaysAreDaysOff,
      adjustments: dates.map((date, i) => ({ date, dayOff: i % 2 === 0 ? dayOff : !dayOff })),
    }),
  );
const terms = fc.record({
  kind: fc.constantFrom(...APPEAL_KINDS),
  urgent: fc.boolean(),
  noAdditionalStudy: fc.boolean(),
});

function startDate(deadlines: AppealDeadlines): LocalDate {
  return localDateOf(Date.parse(deadlines.registeredAt), KYIV);
}

function assertEndsAtKyivMidnight(deadline: Deadline): void {
  if (deadline.term.unit === 'hours') return;
  assert.equal(Date.parse(deadline.endsAt), startOfLocalDay(addDays(deadline.date, 1), KYIV));
}

function dayTerms(deadlines: AppealDeadlines): Deadline[] {
  return [deadlines.forwardBy, deadlines.answerBy, deadlines.maxAnswerBy].filter(
    (d) => d.term.unit !== 'hours',
  );
}

describe('deadline properties', () => {
  it('a working-day deadline lands on a working day, exactly `count` working days after registration', () => {
    fc.assert(
      fc.property(instantMs, fc.boolean(), calendar, (ms, urgent, cal) => {
        const deadlines = computeDeadlines(
          { kind: 'public-info-request', registeredAt: new Date(ms), urgent },
          cal,
        );
        for (const deadline of dayTerms(deadlines)) {
          assert.equal(deadline.term.unit, 'working-days');
          assert.ok(cal.isWorkingDay(deadline.date), `${deadline.date} is a day off`);
          assert.equal(cal.workingDaysBetween(startDate(deadlines), deadline.date), deadline.term.count);
          assert.equal(deadline.movedFrom, undefined);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a calendar-day deadline is its nominal day, or the first working day after it when that is a day off', () => {
    fc.assert(
      fc.property(instantMs, fc.boolean(), calendar, (ms, noAdditionalStudy, cal) => {
        const deadlines = computeDeadlines(
          { kind: 'citizen-appeal', registeredAt: new Date(ms), noAdditionalStudy },
          cal,
        );
        for (const deadline of dayTerms(deadlines)) {
          const nominal = addDays(startDate(deadlines), deadline.term.count);
          assert.ok(cal.isWorkingDay(deadline.date));
          assert.equal(deadline.movedFrom, deadline.date === nominal ? undefined : nominal);
          for (let day = nominal; day < deadline.date; day = addDays(day, 1))
            assert.ok(!cal.isWorkingDay(day), `skipped working day ${day}`);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('day terms end at 24:00 Kyiv time of their last day, after registration, in the order forward ≤ answer ≤ maximum', () => {
    fc.assert(
      fc.property(instantMs, terms, calendar, (ms, appeal, cal) => {
        const deadlines = computeDeadlines({ ...appeal, registeredAt: new Date(ms) }, cal);
        for (const deadline of [deadlines.forwardBy, deadlines.answerBy, deadlines.maxAnswerBy]) {
          assertEndsAtKyivMidnight(deadline);
          assert.ok(Date.parse(deadline.endsAt) > ms);
        }
        assert.ok(Date.parse(deadlines.answerBy.endsAt) <= Date.parse(deadlines.maxAnswerBy.endsAt));
        if (deadlines.regime === 'citizen-appeal')
          assert.ok(deadlines.forwardBy.date <= deadlines.answerBy.date);
        if (deadlines.urgent)
          assert.equal(Date.parse(deadlines.answerBy.endsAt) - ms, 48 * 60 * 60 * 1000, 'exactly 48 hours');
      }),
      { numRuns: 300 },
    );
  });

  it('making holidays days off never brings a deadline forward', () => {
    fc.assert(
      fc.property(instantMs, terms, (ms, appeal) => {
        const input = { ...appeal, registeredAt: new Date(ms) };
        const working = computeDeadlines(input, base.with({ holidaysAreDaysOff: false }));
        const resting = computeDeadlines(input, base.with({ holidaysAreDaysOff: true }));
        for (const key of ['forwardBy', 'answerBy', 'maxAnswerBy'] as const)
          assert.ok(Date.parse(resting[key].endsAt) >= Date.parse(working[key].endsAt));
      }),
      { numRuns: 200 },
    );
  });

  it('the same instant written in any zone gives the same deadlines', () => {
    const offsets = fc.integer({ min: -14 * 60, max: 14 * 60 });
    fc.assert(
      fc.property(instantMs, offsets, terms, (ms, offsetMinutes, appeal) => {
        const shifted = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19);
        const sign = offsetMinutes < 0 ? '-' : '+';
        const abs = Math.abs(offsetMinutes);
        const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
        const written = `${shifted}${zone}`;
        const seconds = Math.floor(ms / 1000) * 1000;
        assert.equal(Date.parse(written), seconds);
        assert.deepEqual(
          computeDeadlines({ ...appeal, registeredAt: written }, base),
          computeDeadlines({ ...appeal, registeredAt: formatInstant(seconds, 'UTC') }, base),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('an extension lands on a working day within (current, maximum], or is refused with a code', () => {
    fc.assert(
      fc.property(
        instantMs,
        terms,
        calendar,
        fc.integer({ min: -5, max: 60 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (ms, appeal, cal, untilOffset, when) => {
          const deadlines = computeDeadlines({ ...appeal, registeredAt: new Date(ms) }, cal);
          const end = Date.parse(deadlines.answerBy.endsAt);
          const at = new Date(Math.floor(ms + (end - ms) * when * 0.999));
          const until = addDays(startDate(deadlines), untilOffset);
          let extended: AppealDeadlines;
          try {
            extended = extendDeadlines(deadlines, { at, until }, cal);
          } catch (error) {
            assert.ok(error instanceof VkhidError, String(error));
            const next = cal.nextWorkingDay(until);
            if (error.code === 'DEADLINE_EXTENSION_BEYOND_MAXIMUM')
              assert.ok(next > deadlines.maxAnswerBy.date);
            else {
              assert.equal(error.code, 'DEADLINE_EXTENSION_REFUSED');
              assert.ok(next <= deadlines.answerBy.date);
            }
            return;
          }
          assert.ok(extended.answerBy.date > deadlines.answerBy.date);
          assert.ok(extended.answerBy.date <= deadlines.maxAnswerBy.date);
          assert.ok(cal.isWorkingDay(extended.answerBy.date));
          assertEndsAtKyivMidnight(extended.answerBy);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a redirect gives the deadlines of an appeal registered at the redirect', () => {
    fc.assert(
      fc.property(
        instantMs,
        terms,
        fc.integer({ min: 0, max: 10 * 24 * 3600 * 1000 }),
        (ms, appeal, delay) => {
          const first = computeDeadlines({ ...appeal, registeredAt: new Date(ms) }, base);
          const at = new Date(ms + delay);
          const redirected = redirectDeadlines(first, { at }, base);
          const fresh = computeDeadlines({ ...appeal, registeredAt: at }, base);
          assert.deepEqual(
            { ...redirected, firstRegisteredAt: fresh.firstRegisteredAt, redirects: 0 },
            fresh,
          );
          assert.equal(redirected.firstRegisteredAt, first.registeredAt);
          assert.ok(Date.parse(redirected.answerBy.endsAt) >= Date.parse(first.answerBy.endsAt));
        },
      ),
      { numRuns: 200 },
    );
  });
});
