/**
 * A redirect sends the appeal on (issue #6, item 2): when the holder says the appeal is not within its
 * competence and names a participant in scope, the hub itself sends the contact center's appeal to that body,
 * in the transaction that accepts the redirect, and the new body takes it over with fresh deadlines. When the
 * named body is not a participant in scope, nothing is sent and the appeal waits for the contact center.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Envelope } from '../../gateway/envelope/envelope-model.js';
import { readEnvelope } from '../../gateway/envelope/envelope-reader.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { HubReceiptSigner } from '../../gateway/intake/receipt-signer.js';
import { ledgerEntriesFor } from '../../gateway/ledger/ledger-entry.js';
import { WorkingCalendar } from '../../gateway/deadlines/working-calendar.js';
import { AppealTracker, appealTimeline, findAppeal } from '../../gateway/tracking/appeal-tracker.js';
import { FORWARD_ORIGIN, RedirectForwarder } from '../../gateway/tracking/redirect-forwarder.js';
import { receiptFor } from '../support/receipt-envelopes.js';
import {
  addParticipant,
  appeal,
  post,
  startIntakeHub,
  tlsOf,
  type IntakeHub,
  type TestParticipant,
} from '../intake/fixtures/intake-hub.js';

const CONTACT_CENTER = '00015622';
const AGENCY = '00022527';
const COMPETENT = '03359500';
/** A participant with a memorandum for citizens' appeals only. */
const APPEALS_ONLY = '00032106';
/** A valid ЄДРПОУ code the registry does not know. */
const STRANGER = '00034051';

describe('a redirect sends the appeal on', function () {
  this.timeout(60_000);
  let hub: IntakeHub;
  let cc: TestParticipant;
  let agency: TestParticipant;
  let competent: TestParticipant;

  before(async () => {
    hub = await startIntakeHub();
    cc = await addParticipant(hub.running, CONTACT_CENTER, 'contact-center', ['appeal', 'public-info']);
    agency = await addParticipant(hub.running, AGENCY, 'agency', ['appeal', 'public-info']);
    competent = await addParticipant(hub.running, COMPETENT, 'agency', ['appeal', 'public-info']);
    await addParticipant(hub.running, APPEALS_ONLY, 'agency', ['appeal']);
  });
  after(() => hub?.stop());

  const read = <T>(fn: Parameters<typeof hub.running.hub.store.read<T>>[0]) => hub.running.hub.store.read(fn);
  const messagesAbout = (tracking: string) =>
    read((db) =>
      db.query<{ message_id: string; type: string; sender: string; recipient: string }>(
        `SELECT message_id, type, sender, recipient FROM messages WHERE tracking = ? ORDER BY received_at`,
        [tracking],
      ),
    );

  async function send(from: TestParticipant, envelope: Envelope) {
    return post(hub, from.signEnvelope(envelope), { client: tlsOf(from) });
  }

  /** An appeal routed to AGENCY and registered there; `kind` public-info makes it a request for information. */
  async function registeredAtAgency(kind: 'citizen-appeal' | 'public-info-request' = 'citizen-appeal') {
    const envelope = appeal(CONTACT_CENTER, AGENCY, (e) => {
      e.body.appeal.kind = kind;
    });
    assert.equal((await send(cc, envelope)).status, 202);
    const registered = receiptFor(AGENCY, envelope.header.messageId);
    registered.header.tracking = envelope.header.tracking!;
    if (registered.body.type === 'receipt') {
      registered.body.receipt.outcome = { kind: 'registered', number: '01-17/4412', date: '2026-11-26' };
    }
    assert.equal((await send(agency, registered)).status, 202);
    return envelope;
  }

  function redirectTo(original: Envelope, to: string): Envelope {
    return {
      header: {
        messageId: randomUUID(),
        type: 'status',
        createdAt: new Date().toISOString(),
        sender: AGENCY,
        recipient: CONTACT_CENTER,
        tracking: original.header.tracking!,
        inReplyTo: original.header.messageId,
        schemaVersion: '1.0',
      },
      body: {
        type: 'status',
        status: {
          at: new Date().toISOString(),
          outcome: {
            kind: 'redirected',
            to,
            reasonCode: 'not-within-competence',
            reason: 'Питання належить до компетенції іншого органу',
          },
        },
      },
    };
  }

  it('sends the appeal to the named participant, signed by the hub, and the new body takes it over', async () => {
    const original = await registeredAtAgency();
    const tracking = original.header.tracking!;
    const before = await read((db) => findAppeal(db, tracking));
    const redirect = redirectTo(original, COMPETENT);
    assert.equal((await send(agency, redirect)).status, 202);

    const after = await read((db) => findAppeal(db, tracking));
    assert.equal(after?.state, 'routed');
    assert.equal(after?.lifecycle.holder, COMPETENT);
    assert.equal(after?.lifecycle.routings, 2);
    assert.equal(after?.lifecycle.redirect?.from, AGENCY);
    // The terms restart from the forward (Law «Про звернення громадян», art. 7): a second registration.
    assert.equal(after?.deadlines.redirects, 1);
    assert.equal(after?.deadlines.firstRegisteredAt, before?.deadlines.firstRegisteredAt);
    assert.notEqual(after?.deadlines.registeredAt, before?.deadlines.registeredAt);
    const steps = await read((db) => appealTimeline(db, tracking));
    assert.deepEqual(
      steps.slice(-2).map((step) => [step.type, step.byRole, step.state]),
      [
        ['redirect', 'agency', 'redirected'],
        ['route', 'hub', 'routed'],
      ],
    );

    // One new appeal message, from the contact center to the competent body, in reply to the redirect; the
    // redirect itself still goes to the contact center.
    // (The forward is accepted at the same instant as the redirect: found by what it is, not by its place.)
    const messages = await messagesAbout(tracking);
    const appeals = messages.filter((m) => m.type === 'appeal');
    assert.equal(appeals.length, 2);
    const forwarded = appeals.find((m) => m.message_id !== original.header.messageId.toLowerCase());
    assert.equal(forwarded?.sender, CONTACT_CENTER);
    assert.equal(forwarded?.recipient, COMPETENT);
    const status = messages.find((m) => m.message_id === redirect.header.messageId.toLowerCase());
    assert.equal(status?.recipient, CONTACT_CENTER);
    const stored = await hub.running.hub.messages.findByMessageId(forwarded.message_id);
    assert.ok(stored);
    assert.equal(stored.clientFingerprint, `${FORWARD_ORIGIN}${redirect.header.messageId}`);
    assert.equal(stored.signerFingerprint, new HubReceiptSigner(hub.running.hub).fingerprint);
    assert.match(stored.receivedBytes.toString('utf8'), /<ds:Signature/);
    const sent = readEnvelope(stored.signedXml);
    assert.equal(sent.header.inReplyTo, redirect.header.messageId);
    assert.equal(sent.body.type, 'appeal');
    if (sent.body.type === 'appeal') {
      // The citizen's appeal unchanged; only the routing says where and why.
      assert.deepEqual(
        { ...sent.body.appeal, routing: undefined },
        { ...original.body.appeal, routing: undefined },
      );
      assert.equal(sent.body.appeal.routing.target, COMPETENT);
      assert.match(sent.body.appeal.routing.basis, new RegExp(`${AGENCY} \\(not-within-competence\\)`));
    }
    const jobs = await hub.running.hub.messages.deliveryJobs(forwarded.message_id);
    assert.deepEqual(
      jobs.map((job) => [job.recipient, job.state]),
      [[COMPETENT, 'queued']],
    );

    // The custody chain: the redirect towards the competent body, then the hub's handing over of the appeal.
    const entries = await read((db) => ledgerEntriesFor(db, tracking));
    const tail = entries.slice(-3).map((entry) => [entry.event, entry.from, entry.to]);
    assert.deepEqual(tail, [
      ['accepted', AGENCY, CONTACT_CENTER],
      ['redirected', AGENCY, COMPETENT],
      ['accepted', CONTACT_CENTER, COMPETENT],
    ]);
    assert.equal(entries.at(-1)?.envelopeSha256, stored.receivedSha256);

    // The competent body registers the appeal it received; the agency that redirected it no longer can.
    const registered = receiptFor(COMPETENT, forwarded.message_id);
    registered.header.tracking = tracking;
    if (registered.body.type === 'receipt') {
      registered.body.receipt.outcome = { kind: 'registered', number: 'В-88/2026', date: '2026-11-27' };
    }
    assert.equal((await send(competent, registered)).status, 202);
    const taken = await read((db) => findAppeal(db, tracking));
    assert.equal(taken?.state, 'registered-by-agency');
    assert.equal(taken?.lifecycle.registration?.agency, COMPETENT);
  });

  it('cuts a long reason into the 500-character basis in whole characters, never splitting an emoji', async () => {
    const original = await registeredAtAgency();
    const redirect = redirectTo(original, COMPETENT);
    if (redirect.body.type !== 'status' || redirect.body.status.outcome.kind !== 'redirected') assert.fail();
    // 500 characters (the schema's limit), with astral characters where the cut falls after the prefix.
    redirect.body.status.outcome.reason = '😀'.repeat(500);
    assert.equal((await send(agency, redirect)).status, 202);
    const tracking = original.header.tracking!;
    assert.equal((await read((db) => findAppeal(db, tracking)))?.lifecycle.holder, COMPETENT);
    const forwarded = (await messagesAbout(tracking)).find(
      (m) => m.type === 'appeal' && m.recipient === COMPETENT,
    );
    const stored = await hub.running.hub.messages.findByMessageId(forwarded?.message_id ?? '');
    const sent = readEnvelope(stored?.signedXml ?? '');
    assert.ok(sent.body.type === 'appeal');
    const basis = [...sent.body.appeal.routing.basis];
    assert.equal(basis.length, 500);
    assert.equal(basis.at(-1), '…');
    assert.equal(basis.at(-2), '😀');
  });

  for (const [why, to, kind] of [
    ['the named body is not a participant', STRANGER, 'citizen-appeal'],
    ['the named body has no memorandum for the appeal kind', APPEALS_ONLY, 'public-info-request'],
    ['the named body is a contact center', CONTACT_CENTER, 'citizen-appeal'],
  ] as const) {
    it(`sends nothing when ${why}: the appeal waits, redirected, for the contact center`, async () => {
      const original = await registeredAtAgency(kind);
      const tracking = original.header.tracking!;
      const redirect = redirectTo(original, to);
      const reply = await send(agency, redirect);
      assert.equal(reply.status, 202, reply.body.toString());
      const after = await read((db) => findAppeal(db, tracking));
      assert.equal(after?.state, 'redirected');
      assert.equal(after?.lifecycle.holder, AGENCY);
      const messages = await messagesAbout(tracking);
      assert.equal(messages.filter((m) => m.type === 'appeal').length, 1);
      // The contact center re-routes it itself to a body it chooses.
      const reroute = appeal(CONTACT_CENTER, COMPETENT, (e) => {
        e.header.tracking = tracking;
        e.body.appeal.kind = kind;
      });
      assert.equal((await send(cc, reroute)).status, 202);
      assert.equal((await read((db) => findAppeal(db, tracking)))?.lifecycle.holder, COMPETENT);
    });
  }

  it('stores neither the redirect nor the forward when sending on fails inside the transaction', async () => {
    const original = await registeredAtAgency();
    const tracking = original.header.tracking!;
    const { hub: context } = hub.running;
    // A forwarder whose signing key is gone: the forward fails after the redirect's rows are written.
    const broken = new RedirectForwarder(
      context.registry,
      new HubReceiptSigner({ config: context.config, home: { read: () => 'not a key' } as never }),
      context.config.hub.code,
    );
    const tracker = new AppealTracker(WorkingCalendar.load(), { forwarder: broken });
    const redirect = redirectTo(original, COMPETENT);
    const counts = async () =>
      read(async (db) => ({
        messages: (await db.query(`SELECT 1 FROM messages WHERE tracking = ?`, [tracking])).length,
        ledger: (await db.query(`SELECT 1 FROM ledger_entries WHERE tracking = ?`, [tracking])).length,
        events: (await db.query(`SELECT 1 FROM appeal_events WHERE tracking = ?`, [tracking])).length,
      }));
    const before = await counts();
    await assert.rejects(
      context.messages.storeAccepted(
        {
          messageId: redirect.header.messageId,
          type: 'status',
          sender: AGENCY,
          recipient: CONTACT_CENTER,
          tracking,
          inReplyTo: original.header.messageId,
          urgency: null,
          createdAt: redirect.header.createdAt,
          receivedSha256: '0'.repeat(64),
          receivedBytes: Buffer.from('<Envelope/>'),
          signedXml: '<Envelope/>',
          signerFingerprint: 'test',
          clientFingerprint: 'test',
          receiptId: randomUUID(),
          receiptXml: '<Envelope/>',
          receivedAt: new Date().toISOString(),
        },
        0,
        (tx) =>
          tracker.onAccepted(tx, redirect, { senderRole: 'agency', acceptedAt: new Date().toISOString() }),
      ),
      (error: unknown) => error instanceof VkhidError && error.code === 'INTERNAL',
    );
    assert.deepEqual(await counts(), before);
    assert.equal((await read((db) => findAppeal(db, tracking)))?.state, 'registered-by-agency');
  });
});
