import axios from 'axios';
import {
  DEFAULT_DUE_SOON,
  deadlineStatus,
  type AppealDeadlines,
  type DueSoonWindow,
} from '../deadlines/appeal-deadlines.js';
import type { LocalDate } from '../deadlines/civil-dates.js';
import { WorkingCalendar } from '../deadlines/working-calendar.js';
import type { DueSoonSetting } from '../config/hub-config.js';
import type { HubContext } from '../hub/hub-context.js';
import type { JobDefinition } from '../jobs/job-scheduler.js';
import type { LifecycleState } from '../lifecycle/lifecycle-model.js';
import type { Row } from '../store/store-driver.js';

/**
 * What the deadline watch raises about an appeal (issue #6, item 3):
 * - `answer-due-soon` / `answer-overdue`: the answer term (`answerBy`, extension included) is close to its end
 *   or has run out while the appeal is still open;
 * - `registration-late`: the agency holding the appeal has not sent its registration receipt within the
 *   forwarding term (`forwardBy`): the appeal is still routed or delivered after that term ended.
 */
export type DeadlineFlag = 'answer-due-soon' | 'answer-overdue' | 'registration-late';

export const DEADLINE_FLAGS: readonly DeadlineFlag[] = [
  'answer-due-soon',
  'answer-overdue',
  'registration-late',
];

/** One alert. Only codes, states and dates: it goes to logs and a webhook outside the hub, so no personal data. */
export interface DeadlineAlert {
  readonly tracking: string;
  /** The participant code of the body holding the appeal (null while no body holds it). */
  readonly holder: string | null;
  readonly state: LifecycleState;
  readonly flag: DeadlineFlag;
  /** Which statutory term: the answer term or the forwarding (registration) term. */
  readonly term: 'answer' | 'forward';
  /** The last day of the term, in Kyiv time. */
  readonly date: LocalDate;
  /** The instant the term runs out. */
  readonly endsAt: string;
}

/** The states of an appeal that is no longer waiting for anyone: no term of it is watched. */
const SETTLED_STATES: readonly LifecycleState[] = ['answered', 'closed', 'refused'];

/** States in which the holder has not yet registered the appeal (its registration receipt is still due). */
const AWAITING_REGISTRATION: readonly LifecycleState[] = ['routed', 'delivered'];

/** An open appeal as the watch reads it. */
export interface WatchedAppeal {
  readonly tracking: string;
  readonly state: LifecycleState;
  readonly holder: string | null;
  readonly deadlines: AppealDeadlines;
}

/** The flags `appeal` carries at `now` (none for an appeal that is answered, closed or refused). */
export function deadlineAlerts(
  appeal: WatchedAppeal,
  now: Date,
  window: DueSoonWindow = DEFAULT_DUE_SOON,
): DeadlineAlert[] {
  if (SETTLED_STATES.includes(appeal.state)) return [];
  const base = { tracking: appeal.tracking, holder: appeal.holder, state: appeal.state };
  const alerts: DeadlineAlert[] = [];
  const { answerBy, forwardBy } = appeal.deadlines;
  const answer = deadlineStatus(appeal.deadlines, now, window);
  if (answer !== 'on-time') {
    alerts.push({
      ...base,
      flag: answer === 'overdue' ? 'answer-overdue' : 'answer-due-soon',
      term: 'answer',
      date: answerBy.date,
      endsAt: answerBy.endsAt,
    });
  }
  if (AWAITING_REGISTRATION.includes(appeal.state) && now.getTime() >= Date.parse(forwardBy.endsAt)) {
    alerts.push({
      ...base,
      flag: 'registration-late',
      term: 'forward',
      date: forwardBy.date,
      endsAt: forwardBy.endsAt,
    });
  }
  return alerts;
}

/** What the watch logs with: pino's `warn(fields, message)` and `error(fields, message)` fit. */
export interface DeadlineWatchLogger {
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** Where the watch reports its counts (HubMetrics implements it). */
export interface DeadlineWatchMetrics {
  /** Open appeals whose answer term is due soon, and overdue, as of the last run. */
  appealsByDeadline(counts: { readonly dueSoon: number; readonly overdue: number }): void;
  /** One alert was raised. */
  deadlineAlerted(flag: DeadlineFlag): void;
}

/**
 * Each setting left out is taken from the hub's configuration (`deadlines` in config/default.json, checked at
 * start by loadHubConfig).
 */
export interface DeadlineWatchOptions {
  /** The clock (tests move it). */
  readonly now?: () => Date;
  /** How close to its end the answer term counts as due soon; default `deadlines.dueSoon`. */
  readonly dueSoon?: DueSoonWindow;
  /** The calendar a `{ workingDays }` window in the configuration counts on; default config/calendar.json. */
  readonly calendar?: WorkingCalendar;
  readonly metrics?: DeadlineWatchMetrics;
  /**
   * Each run's new alerts are POSTed here as one JSON document (see DeadlineAlertsPayload); null for none.
   * Default `deadlines.webhookUrl`.
   */
  readonly webhookUrl?: string | null;
  /** Milliseconds before the webhook call is given up; default `deadlines.webhookTimeoutMs`. */
  readonly webhookTimeoutMs?: number;
}

/** The configured due-soon window as `termState` takes it; a working-day window counts on `calendar`. */
export function dueSoonWindow(setting: DueSoonSetting, calendar: () => WorkingCalendar): DueSoonWindow {
  return 'hours' in setting
    ? { hours: setting.hours }
    : { workingDays: setting.workingDays, calendar: calendar() };
}

/** The body POSTed to the webhook. */
export interface DeadlineAlertsPayload {
  readonly type: 'vkhid.deadline-alerts';
  /** The hub's participant code. */
  readonly hub: string;
  /** When the run found them. */
  readonly at: string;
  readonly alerts: readonly DeadlineAlert[];
}

/** What one run found. */
export interface DeadlineWatchResult {
  /** Open appeals looked at. */
  readonly open: number;
  readonly dueSoon: number;
  readonly overdue: number;
  readonly registrationLate: number;
  /** The alerts raised by this run (flags not raised before for the same deadline). */
  readonly alerted: readonly DeadlineAlert[];
}

export interface DeadlineWatch {
  /** One check; a call while another is still running does nothing and returns `undefined`. */
  run(): Promise<DeadlineWatchResult | undefined>;
}

/**
 * The check behind the scheduled job. Each flag is raised once per deadline: what was raised is stored in
 * `deadline_alerts` (keyed by tracking number, flag and the term's end), in the database rather than in memory,
 * so a restart does not raise everything again and two hubs on one database do not both raise the same alert
 * (the insert that wins raises it). An extension or a redirect moves the deadline, so the new term is watched
 * afresh. The alert is stored before it is logged and posted: a webhook that fails is logged and not retried
 * (the log line stays the alert of record), which is preferred to posting the same alert every hour.
 */
export function createDeadlineWatch(
  hub: Pick<HubContext, 'store' | 'config'>,
  logger: DeadlineWatchLogger,
  options: DeadlineWatchOptions = {},
): DeadlineWatch {
  const now = options.now ?? (() => new Date());
  const settings = hub.config.deadlines;
  const window =
    options.dueSoon ?? dueSoonWindow(settings.dueSoon, () => options.calendar ?? WorkingCalendar.load());
  const webhookUrl = options.webhookUrl === undefined ? settings.webhookUrl : options.webhookUrl;
  const webhookTimeoutMs = options.webhookTimeoutMs ?? settings.webhookTimeoutMs;
  let running = false;

  async function check(): Promise<DeadlineWatchResult> {
    const at = now();
    const appeals = await hub.store.read(async (db) =>
      (
        await db.query<Row>(
          `SELECT tracking, state, holder, deadlines FROM appeals WHERE state NOT IN (${SETTLED_STATES.map(() => '?').join(', ')})`,
          SETTLED_STATES,
        )
      ).map((row): WatchedAppeal => ({
        tracking: String(row.tracking),
        state: String(row.state) as LifecycleState,
        holder: typeof row.holder === 'string' ? row.holder : null,
        deadlines: JSON.parse(String(row.deadlines)) as AppealDeadlines,
      })),
    );
    const flagged = appeals.flatMap((appeal) => deadlineAlerts(appeal, at, window));
    const count = (flag: DeadlineFlag): number => flagged.filter((alert) => alert.flag === flag).length;
    const dueSoon = count('answer-due-soon');
    const overdue = count('answer-overdue');
    options.metrics?.appealsByDeadline({ dueSoon, overdue });

    const alerted =
      flagged.length === 0
        ? []
        : await hub.store.transaction(async (tx) => {
            const fresh: DeadlineAlert[] = [];
            for (const alert of flagged) {
              const { changes } = await tx.execute(
                `INSERT INTO deadline_alerts (tracking, flag, deadline, alerted_at) VALUES (?, ?, ?, ?)
                 ON CONFLICT (tracking, flag, deadline) DO NOTHING`,
                [alert.tracking, alert.flag, alert.endsAt, at.toISOString()],
              );
              if (changes > 0) fresh.push(alert);
            }
            return fresh;
          });
    for (const alert of alerted) {
      options.metrics?.deadlineAlerted(alert.flag);
      logger.warn({ event: 'deadline-alert', ...alert }, describe(alert));
    }
    if (alerted.length > 0 && webhookUrl !== null && webhookUrl !== '') {
      await postAlerts(webhookUrl, webhookTimeoutMs, {
        type: 'vkhid.deadline-alerts',
        hub: hub.config.hub.code,
        at: at.toISOString(),
        alerts: alerted,
      });
    }
    return { open: appeals.length, dueSoon, overdue, registrationLate: count('registration-late'), alerted };
  }

  async function postAlerts(url: string, timeout: number, payload: DeadlineAlertsPayload): Promise<void> {
    try {
      await axios.post(url, payload, {
        timeout,
        headers: { 'content-type': 'application/json' },
        // A redirect could carry the alerts somewhere the operator did not configure.
        maxRedirects: 0,
      });
    } catch (error) {
      // The URL is left out of the log: webhook URLs often carry a token.
      logger.error(
        { event: 'deadline-alert-webhook', alerts: payload.alerts.length, reason: failureOf(error) },
        'The deadline alert webhook failed; the alerts are in this log only',
      );
    }
  }

  return {
    async run() {
      // Guard against overlapping runs: node-cron's `noOverlap` covers scheduled runs only, not `execute()`.
      if (running) return undefined;
      running = true;
      try {
        return await check();
      } finally {
        running = false;
      }
    },
  };
}

function describe(alert: DeadlineAlert): string {
  const holder = alert.holder === null ? '' : ` held by ${alert.holder}`;
  switch (alert.flag) {
    case 'answer-due-soon':
      return `Appeal ${alert.tracking}${holder}: the answer is due by ${alert.date}`;
    case 'answer-overdue':
      return `Appeal ${alert.tracking}${holder}: the answer term ran out on ${alert.date}`;
    case 'registration-late':
      return `Appeal ${alert.tracking}${holder}: not registered by the agency within the term that ended on ${alert.date}`;
  }
}

function failureOf(error: unknown): string {
  if (axios.isAxiosError(error)) {
    const status = error.response?.status;
    return status === undefined ? `${error.code ?? 'ERR'}: ${error.message}` : `HTTP ${status}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The job's name, in `JobScheduler` and node-cron. */
export const DEADLINE_WATCH_JOB_NAME = 'appeal-deadline-watch';

/**
 * The watch as a `JobScheduler` job, on `deadlines.watchCron` unless `schedule` is given (by default hourly at
 * minute 15, Kyiv time like every hub job: terms end at midnight, so the first run after one flags what ran
 * out). The scheduler logs each run's counts and failures.
 */
export function deadlineWatchJobDefinition(
  hub: Pick<HubContext, 'store' | 'config'>,
  logger: DeadlineWatchLogger,
  options: DeadlineWatchOptions & { readonly schedule?: string } = {},
): JobDefinition {
  const watch = createDeadlineWatch(hub, logger, options);
  return {
    name: DEADLINE_WATCH_JOB_NAME,
    schedule: options.schedule ?? hub.config.deadlines.watchCron,
    run: async () => {
      const result = await watch.run();
      if (result === undefined) return { skipped: true };
      const { alerted, ...counts } = result;
      return { ...counts, alerted: alerted.length };
    },
  };
}
