/**
 * A running hub for end-to-end tests of delivery: the server on an ephemeral port with its data in a temporary
 * folder, the contact center that posts appeals over mutual TLS, a delivery worker the test drives itself, and
 * waiting on the hub's own timers (its worker and file-drop pollers) when the test does not.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeliveryWorker } from '../../gateway/delivery/delivery-worker.js';
import type { Envelope } from '../../gateway/envelope/envelope-model.js';
import { startHubServer, type HubServerOptions } from '../../gateway/server/hub-server.js';
import {
  addParticipant,
  appeal,
  post,
  quiet,
  tlsOf,
  type IntakeHub,
  type TestParticipant,
} from '../intake/fixtures/intake-hub.js';

/** The contact center's code in these tests (the Government Contact Center's ЄДРПОУ). */
export const CONTACT_CENTER = '00015622';

export interface TestHub extends IntakeHub {
  /** The temporary folder: the data directory is `<base>/data`; tests put drop folders and files beside it. */
  readonly base: string;
  /** Stops the hub (again, if a test already did) and removes `base`. */
  close(): Promise<void>;
}

/**
 * The hub's own worker and file-drop pollers on short timers, so that a test waiting with `until` is quick.
 * `settleMs` 0: the EDMS in these tests renames finished files into `out/` (`dropAtomically`), so nothing is
 * ever half-written there.
 */
export const FAST_TIMERS = {
  delivery: { pollMs: 50 },
  fileDrop: { intervalMs: 50, refreshMs: 50, transport: { settleMs: 0, retryDelayMs: 0 } },
} as const satisfies Pick<HubServerOptions, 'delivery' | 'fileDrop'>;

/**
 * Starts a hub in a fresh folder `<tmp>/vkhid-<name>-XXXXXX`; `options` are the server's (e.g. `delivery:
 * false` for tests driving a worker of their own, or FAST_TIMERS), logging nothing.
 */
export async function startTestHub(
  name: string,
  options: Omit<HubServerOptions, 'dataDir' | 'port' | 'logger'> = {},
): Promise<TestHub> {
  const base = mkdtempSync(join(tmpdir(), `vkhid-${name}-`));
  const dataDir = join(base, 'data');
  try {
    const running = await startHubServer({ ...options, dataDir, port: 0, logger: quiet });
    return {
      running,
      dataDir,
      base,
      caPem: running.hub.home.read('ca.pem'),
      stop: () => running.stop(),
      close: async () => {
        await running.stop();
        rmSync(base, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(base, { recursive: true, force: true });
    throw error;
  }
}

/** Registers the contact center, active, with its certificates and a memorandum for appeals and information requests. */
export function addContactCenter(hub: IntakeHub): Promise<TestParticipant> {
  return addParticipant(hub.running, CONTACT_CENTER, 'contact-center', ['appeal', 'public-info']);
}

/** Signs `envelope` as `from`, posts it over mutual TLS, and checks that the hub accepted it (202); the signed XML. */
export async function postEnvelope(
  hub: IntakeHub,
  from: TestParticipant,
  envelope: Envelope,
): Promise<string> {
  const signed = from.signEnvelope(envelope);
  const reply = await post(hub, signed, { client: tlsOf(from) });
  assert.equal(reply.status, 202, reply.body.toString());
  return signed;
}

/**
 * Posts the sample appeal from the contact center to `recipient` (`change` edits it first; its MessageId is
 * already set then) and gives it with its signed XML, its MessageId in lower case and its delivery job.
 */
export async function sendAppeal(
  hub: IntakeHub,
  contactCenter: TestParticipant,
  recipient: string,
  change?: (envelope: ReturnType<typeof appeal>) => void,
): Promise<{ envelope: ReturnType<typeof appeal>; signed: string; messageId: string; jobId: string }> {
  const envelope = appeal(contactCenter.code, recipient, change);
  const signed = await postEnvelope(hub, contactCenter, envelope);
  const [job] = await hub.running.hub.messages.deliveryJobs(envelope.header.messageId);
  assert.ok(job);
  return { envelope, signed, messageId: envelope.header.messageId.toLowerCase(), jobId: job.id };
}

/** A delivery worker for a hub started with `delivery: false`: the test calls `runOnce()` and stops it. */
export function testWorker(hub: IntakeHub): DeliveryWorker {
  return new DeliveryWorker(hub.running.hub, hub.running.queue, {
    owner: 'test-worker',
    batch: 8,
    pollMs: 50,
    timeoutMs: 10_000,
    logger: quiet,
  });
}

/** Waits for `probe` to give a value (the hub's worker and pollers run on their own timers); 30 s at most. */
export async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** What an EDMS on a file drop should do: write into `<root>/out` under a temporary name, then rename. */
export function dropAtomically(root: string, name: string, bytes: string): void {
  const temporary = join(root, 'out', `.${name}.tmp`);
  writeFileSync(temporary, bytes);
  renameSync(temporary, join(root, 'out', name));
}
