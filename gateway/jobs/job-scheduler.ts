import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../observability/logger.js';

export interface JobDefinition {
  readonly name: string;
  /** A cron expression (node-cron syntax, with seconds optional). */
  readonly schedule: string;
  readonly run: () => Promise<unknown>;
}

export interface JobStatus {
  name: string;
  schedule: string;
  running: boolean;
  lastRunAt: string | null;
  lastError: string | null;
  nextRunAt: string | null;
}

export interface JobSchedulerOptions {
  /**
   * Called after every run of a job with its status (the server persists them for `vkhid jobs`). An error it
   * throws or rejects with is logged, never thrown.
   */
  readonly onRun?: (status: JobStatus) => void | Promise<void>;
}

/**
 * Scheduled jobs (node-cron) in Kyiv time. node-cron's `noOverlap` skips a run while the previous one is still
 * going, so a slow sweep never runs twice at once; each job's last run and error are kept for `vkhid jobs`
 * and the admin API.
 */
export class JobScheduler {
  private readonly jobs = new Map<
    string,
    {
      definition: JobDefinition;
      task: ScheduledTask;
      lastRunAt: Date | null;
      lastError: string | null;
      running: boolean;
    }
  >();

  constructor(
    private readonly log: Logger,
    private readonly options: JobSchedulerOptions = {},
  ) {}

  add(definition: JobDefinition): void {
    if (this.jobs.has(definition.name)) throw new Error(`job ${definition.name} is already scheduled`);
    if (!cron.validate(definition.schedule))
      throw new Error(`job ${definition.name}: invalid schedule ${definition.schedule}`);
    const entry = {
      definition,
      lastRunAt: null as Date | null,
      lastError: null as string | null,
      running: false,
      task: undefined as unknown as ScheduledTask,
    };
    entry.task = cron.createTask(definition.schedule, () => this.execute(definition.name), {
      name: definition.name,
      timezone: 'Europe/Kyiv',
      noOverlap: true,
    });
    this.jobs.set(definition.name, entry);
  }

  /** Runs a job now (also what the schedule calls); errors are logged and kept, never thrown. */
  async execute(name: string): Promise<void> {
    const entry = this.jobs.get(name);
    if (entry === undefined) throw new Error(`no job ${name}`);
    if (entry.running) return;
    entry.running = true;
    const started = Date.now();
    try {
      const result = await entry.definition.run();
      entry.lastError = null;
      this.log.info({ job: name, ms: Date.now() - started, result }, 'job finished');
    } catch (error) {
      entry.lastError = error instanceof Error ? error.message : String(error);
      this.log.error({ job: name, err: error }, 'job failed');
    } finally {
      entry.running = false;
      entry.lastRunAt = new Date(started);
    }
    await this.notifyRun(name);
  }

  private async notifyRun(name: string): Promise<void> {
    const onRun = this.options.onRun;
    if (onRun === undefined) return;
    const status = this.list().find((job) => job.name === name);
    if (status === undefined) return;
    try {
      await onRun(status);
    } catch (error) {
      this.log.error({ job: name, err: error }, 'recording the job run failed');
    }
  }

  async start(): Promise<void> {
    for (const entry of this.jobs.values()) await entry.task.start();
  }

  async stop(): Promise<void> {
    for (const entry of this.jobs.values()) await entry.task.stop();
  }

  list(): JobStatus[] {
    return [...this.jobs.values()].map((entry) => ({
      name: entry.definition.name,
      schedule: entry.definition.schedule,
      running: entry.running,
      lastRunAt: entry.lastRunAt?.toISOString() ?? null,
      lastError: entry.lastError,
      nextRunAt: entry.task.getNextRun()?.toISOString() ?? null,
    }));
  }
}
