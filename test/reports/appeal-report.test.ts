/**
 * The appeals report on the hand-built story of test/reports/fixtures/report-appeals.ts: every figure is known
 * in advance (see the story's table), so each section is asserted whole.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  appealReport,
  durationStats,
  nearestRank,
  type AppealReport,
} from '../../gateway/reports/appeal-report.js';
import type { AppealReportOptions } from '../../gateway/reports/report-query.js';
import { repeatKeyOf } from '../../gateway/reports/repeat-key.js';
import { findAppeal } from '../../gateway/tracking/appeal-tracker.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { sampleEnvelope } from '../envelope/fixtures/sample-envelopes.js';
import {
  A,
  AT,
  B,
  C,
  CC,
  CC2,
  NAMES,
  PERIOD,
  REPEAT_SECRET,
  openReportHub,
  type ReportHub,
} from './fixtures/report-appeals.js';

async function expectRefusal(action: () => Promise<unknown>, field: string): Promise<void> {
  await assert.rejects(action, (error: unknown) => {
    assert.ok(error instanceof VkhidError, String(error));
    assert.equal(error.code, 'REPORT_QUERY_INVALID', error.message);
    assert.equal(error.field, field, error.message);
    return true;
  });
}

describe('appealReport', function () {
  this.timeout(60_000);
  let world: ReportHub;

  before(async () => {
    world = await openReportHub();
  });
  after(() => world?.close());

  const report = (options: Partial<AppealReportOptions> = {}): Promise<AppealReport> =>
    world.hub.store.read((db) => appealReport(db, { ...PERIOD, at: AT, ...options }));

  describe('on March 2026 as of 20 April', () => {
    let march: AppealReport;
    before(async () => {
      march = await report();
    });

    it('states the period in UTC, from Kyiv midnight to Kyiv midnight', () => {
      assert.deepEqual(march.period, { from: '2026-02-28T22:00:00.000Z', to: '2026-03-31T21:00:00.000Z' });
      assert.equal(march.at, '2026-04-20T09:00:00.000Z');
      assert.deepEqual(march.filters, { agency: null, contactCenter: null });
    });

    it('counts the appeals registered in the period, and leaves out T7 of April', () => {
      assert.deepEqual(march.totals, { appeals: 10, open: 5, answered: 4, refused: 1, closed: 0 });
    });

    it('counts by holding agency (with its name), category, channel, state and kind', () => {
      assert.deepEqual(march.byAgency, [
        { agency: C, name: NAMES[C], appeals: 5 },
        { agency: A, name: NAMES[A], appeals: 3 },
        { agency: B, name: NAMES[B], appeals: 2 },
      ]);
      assert.deepEqual(march.byCategory, [
        { category: 'housing', appeals: 4 },
        { category: 'roads', appeals: 4 },
        { category: 'lighting', appeals: 2 },
      ]);
      assert.deepEqual(march.byChannel, [
        { channel: 'hotline', appeals: 7 },
        { channel: 'web', appeals: 2 },
        { channel: 'email', appeals: 1 },
      ]);
      assert.deepEqual(march.byState, [
        { state: 'answered', appeals: 4 },
        { state: 'routed', appeals: 3 },
        { state: 'redirected', appeals: 1 },
        { state: 'refused', appeals: 1 },
        { state: 'under-consideration', appeals: 1 },
      ]);
      assert.deepEqual(march.byKind, [
        { kind: 'citizen-appeal', appeals: 9 },
        { kind: 'public-info-request', appeals: 1 },
      ]);
    });

    it('gives the time from routing to registration per agency, nearest rank (hours)', () => {
      // A: 2, 4.5, 6, 8 → median rank ⌈2⌉ = 4.5, p90 rank ⌈3.6⌉ = 8. B: 1 (T4 after the redirect), 3.
      // Overall 1, 2, 3, 4.5, 6, 8 → median rank 3 = 3, p90 rank ⌈5.4⌉ = 8.
      assert.deepEqual(march.timeToRegistration, {
        unit: 'hours',
        overall: { count: 6, median: 3, p90: 8 },
        byAgency: [
          { agency: A, name: NAMES[A], count: 4, median: 4.5, p90: 8 },
          { agency: B, name: NAMES[B], count: 2, median: 1, p90: 3 },
        ],
      });
    });

    it('gives the time from registration at the contact center to the answer, by answering agency (days)', () => {
      // 10 and 20 days (A); 15 (T4, answered by B after the redirect) and 40 days (B), across the DST change.
      assert.deepEqual(march.timeToAnswer, {
        unit: 'days',
        overall: { count: 4, median: 15, p90: 40 },
        byAgency: [
          { agency: A, name: NAMES[A], count: 2, median: 10, p90: 20 },
          { agency: B, name: NAMES[B], count: 2, median: 15, p90: 40 },
        ],
      });
    });

    it('counts open appeals past their answer term per holder, and the answer given late', () => {
      assert.deepEqual(march.overdue, {
        open: 5,
        answeredLate: 1,
        byAgency: [
          { agency: C, name: NAMES[C], open: 4, answeredLate: 0 },
          { agency: A, name: NAMES[A], open: 1, answeredLate: 0 },
          { agency: B, name: NAMES[B], open: 0, answeredLate: 1 },
        ],
      });
    });

    it('counts redirects per redirecting agency against the appeals routed to it', () => {
      assert.deepEqual(march.redirects, {
        total: 2,
        notWithinCompetence: 1,
        byAgency: [
          {
            agency: A,
            name: NAMES[A],
            appeals: 4,
            redirects: 1,
            notWithinCompetence: 1,
            redirectShare: 0.25,
            notWithinCompetenceShare: 0.25,
          },
          {
            agency: C,
            name: NAMES[C],
            appeals: 5,
            redirects: 1,
            notWithinCompetence: 0,
            redirectShare: 0.2,
            notWithinCompetenceShare: 0,
          },
          {
            agency: B,
            name: NAMES[B],
            appeals: 2,
            redirects: 0,
            notWithinCompetence: 0,
            redirectShare: 0,
            notWithinCompetenceShare: 0,
          },
        ],
      });
    });

    it('counts repeat appeals and their groups per category (T8 repeats T1, T10 repeats T2; T9 does not)', () => {
      assert.deepEqual(march.repeats, {
        appeals: 2,
        groups: 2,
        byCategory: [
          { category: 'lighting', appeals: 1, groups: 1 },
          { category: 'roads', appeals: 1, groups: 1 },
        ],
      });
    });

    it('holds no tracking number, applicant, subject or repeat key', () => {
      const text = JSON.stringify(march);
      assert.doesNotMatch(text, /RPT-/);
      assert.doesNotMatch(text, /Коваленко|Іваненко|Ремонт|Освітлення/i);
      const appeal = sampleEnvelope('appeal').body.appeal;
      appeal.applicant.fullName = 'Коваленко Олена Петрівна';
      appeal.category = 'roads';
      appeal.subject = 'Ремонт дороги на вул. Велика Васильківська';
      assert.ok(!text.includes(repeatKeyOf(REPEAT_SECRET, appeal)));
      assert.doesNotMatch(text, /[0-9a-f]{64}/);
    });
  });

  it('judges an open appeal overdue from the instant its answer term ends, not a millisecond before', async () => {
    const t3 = await world.hub.store.read((db) => findAppeal(db, 'RPT-T3'));
    assert.ok(t3);
    const endsAt = new Date(t3.deadlines.answerBy.endsAt);
    const before = await report({ at: new Date(endsAt.getTime() - 1) });
    assert.equal(before.overdue.open, 0);
    const at = await report({ at: endsAt });
    assert.equal(at.overdue.open, 1);
    assert.deepEqual(
      at.overdue.byAgency.filter((row) => row.open > 0).map((row) => row.agency),
      [A],
    );
    // Answered late is a fact of the answer, whatever `at` is.
    assert.equal(before.overdue.answeredLate, 1);
  });

  it('covers every appeal without a period: T7 of April repeats T1 as well', async () => {
    const all = await world.hub.store.read((db) => appealReport(db, { at: AT }));
    assert.equal(all.totals.appeals, 11);
    assert.deepEqual(all.period, { from: null, to: null });
    assert.deepEqual(all.repeats, {
      appeals: 3,
      groups: 2,
      byCategory: [
        { category: 'roads', appeals: 2, groups: 1 },
        { category: 'lighting', appeals: 1, groups: 1 },
      ],
    });
  });

  it('finds the earlier appeal a repeat repeats before the period', async () => {
    const late = await report({ from: '2026-03-09' });
    assert.equal(late.totals.appeals, 4, 'T8 to T11');
    assert.equal(late.repeats.appeals, 2);
  });

  it('takes instants with their zone as period bounds', async () => {
    // T1 was registered at 09:00 Kyiv on 2 March (07:00 UTC): a bound a second later leaves it out.
    const from = await report({ from: '2026-03-02T07:00:01Z', to: '2026-03-03T00:00:00+02:00' });
    assert.equal(from.totals.appeals, 0);
    const exact = await report({ from: '2026-03-02T09:00:00+02:00', to: '2026-03-03T00:00:00+02:00' });
    assert.equal(exact.totals.appeals, 1);
  });

  it('keeps to the appeals routed to an agency, and to its rows, with `agency`', async () => {
    const b = await report({ agency: B });
    assert.deepEqual(b.filters, { agency: B, contactCenter: null });
    assert.equal(b.totals.appeals, 2, 'T4 (after its redirect) and T5');
    assert.deepEqual(b.byAgency, [{ agency: B, name: NAMES[B], appeals: 2 }]);
    assert.deepEqual(b.timeToRegistration.overall, { count: 2, median: 1, p90: 3 });
    assert.deepEqual(
      b.redirects.byAgency.map((row) => [row.agency, row.appeals, row.redirects]),
      [[B, 2, 0]],
    );
    const a = await report({ agency: A });
    assert.equal(a.totals.appeals, 4, 'T1 to T4: T4 counts for A, which redirected it');
    assert.deepEqual(
      a.redirects.byAgency.map((row) => [row.agency, row.notWithinCompetence]),
      [[A, 1]],
    );
  });

  it('keeps to one contact center with `contactCenter`', async () => {
    const other = await report({ contactCenter: CC2 });
    assert.equal(other.totals.appeals, 1);
    assert.deepEqual(other.byAgency, [{ agency: C, name: NAMES[C], appeals: 1 }]);
    assert.equal((await report({ contactCenter: CC })).totals.appeals, 9);
  });

  it('refuses bad options with REPORT_QUERY_INVALID naming the field', async () => {
    await expectRefusal(() => report({ from: '2026-02-30' }), 'from');
    await expectRefusal(() => report({ to: '2026-03-01T10:00:00' }), 'to');
    await expectRefusal(() => report({ from: '2026-03-10', to: '2026-03-10' }), 'from');
    await expectRefusal(() => report({ agency: '00022528' }), 'agency');
    await expectRefusal(() => report({ contactCenter: 'КЦ' }), 'contactCenter');
    await expectRefusal(() => report({ at: new Date(Number.NaN) }), 'at');
  });

  it('gives empty sections and null statistics for a period without appeals', async () => {
    const empty = await report({ from: '2030-01-01', to: '2030-02-01' });
    assert.equal(empty.totals.appeals, 0);
    assert.deepEqual(empty.byAgency, []);
    assert.deepEqual(empty.timeToAnswer.overall, { count: 0, median: null, p90: null });
    assert.deepEqual(empty.redirects, { total: 0, notWithinCompetence: 0, byAgency: [] });
    assert.deepEqual(empty.repeats, { appeals: 0, groups: 0, byCategory: [] });
  });
});

describe('nearest-rank percentiles', () => {
  it('takes the value at rank ⌈p/100 · n⌉', () => {
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    assert.equal(nearestRank(ten, 50), 5);
    assert.equal(nearestRank(ten, 90), 9);
    assert.equal(nearestRank(ten, 91), 10);
    assert.equal(nearestRank([7], 90), 7);
    assert.equal(nearestRank([], 50), undefined);
  });

  it('rounds statistics to one decimal', () => {
    assert.deepEqual(durationStats([0.04, 1.25, 2.96]), { count: 3, median: 1.3, p90: 3 });
  });

  it('is an observed value with at least p % of the values at or below it, and fewer below it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 50 }),
        fc.integer({ min: 1, max: 100 }),
        (values, p) => {
          const sorted = [...values].sort((a, b) => a - b);
          const value = nearestRank(sorted, p)!;
          assert.ok(sorted.includes(value));
          assert.ok(sorted.filter((v) => v <= value).length >= (p / 100) * sorted.length);
          assert.ok(sorted.filter((v) => v < value).length < (p / 100) * sorted.length);
        },
      ),
    );
  });
});
