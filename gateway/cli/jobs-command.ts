import type { Command } from 'commander';
import { loadHubConfig } from '../config/hub-config.js';
import { VkhidError } from '../errors/vkhid-error.js';
import { jobRunsPath, readJobRuns, type JobRunsRecord } from '../jobs/job-runs-file.js';
import { CliExit, ExitCode, printJson, type CliIo } from './cli-io.js';
import { formatTable, shortInstant, withHubOptions, type HubOptions } from './hub-options.js';

/**
 * `vkhid jobs`: the server's scheduled jobs with their last and next runs. The server is another process, so
 * this reads what it records in `<data>/jobs.json` at start and after every run; without that file the server
 * has never run with this data directory, which is said plainly (exit 0, `{"ok":true,"jobs":[]}`).
 */
export function registerJobsCommand(program: Command, io: CliIo): void {
  withHubOptions(
    program
      .command('jobs')
      .description(
        "list the server's scheduled jobs with their last and next runs (as the server recorded them)",
      ),
  ).action((options: HubOptions) => {
    const { dataDir } = loadHubConfig(options.data === undefined ? {} : { dataDir: options.data });
    const path = jobRunsPath(dataDir);
    let record: JobRunsRecord | undefined;
    try {
      record = readJobRuns(path);
    } catch (error) {
      const refusal = new VkhidError('CLI_FILE_UNREADABLE', {
        args: [path, error instanceof Error ? error.message : String(error)],
      });
      if (options.json !== true) throw refusal;
      printJson(io, { ok: false, code: refusal.code, message: refusal.message });
      throw new CliExit(ExitCode.Refused);
    }
    if (options.json === true) {
      printJson(io, { ok: true, updatedAt: record?.updatedAt ?? null, jobs: record?.jobs ?? [] });
      return;
    }
    if (record === undefined) {
      io.stdout(`no job runs recorded in ${dataDir}: the hub server has not run with this data directory\n`);
      return;
    }
    io.stdout(
      `as recorded by the server at ${shortInstant(record.updatedAt)}\n` +
        formatTable(
          ['JOB', 'SCHEDULE', 'LAST RUN', 'NEXT RUN', 'LAST ERROR'],
          record.jobs.map((job) => [
            job.name,
            job.schedule,
            shortInstant(job.lastRunAt),
            shortInstant(job.nextRunAt),
            job.lastError ?? '-',
          ]),
          'no scheduled jobs',
        ),
    );
  });
}
