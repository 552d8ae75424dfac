import cron, { type ScheduledTask } from 'node-cron';
import type { HubContext } from '../hub/hub-context.js';
import type { JobDefinition } from '../jobs/job-scheduler.js';
import type { CertificateRecord, CertificateRole } from '../registry/registry-model.js';

const DAY_MS = 86_400_000;

/** One certificate close to (or past) its end of validity, under the smallest warning threshold it is within. */
export interface ExpiryWarning {
  serialNumber: string;
  /** Serial numbers are unique per issuer only: the fingerprint names the certificate. */
  fingerprint: string;
  participantCode: string | null;
  role: CertificateRole;
  notAfter: string;
  /** Whole days left, rounded up (0 or less: expired already). */
  daysLeft: number;
  /** The smallest configured threshold (in days) the certificate is within. */
  threshold: number;
}

/**
 * The certificates that need attention at `now`: every certificate in force (status `active`) whose end of
 * validity is at most the largest threshold away, each under the smallest threshold it is within. A certificate
 * with exactly 7 days left is within 7; with 7 days and a millisecond, within 30 only (for thresholds 30, 7, 1).
 *
 * Revoked certificates are left out, and so are superseded ones: they were rotated already and only verify
 * until their overlap ends, so a warning about them would ask for work that has been done. An active
 * certificate that has already expired stays in the list (daysLeft 0 or below) under the smallest threshold:
 * its participant can no longer sign, which is the most urgent case of all.
 *
 * Sorted by end of validity, soonest first.
 */
export function expiryWarnings(
  certificates: readonly CertificateRecord[],
  now: Date,
  thresholds: readonly number[],
): ExpiryWarning[] {
  const ascending = [...new Set(thresholds.filter((days) => Number.isFinite(days) && days > 0))].sort(
    (a, b) => a - b,
  );
  if (ascending.length === 0) return [];
  const warnings: ExpiryWarning[] = [];
  for (const certificate of certificates) {
    if (certificate.status !== 'active') continue;
    const remaining = Date.parse(certificate.notAfter) - now.getTime();
    if (Number.isNaN(remaining)) continue;
    const threshold = ascending.find((days) => remaining <= days * DAY_MS);
    if (threshold === undefined) continue;
    warnings.push({
      serialNumber: certificate.serialNumber,
      fingerprint: certificate.fingerprint,
      participantCode: certificate.participantCode,
      role: certificate.role,
      notAfter: certificate.notAfter,
      // `+ 0` turns the -0 of Math.ceil(-0.4) into 0.
      daysLeft: Math.ceil(remaining / DAY_MS) + 0,
      threshold,
    });
  }
  return warnings.sort((a, b) => a.notAfter.localeCompare(b.notAfter));
}

/** What the job logs with: pino's `warn(fields, message)` and `error(fields, message)` fit. */
export interface ExpiryLogger {
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface ExpiryWarningJob {
  /**
   * One check: reads the certificates, logs each warning whose threshold was not logged before for that
   * certificate, and returns the warnings logged. A call while another is still running does nothing and
   * returns `undefined`.
   */
  run(): Promise<ExpiryWarning[] | undefined>;
}

export interface ExpiryJobOptions {
  /** The clock (tests move it). */
  readonly now?: () => Date;
}

/**
 * The check behind the scheduled job. Each warning is logged once per threshold crossing: a certificate is
 * logged when it comes within 30 days, again within 7, again within 1, and not on the days in between. What was
 * logged is remembered in memory: after a restart each certificate still within a threshold is logged once
 * more, which is a reminder rather than noise. A certificate that leaves the list (rotated, revoked, renewed)
 * is forgotten, so one that comes back is logged again.
 */
export function createExpiryWarningJob(
  hub: HubContext,
  logger: ExpiryLogger,
  options: ExpiryJobOptions = {},
): ExpiryWarningJob {
  const now = options.now ?? (() => new Date());
  const logged = new Map<string, number>();
  let running = false;
  return {
    async run() {
      // Guard against overlapping runs: node-cron's `noOverlap` covers scheduled runs only, not `execute()`,
      // and a slow store must not make two checks log the same crossing twice.
      if (running) return undefined;
      running = true;
      try {
        const warnings = expiryWarnings(
          await hub.registry.listCertificates(),
          now(),
          hub.config.pki.expiryWarningDays,
        );
        const current = new Set(warnings.map((warning) => warning.fingerprint));
        for (const fingerprint of logged.keys()) if (!current.has(fingerprint)) logged.delete(fingerprint);
        const fresh = warnings.filter((warning) => logged.get(warning.fingerprint) !== warning.threshold);
        for (const warning of fresh) {
          logged.set(warning.fingerprint, warning.threshold);
          logger.warn(
            { event: 'certificate-expiry', ...warning },
            warning.daysLeft <= 0
              ? `Certificate ${warning.serialNumber} (${warning.role}${warning.participantCode === null ? '' : ` of ${warning.participantCode}`}) expired at ${warning.notAfter}`
              : `Certificate ${warning.serialNumber} (${warning.role}${warning.participantCode === null ? '' : ` of ${warning.participantCode}`}) expires in ${warning.daysLeft} day(s), at ${warning.notAfter}`,
          );
        }
        return fresh;
      } finally {
        running = false;
      }
    },
  };
}

/** The job's name, in `JobScheduler` and node-cron. */
export const EXPIRY_JOB_NAME = 'certificate-expiry-warnings';

/**
 * The same check as a `JobScheduler` job (gateway/jobs), for a server that runs all its jobs through one
 * scheduler: `scheduler.add(expiryWarningJobDefinition(hub, log))`. The scheduler logs failures itself.
 */
export function expiryWarningJobDefinition(
  hub: HubContext,
  logger: ExpiryLogger,
  cronExpression = '0 8 * * *',
  options: ExpiryJobOptions = {},
): JobDefinition {
  const job = createExpiryWarningJob(hub, logger, options);
  return {
    name: EXPIRY_JOB_NAME,
    schedule: cronExpression,
    // The scheduler logs the result of each run: a count, the warnings themselves were logged one by one.
    run: async () => {
      const logged = await job.run();
      return logged === undefined ? { skipped: true } : { logged: logged.length };
    },
  };
}

/** The timezone of the schedule: the hub works on the Ukrainian legal calendar. */
export const EXPIRY_JOB_TIMEZONE = 'Europe/Kyiv';

/**
 * Schedules the expiry check (by default daily at 08:00 Kyiv time) with node-cron and returns the task: the
 * caller stops it (`task.stop()` / `task.destroy()`) on shutdown; `task.execute()` runs a check at once. A
 * failed check is logged (`logger.error`), never thrown into the scheduler. An invalid cron expression throws.
 */
export function scheduleExpiryWarnings(
  hub: HubContext,
  logger: ExpiryLogger,
  cronExpression = '0 8 * * *',
  options: ExpiryJobOptions = {},
): ScheduledTask {
  if (!cron.validate(cronExpression)) throw new RangeError(`invalid cron expression: ${cronExpression}`);
  const job = createExpiryWarningJob(hub, logger, options);
  return cron.schedule(
    cronExpression,
    async () => {
      try {
        return await job.run();
      } catch (error) {
        logger.error({ event: 'certificate-expiry', err: error }, 'The certificate expiry check failed');
        return undefined;
      }
    },
    { name: EXPIRY_JOB_NAME, timezone: EXPIRY_JOB_TIMEZONE, noOverlap: true },
  );
}
