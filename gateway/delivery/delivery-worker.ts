import { createHash, randomUUID } from 'node:crypto';
import { Agent, type AgentOptions } from 'node:https';
import axios from 'axios';
import type { NativeDocument } from '../adapters/adapter.js';
import type { AdapterRegistry } from '../adapters/adapter-registry.js';
import { builtinAdapterRegistry } from '../adapters/builtin-adapters.js';
import { baseMediaType, type RuntimeAdapter } from '../adapters/runtime-adapter.js';
import { readEnvelope } from '../envelope/envelope-reader.js';
import { VkhidError } from '../errors/vkhid-error.js';
import type { HubContext } from '../hub/hub-context.js';
import { contentDerivedIds, NativeIntake } from '../intake/native-intake.js';
import type { Envelope } from '../envelope/envelope-model.js';
import type { Logger } from '../observability/logger.js';
import type { ClaimedJob, DeliveryQueue } from '../queue/delivery-queue.js';
import type { DeliveryReceipt } from '../queue/delivery-receipt.js';
import { messageKey } from '../queue/message-store.js';
import { fileDropRoot } from '../transport/file-drop-root.js';
import { FileDropTransport, type FileDropOptions } from '../transport/file-drop-transport.js';
import { recipientsWithDueJobs, releaseForPull } from './pull-jobs.js';
import { verifyRecipientReceipt } from './recipient-receipt.js';

/** The adapter of participants that receive the signed canonical envelope itself. */
const CANONICAL_ADAPTER = 'canonical';
const CANONICAL_MEDIA_TYPE = 'application/xml';

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
  /**
   * The adapters converting messages for recipients whose adapter is not `canonical` (default: the built-in
   * ones, `builtinAdapterRegistry()`, created on first use).
   */
  readonly adapters?: AdapterRegistry;
  /** Options of the file-drop transports of `file:` endpoints (file mode, clock). */
  readonly fileDrop?: Omit<FileDropOptions, 'mediaTypeFor' | 'isRefusal'>;
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
  | {
      readonly jobId: string;
      readonly messageId: string;
      readonly result: 'failed';
      readonly reason: string;
      /** The job became a dead letter (its attempts spent, or a failure no retry can cure). */
      readonly dead: boolean;
    }
  | { readonly jobId: string; readonly messageId: string; readonly result: 'pull' }
  | { readonly jobId: string; readonly messageId: string; readonly result: 'lost-lease' };

/**
 * Pushes delivery jobs to their recipients' endpoints (issues #4 and #5). Per claimed job, each of the
 * recipient's endpoints in order until one succeeds. Anything else is a failed attempt (`queue.failed`: retry
 * with backoff, or a dead letter).
 *
 * What is sent depends on the recipient's adapter:
 * - `canonical`: the received bytes unchanged (the sender's signed envelope, `application/xml`);
 * - any other: the stored message's canonical content (the signed XML the hub verified, or signed on a
 *   sender's behalf) converted with the recipient's adapter (`fromCanonical`, through the runtime wrapper,
 *   which validates the output against the format's schema). The conversion gets ids derived from the message
 *   (`contentDerivedIds`), so every attempt writes the same document. A refusal of the conversion (a coded
 *   error with a 4xx status: the message type is one the agency's format cannot carry, the settings are
 *   wrong, the output is invalid) cannot be cured by retrying the same message: the job becomes a dead letter
 *   at once, keeping the code (`vkhid queue requeue` once the cause is fixed). A timeout or an adapter crash is
 *   retried.
 *
 * How it travels depends on the endpoint:
 * - `https:`: `POST <endpoint>` with the document (`Content-Type`: the adapter's media type;
 *   `Idempotency-Key` and `X-Vkhid-Message-Id`: the message id), over HTTPS with the hub's TLS client
 *   certificate, the server certificate checked against the hub CA and the registry's anchors (with host name
 *   verification), no redirects, no proxy. For a canonical recipient, success is a 2xx whose body is a receipt
 *   signed by the recipient for this message (see `verifyRecipientReceipt`). For another adapter, success is
 *   a 2xx; when its body is not empty and is in a media type the adapter reads receipts from, the body is
 *   converted (`toCanonical`) and must be a receipt from the recipient whose MessageRef is this message
 *   (else DELIVERY_RECEIPT_INVALID, and the attempt is retried), kept as the delivery receipt with the native
 *   bytes. Otherwise (an empty body, or one the adapter cannot read) the 2xx itself is the acknowledgement:
 *   a **transport-level receipt** is kept, outcome `delivered`, a new UUID as its receipt id, the SHA-256 and
 *   bytes of the body as received (empty), via `push`.
 * - `file:` (the participant's drop folder, see docs/transport.md): the document is written into `in/`
 *   (`FileDropTransport.deliver`: `<messageId>.<ext>` or the adapter's file name; the signed envelope of a
 *   canonical recipient as `<messageId>.xml`). Success is the file written (or found identical): a
 *   transport-level receipt as above (empty bytes). Other bytes already under that name are a failed attempt
 *   (INTAKE_DUPLICATE_ID), retried: the EDMS may remove the file meanwhile.
 *
 * Recipients without endpoints pull (GET /v1/inbox): the worker claims only while some due job belongs to a
 * push recipient, and a pull job it claims anyway (claim takes jobs in queue order) is given back with its
 * attempt uncounted and parked for `pullParkMs`, so pull participants never spend retries.
 *
 * `stop()` claims nothing more and waits for the deliveries in flight (bounded by `timeoutMs` and the adapter
 * deadline); a job is only ever reported by the worker that attempted it, under its lease.
 */
export class DeliveryWorker {
  private readonly now: () => Date;
  private readonly pullParkMs: number;
  private readonly maxReceiptBytes: number;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<unknown> | undefined;
  private agent: { key: string; agent: Agent } | undefined;
  private adapterRegistry: AdapterRegistry | undefined;
  private readonly dropTransports = new Map<string, FileDropTransport>();

  constructor(
    private readonly hub: HubContext,
    private readonly queue: DeliveryQueue,
    private readonly options: DeliveryWorkerOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.pullParkMs = options.pullParkMs ?? 5 * 60_000;
    this.maxReceiptBytes = options.maxReceiptBytes ?? 1024 * 1024;
    this.adapterRegistry = options.adapters;
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
    const recipients = new Map<string, Recipient>();
    for (const code of due) recipients.set(code, await this.recipientOf(code));
    if (![...recipients.values()].some((recipient) => recipient.endpoints.length > 0)) return [];
    const jobs = await this.queue.claim(this.options.owner, this.options.batch);
    if (jobs.length === 0) return [];
    const agent = await this.httpsAgent();
    return Promise.all(
      jobs.map(async (job) => {
        const recipient = recipients.get(job.recipient) ?? (await this.recipientOf(job.recipient));
        return this.attempt(job, recipient, agent);
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

  /** Where and in which format `code` receives; an unknown participant has no endpoints (it is parked). */
  private async recipientOf(code: string): Promise<Recipient> {
    try {
      const { endpoints, adapter, adapterSettings } = await this.hub.registry.getParticipant(code);
      return { endpoints, adapter, adapterSettings };
    } catch {
      return { endpoints: [], adapter: CANONICAL_ADAPTER, adapterSettings: {} };
    }
  }

  private async attempt(job: ClaimedJob, recipient: Recipient, agent: Agent): Promise<DeliveryOutcome> {
    const { jobId, messageId } = job;
    const log = this.options.logger;
    if (recipient.endpoints.length === 0) {
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
    let outbound: Outbound;
    try {
      outbound = await this.outbound(job, recipient);
    } catch (error) {
      const reason = `conversion for ${recipient.adapter}: ${describe(error)}`;
      if (error instanceof VkhidError && error.status < 500) return this.deadNow(job, reason);
      return this.failed(job, reason);
    }
    const reasons: string[] = [];
    for (const endpoint of recipient.endpoints) {
      try {
        const root = fileDropRoot(endpoint);
        const receipt =
          root === undefined
            ? await this.push(job, endpoint, agent, outbound)
            : await this.drop(job, root, outbound.document);
        await this.forwardReceipt(job, receipt);
        if (!(await this.queue.acknowledgedBy(jobId, this.options.owner, receipt))) {
          return { jobId, messageId, result: 'lost-lease' };
        }
        this.options.counters?.delivered();
        log?.info(
          {
            messageId,
            recipient: job.recipient,
            endpoint,
            adapter: recipient.adapter,
            attempts: job.attempts,
            receiptId: receipt.receiptId,
            receiptOutcome: receipt.outcome,
            transportLevel: receipt.transportLevel,
          },
          'message delivered and acknowledged',
        );
        return { jobId, messageId, result: 'acknowledged', endpoint };
      } catch (error) {
        reasons.push(`${endpoint}: ${describe(error)}`);
      }
    }
    return this.failed(job, reasons.join('; '));
  }

  private async failed(job: ClaimedJob, reason: string): Promise<DeliveryOutcome> {
    const { jobId, messageId } = job;
    const outcome = await this.queue.failed(jobId, this.options.owner, reason);
    if (outcome === false) return { jobId, messageId, result: 'lost-lease' };
    if (outcome.state === 'dead') this.options.counters?.dead();
    else this.options.counters?.retried();
    this.options.logger?.warn(
      { messageId, recipient: job.recipient, attempts: job.attempts, reason, next: outcome },
      'delivery failed',
    );
    return { jobId, messageId, result: 'failed', reason, dead: outcome.state === 'dead' };
  }

  private async deadNow(job: ClaimedJob, reason: string): Promise<DeliveryOutcome> {
    const { jobId, messageId } = job;
    if (!(await this.queue.deadNow(jobId, this.options.owner, reason))) {
      return { jobId, messageId, result: 'lost-lease' };
    }
    this.options.counters?.dead();
    this.options.logger?.warn(
      { messageId, recipient: job.recipient, attempts: job.attempts, reason },
      'delivery impossible: the message cannot be converted for its recipient (dead letter)',
    );
    return { jobId, messageId, result: 'failed', reason, dead: true };
  }

  /** The document for `recipient`: the signed bytes as received, or the message in the recipient's format. */
  private async outbound(job: ClaimedJob, recipient: Recipient): Promise<Outbound> {
    if (recipient.adapter === CANONICAL_ADAPTER) {
      return { document: { bytes: job.bytes, mediaType: CANONICAL_MEDIA_TYPE }, adapter: undefined };
    }
    const adapter = this.adapters().create(recipient.adapter, recipient.adapterSettings);
    const stored = await this.hub.messages.findByMessageId(job.messageId);
    if (stored === undefined) {
      throw new VkhidError('INTERNAL', {
        cause: new Error(`job ${job.jobId} has no message ${job.messageId}`),
      });
    }
    // The signed XML is what was verified (or signed by the hub on a sender's behalf): nothing outside the
    // signature is read, exactly as for the envelope's first reading.
    const envelope = readEnvelope(stored.signedXml);
    const document = await adapter.fromCanonical(
      envelope,
      this.context(job.recipient, stored.receivedSha256),
    );
    return { document, adapter };
  }

  private context(participantCode: string, sha256: string) {
    return {
      hubCode: this.hub.config.hub.code,
      participantCode,
      now: this.now,
      newId: contentDerivedIds(participantCode, sha256),
    };
  }

  private nativeIntake: NativeIntake | undefined;

  private adapters(): AdapterRegistry {
    this.adapterRegistry ??= builtinAdapterRegistry(this.options.logger);
    return this.adapterRegistry;
  }

  /** One POST; resolves with the recipient's receipt, throws with the reason otherwise. */
  private async push(
    job: ClaimedJob,
    endpoint: string,
    agent: Agent,
    outbound: Outbound,
  ): Promise<KeptReceipt> {
    const { document } = outbound;
    const response = await axios.post<ArrayBuffer>(endpoint, Buffer.from(document.bytes), {
      httpsAgent: agent,
      proxy: false,
      maxRedirects: 0,
      timeout: this.options.timeoutMs,
      maxContentLength: this.maxReceiptBytes,
      responseType: 'arraybuffer',
      transformResponse: (data: unknown) => data,
      validateStatus: () => true,
      headers: {
        'Content-Type': document.mediaType,
        'Idempotency-Key': job.messageId,
        'X-Vkhid-Message-Id': job.messageId,
      },
    });
    const body = Buffer.from(response.data);
    if (response.status < 200 || response.status > 299) {
      throw new Error(`HTTP ${response.status}: ${body.subarray(0, 200).toString('utf8')}`);
    }
    if (outbound.adapter === undefined) {
      const receipt = await verifyRecipientReceipt(
        this.hub,
        body,
        { messageId: job.messageId, recipient: job.recipient },
        this.now,
      );
      return {
        receiptId: receipt.receiptId,
        sha256: receipt.sha256,
        outcome: receipt.outcome,
        bytes: body,
        via: 'push',
        transportLevel: false,
      };
    }
    const contentType = response.headers['content-type'];
    const mediaType = typeof contentType === 'string' ? contentType : '';
    if (body.length === 0 || !readsReceipts(outbound.adapter, mediaType)) return transportLevelReceipt(body);
    return this.nativeReceipt(job, outbound.adapter, body, mediaType);
  }

  /** The recipient's answer in its own format, converted: it must be its receipt for this message. */
  private async nativeReceipt(
    job: ClaimedJob,
    adapter: RuntimeAdapter,
    body: Buffer,
    mediaType: string,
  ): Promise<KeptReceipt> {
    const refuse = (why: string, cause?: unknown): VkhidError =>
      new VkhidError('DELIVERY_RECEIPT_INVALID', {
        args: [why],
        ...(cause instanceof VkhidError && cause.field !== undefined ? { field: cause.field } : {}),
        ...(cause === undefined ? {} : { cause }),
      });
    const sha256 = sha256Hex(body);
    let envelope;
    try {
      ({ envelope } = await adapter.toCanonical(
        { bytes: body, mediaType },
        this.context(job.recipient, sha256),
      ));
    } catch (error) {
      throw refuse(`the answer cannot be read by adapter ${adapter.name}: ${describe(error)}`, error);
    }
    if (envelope.body.type !== 'receipt') throw refuse(`it is a ${envelope.body.type}, not a receipt`);
    if (envelope.header.sender !== job.recipient) {
      throw refuse(`it is from ${envelope.header.sender}, not from the recipient ${job.recipient}`);
    }
    const ref = envelope.body.receipt.messageRef;
    if (messageKey(ref) !== messageKey(job.messageId)) {
      throw refuse(`it refers to message ${ref}, not ${job.messageId}`);
    }
    return {
      receiptId: envelope.header.messageId,
      sha256,
      outcome: envelope.body.receipt.outcome.kind,
      bytes: body,
      via: 'push',
      transportLevel: false,
      canonical: envelope,
    };
  }

  /**
   * An agency that answers a delivery with its own acknowledgement (1207 ack, JSON callback) says something the
   * sender must learn (registered with its number, refused): the receipt goes to the message's sender as a
   * message of its own, signed by the hub on the agency's behalf (NativeIntake; idempotent, so a delivery sent
   * again forwards nothing twice). Done before the job is acknowledged: a crash in between sends the document
   * again and the agency's repeated answer is a repeat here. A refusal by the registry (the agency's
   * memorandum lapsed in between) does not undo the delivery: it is logged.
   */
  private async forwardReceipt(job: ClaimedJob, receipt: KeptReceipt): Promise<void> {
    if (receipt.canonical === undefined) return;
    const stored = await this.hub.messages.findByMessageId(job.messageId);
    if (stored === undefined) return;
    // Addressed to the sender of the delivered message, under its tracking number (formats such as 1207 do
    // not repeat it in an acknowledgement), in reply to it.
    const { header } = receipt.canonical;
    const envelope: Envelope = {
      ...receipt.canonical,
      header: {
        ...header,
        recipient: stored.sender,
        ...(header.tracking === undefined && stored.tracking !== null ? { tracking: stored.tracking } : {}),
        inReplyTo: header.inReplyTo ?? stored.messageId,
      },
    };
    try {
      await this.forwarder().acceptCanonical(envelope, {
        participantCode: job.recipient,
        via: 'push-response',
        nativeSha256: receipt.sha256,
      });
    } catch (error) {
      if (!(error instanceof VkhidError) || error.status >= 500) throw error;
      this.options.logger?.warn(
        { messageId: job.messageId, recipient: job.recipient, code: error.code },
        "the recipient's receipt cannot be forwarded to the sender",
      );
    }
  }

  private forwarder(): NativeIntake {
    this.nativeIntake ??= new NativeIntake(this.hub, this.adapters(), this.now);
    return this.nativeIntake;
  }

  /** Writes the document into the recipient's drop folder (`in/`); the written file is the acknowledgement. */
  private async drop(job: ClaimedJob, root: string, document: NativeDocument): Promise<KeptReceipt> {
    let transport = this.dropTransports.get(root);
    if (transport === undefined) {
      transport = new FileDropTransport(root, this.options.fileDrop);
      this.dropTransports.set(root, transport);
    }
    const result = await transport.deliver(job.messageId, document);
    this.options.logger?.debug(
      { messageId: job.messageId, root, fileName: result.fileName, written: result.written },
      'file drop: document delivered',
    );
    return transportLevelReceipt(Buffer.alloc(0));
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

/** What the worker needs of a recipient's registration. */
interface Recipient {
  readonly endpoints: readonly string[];
  readonly adapter: string;
  readonly adapterSettings: Readonly<Record<string, unknown>>;
}

/** The document of one attempt and the adapter that wrote it (none: the signed envelope itself). */
interface Outbound {
  readonly document: NativeDocument;
  readonly adapter: RuntimeAdapter | undefined;
}

/** A receipt to keep, and whether only the transport acknowledged (a 2xx, a written file). */
type KeptReceipt = DeliveryReceipt & {
  readonly transportLevel: boolean;
  /** The recipient's receipt read from its own format, to be forwarded to the message's sender. */
  readonly canonical?: Envelope;
};

/**
 * The acknowledgement of a recipient that answers without a receipt of its own: the transport took the
 * document (a 2xx, a file written). A new UUID as receipt id, as the recipient issued none.
 */
function transportLevelReceipt(body: Buffer): KeptReceipt {
  return {
    receiptId: randomUUID(),
    sha256: sha256Hex(body),
    outcome: 'delivered',
    bytes: body,
    via: 'push',
    transportLevel: true,
  };
}

/** Whether an answer in `mediaType` can be the recipient's receipt through `adapter`. */
function readsReceipts(adapter: RuntimeAdapter, mediaType: string): boolean {
  return (
    adapter.supports('toCanonical') &&
    adapter.manifest.reads.includes(baseMediaType(mediaType)) &&
    adapter.manifest.messageTypes.toCanonical.includes('receipt')
  );
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
