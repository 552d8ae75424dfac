/**
 * Reliability: the hub process killed with SIGKILL while a participant posts (and while its own worker
 * delivers), restarted, killed again, and finally drained. Nothing the hub answered 202 for may be lost, nothing
 * may be stored twice, and every message reaches the recipient at least once with the bytes received (at least
 * once: a kill between the endpoint's receipt and the store's record sends it again, under the same key).
 *
 * The kill moments come from a seeded PRNG; what happens around them is up to the scheduler, so the assertions
 * are the invariants that must hold for every interleaving. Every process runs `vkhid serve` with a short lease
 * and backoff (VKHID_CONFIG), so the last one, not killed, drains the queue itself: the jobs a killed worker
 * held are claimed again once their lease expires.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeliveryQueue } from '../../gateway/queue/delivery-queue.js';
import { startHubServer, type RunningHub } from '../../gateway/server/hub-server.js';
import { appeal, post, quiet, tlsOf, type IntakeHub, type Reply } from '../intake/fixtures/intake-hub.js';
import {
  CONTACT_CENTER,
  mulberry32,
  PUSH_AGENCY,
  startFlakyAgency,
  type FlakyAgency,
} from './fixtures/flaky-agency.js';

const SEED = 0x0c0ffee;
const MESSAGES = 24;
const KILLS = 3;

interface Child {
  readonly process: ChildProcess;
  readonly url: string;
  readonly exited: Promise<void>;
}

/** `vkhid serve` on a free port in a child process; resolves once it listens (bounded). */
async function serve(dataDir: string): Promise<Child> {
  const config = join(dataDir, 'fast-delivery.json');
  writeFileSync(
    config,
    JSON.stringify({
      delivery: { pollMs: 20, timeoutMs: 2_000, leaseMs: 3_000 },
      retry: { baseDelayMs: 50, maxDelayMs: 500 },
    }),
  );
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'gateway/cli/vkhid.ts', 'serve', '--data', dataDir, '--port', '0'],
    {
      cwd: process.cwd(),
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, VKHID_CONFIG: config },
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the hub did not start in 30 s: ${stderr}`));
    }, 30_000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const match = /hub listening on (https:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the hub exited: ${stderr}`));
    });
  });
  return { process: child, url, exited };
}

/** `post`, given up after 15 s (a killed server answers with a reset at once; this only bounds the test). */
async function postBounded(hub: IntakeHub, body: string, client: Parameters<typeof post>[2]): Promise<Reply> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      post(hub, body, client),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('post timed out')), 15_000);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('reliability: the hub process killed with SIGKILL', function () {
  this.timeout(150_000);

  let agency: FlakyAgency;
  let child: Child | undefined;
  let reopened: RunningHub | undefined;

  before(async () => {
    agency = await startFlakyAgency();
    // The data directory now belongs to the child processes.
    await agency.running.stop();
  });

  after(async () => {
    if (child !== undefined && child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill('SIGKILL');
      await child.exited;
    }
    await reopened?.stop();
    await agency?.close();
  });

  it('loses nothing it accepted, stores nothing twice, and delivers everything at least once', async () => {
    const random = mulberry32(SEED);
    const documents = Array.from({ length: MESSAGES }, (_, i) => {
      const envelope = appeal(CONTACT_CENTER, PUSH_AGENCY, (e) => {
        e.header.tracking = `UKC-2026-1125-7${String(i).padStart(4, '0')}`;
      });
      return { messageId: envelope.header.messageId.toLowerCase(), signed: agency.cc.signEnvelope(envelope) };
    });
    const accepted = new Set<string>();
    const client = { client: tlsOf(agency.cc) };
    const hubAt = (url: string): IntakeHub => ({ ...agency.hub, running: { ...agency.running, url } });

    let next = 0;
    let kills = 0;
    for (let cycle = 0; cycle < KILLS; cycle += 1) {
      child = await serve(agency.dataDir);
      const hub = hubAt(child.url);
      const target = child;
      // The kill: after a seeded number of accepted posts in this cycle, then a seeded few milliseconds, so it
      // lands while the client is posting whatever the machine's speed.
      const killAfterPosts = 1 + Math.floor(random() * 5);
      const killDelayMs = Math.floor(random() * 40);
      let acceptedNow = 0;
      let posting = true;
      const killer = (async () => {
        while (posting && acceptedNow < killAfterPosts) await sleep(2);
        await sleep(killDelayMs);
        target.process.kill('SIGKILL');
      })();
      // Post in order until the hub is gone; a post without an answer is sent again to the next process.
      try {
        while (next < documents.length) {
          const document = documents[next]!;
          let reply: Reply;
          try {
            reply = await postBounded(hub, document.signed, client);
          } catch {
            break;
          }
          assert.equal(reply.status, 202, reply.body.toString());
          accepted.add(document.messageId);
          acceptedNow += 1;
          next += 1;
        }
      } finally {
        posting = false;
      }
      await killer;
      await target.exited;
      assert.equal(target.process.signalCode, 'SIGKILL');
      kills += 1;
    }
    assert.equal(kills, KILLS);

    // Once more, not killed: everything is posted again. An accepted document is answered 202 again (the same
    // receipt) and creates nothing; the rest are accepted now.
    child = await serve(agency.dataDir);
    const last = hubAt(child.url);
    for (const document of documents) {
      const reply = await postBounded(last, document.signed, client);
      assert.equal(reply.status, 202, `${document.messageId}: ${reply.body.toString()}`);
    }
    // This process is not killed: its own worker delivers what is left, the killed workers' jobs included.
    const delivered = (messageId: string) =>
      agency.attempts.some((a) => a.messageId === messageId && a.answer === 'ok');
    for (let waited = 0; !documents.every((d) => delivered(d.messageId)); waited += 100) {
      assert.ok(waited < 60_000, 'the restarted hub does not drain the queue');
      await sleep(100);
    }
    child.process.kill('SIGTERM');
    await child.exited;

    reopened = await startHubServer({ dataDir: agency.dataDir, port: 0, logger: quiet, delivery: false });
    const due = new DeliveryQueue(reopened.hub.store);
    const jobs = await due.list({ limit: 1000 });
    assert.equal(jobs.length, MESSAGES, 'one job per message: nothing lost, nothing stored twice');
    assert.equal((await due.stats()).oldestQueuedAgeMs, null, 'the queue is empty');
    for (const { messageId } of documents) {
      const mine = jobs.filter((job) => job.messageId === messageId);
      assert.equal(mine.length, 1, `${messageId}: ${mine.length} jobs`);
      const { job, message } = await due.inspect(mine[0]!.id);
      assert.equal(job.state, 'acknowledged', `${messageId}: ${job.state} (${job.lastError ?? ''})`);
      const seen = agency.attempts.filter((a) => a.messageId === messageId);
      assert.ok(
        seen.some((a) => a.answer === 'ok'),
        `${messageId} never reached the endpoint`,
      );
      assert.ok(seen.every((a) => a.idempotencyKey === messageId && a.sha256 === message.receivedSha256));
    }
    assert.ok(accepted.size > 0, 'posts were accepted before the kills');
  });
});
