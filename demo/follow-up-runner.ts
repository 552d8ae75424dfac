import { problemCode, type HubReply } from './hub-client.js';
import { sleep } from './demo-time.js';

/** One message an agency sends the hub about an appeal; built afresh on each try. */
export type Step = () => Promise<HubReply>;

/** How long an agency keeps retrying a step the hub says comes too early. */
const RETRY_MS = 100;
const MAX_TRIES = 150;

/**
 * Runs each appeal's follow-ups (consider, extend, redirect, answer) in order, several appeals at a time. An
 * agency's registration travels back to the hub in its answer to the push, which the hub's worker applies a
 * moment after the agency has answered: a status sent in that moment is refused as an invalid transition
 * (LIFECYCLE_INVALID_TRANSITION, 409) and is sent again shortly, as an EDMS would retry. Any other refusal is
 * a failure of the demo and is reported.
 */
export class FollowUpRunner {
  private readonly waiting: { tracking: string; steps: Step[] }[] = [];
  private active = 0;
  /** Steps the hub accepted, and steps that had to wait for an earlier one to be applied. */
  accepted = 0;
  retried = 0;
  readonly failures: string[] = [];

  constructor(
    private readonly agencyName: string,
    private readonly concurrency = 12,
  ) {}

  schedule(tracking: string, steps: Step[]): void {
    if (steps.length === 0) return;
    this.waiting.push({ tracking, steps });
    this.pump();
  }

  get idle(): boolean {
    return this.active === 0 && this.waiting.length === 0;
  }

  private pump(): void {
    while (this.active < this.concurrency) {
      const next = this.waiting.shift();
      if (next === undefined) return;
      this.active += 1;
      void this.run(next.tracking, next.steps).finally(() => {
        this.active -= 1;
        this.pump();
      });
    }
  }

  private async run(tracking: string, steps: Step[]): Promise<void> {
    for (const step of steps) {
      let tries = 0;
      for (;;) {
        tries += 1;
        let reply: HubReply;
        try {
          reply = await step();
        } catch (error) {
          this.failures.push(`${this.agencyName}, ${tracking}: ${(error as Error).message}`);
          return;
        }
        if (reply.status === 202) {
          this.accepted += 1;
          break;
        }
        if (problemCode(reply) === 'LIFECYCLE_INVALID_TRANSITION' && tries < MAX_TRIES) {
          this.retried += 1;
          await sleep(RETRY_MS);
          continue;
        }
        this.failures.push(
          `${this.agencyName}, ${tracking}: HTTP ${reply.status} ${reply.body.slice(0, 300)}`,
        );
        return;
      }
    }
  }
}
