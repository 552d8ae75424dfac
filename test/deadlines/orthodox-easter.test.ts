/**
 * Orthodox Easter (Julian paschalion, given as a Gregorian date): the movable holidays Easter and Trinity of
 * Labour Code art. 73 depend on it.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isoWeekday } from '../../gateway/deadlines/civil-dates.js';
import { orthodoxEaster } from '../../gateway/deadlines/orthodox-easter.js';

describe('orthodoxEaster', () => {
  it('gives the published dates', () => {
    const known: Record<number, string> = {
      2019: '2019-04-28',
      2020: '2020-04-19',
      2021: '2021-05-02',
      2022: '2022-04-24',
      2023: '2023-04-16',
      2024: '2024-05-05',
      2025: '2025-04-20',
      2026: '2026-04-12',
      2027: '2027-05-02',
      2028: '2028-04-16',
      2029: '2029-04-08',
      2030: '2030-04-28',
    };
    for (const [year, date] of Object.entries(known)) assert.equal(orthodoxEaster(Number(year)), date, year);
  });

  it('property: always a Sunday between 4 April and 8 May (1900–2099)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1900, max: 2099 }), (year) => {
        const easter = orthodoxEaster(year);
        assert.equal(isoWeekday(easter), 7);
        const monthDay = easter.slice(5);
        assert.ok(monthDay >= '04-04' && monthDay <= '05-08', easter);
      }),
    );
  });

  it('refuses years outside the Gregorian era', () => {
    assert.throws(() => orthodoxEaster(1500), RangeError);
    assert.throws(() => orthodoxEaster(2025.5), RangeError);
  });
});
