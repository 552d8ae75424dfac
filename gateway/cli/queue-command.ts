import type { Command } from 'commander';
import { DELIVERY_STATES, type DeliveryJob } from '../queue/delivery-job.js';
import { DeliveryQueue } from '../queue/delivery-queue.js';
import type { CliIo } from './cli-io.js';
import {
  formatTable,
  parseChoice,
  parseWholeNumber,
  runHubCommand,
  shortInstant,
  withHubOptions,
  type HubOptions,
} from './hub-options.js';

interface ListOptions extends HubOptions {
  state?: string;
  recipient?: string;
  limit?: string;
}

/** `vkhid queue list|show|retry|requeue|stats`: operators' view of the delivery jobs. */
export function registerQueueCommands(program: Command, io: CliIo): void {
  const queue = program.command('queue').description('inspect and steer the delivery queue');

  withHubOptions(
    queue
      .command('list')
      .description('list delivery jobs in queue order (most urgent, then oldest)')
      .option('--state <state>', `only jobs in this state (${DELIVERY_STATES.join(', ')})`)
      .option('--recipient <code>', "only jobs to this participant's code")
      .option('--limit <n>', 'at most this many jobs (default 100)'),
  ).action((options: ListOptions) => {
    const state =
      options.state === undefined ? undefined : parseChoice(options.state, '--state', DELIVERY_STATES);
    const limit = parseWholeNumber(options.limit, '--limit', 1) ?? 100;
    return runHubCommand(io, options, async (hub) => {
      const jobs = await DeliveryQueue.configured(hub.store, hub.config).list({
        ...(state === undefined ? {} : { state }),
        ...(options.recipient === undefined ? {} : { recipient: options.recipient }),
        limit,
      });
      return {
        json: { jobs },
        text: formatTable(
          ['JOB', 'STATE', 'RECIPIENT', 'PRIORITY', 'ATTEMPTS', 'NEXT ATTEMPT', 'CREATED', 'LAST ERROR'],
          jobs.map((job) => [
            job.id,
            job.state,
            job.recipient,
            String(job.priority),
            String(job.attempts),
            shortInstant(job.nextAttemptAt),
            shortInstant(job.createdAt),
            job.lastError ?? '-',
          ]),
          'no delivery jobs',
        ),
      };
    });
  });

  withHubOptions(
    queue.command('show').description('show a delivery job and its message header').argument('<job>'),
  ).action((jobId: string, options: HubOptions) =>
    runHubCommand(io, options, async (hub) => {
      const details = await DeliveryQueue.configured(hub.store, hub.config).inspect(jobId);
      const { job, message } = details;
      const lines: [string, string][] = [
        ['job', job.id],
        ['state', job.state],
        ['recipient', job.recipient],
        ['priority', String(job.priority)],
        ['attempts', String(job.attempts)],
        ['next attempt', job.nextAttemptAt],
        ['lease', job.leaseOwner === null ? '-' : `${job.leaseOwner} until ${job.leaseUntil ?? '-'}`],
        ['last error', job.lastError ?? '-'],
        ['created', job.createdAt],
        ['updated', job.updatedAt],
        ['message', message.messageId],
        ['type', message.type],
        ['sender', message.sender],
        ['tracking', message.tracking ?? '-'],
        ['in reply to', message.inReplyTo ?? '-'],
        ['urgency', message.urgency ?? '-'],
        ['received', message.receivedAt],
        ['size', `${message.receivedSize} bytes`],
        ['sha256', message.receivedSha256],
        ['receipt', message.receiptId],
      ];
      const proof = details.recipientReceipt;
      if (proof !== undefined) {
        lines.push(
          [
            'recipient receipt',
            `${proof.receiptId} (${proof.outcome}, by ${proof.via}, ${proof.receivedAt})`,
          ],
          ['receipt sha256', proof.sha256],
        );
      }
      const width = Math.max(...lines.map(([label]) => label.length)) + 1;
      return {
        json: { ...details },
        text: `${lines.map(([label, value]) => `${`${label}:`.padEnd(width)} ${value}`).join('\n')}\n`,
      };
    }),
  );

  const jobCommand = (
    name: string,
    description: string,
    act: (queue: DeliveryQueue, jobId: string) => Promise<DeliveryJob>,
    done: (job: DeliveryJob) => string,
  ): void => {
    withHubOptions(queue.command(name).description(description).argument('<job>')).action(
      (jobId: string, options: HubOptions) =>
        runHubCommand(io, options, async (hub) => {
          const job = await act(DeliveryQueue.configured(hub.store, hub.config), jobId);
          return { json: { job }, text: `${done(job)}\n` };
        }),
    );
  };
  jobCommand(
    'retry',
    'make a queued or waiting (retry) job due now',
    (q, id) => q.retryNow(id),
    (job) => `job ${job.id} to ${job.recipient} is due now (${job.state}, ${job.attempts} attempts so far)`,
  );
  jobCommand(
    'requeue',
    'move a dead letter (or a delivered job) back to the queue: attempts reset, due now',
    (q, id) => q.requeue(id),
    (job) => `job ${job.id} to ${job.recipient} is queued again`,
  );

  withHubOptions(queue.command('stats').description('count delivery jobs per state and recipient')).action(
    (options: HubOptions) =>
      runHubCommand(io, options, async (hub) => {
        const stats = await DeliveryQueue.configured(hub.store, hub.config).stats();
        const states = DELIVERY_STATES;
        const recipients = Object.entries(stats.byRecipient);
        const table = formatTable(
          ['RECIPIENT', ...states.map((state) => state.toUpperCase())],
          recipients.map(([code, counts]) => [code, ...states.map((state) => String(counts[state] ?? 0))]),
          'no delivery jobs',
        );
        const totals = states.map((state) => `${state} ${stats.byState[state]}`).join(', ');
        const oldest =
          stats.oldestQueuedAgeMs === null
            ? 'nothing waiting'
            : `oldest waiting job: ${Math.round(stats.oldestQueuedAgeMs / 1000)} s`;
        return { json: { stats }, text: `${totals}; ${oldest}\n${table}` };
      }),
  );
}
