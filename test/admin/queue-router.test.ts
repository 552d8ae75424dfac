/**
 * The delivery queue in the admin API (`/admin/queue`): depth and ages, listing and inspecting jobs, retry and
 * requeue with their audit entries, and the refusals (authentication, roles, parameters, unknown jobs, illegal
 * transitions), each leaving the store as it was.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createAdminRouter } from '../../gateway/admin/admin-router.js';
import { AdminUsers } from '../../gateway/admin/admin-users.js';
import { createQueueRouter, type QueueOverview } from '../../gateway/admin/queue-router.js';
import type { HubContext } from '../../gateway/hub/hub-context.js';
import type { DeliveryJob } from '../../gateway/queue/delivery-job.js';
import { DeliveryQueue, type JobDetails } from '../../gateway/queue/delivery-queue.js';
import { RetrySchedule } from '../../gateway/queue/retry-schedule.js';
import type { AuditEntry } from '../../gateway/registry/registry-model.js';
import {
  assertProblem,
  call,
  openTestHub,
  type CallOptions,
  type Problem,
  type Reply,
  type TestHub,
  type TestServer,
} from './admin-test-hub.js';

const SENDER = '00015622';
const RECIPIENT = '00022527';
const OTHER = '03359500';
const SECOND = 1000;
const START = new Date('2026-03-02T09:00:00.000Z');
/** The queue router where the server mounts it, in front of the admin router (whose audit route the tests read). */
async function startServer(hub: HubContext, now: () => Date): Promise<TestServer> {
  const app = express();
  app.use('/admin/queue', createQueueRouter(hub, { now }));
  app.use('/admin', createAdminRouter(hub, { now }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}

describe('the admin API: delivery queue', function () {
  this.timeout(60_000);
  let testHub: TestHub;
  let server: TestServer;
  let clock: Date;
  const now = (): Date => clock;
  const advance = (ms: number): void => {
    clock = new Date(clock.getTime() + ms);
  };
  const tokens = { admin: '', operator: '', auditor: '' };
  /** One job in each state but acknowledged (see beforeEach for their ages). */
  const jobs = {} as Record<'queued' | 'retry' | 'sending' | 'delivered' | 'dead', DeliveryJob>;

  function api<T = Problem>(method: string, path: string, options: CallOptions = {}): Promise<Reply<T>> {
    return call<T>(server.baseUrl, method, path, options);
  }
  const as = (role: keyof typeof tokens, options: CallOptions = {}): CallOptions => ({
    ...options,
    token: tokens[role],
  });

  /** Everything a refused action must leave as it was: every job row and the audit trail. */
  async function snapshot(): Promise<{ jobs: unknown[]; audit: number }> {
    const rows = await testHub.hub.store.read((db) => db.query('SELECT * FROM delivery_jobs ORDER BY id'));
    const audit = (await testHub.hub.registry.auditTrail({ limit: 100_000 })).length;
    return { jobs: rows, audit };
  }

  async function queueAudit(jobId: string): Promise<AuditEntry[]> {
    return testHub.hub.registry.auditTrail({ entity: 'delivery-job', entityId: jobId });
  }

  /** Stores a message received now, to `recipient`, and returns its queued job. */
  async function put(recipient: string): Promise<DeliveryJob> {
    const at = clock.toISOString();
    const result = await testHub.hub.messages.storeAccepted(
      {
        messageId: randomUUID(),
        type: 'appeal',
        sender: SENDER,
        recipient,
        tracking: `UKC-${randomUUID().slice(0, 13).toUpperCase()}`,
        inReplyTo: null,
        urgency: 'normal',
        createdAt: at,
        receivedSha256: randomUUID().replace(/-/g, '').repeat(2),
        receivedBytes: Buffer.from('<Envelope/>'),
        signedXml: '<Envelope/>',
        signerFingerprint: 'AA',
        clientFingerprint: 'BB',
        receiptId: randomUUID(),
        receiptXml: '<receipt/>',
        receivedAt: at,
      },
      10,
    );
    assert.equal(result.kind, 'stored');
    return result.job;
  }

  beforeEach(async () => {
    clock = START;
    testHub = await openTestHub({ initialise: false });
    const { hub } = testHub;
    for (const code of [SENDER, RECIPIENT, OTHER]) {
      await hub.registry.addParticipant({ code, fullName: `P ${code}`, kind: 'agency' }, 'test:setup');
    }
    const users = new AdminUsers(hub.store);
    tokens.admin = (await users.add('alice', 'admin', 'test:setup')).token;
    tokens.operator = (await users.add('oscar', 'operator', 'test:setup')).token;
    tokens.auditor = (await users.add('audrey', 'auditor', 'test:setup')).token;

    // Each job is the only one due when it is claimed, so every claim takes the job just stored.
    // A minute of backoff: the retry job is still waiting when the tests run.
    const worker = new DeliveryQueue(hub.store, {
      now,
      random: () => 0.5,
      schedule: new RetrySchedule({ baseDelayMs: 60 * SECOND }),
    });
    const tooLate = new DeliveryQueue(hub.store, { now, schedule: new RetrySchedule({ maxAgeMs: 0 }) });
    const claimOne = async (queue: DeliveryQueue, id: string): Promise<void> => {
      const claimed = await queue.claim('worker-1', 1);
      assert.deepEqual(
        claimed.map((c) => c.jobId),
        [id],
      );
    };
    jobs.dead = await put(OTHER); // t0
    await claimOne(tooLate, jobs.dead.id);
    assert.deepEqual(await tooLate.failed(jobs.dead.id, 'worker-1', 'HTTP 410 Gone'), { state: 'dead' });
    advance(SECOND);
    jobs.sending = await put(OTHER); // t0 + 1 s
    await claimOne(worker, jobs.sending.id);
    advance(SECOND);
    jobs.delivered = await put(RECIPIENT); // t0 + 2 s
    await claimOne(worker, jobs.delivered.id);
    assert.equal(await worker.delivered(jobs.delivered.id, 'worker-1'), true);
    advance(SECOND);
    jobs.retry = await put(RECIPIENT); // t0 + 3 s
    await claimOne(worker, jobs.retry.id);
    assert.deepEqual(await worker.failed(jobs.retry.id, 'worker-1', 'HTTP 503'), {
      state: 'retry',
      nextAttemptAt: '2026-03-02T09:01:03.000Z',
    });
    advance(SECOND);
    jobs.queued = await put(RECIPIENT); // t0 + 4 s
    clock = new Date(START.getTime() + 10 * SECOND);

    server = await startServer(hub, now);
  });

  afterEach(async () => {
    await server?.close();
    await testHub?.close();
  });

  describe('authentication and roles', () => {
    const reads = ['/admin/queue', '/admin/queue/jobs', '/admin/queue/jobs/some-id'];
    const actions = ['retry', 'requeue'];

    it('refuses every route without a valid token: 401 ADMIN_UNAUTHENTICATED, nothing changed', async () => {
      const before = await snapshot();
      for (const path of reads) {
        const reply = await api('GET', path);
        assertProblem(reply, 401, 'ADMIN_UNAUTHENTICATED');
        assert.equal(reply.json.instance, path);
        assert.match(reply.headers.get('www-authenticate') ?? '', /^Bearer /);
      }
      for (const action of actions) {
        assertProblem(
          await api('POST', `/admin/queue/jobs/${jobs.dead.id}/${action}`),
          401,
          'ADMIN_UNAUTHENTICATED',
        );
        assertProblem(
          await api('POST', `/admin/queue/jobs/${jobs.dead.id}/${action}`, { token: 'A'.repeat(43) }),
          401,
          'ADMIN_UNAUTHENTICATED',
        );
      }
      assert.deepEqual(await snapshot(), before);
    });

    it('lets an auditor read, with answers no cache may keep', async () => {
      for (const path of [...reads.slice(0, 2), `/admin/queue/jobs/${jobs.dead.id}`]) {
        const reply = await api('GET', path, as('auditor'));
        assert.equal(reply.status, 200, `${path}: ${reply.body.toString()}`);
        assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
        assert.equal(reply.headers.get('cache-control'), 'no-store');
      }
    });

    it('refuses an auditor every action (403 ADMIN_FORBIDDEN) before reading the body; nothing changed', async () => {
      const before = await snapshot();
      for (const action of actions) {
        for (const job of [jobs.dead, jobs.retry]) {
          assertProblem(
            await api('POST', `/admin/queue/jobs/${job.id}/${action}`, as('auditor')),
            403,
            'ADMIN_FORBIDDEN',
          );
        }
        // Not even a body it could not read or an unknown job gets past the role check.
        assertProblem(
          await api('POST', `/admin/queue/jobs/${jobs.dead.id}/${action}`, as('auditor', { raw: '{"x":' })),
          403,
          'ADMIN_FORBIDDEN',
        );
        assertProblem(
          await api('POST', `/admin/queue/jobs/${randomUUID()}/${action}`, as('auditor')),
          403,
          'ADMIN_FORBIDDEN',
        );
      }
      assert.deepEqual(await snapshot(), before);
    });
  });

  describe('GET /admin/queue', () => {
    it('gives depth and the oldest age per state and per recipient', async () => {
      const reply = await api<QueueOverview>('GET', '/admin/queue', as('auditor'));
      assert.equal(reply.status, 200, reply.body.toString());
      assert.deepEqual(reply.json, {
        at: '2026-03-02T09:00:10.000Z',
        byState: {
          queued: { depth: 1, oldestAgeMs: 6 * SECOND },
          sending: { depth: 1, oldestAgeMs: 9 * SECOND },
          retry: { depth: 1, oldestAgeMs: 7 * SECOND },
          delivered: { depth: 1, oldestAgeMs: 8 * SECOND },
          acknowledged: { depth: 0, oldestAgeMs: null },
          dead: { depth: 1, oldestAgeMs: 10 * SECOND },
        },
        byRecipient: {
          [RECIPIENT]: {
            queued: { depth: 1, oldestAgeMs: 6 * SECOND },
            retry: { depth: 1, oldestAgeMs: 7 * SECOND },
            delivered: { depth: 1, oldestAgeMs: 8 * SECOND },
          },
          [OTHER]: {
            sending: { depth: 1, oldestAgeMs: 9 * SECOND },
            dead: { depth: 1, oldestAgeMs: 10 * SECOND },
          },
        },
        oldestQueuedAgeMs: 7 * SECOND,
      });
    });

    it('agrees with the counts of DeliveryQueue.stats (what the CLI and the metrics show)', async () => {
      await put(OTHER);
      await put(OTHER);
      const stats = await new DeliveryQueue(testHub.hub.store, { now }).stats();
      const reply = await api<QueueOverview>('GET', '/admin/queue', as('auditor'));
      assert.deepEqual(
        Object.fromEntries(Object.entries(reply.json.byState).map(([state, d]) => [state, d.depth])),
        stats.byState,
      );
      assert.deepEqual(
        Object.fromEntries(
          Object.entries(reply.json.byRecipient).map(([code, states]) => [
            code,
            Object.fromEntries(Object.entries(states).map(([state, d]) => [state, d.depth])),
          ]),
        ),
        stats.byRecipient,
      );
      assert.equal(reply.json.oldestQueuedAgeMs, stats.oldestQueuedAgeMs);
    });

    it('answers an empty queue with zero depths and no ages', async () => {
      await testHub.hub.store.transaction((tx) => tx.execute('DELETE FROM delivery_jobs'));
      const reply = await api<QueueOverview>('GET', '/admin/queue', as('auditor'));
      assert.deepEqual(reply.json.byRecipient, {});
      assert.equal(reply.json.oldestQueuedAgeMs, null);
      for (const depth of Object.values(reply.json.byState))
        assert.deepEqual(depth, { depth: 0, oldestAgeMs: null });
    });
  });

  describe('GET /admin/queue/jobs', () => {
    const ids = async (query: string): Promise<string[]> => {
      const reply = await api<{ jobs: DeliveryJob[] }>('GET', `/admin/queue/jobs${query}`, as('auditor'));
      assert.equal(reply.status, 200, reply.body.toString());
      return reply.json.jobs.map((job) => job.id);
    };

    it('lists jobs in queue order, filtered by state and recipient, at most limit', async () => {
      const oldestFirst = [jobs.dead, jobs.sending, jobs.delivered, jobs.retry, jobs.queued].map((j) => j.id);
      assert.deepEqual(await ids(''), oldestFirst);
      assert.deepEqual(await ids('?state=dead'), [jobs.dead.id]);
      assert.deepEqual(await ids(`?recipient=${RECIPIENT}`), [
        jobs.delivered.id,
        jobs.retry.id,
        jobs.queued.id,
      ]);
      assert.deepEqual(await ids(`?state=retry&recipient=${RECIPIENT}`), [jobs.retry.id]);
      assert.deepEqual(await ids(`?state=retry&recipient=${OTHER}`), []);
      assert.deepEqual(await ids('?state=acknowledged'), []);
      assert.deepEqual(await ids('?limit=2'), oldestFirst.slice(0, 2));
    });

    it('gives each job with its state, attempts and last error', async () => {
      const reply = await api<{ jobs: DeliveryJob[] }>('GET', '/admin/queue/jobs?state=dead', as('auditor'));
      const [dead] = reply.json.jobs;
      assert.deepEqual(
        [dead?.state, dead?.recipient, dead?.attempts, dead?.lastError],
        ['dead', OTHER, 1, 'HTTP 410 Gone'],
      );
    });

    it('refuses a bad state, recipient or limit with a 400 naming the parameter', async () => {
      const before = await snapshot();
      assertProblem(
        await api('GET', '/admin/queue/jobs?state=lost', as('auditor')),
        400,
        'REQUEST_INVALID_JSON',
        'state',
      );
      assertProblem(
        await api('GET', '/admin/queue/jobs?state=dead&state=retry', as('auditor')),
        400,
        'REQUEST_INVALID_JSON',
        'state',
      );
      assertProblem(
        await api('GET', '/admin/queue/jobs?recipient=12345', as('auditor')),
        400,
        'PARTICIPANT_CODE_INVALID',
        'recipient',
      );
      for (const limit of ['0', '1001', 'ten', '-1']) {
        assertProblem(
          await api('GET', `/admin/queue/jobs?limit=${limit}`, as('auditor')),
          400,
          'REQUEST_INVALID_JSON',
          'limit',
        );
      }
      assert.deepEqual(await snapshot(), before);
    });
  });

  describe('GET /admin/queue/jobs/:id', () => {
    it('gives the job and its message header, never the message itself', async () => {
      const reply = await api<JobDetails>('GET', `/admin/queue/jobs/${jobs.retry.id}`, as('auditor'));
      assert.equal(reply.status, 200, reply.body.toString());
      assert.equal(reply.json.job.id, jobs.retry.id);
      assert.deepEqual(
        [reply.json.job.state, reply.json.job.attempts, reply.json.job.lastError],
        ['retry', 1, 'HTTP 503'],
      );
      assert.equal(reply.json.message.messageId, jobs.retry.messageId);
      assert.deepEqual([reply.json.message.sender, reply.json.message.recipient], [SENDER, RECIPIENT]);
      const text = reply.body.toString();
      for (const hidden of ['receivedBytes', 'receivedXml', 'signedXml', 'receiptXml', '<Envelope'])
        assert.ok(!text.includes(hidden), `the answer holds ${hidden}`);
    });

    it('answers an unknown job with 404 QUEUE_JOB_NOT_FOUND', async () => {
      const id = randomUUID();
      const reply = await api('GET', `/admin/queue/jobs/${id}`, as('auditor'));
      assertProblem(reply, 404, 'QUEUE_JOB_NOT_FOUND');
      assert.match(reply.json.detail, new RegExp(id));
    });
  });

  describe('POST /admin/queue/jobs/:id/retry', () => {
    it('makes a waiting job due now and audits who did it, before and after', async () => {
      const before = await api<JobDetails>('GET', `/admin/queue/jobs/${jobs.retry.id}`, as('auditor'));
      assert.ok(before.json.job.nextAttemptAt > clock.toISOString(), 'the retry waits for its backoff');
      const reply = await api<{ job: DeliveryJob }>(
        'POST',
        `/admin/queue/jobs/${jobs.retry.id}/retry`,
        as('operator'),
      );
      assert.equal(reply.status, 200, reply.body.toString());
      assert.deepEqual(
        [reply.json.job.id, reply.json.job.state, reply.json.job.nextAttemptAt, reply.json.job.attempts],
        [jobs.retry.id, 'retry', clock.toISOString(), 1],
      );
      const stored = await new DeliveryQueue(testHub.hub.store, { now }).inspect(jobs.retry.id);
      assert.deepEqual(stored.job, reply.json.job);

      const [entry, ...more] = await queueAudit(jobs.retry.id);
      assert.deepEqual(more, []);
      assert.deepEqual(
        [entry?.actor, entry?.action, entry?.entity, entry?.entityId, entry?.at],
        ['admin:oscar', 'delivery-job.retry', 'delivery-job', jobs.retry.id, clock.toISOString()],
      );
      assert.deepEqual(entry?.before, before.json.job);
      assert.deepEqual(entry?.after, reply.json.job);
    });

    it('lets an admin retry a queued job, with an empty JSON body', async () => {
      const reply = await api<{ job: DeliveryJob }>(
        'POST',
        `/admin/queue/jobs/${jobs.queued.id}/retry`,
        as('admin', { body: {} }),
      );
      assert.equal(reply.status, 200, reply.body.toString());
      assert.equal(reply.json.job.state, 'queued');
      assert.deepEqual(
        (await queueAudit(jobs.queued.id)).map((e) => [e.actor, e.action]),
        [['admin:alice', 'delivery-job.retry']],
      );
    });

    it('refuses a job that is not waiting (409 QUEUE_TRANSITION) and changes nothing', async () => {
      const before = await snapshot();
      for (const state of ['dead', 'sending', 'delivered'] as const) {
        const reply = await api('POST', `/admin/queue/jobs/${jobs[state].id}/retry`, as('operator'));
        assertProblem(reply, 409, 'QUEUE_TRANSITION');
        assert.match(reply.json.detail, new RegExp(`${jobs[state].id} is ${state} `));
      }
      assert.deepEqual(await snapshot(), before);
    });

    it('refuses an unknown job (404) and a body with fields (400), changing nothing', async () => {
      const before = await snapshot();
      assertProblem(
        await api('POST', `/admin/queue/jobs/${randomUUID()}/retry`, as('operator')),
        404,
        'QUEUE_JOB_NOT_FOUND',
      );
      assertProblem(
        await api(
          'POST',
          `/admin/queue/jobs/${jobs.retry.id}/retry`,
          as('operator', { body: { force: true } }),
        ),
        400,
        'REQUEST_INVALID_JSON',
        'force',
      );
      assertProblem(
        await api('POST', `/admin/queue/jobs/${jobs.retry.id}/retry`, as('operator', { raw: '{"x":' })),
        400,
        'REQUEST_INVALID_JSON',
      );
      assert.deepEqual(await snapshot(), before);
    });
  });

  describe('POST /admin/queue/jobs/:id/requeue', () => {
    it('moves a dead letter back to the queue, keeping its last error, and audits it', async () => {
      const reply = await api<{ job: DeliveryJob }>(
        'POST',
        `/admin/queue/jobs/${jobs.dead.id}/requeue`,
        as('operator'),
      );
      assert.equal(reply.status, 200, reply.body.toString());
      const job = reply.json.job;
      assert.deepEqual(
        [job.id, job.state, job.attempts, job.nextAttemptAt, job.createdAt, job.lastError],
        [jobs.dead.id, 'queued', 0, clock.toISOString(), clock.toISOString(), 'HTTP 410 Gone'],
      );
      const listed = await api<{ jobs: DeliveryJob[] }>('GET', '/admin/queue/jobs?state=dead', as('auditor'));
      assert.deepEqual(listed.json.jobs, []);

      const [entry, ...more] = await queueAudit(jobs.dead.id);
      assert.deepEqual(more, []);
      assert.deepEqual(
        [entry?.actor, entry?.action, entry?.entityId],
        ['admin:oscar', 'delivery-job.requeue', jobs.dead.id],
      );
      assert.equal((entry?.before as DeliveryJob).state, 'dead');
      assert.deepEqual(entry?.after, job);
      // Administrators read it where they read every other change.
      const trail = await api<{ entries: AuditEntry[] }>(
        'GET',
        `/admin/audit?entity=delivery-job&id=${jobs.dead.id}`,
        as('auditor'),
      );
      assert.deepEqual(
        trail.json.entries.map((e) => e.action),
        ['delivery-job.requeue'],
      );
    });

    it('requeues a delivered job to send it again', async () => {
      const reply = await api<{ job: DeliveryJob }>(
        'POST',
        `/admin/queue/jobs/${jobs.delivered.id}/requeue`,
        as('admin'),
      );
      assert.equal(reply.status, 200, reply.body.toString());
      assert.deepEqual([reply.json.job.state, reply.json.job.attempts], ['queued', 0]);
    });

    it('refuses a job that is still on its way (409 QUEUE_TRANSITION) and changes nothing', async () => {
      const before = await snapshot();
      for (const job of [jobs.queued, jobs.retry, jobs.sending]) {
        assertProblem(
          await api('POST', `/admin/queue/jobs/${job.id}/requeue`, as('operator')),
          409,
          'QUEUE_TRANSITION',
        );
      }
      assert.deepEqual(await snapshot(), before);
    });

    it('refuses a second requeue of the same dead letter, leaving the first one as it was', async () => {
      const first = await api('POST', `/admin/queue/jobs/${jobs.dead.id}/requeue`, as('operator'));
      assert.equal(first.status, 200);
      const before = await snapshot();
      advance(SECOND);
      assertProblem(
        await api('POST', `/admin/queue/jobs/${jobs.dead.id}/requeue`, as('operator')),
        409,
        'QUEUE_TRANSITION',
      );
      assert.deepEqual(await snapshot(), before);
      assert.equal((await queueAudit(jobs.dead.id)).length, 1);
    });

    it('refuses an unknown job with 404 QUEUE_JOB_NOT_FOUND and changes nothing', async () => {
      const before = await snapshot();
      assertProblem(
        await api('POST', `/admin/queue/jobs/${randomUUID()}/requeue`, as('admin')),
        404,
        'QUEUE_JOB_NOT_FOUND',
      );
      assert.deepEqual(await snapshot(), before);
    });
  });
});
