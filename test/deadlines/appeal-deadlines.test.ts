/**
 * Statutory deadlines on worked examples: weekends, holidays (as days off and, under martial law, as working
 * days), month and year ends, the Kyiv daylight-saving changes; extensions within and beyond the maximum;
 * redirects restarting the terms; and the on-time / due-soon / overdue state.
 */
import assert from 'node:assert/strict';
import {
  computeDeadlines,
  deadlineStatus,
  extendDeadlines,
  redirectDeadlines,
  termEnd,
  termState,
  type AppealDeadlines,
} from '../../gateway/deadlines/appeal-deadlines.js';
import { STATUTORY_TERMS } from '../../gateway/deadlines/statutory-terms.js';
import { WorkingCalendar } from '../../gateway/deadlines/working-calendar.js';
import { expectVkhidError } from '../envelope/fixtures/expect-vkhid-error.js';

const martial = WorkingCalendar.load().with({ holidaysAreDaysOff: false });
const peace = martial.with({ holidaysAreDaysOff: true });

const appeal = (registeredAt: string, calendar = martial, noAdditionalStudy = false): AppealDeadlines =>
  computeDeadlines({ kind: 'citizen-appeal', registeredAt, noAdditionalStudy }, calendar);
const request = (registeredAt: string, calendar = martial, urgent = false): AppealDeadlines =>
  computeDeadlines({ kind: 'public-info-request', registeredAt, urgent }, calendar);

describe('computeDeadlines', () => {
  describe("citizens' appeals (30 / 15 / 45 calendar days, forwarding within 5)", () => {
    it('counts from the day after registration and ends at 24:00 Kyiv time, across the spring DST change', () => {
      const deadlines = appeal('2025-03-01T10:00:00+02:00'); // a Saturday
      assert.equal(deadlines.regime, 'citizen-appeal');
      assert.equal(deadlines.registeredAt, '2025-03-01T10:00:00+02:00');
      assert.deepEqual(deadlines.forwardBy, {
        date: '2025-03-06',
        endsAt: '2025-03-07T00:00:00+02:00',
        term: { count: 5, unit: 'calendar-days' },
        basis: STATUTORY_TERMS['citizen-appeal'].forward.basis,
      });
      assert.equal(deadlines.answerBy.date, '2025-03-31');
      assert.equal(deadlines.answerBy.endsAt, '2025-04-01T00:00:00+03:00', 'summer time since 30 March');
      assert.equal(deadlines.maxAnswerBy.date, '2025-04-15');
      assert.equal(deadlines.extended, false);
      assert.equal(deadlines.redirects, 0);
    });

    it('takes 15 days for an appeal that needs no additional study', () => {
      const deadlines = appeal('2025-03-01T10:00:00+02:00', martial, true);
      assert.equal(deadlines.answerBy.date, '2025-03-17', 'the 16th is a Sunday');
      assert.equal(deadlines.answerBy.movedFrom, '2025-03-16');
      assert.equal(deadlines.maxAnswerBy.date, '2025-04-15', 'the 45-day maximum still applies');
    });

    it('moves a last day on a weekend to the Monday (Civil Code art. 254)', () => {
      const deadlines = appeal('2025-01-10T09:00:00+02:00');
      assert.equal(deadlines.answerBy.date, '2025-02-10');
      assert.equal(deadlines.answerBy.movedFrom, '2025-02-09');
      assert.equal(deadlines.answerBy.endsAt, '2025-02-11T00:00:00+02:00');
    });

    it('moves a last day on a holiday only when holidays are days off', () => {
      // Registered 25 November: day 30 is Christmas, Thursday 25 December 2025.
      assert.equal(appeal('2025-11-25T12:00:00+02:00', martial).answerBy.date, '2025-12-25');
      const inPeace = appeal('2025-11-25T12:00:00+02:00', peace).answerBy;
      assert.equal(inPeace.date, '2025-12-26');
      assert.equal(inPeace.movedFrom, '2025-12-25');
    });

    it('crosses the year end onto New Year (a holiday) both ways', () => {
      assert.equal(appeal('2025-12-02T15:00:00+02:00', martial).answerBy.date, '2026-01-01');
      assert.equal(appeal('2025-12-02T15:00:00+02:00', peace).answerBy.date, '2026-01-02');
    });

    it('moves the 45-day maximum off Easter Sunday and, in peacetime, off its transferred Monday', () => {
      assert.equal(appeal('2025-03-06T10:00:00+02:00', martial).maxAnswerBy.date, '2025-04-21');
      assert.equal(appeal('2025-03-06T10:00:00+02:00', peace).maxAnswerBy.date, '2025-04-22');
    });

    it('crosses short months: 31 January + 30 days is 2 March (or 1 March in a leap year)', () => {
      assert.equal(
        appeal('2025-01-31T12:00:00+02:00').answerBy.date,
        '2025-03-03',
        '2 March 2025 is a Sunday',
      );
      assert.equal(appeal('2024-01-31T12:00:00+02:00').answerBy.date, '2024-03-01');
    });

    it('places the registration on its Kyiv date, however the instant is written', () => {
      // 00:30 on 30 March in Kyiv is still 29 March in UTC.
      const written = ['2025-03-30T00:30:00+02:00', '2025-03-29T22:30:00Z', '2025-03-29T17:30:00-05:00'];
      const results = written.map((registeredAt) => appeal(registeredAt));
      for (const deadlines of results) {
        assert.equal(deadlines.answerBy.date, '2025-04-29');
        assert.equal(deadlines.registeredAt, '2025-03-30T00:30:00+02:00');
      }
      assert.equal(appeal('2025-03-29T23:59:59+02:00').answerBy.date, '2025-04-28');
    });

    it('applies the citizen-appeal terms to a sensitive report, and ignores "urgent"', () => {
      const report = computeDeadlines(
        { kind: 'sensitive-report', registeredAt: '2025-03-01T10:00:00+02:00', urgent: true },
        martial,
      );
      assert.equal(report.regime, 'citizen-appeal');
      assert.equal(report.urgent, false);
      assert.equal(report.answerBy.date, '2025-03-31');
    });
  });

  describe('public-information requests (5 / 20 working days, 48 hours when urgent)', () => {
    it('counts five working days, skipping the weekend', () => {
      const deadlines = request('2025-03-28T16:30:00+02:00'); // a Friday
      assert.equal(deadlines.regime, 'public-information');
      assert.equal(deadlines.answerBy.date, '2025-04-04');
      assert.deepEqual(deadlines.answerBy.term, { count: 5, unit: 'working-days' });
      assert.equal(deadlines.answerBy.movedFrom, undefined);
      assert.equal(deadlines.forwardBy.date, '2025-04-04', 'forwarding is due within the answer term');
      assert.equal(deadlines.maxAnswerBy.date, '2025-04-25');
    });

    it('counts from a Saturday as from the following Monday', () => {
      assert.equal(request('2025-03-29T11:00:00+02:00').answerBy.date, '2025-04-04');
    });

    it('skips holidays and transferred days off only when holidays are days off', () => {
      assert.equal(request('2025-04-16T10:00:00+03:00', martial).answerBy.date, '2025-04-23');
      assert.equal(
        request('2025-04-16T10:00:00+03:00', peace).answerBy.date,
        '2025-04-24',
        'Easter Monday off',
      );
      assert.equal(request('2025-08-20T10:00:00+03:00', martial).answerBy.date, '2025-08-27');
      assert.equal(request('2025-08-20T10:00:00+03:00', peace).answerBy.date, '2025-08-28');
    });

    it('crosses the year end over Christmas and New Year', () => {
      assert.equal(request('2025-12-24T10:00:00+02:00', martial).answerBy.date, '2025-12-31');
      assert.equal(request('2025-12-24T10:00:00+02:00', peace).answerBy.date, '2026-01-02');
      assert.equal(request('2025-12-24T10:00:00+02:00', martial).maxAnswerBy.date, '2026-01-21');
    });

    it('runs an urgent request 48 real hours, days off and the autumn DST change included', () => {
      const deadlines = request('2025-10-24T15:30:00+03:00', martial, true); // a Friday
      assert.equal(deadlines.urgent, true);
      assert.deepEqual(deadlines.answerBy.term, { count: 48, unit: 'hours' });
      assert.equal(
        deadlines.answerBy.endsAt,
        '2025-10-26T14:30:00+02:00',
        'the night of 26 October has 25 hours',
      );
      assert.equal(deadlines.answerBy.date, '2025-10-26', 'a Sunday: an hour term is not moved');
      assert.equal(deadlines.maxAnswerBy.date, '2025-11-21');
    });

    it('ignores "no additional study" for an information request', () => {
      const deadlines = computeDeadlines(
        { kind: 'public-info-request', registeredAt: '2025-03-28T16:30:00+02:00', noAdditionalStudy: true },
        martial,
      );
      assert.equal(deadlines.noAdditionalStudy, false);
      assert.equal(deadlines.answerBy.date, '2025-04-04');
    });
  });

  it('counts "one month" on request, ending on the same date of the next month or the last day of a short one', () => {
    const month = { count: 1, unit: 'months' } as const;
    assert.equal(
      termEnd(Date.parse('2025-01-31T10:00:00+02:00'), month, 'art. 20', martial).date,
      '2025-02-28',
    );
    assert.equal(
      termEnd(Date.parse('2025-02-15T10:00:00+02:00'), month, 'art. 20', martial).date,
      '2025-03-17',
    );
  });

  it('refuses an unknown kind and an instant without a zone, naming the field', () => {
    expectVkhidError(
      () =>
        computeDeadlines({ kind: 'complaint' as never, registeredAt: '2025-03-01T10:00:00+02:00' }, martial),
      'DEADLINE_INPUT_INVALID',
      'kind',
    );
    expectVkhidError(
      () => computeDeadlines({ kind: 'citizen-appeal', registeredAt: '2025-03-01T10:00:00' }, martial),
      'DEADLINE_INPUT_INVALID',
      'registeredAt',
    );
  });
});

describe('extendDeadlines', () => {
  const registered = appeal('2025-03-01T10:00:00+02:00'); // answer 31 March, maximum 15 April

  it('sets the new last day, moved off a day off, and keeps the other terms', () => {
    const extended = extendDeadlines(
      registered,
      { at: '2025-03-20T10:00:00+02:00', until: '2025-04-12' },
      martial,
    );
    assert.equal(extended.extended, true);
    assert.equal(extended.answerBy.date, '2025-04-14');
    assert.equal(extended.answerBy.movedFrom, '2025-04-12');
    assert.deepEqual(extended.answerBy.term, { count: 44, unit: 'calendar-days' });
    assert.equal(extended.answerBy.endsAt, '2025-04-15T00:00:00+03:00');
    assert.deepEqual(extended.forwardBy, registered.forwardBy);
    assert.deepEqual(extended.maxAnswerBy, registered.maxAnswerBy);
  });

  it('extends to the statutory maximum when no day is given, and may extend again up to it', () => {
    const once = extendDeadlines(
      registered,
      { at: '2025-03-20T10:00:00+02:00', until: '2025-04-07' },
      martial,
    );
    const twice = extendDeadlines(once, { at: '2025-04-03T10:00:00+03:00' }, martial);
    assert.equal(twice.answerBy.date, '2025-04-15');
    assert.deepEqual(twice.answerBy.term, { count: 45, unit: 'calendar-days' });
  });

  it('refuses a day after the 45-day maximum', () => {
    const error = expectVkhidError(
      () => extendDeadlines(registered, { at: '2025-03-20T10:00:00+02:00', until: '2025-04-16' }, martial),
      'DEADLINE_EXTENSION_BEYOND_MAXIMUM',
      'until',
    );
    assert.match(error.message, /2025-04-16 is after the statutory maximum 2025-04-15/);
    // A Saturday before the maximum whose next working day is after it is refused too.
    const late = appeal('2025-03-04T10:00:00+02:00'); // maximum Friday 18 April
    expectVkhidError(
      () => extendDeadlines(late, { at: '2025-03-20T10:00:00+02:00', until: '2025-04-19' }, martial),
      'DEADLINE_EXTENSION_BEYOND_MAXIMUM',
      'until',
    );
  });

  it('refuses an "extension" that is not later, and one decided after the term ran out', () => {
    expectVkhidError(
      () => extendDeadlines(registered, { at: '2025-03-20T10:00:00+02:00', until: '2025-03-31' }, martial),
      'DEADLINE_EXTENSION_REFUSED',
      'until',
    );
    expectVkhidError(
      () => extendDeadlines(registered, { at: '2025-04-01T00:00:00+03:00' }, martial),
      'DEADLINE_EXTENSION_REFUSED',
      'at',
    );
    const justInTime = extendDeadlines(registered, { at: '2025-03-31T23:59:59.999+03:00' }, martial);
    assert.equal(justInTime.answerBy.date, '2025-04-15');
  });

  it('refuses bad inputs, naming the field', () => {
    expectVkhidError(
      () => extendDeadlines(registered, { at: 'yesterday' }, martial),
      'DEADLINE_INPUT_INVALID',
      'at',
    );
    expectVkhidError(
      () => extendDeadlines(registered, { at: '2025-02-01T10:00:00+02:00' }, martial),
      'DEADLINE_INPUT_INVALID',
      'at',
    );
    expectVkhidError(
      () => extendDeadlines(registered, { at: '2025-03-20T10:00:00+02:00', until: '15.04.2025' }, martial),
      'DEADLINE_INPUT_INVALID',
      'until',
    );
  });

  it('extends an information request to at most 20 working days', () => {
    const info = request('2025-08-20T10:00:00+03:00'); // answer 27 August
    const extended = extendDeadlines(info, { at: '2025-08-22T10:00:00+03:00' }, martial);
    assert.equal(extended.answerBy.date, '2025-09-17');
    assert.deepEqual(extended.answerBy.term, { count: 20, unit: 'working-days' });
    const shorter = extendDeadlines(info, { at: '2025-08-22T10:00:00+03:00', until: '2025-09-06' }, martial);
    assert.equal(shorter.answerBy.date, '2025-09-08', 'Saturday 6 September moves to Monday');
    assert.deepEqual(shorter.answerBy.term, { count: 13, unit: 'working-days' });
    expectVkhidError(
      () => extendDeadlines(info, { at: '2025-08-22T10:00:00+03:00', until: '2025-09-18' }, martial),
      'DEADLINE_EXTENSION_BEYOND_MAXIMUM',
      'until',
    );
  });

  it('extends a 15-day appeal up to the same 45-day maximum', () => {
    const quick = appeal('2025-03-01T10:00:00+02:00', martial, true);
    assert.equal(
      extendDeadlines(quick, { at: '2025-03-10T10:00:00+02:00' }, martial).answerBy.date,
      '2025-04-15',
    );
  });
});

describe('redirectDeadlines', () => {
  const registered = appeal('2025-03-01T10:00:00+02:00');

  it('restarts every term from the day the new body receives the appeal', () => {
    const at = '2025-03-05T12:00:00+02:00';
    const redirected = redirectDeadlines(registered, { at }, martial);
    assert.equal(redirected.registeredAt, at);
    assert.equal(redirected.firstRegisteredAt, registered.registeredAt);
    assert.equal(redirected.redirects, 1);
    assert.equal(redirected.forwardBy.date, '2025-03-10');
    assert.equal(redirected.answerBy.date, '2025-04-04');
    assert.equal(redirected.maxAnswerBy.date, '2025-04-21', 'Saturday 19 April moves to Monday');
    assert.equal(redirectDeadlines(registered, { at }, peace).maxAnswerBy.date, '2025-04-22');
    assert.notEqual(termState(registered.forwardBy, at), 'overdue', 'forwarded within 5 days');
    assert.equal(termState(registered.forwardBy, '2025-03-07T00:00:00+02:00'), 'overdue', 'a day late');
  });

  it('drops an earlier extension and keeps the appeal flags', () => {
    const quick = appeal('2025-03-01T10:00:00+02:00', martial, true);
    const extended = extendDeadlines(quick, { at: '2025-03-03T10:00:00+02:00' }, martial);
    const redirected = redirectDeadlines(extended, { at: '2025-03-04T09:00:00+02:00' }, martial);
    assert.equal(redirected.extended, false);
    assert.equal(redirected.noAdditionalStudy, true);
    assert.equal(redirected.answerBy.date, '2025-03-19');
    assert.equal(redirectDeadlines(redirected, { at: '2025-03-06T09:00:00+02:00' }, martial).redirects, 2);
  });

  it('restarts an information request from the proper holder’s receipt (art. 22 part 3)', () => {
    const info = request('2025-03-28T16:30:00+02:00');
    const redirected = redirectDeadlines(info, { at: '2025-04-02T09:00:00+03:00' }, martial);
    assert.equal(redirected.answerBy.date, '2025-04-09');
  });

  it('refuses a redirect dated before the registration', () => {
    expectVkhidError(
      () => redirectDeadlines(registered, { at: '2025-02-28T10:00:00+02:00' }, martial),
      'DEADLINE_INPUT_INVALID',
      'at',
    );
  });
});

describe('deadlineStatus', () => {
  const registered = appeal('2025-03-01T10:00:00+02:00'); // the answer term ends 2025-03-31T21:00:00Z

  it('is on time, then due soon within 72 hours, then overdue from the end on', () => {
    assert.equal(deadlineStatus(registered, '2025-03-20T10:00:00+02:00'), 'on-time');
    assert.equal(deadlineStatus(registered, '2025-03-28T20:59:59Z'), 'on-time');
    assert.equal(deadlineStatus(registered, '2025-03-28T21:00:00Z'), 'due-soon');
    assert.equal(deadlineStatus(registered, new Date(Date.parse('2025-03-31T20:59:59.999Z'))), 'due-soon');
    assert.equal(deadlineStatus(registered, '2025-04-01T00:00:00+03:00'), 'overdue');
  });

  it('takes the window in hours or in working days left', () => {
    assert.equal(deadlineStatus(registered, '2025-03-20T10:00:00+02:00', { hours: 24 * 12 }), 'due-soon');
    const window = { workingDays: 2, calendar: martial };
    assert.equal(deadlineStatus(registered, '2025-03-26T18:00:00+02:00', window), 'on-time');
    assert.equal(deadlineStatus(registered, '2025-03-27T09:00:00+02:00', window), 'due-soon');
    assert.equal(deadlineStatus(registered, '2025-03-31T23:00:00+03:00', window), 'due-soon');
    assert.equal(deadlineStatus(registered, '2025-04-01T00:00:00+03:00', window), 'overdue');
  });

  it('follows an extension', () => {
    const extended = extendDeadlines(registered, { at: '2025-03-20T10:00:00+02:00' }, martial);
    assert.equal(deadlineStatus(extended, '2025-04-02T10:00:00+03:00'), 'on-time');
  });

  it('refuses a clock reading without a zone', () => {
    expectVkhidError(() => deadlineStatus(registered, '2025-03-20 10:00'), 'DEADLINE_INPUT_INVALID', 'now');
  });
});
