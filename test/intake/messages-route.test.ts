/**
 * POST /v1/messages on a real hub server: mutual TLS with certificates the hub issued, the registry's decision,
 * one transaction for the message and its delivery job, the hub's signed receipt, idempotency, and every
 * refusal at the door answered with problem+json and nothing stored.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { gzipSync } from 'node:zlib';
import { EnvelopeVerifier } from '../../gateway/dsig/envelope-verifier.js';
import { buildEnvelope } from '../../gateway/envelope/envelope-builder.js';
import { readEnvelope } from '../../gateway/envelope/envelope-reader.js';
import { envelopeSchema } from '../../gateway/envelope/envelope-schema.js';
import { revokeCertificate } from '../../gateway/hub/hub-pki.js';
import { PRIORITY_NORMAL, PRIORITY_URGENT } from '../../gateway/queue/delivery-job.js';
import { StaticTrustStore } from '../../gateway/trust/static-trust-store.js';
import { createCa, issueCertificate } from '../support/test-pki.js';
import {
  addParticipant,
  appeal,
  edrpou,
  issue,
  post,
  startIntakeHub,
  tlsOf,
  type IntakeHub,
  type Reply,
  type TestParticipant,
} from './fixtures/intake-hub.js';

const CONTACT_CENTER = '00015622';
const CITY_ADMINISTRATION = '00022527';
/** Registered and active, but without any memorandum. */
const NO_MEMORANDUM = edrpou('3000001');
/** A valid code nobody registered. */
const UNREGISTERED = edrpou('3000002');
/** Small enough to test the limit, large enough for the sample appeal (about 5 KB signed). */
const MAX_BYTES = 32 * 1024;

interface Problem {
  code: string;
  status: number;
  detail: string;
  type: string;
  title: string;
  instance?: string;
}

const sha256 = (bytes: string | Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('POST /v1/messages', function () {
  this.timeout(120_000);

  let hub: IntakeHub;
  let cc: TestParticipant;
  let kmda: TestParticipant;
  let lonely: TestParticipant;

  before(async () => {
    hub = await startIntakeHub({ maxBytes: MAX_BYTES });
    cc = await addParticipant(hub.running, CONTACT_CENTER, 'contact-center', ['appeal', 'public-info']);
    kmda = await addParticipant(hub.running, CITY_ADMINISTRATION, 'agency', ['appeal']);
    lonely = await addParticipant(hub.running, NO_MEMORANDUM, 'agency', null);
  });

  after(async () => {
    await hub?.stop();
  });

  const counts = () => hub.running.hub.messages.counts();

  /** The hub's receipt, verified as a participant would: the hub CA as the anchor, the hub signing certificate pinned. */
  async function verifiedReceipt(reply: Reply) {
    const hubSign = new X509Certificate(readFileSync(join(hub.dataDir, 'pki', 'hub-sign.pem')));
    const verifier = new EnvelopeVerifier({
      trustStore: new StaticTrustStore({
        anchors: [new X509Certificate(hub.caPem)],
        pinned: new Map([[hub.running.hub.config.hub.code, [hubSign]]]),
      }),
      schema: envelopeSchema(),
    });
    const verified = await verifier.verify(reply.body);
    return readEnvelope(verified.signedXml);
  }

  function problemOf(reply: Reply): Problem {
    assert.match(reply.type, /^application\/problem\+json/, reply.body.toString());
    return JSON.parse(reply.body.toString('utf8')) as Problem;
  }

  /** Posts and expects a refusal with `code` and `status`, and the store unchanged. */
  async function expectRefusal(
    body: string | Buffer,
    options: Parameters<typeof post>[2],
    code: string,
    status: number,
  ): Promise<Problem> {
    const before = await counts();
    const reply = await post(hub, body, options);
    const problem = problemOf(reply);
    assert.equal(problem.code, code, problem.detail);
    assert.equal(reply.status, status);
    assert.equal(problem.status, status);
    assert.equal(problem.type, `urn:vkhid:error:${code}`);
    assert.equal(problem.instance, '/v1/messages');
    assert.deepEqual(await counts(), before, 'a refused message stores nothing');
    return problem;
  }

  describe('an accepted appeal', () => {
    let signed: string;
    let messageId: string;
    let tracking: string | undefined;
    let first: Reply;

    before(async () => {
      const envelope = appeal(CONTACT_CENTER, CITY_ADMINISTRATION);
      messageId = envelope.header.messageId;
      tracking = envelope.header.tracking;
      signed = cc.signEnvelope(envelope);
      first = await post(hub, signed, { client: tlsOf(cc) });
    });

    it('is answered 202 with the hub’s signed receipt, which verifies with the hub CA as anchor', async () => {
      assert.equal(first.status, 202, first.body.toString());
      assert.equal(first.type, 'application/xml');
      const receipt = await verifiedReceipt(first);
      assert.equal(receipt.header.type, 'receipt');
      assert.equal(receipt.header.sender, hub.running.hub.config.hub.code);
      assert.equal(receipt.header.recipient, CONTACT_CENTER);
      assert.equal(receipt.header.tracking, tracking);
      assert.equal(receipt.header.inReplyTo, messageId);
      assert.notEqual(receipt.header.messageId, messageId);
      assert.equal(receipt.body.type, 'receipt');
      if (receipt.body.type !== 'receipt') return;
      assert.equal(receipt.body.receipt.messageRef, messageId);
      assert.equal(receipt.body.receipt.messageDigest, sha256(signed));
      assert.deepEqual(receipt.body.receipt.outcome, { kind: 'accepted' });
      assert.ok(Math.abs(Date.parse(receipt.body.receipt.at) - Date.now()) < 60_000);
    });

    it('is stored once with one queued delivery job to the recipient, the receipt beside it', async () => {
      const stored = await hub.running.hub.messages.findByMessageId(messageId);
      assert.ok(stored);
      assert.equal(stored.type, 'appeal');
      assert.equal(stored.sender, CONTACT_CENTER);
      assert.equal(stored.recipient, CITY_ADMINISTRATION);
      assert.equal(stored.tracking, tracking);
      assert.equal(stored.urgency, 'normal');
      assert.equal(stored.receivedSha256, sha256(signed));
      assert.ok(stored.receivedBytes.equals(Buffer.from(signed, 'utf8')), 'the bytes as received');
      assert.ok(stored.signedXml.startsWith('<Envelope xmlns="urn:vkhid:envelope:1">'));
      assert.ok(!stored.signedXml.includes('Signature'), 'the signed content, without the signature');
      assert.equal(stored.signerFingerprint, cc.sign.certificate.fingerprint256);
      assert.equal(stored.clientFingerprint, cc.tls.certificate.fingerprint256);
      assert.ok(Buffer.from(stored.receiptXml, 'utf8').equals(first.body));
      const jobs = await hub.running.hub.messages.deliveryJobs(messageId);
      assert.equal(jobs.length, 1);
      assert.equal(jobs[0]!.state, 'queued');
      assert.equal(jobs[0]!.recipient, CITY_ADMINISTRATION);
      assert.equal(jobs[0]!.priority, PRIORITY_NORMAL);
      assert.equal(jobs[0]!.attempts, 0);
      assert.equal(jobs[0]!.leaseOwner, null);
      assert.ok(jobs[0]!.nextAttemptAt <= new Date().toISOString());
    });

    it('posted again: the same receipt, byte for byte, and nothing new stored', async () => {
      const before = await counts();
      const again = await post(hub, signed, { client: tlsOf(cc) });
      assert.equal(again.status, 202);
      assert.equal(again.type, 'application/xml');
      assert.ok(again.body.equals(first.body), 'the stored receipt, not a new one');
      assert.deepEqual(await counts(), before);
    });

    it('the same MessageId with another document: 409 INTAKE_DUPLICATE_ID, nothing stored', async () => {
      const other = appeal(CONTACT_CENTER, CITY_ADMINISTRATION, (envelope) => {
        envelope.header.messageId = messageId;
        envelope.body.appeal.subject = 'Інша тема';
      });
      await expectRefusal(cc.signEnvelope(other), { client: tlsOf(cc) }, 'INTAKE_DUPLICATE_ID', 409);
    });

    it('the same MessageId in upper case is the same id (UUIDs compare case-insensitively)', async () => {
      const other = appeal(CONTACT_CENTER, CITY_ADMINISTRATION, (envelope) => {
        envelope.header.messageId = messageId.toUpperCase();
      });
      await expectRefusal(cc.signEnvelope(other), { client: tlsOf(cc) }, 'INTAKE_DUPLICATE_ID', 409);
    });

    it('the identical document posted by another participant’s client: INTAKE_SENDER_MISMATCH', async () => {
      await expectRefusal(signed, { client: tlsOf(kmda) }, 'INTAKE_SENDER_MISMATCH', 403);
    });
  });

  it('an urgent appeal is queued ahead of normal ones (priority)', async () => {
    const envelope = appeal(CONTACT_CENTER, CITY_ADMINISTRATION, (e) => {
      e.body.appeal.urgency = 'urgent';
    });
    const reply = await post(hub, cc.signEnvelope(envelope), { client: tlsOf(cc) });
    assert.equal(reply.status, 202, reply.body.toString());
    const [job] = await hub.running.hub.messages.deliveryJobs(envelope.header.messageId);
    assert.equal(job?.priority, PRIORITY_URGENT);
    assert.ok(PRIORITY_URGENT < PRIORITY_NORMAL);
  });

  it('a message other than an appeal (a status from the agency) is accepted the same way', async () => {
    const envelope = buildEnvelope({
      header: {
        messageId: randomUUID(),
        type: 'status',
        createdAt: new Date().toISOString(),
        sender: CITY_ADMINISTRATION,
        recipient: CONTACT_CENTER,
        tracking: 'UKC-2025-0314-00873',
        schemaVersion: '1.0',
      },
      body: {
        type: 'status',
        status: { at: new Date().toISOString(), outcome: { kind: 'under-consideration' } },
      },
    });
    const reply = await post(hub, kmda.signEnvelope(envelope), { client: tlsOf(kmda) });
    assert.equal(reply.status, 202, reply.body.toString());
    const receipt = await verifiedReceipt(reply);
    assert.equal(receipt.header.recipient, CITY_ADMINISTRATION);
  });

  it('two identical posts at once store one message and answer both with the same receipt', async () => {
    const envelope = appeal(CONTACT_CENTER, CITY_ADMINISTRATION);
    const signed = cc.signEnvelope(envelope);
    const before = await counts();
    const replies = await Promise.all(
      Array.from({ length: 4 }, () => post(hub, signed, { client: tlsOf(cc) })),
    );
    for (const reply of replies) assert.equal(reply.status, 202, reply.body.toString());
    for (const reply of replies.slice(1)) assert.ok(reply.body.equals(replies[0]!.body));
    assert.deepEqual(await counts(), {
      messages: before.messages + 1,
      deliveryJobs: before.deliveryJobs + 1,
    });
  });

  it('two different documents with one MessageId at once: one is accepted, the other is INTAKE_DUPLICATE_ID', async () => {
    const id = randomUUID();
    const documents = ['Тема А', 'Тема Б'].map((subject) =>
      cc.signEnvelope(
        appeal(CONTACT_CENTER, CITY_ADMINISTRATION, (e) => {
          e.header.messageId = id;
          e.body.appeal.subject = subject;
        }),
      ),
    );
    const before = await counts();
    const replies = await Promise.all(documents.map((doc) => post(hub, doc, { client: tlsOf(cc) })));
    assert.deepEqual(replies.map((reply) => reply.status).sort(), [202, 409]);
    assert.equal(problemOf(replies.find((reply) => reply.status === 409)!).code, 'INTAKE_DUPLICATE_ID');
    assert.equal((await counts()).messages, before.messages + 1);
  });

  describe('bad input at the door: a coded problem+json, nothing stored, the hub stays up', () => {
    let good: string;

    before(() => {
      good = cc.signEnvelope(appeal(CONTACT_CENTER, CITY_ADMINISTRATION));
    });

    after(async () => {
      const health = await post(hub, '', { method: 'GET', path: '/healthz', contentType: null });
      assert.equal(health.status, 200);
      // The good document was never accepted by any of the refusals above.
      assert.equal(await hub.running.hub.messages.findBySha256(sha256(good)), undefined);
    });

    it('garbage bytes: INTAKE_BAD_ENCODING', async () => {
      const garbage = Buffer.from([0x3c, 0x3f, 0xff, 0xfe, 0x00, 0x81, 0x92, 0x10, 0xc3]);
      await expectRefusal(garbage, { client: tlsOf(cc) }, 'INTAKE_BAD_ENCODING', 400);
    });

    it('text that is not XML: INTAKE_MALFORMED', async () => {
      await expectRefusal('this is not an envelope', { client: tlsOf(cc) }, 'INTAKE_MALFORMED', 400);
    });

    it('an empty body: INTAKE_EMPTY', async () => {
      await expectRefusal('', { client: tlsOf(cc) }, 'INTAKE_EMPTY', 400);
    });

    it('a DOCTYPE (XXE): INTAKE_DTD_FORBIDDEN', async () => {
      const xxe = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>`;
      await expectRefusal(xxe, { client: tlsOf(cc) }, 'INTAKE_DTD_FORBIDDEN', 400);
    });

    it('an unsigned envelope: SIGNATURE_MISSING', async () => {
      const unsigned = buildEnvelope(appeal(CONTACT_CENTER, CITY_ADMINISTRATION));
      await expectRefusal(unsigned, { client: tlsOf(cc) }, 'SIGNATURE_MISSING', 401);
    });

    it('a signed envelope changed afterwards: SIGNATURE_DIGEST_MISMATCH', async () => {
      const tampered = good.replace('<Urgency>normal</Urgency>', '<Urgency>urgent</Urgency>');
      assert.notEqual(tampered, good);
      await expectRefusal(tampered, { client: tlsOf(cc) }, 'SIGNATURE_DIGEST_MISMATCH', 401);
    });

    it('signed by another participant’s key in the sender’s name: CERT_PARTICIPANT_MISMATCH', async () => {
      const forged = kmda.signEnvelope(appeal(CONTACT_CENTER, CITY_ADMINISTRATION));
      await expectRefusal(forged, { client: tlsOf(cc) }, 'CERT_PARTICIPANT_MISMATCH', 403);
    });

    it('no client certificate: 401 INTAKE_CLIENT_CERT_MISSING', async () => {
      await expectRefusal(good, {}, 'INTAKE_CLIENT_CERT_MISSING', 401);
    });

    it('the client certificate of another participant: 403 INTAKE_SENDER_MISMATCH', async () => {
      await expectRefusal(good, { client: tlsOf(kmda) }, 'INTAKE_SENDER_MISMATCH', 403);
    });

    it('a signing certificate used as a TLS client certificate: INTAKE_CLIENT_CERT_UNKNOWN', async () => {
      const problem = await expectRefusal(good, { client: cc.sign }, 'INTAKE_CLIENT_CERT_UNKNOWN', 403);
      assert.match(problem.detail, /registered as participant-sign/);
    });

    it('a client certificate the registry does not know: INTAKE_CLIENT_CERT_UNKNOWN', async () => {
      // Issued by a CA the hub does not know, naming the contact center: still nobody's registered certificate.
      const stranger = await issueCertificate(await createCa('Stranger CA'), `EDMS ${CONTACT_CENTER}`);
      const problem = await expectRefusal(good, { client: stranger }, 'INTAKE_CLIENT_CERT_UNKNOWN', 403);
      assert.match(problem.detail, /not registered/);
    });

    it('a revoked TLS certificate: INTAKE_CLIENT_CERT_UNKNOWN at once', async () => {
      const extra = await issue(hub.running, CONTACT_CENTER, 'tls', 'second EDMS node');
      const accepted = await post(hub, cc.signEnvelope(appeal(CONTACT_CENTER, CITY_ADMINISTRATION)), {
        client: extra,
      });
      assert.equal(accepted.status, 202, 'a second registered TLS certificate works');
      await revokeCertificate(hub.running.hub, extra.serialNumber, 'keyCompromise', 'test');
      const problem = await expectRefusal(good, { client: extra }, 'INTAKE_CLIENT_CERT_UNKNOWN', 403);
      assert.match(problem.detail, /revoked/);
    });

    it('an unknown recipient: PARTICIPANT_NOT_FOUND', async () => {
      const envelope = cc.signEnvelope(appeal(CONTACT_CENTER, UNREGISTERED));
      await expectRefusal(envelope, { client: tlsOf(cc) }, 'PARTICIPANT_NOT_FOUND', 404);
    });

    it('a sender without a memorandum: MEMORANDUM_NOT_IN_FORCE, and the refusal is recorded', async () => {
      const envelope = appeal(NO_MEMORANDUM, CITY_ADMINISTRATION);
      const refusalsBefore = (await hub.running.hub.registry.listRefusals(1000)).length;
      await expectRefusal(
        lonely.signEnvelope(envelope),
        { client: tlsOf(lonely) },
        'MEMORANDUM_NOT_IN_FORCE',
        403,
      );
      const refusals = await hub.running.hub.registry.listRefusals(1000);
      assert.equal(refusals.length, refusalsBefore + 1);
      assert.ok(refusals.some((row) => row.message_id === envelope.header.messageId));
    });

    it('a recipient whose memorandum does not cover the kind of appeal: MEMORANDUM_NOT_IN_FORCE', async () => {
      const envelope = appeal(CONTACT_CENTER, CITY_ADMINISTRATION, (e) => {
        e.body.appeal.kind = 'public-info-request';
      });
      await expectRefusal(cc.signEnvelope(envelope), { client: tlsOf(cc) }, 'MEMORANDUM_NOT_IN_FORCE', 403);
    });

    it('larger than intake.maxBytes: 413 INTAKE_TOO_LARGE before the document is read', async () => {
      const large = cc.signEnvelope(
        appeal(CONTACT_CENTER, CITY_ADMINISTRATION, (e) => {
          e.body.appeal.text = 'в'.repeat(MAX_BYTES);
        }),
      );
      assert.ok(Buffer.byteLength(large) > MAX_BYTES);
      await expectRefusal(large, { client: tlsOf(cc) }, 'INTAKE_TOO_LARGE', 413);
    });

    it('another media type: 415 INTAKE_UNSUPPORTED_MEDIA_TYPE', async () => {
      await expectRefusal(
        good,
        { client: tlsOf(cc), contentType: 'application/json' },
        'INTAKE_UNSUPPORTED_MEDIA_TYPE',
        415,
      );
      await expectRefusal(
        good,
        { client: tlsOf(cc), contentType: null },
        'INTAKE_UNSUPPORTED_MEDIA_TYPE',
        415,
      );
    });

    it('a compressed body: 415 INTAKE_UNSUPPORTED_MEDIA_TYPE (never inflated past the limit)', async () => {
      await expectRefusal(
        gzipSync(good),
        { client: tlsOf(cc), headers: { 'content-encoding': 'gzip' } },
        'INTAKE_UNSUPPORTED_MEDIA_TYPE',
        415,
      );
    });

    it('application/xml with a charset parameter is accepted as application/xml', async () => {
      const doc = cc.signEnvelope(appeal(CONTACT_CENTER, CITY_ADMINISTRATION));
      const reply = await post(hub, doc, {
        client: tlsOf(cc),
        contentType: 'application/xml; charset=utf-8',
      });
      assert.equal(reply.status, 202, reply.body.toString());
    });
  });

  it('the hub’s own TLS certificate is not a participant’s: INTAKE_CLIENT_CERT_UNKNOWN', async () => {
    const hubTls = {
      certificatePem: readFileSync(join(hub.dataDir, 'pki', 'hub-tls.pem'), 'utf8'),
      privateKeyPem: readFileSync(join(hub.dataDir, 'pki', 'hub-tls.key'), 'utf8'),
    };
    const problem = await expectRefusal(
      cc.signEnvelope(appeal(CONTACT_CENTER, CITY_ADMINISTRATION)),
      { client: hubTls },
      'INTAKE_CLIENT_CERT_UNKNOWN',
      403,
    );
    assert.match(problem.detail, /hub-tls/);
  });

  it('a client resuming its TLS session (an ordinary https.Agent) is still authenticated by its certificate', async () => {
    const agent = new Agent({ ca: hub.caPem, cert: cc.tls.certificatePem, key: cc.tls.privateKeyPem });
    const postWithAgent = (body: string) =>
      new Promise<{ status: number; resumed: boolean }>((resolve, reject) => {
        const req = request(
          `${hub.running.url}/v1/messages`,
          { method: 'POST', agent, headers: { 'content-type': 'application/xml', connection: 'close' } },
          (res) => {
            res.resume();
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                resumed: (req.socket as TLSSocket).isSessionReused(),
              }),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    try {
      const results = [];
      for (let i = 0; i < 3; i++) {
        results.push(await postWithAgent(cc.signEnvelope(appeal(CONTACT_CENTER, CITY_ADMINISTRATION))));
      }
      assert.deepEqual(
        results.map((result) => result.status),
        [202, 202, 202],
      );
      assert.ok(
        results.slice(1).some((result) => result.resumed),
        'the later connections resumed the session',
      );
    } finally {
      agent.destroy();
    }
  });

  it('GET /v1/messages is not a route', async () => {
    const reply = await post(hub, '', { method: 'GET', client: tlsOf(cc), contentType: null });
    assert.equal(reply.status, 404);
    assert.equal(problemOf(reply).code, 'ROUTE_NOT_FOUND');
  });
});
