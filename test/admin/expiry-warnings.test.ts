import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import {
  createExpiryWarningJob,
  expiryWarningJobDefinition,
  expiryWarnings,
  scheduleExpiryWarnings,
  type ExpiryLogger,
} from '../../gateway/admin/expiry-warnings.js';
import { issueParticipantCertificate, revokeCertificate } from '../../gateway/hub/hub-pki.js';
import { JobScheduler } from '../../gateway/jobs/job-scheduler.js';
import { createLogger } from '../../gateway/observability/logger.js';
import type { CertificateRecord } from '../../gateway/registry/registry-model.js';
import { edrpou, opensslCsr, openTestHub, type TestHub } from './admin-test-hub.js';

const DAY = 86_400_000;
const NOW = new Date('2025-06-01T12:00:00.000Z');
const THRESHOLDS = [30, 7, 1];

let serial = 0;
function certificate(remainingMs: number, fields: Partial<CertificateRecord> = {}): CertificateRecord {
  serial += 1;
  const hex = serial.toString(16).toUpperCase().padStart(4, '0');
  return {
    fingerprint: `FP:${hex}`,
    serialNumber: hex,
    issuer: 'CN=Test CA',
    subject: `CN=Certificate ${hex}`,
    participantCode: '12345678',
    role: 'participant-sign',
    pem: '',
    notBefore: '2024-01-01T00:00:00.000Z',
    notAfter: new Date(NOW.getTime() + remainingMs).toISOString(),
    status: 'active',
    overlapUntil: null,
    revokedAt: null,
    revocationReason: null,
    issuedByHub: true,
    createdAt: '2024-01-01T00:00:00.000Z',
    ...fields,
  };
}

/** [daysLeft, threshold] of the one warning for a certificate with this much time left, or undefined. */
function warningFor(remainingMs: number): [number, number] | undefined {
  const [warning, ...more] = expiryWarnings([certificate(remainingMs)], NOW, THRESHOLDS);
  assert.equal(more.length, 0);
  return warning === undefined ? undefined : [warning.daysLeft, warning.threshold];
}

describe('expiryWarnings', () => {
  it('puts a certificate under the smallest threshold it is within, at the 30/7/1-day boundaries', () => {
    assert.equal(warningFor(30 * DAY + 1), undefined, 'a millisecond over 30 days: no warning');
    assert.deepEqual(warningFor(30 * DAY), [30, 30], 'exactly 30 days: within 30');
    assert.deepEqual(warningFor(29 * DAY), [29, 30]);
    assert.deepEqual(warningFor(7 * DAY + 1), [8, 30], 'a millisecond over 7 days: still under 30');
    assert.deepEqual(warningFor(7 * DAY), [7, 7], 'exactly 7 days: within 7');
    assert.deepEqual(warningFor(1 * DAY + 1), [2, 7], 'a millisecond over a day: under 7');
    assert.deepEqual(warningFor(1 * DAY), [1, 1], 'exactly one day: within 1');
    assert.deepEqual(warningFor(DAY / 2), [1, 1], 'half a day left rounds up to 1');
    assert.deepEqual(warningFor(0), [0, 1], 'expiring this instant');
  });

  it('keeps an active certificate that has expired already, under the smallest threshold', () => {
    assert.deepEqual(warningFor(-DAY / 2), [0, 1]);
    assert.deepEqual(warningFor(-3 * DAY), [-3, 1]);
  });

  it('leaves out revoked and superseded certificates and those far from their end', () => {
    const warnings = expiryWarnings(
      [
        certificate(3 * DAY, {
          status: 'revoked',
          revokedAt: NOW.toISOString(),
          revocationReason: 'keyCompromise',
        }),
        certificate(3 * DAY, { status: 'superseded', overlapUntil: NOW.toISOString() }),
        certificate(400 * DAY),
      ],
      NOW,
      THRESHOLDS,
    );
    assert.deepEqual(warnings, []);
  });

  it('reports every role, sorted soonest first, with the fields the job logs', () => {
    const hubTls = certificate(20 * DAY, { role: 'hub-tls', participantCode: null });
    const anchor = certificate(5 * DAY, { role: 'anchor', participantCode: null });
    const warnings = expiryWarnings([hubTls, anchor], NOW, THRESHOLDS);
    assert.deepEqual(warnings, [
      {
        serialNumber: anchor.serialNumber,
        fingerprint: anchor.fingerprint,
        participantCode: null,
        role: 'anchor',
        notAfter: anchor.notAfter,
        daysLeft: 5,
        threshold: 7,
      },
      {
        serialNumber: hubTls.serialNumber,
        fingerprint: hubTls.fingerprint,
        participantCode: null,
        role: 'hub-tls',
        notAfter: hubTls.notAfter,
        daysLeft: 20,
        threshold: 30,
      },
    ]);
  });

  it('accepts thresholds in any order, ignores nonsense ones, and warns of nothing without thresholds', () => {
    const record = certificate(5 * DAY);
    assert.equal(expiryWarnings([record], NOW, [1, 30, 7, 7])[0]?.threshold, 7);
    assert.equal(expiryWarnings([record], NOW, [0, -5, Number.NaN, 10])[0]?.threshold, 10);
    assert.deepEqual(expiryWarnings([record], NOW, []), []);
  });
});

class RecordingLogger implements ExpiryLogger {
  readonly warnings: { fields: Record<string, unknown>; message: string }[] = [];
  readonly errors: { fields: Record<string, unknown>; message: string }[] = [];
  warn(fields: Record<string, unknown>, message: string): void {
    this.warnings.push({ fields, message });
  }
  error(fields: Record<string, unknown>, message: string): void {
    this.errors.push({ fields, message });
  }
}

describe('the certificate expiry job', () => {
  let testHub: TestHub;
  let issued: CertificateRecord;
  let issuedAt: number;
  const agency = edrpou('1357913');

  before(async () => {
    testHub = await openTestHub();
    await testHub.hub.registry.addParticipant(
      { code: agency, fullName: 'Expiring agency', kind: 'agency' },
      'test:setup',
    );
    const csr = opensslCsr(testHub.scratch, 'expiring', 'Expiring agency', [
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
    ]);
    issuedAt = Date.now();
    issued = await issueParticipantCertificate(
      testHub.hub,
      csr,
      { participantCode: agency, usage: 'sign', validityDays: 40 },
      'test:setup',
    );
  });

  after(async () => {
    await testHub?.close();
  });

  it('logs each certificate once per threshold crossing', async () => {
    let clock = issuedAt;
    const logger = new RecordingLogger();
    const job = createExpiryWarningJob(testHub.hub, logger, { now: () => new Date(clock) });
    const serials = (): string[] =>
      logger.warnings.map(
        (entry) => `${String(entry.fields.serialNumber)}@${String(entry.fields.threshold)}`,
      );

    assert.deepEqual(await job.run(), [], '40 days left: nothing (the hub’s own certificates have years)');
    clock = issuedAt + 15 * DAY; // 25 days left
    assert.equal((await job.run())?.length, 1);
    assert.deepEqual(serials(), [`${issued.serialNumber}@30`]);
    assert.match(logger.warnings[0]!.message, /expires in 25 day\(s\)/);
    assert.equal(logger.warnings[0]!.fields.participantCode, agency);
    clock = issuedAt + 20 * DAY; // 20 days left, same threshold
    assert.deepEqual(await job.run(), []);
    clock = issuedAt + 34 * DAY; // 6 days left
    await job.run();
    await job.run();
    assert.deepEqual(serials(), [`${issued.serialNumber}@30`, `${issued.serialNumber}@7`]);
    clock = issuedAt + 39.5 * DAY; // half a day left
    await job.run();
    assert.deepEqual(serials(), [
      `${issued.serialNumber}@30`,
      `${issued.serialNumber}@7`,
      `${issued.serialNumber}@1`,
    ]);
    clock = issuedAt + 41 * DAY; // expired, still under 1: no new crossing
    await job.run();
    assert.equal(logger.warnings.length, 3);
    assert.deepEqual(logger.errors, []);
  });

  it('does not run twice at once', async () => {
    const logger = new RecordingLogger();
    const job = createExpiryWarningJob(testHub.hub, logger, { now: () => new Date(issuedAt + 35 * DAY) });
    const [first, second] = await Promise.all([job.run(), job.run()]);
    assert.equal(first?.length, 1);
    assert.equal(second, undefined, 'the overlapping run was skipped');
    assert.equal(logger.warnings.length, 1);
  });

  it('forgets a certificate that leaves the list (revoked)', async () => {
    const logger = new RecordingLogger();
    const job = createExpiryWarningJob(testHub.hub, logger, { now: () => new Date(issuedAt + 35 * DAY) });
    await job.run();
    await revokeCertificate(testHub.hub, issued.serialNumber, 'cessationOfOperation', 'test');
    assert.deepEqual(await job.run(), []);
    assert.equal(logger.warnings.length, 1);
  });

  it('is scheduled with node-cron, daily at 08:00 Kyiv time by default, and can be run and stopped', async () => {
    const logger = new RecordingLogger();
    const task = scheduleExpiryWarnings(testHub.hub, logger, undefined, {
      now: () => new Date(issuedAt + 35 * DAY),
    });
    try {
      assert.equal(task.getPattern(), '0 8 * * *');
      const next = task.getNextRun();
      assert.ok(next !== null);
      const kyivHour = new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Kyiv',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(next);
      assert.equal(kyivHour, '08:00');
      await task.execute();
      assert.deepEqual(logger.errors, []);
    } finally {
      await task.destroy();
    }
    assert.equal(task.getStatus(), 'destroyed');
  });

  it('logs a failed check instead of throwing into the scheduler', async () => {
    const logger = new RecordingLogger();
    const registry = testHub.hub.registry;
    const original = registry.listCertificates.bind(registry);
    registry.listCertificates = () => Promise.reject(new Error('disk on fire'));
    const task = scheduleExpiryWarnings(testHub.hub, logger, '*/5 * * * *');
    try {
      await task.execute();
    } finally {
      registry.listCertificates = original;
      await task.destroy();
    }
    assert.equal(logger.errors.length, 1);
    assert.match(logger.errors[0]!.message, /expiry check failed/);
  });

  it('refuses an invalid cron expression', () => {
    assert.throws(
      () => scheduleExpiryWarnings(testHub.hub, new RecordingLogger(), 'every morning'),
      RangeError,
    );
  });

  it('runs as a JobScheduler job and logs through the hub’s pino logger', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createLogger({ destination });
    const scheduler = new JobScheduler(log);
    scheduler.add(
      expiryWarningJobDefinition(testHub.hub, log, '0 8 * * *', { now: () => new Date(issuedAt + 35 * DAY) }),
    );
    const [status] = scheduler.list();
    assert.equal(status?.name, 'certificate-expiry-warnings');
    // The certificate of this suite was revoked above: issue another one that is close to its end.
    const csr = opensslCsr(testHub.scratch, 'scheduled', 'Scheduled', [
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
    ]);
    const record = await issueParticipantCertificate(
      testHub.hub,
      csr,
      { participantCode: agency, usage: 'tls', validityDays: 40 },
      'test',
    );
    await scheduler.execute('certificate-expiry-warnings');
    const warnings = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry.event === 'certificate-expiry');
    assert.deepEqual(
      warnings.map((entry) => [entry.level, entry.serialNumber, entry.threshold]),
      [[40, record.serialNumber, 7]],
    );
    assert.equal(scheduler.list()[0]?.lastError, null);
  });
});
