import express, {
  type ErrorRequestHandler,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { VkhidError } from '../errors/vkhid-error.js';
import type { HubContext } from '../hub/hub-context.js';
import {
  importAnchor,
  importParticipantCertificate,
  issueParticipantCertificate,
  revokeCertificate,
} from '../hub/hub-pki.js';
import {
  MEMORANDUM_STATUSES,
  PARTICIPANT_STATUSES,
  type AuditEntry,
  type MemorandumStatus,
  type ParticipantKind,
  type ParticipantStatus,
  type ScopeKind,
} from '../registry/registry-model.js';
import type { NewMemorandum, NewParticipant } from '../registry/registry.js';
import { AdminUsers, type AdminIdentity, type AdminRole } from './admin-users.js';
import { crlCacheOf } from './crl-cache.js';
import { expiryWarnings } from './expiry-warnings.js';
import {
  integerParameter,
  nullableString,
  objectBody,
  optionalBoolean,
  optionalInteger,
  optionalObject,
  optionalString,
  optionalStringArray,
  queryParameter,
  requiredString,
  requiredStringArray,
  shapeError,
  type JsonObject,
} from './request-body.js';

/** The largest JSON body the admin API reads (a memorandum scan travels base64 inside it). */
export const ADMIN_BODY_LIMIT_BYTES = 1024 * 1024;
const MAX_LIST_LIMIT = 1000;
const MAX_OVERLAP_DAYS = 365;

export interface AdminRouterOptions {
  /** The clock for expiry warnings (tests move it). */
  readonly now?: () => Date;
}

export const READERS: readonly AdminRole[] = ['admin', 'operator', 'auditor'];
export const OPERATORS: readonly AdminRole[] = ['admin', 'operator'];
const ADMINS: readonly AdminRole[] = ['admin'];

const PARTICIPANT_FIELDS = [
  'code',
  'fullName',
  'shortName',
  'kind',
  'edmsId',
  'edmsName',
  'endpoints',
  'adapter',
  'adapterSettings',
  'alertContact',
] as const;
const PARTICIPANT_UPDATE_FIELDS = PARTICIPANT_FIELDS.filter((field) => field !== 'code' && field !== 'kind');
const MEMORANDUM_FIELDS = [
  'participantCode',
  'number',
  'signedOn',
  'effectiveFrom',
  'effectiveUntil',
  'scopeKinds',
  'scopeChannels',
  'document',
  'draft',
];
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The admin API, mounted by the server at `/admin`: JSON in, JSON out, every refusal `application/problem+json`.
 *
 * Every request needs `Authorization: Bearer <token>` (tokens from `AdminUsers.add`). Roles:
 * - `auditor`: every GET (except the list of administrators);
 * - `operator`: also participant and memorandum status changes and `POST /memoranda/expire`;
 * - `admin`: everything, including adding and editing participants and memoranda, certificates and administrators.
 * Changes are audited by the registry with the actor `admin:<user name>`.
 *
 * Authentication runs first and the role check before the body is read: a client that may not change
 * anything cannot make the hub parse a body. Bodies are JSON objects of at most 1 MB; unknown fields are refused.
 *
 *   GET   /participants[?status=]               list                                  auditor
 *   POST  /participants                         add (201)                             admin
 *   GET   /participants/:code                   one                                   auditor
 *   PATCH /participants/:code                   edit (not code, kind or status)       admin
 *   POST  /participants/:code/status            {status, reason}                      operator
 *   GET   /memoranda[?participant=]             list                                  auditor
 *   POST  /memoranda                            add, optional document {name, contentBase64} (201)  admin
 *   POST  /memoranda/:ref/status                {status, reason}; ref = id or number  operator
 *   POST  /memoranda/expire                     expire those past their end date      operator
 *   GET   /certificates[?participant=&expiring=days]                                  auditor
 *   GET   /certificates/expiring                warnings at config.pki.expiryWarningDays  auditor
 *   GET   /certificates/:ref                    one, by serial or fingerprint          auditor
 *   POST  /certificates/issue                   {participantCode, usage, csrPem, validityDays?, rotate?, overlapDays?} → {pem, record} (201)  admin
 *   POST  /certificates/anchors                 {pem} (201)                           admin
 *   POST  /certificates/import                  {participantCode, usage, pem, rotate?, overlapDays?} (201)  admin
 *   POST  /certificates/:ref/revoke             {reason} (RFC 5280 name)              admin
 *   GET   /audit[?entity=&id=&limit=]           newest first, limit ≤ 1000 (100)      auditor
 *   GET   /refusals[?limit=]                    newest first                          auditor
 *   GET   /users, POST /users {name, role}      the token is in the 201 answer only   admin
 *   POST  /users/:name/disable                                                        admin
 */
/**
 * Authenticates every request of an admin router by its bearer token (`res.locals.admin`), and marks the
 * answer `no-store`: admin answers name people, participants and failures, and may hold tokens.
 */
export function authenticateAdmins(users: AdminUsers): RequestHandler {
  return async (req, res, next) => {
    res.set('Cache-Control', 'no-store');
    res.locals.admin = await users.authenticate(bearerToken(req));
    next();
  };
}

/** The JSON body reader of the admin routes (strict JSON only, bounded). */
export function adminJsonBody(limit: number): RequestHandler {
  return express.json({ limit, strict: true, type: ['application/json', 'application/*+json'] });
}

export function createAdminRouter(hub: HubContext, options: AdminRouterOptions = {}): express.Router {
  const now = options.now ?? (() => new Date());
  const users = new AdminUsers(hub.store);
  const router = express.Router();

  router.use(authenticateAdmins(users));
  // Read after the role check of each changing route: a caller who may not change anything gets 403, whatever it sent.
  const jsonBody = adminJsonBody(ADMIN_BODY_LIMIT_BYTES);

  // ---------- participants ----------

  router.get('/participants', allow(READERS, 'list participants'), async (req, res) => {
    const status = queryParameter(req.query, 'status');
    if (status !== undefined && !(PARTICIPANT_STATUSES as readonly string[]).includes(status)) {
      throw shapeError(`status must be one of ${PARTICIPANT_STATUSES.join(', ')}`, 'status');
    }
    res.json({
      participants: await hub.registry.listParticipants(
        status === undefined ? {} : { status: status as ParticipantStatus },
      ),
    });
  });

  router.post('/participants', allow(ADMINS, 'add participants'), jsonBody, async (req, res) => {
    const body = objectBody(req.body, PARTICIPANT_FIELDS);
    const participant: NewParticipant = {
      code: requiredString(body, 'code'),
      fullName: requiredString(body, 'fullName'),
      kind: requiredString(body, 'kind') as ParticipantKind,
      ...participantDetails(body),
    };
    res.status(201).json(await hub.registry.addParticipant(participant, actorOf(res)));
  });

  router.get('/participants/:code', allow(READERS, 'read participants'), async (req, res) => {
    res.json(await hub.registry.getParticipant(param(req, 'code')));
  });

  router.patch('/participants/:code', allow(ADMINS, 'edit participants'), jsonBody, async (req, res) => {
    const body = objectBody(req.body, PARTICIPANT_UPDATE_FIELDS);
    const changes = participantDetails(body);
    const fullName = optionalString(body, 'fullName');
    res.json(
      await hub.registry.updateParticipant(
        param(req, 'code'),
        fullName === undefined ? changes : { ...changes, fullName },
        actorOf(res),
      ),
    );
  });

  router.post(
    '/participants/:code/status',
    allow(OPERATORS, 'change the status of participants'),
    jsonBody,
    async (req, res) => {
      const body = objectBody(req.body, ['status', 'reason']);
      const status = requiredString(body, 'status');
      if (!(PARTICIPANT_STATUSES as readonly string[]).includes(status)) {
        throw new VkhidError('PARTICIPANT_INVALID', {
          args: [`status must be one of ${PARTICIPANT_STATUSES.join(', ')}`],
          field: 'status',
        });
      }
      const reason = requiredString(body, 'reason');
      res.json(
        await hub.registry.setParticipantStatus(
          param(req, 'code'),
          status as ParticipantStatus,
          reason,
          actorOf(res),
        ),
      );
    },
  );

  // ---------- memoranda ----------

  router.get('/memoranda', allow(READERS, 'list memoranda'), async (req, res) => {
    const participantCode = queryParameter(req.query, 'participant');
    res.json({
      memoranda: await hub.registry.listMemoranda(participantCode === undefined ? {} : { participantCode }),
    });
  });

  router.post('/memoranda', allow(ADMINS, 'add memoranda'), jsonBody, async (req, res) => {
    const body = objectBody(req.body, MEMORANDUM_FIELDS);
    const effectiveUntil = nullableString(body, 'effectiveUntil');
    const scopeChannels = optionalStringArray(body, 'scopeChannels');
    const draft = optionalBoolean(body, 'draft');
    const document = memorandumDocument(body);
    const memorandum: NewMemorandum = {
      participantCode: requiredString(body, 'participantCode'),
      number: requiredString(body, 'number'),
      signedOn: requiredString(body, 'signedOn'),
      effectiveFrom: requiredString(body, 'effectiveFrom'),
      scopeKinds: requiredStringArray(body, 'scopeKinds') as ScopeKind[],
      ...(effectiveUntil === undefined ? {} : { effectiveUntil }),
      ...(scopeChannels === undefined ? {} : { scopeChannels }),
      ...(document === undefined ? {} : { document }),
      ...(draft === undefined ? {} : { draft }),
    };
    res.status(201).json(await hub.registry.addMemorandum(memorandum, actorOf(res)));
  });

  router.post('/memoranda/expire', allow(OPERATORS, 'expire memoranda'), jsonBody, async (req, res) => {
    objectBody(req.body, []);
    res.json({ expired: await hub.registry.expireMemoranda(actorOf(res)) });
  });

  router.post(
    '/memoranda/:ref/status',
    allow(OPERATORS, 'change the status of memoranda'),
    jsonBody,
    async (req, res) => {
      const body = objectBody(req.body, ['status', 'reason']);
      const status = requiredString(body, 'status');
      if (!(MEMORANDUM_STATUSES as readonly string[]).includes(status)) {
        throw new VkhidError('MEMORANDUM_INVALID', {
          args: [`status must be one of ${MEMORANDUM_STATUSES.join(', ')}`],
          field: 'status',
        });
      }
      const reason = requiredString(body, 'reason');
      res.json(
        await hub.registry.setMemorandumStatus(
          param(req, 'ref'),
          status as MemorandumStatus,
          reason,
          actorOf(res),
        ),
      );
    },
  );

  // ---------- certificates ----------

  router.get('/certificates', allow(READERS, 'list certificates'), async (req, res) => {
    const participantCode = queryParameter(req.query, 'participant');
    const expiring = integerParameter(queryParameter(req.query, 'expiring'), { min: 0, max: 36_500 }, (why) =>
      pkiInvalid(`expiring: ${why}`, 'expiring'),
    );
    res.json({
      certificates: await hub.registry.listCertificates({
        ...(participantCode === undefined ? {} : { participantCode }),
        ...(expiring === undefined ? {} : { expiringWithinDays: expiring }),
      }),
    });
  });

  // Before `/certificates/:ref`, which would otherwise take `expiring` for a serial number.
  router.get('/certificates/expiring', allow(READERS, 'list expiring certificates'), async (_req, res) => {
    res.json({
      thresholds: hub.config.pki.expiryWarningDays,
      warnings: expiryWarnings(
        await hub.registry.listCertificates(),
        now(),
        hub.config.pki.expiryWarningDays,
      ),
    });
  });

  router.get('/certificates/:ref', allow(READERS, 'read certificates'), async (req, res) => {
    res.json(await hub.registry.getCertificate(param(req, 'ref')));
  });

  router.post('/certificates/issue', allow(ADMINS, 'issue certificates'), jsonBody, async (req, res) => {
    const body = objectBody(req.body, [
      'participantCode',
      'usage',
      'csrPem',
      'validityDays',
      'rotate',
      'overlapDays',
    ]);
    const participantCode = requiredString(body, 'participantCode');
    const usage = certificateUsage(body);
    const csrPem = requiredString(body, 'csrPem');
    const validityDays = optionalInteger(body, 'validityDays');
    const record = await issueParticipantCertificate(
      hub,
      csrPem,
      { participantCode, usage, ...(validityDays === undefined ? {} : { validityDays }), ...rotation(body) },
      actorOf(res),
    );
    res.status(201).json({ pem: record.pem, record });
  });

  router.post('/certificates/anchors', allow(ADMINS, 'import trust anchors'), jsonBody, async (req, res) => {
    const body = objectBody(req.body, ['pem']);
    res.status(201).json(await importAnchor(hub, requiredString(body, 'pem'), actorOf(res)));
  });

  router.post('/certificates/import', allow(ADMINS, 'import certificates'), jsonBody, async (req, res) => {
    const body = objectBody(req.body, ['participantCode', 'usage', 'pem', 'rotate', 'overlapDays']);
    const participantCode = requiredString(body, 'participantCode');
    const usage = certificateUsage(body);
    const pem = requiredString(body, 'pem');
    res
      .status(201)
      .json(
        await importParticipantCertificate(
          hub,
          pem,
          { participantCode, usage, ...rotation(body) },
          actorOf(res),
        ),
      );
  });

  router.post(
    '/certificates/:ref/revoke',
    allow(ADMINS, 'revoke certificates'),
    jsonBody,
    async (req, res) => {
      const body = objectBody(req.body, ['reason']);
      const revoked = await revokeCertificate(
        hub,
        param(req, 'ref'),
        requiredString(body, 'reason'),
        actorOf(res),
      );
      // The next CRL request signs a CRL that lists it, instead of serving the cached one for up to a minute.
      crlCacheOf(hub).invalidate();
      res.json(revoked);
    },
  );

  // ---------- audit and refusals ----------

  router.get('/audit', allow(READERS, 'read the audit trail'), async (req, res) => {
    const entity = queryParameter(req.query, 'entity');
    const entityId = queryParameter(req.query, 'id');
    const limit = listLimit(req);
    res.json({
      entries: await latestAuditEntries(hub, {
        ...(entity === undefined ? {} : { entity }),
        ...(entityId === undefined ? {} : { entityId }),
        limit,
      }),
    });
  });

  router.get('/refusals', allow(READERS, 'read refusals'), async (req, res) => {
    // The registry hands back the stored rows (snake_case); the API speaks the model's camelCase.
    const rows = (await hub.registry.listRefusals(listLimit(req))) as unknown as RefusalRow[];
    res.json({
      refusals: rows.map((row) => ({
        id: row.id,
        at: row.at,
        sender: row.sender,
        recipient: row.recipient,
        messageId: row.message_id,
        messageType: row.message_type,
        code: row.code,
        detail: row.detail,
      })),
    });
  });

  // ---------- administrators ----------

  router.get('/users', allow(ADMINS, 'list administrators'), async (_req, res) => {
    res.json({ users: await users.list() });
  });

  router.post('/users', allow(ADMINS, 'add administrators'), jsonBody, async (req, res) => {
    const body = objectBody(req.body, ['name', 'role']);
    const added = await users.add(
      requiredString(body, 'name'),
      requiredString(body, 'role') as AdminRole,
      actorOf(res),
    );
    // The token is in this response and nowhere else: the hub keeps only its hash.
    res.status(201).json({ ...added.user, token: added.token });
  });

  router.post('/users/:name/disable', allow(ADMINS, 'disable administrators'), jsonBody, async (req, res) => {
    objectBody(req.body, []);
    res.json(await users.disable(param(req, 'name'), actorOf(res)));
  });

  router.use(problemHandler);
  return router;
}

/**
 * The public PKI endpoints, mounted at `/pki`, without authentication: relying parties fetch the CRL and the
 * CA certificate to check the hub's certificates.
 * - `GET /pki/crl`: the current CRL, DER (`application/pkix-crl`, RFC 5280 §4.2.1.13). It is cached for a
 *   minute (see CrlCache): a flood of requests must not sign a new CRL each time.
 * - `GET /pki/ca.pem`: the hub CA certificate.
 */
export function createPkiRouter(hub: HubContext): express.Router {
  const router = express.Router();
  router.get('/crl', async (_req, res) => {
    const der = await crlCacheOf(hub).get();
    res.set('Cache-Control', 'public, max-age=60').type('application/pkix-crl').send(der);
  });
  router.get('/ca.pem', (_req, res) => {
    res
      .set('Cache-Control', 'public, max-age=3600')
      .type('application/x-pem-file')
      .send(hub.home.read('ca.pem'));
  });
  router.use(problemHandler);
  return router;
}

/**
 * Renders every error as RFC 9457 problem details. Coded errors keep their status; the body parser's errors
 * become REQUEST_INVALID_JSON, INTAKE_TOO_LARGE or INTAKE_UNSUPPORTED_ENCODING; anything else is a bug:
 * logged, and answered 500 INTERNAL without its details.
 */
export const problemHandler: ErrorRequestHandler = (
  error: unknown,
  req: Request,
  res: Response,
  next: NextFunction,
) => {
  if (res.headersSent) {
    next(error);
    return;
  }
  const problem = toVkhidError(error);
  if (problem.code === 'INTERNAL') console.error(`${req.method} ${req.originalUrl} failed`, error);
  if (problem.code === 'ADMIN_UNAUTHENTICATED') res.set('WWW-Authenticate', 'Bearer realm="vkhid-admin"');
  res.status(problem.status).type('application/problem+json').json(problem.toProblem(req.originalUrl));
};

function toVkhidError(error: unknown): VkhidError {
  if (error instanceof VkhidError) return error;
  if (typeof error === 'object' && error !== null) {
    // The shape of body-parser / http-errors errors.
    const http = error as {
      type?: unknown;
      status?: unknown;
      expose?: unknown;
      length?: number;
      received?: number;
      limit?: number;
      charset?: string;
      encoding?: string;
    };
    switch (http.type) {
      case 'entity.parse.failed':
        return shapeError('the body is not well-formed JSON');
      case 'entity.too.large':
        return new VkhidError('INTAKE_TOO_LARGE', {
          args: [
            String(http.length ?? http.received ?? `more than ${String(http.limit)}`),
            String(http.limit ?? ADMIN_BODY_LIMIT_BYTES),
          ],
          field: 'body',
        });
      case 'charset.unsupported':
      case 'encoding.unsupported':
        return new VkhidError('INTAKE_UNSUPPORTED_ENCODING', {
          args: [String(http.charset ?? http.encoding ?? '?')],
        });
      default:
        break;
    }
    // Other client errors from the body parser or the router (an aborted upload, a path that does not
    // decode): the request, not the hub, is at fault.
    if (http.expose === true && typeof http.status === 'number' && http.status >= 400 && http.status < 500) {
      return shapeError(error instanceof Error ? error.message : 'the request cannot be read');
    }
  }
  return VkhidError.from(error);
}

function bearerToken(req: Request): string {
  const header = req.get('authorization');
  const match = header === undefined ? null : /^Bearer +([^ ]+) *$/i.exec(header);
  if (match === null) throw new VkhidError('ADMIN_UNAUTHENTICATED');
  return match[1]!;
}

export function allow(roles: readonly AdminRole[], action: string): RequestHandler {
  return (_req, res, next) => {
    const caller = callerOf(res);
    if (!roles.includes(caller.role))
      throw new VkhidError('ADMIN_FORBIDDEN', { args: [caller.role, action] });
    next();
  };
}

function callerOf(res: Response): AdminIdentity {
  const caller = res.locals.admin as AdminIdentity | undefined;
  // The authentication middleware runs first on every route; without it this is a wiring bug.
  if (caller === undefined) throw new Error('admin route reached without authentication');
  return caller;
}

/** The audit actor of the caller. */
export function actorOf(res: Response): string {
  return `admin:${callerOf(res).name}`;
}

export function param(req: Request, name: string): string {
  const value = req.params[name];
  if (typeof value !== 'string' || value === '')
    throw shapeError(`the path parameter ${name} is missing`, name);
  return value;
}

export function listLimit(req: Request): number {
  return (
    integerParameter(queryParameter(req.query, 'limit'), { min: 1, max: MAX_LIST_LIMIT }, (why) =>
      shapeError(`limit: ${why}`, 'limit'),
    ) ?? 100
  );
}

interface RefusalRow {
  id: string;
  at: string;
  sender: string | null;
  recipient: string | null;
  message_id: string | null;
  message_type: string | null;
  code: string;
  detail: string;
}

function pkiInvalid(why: string, field: string): VkhidError {
  return new VkhidError('PKI_REQUEST_INVALID', { args: [why], field });
}

/** The optional fields of a participant, type-checked; the registry checks their values. */
function participantDetails(body: JsonObject): Partial<Omit<NewParticipant, 'code' | 'kind' | 'fullName'>> {
  const shortName = optionalString(body, 'shortName');
  const edmsId = nullableString(body, 'edmsId');
  const edmsName = nullableString(body, 'edmsName');
  const endpoints = optionalStringArray(body, 'endpoints');
  const adapter = optionalString(body, 'adapter');
  const adapterSettings = optionalObject(body, 'adapterSettings');
  const alertContact = nullableString(body, 'alertContact');
  return {
    ...(shortName === undefined ? {} : { shortName }),
    ...(edmsId === undefined ? {} : { edmsId }),
    ...(edmsName === undefined ? {} : { edmsName }),
    ...(endpoints === undefined ? {} : { endpoints }),
    ...(adapter === undefined ? {} : { adapter }),
    ...(adapterSettings === undefined ? {} : { adapterSettings }),
    ...(alertContact === undefined ? {} : { alertContact }),
  };
}

/** The scanned memorandum, base64 in JSON: decoded strictly (a stray character is refused, not skipped). */
function memorandumDocument(body: JsonObject): { name: string; bytes: Uint8Array } | undefined {
  const document = optionalObject(body, 'document');
  if (document === undefined) return undefined;
  const fields = objectBody(document, ['name', 'contentBase64'], 'document');
  const name = requiredStringField(fields, 'name', 'document.name');
  const content = requiredStringField(fields, 'contentBase64', 'document.contentBase64');
  // eslint-disable-next-line no-control-regex
  if (name.trim() === '' || name.length > 255 || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new VkhidError('MEMORANDUM_INVALID', {
      args: ['the document name must have 1 to 255 characters, none of them control characters'],
      field: 'document.name',
    });
  }
  if (content === '' || !BASE64.test(content)) {
    throw new VkhidError('MEMORANDUM_INVALID', {
      args: ['the document content must be non-empty standard base64'],
      field: 'document.contentBase64',
    });
  }
  return { name, bytes: Buffer.from(content, 'base64') };
}

function requiredStringField(body: JsonObject, key: string, field: string): string {
  const value = body[key];
  if (value === undefined) throw shapeError(`${field} is required`, field);
  if (typeof value !== 'string') throw shapeError(`${field} must be a string`, field);
  return value;
}

function certificateUsage(body: JsonObject): 'sign' | 'tls' {
  const usage = requiredString(body, 'usage');
  if (usage !== 'sign' && usage !== 'tls') throw pkiInvalid(`usage ${usage}; expected sign or tls`, 'usage');
  return usage;
}

function rotation(body: JsonObject): { rotate?: boolean; overlapDays?: number } {
  const rotate = optionalBoolean(body, 'rotate');
  const overlapDays = optionalInteger(body, 'overlapDays');
  if (overlapDays !== undefined && (overlapDays < 0 || overlapDays > MAX_OVERLAP_DAYS)) {
    throw pkiInvalid(`overlapDays ${overlapDays} is not between 0 and ${MAX_OVERLAP_DAYS}`, 'overlapDays');
  }
  if (overlapDays !== undefined && rotate !== true)
    throw pkiInvalid('overlapDays applies to a rotation only (rotate: true)', 'overlapDays');
  return {
    ...(rotate === undefined ? {} : { rotate }),
    ...(overlapDays === undefined ? {} : { overlapDays }),
  };
}

/** The audit trail newest first, as administrators read it ("the last 100 changes"). */
async function latestAuditEntries(
  hub: HubContext,
  filter: { entity?: string; entityId?: string; limit: number },
): Promise<AuditEntry[]> {
  // Registry.auditTrail returns the latest `limit` entries in the order they happened.
  return (await hub.registry.auditTrail(filter)).reverse();
}
