/**
 * The working-day calendar from config/calendar.json: art. 73 holidays as they changed in 2022–2023, the
 * martial-law setting both ways, art. 67 part 3 transfers, one-off adjustments, and a refused bad file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defaultCalendarPath,
  WorkingCalendar,
  type CalendarSettings,
} from '../../gateway/deadlines/working-calendar.js';
import { expectVkhidError } from '../envelope/fixtures/expect-vkhid-error.js';

const shipped = WorkingCalendar.load();
const martial = shipped.with({ holidaysAreDaysOff: false });
const peace = shipped.with({ holidaysAreDaysOff: true });
const datesOf = (calendar: WorkingCalendar, year: number): string[] =>
  calendar.holidaysIn(year).map((holiday) => holiday.date.slice(5));

function custom(settings: Partial<CalendarSettings>): WorkingCalendar {
  return WorkingCalendar.fromSettings({ holidaysAreDaysOff: true, holidays: [], ...settings });
}

describe('WorkingCalendar', () => {
  describe('holidays of Labour Code art. 73 by year', () => {
    it('2025 and later: the nine fixed holidays plus Easter and Trinity', () => {
      assert.deepEqual(datesOf(shipped, 2025), [
        '01-01',
        '03-08',
        '04-20',
        '05-01',
        '05-08',
        '06-08',
        '06-28',
        '07-15',
        '08-24',
        '10-01',
        '12-25',
      ]);
      assert.deepEqual(datesOf(shipped, 2024), [
        '01-01',
        '03-08',
        '05-01',
        '05-05',
        '05-08',
        '06-23',
        '06-28',
        '07-15',
        '08-24',
        '10-01',
        '12-25',
      ]);
    });

    it('2023: each rule as in force on the day (9 May before 15 June; 7 January, 28 July, 1 October by the September change)', () => {
      assert.deepEqual(datesOf(shipped, 2023), [
        '01-01',
        '01-07',
        '03-08',
        '04-16',
        '05-01',
        '05-09',
        '06-04',
        '06-28',
        '07-28',
        '08-24',
        '10-01',
        '12-25',
      ]);
    });

    it('2022: Statehood Day on 28 July from its law of June 2022, Defenders Day on 14 October', () => {
      const dates = datesOf(shipped, 2022);
      assert.ok(dates.includes('07-28') && dates.includes('10-14') && dates.includes('01-07'));
      assert.ok(!dates.includes('07-15') && !dates.includes('10-01') && !dates.includes('05-08'));
      assert.equal(
        shipped.holidaysIn(2021).find((h) => h.date === '2021-07-28'),
        undefined,
      );
    });

    it('names each holiday and keeps its legal basis', () => {
      const christmas = shipped.holidaysIn(2025).find((holiday) => holiday.date === '2025-12-25');
      assert.equal(christmas?.name, 'Різдво Христове');
      assert.match(christmas?.basis ?? '', /ст\. 73/);
    });
  });

  describe('holidays during martial law (holidaysAreDaysOff: false)', () => {
    it('works on holidays, keeps the list, and moves no day off', () => {
      assert.deepEqual(martial.day('2025-12-25'), {
        date: '2025-12-25',
        working: true,
        holiday: 'Різдво Христове',
      });
      assert.ok(martial.isWorkingDay('2025-08-25'), 'the Monday after Independence Day on Sunday');
      assert.ok(martial.isWorkingDay('2026-01-01'));
      assert.equal(martial.holidaysIn(2025).length, 11);
      assert.ok(martial.holidaysIn(2025).every((holiday) => !holiday.dayOff));
    });

    it('still rests on weekends, including a holiday on a weekend', () => {
      assert.deepEqual(martial.day('2025-04-20'), {
        date: '2025-04-20',
        working: false,
        reason: 'weekend',
        holiday: 'Пасха (Великдень)',
      });
      assert.deepEqual(martial.day('2025-03-29'), { date: '2025-03-29', working: false, reason: 'weekend' });
    });
  });

  describe('holidays in peacetime (holidaysAreDaysOff: true)', () => {
    it('rests on holidays on weekdays', () => {
      assert.deepEqual(peace.day('2025-12-25'), {
        date: '2025-12-25',
        working: false,
        reason: 'holiday',
        holiday: 'Різдво Христове',
      });
      assert.ok(!peace.isWorkingDay('2026-01-01'));
      assert.ok(peace.holidaysIn(2025).every((holiday) => holiday.dayOff));
    });

    it('moves the day off of a holiday on a weekend to the next working day (art. 67 part 3)', () => {
      assert.equal(peace.day('2025-04-21').reason, 'transferred', 'Easter Monday');
      assert.equal(peace.day('2025-06-09').reason, 'transferred', 'Trinity Monday');
      assert.equal(peace.day('2025-08-25').holiday, 'День Незалежності України');
      assert.equal(peace.day('2026-03-09').reason, 'transferred', '8 March 2026 is a Sunday');
      assert.ok(peace.isWorkingDay('2025-04-22'));
    });

    it('gives two holidays on one weekend two separate days off, also across the new year', () => {
      const calendar = custom({
        holidays: [
          { date: '12-31', name: 'Eve' },
          { date: '01-01', name: 'New Year' },
        ],
      });
      // 2022-12-31 is a Saturday and 2023-01-01 a Sunday.
      assert.deepEqual(calendar.day('2023-01-02'), {
        date: '2023-01-02',
        working: false,
        reason: 'transferred',
        holiday: 'Eve',
      });
      assert.equal(calendar.day('2023-01-03').holiday, 'New Year');
      assert.ok(calendar.isWorkingDay('2023-01-04'));
    });

    it('can switch the transfer off', () => {
      assert.ok(peace.with({ weekendHolidayTransfer: false }).isWorkingDay('2025-04-21'));
    });
  });

  describe('adjustments', () => {
    it('make single days off or working days, whatever the holiday setting', () => {
      const adjustments = [
        { date: '2025-05-02', dayOff: true, basis: 'order' },
        { date: '2025-05-10', dayOff: false, basis: 'order' },
        { date: '2025-12-25', dayOff: false },
      ];
      for (const calendar of [martial.with({ adjustments }), peace.with({ adjustments })]) {
        assert.deepEqual(calendar.day('2025-05-02'), {
          date: '2025-05-02',
          working: false,
          reason: 'adjustment',
        });
        assert.ok(calendar.isWorkingDay('2025-05-10'), 'a Saturday made a working day');
        assert.ok(calendar.isWorkingDay('2025-12-25'));
      }
    });
  });

  describe('counting', () => {
    it('counts working days from the day after, skipping weekends and days off', () => {
      assert.equal(martial.addWorkingDays('2025-12-24', 5), '2025-12-31');
      assert.equal(peace.addWorkingDays('2025-12-24', 5), '2026-01-02');
      assert.equal(martial.addWorkingDays('2025-03-29', 1), '2025-03-31', 'from a Saturday');
      assert.equal(peace.workingDaysBetween('2025-12-24', '2026-01-02'), 5);
      assert.equal(peace.workingDaysBetween('2025-12-24', '2025-12-24'), 0);
      assert.throws(() => peace.addWorkingDays('2025-01-01', 0), RangeError);
    });

    it('finds the next working day from a day off, or the day itself', () => {
      assert.equal(peace.nextWorkingDay('2025-04-19'), '2025-04-22');
      assert.equal(martial.nextWorkingDay('2025-04-19'), '2025-04-21');
      assert.equal(martial.nextWorkingDay('2025-04-22'), '2025-04-22');
    });

    it('honours another weekend and another zone', () => {
      const calendar = custom({ weekend: ['friday', 'saturday'], timeZone: 'Asia/Jerusalem' });
      assert.equal(calendar.timeZone, 'Asia/Jerusalem');
      assert.ok(calendar.isWorkingDay('2025-03-30'), 'a Sunday');
      assert.ok(!calendar.isWorkingDay('2025-03-28'), 'a Friday');
      assert.equal(shipped.timeZone, 'Europe/Kyiv');
    });
  });

  describe('the file', () => {
    let directory: string;
    before(() => {
      directory = mkdtempSync(join(tmpdir(), 'vkhid-calendar-'));
    });
    after(() => rmSync(directory, { recursive: true, force: true }));

    it('changes results when edited, without code changes', () => {
      const settings = JSON.parse(readFileSync(defaultCalendarPath, 'utf8')) as Record<string, unknown>;
      const path = join(directory, 'calendar.json');
      writeFileSync(path, JSON.stringify({ ...settings, holidaysAreDaysOff: false }));
      assert.ok(WorkingCalendar.load(path).isWorkingDay('2025-12-25'));
      writeFileSync(path, JSON.stringify({ ...settings, holidaysAreDaysOff: true }));
      assert.ok(!WorkingCalendar.load(path).isWorkingDay('2025-12-25'));
      const holidays = [...(settings.holidays as unknown[]), { date: '2025-11-03', name: 'One-off day off' }];
      writeFileSync(path, JSON.stringify({ ...settings, holidaysAreDaysOff: true, holidays }));
      assert.ok(!WorkingCalendar.load(path).isWorkingDay('2025-11-03'));
      assert.ok(
        WorkingCalendar.load(path).isWorkingDay('2026-11-03'),
        'a YYYY-MM-DD holiday is one day only',
      );
    });

    it('refuses a file that is missing or not JSON', () => {
      expectVkhidError(
        () => WorkingCalendar.load(join(directory, 'absent.json')),
        'DEADLINE_CALENDAR_INVALID',
      );
      const path = join(directory, 'broken.json');
      writeFileSync(path, '{ "holidaysAreDaysOff": false,');
      expectVkhidError(() => WorkingCalendar.load(path), 'DEADLINE_CALENDAR_INVALID');
    });

    const base = { holidaysAreDaysOff: false, holidays: [] };
    const refusals: [string, unknown, string][] = [
      ['not an object', [], '(root)'],
      ['a misspelt setting', { ...base, holidaysAreDaysoff: true }, 'holidaysAreDaysoff'],
      ['a missing switch', { holidays: [] }, 'holidaysAreDaysOff'],
      ['an unknown zone', { ...base, timeZone: 'Europe/Atlantis' }, 'timeZone'],
      ['an unknown weekday', { ...base, weekend: ['sunday', 'funday'] }, 'weekend[1]'],
      [
        'a week without working days',
        { ...base, weekend: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] },
        'weekend',
      ],
      ['holidays not a list', { ...base, holidays: {} }, 'holidays'],
      ['an impossible date', { ...base, holidays: [{ date: '02-30', name: 'x' }] }, 'holidays[0].date'],
      [
        'both date and offset',
        { ...base, holidays: [{ date: '01-01', easterOffset: 1, name: 'x' }] },
        'holidays[0]',
      ],
      ['neither date nor offset', { ...base, holidays: [{ name: 'x' }] }, 'holidays[0]'],
      [
        'a fractional offset',
        { ...base, holidays: [{ easterOffset: 1.5, name: 'x' }] },
        'holidays[0].easterOffset',
      ],
      ['a nameless holiday', { ...base, holidays: [{ date: '01-01' }] }, 'holidays[0].name'],
      [
        'an unknown holiday key',
        { ...base, holidays: [{ date: '01-01', name: 'x', to: '2020-01-01' }] },
        'holidays[0].to',
      ],
      [
        'until before from',
        { ...base, holidays: [{ date: '01-01', name: 'x', from: '2024-01-01', until: '2023-01-01' }] },
        'holidays[0].until',
      ],
      [
        'a bad adjustment date',
        { ...base, adjustments: [{ date: '2025-13-01', dayOff: true }] },
        'adjustments[0].date',
      ],
      [
        'an adjustment without dayOff',
        { ...base, adjustments: [{ date: '2025-01-01' }] },
        'adjustments[0].dayOff',
      ],
      [
        'a day adjusted twice',
        {
          ...base,
          adjustments: [
            { date: '2025-01-01', dayOff: true },
            { date: '2025-01-01', dayOff: false },
          ],
        },
        'adjustments[1].date',
      ],
    ];
    for (const [what, settings, field] of refusals)
      it(`refuses ${what}, naming ${field}`, () => {
        expectVkhidError(() => WorkingCalendar.fromSettings(settings), 'DEADLINE_CALENDAR_INVALID', field);
      });

    it('accepts 29 February as a yearly holiday and skips it in common years', () => {
      const calendar = custom({ holidays: [{ date: '02-29', name: 'Leap day' }] });
      assert.equal(calendar.holidaysIn(2024).length, 1);
      assert.equal(calendar.holidaysIn(2025).length, 0);
    });
  });
});
