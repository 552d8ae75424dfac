import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import express, { type Express } from 'express';
import { createAdminRouter, createPkiRouter } from '../admin/admin-router.js';
import { createQueueRouter } from '../admin/queue-router.js';
import { createReportsRouter } from '../admin/reports-router.js';
import { expiryWarningJobDefinition } from '../admin/expiry-warnings.js';
import type { AdapterRegistry } from '../adapters/adapter-registry.js';
import { builtinAdapterRegistry } from '../adapters/builtin-adapters.js';
import { DeliveryWorker, type DeliveryWorkerOptions } from '../delivery/delivery-worker.js';
import { FileDropPollers, type FileDropPollersOptions } from '../delivery/file-drop-pollers.js';
import { createInboxRouter } from '../delivery/inbox-router.js';
import { VkhidError } from '../errors/vkhid-error.js';
import { openHub, type HubContext } from '../hub/hub-context.js';
import { initialiseHub } from '../hub/hub-pki.js';
import { createMessagesRouter } from '../intake/messages-router.js';
import { createTrackingRouter } from '../tracking/tracking-router.js';
import { NativeIntake } from '../intake/native-intake.js';
import { jobRunsPath, writeJobRuns } from '../jobs/job-runs-file.js';
import { JobScheduler } from '../jobs/job-scheduler.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { HubMetrics } from '../observability/metrics.js';
import { checkpointOnShutdown, ledgerCheckpointJobDefinition } from '../ledger/ledger-checkpoint.js';
import { DeliveryQueue } from '../queue/delivery-queue.js';
import { deadlineWatchJobDefinition } from '../tracking/deadline-watch.js';
import type { IntakeLimits } from '../xml/xml-intake.js';

export interface HubServerOptions {
  readonly dataDir?: string;
  /** TCP port; 0 picks a free one (tests). Default VKHID_PORT, else 8443. */
  readonly port?: number;
  /** Listen address; default VKHID_HOST, else 127.0.0.1 (a development hub is not exposed by accident). */
  readonly host?: string;
  readonly logger?: Logger;
  /** Overrides of `config.intake` for `POST /v1/messages` (tests use a small `maxBytes`). */
  readonly intakeLimits?: Partial<IntakeLimits>;
  /** The push delivery worker's settings, or false for none (tests that drive delivery themselves). */
  readonly delivery?: Partial<DeliveryWorkerOptions> | false;
  /**
   * The file-drop intake: `intervalMs` between scans of each folder (default 5000) and the transports'
   * options (the worker's drops into `in/` use them too); false for no pollers.
   */
  readonly fileDrop?: Omit<FileDropPollersOptions, 'logger'> | false;
}

export interface RunningHub {
  readonly hub: HubContext;
  readonly server: Server;
  readonly jobs: JobScheduler;
  /** The hub's metrics (served at `GET /metrics`); the delivery worker counts its outcomes here. */
  readonly metrics: HubMetrics;
  /** The delivery jobs the worker and the lease reaper work on. */
  readonly queue: DeliveryQueue;
  /** The push delivery worker, unless `delivery: false`. */
  readonly delivery: DeliveryWorker | undefined;
  /** The pollers of the participants' drop folders, unless `fileDrop: false`. */
  readonly fileDrops: FileDropPollers | undefined;
  readonly url: string;
  /** Stops taking requests, lets those in flight finish, stops the jobs and pollers and closes the store. */
  stop(): Promise<void>;
}

/**
 * Starts the hub on the embedded default: SQLite in the data directory, the development CA and the hub's
 * certificates created on first start, HTTPS with the hub's TLS certificate. Participants authenticate with
 * client certificates (requested, and checked per route: `POST /v1/messages`); administrators with bearer
 * tokens.
 */
export async function startHubServer(options: HubServerOptions = {}): Promise<RunningHub> {
  const log = options.logger ?? createLogger();
  const hub = await openHub(options.dataDir === undefined ? {} : { dataDir: options.dataDir });
  if (!hub.home.initialised) {
    log.info(
      { dataDir: hub.config.dataDir },
      'first start: creating the development CA and the hub certificates',
    );
    await initialiseHub(hub, 'system:first-start');
  }
  const queue = DeliveryQueue.configured(
    hub.store,
    hub.config,
    hub.tracker.deliveryHook(hub.config.hub.code),
  );
  const metrics = new HubMetrics({ queue });
  // One adapter registry for intake, delivery and the file drop: each participant's adapter (and its compiled
  // native schema) is built once.
  const adapters = builtinAdapterRegistry(log);
  const app = createApp(hub, {
    logger: log,
    metrics,
    adapters,
    intakeLimits: { ...hub.config.intake, ...options.intakeLimits },
  });
  const server = createServer(
    {
      key: hub.home.read('hub-tls.key'),
      // `vkhid init` encrypts the hub keys with the CA passphrase when one is set.
      ...(process.env.VKHID_CA_PASSPHRASE ? { passphrase: process.env.VKHID_CA_PASSPHRASE } : {}),
      cert: hub.home.read('hub-tls.pem'),
      ca: hub.home.read('ca.pem'),
      requestCert: true,
      // Admin and PKI routes do not need a client certificate; participant routes check it themselves.
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    },
    app,
  );
  const port = options.port ?? Number(process.env.VKHID_PORT ?? 8443);
  const host = options.host ?? process.env.VKHID_HOST ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `https://${host === '0.0.0.0' ? 'localhost' : host}:${address.port}`;

  // Each run is written to <data>/jobs.json for `vkhid jobs` (another process); a failure to write is logged.
  const recordJobRuns = (): void => {
    try {
      writeJobRuns(jobRunsPath(hub.config.dataDir), jobs.list());
    } catch (error) {
      log.warn({ err: error }, 'cannot record the job runs');
    }
  };
  const jobs = new JobScheduler(log, { onRun: recordJobRuns });
  jobs.add({
    name: 'memorandum-expiry',
    schedule: '5 0 * * *',
    run: async () => ({ expired: (await hub.registry.expireMemoranda()).map((m) => m.number) }),
  });
  jobs.add(expiryWarningJobDefinition(hub, log));
  // Schedule, webhook and window come from `config.deadlines` (VKHID_DEADLINE_WEBHOOK_URL is applied there).
  jobs.add(deadlineWatchJobDefinition(hub, log, { metrics }));
  // The ledger's head signed every ten minutes (and on shutdown, below): the window in which a copy of the
  // database could be rewritten unnoticed ends at the last checkpoint.
  jobs.add(ledgerCheckpointJobDefinition(hub, log));
  jobs.add({
    name: 'lease-reaper',
    schedule: '* * * * *',
    run: async () => ({ reaped: await queue.reapExpiredLeases() }),
  });
  const { fileDrop: configured } = hub.config;
  const fileDropOptions =
    options.fileDrop === false
      ? undefined
      : (options.fileDrop ?? {
          intervalMs: configured.pollMs,
          refreshMs: configured.refreshMs,
          transport: { settleMs: configured.settleMs, retryDelayMs: configured.retryDelayMs },
        });
  const fileDrops =
    fileDropOptions === undefined
      ? undefined
      : new FileDropPollers(hub, new NativeIntake(hub, adapters), adapters, {
          ...fileDropOptions,
          logger: log,
        });
  await jobs.start();
  recordJobRuns();
  // Refreshed every minute from the registry: file-drop participants added while the hub runs are polled too.
  await fileDrops?.start();
  // The worker polls by itself (due retries included): no separate retry sweep is scheduled.
  const delivery =
    options.delivery === false
      ? undefined
      : new DeliveryWorker(hub, queue, {
          owner: `${hostname()}:${process.pid}`,
          batch: hub.config.delivery.batch,
          pollMs: hub.config.delivery.pollMs,
          timeoutMs: hub.config.delivery.timeoutMs,
          pullParkMs: hub.config.delivery.pullParkMs,
          logger: log,
          counters: metrics,
          adapters,
          ...(fileDropOptions?.transport === undefined ? {} : { fileDrop: fileDropOptions.transport }),
          ...options.delivery,
        });
  delivery?.start();
  log.info({ url, dataDir: hub.config.dataDir, hubCode: hub.config.hub.code }, 'hub listening');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      log.info('stopping: no new requests; finishing those in flight');
      await delivery?.stop();
      // Before the store closes: a scan in flight finishes its document (stored, then moved to sent/).
      await fileDrops?.stop();
      await jobs.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await checkpointOnShutdown(hub, log);
      await hub.close();
      log.info('stopped');
    })();
    return stopping;
  };
  return { hub, server, jobs, metrics, queue, delivery, fileDrops, url, stop };
}

export interface AppOptions {
  /** The hub's adapters (default: the built-in ones), for documents in participants' own formats. */
  readonly adapters?: AdapterRegistry;
  readonly logger?: Logger;
  /** Limits of `POST /v1/messages`; default `config.intake`. */
  readonly intakeLimits?: IntakeLimits;
  /**
   * Served at `GET /metrics` (Prometheus text format, no authentication: the development hub listens on the
   * loopback address) and counted by the intake; without it there is no `/metrics` route.
   */
  readonly metrics?: HubMetrics;
}

export function createApp(hub: HubContext, options: AppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    hub.store
      .read((db) => db.query('SELECT 1 AS ok'))
      .then(() => res.json({ status: 'ready' }))
      .catch((error: unknown) => {
        const problem = VkhidError.from(error);
        res.status(503).type('application/problem+json').json(problem.toProblem('/readyz'));
      });
  });
  const metrics = options.metrics;
  if (metrics !== undefined) {
    app.get('/metrics', (_req, res) => {
      metrics
        .text()
        .then((text) => res.type(metrics.contentType).send(text))
        .catch((error: unknown) => {
          const problem = VkhidError.from(error);
          res.status(problem.status).type('application/problem+json').json(problem.toProblem('/metrics'));
        });
    });
  }
  app.use('/pki', createPkiRouter(hub));
  app.use('/admin/queue', createQueueRouter(hub));
  app.use('/admin/reports', createReportsRouter(hub));
  app.use('/admin', createAdminRouter(hub));
  // Participants that pull: GET /v1/inbox, POST /v1/inbox/{id}/ack (mutual TLS, checked by the route).
  app.use('/v1', createInboxRouter(hub, options.logger === undefined ? {} : { logger: options.logger }));
  // Citizens: an appeal's status with its access code, no client certificate (GET /v1/track/{tracking}).
  app.use('/v1', createTrackingRouter(hub, options.logger === undefined ? {} : { logger: options.logger }));
  // Participants: signed envelopes in over mutual TLS (the client certificate is checked by the route).
  app.use(
    '/v1',
    createMessagesRouter(hub, {
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(options.intakeLimits === undefined ? {} : { limits: options.intakeLimits }),
      ...(options.adapters === undefined ? {} : { adapters: options.adapters }),
      ...(metrics === undefined ? {} : { metrics }),
    }),
  );
  app.use((req, res) => {
    res
      .status(404)
      .type('application/problem+json')
      .json(new VkhidError('ROUTE_NOT_FOUND', { args: [req.method, req.path] }).toProblem(req.originalUrl));
  });
  return app;
}
