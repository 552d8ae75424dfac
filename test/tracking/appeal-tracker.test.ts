/**
 * The appeal tracker wired into the hub: each accepted message moves its appeal's lifecycle in the same
 * transaction, with its statutory deadlines and ledger entries; an invalid transition is refused and stores
 * nothing.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Envelope } from '../../gateway/envelope/envelope-model.js';
import { ledgerEntriesFor } from '../../gateway/ledger/ledger-entry.js';
import { appealTimeline, findAppeal } from '../../gateway/tracking/appeal-tracker.js';
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
const OTHER_AGENCY = '03359500';

describe('appeal tracking in the hub', function () {
  this.timeout(60_000);
  let hub: IntakeHub;
  let cc: TestParticipant;
  let agency: TestParticipant;

  before(async () => {
    hub = await startIntakeHub();
    cc = await addParticipant(hub.running, CONTACT_CENTER, 'contact-center', ['appeal', 'public-info']);
    agency = await addParticipant(hub.running, AGENCY, 'agency', ['appeal', 'public-info']);
    await addParticipant(hub.running, OTHER_AGENCY, 'agency', ['appeal']);
  });
  after(() => hub?.stop());

  const read = <T>(fn: Parameters<typeof hub.running.hub.store.read<T>>[0]) => hub.running.hub.store.read(fn);
  const count = async (table: string) =>
    Number((await read((db) => db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`)))[0]?.n);

  async function send(from: TestParticipant, envelope: Envelope) {
    return post(hub, from.signEnvelope(envelope), { client: tlsOf(from) });
  }

  function agencyMessage(tracking: string, inReplyTo: string, body: Envelope['body']): Envelope {
    return {
      header: {
        messageId: randomUUID(),
        type: body.type,
        createdAt: new Date().toISOString(),
        sender: AGENCY,
        recipient: CONTACT_CENTER,
        tracking,
        inReplyTo,
        schemaVersion: '1.0',
      },
      body,
    };
  }

  it('registers and routes an appeal when it is accepted, with its statutory deadlines', async () => {
    const envelope = appeal(CONTACT_CENTER, AGENCY);
    const reply = await send(cc, envelope);
    assert.equal(reply.status, 202, reply.body.toString());
    const tracked = await read((db) => findAppeal(db, envelope.header.tracking!));
    assert.ok(tracked);
    assert.equal(tracked.state, 'routed');
    assert.equal(tracked.lifecycle.holder, AGENCY);
    assert.equal(tracked.deadlines.regime, 'citizen-appeal');
    assert.ok(tracked.deadlines.answerBy.date > tracked.deadlines.forwardBy.date);
    const timeline = await read((db) => appealTimeline(db, envelope.header.tracking!));
    assert.deepEqual(
      timeline.map((step) => [step.type, step.state]),
      [
        ['register', 'registered'],
        ['route', 'routed'],
      ],
    );
  });

  it('follows the agency: delivered, registered with its number, under consideration, answered', async () => {
    const envelope = appeal(CONTACT_CENTER, AGENCY);
    const tracking = envelope.header.tracking!;
    assert.equal((await send(cc, envelope)).status, 202);
    // The hub's delivery (its worker, with the agency's signed receipt) moves it to delivered.
    const { running } = hub;
    const [job] = await running.hub.messages.deliveryJobs(envelope.header.messageId);
    assert.ok(job);
    const claimed = await running.queue.claim('test', 10);
    const mine = claimed.find((c) => c.jobId === job.id);
    assert.ok(mine);
    const delivered = await running.queue.acknowledgedBy(job.id, 'test', {
      receiptId: randomUUID(),
      sha256: '0'.repeat(64),
      outcome: 'delivered',
      bytes: Buffer.alloc(0),
      via: 'push',
    });
    assert.equal(delivered, true);
    for (const other of claimed.filter((c) => c.jobId !== job.id))
      await running.queue.failed(other.jobId, 'test', 'x');
    assert.equal((await read((db) => findAppeal(db, tracking)))?.state, 'delivered');

    const registered = receiptFor(AGENCY, envelope.header.messageId);
    registered.header.tracking = tracking;
    if (registered.body.type === 'receipt') {
      registered.body.receipt.outcome = { kind: 'registered', number: '01-17/4412', date: '2026-11-26' };
    }
    assert.equal((await send(agency, registered)).status, 202);
    const afterRegistration = await read((db) => findAppeal(db, tracking));
    assert.equal(afterRegistration?.state, 'registered-by-agency');
    assert.equal(afterRegistration?.lifecycle.registration?.number, '01-17/4412');

    const consider = agencyMessage(tracking, envelope.header.messageId, {
      type: 'status',
      status: { at: new Date().toISOString(), outcome: { kind: 'under-consideration' } },
    });
    assert.equal((await send(agency, consider)).status, 202);
    const answered = agencyMessage(tracking, envelope.header.messageId, {
      type: 'status',
      status: { at: new Date().toISOString(), outcome: { kind: 'answered' } },
    });
    assert.equal((await send(agency, answered)).status, 202);
    assert.equal((await read((db) => findAppeal(db, tracking)))?.state, 'answered');

    // Each step of the agency is a ledger entry, with no personal data: codes, states and ids only.
    const entries = await read((db) => ledgerEntriesFor(db, tracking));
    assert.deepEqual(
      entries.map((entry) => [entry.event, entry.reason]),
      [
        ['accepted', null],
        ['delivered', 'delivered'],
        ['accepted', null],
        ['status', 'registered-by-agency'],
        ['accepted', null],
        ['status', 'under-consideration'],
        ['accepted', null],
        ['answered', 'answered'],
      ],
    );
  });

  it('refuses a transition the lifecycle does not allow, and stores nothing', async () => {
    const envelope = appeal(CONTACT_CENTER, AGENCY);
    const tracking = envelope.header.tracking!;
    assert.equal((await send(cc, envelope)).status, 202);
    const before = [await count('messages'), await count('ledger_entries'), await count('appeal_events')];
    // Considering an appeal the agency has not registered yet.
    const early = agencyMessage(tracking, envelope.header.messageId, {
      type: 'status',
      status: { at: new Date().toISOString(), outcome: { kind: 'under-consideration' } },
    });
    const reply = await send(agency, early);
    assert.equal(reply.status, 409, reply.body.toString());
    assert.equal(
      (JSON.parse(reply.body.toString()) as { code: string }).code,
      'LIFECYCLE_INVALID_TRANSITION',
    );
    assert.deepEqual(
      [await count('messages'), await count('ledger_entries'), await count('appeal_events')],
      before,
    );
    assert.equal((await read((db) => findAppeal(db, tracking)))?.state, 'routed');
  });

  it('carries a message about an appeal the hub does not track without tracking it', async () => {
    const status = agencyMessage('UKC-NOT-TRACKED-1', randomUUID(), {
      type: 'status',
      status: { at: new Date().toISOString(), outcome: { kind: 'under-consideration' } },
    });
    assert.equal((await send(agency, status)).status, 202);
    assert.equal(await read((db) => findAppeal(db, 'UKC-NOT-TRACKED-1')), undefined);
  });

  it('takes the appeal sent again to its holder as an addendum, and refuses routing it elsewhere while held', async () => {
    const first = appeal(CONTACT_CENTER, AGENCY);
    const tracking = first.header.tracking!;
    assert.equal((await send(cc, first)).status, 202);
    const again = appeal(CONTACT_CENTER, AGENCY, (e) => (e.header.tracking = tracking));
    assert.equal((await send(cc, again)).status, 202);
    assert.equal((await read((db) => appealTimeline(db, tracking))).length, 2, 'register and route only');
    const elsewhere = appeal(CONTACT_CENTER, OTHER_AGENCY, (e) => (e.header.tracking = tracking));
    const reply = await send(cc, elsewhere);
    assert.equal(reply.status, 409, reply.body.toString());
    assert.equal((await read((db) => findAppeal(db, tracking)))?.lifecycle.holder, AGENCY);
  });

  it('keeps a pseudonymous repeat key per appeal: the same person and subject again share it, nothing else', async () => {
    const keyOf = async (change: (e: ReturnType<typeof appeal>) => void) => {
      const envelope = appeal(CONTACT_CENTER, AGENCY, change);
      assert.equal((await send(cc, envelope)).status, 202);
      const [row] = await read((db) =>
        db.query<{ repeat_key: string | null }>(`SELECT repeat_key FROM appeals WHERE tracking = ?`, [
          envelope.header.tracking!,
        ]),
      );
      return row?.repeat_key;
    };
    const first = await keyOf((e) => {
      e.body.appeal.applicant.fullName = 'Мар’яна Коваль';
      e.body.appeal.subject = 'Ремонт дороги на вул. Шевченка';
    });
    const again = await keyOf((e) => {
      e.body.appeal.applicant.fullName = '  марʼяна   КОВАЛЬ ';
      e.body.appeal.subject = 'ремонт  дороги на вул. Шевченка';
    });
    const otherSubject = await keyOf((e) => {
      e.body.appeal.applicant.fullName = 'Мар’яна Коваль';
      e.body.appeal.subject = 'Вивезення сміття';
    });
    assert.match(first ?? '', /^[0-9a-f]{64}$/);
    assert.equal(again, first);
    assert.notEqual(otherSubject, first);
    // Neither the name nor the subject is in the row in any form a reader could use.
    const [row] = await read((db) =>
      db.query<Record<string, unknown>>(`SELECT * FROM appeals WHERE repeat_key = ?`, [first ?? null]),
    );
    assert.doesNotMatch(JSON.stringify(row), /Коваль|Шевченка/i);
  });
});
