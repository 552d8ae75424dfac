/**
 * The intake for documents in a participant's own format: converted by the participant's adapter, authorised
 * by the registry like a signed envelope, signed by the hub on the participant's behalf, stored with its job.
 */
import assert from 'node:assert/strict';
import { builtinAdapterRegistry } from '../../gateway/adapters/builtin-adapters.js';
import { EnvelopeVerifier } from '../../gateway/dsig/envelope-verifier.js';
import { envelopeSchema } from '../../gateway/envelope/envelope-schema.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { NativeIntake } from '../../gateway/intake/native-intake.js';
import { minimal } from '../adapters/contact-center-csv/contact-center-csv-case.js';
import {
  addParticipant,
  post,
  startIntakeHub,
  tlsOf,
  type IntakeHub,
  type TestParticipant,
} from './fixtures/intake-hub.js';

const CONTACT_CENTER = '00015622';
const AGENCY = '00022527';
const csv = (text: string) => ({ bytes: Buffer.from(text, 'utf8'), mediaType: 'text/csv' });

async function refusal(action: () => Promise<unknown>): Promise<VkhidError> {
  try {
    await action();
  } catch (error) {
    assert.ok(error instanceof VkhidError, String(error));
    return error;
  }
  assert.fail('expected a refusal');
}

describe('NativeIntake: documents in a participant’s own format', function () {
  this.timeout(60_000);
  let hub: IntakeHub;
  let intake: NativeIntake;
  let cc: TestParticipant;
  let agency: TestParticipant;
  const count = async (table: string) =>
    Number(
      (
        await hub.running.hub.store.read((db) =>
          db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`),
        )
      )[0]?.n,
    );

  before(async () => {
    hub = await startIntakeHub();
    cc = await addParticipant(hub.running, CONTACT_CENTER, 'contact-center', ['appeal', 'public-info']);
    agency = await addParticipant(hub.running, AGENCY, 'agency', ['appeal']);
    await hub.running.hub.registry.updateParticipant(
      CONTACT_CENTER,
      { adapter: 'contact-center-csv', adapterSettings: {} },
      'test:setup',
    );
    intake = new NativeIntake(hub.running.hub, builtinAdapterRegistry());
  });
  after(() => hub?.stop());

  it('stores a converted appeal with its job, signed by the hub, and answers with the hub receipt', async () => {
    const outcome = await intake.accept(csv(minimal()), { participantCode: CONTACT_CENTER, via: 'test' });
    assert.equal(outcome.outcome, 'accepted');
    assert.equal(outcome.sender, CONTACT_CENTER);
    assert.equal(outcome.recipient, AGENCY);
    const stored = await hub.running.hub.messages.findByMessageId(outcome.messageId);
    assert.ok(stored !== undefined);
    assert.match(stored.clientFingerprint, /^test:[0-9a-f]{64}$/);
    // The stored document is a valid signed envelope: the hub's signature over the converted appeal.
    const verifier = new EnvelopeVerifier({
      trustStore: hub.running.hub.trustStore,
      schema: envelopeSchema(),
    });
    await assert.rejects(verifier.verify(stored.receivedBytes), (error: unknown) => {
      // Signed by the hub, not by the contact center: the trust store refuses it as the sender's signature.
      return error instanceof VkhidError && error.code.startsWith('CERT_');
    });
    assert.match(stored.receivedBytes.toString('utf8'), /<ds:Signature/);
    assert.equal((await hub.running.hub.messages.deliveryJobs(outcome.messageId)).length, 1);
  });

  it('answers the same document again as a repeat and stores nothing new', async () => {
    const [messages, jobs] = [await count('messages'), await count('delivery_jobs')];
    const again = await intake.accept(csv(minimal()), { participantCode: CONTACT_CENTER, via: 'test' });
    assert.equal(again.outcome, 'repeated');
    assert.equal(await count('messages'), messages);
    assert.equal(await count('delivery_jobs'), jobs);
  });

  it('refuses other content under a used message id with INTAKE_DUPLICATE_ID', async () => {
    const first = await intake.accept(csv(minimal()), { participantCode: CONTACT_CENTER, via: 'test' });
    const stored = await hub.running.hub.messages.findByMessageId(first.messageId);
    assert.ok(stored);
    const changed = await refusal(() =>
      intake.acceptCanonical(
        {
          header: {
            messageId: first.messageId,
            type: 'status',
            createdAt: '2026-03-01T12:00:00Z',
            sender: CONTACT_CENTER,
            recipient: AGENCY,
            schemaVersion: '1.0',
          },
          body: { type: 'status', status: { at: '2026-03-01T12:00:00Z', outcome: { kind: 'answered' } } },
        },
        { participantCode: CONTACT_CENTER, via: 'test', nativeSha256: '0'.repeat(64) },
      ),
    );
    assert.equal(changed.code, 'INTAKE_DUPLICATE_ID');
  });

  it('refuses a document whose sender is not the participant it came from, storing nothing', async () => {
    const before = await count('messages');
    const error = await refusal(() =>
      intake.accept(csv(minimal({ row: (row) => (row[0] = 'UKC-2026-0301-00077') })), {
        participantCode: AGENCY,
        via: 'test',
      }),
    );
    // The agency's adapter is the canonical one: a CSV is not its format.
    assert.equal(error.code, 'ADAPTER_UNSUPPORTED');
    assert.equal(await count('messages'), before);
  });

  it('refuses an appeal to a participant without a memorandum, storing nothing', async () => {
    const before = await count('messages');
    const error = await refusal(() =>
      intake.accept(
        csv(
          minimal({
            row: (row) => {
              row[0] = 'UKC-2026-0301-00078';
              row[12] = '00032945';
            },
          }),
        ),
        { participantCode: CONTACT_CENTER, via: 'test' },
      ),
    );
    assert.match(error.code, /^PARTICIPANT_|^MEMORANDUM_/);
    assert.equal(await count('messages'), before);
  });

  it('takes the participant’s own format over HTTPS (its adapter’s media type) and answers 202 with the receipt', async () => {
    const body = minimal({ row: (row) => (row[0] = 'UKC-2026-0301-00090') });
    const reply = await post(hub, body, { client: tlsOf(cc), contentType: 'text/csv; charset=utf-8' });
    assert.equal(reply.status, 202, reply.body.toString());
    assert.match(reply.body.toString(), /<Accepted\/?>|<Accepted><\/Accepted>/);
    const again = await post(hub, body, { client: tlsOf(cc), contentType: 'text/csv; charset=utf-8' });
    assert.equal(again.status, 202);
    assert.deepEqual(again.body, reply.body, 'a repeat gets the same receipt');
  });

  it('refuses a format that is not the participant’s own with 415, storing nothing', async () => {
    const before = await count('messages');
    const body = minimal({ row: (row) => (row[0] = 'UKC-2026-0301-00091') });
    const reply = await post(hub, body, { client: tlsOf(agency), contentType: 'text/csv' });
    assert.equal(reply.status, 415);
    assert.equal(
      (JSON.parse(reply.body.toString()) as { code: string }).code,
      'INTAKE_UNSUPPORTED_MEDIA_TYPE',
    );
    const json = await post(hub, '{}', { client: tlsOf(cc), contentType: 'application/json' });
    assert.equal(json.status, 415, 'the contact center is on CSV, not JSON');
    assert.equal(await count('messages'), before);
  });

  it('takes the same native bytes again as a repeat even when the conversion reads the clock', async () => {
    const document = csv(minimal({ row: (row) => (row[0] = 'UKC-2026-0301-00092') }));
    // Later than now (the memoranda are in force from today), an hour apart.
    let clock = new Date(Date.now() + 60 * 60_000);
    const ticking = new NativeIntake(hub.running.hub, builtinAdapterRegistry(), () => clock);
    const first = await ticking.accept(document, { participantCode: CONTACT_CENTER, via: 'test' });
    clock = new Date(clock.getTime() + 60 * 60_000);
    const again = await ticking.accept(document, { participantCode: CONTACT_CENTER, via: 'test' });
    assert.equal(again.outcome, 'repeated');
    assert.equal(again.messageId, first.messageId);
  });
});
