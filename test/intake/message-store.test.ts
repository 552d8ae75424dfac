/**
 * The store of accepted messages and delivery jobs below the HTTP intake: one transaction for a message and its
 * job, the primary key deciding repeats, STORE_CONFLICT from a multi-writer engine mapped to the stored row,
 * and migration 2 applied to a database the registry alone created (a hub of issue #3 upgrading).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { hubMigrations, openHub, type HubContext } from '../../gateway/hub/hub-context.js';
import { PRIORITY_NORMAL } from '../../gateway/queue/delivery-job.js';
import { MessageStore, type AcceptedMessage } from '../../gateway/queue/message-store.js';
import { registryMigrations } from '../../gateway/registry/registry-migrations.js';
import { SqliteDialect } from '../../gateway/store/sqlite-dialect.js';
import { Store } from '../../gateway/store/store.js';

const SENDER = '00015622';
const RECIPIENT = '00022527';

function accepted(overrides: Partial<AcceptedMessage> = {}): AcceptedMessage {
  const at = new Date().toISOString();
  return {
    messageId: randomUUID(),
    type: 'appeal',
    sender: SENDER,
    recipient: RECIPIENT,
    tracking: 'UKC-2025-0314-00873',
    inReplyTo: null,
    urgency: 'normal',
    createdAt: at,
    receivedSha256: 'a'.repeat(64),
    receivedBytes: Buffer.from('<Envelope/>\u00ff', 'latin1'),
    signedXml: '<Envelope xmlns="urn:vkhid:envelope:1"></Envelope>',
    signerFingerprint: 'AA:BB',
    clientFingerprint: 'CC:DD',
    receiptId: randomUUID(),
    receiptXml: '<receipt/>',
    receivedAt: at,
    ...overrides,
  };
}

describe('MessageStore (messages and delivery jobs)', function () {
  this.timeout(60_000);
  let dir: string;
  let hub: HubContext;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vkhid-messages-'));
    hub = await openHub({ dataDir: dir });
    for (const code of [SENDER, RECIPIENT]) {
      await hub.registry.addParticipant({ code, fullName: `P ${code}`, kind: 'agency' }, 'test');
    }
  });

  after(async () => {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores a message and its queued job together, keeping the received bytes exactly', async () => {
    const message = accepted();
    const result = await hub.messages.storeAccepted(message, PRIORITY_NORMAL);
    assert.equal(result.kind, 'stored');
    const stored = await hub.messages.findByMessageId(message.messageId);
    assert.ok(stored);
    assert.ok(stored.receivedBytes.equals(Buffer.from(message.receivedBytes)));
    assert.equal(stored.receivedSize, message.receivedBytes.byteLength);
    const jobs = await hub.messages.deliveryJobs(message.messageId);
    assert.deepEqual(
      jobs.map((job) => [job.state, job.recipient, job.priority, job.attempts]),
      [['queued', RECIPIENT, PRIORITY_NORMAL, 0]],
    );
  });

  it('a second message under the same MessageId (any case) writes nothing and returns the stored one', async () => {
    const message = accepted();
    await hub.messages.storeAccepted(message, PRIORITY_NORMAL);
    const before = await hub.messages.counts();
    const again = await hub.messages.storeAccepted(
      accepted({ messageId: message.messageId.toUpperCase(), receivedSha256: 'b'.repeat(64) }),
      PRIORITY_NORMAL,
    );
    assert.equal(again.kind, 'existing');
    assert.equal(again.message.receivedSha256, message.receivedSha256);
    assert.equal(again.message.receiptXml, message.receiptXml);
    assert.deepEqual(await hub.messages.counts(), before);
  });

  it('STORE_CONFLICT (a concurrent writer on a multi-writer engine won the key): the winner’s row', async () => {
    const message = accepted();
    await hub.messages.storeAccepted(message, PRIORITY_NORMAL);
    const racing = {
      transaction: () => Promise.reject(new VkhidError('STORE_CONFLICT')),
      read: hub.store.read.bind(hub.store),
    } as unknown as Store;
    const result = await new MessageStore(racing).storeAccepted(
      accepted({ messageId: message.messageId }),
      0,
    );
    assert.equal(result.kind, 'existing');
    assert.equal(result.message.receiptId, message.receiptId);
  });

  it('other store failures are not swallowed', async () => {
    const failing = {
      transaction: () => Promise.reject(new VkhidError('STORE_UNAVAILABLE')),
      read: hub.store.read.bind(hub.store),
    } as unknown as Store;
    await assert.rejects(
      new MessageStore(failing).storeAccepted(accepted(), 0),
      (error: unknown) => error instanceof VkhidError && error.code === 'STORE_UNAVAILABLE',
    );
  });

  it('refuses a job state outside the delivery states (CHECK constraint)', async () => {
    const message = accepted();
    await hub.messages.storeAccepted(message, PRIORITY_NORMAL);
    await assert.rejects(
      hub.store.transaction((tx) =>
        tx.execute(`UPDATE delivery_jobs SET state = 'lost' WHERE message_id = ?`, [message.messageId]),
      ),
      (error: unknown) => error instanceof VkhidError,
    );
  });

  it('migrates a database created with the registry tables only (version 1) to the latest version', async () => {
    const old = mkdtempSync(join(tmpdir(), 'vkhid-v1-'));
    try {
      const v1 = await Store.open(new SqliteDialect({ dataDirectory: old }), {
        migrations: registryMigrations,
      });
      await v1.close();
      const upgraded = await openHub({ dataDir: old });
      try {
        const versions = await upgraded.store.read((db) =>
          db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version'),
        );
        assert.deepEqual(
          versions.map((row) => Number(row.version)),
          hubMigrations.map((migration) => migration.version),
        );
        assert.deepEqual(await upgraded.messages.counts(), { messages: 0, deliveryJobs: 0 });
      } finally {
        await upgraded.close();
      }
    } finally {
      rmSync(old, { recursive: true, force: true });
    }
  });
});
