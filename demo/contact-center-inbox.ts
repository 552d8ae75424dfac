import { createHash } from 'node:crypto';
import type { PendingMessage } from '../gateway/delivery/pull-jobs.js';
import type { MessageType } from '../gateway/envelope/envelope-model.js';
import type { CanonicalSender } from './canonical-messages.js';
import { sleep } from './demo-time.js';
import { problemCode, type HubClient, type HubReply } from './hub-client.js';

/** The most messages one `GET /v1/inbox` lists (the hub's maximum). */
const PAGE = 100;
/** How long the polling waits after a round that found less than a full page. */
const POLL_MS = 200;
/** Acknowledgements sent at once: the hub verifies each receipt's signature. */
const ACK_CONCURRENCY = 8;

/** One message as `GET /v1/inbox` lists it (gateway/delivery/inbox-router.ts): the pending job without its id. */
type InboxMessage = Omit<PendingMessage, 'jobId'>;

/**
 * The contact center's side of the way back: it has no endpoint of its own, so the agencies' receipts,
 * statuses and answers wait in the hub until it pulls them (`GET /v1/inbox`) and acknowledges each with its
 * signed `delivered` receipt (`POST /v1/inbox/{messageId}/ack`). It polls while the batch runs; `drain()`
 * empties the inbox at the end.
 */
export class ContactCenterInbox {
  /** Messages taken and acknowledged, by type. */
  readonly pulled: Record<MessageType, number> = { appeal: 0, receipt: 0, status: 0, answer: 0, error: 0 };
  readonly failures: string[] = [];
  private polling: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly client: HubClient,
    private readonly sender: CanonicalSender,
  ) {}

  get total(): number {
    return Object.values(this.pulled).reduce((sum, n) => sum + n, 0);
  }

  /** Polls in the background until `stop()`, or until a listing or an acknowledgement fails. */
  start(): void {
    if (this.polling !== undefined) return;
    this.stopping = false;
    this.polling = (async () => {
      while (!this.stopping && this.failures.length === 0) {
        const listed = await this.pullOnce();
        if (listed < PAGE && !this.stopping) await sleep(POLL_MS);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.polling;
    this.polling = undefined;
  }

  /**
   * Stops the polling, then pulls until a listing comes back empty. Resolves false when a listing or an
   * acknowledgement failed (see `failures`): the inbox may then still hold messages.
   */
  async drain(): Promise<boolean> {
    await this.stop();
    const failed = this.failures.length;
    for (;;) {
      const listed = await this.pullOnce();
      if (this.failures.length > failed) return false;
      if (listed === 0) return true;
    }
  }

  /** One listing and the acknowledgement of everything in it; resolves with how many were listed. */
  private async pullOnce(): Promise<number> {
    let messages: InboxMessage[];
    try {
      const reply = await this.client.get(`/v1/inbox?limit=${PAGE}`);
      if (reply.status !== 200) {
        this.failures.push(`contact center inbox: HTTP ${reply.status} ${describe(reply)}`);
        return 0;
      }
      messages = (JSON.parse(reply.body) as { messages: InboxMessage[] }).messages;
    } catch (error) {
      this.failures.push(`contact center inbox: ${(error as Error).message}`);
      return 0;
    }
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let message = messages[next++]; message !== undefined; message = messages[next++]) {
        await this.acknowledge(message);
      }
    };
    await Promise.all(Array.from({ length: ACK_CONCURRENCY }, worker));
    return messages.length;
  }

  private async acknowledge(message: InboxMessage): Promise<void> {
    const receipt = this.sender.delivered({
      messageId: message.messageId,
      sender: message.sender,
      ...(message.tracking === null ? {} : { tracking: message.tracking }),
      sha256: createHash('sha256').update(Buffer.from(message.envelope, 'base64')).digest('hex'),
    });
    try {
      const reply = await this.client.postTo(
        `/v1/inbox/${encodeURIComponent(message.messageId)}/ack`,
        receipt,
        'application/xml',
      );
      if (reply.status === 200) this.pulled[message.type] += 1;
      else {
        this.failures.push(
          `contact center, ack of ${message.type} ${message.messageId}: HTTP ${reply.status} ${describe(reply)}`,
        );
      }
    } catch (error) {
      this.failures.push(`contact center, ack of ${message.messageId}: ${(error as Error).message}`);
    }
  }
}

function describe(reply: HubReply): string {
  return problemCode(reply) ?? reply.body.slice(0, 200);
}
