/**
 * `vkhid report` on a hub holding the report tests' story: the three formats, sections, and the usage errors
 * (exit 2, before the hub is opened) for wrong dates, codes, formats and sections.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appealReport, type AppealReport } from '../../gateway/reports/appeal-report.js';
import {
  A,
  AT,
  CC2,
  NAMES,
  PERIOD,
  openReportHub,
  type ReportHub,
} from '../reports/fixtures/report-appeals.js';
import { runVkhid, type VkhidRun } from './fixtures/run-vkhid.js';

const PERIOD_ARGS = ['--from', PERIOD.from, '--to', PERIOD.to, '--at', AT.toISOString()];

describe('vkhid report', function () {
  this.timeout(120_000);
  let world: ReportHub;
  let expected: AppealReport;

  before(async () => {
    world = await openReportHub({ initialise: true });
    expected = await world.hub.store.read((db) => appealReport(db, { ...PERIOD, at: AT }));
    // The command opens the data directory itself, as it would from a shell.
    await world.hub.close();
  });
  after(() => world?.close());

  const report = (...argv: string[]): Promise<VkhidRun> =>
    runVkhid('report', '--data', world.dataDir, ...argv);

  function usage(run: VkhidRun, mentions: RegExp): void {
    assert.equal(run.code, 2, `exit ${run.code}\n${run.stdout}${run.stderr}`);
    assert.match(run.stderr, /^vkhid: CLI_USAGE: /);
    assert.match(run.stderr, mentions);
    assert.equal(run.stdout, '');
  }

  it('prints readable tables by default', async () => {
    const run = await report(...PERIOD_ARGS);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /^Appeals registered from 2026-02-28T22:00:00.000Z before 2026-03-31T21:00:00.000Z/,
    );
    assert.match(
      run.stdout,
      /10 appeals: 5 open, 4 answered, 1 refused, 0 closed; 5 overdue, 1 answered late/,
    );
    assert.match(run.stdout, new RegExp(`${A}\\s+${NAMES[A]}\\s+3\\n`));
    assert.match(run.stdout, /registration\s+hours\s+all\s+-\s+6\s+3\s+8/);
    for (const title of [
      'Appeals by agency',
      'Time to registration',
      'Overdue',
      'Redirects',
      'Repeat appeals',
    ])
      assert.ok(run.stdout.includes(title), title);
  });

  it('prints one section as text with --section', async () => {
    const run = await report(...PERIOD_ARGS, '--section', 'repeats');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Repeat appeals/);
    assert.doesNotMatch(run.stdout, /Appeals by agency/);
  });

  it('prints the report object with --format json, and inside {ok:true} with --json', async () => {
    const run = await report(...PERIOD_ARGS, '--format', 'json');
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), expected);
    const wrapped = await report(...PERIOD_ARGS, '--json');
    assert.equal(wrapped.code, 0, wrapped.stderr);
    assert.deepEqual(JSON.parse(wrapped.stdout), { ok: true, report: expected });
  });

  it('prints one section as CSV with a byte-order mark', async () => {
    const run = await report(...PERIOD_ARGS, '--format', 'csv', '--section', 'by-agency');
    assert.equal(run.code, 0, run.stderr);
    assert.ok(
      run.stdout.startsWith('\uFEFFagency,name,appeals\r\n'),
      JSON.stringify(run.stdout.slice(0, 40)),
    );
    assert.ok(run.stdout.includes(`${A},${NAMES[A]},3\r\n`));
  });

  it('filters by agency and contact center', async () => {
    const run = await report(...PERIOD_ARGS, '--agency', A, '--format', 'json');
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as AppealReport).totals.appeals, 4);
    const other = await report(...PERIOD_ARGS, '--contact-center', CC2, '--format', 'json');
    assert.equal(other.code, 0, other.stderr);
    assert.deepEqual((JSON.parse(other.stdout) as AppealReport).filters, {
      agency: null,
      contactCenter: CC2,
    });
    assert.equal((JSON.parse(other.stdout) as AppealReport).totals.appeals, 1);
  });

  it('refuses wrong options with a usage error, exit 2', async () => {
    usage(await report('--from', '2026-13-01'), /--from: .*YYYY-MM-DD/);
    usage(await report('--to', 'yesterday'), /--to: /);
    usage(await report('--from', '2026-03-10', '--to', '2026-03-01'), /must be before/);
    usage(await report('--at', '2026-03-01T10:00:00'), /--at must be an instant with a zone/);
    usage(await report('--agency', '123'), /--agency: /);
    usage(await report('--contact-center', '00015623'), /--contact-center: /);
    usage(await report('--format', 'xlsx'), /--format must be one of text, json, csv/);
    usage(await report('--section', 'by-colour'), /--section must be one of/);
    usage(await report('--format', 'csv'), /--format csv needs --section/);
    usage(
      await report('--format', 'json', '--section', 'times'),
      /--section applies to the csv and text formats/,
    );
  });

  it('refuses a data directory without a hub (exit 1)', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'vkhid-report-empty-'));
    try {
      const run = await runVkhid('report', '--data', join(empty, 'data'));
      assert.equal(run.code, 1);
      assert.match(run.stderr, /HUB_NOT_INITIALISED/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
