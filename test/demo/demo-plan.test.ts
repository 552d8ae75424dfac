import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DemoUsageError, demoDataDir, parseDemoArgs } from '../../demo/demo-options.js';
import { AGENCY_KEYS } from '../../demo/demo-participants.js';
import { appealOf } from '../../demo/contact-center.js';
import { followUps, MIN_APPEALS, planBatch, SCENARIOS } from '../../demo/demo-plan.js';
import { repeatKeyOf } from '../../gateway/reports/repeat-key.js';

const NOW = new Date('2026-03-10T09:00:00Z');
const DAY = 86_400_000;

describe('demo plan', () => {
  it('gives every agency a refusal and an overdue appeal, one redirect from the JSON agency, two extensions', () => {
    const plans = planBatch(30, { seed: 7, now: NOW });
    assert.equal(plans.length, 30);
    assert.equal(new Set(plans.map((p) => p.tracking)).size, 30, 'tracking numbers are unique');
    for (const agency of AGENCY_KEYS) {
      const own = plans.filter((p) => p.agency === agency);
      assert.equal(own.length, 10, 'round-robin');
      assert.equal(own.filter((p) => p.scenario === 'refused').length, 1, agency);
      assert.equal(own.filter((p) => p.scenario === 'overdue').length, 1, agency);
    }
    const redirected = plans.filter((p) => p.scenario === 'redirected');
    assert.deepEqual(
      redirected.map((p) => p.agency),
      ['json'],
    );
    assert.deepEqual(
      plans
        .filter((p) => p.scenario === 'extended')
        .map((p) => p.agency)
        .sort(),
      ['json', 'sev1207'],
    );
    for (const scenario of SCENARIOS)
      assert.ok(
        plans.some((p) => p.scenario === scenario),
        scenario,
      );
  });

  it('dates overdue appeals 40 days back and the others within the last three days', () => {
    for (const plan of planBatch(MIN_APPEALS, { seed: 1, now: NOW })) {
      const age = NOW.getTime() - plan.receivedAt.getTime();
      if (plan.scenario === 'overdue') assert.equal(age, 40 * DAY);
      else assert.ok(age > 0 && age <= 3 * DAY, `${plan.tracking}: ${age}`);
    }
  });

  for (const count of [MIN_APPEALS, 24, 300]) {
    it(`has two answered appeals of ${count} repeat an earlier one at the same agency`, () => {
      const plans = planBatch(count, { seed: 3, now: NOW });
      const repeats = plans.filter((p) => p.repeatOf !== undefined);
      assert.equal(repeats.length, 2);
      const secret = Buffer.from('demo test secret');
      const keys = new Map<string, number>();
      for (const plan of plans) {
        const key = repeatKeyOf(secret, appealOf(plan));
        keys.set(key, (keys.get(key) ?? 0) + 1);
      }
      assert.equal(plans.length - keys.size, 2, 'exactly two appeals share a key with another');
      for (const repeat of repeats) {
        const first = plans[repeat.repeatOf ?? -1];
        assert.ok(first !== undefined && first.repeatOf === undefined);
        assert.equal(repeat.scenario, 'answered');
        assert.equal(first.scenario, 'answered');
        assert.equal(first.agency, repeat.agency);
        assert.equal(repeatKeyOf(secret, appealOf(first)), repeatKeyOf(secret, appealOf(repeat)));
        assert.ok(
          first.receivedAt < repeat.receivedAt ||
            (first.receivedAt.getTime() === repeat.receivedAt.getTime() && first.index < repeat.index),
          'the repeat comes after the appeal it repeats',
        );
      }
    });
  }

  it('makes about a tenth of the batch requests for public information, answered, not urgent, due in 5 working days', () => {
    for (const count of [MIN_APPEALS, 300]) {
      const plans = planBatch(count, { seed: 5, now: NOW });
      const requests = plans.filter((p) => p.kind === 'public-info-request');
      assert.equal(requests.length, Math.round(count / 10), String(count));
      for (const plan of requests) {
        assert.equal(plan.scenario, 'answered');
        assert.equal(plan.urgent, false);
        assert.equal(plan.repeatOf, undefined);
        assert.ok(!plans.some((p) => p.repeatOf === plan.index), 'not an appeal that is repeated');
      }
      assert.ok(plans.filter((p) => p.kind === 'citizen-appeal').length >= count - requests.length);
    }
    // Received on Friday 2026-03-06: the term counts from Monday and ends on Friday 2026-03-13 (8 March, a
    // holiday, is the Sunday between).
    const request = planBatch(MIN_APPEALS, { seed: 5, now: NOW }).find(
      (p) => p.kind === 'public-info-request',
    );
    assert.ok(request);
    const friday = appealOf({ ...request, receivedAt: new Date('2026-03-06T10:00:00+02:00') });
    assert.equal(friday.kind, 'public-info-request');
    assert.equal(friday.deadline, '2026-03-13');
  });

  it('is the same for the same seed and differs for another', () => {
    const scenarios = (seed: number) => planBatch(60, { seed, now: NOW }).map((p) => p.scenario);
    assert.deepEqual(scenarios(42), scenarios(42));
    assert.notDeepEqual(scenarios(42), scenarios(43));
  });

  it(`refuses fewer than ${MIN_APPEALS} appeals`, () => {
    assert.throws(() => planBatch(MIN_APPEALS - 1, { seed: 1, now: NOW }), RangeError);
  });

  it('has the forwarded appeal answered by the agency it reached, whatever its first scenario', () => {
    assert.deepEqual(followUps('redirected', false), ['redirect']);
    assert.deepEqual(followUps('redirected', true), ['consider', 'answer']);
    assert.deepEqual(followUps('extended', false), ['consider', 'extend', 'answer']);
    assert.deepEqual(followUps('overdue', false), ['consider']);
    assert.deepEqual(followUps('refused', false), []);
  });
});

describe('demo options', () => {
  it('reads --appeals and --seed, with defaults', () => {
    assert.deepEqual(parseDemoArgs([]), { appeals: 300, seed: 1207, help: false });
    assert.deepEqual(parseDemoArgs(['--appeals', '24', '--seed=5']), { appeals: 24, seed: 5, help: false });
    assert.throws(() => parseDemoArgs(['--appeals', '3']), DemoUsageError);
    assert.throws(() => parseDemoArgs(['--appeals', 'many']), DemoUsageError);
    assert.throws(() => parseDemoArgs(['--bogus']), DemoUsageError);
  });

  it('uses VKHID_DATA only when it is empty or new, else a fresh temporary directory', () => {
    const base = mkdtempSync(join(tmpdir(), 'vkhid-demo-options-'));
    try {
      const fresh = join(base, 'new', 'data');
      assert.equal(demoDataDir({ VKHID_DATA: fresh }), fresh);
      const empty = join(base, 'empty');
      mkdirSync(empty);
      assert.equal(demoDataDir({ VKHID_DATA: empty }), empty);
      const used = join(base, 'used');
      mkdirSync(used);
      writeFileSync(join(used, 'vkhid.sqlite'), '');
      assert.throws(() => demoDataDir({ VKHID_DATA: used }), /is not empty/);
      const temporary = demoDataDir({});
      assert.match(temporary, /vkhid-demo-/);
      rmSync(temporary, { recursive: true, force: true });
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
