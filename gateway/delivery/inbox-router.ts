import express, {
  type ErrorRequestHandler,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { VkhidError } from '../errors/vkhid-error.js';
import type { HubContext } from '../hub/hub-context.js';
import { ClientCertificateAuthenticator, type ClientIdentity } from '../intake/client-certificate.js';
import type { Logger } from '../observability/logger.js';
import { acknowledgePulled, findJobFor, pendingFor } from './pull-jobs.js';
import { verifyRecipientReceipt } from './recipient-receipt.js';

export interface InboxRouterOptions {
  readonly logger?: Logger;
  readonly now?: () => Date;
  /** Largest receipt accepted by the ack route (default 1 MiB). */
  readonly maxReceiptBytes?: number;
}

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

/**
 * The pull side of delivery, for participants that cannot expose an endpoint, mounted by the server at `/v1`.
 * Participants authenticate by their TLS client certificate, as for POST /v1/messages.
 *
 *   GET  /v1/inbox[?limit=n]          → 200 { messages: [{ messageId, sender, type, tracking, receivedAt,
 *                                        envelope }] }: the caller's pending messages (queued, waiting for a
 *                                        retry, or sending with an expired lease) in queue order, at most
 *                                        `limit` (default 20, at most 100); `envelope` is the sender's signed
 *                                        envelope exactly as received, base64. Listing changes nothing: a
 *                                        message stays listed until acknowledged.
 *   POST /v1/inbox/{messageId}/ack    body: the caller's signed receipt envelope (application/xml) for that
 *                                        message → 200 { messageId, state: "acknowledged" } (also for a repeat)
 *                                      → 404 DELIVERY_MESSAGE_NOT_FOUND when no message with that id is
 *                                        addressed to the caller (someone else's message looks the same)
 *                                      → the verifier's codes, or DELIVERY_RECEIPT_INVALID, for a bad receipt
 */
export function createInboxRouter(hub: HubContext, options: InboxRouterOptions = {}): express.Router {
  const now = options.now ?? (() => new Date());
  const authenticator = new ClientCertificateAuthenticator(
    hub.registry,
    options.now === undefined ? {} : { now },
  );
  const log = options.logger;
  const router = express.Router();

  const authenticate: RequestHandler = async (req, res, next) => {
    res.set('Cache-Control', 'no-store');
    res.locals.client = await authenticator.authenticate(req.socket);
    next();
  };

  router.get('/inbox', authenticate, async (req: Request, res: Response) => {
    const client = res.locals.client as ClientIdentity;
    const limit = parseLimit(req.query.limit);
    const pending = await pendingFor(hub.store, client.participantCode, limit, now());
    res.json({
      messages: pending.map((message) => ({
        messageId: message.messageId,
        sender: message.sender,
        type: message.type,
        tracking: message.tracking,
        receivedAt: message.receivedAt,
        envelope: message.envelope,
      })),
    });
  });

  const rawBody = express.raw({
    type: () => true,
    limit: options.maxReceiptBytes ?? 1024 * 1024,
    inflate: false,
  });
  router.post(
    '/inbox/:messageId/ack',
    authenticate,
    async (req: Request, res: Response, next: NextFunction) => {
      const client = res.locals.client as ClientIdentity;
      const messageId = String(req.params.messageId);
      const job = await findJobFor(hub.store, messageId, client.participantCode);
      if (job === undefined) throw new VkhidError('DELIVERY_MESSAGE_NOT_FOUND', { args: [messageId] });
      res.locals.jobId = job.jobId;
      next();
    },
    rawBody,
    async (req: Request, res: Response) => {
      const client = res.locals.client as ClientIdentity;
      const messageId = String(req.params.messageId).toLowerCase();
      const bytes: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const receipt = await verifyRecipientReceipt(
        hub,
        bytes,
        { messageId, recipient: client.participantCode },
        now,
      );
      const changed = await acknowledgePulled(
        hub.store,
        String(res.locals.jobId),
        now(),
        {
          receiptId: receipt.receiptId,
          sha256: receipt.sha256,
          outcome: receipt.outcome,
          bytes,
          via: 'pull',
        },
        hub.tracker.deliveryHook(hub.config.hub.code),
      );
      log?.info(
        {
          messageId,
          recipient: client.participantCode,
          receiptId: receipt.receiptId,
          receiptSha256: receipt.sha256,
          repeat: !changed,
        },
        'message acknowledged by pull',
      );
      res.json({ messageId, state: 'acknowledged' });
    },
  );

  router.use(problemHandler(log));
  return router;
}

function parseLimit(value: unknown): number {
  if (value === undefined) return DEFAULT_LIMIT;
  const n = typeof value === 'string' && /^\d{1,3}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= MAX_LIMIT)) {
    throw new VkhidError('REQUEST_INVALID_JSON', {
      args: [`limit must be 1 to ${MAX_LIMIT}`],
      field: 'limit',
    });
  }
  return n;
}

function problemHandler(log: Logger | undefined): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const http = error as { type?: unknown; limit?: number } | null;
    const problem =
      http?.type === 'entity.too.large'
        ? new VkhidError('INTAKE_TOO_LARGE', {
            args: ['more than the limit', String(http.limit)],
            field: 'body',
          })
        : VkhidError.from(error);
    const client = res.locals.client as ClientIdentity | undefined;
    const context = { code: problem.code, status: problem.status, client: client?.participantCode };
    if (problem.code === 'INTERNAL') log?.error({ ...context, err: error }, 'inbox request failed');
    else log?.info({ ...context, detail: problem.message }, 'inbox request refused');
    if (!req.complete) res.set('Connection', 'close');
    res.status(problem.status).type('application/problem+json').json(problem.toProblem(req.originalUrl));
  };
}
