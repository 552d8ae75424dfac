import express, {
  type ErrorRequestHandler,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { VkhidError } from '../errors/vkhid-error.js';
import type { HubContext } from '../hub/hub-context.js';
import type { Logger } from '../observability/logger.js';
import type { HubMetrics } from '../observability/metrics.js';
import type { IntakeLimits } from '../xml/xml-intake.js';
import { ClientCertificateAuthenticator, type ClientIdentity } from './client-certificate.js';
import { MessageIntake } from './message-intake.js';
import { NativeIntake } from './native-intake.js';
import type { AdapterRegistry } from '../adapters/adapter-registry.js';
import { builtinAdapterRegistry } from '../adapters/builtin-adapters.js';
import { baseMediaType } from '../adapters/runtime-adapter.js';

export interface MessagesRouterOptions {
  /** The hub's adapters, for documents in a participant's own format (default: the built-in ones). */
  readonly adapters?: AdapterRegistry;
  /** Intake limits; default the hub's `config.intake`. `maxBytes` is also the HTTP body limit. */
  readonly limits?: IntakeLimits;
  readonly logger?: Logger;
  readonly now?: () => Date;
  /** Counts accepted and refused messages and times the intake. */
  readonly metrics?: HubMetrics;
}

/** The media type of a signed envelope. */
export const ENVELOPE_MEDIA_TYPE = 'application/xml';

/**
 * The participants' API, mounted by the server at `/v1`.
 *
 *   POST /v1/messages   one signed canonical envelope, `Content-Type: application/xml`, the raw bytes;
 *                       or one document in the participant's own format, with a media type its adapter
 *                       reads (e.g. `application/vnd.sev-ovv-1207+xml`, `application/json`): converted by the
 *                       adapter and signed by the hub on the participant's behalf (NativeIntake)
 *                       → 202 `application/xml`: the hub's signed receipt (the same bytes for a repeat)
 *                       → 4xx/5xx `application/problem+json` with a catalogue code; nothing is stored
 *
 * The order of checks is cheapest and least revealing first: the TLS client certificate (401/403, before any
 * byte of the body is read), the media type (415), the size while reading (413, from `limits.maxBytes`), then
 * the intake proper (MessageIntake). The body is read as raw bytes, never parsed by express: the signature
 * covers the bytes as sent, and only the hardened intake may parse XML.
 */
export function createMessagesRouter(hub: HubContext, options: MessagesRouterOptions = {}): express.Router {
  const limits = options.limits ?? hub.config.intake;
  const intake = new MessageIntake(hub, {
    limits,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const authenticator = new ClientCertificateAuthenticator(
    hub.registry,
    options.now === undefined ? {} : { now: options.now },
  );
  const log = options.logger;
  const metrics = options.metrics;
  const adapters = options.adapters ?? builtinAdapterRegistry(log);
  const native = new NativeIntake(hub, adapters, options.now);
  const router = express.Router();

  const authenticate: RequestHandler = async (req, res, next) => {
    // Receipts and refusals concern one participant's messages: no shared cache may keep them.
    res.set('Cache-Control', 'no-store');
    const client = await authenticator.authenticate(req.socket);
    res.locals.client = client;
    checkEncoding(req);
    const mediaType = baseMediaType(req.get('content-type') ?? '');
    if (mediaType !== ENVELOPE_MEDIA_TYPE) {
      // Not a signed envelope: it must be the participant's own format, read by its adapter.
      const participant = await hub.registry.getParticipant(client.participantCode);
      const reader = participant.adapter === 'canonical' ? undefined : adapters.readerOf(mediaType);
      if (reader !== participant.adapter) {
        const header = req.get('content-type');
        throw new VkhidError('INTAKE_UNSUPPORTED_MEDIA_TYPE', {
          args: [header === undefined ? 'A request without Content-Type' : `Content-Type ${header}`],
        });
      }
      res.locals.native = true;
    }
    next();
  };
  // `inflate: false`: a compressed body is refused (415) rather than inflated past the limit it was checked at.
  const rawBody = express.raw({ type: () => true, limit: limits.maxBytes, inflate: false });

  router.post('/messages', authenticate, rawBody, async (req: Request, res: Response) => {
    const client = res.locals.client as ClientIdentity;
    const bytes: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const accept =
      res.locals.native === true
        ? () =>
            native.accept(
              { bytes, mediaType: req.get('content-type') ?? '' },
              { participantCode: client.participantCode, via: `http:${client.fingerprint}` },
            )
        : () => intake.accept(bytes, client);
    const result = await (metrics?.timeIntake(accept) ?? accept());
    if (result.outcome === 'accepted') metrics?.accepted(result.type);
    log?.info(
      {
        messageId: result.messageId,
        type: result.type,
        sender: result.sender,
        recipient: result.recipient,
        sha256: result.receivedSha256,
        outcome: result.outcome,
      },
      result.outcome === 'accepted' ? 'message accepted' : 'message repeated: the stored receipt again',
    );
    // A Buffer, so express adds no charset: the receipt declares its own encoding (UTF-8).
    res.status(202).set('Content-Type', ENVELOPE_MEDIA_TYPE).send(Buffer.from(result.receiptXml, 'utf8'));
  });

  router.use(intakeProblemHandler(log, metrics));
  return router;
}

/** No content encoding: a compressed body would be inflated past the limit it was checked at. */
function checkEncoding(req: Request): void {
  const encoding = req.get('content-encoding')?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    throw new VkhidError('INTAKE_UNSUPPORTED_MEDIA_TYPE', { args: [`Content-Encoding ${encoding}`] });
  }
}

/**
 * Every refusal as RFC 9457 problem details with its catalogue status. The body reader's errors become
 * INTAKE_TOO_LARGE, INTAKE_UNSUPPORTED_MEDIA_TYPE or INTAKE_REQUEST_INVALID; anything uncoded is a bug:
 * logged with its cause and answered 500 INTERNAL without details.
 */
function intakeProblemHandler(log: Logger | undefined, metrics?: HubMetrics): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const problem = toVkhidError(error, req);
    metrics?.rejected(problem.code);
    const client = res.locals.client as ClientIdentity | undefined;
    const context = {
      code: problem.code,
      status: problem.status,
      client: client?.participantCode,
      clientCertificate: client?.serialNumber,
    };
    if (problem.code === 'INTERNAL') {
      log?.error({ ...context, err: error, cause: problem.cause }, 'message intake failed');
    } else {
      log?.info({ ...context, detail: problem.message }, 'message refused');
    }
    // The rest of an unread body is not worth reading: close the connection after answering.
    if (!req.complete) res.set('Connection', 'close');
    res.status(problem.status).type('application/problem+json').json(problem.toProblem(req.originalUrl));
  };
}

function toVkhidError(error: unknown, req: Request): VkhidError {
  if (error instanceof VkhidError) return error;
  if (typeof error === 'object' && error !== null) {
    // The shape of body-parser / http-errors errors.
    const http = error as {
      type?: unknown;
      status?: unknown;
      expose?: unknown;
      length?: number;
      limit?: number;
      encoding?: string;
      message?: unknown;
    };
    switch (http.type) {
      case 'entity.too.large':
        return new VkhidError('INTAKE_TOO_LARGE', {
          args: [
            http.length === undefined ? `more than ${String(http.limit)}` : String(http.length),
            String(http.limit),
          ],
          field: 'body',
        });
      case 'encoding.unsupported':
        return new VkhidError('INTAKE_UNSUPPORTED_MEDIA_TYPE', {
          args: [`Content-Encoding ${http.encoding ?? req.get('content-encoding') ?? '?'}`],
        });
      case 'request.aborted':
        return new VkhidError('INTAKE_REQUEST_INVALID', { args: ['the upload broke off'] });
      case 'request.size.invalid':
        return new VkhidError('INTAKE_REQUEST_INVALID', {
          args: ['the body is not as long as its Content-Length says'],
        });
      default:
        break;
    }
    if (http.expose === true && typeof http.status === 'number' && http.status >= 400 && http.status < 500) {
      return new VkhidError('INTAKE_REQUEST_INVALID', {
        args: [typeof http.message === 'string' ? http.message : 'the request cannot be read'],
      });
    }
  }
  return VkhidError.from(error);
}
