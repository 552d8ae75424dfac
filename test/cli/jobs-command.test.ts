/**
 * `vkhid jobs`: the job runs the server records in `<data>/jobs.json` (atomically, keeping last runs across
 * restarts), read by the CLI in another process; and what it says when the server never ran.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jobRunsPath, readJobRuns, writeJobRuns } from '../../gateway/jobs/job-runs-file.js';
import type { JobStatus } from '../../gateway/jobs/job-scheduler.js';
import { startHubServer } from '../../gateway/server/hub-server.js';
import { quiet } from '../intake/fixtures/intake-hub.js';
import { removeTemporaryDirectories, temporaryDirectory, vkhid } from './fixtures/hub-cli.js';
import { expectStderrRefusal, stdoutJson } from './fixtures/run-vkhid.js';

const status = (name: string, change: Partial<JobStatus> = {}): JobStatus => ({
  name,
  schedule: '5 0 * * *',
  running: false,
  lastRunAt: null,
  lastError: null,
  nextRunAt: '2026-02-01T22:05:00.000Z',
  ...change,
});

describe('vkhid jobs (CLI)', function () {
  this.timeout(120_000);
  after(removeTemporaryDirectories);

  it('says plainly that the server has never run with this data directory (exit 0)', async () => {
    const data = temporaryDirectory();
    const text = await vkhid(data, 'jobs');
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      /^no job runs recorded in .*: the hub server has not run with this data directory\n$/,
    );
    const json = await vkhid(data, 'jobs', '--json');
    assert.equal(json.code, 0);
    assert.deepEqual(stdoutJson(json), { ok: true, updatedAt: null, jobs: [] });
  });

  it('lists the recorded jobs with their last and next runs and last error', async () => {
    const data = temporaryDirectory();
    writeJobRuns(
      jobRunsPath(data),
      [
        status('memorandum-expiry', { lastRunAt: '2026-01-31T22:05:00.000Z' }),
        status('certificate-expiry', {
          schedule: '0 6 * * *',
          lastError: 'store closed',
          lastRunAt: '2026-01-31T04:00:00.000Z',
        }),
      ],
      new Date('2026-02-01T08:00:00.000Z'),
    );
    const text = await vkhid(data, 'jobs');
    assert.equal(text.code, 0, text.stderr);
    assert.equal(
      text.stdout,
      [
        'as recorded by the server at 2026-02-01 08:00Z',
        'JOB                 SCHEDULE   LAST RUN           NEXT RUN           LAST ERROR',
        'memorandum-expiry   5 0 * * *  2026-01-31 22:05Z  2026-02-01 22:05Z  -',
        'certificate-expiry  0 6 * * *  2026-01-31 04:00Z  2026-02-01 22:05Z  store closed',
        '',
      ].join('\n'),
    );
    const json = stdoutJson(await vkhid(data, 'jobs', '--json'));
    assert.equal(json.updatedAt, '2026-02-01T08:00:00.000Z');
    assert.deepEqual(json.jobs, [
      {
        name: 'memorandum-expiry',
        schedule: '5 0 * * *',
        lastRunAt: '2026-01-31T22:05:00.000Z',
        lastError: null,
        nextRunAt: '2026-02-01T22:05:00.000Z',
      },
      {
        name: 'certificate-expiry',
        schedule: '0 6 * * *',
        lastRunAt: '2026-01-31T04:00:00.000Z',
        lastError: 'store closed',
        nextRunAt: '2026-02-01T22:05:00.000Z',
      },
    ]);
  });

  it('keeps the last run recorded before a restart until the job runs again; leaves no temporary file', () => {
    const data = temporaryDirectory();
    const path = jobRunsPath(data);
    writeJobRuns(path, [
      status('a', { lastRunAt: '2026-01-01T00:00:00.000Z', lastError: 'boom' }),
      status('b'),
    ]);
    // The restarted server knows no last runs; job b then runs.
    writeJobRuns(path, [status('a'), status('b', { lastRunAt: '2026-01-02T00:00:00.000Z' })]);
    const record = readJobRuns(path);
    assert.deepEqual(
      record?.jobs.map((job) => [job.name, job.lastRunAt, job.lastError]),
      [
        ['a', '2026-01-01T00:00:00.000Z', 'boom'],
        ['b', '2026-01-02T00:00:00.000Z', null],
      ],
    );
    assert.deepEqual(readdirSync(data), ['jobs.json']);
  });

  it('refuses a file that is not a record of job runs: CLI_FILE_UNREADABLE', async () => {
    const data = temporaryDirectory();
    writeFileSync(jobRunsPath(data), '{"jobs": 3}');
    expectStderrRefusal(await vkhid(data, 'jobs'), 'CLI_FILE_UNREADABLE');
    const json = await vkhid(data, 'jobs', '--json');
    assert.equal(json.code, 1);
    assert.equal(stdoutJson(json).code, 'CLI_FILE_UNREADABLE');
  });

  it('shows what a running hub server recorded at start and after a run', async () => {
    const data = join(temporaryDirectory(), 'data');
    const running = await startHubServer({ dataDir: data, port: 0, logger: quiet });
    try {
      assert.ok(existsSync(jobRunsPath(data)), 'written at start');
      let json = stdoutJson(await vkhid(data, 'jobs', '--json'));
      let jobs = json.jobs as { name: string; lastRunAt: string | null; nextRunAt: string | null }[];
      const expiry = jobs.find((job) => job.name === 'memorandum-expiry');
      assert.ok(expiry, JSON.stringify(jobs));
      assert.equal(expiry.lastRunAt, null);
      assert.ok(expiry.nextRunAt !== null && Date.parse(expiry.nextRunAt) > Date.now());
      assert.ok(jobs.length >= 2, 'the certificate expiry warnings too');

      await running.jobs.execute('memorandum-expiry');
      json = stdoutJson(await vkhid(data, 'jobs', '--json'));
      jobs = json.jobs as typeof jobs;
      assert.notEqual(jobs.find((job) => job.name === 'memorandum-expiry')?.lastRunAt, null);
    } finally {
      await running.stop();
    }
  });
});
