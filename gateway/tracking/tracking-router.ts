import express, {
  type ErrorRequestHandler,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { VkhidError } from '../errors/vkhid-error.js';
import type { HubContext } from '../hub/hub-context.js';
import type { LifecycleEvent, LifecycleState } from '../lifecycle/lifecycle-model.js';
import type { Logger } from '../observability/logger.js';
import type { Row } from '../store/store-driver.js';
import { AccessCodes } from './access-code.js';
import { appealTimeline, findAppeal } from './appeal-tracker.js';

export interface TrackingRateLimit {
  /** Requests a client address may make at once (the bucket's size). Default 10. */
  readonly burst: number;
  /** Requests per minute a client address gets back (the bucket's refill). Default 10. */
  readonly perMinute: number;
}

export interface TrackingRouterOptions {
  readonly logger?: Logger;
  readonly now?: () => Date;
  readonly rateLimit?: Partial<TrackingRateLimit>;
  /** The access codes (default: derived with the hub secret in `<data>/pki/tracking.key`, made on first use). */
  readonly accessCodes?: AccessCodes;
}

/** What a citizen sees of an appeal: states, dates and the public name of the body holding it, nothing else. */
export interface CitizenStatus {
  readonly tracking: string;
  readonly state: LifecycleState;
  /** The short name of the participant holding the appeal (from the registry); null before it is routed. */
  readonly holder: string | null;
  /** The last day of the statutory answer term (YYYY-MM-DD, Kyiv). */
  readonly deadline: string;
  readonly timeline: readonly { at: string; step: LifecycleEvent['type']; state: LifecycleState }[];
}

/** A tracking number as the envelope schema allows it (TrackingNumber in schemas/vkhid-envelope-1.xsd). */
const TRACKING = /^[A-Z0-9][A-Z0-9/-]{2,39}$/;
/** Longer than any code a person types (10 characters with spaces or dashes); longer ones are not hashed. */
const MAX_CODE_CHARS = 64;

/**
 * The citizen's view of an appeal, mounted by the server at `/v1`, with no client certificate (issue #6,
 * item 4):
 *
 *   GET /v1/track/{tracking}   the access code in `X-Access-Code` (preferred: it stays out of access logs) or
 *                              `?code=` → 200 CitizenStatus
 *                            → 404 TRACK_NOT_FOUND for an unknown number and for a missing or wrong code alike
 *                              (same status, same body, the same lookups), so the endpoint cannot be used to
 *                              find out which numbers exist
 *                            → 429 TRACK_RATE_LIMITED with Retry-After, per client address (token bucket)
 */
export function createTrackingRouter(hub: HubContext, options: TrackingRouterOptions = {}): express.Router {
  const now = options.now ?? (() => new Date());
  const limit: TrackingRateLimit = { burst: 10, perMinute: 10, ...options.rateLimit };
  const buckets = new TokenBuckets(limit);
  let codes = options.accessCodes;
  const log = options.logger;
  const router = express.Router();

  const rateLimited: RequestHandler = (req, res, next) => {
    res.set('Cache-Control', 'no-store');
    const waitMs = buckets.take(req.socket.remoteAddress ?? 'unknown', now().getTime());
    if (waitMs > 0) {
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      res.set('Retry-After', String(seconds));
      throw new VkhidError('TRACK_RATE_LIMITED', { args: [seconds] });
    }
    next();
  };

  router.get('/track/:tracking', rateLimited, async (req: Request, res: Response) => {
    const tracking = String(req.params.tracking);
    const given = accessCodeOf(req);
    codes ??= AccessCodes.forHome(hub.home);
    // The code is checked and the appeal looked up whatever the other gives, so a wrong code and an unknown
    // number cost the same work.
    const wellFormed = TRACKING.test(tracking) && given !== undefined && given.length <= MAX_CODE_CHARS;
    const codeMatches = codes.matches(wellFormed ? tracking : '-', wellFormed ? given : '');
    const found = await hub.store.read(async (db) => {
      const appeal = await findAppeal(db, tracking);
      const timeline = await appealTimeline(db, tracking);
      const holder = appeal?.lifecycle.holder;
      const [row] =
        holder === undefined
          ? []
          : await db.query<Row>(`SELECT short_name FROM participants WHERE code = ?`, [holder]);
      return appeal === undefined
        ? undefined
        : { appeal, timeline, holder: row === undefined ? null : String(row.short_name) };
    });
    if (!wellFormed || !codeMatches || found === undefined) throw new VkhidError('TRACK_NOT_FOUND');
    const status: CitizenStatus = {
      tracking: found.appeal.tracking,
      state: found.appeal.state,
      holder: found.holder,
      deadline: found.appeal.deadlines.answerBy.date,
      timeline: found.timeline.map((step) => ({ at: step.at, step: step.type, state: step.state })),
    };
    res.json(status);
  });

  router.use(problemHandler(log));
  return router;
}

function accessCodeOf(req: Request): string | undefined {
  const header = req.get('X-Access-Code');
  if (header !== undefined) return header;
  const query = req.query.code;
  return typeof query === 'string' ? query : undefined;
}

/**
 * Per-address token buckets in memory: each address may spend `burst` requests at once and gets
 * `perMinute` back each minute. Full buckets are dropped (a new one starts full anyway), so the map holds only
 * addresses seen within the last refill time and cannot be grown without bound by requests spread over time.
 */
class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;
  private lastSweep = 0;

  constructor(private readonly limit: TrackingRateLimit) {
    if (!(limit.burst >= 1) || !(limit.perMinute > 0)) {
      throw new RangeError('the tracking rate limit needs burst >= 1 and perMinute > 0');
    }
    this.perMs = limit.perMinute / 60_000;
  }

  /** Takes a token for `key`: 0 when there was one, else the milliseconds until there is. */
  take(key: string, nowMs: number): number {
    this.sweep(nowMs);
    const bucket = this.buckets.get(key) ?? { tokens: this.limit.burst, at: nowMs };
    const tokens = Math.min(this.limit.burst, bucket.tokens + Math.max(0, nowMs - bucket.at) * this.perMs);
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: nowMs });
      return (1 - tokens) / this.perMs;
    }
    this.buckets.set(key, { tokens: tokens - 1, at: nowMs });
    return 0;
  }

  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweep < 60_000) return;
    this.lastSweep = nowMs;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (nowMs - bucket.at) * this.perMs >= this.limit.burst) this.buckets.delete(key);
    }
  }
}

function problemHandler(log: Logger | undefined): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const problem = VkhidError.from(error);
    // Never the number or the code in the log or the answer: the instance is the route, not the request URL.
    const context = { code: problem.code, status: problem.status, client: req.socket.remoteAddress };
    if (problem.status >= 500) log?.error({ ...context, err: error }, 'tracking request failed');
    else log?.info(context, 'tracking request refused');
    res.status(problem.status).type('application/problem+json').json(problem.toProblem('/v1/track'));
  };
}
