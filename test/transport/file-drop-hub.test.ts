/**
 * The file drop in a running hub (issue #5): `file:` endpoints in the registry, the delivery worker writing
 * into a participant's `in/` (converted by its adapter, or the signed envelope itself for a canonical one),
 * and the server's pollers taking what the EDMS drops into `out/` through the native intake.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtinAdapterRegistry } from '../../gateway/adapters/builtin-adapters.js';
import { mediaTypeForAdapter } from '../../gateway/delivery/file-drop-pollers.js';
import { readEnvelope } from '../../gateway/envelope/envelope-reader.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import type { RunningHub } from '../../gateway/server/hub-server.js';
import type { Row } from '../../gateway/store/store-driver.js';
import { addParticipant, edrpou, type TestParticipant } from '../intake/fixtures/intake-hub.js';
import {
  addContactCenter,
  CONTACT_CENTER,
  dropAtomically,
  FAST_TIMERS,
  sendAppeal as postAppeal,
  startTestHub,
  until,
  type TestHub,
} from '../support/hub-fixture.js';

const JSON_AGENCY = edrpou('3400001');
const CANONICAL_AGENCY = edrpou('3400002');
const JSON_SETTINGS = JSON.parse(
  readFileSync(new URL('../../adapters/json-rest/example-settings.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

describe('file drop in the hub', function () {
  this.timeout(120_000);

  let running: RunningHub;
  let hub: TestHub;
  let cc: TestParticipant;
  let jsonRoot: string;
  let canonicalRoot: string;
  let tracking = 0;

  before(async () => {
    hub = await startTestHub('file-drop-hub', FAST_TIMERS);
    ({ running } = hub);
    jsonRoot = join(hub.base, 'drop', JSON_AGENCY);
    canonicalRoot = join(hub.base, 'drop', CANONICAL_AGENCY);
    mkdirSync(jsonRoot, { recursive: true });
    mkdirSync(canonicalRoot, { recursive: true });
    cc = await addContactCenter(hub);
    await addParticipant(running, JSON_AGENCY, 'agency', ['appeal']);
    await addParticipant(running, CANONICAL_AGENCY, 'agency', ['appeal']);
    await running.hub.registry.updateParticipant(
      JSON_AGENCY,
      { endpoints: [`file://${jsonRoot}`], adapter: 'json-rest', adapterSettings: JSON_SETTINGS },
      'test:setup',
    );
    await running.hub.registry.updateParticipant(
      CANONICAL_AGENCY,
      { endpoints: [`file://${canonicalRoot}`] },
      'test:setup',
    );
    // Registered after the start: the pollers' own refresh (every minute by default) picks them up.
    await until('both folders polled', () =>
      (running.fileDrops?.folders().length ?? 0) >= 2 ? true : undefined,
    );
  });

  after(async () => {
    await hub?.close();
  });

  /** Posts an appeal from the contact center; `beforePost` runs first, with its message id (lower case). */
  const sendAppeal = (recipient: string, beforePost: (messageId: string) => void = () => undefined) =>
    postAppeal(hub, cc, recipient, (e) => {
      e.header.tracking = `UKC-DROP-${++tracking}`;
      beforePost(e.header.messageId.toLowerCase());
    });

  async function acknowledgedReceipt(jobId: string) {
    return until(`job ${jobId} acknowledged`, async () => {
      const details = await running.queue.inspect(jobId);
      return details.job.state === 'acknowledged' ? details : undefined;
    });
  }

  it('registry: accepts a file:///absolute/path endpoint, beside https ones', async () => {
    const code = edrpou('3400009');
    const participant = await running.hub.registry.addParticipant(
      {
        code,
        fullName: 'СЕД на файловому обміні',
        kind: 'agency',
        endpoints: ['file:///srv/vkhid/drop/34000090', 'https://edms.example.gov.ua/vkhid'],
      },
      'test:setup',
    );
    assert.deepEqual(participant.endpoints, [
      'file:///srv/vkhid/drop/34000090',
      'https://edms.example.gov.ua/vkhid',
    ]);
  });

  for (const endpoint of [
    'file://remote/x',
    'file:///a/../b',
    'file:///a/%2e%2e/b',
    'file:relative/x',
    'http://edms.example.gov.ua/in',
  ]) {
    it(`registry: refuses ${endpoint} with PARTICIPANT_INVALID naming the endpoint`, async () => {
      await assert.rejects(
        running.hub.registry.updateParticipant(
          CANONICAL_AGENCY,
          { endpoints: [`file://${canonicalRoot}`, endpoint] },
          'test',
        ),
        (error: unknown) => {
          assert.ok(error instanceof VkhidError);
          assert.equal(error.code, 'PARTICIPANT_INVALID');
          assert.equal(error.field, 'endpoints[1]');
          assert.ok(error.message.includes(endpoint), error.message);
          assert.doesNotMatch(error.message, /Invalid participant: Invalid participant/);
          return true;
        },
      );
    });
  }

  it('registry: leaves the endpoints as they were after a refusal', async () => {
    const participant = await running.hub.registry.getParticipant(CANONICAL_AGENCY);
    assert.deepEqual(participant.endpoints, [`file://${canonicalRoot}`]);
  });

  it("gives a dropped file one of its adapter's input media types, by extension", () => {
    const manifests = new Map(
      builtinAdapterRegistry()
        .manifests()
        .map((m) => [m.name, m]),
    );
    const medo = mediaTypeForAdapter(manifests.get('medo-xdms')!);
    assert.equal(medo('passport.xml'), 'application/vnd.medo-xdms+xml');
    assert.equal(medo('package.ZIP'), 'application/vnd.medo-xdms+zip');
    assert.equal(medo('no-extension'), 'application/vnd.medo-xdms+xml');
    const canonical = mediaTypeForAdapter(manifests.get('canonical')!);
    assert.equal(canonical('appeal.xml'), 'application/xml');
    const json = mediaTypeForAdapter(manifests.get('json-rest')!);
    assert.equal(json('callback.json'), 'application/json');
    assert.equal(json('callback.txt'), 'application/json', 'the adapter decides, not the file name');
  });

  it('polls the drop folders of the active participants with file: endpoints', () => {
    const folders = running.fileDrops?.folders() ?? [];
    assert.deepEqual(
      folders.map((f) => [f.participantCode, f.root, f.adapter]).sort(),
      [
        [JSON_AGENCY, jsonRoot, 'json-rest'],
        [CANONICAL_AGENCY, canonicalRoot, 'canonical'],
      ].sort(),
    );
    for (const folder of ['in', 'out', 'sent', 'failed'])
      assert.ok(existsSync(join(jsonRoot, folder)), folder);
  });

  it('delivers an appeal into in/ in the agency format and takes its receipt from out/ to the contact center', async () => {
    const { envelope, messageId, jobId } = await sendAppeal(JSON_AGENCY);
    const delivered = join(jsonRoot, 'in', `${messageId}.json`);
    await until('the appeal in in/', () => (existsSync(delivered) ? true : undefined));
    const bytes = readFileSync(delivered);
    const document = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    assert.equal(document.docType, 'appeal');
    assert.equal(document.id, messageId);
    // The agency's format: its own adapter reads it back (its JSON Schema and mapping) as this appeal.
    const reread = await builtinAdapterRegistry()
      .create('json-rest', JSON_SETTINGS)
      .toCanonical(
        { bytes, mediaType: 'application/json' },
        { hubCode: CONTACT_CENTER, participantCode: JSON_AGENCY, now: () => new Date(), newId: randomUUID },
      );
    assert.equal(reread.envelope.header.messageId, messageId);
    assert.equal(reread.envelope.body.type, 'appeal');
    assert.equal(
      reread.envelope.body.type === 'appeal' && reread.envelope.body.appeal.subject,
      envelope.body.appeal.subject,
    );

    // The written file is the acknowledgement: a transport-level receipt.
    const details = await acknowledgedReceipt(jobId);
    assert.equal(details.recipientReceipt?.outcome, 'delivered');
    assert.equal(details.recipientReceipt?.via, 'push');
    assert.equal(details.recipientReceipt?.sha256, sha256(''));

    // The agency registers the appeal and drops its callback into out/.
    const callback = JSON.stringify({
      docType: 'callback',
      from: JSON_AGENCY,
      regNumber: envelope.header.tracking,
      messageId,
      status: 'ЗАРЕЄСТРОВАНО',
      at: '2026-03-02T10:15:00+02:00',
      number: 'К-15/26-вх',
      date: '2026-03-02',
    });
    dropAtomically(jsonRoot, 'callback-1.json', callback);
    // Moved by a hard link into sent/, then removal from out/: done when both are true.
    await until('the callback moved to sent/', () =>
      existsSync(join(jsonRoot, 'sent', 'callback-1.json')) && readdirSync(join(jsonRoot, 'out')).length === 0
        ? true
        : undefined,
    );
    assert.deepEqual(readdirSync(join(jsonRoot, 'failed')), []);

    const rows = await running.hub.store.read((db) =>
      db.query<Row>(
        `SELECT message_id, recipient, client_fingerprint FROM messages WHERE sender = ? AND type = 'receipt'`,
        [JSON_AGENCY],
      ),
    );
    assert.equal(rows.length, 1);
    const row = rows[0]!;
    assert.equal(row.recipient, CONTACT_CENTER);
    // The drop folder is the proof of origin, recorded with the hash of the native file.
    assert.equal(row.client_fingerprint, `file-drop:${sha256(callback)}`);
    const stored = await running.hub.messages.findByMessageId(String(row.message_id));
    assert.ok(stored);
    const receipt = readEnvelope(stored.signedXml);
    assert.equal(receipt.header.sender, JSON_AGENCY);
    assert.equal(receipt.header.recipient, CONTACT_CENTER);
    assert.equal(receipt.body.type, 'receipt');
    if (receipt.body.type === 'receipt') {
      assert.equal(receipt.body.receipt.messageRef, messageId);
      assert.deepEqual(receipt.body.receipt.outcome, {
        kind: 'registered',
        number: 'К-15/26-вх',
        date: '2026-03-02',
      });
    }
    const jobs = await running.hub.messages.deliveryJobs(String(row.message_id));
    assert.deepEqual(
      jobs.map((job) => job.recipient),
      [CONTACT_CENTER],
    );
  });

  it('moves a file the agency adapter refuses to failed/ with its error file', async () => {
    dropAtomically(jsonRoot, 'broken.json', '{"docType": "callback", ');
    await until('broken.json moved to failed/', () =>
      existsSync(join(jsonRoot, 'failed', 'broken.json')) && !existsSync(join(jsonRoot, 'out', 'broken.json'))
        ? true
        : undefined,
    );
    const report = JSON.parse(
      readFileSync(join(jsonRoot, 'failed', 'broken.json.error.json'), 'utf8'),
    ) as Record<string, unknown>;
    assert.equal(report.fileName, 'broken.json');
    assert.equal(report.code, 'ADAPTER_MALFORMED');
    assert.ok(!existsSync(join(jsonRoot, 'sent', 'broken.json')));
  });

  it('gives a canonical participant on file drop the signed envelope itself, as <messageId>.xml', async () => {
    const { signed, messageId, jobId } = await sendAppeal(CANONICAL_AGENCY);
    const delivered = join(canonicalRoot, 'in', `${messageId}.xml`);
    await until('the envelope in in/', () => (existsSync(delivered) ? true : undefined));
    assert.equal(readFileSync(delivered, 'utf8'), signed);
    const details = await acknowledgedReceipt(jobId);
    assert.equal(details.recipientReceipt?.outcome, 'delivered');
  });

  it('keeps a delivery for retry when in/ holds other bytes under its name', async () => {
    // Another file under the message's name before the worker gets there (an operator's copy, say).
    const { messageId, jobId } = await sendAppeal(CANONICAL_AGENCY, (id) =>
      writeFileSync(join(canonicalRoot, 'in', `${id}.xml`), 'something else'),
    );
    const job = await until('a failed attempt', async () => {
      const { job } = await running.queue.inspect(jobId);
      return job.lastError !== null ? job : undefined;
    });
    assert.match(job.lastError ?? '', /INTAKE_DUPLICATE_ID/);
    assert.notEqual(job.state, 'acknowledged');
    assert.equal(readFileSync(join(canonicalRoot, 'in', `${messageId}.xml`), 'utf8'), 'something else');
  });

  it('stops polling a participant that is suspended, and every folder when the hub stops', async () => {
    await running.hub.registry.setParticipantStatus(CANONICAL_AGENCY, 'suspended', 'test', 'test:setup');
    await until('the suspended participant no longer polled', () => {
      const codes = running.fileDrops?.folders().map((f) => f.participantCode) ?? [];
      return codes.includes(CANONICAL_AGENCY) ? undefined : codes;
    }).then((codes) => assert.deepEqual(codes, [JSON_AGENCY]));
    await running.stop();
    assert.deepEqual(running.fileDrops?.folders(), []);
    assert.deepEqual((await running.fileDrops?.refresh())?.started, [], 'nothing starts after stop');
  });
});
