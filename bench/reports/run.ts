/**
 * Appeal reports benchmark (issue #6, item 5): writes N synthetic appeals spread over a year into a fresh
 * SQLite store with the hub's schema (bench/reports/synthetic-appeals.ts: lifecycles, deadlines, timelines,
 * ledger entries and repeat keys as the tracker writes them), then times `appealReport` for one month and for
 * the whole year, each in a process of its own, and checks the report's figures against what was written.
 *
 * `npm run bench:reports [-- --appeals N --month YYYY-MM --keep]`. Exit 1 if a figure is wrong. `--keep`
 * leaves the store in place (its directory is printed, with the expected figures in `expected.json`), and
 * `--store DIR` times the reports again on such a store without writing a new one.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startOfLocalDay } from '../../gateway/deadlines/civil-dates.js';
import { WorkingCalendar } from '../../gateway/deadlines/working-calendar.js';
import { hubMigrations } from '../../gateway/hub/hub-context.js';
import type { AppealReport } from '../../gateway/reports/appeal-report.js';
import { SqliteDialect } from '../../gateway/store/sqlite-dialect.js';
import { Store } from '../../gateway/store/store.js';
import { addExpected, emptyExpected, generateYear, type Expected } from './synthetic-appeals.js';
import type { ReportTiming } from './time-report.js';

const { values: args } = parseArgs({
  options: {
    appeals: { type: 'string', default: '200000' },
    month: { type: 'string', default: '2025-06' },
    seed: { type: 'string', default: '6' },
    keep: { type: 'boolean', default: false },
    store: { type: 'string' },
  },
});
const APPEALS = Number(args.appeals);
const MONTH = args.month;
const YEAR = Number(MONTH.slice(0, 4));
if (!Number.isInteger(APPEALS) || APPEALS < 1000) throw new Error('--appeals: a whole number ≥ 1000');
if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(MONTH)) throw new Error('--month: YYYY-MM');

const calendar = WorkingCalendar.load();
// "Now" for the data and for the report: mid-January after the year, so December's appeals are still open.
const NOW = new Date(startOfLocalDay(`${YEAR + 1}-01-15`, calendar.timeZone) + 12 * 3600_000);

function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

function timeReport(dir: string, options: { from: string; to: string }): Promise<ReportTiming> {
  return new Promise((resolve, reject) => {
    const child = fork(
      fileURLToPath(new URL('./time-report.ts', import.meta.url)),
      [dir, JSON.stringify({ ...options, at: NOW.toISOString() })],
      { execArgv: [...process.execArgv, '--expose-gc'] },
    );
    let result: ReportTiming | undefined;
    child.on('message', (message) => (result = message as ReportTiming));
    child.on('error', reject);
    child.on('exit', (code) =>
      result === undefined ? reject(new Error(`the report process exited with ${code}`)) : resolve(result),
    );
  });
}

/** The figures the generator knows, against the report's; the differences, one per line. */
function check(name: string, report: AppealReport, expected: Expected): string[] {
  const pairs: [string, number, number][] = [
    ['totals.appeals', report.totals.appeals, expected.appeals],
    ['totals.open', report.totals.open, expected.open],
    ['totals.answered', report.totals.answered, expected.answered],
    ['totals.refused', report.totals.refused, expected.refused],
    ['totals.closed', report.totals.closed, expected.closed],
    ['redirects.total', report.redirects.total, expected.redirects],
    ['redirects.notWithinCompetence', report.redirects.notWithinCompetence, expected.notWithinCompetence],
    ['repeats.appeals', report.repeats.appeals, expected.repeats],
    ['repeats.groups', report.repeats.groups, expected.repeatGroups.size],
    ['sum of byAgency', sum(report.byAgency.map((r) => r.appeals)), expected.appeals],
    ['sum of byState', sum(report.byState.map((r) => r.appeals)), expected.appeals],
    ['sum of byCategory', sum(report.byCategory.map((r) => r.appeals)), expected.appeals],
    ['timeToAnswer.overall.count', report.timeToAnswer.overall.count, expected.answered],
  ];
  return pairs
    .filter(([, got, want]) => got !== want)
    .map(([field, got, want]) => `${name}: ${field} is ${got}, expected ${want}`);
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
const fmt = (n: number): string => n.toLocaleString('en-US');

interface Written {
  readonly appeals: number;
  readonly byMonth: [string, Expected][];
}

/** Writes a fresh store in `dir`; what was written, for the checks. */
async function setUp(dir: string): Promise<Written> {
  const store = await Store.open(new SqliteDialect({ dataDirectory: dir }), { migrations: hubMigrations });
  const started = performance.now();
  let year;
  try {
    year = await generateYear(store, {
      appeals: APPEALS,
      year: YEAR,
      nowMs: NOW.getTime(),
      calendar,
      seed: Number(args.seed),
      onProgress: (done) => {
        if (done % 200_000 === 0 || done === APPEALS)
          console.log(
            `  ${fmt(done)} appeals written (${((performance.now() - started) / 1000).toFixed(0)} s)`,
          );
      },
    });
    await store.transaction((tx) => tx.execute('ANALYZE'));
  } finally {
    await store.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const dbMiB = statSync(join(dir, 'vkhid.sqlite')).size / 1024 / 1024;
  console.log(
    `set-up: ${fmt(APPEALS)} appeals, ${fmt(year.events)} events, ${fmt(year.ledgerEntries)} ledger entries ` +
      `in ${seconds.toFixed(1)} s; database ${dbMiB.toFixed(0)} MiB`,
  );
  const written = { appeals: APPEALS, byMonth: [...year.byMonth] };
  writeFileSync(
    join(dir, 'expected.json'),
    JSON.stringify(written, (_, value: unknown) => (value instanceof Set ? [...value] : value)),
  );
  return written;
}

function readWritten(dir: string): Written {
  const json = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as {
    appeals: number;
    byMonth: [string, Omit<Expected, 'repeatGroups'> & { repeatGroups: number[] }][];
  };
  return {
    appeals: json.appeals,
    byMonth: json.byMonth.map(([month, e]) => [month, { ...e, repeatGroups: new Set(e.repeatGroups) }]),
  };
}

async function main(): Promise<void> {
  const dir = args.store ?? mkdtempSync(join(tmpdir(), 'vkhid-bench-reports-'));
  try {
    const written = args.store === undefined ? await setUp(dir) : readWritten(dir);
    const byMonth = new Map(written.byMonth);
    const monthExpected = byMonth.get(MONTH) ?? emptyExpected();
    const yearExpected = [...byMonth.values()].reduce(addExpected, emptyExpected());
    const runs = [
      {
        name: `month ${MONTH}`,
        options: { from: `${MONTH}-01`, to: `${nextMonth(MONTH)}-01` },
        expected: monthExpected,
      },
      {
        name: `year ${YEAR}`,
        options: { from: `${YEAR}-01-01`, to: `${YEAR + 1}-01-01` },
        expected: yearExpected,
      },
    ];
    const rows: string[][] = [];
    const problems: string[] = [];
    for (const run of runs) {
      const timing = await timeReport(dir, run.options);
      problems.push(...check(run.name, timing.report, run.expected));
      const { totals, redirects, repeats } = timing.report;
      console.log(
        `${run.name}: ${fmt(totals.appeals)} appeals (open ${fmt(totals.open)}, answered ${fmt(totals.answered)}), ` +
          `${fmt(redirects.total)} redirects, ${fmt(repeats.appeals)} repeats in ${timing.seconds.toFixed(2)} s ` +
          `(CPU ${timing.cpuSeconds.toFixed(2)} s), RSS ${timing.baselineRssMiB.toFixed(0)} → ${timing.peakRssMiB.toFixed(0)} MiB`,
      );
      rows.push([
        run.name,
        fmt(totals.appeals),
        timing.seconds.toFixed(2),
        timing.cpuSeconds.toFixed(2),
        fmt(Math.round(totals.appeals / timing.seconds)),
        timing.baselineRssMiB.toFixed(0),
        timing.peakRssMiB.toFixed(0),
      ]);
    }

    const header = ['report', 'appeals', 'wall s', 'CPU s', 'appeals/s', 'RSS before MiB', 'peak RSS MiB'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
    console.log(`\n${line(header)}\n${rows.map(line).join('\n')}`);
    if (problems.length > 0) {
      console.error(`\nwrong figures:\n${problems.join('\n')}`);
      process.exitCode = 1;
    } else console.log('\nfigures check: totals, states, redirects and repeats equal what was written');
  } finally {
    if (args.keep || args.store !== undefined) console.log(`store kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await main();
