import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { JobScheduler, type JobStatus } from '../../gateway/jobs/job-scheduler.js';
import { createLogger } from '../../gateway/observability/logger.js';

const quiet = createLogger({ destination: new Writable({ write: (_c, _e, done) => done() }) });

describe('JobScheduler', () => {
  it('runs a job and records its last run and next run', async () => {
    const scheduler = new JobScheduler(quiet);
    let runs = 0;
    scheduler.add({ name: 'sweep', schedule: '0 3 * * *', run: () => Promise.resolve(++runs) });
    await scheduler.execute('sweep');
    await scheduler.start();
    const [status] = scheduler.list();
    await scheduler.stop();
    assert.equal(runs, 1);
    assert.equal(status?.name, 'sweep');
    assert.notEqual(status?.lastRunAt, null);
    assert.notEqual(status?.nextRunAt, null);
    assert.equal(status?.lastError, null);
  });

  it('never runs the same job twice at once', async () => {
    const scheduler = new JobScheduler(quiet);
    let concurrent = 0;
    let maximum = 0;
    scheduler.add({
      name: 'slow',
      schedule: '* * * * *',
      run: async () => {
        concurrent++;
        maximum = Math.max(maximum, concurrent);
        await new Promise((resolve) => setTimeout(resolve, 30));
        concurrent--;
      },
    });
    await Promise.all([scheduler.execute('slow'), scheduler.execute('slow'), scheduler.execute('slow')]);
    assert.equal(maximum, 1);
  });

  it('keeps a failure as the last error instead of throwing', async () => {
    const scheduler = new JobScheduler(quiet);
    scheduler.add({
      name: 'broken',
      schedule: '0 3 * * *',
      run: () => Promise.reject(new Error('disk full')),
    });
    await scheduler.execute('broken');
    assert.equal(scheduler.list()[0]?.lastError, 'disk full');
  });

  it('refuses a duplicate name and an invalid schedule', () => {
    const scheduler = new JobScheduler(quiet);
    scheduler.add({ name: 'a', schedule: '0 3 * * *', run: () => Promise.resolve() });
    assert.throws(
      () => scheduler.add({ name: 'a', schedule: '0 3 * * *', run: () => Promise.resolve() }),
      /already scheduled/,
    );
    assert.throws(
      () => scheduler.add({ name: 'b', schedule: 'every day', run: () => Promise.resolve() }),
      /invalid schedule/,
    );
  });
});

describe('JobScheduler onRun', () => {
  it('reports each run’s status, a failure too, and survives a callback that throws', async () => {
    const reported: JobStatus[] = [];
    const scheduler = new JobScheduler(quiet, {
      onRun: (status) => {
        reported.push(status);
        if (reported.length === 2) throw new Error('disk full');
      },
    });
    scheduler.add({ name: 'ok', schedule: '0 3 * * *', run: () => Promise.resolve() });
    scheduler.add({ name: 'broken', schedule: '0 4 * * *', run: () => Promise.reject(new Error('boom')) });
    await scheduler.execute('ok');
    await scheduler.execute('broken');
    assert.deepEqual(
      reported.map((status) => [status.name, status.schedule, status.running, status.lastError]),
      [
        ['ok', '0 3 * * *', false, null],
        ['broken', '0 4 * * *', false, 'boom'],
      ],
    );
    assert.ok(reported.every((status) => status.lastRunAt !== null));
  });
});
