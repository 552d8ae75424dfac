import { randomUUID } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobStatus } from './job-scheduler.js';

/** `<data>/jobs.json`: the scheduled jobs' last and next runs, written by the server, read by `vkhid jobs`. */
export const JOB_RUNS_FILE = 'jobs.json';

export interface JobRun {
  readonly name: string;
  readonly schedule: string;
  readonly lastRunAt: string | null;
  readonly lastError: string | null;
  readonly nextRunAt: string | null;
}

export interface JobRunsRecord {
  /** When the server wrote the file. */
  readonly updatedAt: string;
  readonly jobs: JobRun[];
}

export function jobRunsPath(dataDir: string): string {
  return join(dataDir, JOB_RUNS_FILE);
}

/**
 * The recorded job runs, or undefined when the file does not exist (the server never ran with this data
 * directory). Throws when it exists but cannot be read as such a record.
 */
export function readJobRuns(path: string): JobRunsRecord | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const value = JSON.parse(text) as Partial<JobRunsRecord> | null;
  if (value === null || typeof value !== 'object' || !Array.isArray(value.jobs)) {
    throw new Error('not a record of job runs');
  }
  return { updatedAt: String(value.updatedAt ?? ''), jobs: value.jobs };
}

/**
 * Writes the jobs' statuses atomically (a temporary file in the same directory, then a rename), so a reader
 * never sees half a file. The scheduler keeps its last runs in memory only: a job that has not run since the
 * server started keeps the last run the file recorded before.
 */
export function writeJobRuns(path: string, statuses: readonly JobStatus[], now = new Date()): JobRunsRecord {
  let previous: JobRunsRecord | undefined;
  try {
    previous = readJobRuns(path);
  } catch {
    previous = undefined; // an unreadable record is replaced
  }
  const before = new Map(previous?.jobs.map((job) => [job.name, job]));
  const jobs = statuses.map((status): JobRun => {
    const earlier = status.lastRunAt === null ? before.get(status.name) : undefined;
    return {
      name: status.name,
      schedule: status.schedule,
      lastRunAt: earlier?.lastRunAt ?? status.lastRunAt,
      lastError: earlier === undefined ? status.lastError : earlier.lastError,
      nextRunAt: status.nextRunAt,
    };
  });
  const record: JobRunsRecord = { updatedAt: now.toISOString(), jobs };
  const temporary = `${path}.${process.pid}.${randomUUID()}.tmp`;
  try {
    writeFileSync(temporary, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o644 });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  return record;
}
