import express from 'express';
import { VkhidError } from '../errors/vkhid-error.js';
import type { HubContext } from '../hub/hub-context.js';
import { DELIVERY_STATES, type DeliveryJob, type DeliveryState } from '../queue/delivery-job.js';
import { DeliveryQueue } from '../queue/delivery-queue.js';
import { isValidEdrpou } from '../registry/edrpou.js';
import { audit } from '../registry/registry.js';
import {
  actorOf,
  allow,
  adminJsonBody,
  authenticateAdmins,
  listLimit,
  OPERATORS,
  param,
  problemHandler,
  READERS,
} from './admin-router.js';
import { AdminUsers } from './admin-users.js';
import { objectBody, queryParameter, shapeError } from './request-body.js';

export interface QueueRouterOptions {
  /** The clock for ages and for the times the actions write (tests move it). */
  readonly now?: () => Date;
}

/** The audit trail's entity for delivery jobs (the job id is the entity id). */
export const DELIVERY_JOB_ENTITY = 'delivery-job';

/** How many jobs in one state, and how long the oldest of them has been in the queue. */
export interface QueueDepth {
  readonly depth: number;
  /** Since the oldest job's `createdAt` (a requeue restarts it); null when the depth is 0. */
  readonly oldestAgeMs: number | null;
}

/** `GET /admin/queue`. */
export interface QueueOverview {
  /** When the counts were taken. */
  readonly at: string;
  /** Every state, with depth 0 when no job is in it. */
  readonly byState: Record<DeliveryState, QueueDepth>;
  /** Per recipient code, the states it has jobs in. */
  readonly byRecipient: Record<string, Partial<Record<DeliveryState, QueueDepth>>>;
  /** The oldest job waiting to be sent (queued or retry), as `DeliveryQueue.stats()` counts it. */
  readonly oldestQueuedAgeMs: number | null;
}

/** Retry and requeue take no fields; `{}` (or no body) is all there is to read. */
const ACTION_BODY_LIMIT_BYTES = 1024;

/**
 * The delivery queue in the admin API, mounted by the server at `/admin/queue`: the HTTP side of
 * `vkhid queue list|show|retry|requeue|stats`, with the admin API's bearer tokens, roles and problem+json.
 *
 *   GET  /                                        depth and oldest age per state and recipient   auditor
 *   GET  /jobs[?state=&recipient=&limit=]         jobs in queue order (urgent, then oldest); limit ≤ 1000 (100)  auditor
 *   GET  /jobs/:id                                the job and its message header (never the body)  auditor
 *   POST /jobs/:id/retry                          a queued or retry job becomes due now           operator
 *   POST /jobs/:id/requeue                        a dead (or delivered) job back to the queue     operator
 *
 * The two actions take no body (or `{}`) and answer `{job}` after the change. Each is written to the audit
 * trail as `delivery-job.retry` / `delivery-job.requeue` (entity `delivery-job`, the job id, the job before and
 * after, actor `admin:<user name>`). A refused action (unknown job, a state it does not apply to) changes
 * nothing and writes nothing.
 */
export function createQueueRouter(hub: HubContext, options: QueueRouterOptions = {}): express.Router {
  const now = options.now ?? (() => new Date());
  const queue = new DeliveryQueue(hub.store, { now });
  const users = new AdminUsers(hub.store);
  const router = express.Router();

  router.use(authenticateAdmins(users));
  // Read after the role check: a caller who may not act gets 403, whatever it sent.
  const emptyBody = adminJsonBody(ACTION_BODY_LIMIT_BYTES);

  router.get('/', allow(READERS, 'read the delivery queue'), async (_req, res) => {
    res.json(await queueOverview(hub, now));
  });

  router.get('/jobs', allow(READERS, 'list delivery jobs'), async (req, res) => {
    const state = stateParameter(req.query);
    const recipient = recipientParameter(req.query);
    const limit = listLimit(req);
    res.json({
      jobs: await queue.list({
        ...(state === undefined ? {} : { state }),
        ...(recipient === undefined ? {} : { recipient }),
        limit,
      }),
    });
  });

  router.get('/jobs/:id', allow(READERS, 'read delivery jobs'), async (req, res) => {
    res.json(await queue.inspect(param(req, 'id')));
  });

  const action = (
    name: 'retry' | 'requeue',
    what: string,
    act: (id: string) => Promise<DeliveryJob>,
  ): void => {
    router.post(`/jobs/:id/${name}`, allow(OPERATORS, what), emptyBody, async (req, res) => {
      objectBody(req.body, []);
      const id = param(req, 'id');
      const before = (await queue.inspect(id)).job;
      // DeliveryQueue runs the transition in its own transaction and takes no handle, so the audit entry is
      // a second transaction: a crash in between leaves the change unaudited (updated_at still shows it). A
      // worker moving the job between the read above and the transition can make `before` stale; the
      // transition reads the job again and refuses (QUEUE_TRANSITION) if it no longer applies.
      const after = await act(id);
      await hub.store.transaction((tx) =>
        audit(
          tx,
          actorOf(res),
          `${DELIVERY_JOB_ENTITY}.${name}`,
          DELIVERY_JOB_ENTITY,
          id,
          before,
          after,
          after.updatedAt,
        ),
      );
      res.json({ job: after });
    });
  };
  action('retry', 'retry delivery jobs', (id) => queue.retryNow(id));
  action('requeue', 'requeue delivery jobs', (id) => queue.requeue(id));

  router.use(problemHandler);
  return router;
}

/**
 * Depth and the oldest job's age per recipient and state, from one statement (one consistent snapshot).
 * `DeliveryQueue.stats()` counts the same rows but keeps one age only, of the oldest waiting job.
 */
async function queueOverview(hub: HubContext, now: () => Date): Promise<QueueOverview> {
  const at = now();
  const rows = await hub.store.read((db) =>
    db.query<{ recipient: string; state: string; n: number; oldest: string }>(
      `SELECT recipient, state, COUNT(*) AS n, MIN(created_at) AS oldest FROM delivery_jobs
       GROUP BY recipient, state ORDER BY recipient, state`,
    ),
  );
  // created_at is ISO-8601 UTC text of one format, so MIN and string comparison agree with time order.
  const ageOf = (createdAt: string): number => Math.max(0, at.getTime() - new Date(createdAt).getTime());
  const oldestOf = (a: string | null, b: string): string => (a === null || b < a ? b : a);

  const totals = new Map<DeliveryState, { depth: number; oldest: string | null }>(
    DELIVERY_STATES.map((state) => [state, { depth: 0, oldest: null }]),
  );
  const byRecipient: Record<string, Partial<Record<DeliveryState, QueueDepth>>> = {};
  let oldestQueued: string | null = null;
  for (const row of rows) {
    const state = String(row.state) as DeliveryState;
    const depth = Number(row.n);
    const oldest = String(row.oldest);
    const total = totals.get(state);
    if (total === undefined)
      throw new VkhidError('INTERNAL', { cause: new Error(`unknown job state ${state}`) });
    total.depth += depth;
    total.oldest = oldestOf(total.oldest, oldest);
    (byRecipient[String(row.recipient)] ??= {})[state] = { depth, oldestAgeMs: ageOf(oldest) };
    if (state === 'queued' || state === 'retry') oldestQueued = oldestOf(oldestQueued, oldest);
  }
  const byState = Object.fromEntries(
    [...totals].map(([state, total]) => [
      state,
      { depth: total.depth, oldestAgeMs: total.oldest === null ? null : ageOf(total.oldest) },
    ]),
  ) as Record<DeliveryState, QueueDepth>;
  return {
    at: at.toISOString(),
    byState,
    byRecipient,
    oldestQueuedAgeMs: oldestQueued === null ? null : ageOf(oldestQueued),
  };
}

function stateParameter(query: unknown): DeliveryState | undefined {
  const state = queryParameter(query, 'state');
  if (state === undefined) return undefined;
  if (!(DELIVERY_STATES as readonly string[]).includes(state)) {
    // No catalogue code is about query parameters; the admin API answers them with REQUEST_INVALID_JSON.
    throw shapeError(`state must be one of ${DELIVERY_STATES.join(', ')}`, 'state');
  }
  return state as DeliveryState;
}

function recipientParameter(query: unknown): string | undefined {
  const recipient = queryParameter(query, 'recipient');
  // A mistyped code would otherwise list nothing, which reads as "no jobs for this participant".
  if (recipient !== undefined && !isValidEdrpou(recipient)) {
    throw new VkhidError('PARTICIPANT_CODE_INVALID', { args: [recipient], field: 'recipient' });
  }
  return recipient;
}
