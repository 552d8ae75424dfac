/**
 * The deadline watch: which open appeals are due soon, overdue or not registered in time (on an injected
 * clock), each alert raised once per deadline and remembered in the store, the metrics, and the webhook (a
 * local HTTP server) whose failure never fails the job.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  computeDeadlines,
  extendDeadlines,
  type AppealDeadlines,
} from '../../gateway/deadlines/appeal-deadlines.js';
import { WorkingCalendar } from '../../gateway/deadlines/working-calendar.js';
import type { HubConfig } from '../../gateway/config/hub-config.js';
import { openHub, type HubContext } from '../../gateway/hub/hub-context.js';
import { JobScheduler } from '../../gateway/jobs/job-scheduler.js';
import type { LifecycleState } from '../../gateway/lifecycle/lifecycle-model.js';
import { HubMetrics } from '../../gateway/observability/metrics.js';
import {
  createDeadlineWatch,
  deadlineAlerts,
  deadlineWatchJobDefinition,
  type DeadlineAlertsPayload,
  type DeadlineWatchLogger,
  type DeadlineWatchOptions,
  type WatchedAppeal,
} from '../../gateway/tracking/deadline-watch.js';
import { quiet } from '../intake/fixtures/intake-hub.js';

const HOUR = 3_600_000;
const AGENCY = '00022527';
const calendar = WorkingCalendar.load();
/** A Monday in Kyiv; the forwarding term (5 days) ends on a Saturday and moves to the Monday after. */
const REGISTERED = '2026-11-02T10:00:00+02:00';

function deadlinesOf(registeredAt = REGISTERED): AppealDeadlines {
  return computeDeadlines({ kind: 'citizen-appeal', registeredAt }, calendar);
}

const base = deadlinesOf();
const answerEnd = Date.parse(base.answerBy.endsAt);
const forwardEnd = Date.parse(base.forwardBy.endsAt);

function watched(state: LifecycleState, deadlines = base): WatchedAppeal {
  return { tracking: 'VKH-2026-000001', state, holder: AGENCY, deadlines };
}

const at = (ms: number): Date => new Date(ms);

describe('deadlineAlerts', () => {
  it('works on the computed terms: forwarding moved off the weekend, answer 30 days on', () => {
    assert.equal(base.forwardBy.date, '2026-11-09');
    assert.equal(base.answerBy.date, '2026-12-02');
  });

  it('flags nothing while both terms are far off, or once the agency has registered the appeal', () => {
    assert.deepEqual(deadlineAlerts(watched('routed'), at(forwardEnd - 1)), []);
    assert.deepEqual(deadlineAlerts(watched('registered-by-agency'), at(answerEnd - 73 * HOUR)), []);
  });

  it('flags the answer due soon within 72 hours of its end, and overdue from the end on', () => {
    const soon = deadlineAlerts(watched('under-consideration'), at(answerEnd - 72 * HOUR));
    assert.deepEqual(soon, [
      {
        tracking: 'VKH-2026-000001',
        holder: AGENCY,
        state: 'under-consideration',
        flag: 'answer-due-soon',
        term: 'answer',
        date: '2026-12-02',
        endsAt: base.answerBy.endsAt,
      },
    ]);
    assert.deepEqual(
      deadlineAlerts(watched('under-consideration'), at(answerEnd)).map((a) => a.flag),
      ['answer-overdue'],
    );
    assert.deepEqual(
      deadlineAlerts(watched('under-consideration'), at(answerEnd - 1)).map((a) => a.flag),
      ['answer-due-soon'],
    );
  });

  it('flags an agency that has not registered the appeal when the forwarding term has run out', () => {
    for (const state of ['routed', 'delivered'] as const) {
      const [late, ...rest] = deadlineAlerts(watched(state), at(forwardEnd));
      assert.equal(rest.length, 0);
      assert.equal(late?.flag, 'registration-late');
      assert.equal(late?.term, 'forward');
      assert.equal(late?.date, '2026-11-09');
    }
    assert.deepEqual(deadlineAlerts(watched('routed'), at(forwardEnd - 1)), []);
    assert.deepEqual(deadlineAlerts(watched('under-consideration'), at(forwardEnd)), []);
  });

  it('flags both terms of an appeal never registered and past its answer term', () => {
    assert.deepEqual(
      deadlineAlerts(watched('delivered'), at(answerEnd + HOUR)).map((a) => a.flag),
      ['answer-overdue', 'registration-late'],
    );
  });

  it('watches nothing of an answered, closed or refused appeal', () => {
    for (const state of ['answered', 'closed', 'refused'] as const)
      assert.deepEqual(deadlineAlerts(watched(state), at(answerEnd + HOUR)), []);
  });

  it('uses the extended answer term', () => {
    const extended = extendDeadlines(base, { at: '2026-11-20T12:00:00+02:00' }, calendar);
    assert.deepEqual(deadlineAlerts(watched('deadline-extended', extended), at(answerEnd + HOUR)), []);
  });
});

interface LogLine {
  level: 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

function recordingLogger(): DeadlineWatchLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
    error: (fields, message) => lines.push({ level: 'error', fields, message }),
  };
}

/** A local webhook: records each request's body and answers with `status`. */
async function webhook(status = 204): Promise<{ url: string; bodies: unknown[]; close(): Promise<void> }> {
  const bodies: unknown[] = [];
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      bodies.push({
        contentType: request.headers['content-type'],
        method: request.method,
        json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
      });
      response.statusCode = status;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('the deadline watch job', function () {
  this.timeout(60_000);
  let dir: string;
  let hub: HubContext;
  let clock: Date;
  let seq = 0;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vkhid-deadline-watch-'));
    hub = await openHub({ dataDir: dir });
    clock = new Date(REGISTERED);
  });
  afterEach(async () => {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Stores an appeal row as the tracker would; only state, holder and deadlines matter to the watch. */
  async function track(state: LifecycleState, deadlines = base): Promise<string> {
    seq += 1;
    const tracking = `VKH-2026-${String(seq).padStart(6, '0')}`;
    await hub.store.transaction((tx) =>
      tx.execute(
        `INSERT INTO appeals (tracking, state, contact_center, holder, kind, channel, category, lifecycle,
           deadlines, answer_by, registered_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          tracking,
          state,
          '00015622',
          AGENCY,
          deadlines.kind,
          'web',
          'other',
          '{}',
          JSON.stringify(deadlines),
          deadlines.answerBy.endsAt,
          deadlines.registeredAt,
          deadlines.registeredAt,
        ],
      ),
    );
    return tracking;
  }

  async function setState(tracking: string, state: LifecycleState, deadlines?: AppealDeadlines) {
    await hub.store.transaction((tx) =>
      deadlines === undefined
        ? tx.execute(`UPDATE appeals SET state = ? WHERE tracking = ?`, [state, tracking])
        : tx.execute(`UPDATE appeals SET state = ?, deadlines = ? WHERE tracking = ?`, [
            state,
            JSON.stringify(deadlines),
            tracking,
          ]),
    );
  }

  function watch(logger: DeadlineWatchLogger, options: DeadlineWatchOptions = {}) {
    return createDeadlineWatch(hub, logger, { now: () => clock, ...options });
  }

  /** The hub with other `deadlines` settings, as config/local.json or VKHID_CONFIG would give it. */
  function configured(deadlines: Partial<HubConfig['deadlines']>): Pick<HubContext, 'store' | 'config'> {
    return {
      store: hub.store,
      config: { ...hub.config, deadlines: { ...hub.config.deadlines, ...deadlines } },
    };
  }

  it('raises each flag once, logs it without personal data, and raises the next flag when it comes', async () => {
    const late = await track('routed');
    const onTime = await track('registered-by-agency');
    const answered = await track('answered');
    const logger = recordingLogger();
    const job = watch(logger);

    clock = at(forwardEnd - HOUR);
    assert.deepEqual((await job.run())?.alerted, []);

    clock = at(forwardEnd);
    const first = await job.run();
    assert.equal(first?.open, 2);
    assert.equal(first?.registrationLate, 1);
    assert.deepEqual(
      first?.alerted.map((a) => [a.tracking, a.flag]),
      [[late, 'registration-late']],
    );
    assert.equal(logger.lines.length, 1);
    const [line] = logger.lines;
    assert.equal(line?.level, 'warn');
    assert.deepEqual(line?.fields, {
      event: 'deadline-alert',
      tracking: late,
      holder: AGENCY,
      state: 'routed',
      flag: 'registration-late',
      term: 'forward',
      date: '2026-11-09',
      endsAt: base.forwardBy.endsAt,
    });
    assert.match(line?.message ?? '', new RegExp(`${late}.*${AGENCY}`));

    clock = at(forwardEnd + 5 * HOUR);
    const again = await job.run();
    assert.equal(again?.registrationLate, 1, 'still flagged');
    assert.deepEqual(again?.alerted, [], 'but not alerted again');
    assert.equal(logger.lines.length, 1);

    // A new watch (a restarted hub) reads what was alerted from the store.
    assert.deepEqual((await watch(logger).run())?.alerted, []);

    clock = at(answerEnd - 24 * HOUR);
    await setState(late, 'registered-by-agency');
    const soon = await watch(logger).run();
    assert.equal(soon?.dueSoon, 2);
    assert.deepEqual(soon?.alerted.map((a) => [a.tracking, a.flag]).sort(), [
      [late, 'answer-due-soon'],
      [onTime, 'answer-due-soon'],
    ]);

    clock = at(answerEnd);
    await setState(onTime, 'answered');
    const overdue = await watch(logger).run();
    assert.deepEqual(
      overdue?.alerted.map((a) => [a.tracking, a.flag]),
      [[late, 'answer-overdue']],
    );
    assert.ok(!logger.lines.some((l) => l.fields.tracking === answered));
    const stored = await hub.store.read((db) =>
      db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM deadline_alerts`),
    );
    assert.equal(Number(stored[0]?.n), 4);
  });

  it('alerts again when an extension moves the answer term', async () => {
    const tracking = await track('under-consideration');
    const logger = recordingLogger();
    clock = at(answerEnd - 24 * HOUR);
    assert.equal((await watch(logger).run())?.alerted.length, 1);
    const extended = extendDeadlines(base, { at: clock }, calendar);
    await setState(tracking, 'deadline-extended', extended);
    clock = at(Date.parse(extended.answerBy.endsAt) - 24 * HOUR);
    const after = await watch(logger).run();
    assert.deepEqual(
      after?.alerted.map((a) => [a.flag, a.date]),
      [['answer-due-soon', extended.answerBy.date]],
    );
  });

  it('sets the gauge of appeals by deadline state and counts the alerts', async () => {
    await track('routed');
    await track('under-consideration', deadlinesOf('2026-11-03T09:00:00+02:00'));
    await track('closed');
    const metrics = new HubMetrics({ defaultMetrics: false });
    clock = at(answerEnd + HOUR);
    await watch(recordingLogger(), { metrics }).run();
    await watch(recordingLogger(), { metrics }).run();
    const text = await metrics.text();
    assert.match(text, /vkhid_appeals_by_deadline\{state="overdue"\} 1\n/);
    assert.match(text, /vkhid_appeals_by_deadline\{state="due-soon"\} 1\n/);
    assert.match(text, /vkhid_deadline_alerts_total\{flag="answer-overdue"\} 1\n/);
    assert.match(text, /vkhid_deadline_alerts_total\{flag="answer-due-soon"\} 1\n/);
    assert.match(text, /vkhid_deadline_alerts_total\{flag="registration-late"\} 1\n/);
  });

  it('POSTs the new alerts to the webhook as JSON, once', async () => {
    const hook = await webhook();
    try {
      const tracking = await track('delivered');
      const job = watch(recordingLogger(), { webhookUrl: hook.url });
      clock = at(forwardEnd + HOUR);
      await job.run();
      await job.run();
      assert.equal(hook.bodies.length, 1);
      const expected: DeadlineAlertsPayload = {
        type: 'vkhid.deadline-alerts',
        hub: hub.config.hub.code,
        at: clock.toISOString(),
        alerts: [
          {
            tracking,
            holder: AGENCY,
            state: 'delivered',
            flag: 'registration-late',
            term: 'forward',
            date: '2026-11-09',
            endsAt: base.forwardBy.endsAt,
          },
        ],
      };
      assert.deepEqual(hook.bodies[0], { method: 'POST', contentType: 'application/json', json: expected });
    } finally {
      await hook.close();
    }
  });

  it('logs a failing webhook (an error status, or nothing listening) and still completes the run', async () => {
    const hook = await webhook(500);
    const logger = recordingLogger();
    try {
      await track('routed');
      clock = at(forwardEnd);
      const result = await watch(logger, { webhookUrl: hook.url }).run();
      assert.equal(result?.alerted.length, 1);
      assert.equal(hook.bodies.length, 1);
    } finally {
      await hook.close();
    }
    const failure = logger.lines.find((l) => l.level === 'error');
    assert.equal(failure?.fields.event, 'deadline-alert-webhook');
    assert.equal(failure?.fields.reason, 'HTTP 500');
    assert.ok(!JSON.stringify(failure).includes(hook.url), 'the URL (maybe with a token) is not logged');

    // The server is closed now: the connection is refused.
    await track('routed');
    const refused = await watch(logger, { webhookUrl: hook.url, webhookTimeoutMs: 2000 }).run();
    assert.equal(refused?.alerted.length, 1);
    assert.equal(logger.lines.filter((l) => l.level === 'error').length, 2);
  });

  it('takes the webhook from the hub configuration, unless the options say none', async () => {
    const hook = await webhook();
    try {
      await track('routed');
      clock = at(forwardEnd);
      const fromConfig = configured({ webhookUrl: hook.url, webhookTimeoutMs: 2000 });
      assert.equal(
        (
          await createDeadlineWatch(fromConfig, recordingLogger(), {
            now: () => clock,
            webhookUrl: null,
          }).run()
        )?.alerted.length,
        1,
      );
      assert.equal(hook.bodies.length, 0);
      await track('delivered');
      const result = await createDeadlineWatch(fromConfig, recordingLogger(), { now: () => clock }).run();
      assert.equal(result?.alerted.length, 1);
      assert.equal(hook.bodies.length, 1);
    } finally {
      await hook.close();
    }
  });

  it('counts the due-soon window in working days when the configuration says so', async () => {
    const tracking = await track('under-consideration');
    // Friday 27 November: Monday, Tuesday and Wednesday 2 December (the last day) are the working days left,
    // while the term's end (midnight after the last day) is still 134 hours away.
    clock = new Date('2026-11-27T10:00:00+02:00');
    assert.deepEqual((await watch(recordingLogger()).run())?.alerted, [], 'not within the default 72 hours');
    const result = await createDeadlineWatch(configured({ dueSoon: { workingDays: 3 } }), recordingLogger(), {
      now: () => clock,
      calendar,
    }).run();
    assert.deepEqual(
      result?.alerted.map((a) => [a.tracking, a.flag]),
      [[tracking, 'answer-due-soon']],
    );
    const narrower = configured({ dueSoon: { workingDays: 2 } });
    assert.equal(
      (await createDeadlineWatch(narrower, recordingLogger(), { now: () => clock }).run())?.dueSoon,
      0,
    );
  });

  it('is scheduled on the configured cron expression', () => {
    const definition = deadlineWatchJobDefinition(
      configured({ watchCron: '*/10 * * * *' }),
      recordingLogger(),
    );
    assert.equal(definition.schedule, '*/10 * * * *');
    assert.equal(
      deadlineWatchJobDefinition(hub, recordingLogger(), { schedule: '0 6 * * *' }).schedule,
      '0 6 * * *',
    );
  });

  it('runs as an hourly scheduler job that reports its counts', async () => {
    await track('routed');
    clock = at(forwardEnd);
    const definition = deadlineWatchJobDefinition(hub, recordingLogger(), { now: () => clock });
    assert.equal(definition.schedule, '15 * * * *');
    assert.deepEqual(await definition.run(), {
      open: 1,
      dueSoon: 0,
      overdue: 0,
      registrationLate: 1,
      alerted: 1,
    });
    const scheduler = new JobScheduler(quiet);
    scheduler.add(definition);
    await scheduler.execute(definition.name);
    assert.equal(scheduler.list()[0]?.lastError, null);
    await scheduler.stop();
  });
});
