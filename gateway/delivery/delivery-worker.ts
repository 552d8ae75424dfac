import { createHash } from 'node:crypto';
import { Agent, type AgentOptions } from 'node:https';
import axios from 'axios';
import { VkhidError } from '../errors/vkhid-error.js';
import type { HubContext } from '../hub/hub-context.js';
import type { Logger } from '../observability/logger.js';
import type { ClaimedJob, DeliveryQueue } from '../queue/delivery-queue.js';
import { recipientsWithDueJobs, releaseForPull } from './pull-jobs.js';
import { verifyRecipientReceipt } from './recipient-receipt.js';

/** Where the worker counts its outcomes (the hub's metrics fit this shape). */
export interface DeliveryCounters {
  delivered(): void;
  retried(): void;
  dead(): void;
}

export interface DeliveryWorkerOptions {
  /** The lease owner name (unique per worker: host and process id in production). */
  readonly owner: string;
  /** How many jobs one claim takes. */
  readonly batch: number;
  /** The pause between claims when the last one found less than a full batch. */
  readonly pollMs: number;
  /** Per HTTP attempt (connect, send, answer). Keep it well under the queue's lease. */
  readonly timeoutMs: number;
  /** How long a claimed job of a pull participant waits before the worker looks at it again (default 5 min). */
  readonly pullParkMs?: number;
  /** Largest receipt read from an endpoint (default 1 MiB). */
  readonly maxReceiptBytes?: number;
  /** Extra options of the HTTPS agent (tests: none needed; production: keep-alive tuning). */
  readonly httpsAgentOptions?: AgentOptions;
  readonly now?: () => Date;
  readonly logger?: Logger;
  readonly counters?: DeliveryCounters;
}

/** What one attempt on one job came to. */
export type DeliveryOutcome =
  | {
      readonly jobId: string;
      readonly messageId: string;
      readonly result: 'acknowledged';
      readonly endpoint: string;
    }
  | { readonly jobId: string; readonly messageId: string; readonly result: 'failed'; readonly reason: string }
  | { readonly jobId: string; readonly messageId: string; readonly result: 'pull' }
  | { readonly jobId: string; readonly messageId: string; readonly result: 'lost-lease' };

/**
 * Pushes delivery jobs to their recipients' endpoints (issue #4). Per claimed job, each of the recipient's
 * endpoints in order until one succeeds: `POST <endpoint>` with the received bytes unchanged
 * (`Content-Type: application/xml`, `Idempotency-Key` and `X-Vkhid-Message-Id`: the message id), over HTTPS
 * with the hub's TLS client certificate, the server certificate checked against the hub CA and the registry's
 * anchors (with host name verification), no redirects, no proxy. Success is a 2xx whose body is a receipt
 * signed by the recipient for this message (see `verifyRecipientReceipt`): the job becomes delivered, then
 * acknowledged. Anything else is a failed attempt (`queue.failed`: retry with backoff, or a dead letter).
 *
 * Recipients without endpoints pull (GET /v1/inbox): the worker claims only while some due job belongs to a
 * push recipient, and a pull job it claims anyway (claim takes jobs in queue order) is given back with its
 * attempt uncounted and parked for `pullParkMs`, so pull participants never spend retries.
 *
 * `stop()` claims nothing more and waits for the deliveries in flight (bounded by `timeoutMs`); a job is only
 * ever reported by the worker that attempted it, under its lease.
 */
export class DeliveryWorker {
  private readonly now: () => Date;
  private readonly pullParkMs: number;
  private readonly maxReceiptBytes: number;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<unknown> | undefined;
  private agent: { key: string; agent: Agent } | undefined;

  constructor(
    private readonly hub: HubContext,
    private readonly queue: DeliveryQueue,
    private readonly options: DeliveryWorkerOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.pullParkMs = options.pullParkMs ?? 5 * 60_000;
    this.maxReceiptBytes = options.maxReceiptBytes ?? 1024 * 1024;
    if (!Number.isSafeInteger(options.batch) || options.batch < 1) throw new RangeError('batch must be ≥ 1');
    if (!(options.pollMs > 0) || !(options.timeoutMs > 0))
      throw new RangeError('pollMs and timeoutMs must be > 0');
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.current?.catch(() => undefined);
    this.agent?.agent.destroy();
    this.agent = undefined;
  }

  /** Claims one batch and attempts every job of it; the outcomes, in claim order. */
  async runOnce(): Promise<DeliveryOutcome[]> {
    const now = this.now();
    const due = await recipientsWithDueJobs(this.hub.store, now);
    const endpoints = new Map<string, string[]>();
    for (const code of due) endpoints.set(code, await this.endpointsOf(code));
    if (![...endpoints.values()].some((list) => list.length > 0)) return [];
    const jobs = await this.queue.claim(this.options.owner, this.options.batch);
    if (jobs.length === 0) return [];
    const agent = await this.httpsAgent();
    return Promise.all(
      jobs.map(async (job) => {
        const list = endpoints.get(job.recipient) ?? (await this.endpointsOf(job.recipient));
        return this.attempt(job, list, agent);
      }),
    );
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const run = this.runOnce();
      this.current = run;
      run
        .then(
          (outcomes) => this.schedule(outcomes.length >= this.options.batch ? 0 : this.options.pollMs),
          (error: unknown) => {
            this.options.logger?.error({ err: error }, 'delivery worker: a run failed');
            this.schedule(this.options.pollMs);
          },
        )
        .finally(() => {
          if (this.current === run) this.current = undefined;
        });
    }, delayMs);
    this.timer.unref?.();
  }

  private async endpointsOf(code: string): Promise<string[]> {
    try {
      return (await this.hub.registry.getParticipant(code)).endpoints;
    } catch {
      return [];
    }
  }

  private async attempt(
    job: ClaimedJob,
    endpoints: readonly string[],
    agent: Agent,
  ): Promise<DeliveryOutcome> {
    const { jobId, messageId } = job;
    const log = this.options.logger;
    if (endpoints.length === 0) {
      const now = this.now();
      await releaseForPull(
        this.hub.store,
        jobId,
        this.options.owner,
        new Date(now.getTime() + this.pullParkMs),
        now,
      );
      return { jobId, messageId, result: 'pull' };
    }
    const reasons: string[] = [];
    for (const endpoint of endpoints) {
      try {
        const receipt = await this.push(job, endpoint, agent);
        if (!(await this.queue.delivered(jobId, this.options.owner))) {
          return { jobId, messageId, result: 'lost-lease' };
        }
        await this.queue.acknowledged(jobId);
        this.options.counters?.delivered();
        // MessageStore has no place for recipients' receipts yet (the ledger, #6, will keep them): logged.
        log?.info(
          { messageId, recipient: job.recipient, endpoint, attempts: job.attempts, ...receipt },
          'message delivered and acknowledged',
        );
        return { jobId, messageId, result: 'acknowledged', endpoint };
      } catch (error) {
        reasons.push(`${endpoint}: ${describe(error)}`);
      }
    }
    const reason = reasons.join('; ');
    const outcome = await this.queue.failed(jobId, this.options.owner, reason);
    if (outcome === false) return { jobId, messageId, result: 'lost-lease' };
    if (outcome.state === 'dead') this.options.counters?.dead();
    else this.options.counters?.retried();
    log?.warn(
      { messageId, recipient: job.recipient, attempts: job.attempts, reason, next: outcome },
      'delivery failed',
    );
    return { jobId, messageId, result: 'failed', reason };
  }

  /** One POST; resolves with the verified receipt, throws with the reason otherwise. */
  private async push(job: ClaimedJob, endpoint: string, agent: Agent) {
    const response = await axios.post<ArrayBuffer>(endpoint, job.bytes, {
      httpsAgent: agent,
      proxy: false,
      maxRedirects: 0,
      timeout: this.options.timeoutMs,
      maxContentLength: this.maxReceiptBytes,
      responseType: 'arraybuffer',
      transformResponse: (data: unknown) => data,
      validateStatus: () => true,
      headers: {
        'Content-Type': 'application/xml',
        'Idempotency-Key': job.messageId,
        'X-Vkhid-Message-Id': job.messageId,
      },
    });
    const body = Buffer.from(response.data);
    if (response.status < 200 || response.status > 299) {
      throw new Error(`HTTP ${response.status}: ${body.subarray(0, 200).toString('utf8')}`);
    }
    const receipt = await verifyRecipientReceipt(
      this.hub,
      body,
      { messageId: job.messageId, recipient: job.recipient },
      this.now,
    );
    return { receiptId: receipt.receiptId, receiptSha256: receipt.sha256, receiptOutcome: receipt.outcome };
  }

  /** The hub's TLS client credentials; the hub CA and the registry's anchors as trusted server roots. */
  private async httpsAgent(): Promise<Agent> {
    const anchors = (await this.hub.registry.anchorCertificates()).map((record) => record.pem);
    const ca = [this.hub.home.read('ca.pem'), ...anchors];
    const key = createHash('sha256').update(ca.join('\n')).digest('hex');
    if (this.agent?.key !== key) {
      this.agent?.agent.destroy();
      const passphrase = process.env.VKHID_CA_PASSPHRASE;
      this.agent = {
        key,
        agent: new Agent({
          key: this.hub.home.read('hub-tls.key'),
          cert: this.hub.home.read('hub-tls.pem'),
          ...(passphrase === undefined || passphrase === '' ? {} : { passphrase }),
          ca,
          minVersion: 'TLSv1.2',
          keepAlive: true,
          ...this.options.httpsAgentOptions,
        }),
      };
    }
    return this.agent.agent;
  }
}

function describe(error: unknown): string {
  if (error instanceof VkhidError) return `${error.code}: ${error.message}`;
  if (axios.isAxiosError(error)) return `${error.code ?? 'ERR'}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
