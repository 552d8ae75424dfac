/**
 * Runs one `appealReport` over an existing store and sends its timing, memory and figures to the parent
 * (bench/reports/run.ts). A process of its own per report, so that its peak RSS is that report's and not the
 * set-up's or another report's.
 */
import { readFileSync } from 'node:fs';
import { hubMigrations } from '../../gateway/hub/hub-context.js';
import { appealReport, type AppealReport } from '../../gateway/reports/appeal-report.js';
import type { AppealReportOptions } from '../../gateway/reports/report-query.js';
import { SqliteDialect } from '../../gateway/store/sqlite-dialect.js';
import { Store } from '../../gateway/store/store.js';

export interface ReportTiming {
  readonly seconds: number;
  readonly cpuSeconds: number;
  /** RSS before the report ran (the process with the store open), in MiB. */
  readonly baselineRssMiB: number;
  /** Peak RSS of the process while it ran, in MiB (sampled, and Linux's VmHWM, whichever is higher). */
  readonly peakRssMiB: number;
  readonly report: AppealReport;
}

const [dir, optionsJson] = process.argv.slice(2);
if (dir === undefined || optionsJson === undefined || process.send === undefined)
  throw new Error('usage: forked by bench/reports/run.ts with <data dir> <report options as JSON>');
const { at, ...rest } = JSON.parse(optionsJson) as Omit<AppealReportOptions, 'at'> & { at: string };
const options: AppealReportOptions = { ...rest, at: new Date(at) };

const MiB = 1024 * 1024;

/**
 * The process's peak RSS in bytes, from Linux's VmHWM (undefined elsewhere). Not `resourceUsage().maxRSS`:
 * Linux keeps that across exec, so a child forked from the set-up process would report the set-up's peak.
 */
function highWaterMark(): number | undefined {
  try {
    const kB = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kB === undefined ? undefined : Number(kB) * 1024;
  } catch {
    return undefined;
  }
}
const store = await Store.open(new SqliteDialect({ dataDirectory: dir }), { migrations: hubMigrations });
try {
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  // The sampler only runs while the report awaits the database; VmHWM below catches the synchronous parts.
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const report = await store.read((db) => appealReport(db, options));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss, highWaterMark() ?? 0);
  const timing: ReportTiming = {
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    baselineRssMiB: baseline / MiB,
    peakRssMiB: peak / MiB,
    report,
  };
  await new Promise<void>((resolve, reject) =>
    process.send!(timing, (error: Error | null) => (error ? reject(error) : resolve())),
  );
} finally {
  await store.close();
}
