/**
 * The registry service: participants, memoranda, exchange authorization and certificates. Every rule has an
 * accepting case and a refusing case with the exact error code (and field), and every refusal is checked to
 * leave the store exactly as it was (rows and audit trail), except for the one refusal row that
 * authorizeExchange records by design.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { ErrorCode } from '../../gateway/errors/error-catalogue.js';
import type {
  AuditEntry,
  CertificateRecord,
  Memorandum,
  Participant,
} from '../../gateway/registry/registry-model.js';
import type { ExchangeRequest } from '../../gateway/registry/registry.js';
import { createCa, issueCertificate, type TestIdentity } from '../support/test-pki.js';
import {
  activeParticipant,
  certificateRecord,
  DAY_MS,
  FOURTH,
  memorandumInput,
  openRegistry,
  participantInput,
  RECIPIENT,
  refusedWithoutChange,
  rejectsWith,
  rows,
  SENDER,
  snapshot,
  THIRD,
  type RegistryHarness,
} from './fixtures/registry-harness.js';

const ADMIN = 'admin:olena';

let h: RegistryHarness;

async function trail(entityId?: string): Promise<AuditEntry[]> {
  return h.registry.auditTrail(entityId === undefined ? {} : { entityId });
}

/** The document bytes a memoranda row holds, whichever portable form the schema uses (base64 text or a blob). */
function storedDocument(row: Record<string, unknown>): Buffer {
  if (typeof row.document_base64 === 'string') return Buffer.from(row.document_base64, 'base64');
  if (row.document instanceof Uint8Array) return Buffer.from(row.document);
  assert.fail(`the memoranda row holds no document: columns ${Object.keys(row).join(', ')}`);
}

function state(value: unknown): Record<string, unknown> {
  assert.ok(typeof value === 'object' && value !== null, `expected an object, got ${String(value)}`);
  return value as Record<string, unknown>;
}

describe('Registry', function () {
  this.timeout(60_000);

  beforeEach(async () => {
    h = await openRegistry('2026-03-01T10:00:00.000Z');
  });

  afterEach(async () => {
    await h.close();
  });

  // ---------------------------------------------------------------- participants
  describe('participants', () => {
    it('adds a valid participant as pending, with a status change row and a participant.add audit entry', async () => {
      const participant = await h.registry.addParticipant(participantInput(SENDER), ADMIN);
      const at = '2026-03-01T10:00:00.000Z';
      assert.deepEqual(participant, {
        code: SENDER,
        fullName: `Установа ${SENDER}`,
        shortName: `У-${SENDER}`,
        kind: 'agency',
        edmsId: `edms-${SENDER}`,
        edmsName: 'АСКОД',
        endpoints: [`https://edms-${SENDER}.example.gov.ua/vkhid`],
        adapter: 'canonical',
        adapterSettings: { batch: 10 },
        alertContact: `alerts-${SENDER}@example.gov.ua`,
        status: 'pending',
        statusReason: 'registered',
        statusChangedAt: at,
        createdAt: at,
      } satisfies Participant);
      assert.deepEqual(await h.registry.getParticipant(SENDER), participant);

      const changes = await rows(h.store, 'participant_status_changes');
      assert.equal(changes.length, 1);
      assert.deepEqual(
        { ...changes[0], id: undefined },
        {
          id: undefined,
          participant_code: SENDER,
          from_status: null,
          to_status: 'pending',
          reason: 'registered',
          changed_at: at,
          changed_by: ADMIN,
        },
      );

      const entries = await trail();
      assert.equal(entries.length, 1);
      const [entry] = entries;
      assert.equal(entry!.action, 'participant.add');
      assert.equal(entry!.actor, ADMIN);
      assert.equal(entry!.entity, 'participant');
      assert.equal(entry!.entityId, SENDER);
      assert.equal(entry!.at, at);
      assert.equal(entry!.before, null);
      assert.deepEqual(entry!.after, participant);
    });

    it('accepts both kinds, several https endpoints and a hyphenated adapter name; fills the defaults', async () => {
      const contactCenter = await h.registry.addParticipant(
        participantInput(SENDER, {
          kind: 'contact-center',
          endpoints: ['https://a.example.gov.ua/in', 'https://b.example.gov.ua:8443/in'],
          adapter: 'askod-2',
        }),
        ADMIN,
      );
      assert.equal(contactCenter.kind, 'contact-center');
      assert.equal(contactCenter.adapter, 'askod-2');
      const minimal = await h.registry.addParticipant(
        { code: RECIPIENT, fullName: '  Міністерство  ', kind: 'agency' },
        ADMIN,
      );
      assert.equal(minimal.fullName, 'Міністерство');
      assert.equal(minimal.shortName, 'Міністерство');
      assert.equal(minimal.adapter, 'canonical');
      assert.deepEqual(minimal.endpoints, []);
      assert.deepEqual(minimal.adapterSettings, {});
      assert.equal(minimal.edmsId, null);
      assert.equal(minimal.alertContact, null);
      assert.deepEqual(
        (await h.registry.listParticipants()).map((p) => p.code),
        [SENDER, RECIPIENT],
      );
    });

    it('refuses an invalid ЄДРПОУ code with PARTICIPANT_CODE_INVALID (field code) and changes nothing', async () => {
      await h.registry.addParticipant(participantInput(THIRD), ADMIN);
      for (const code of [
        '00015623' /* bad check digit */,
        '0001562' /* 7 digits */,
        '000156220',
        '0001562a',
        '',
      ]) {
        await refusedWithoutChange(
          h,
          () => h.registry.addParticipant(participantInput(code), ADMIN),
          'PARTICIPANT_CODE_INVALID',
          'code',
        );
      }
    });

    it('refuses a duplicate with PARTICIPANT_EXISTS and keeps the first record', async () => {
      const first = await h.registry.addParticipant(participantInput(SENDER), ADMIN);
      h.clock.advance(60_000);
      await refusedWithoutChange(
        h,
        () => h.registry.addParticipant(participantInput(SENDER, { fullName: 'Інша назва' }), 'admin:taras'),
        'PARTICIPANT_EXISTS',
      );
      assert.deepEqual(await h.registry.getParticipant(SENDER), first);
    });

    const invalidParticipants: { why: string; overrides: Record<string, unknown>; field: string }[] = [
      { why: 'an unknown kind', overrides: { kind: 'ministry' }, field: 'kind' },
      { why: 'an empty full name', overrides: { fullName: '' }, field: 'fullName' },
      { why: 'a blank full name', overrides: { fullName: '   ' }, field: 'fullName' },
      { why: 'a full name over 500 characters', overrides: { fullName: 'я'.repeat(501) }, field: 'fullName' },
      { why: 'a blank short name', overrides: { shortName: '  ' }, field: 'shortName' },
      {
        why: 'an http endpoint',
        overrides: { endpoints: ['http://edms.example.gov.ua/in'] },
        field: 'endpoints[0]',
      },
      {
        why: 'a non-https second endpoint',
        overrides: { endpoints: ['https://ok.example.gov.ua/', 'ftp://edms.example.gov.ua/'] },
        field: 'endpoints[1]',
      },
      {
        why: 'an endpoint that is not a URL',
        overrides: { endpoints: ['edms.example.gov.ua'] },
        field: 'endpoints[0]',
      },
      { why: 'an upper-case adapter name', overrides: { adapter: 'Canonical' }, field: 'adapter' },
      { why: 'an adapter name starting with a digit', overrides: { adapter: '1c-edms' }, field: 'adapter' },
      { why: 'an adapter name with a path', overrides: { adapter: '../canonical' }, field: 'adapter' },
      {
        why: 'adapter settings that are an array',
        overrides: { adapterSettings: [] },
        field: 'adapterSettings',
      },
    ];
    for (const { why, overrides, field } of invalidParticipants) {
      it(`refuses ${why} with PARTICIPANT_INVALID (field ${field}) and changes nothing`, async () => {
        await h.registry.addParticipant(participantInput(THIRD), ADMIN);
        await refusedWithoutChange(
          h,
          () => h.registry.addParticipant(participantInput(SENDER, overrides), ADMIN),
          'PARTICIPANT_INVALID',
          field,
        );
      });
    }

    it('walks pending → active → suspended → active → withdrawn, auditing each step with before, after and actor', async () => {
      const added = await h.registry.addParticipant(participantInput(SENDER), ADMIN);
      const steps = [
        {
          to: 'active',
          reason: 'memorandum М-1 signed',
          actor: 'admin:olena',
          action: 'participant.activate',
        },
        {
          to: 'suspended',
          reason: 'certificate compromised',
          actor: 'operator:ivan',
          action: 'participant.suspend',
        },
        {
          to: 'active',
          reason: 'new certificate registered',
          actor: 'admin:taras',
          action: 'participant.activate',
        },
        { to: 'withdrawn', reason: 'reorganised', actor: 'admin:olena', action: 'participant.withdraw' },
      ] as const;
      let previous: Participant = added;
      for (const step of steps) {
        const at = h.clock.advance(3_600_000).toISOString();
        const before = await snapshot(h.store);
        const after = await h.registry.setParticipantStatus(SENDER, step.to, step.reason, step.actor);
        assert.deepEqual(after, {
          ...previous,
          status: step.to,
          statusReason: step.reason,
          statusChangedAt: at,
        });
        assert.deepEqual(await h.registry.getParticipant(SENDER), after);

        const now = await snapshot(h.store);
        assert.equal(now.audit_log.length, before.audit_log.length + 1);
        const entries = await trail(SENDER);
        const entry = entries.at(-1)!;
        assert.equal(entry.action, step.action);
        assert.equal(entry.actor, step.actor);
        assert.equal(entry.at, at);
        assert.deepEqual(entry.before, previous);
        assert.deepEqual(entry.after, after);

        assert.equal(now.participant_status_changes.length, before.participant_status_changes.length + 1);
        const change = now.participant_status_changes.find((row) => row.changed_at === at);
        assert.deepEqual(
          {
            from: change?.from_status,
            to: change?.to_status,
            reason: change?.reason,
            by: change?.changed_by,
          },
          { from: previous.status, to: step.to, reason: step.reason, by: step.actor },
        );
        previous = after;
      }
      assert.deepEqual(
        (await trail(SENDER)).map((entry) => entry.action),
        [
          'participant.add',
          'participant.activate',
          'participant.suspend',
          'participant.activate',
          'participant.withdraw',
        ],
      );
    });

    it('allows withdrawing a participant that never became active', async () => {
      await h.registry.addParticipant(participantInput(SENDER), ADMIN);
      const withdrawn = await h.registry.setParticipantStatus(
        SENDER,
        'withdrawn',
        'application withdrawn',
        ADMIN,
      );
      assert.equal(withdrawn.status, 'withdrawn');
    });

    it('refuses withdrawn → active, pending → suspended and a no-op transition with PARTICIPANT_STATUS_TRANSITION', async () => {
      await h.registry.addParticipant(participantInput(SENDER), ADMIN);
      await h.registry.addParticipant(participantInput(RECIPIENT), ADMIN);
      await h.registry.setParticipantStatus(RECIPIENT, 'withdrawn', 'reorganised', ADMIN);
      await refusedWithoutChange(
        h,
        () => h.registry.setParticipantStatus(SENDER, 'suspended', 'audit', ADMIN),
        'PARTICIPANT_STATUS_TRANSITION',
      );
      await refusedWithoutChange(
        h,
        () => h.registry.setParticipantStatus(RECIPIENT, 'active', 'came back', ADMIN),
        'PARTICIPANT_STATUS_TRANSITION',
      );
      await refusedWithoutChange(
        h,
        () => h.registry.setParticipantStatus(SENDER, 'pending', 'again', ADMIN),
        'PARTICIPANT_STATUS_TRANSITION',
      );
      await h.registry.setParticipantStatus(SENDER, 'active', 'memorandum signed', ADMIN);
      await refusedWithoutChange(
        h,
        () => h.registry.setParticipantStatus(SENDER, 'active', 'again', ADMIN),
        'PARTICIPANT_STATUS_TRANSITION',
      );
    });

    it('refuses a status change without a reason with PARTICIPANT_INVALID (field reason)', async () => {
      await h.registry.addParticipant(participantInput(SENDER), ADMIN);
      for (const reason of ['', '   ']) {
        await refusedWithoutChange(
          h,
          () => h.registry.setParticipantStatus(SENDER, 'active', reason, ADMIN),
          'PARTICIPANT_INVALID',
          'reason',
        );
      }
      assert.equal((await h.registry.setParticipantStatus(SENDER, 'active', 'ok', ADMIN)).status, 'active');
    });

    it('answers PARTICIPANT_NOT_FOUND for an unknown code', async () => {
      await h.registry.addParticipant(participantInput(SENDER), ADMIN);
      await refusedWithoutChange(
        h,
        () => h.registry.setParticipantStatus(RECIPIENT, 'active', 'ok', ADMIN),
        'PARTICIPANT_NOT_FOUND',
      );
      await refusedWithoutChange(
        h,
        () => h.registry.updateParticipant(RECIPIENT, { fullName: 'X' }, ADMIN),
        'PARTICIPANT_NOT_FOUND',
      );
      await rejectsWith(h.registry.getParticipant(RECIPIENT), 'PARTICIPANT_NOT_FOUND');
    });

    it('updates a participant and audits participant.update with before and after; status is untouched', async () => {
      await h.registry.addParticipant(participantInput(SENDER), ADMIN);
      const active = await h.registry.setParticipantStatus(SENDER, 'active', 'signed', ADMIN);
      const at = h.clock.advance(60_000).toISOString();
      const updated = await h.registry.updateParticipant(
        SENDER,
        {
          fullName: 'Нова назва',
          endpoints: ['https://new.example.gov.ua/vkhid'],
          adapterSettings: { batch: 20 },
        },
        'admin:taras',
      );
      assert.deepEqual(updated, {
        ...active,
        fullName: 'Нова назва',
        endpoints: ['https://new.example.gov.ua/vkhid'],
        adapterSettings: { batch: 20 },
      });
      assert.deepEqual(await h.registry.getParticipant(SENDER), updated);
      const entry = (await trail(SENDER)).at(-1)!;
      assert.equal(entry.action, 'participant.update');
      assert.equal(entry.actor, 'admin:taras');
      assert.equal(entry.at, at);
      assert.deepEqual(entry.before, active);
      assert.deepEqual(entry.after, updated);
      // An update is not a status change.
      assert.equal((await rows(h.store, 'participant_status_changes')).length, 2);
    });

    it('refuses an invalid update with PARTICIPANT_INVALID (field) and changes nothing', async () => {
      await h.registry.addParticipant(participantInput(SENDER), ADMIN);
      await refusedWithoutChange(
        h,
        () => h.registry.updateParticipant(SENDER, { endpoints: ['http://plain.example.gov.ua/'] }, ADMIN),
        'PARTICIPANT_INVALID',
        'endpoints[0]',
      );
      await refusedWithoutChange(
        h,
        () => h.registry.updateParticipant(SENDER, { fullName: ' ' }, ADMIN),
        'PARTICIPANT_INVALID',
        'fullName',
      );
      await refusedWithoutChange(
        h,
        () => h.registry.updateParticipant(SENDER, { adapter: 'Bad_Name' }, ADMIN),
        'PARTICIPANT_INVALID',
        'adapter',
      );
    });

    it('keeps the fields an update leaves undefined (a present-but-undefined property is not a change)', async () => {
      const added = await h.registry.addParticipant(participantInput(SENDER), ADMIN);
      // What an admin API does when it maps optional JSON fields: absent ones arrive as undefined.
      const updated = await h.registry.updateParticipant(
        SENDER,
        {
          fullName: 'Нова назва',
          endpoints: undefined,
          adapter: undefined,
          adapterSettings: undefined,
          edmsId: undefined,
          alertContact: undefined,
        },
        ADMIN,
      );
      assert.deepEqual(updated, { ...added, fullName: 'Нова назва' });
    });

    it('lists participants by status', async () => {
      await activeParticipant(h, SENDER);
      await h.registry.addParticipant(participantInput(RECIPIENT), ADMIN);
      assert.deepEqual(
        (await h.registry.listParticipants({ status: 'active' })).map((p) => p.code),
        [SENDER],
      );
      assert.deepEqual(
        (await h.registry.listParticipants({ status: 'pending' })).map((p) => p.code),
        [RECIPIENT],
      );
      assert.deepEqual(await h.registry.listParticipants({ status: 'withdrawn' }), []);
    });
  });

  // ---------------------------------------------------------------- memoranda
  describe('memoranda', () => {
    beforeEach(async () => {
      await h.registry.addParticipant(participantInput(SENDER), ADMIN);
      await h.registry.addParticipant(participantInput(RECIPIENT), ADMIN);
    });

    it('adds a valid memorandum as active, storing the document and its SHA-256', async () => {
      const backing = new TextEncoder().encode('xx%PDF-1.7 меморандум про взаємодію%%EOF yy');
      const bytes = backing.subarray(2, backing.length - 3);
      const before = await snapshot(h.store);
      const memorandum = await h.registry.addMemorandum(
        memorandumInput(SENDER, {
          scopeChannels: ['hotline', 'web'],
          document: { name: 'memorandum.pdf', bytes },
        }),
        ADMIN,
      );
      const at = '2026-03-01T10:00:00.000Z';
      assert.deepEqual({ ...memorandum, id: 'x' }, {
        id: 'x',
        participantCode: SENDER,
        number: `М-${SENDER}-1`,
        signedOn: '2026-01-10',
        effectiveFrom: '2026-01-15',
        effectiveUntil: '2026-12-31',
        scopeKinds: ['appeal', 'public-info'],
        scopeChannels: ['hotline', 'web'],
        documentName: 'memorandum.pdf',
        documentSha256: createHash('sha256').update(bytes).digest('hex'),
        status: 'active',
        statusReason: 'registered',
        statusChangedAt: at,
        createdAt: at,
      } satisfies Memorandum);
      assert.deepEqual(await h.registry.listMemoranda({ participantCode: SENDER }), [memorandum]);

      const after = await snapshot(h.store);
      assert.equal(after.memoranda.length, before.memoranda.length + 1);
      const stored = after.memoranda.find((row) => row.id === memorandum.id)!;
      const document = storedDocument(stored);
      assert.deepEqual(document, Buffer.from(bytes), 'the document bytes are stored exactly');
      assert.equal(stored.document_sha256, createHash('sha256').update(document).digest('hex'));

      const entry = (await trail(memorandum.id)).at(-1)!;
      assert.equal(entry.action, 'memorandum.add');
      assert.equal(entry.actor, ADMIN);
      assert.equal(entry.entity, 'memorandum');
      assert.equal(entry.before, null);
      assert.deepEqual(entry.after, memorandum);
    });

    it('adds a draft, an open-ended memorandum and a one-day memorandum signed on its first day', async () => {
      const draft = await h.registry.addMemorandum(memorandumInput(SENDER, { draft: true }), ADMIN);
      assert.equal(draft.status, 'draft');
      assert.equal(draft.documentSha256, null);
      const open = await h.registry.addMemorandum(
        memorandumInput(RECIPIENT, { effectiveUntil: null }),
        ADMIN,
      );
      assert.equal(open.effectiveUntil, null);
      const oneDay = await h.registry.addMemorandum(
        memorandumInput(RECIPIENT, {
          number: 'М-2',
          signedOn: '2028-02-29',
          effectiveFrom: '2028-02-29',
          effectiveUntil: '2028-02-29',
          scopeKinds: ['sensitive'],
        }),
        ADMIN,
      );
      assert.equal(oneDay.effectiveUntil, '2028-02-29');
    });

    it('refuses dates out of order with MEMORANDUM_DATES (until before from; signed after from) and changes nothing', async () => {
      await refusedWithoutChange(
        h,
        () =>
          h.registry.addMemorandum(
            memorandumInput(SENDER, { effectiveFrom: '2026-06-01', effectiveUntil: '2026-05-31' }),
            ADMIN,
          ),
        'MEMORANDUM_DATES',
        'effectiveUntil',
      );
      await refusedWithoutChange(
        h,
        () =>
          h.registry.addMemorandum(
            memorandumInput(SENDER, { signedOn: '2026-01-16', effectiveFrom: '2026-01-15' }),
            ADMIN,
          ),
        'MEMORANDUM_DATES',
        'signedOn',
      );
    });

    const malformed: { why: string; overrides: Record<string, unknown>; field: string }[] = [
      {
        why: 'an impossible effectiveFrom (2026-02-30)',
        overrides: { signedOn: '2026-01-01', effectiveFrom: '2026-02-30' },
        field: 'effectiveFrom',
      },
      {
        why: 'an impossible effectiveUntil (2026-02-30)',
        overrides: { effectiveUntil: '2026-02-30' },
        field: 'effectiveUntil',
      },
      { why: 'a signedOn in month 13', overrides: { signedOn: '2025-13-01' }, field: 'signedOn' },
      {
        why: 'a date without leading zeros',
        overrides: { effectiveFrom: '2026-3-1' },
        field: 'effectiveFrom',
      },
      {
        why: 'a timestamp instead of a date',
        overrides: { effectiveUntil: '2026-12-31T00:00:00Z' },
        field: 'effectiveUntil',
      },
      { why: 'an empty number', overrides: { number: '  ' }, field: 'number' },
      { why: 'an empty scope', overrides: { scopeKinds: [] }, field: 'scopeKinds' },
      { why: 'an unknown scope kind', overrides: { scopeKinds: ['appeal', 'secret'] }, field: 'scopeKinds' },
      { why: 'an unknown channel', overrides: { scopeChannels: ['fax'] }, field: 'scopeChannels' },
    ];
    for (const { why, overrides, field } of malformed) {
      it(`refuses ${why} with MEMORANDUM_INVALID (field ${field}) and changes nothing`, async () => {
        await refusedWithoutChange(
          h,
          () => h.registry.addMemorandum(memorandumInput(SENDER, overrides), ADMIN),
          'MEMORANDUM_INVALID',
          field,
        );
      });
    }

    it('refuses an overlapping period with a shared scope kind with MEMORANDUM_OVERLAP and changes nothing', async () => {
      await h.registry.addMemorandum(memorandumInput(SENDER), ADMIN); // 2026-01-15 … 2026-12-31, appeal + public-info
      await refusedWithoutChange(
        h,
        () =>
          h.registry.addMemorandum(
            memorandumInput(SENDER, {
              number: 'М-2',
              effectiveFrom: '2026-06-01',
              effectiveUntil: '2027-05-31',
              scopeKinds: ['appeal'],
            }),
            ADMIN,
          ),
        'MEMORANDUM_OVERLAP',
      );
      // Sharing only the last day is an overlap; so is an open end.
      await refusedWithoutChange(
        h,
        () =>
          h.registry.addMemorandum(
            memorandumInput(SENDER, {
              number: 'М-3',
              signedOn: '2026-12-01',
              effectiveFrom: '2026-12-31',
              effectiveUntil: null,
              scopeKinds: ['public-info'],
            }),
            ADMIN,
          ),
        'MEMORANDUM_OVERLAP',
      );
      // A draft still claims its period.
      await h.registry.addMemorandum(
        memorandumInput(RECIPIENT, { draft: true, scopeKinds: ['sensitive'] }),
        ADMIN,
      );
      await refusedWithoutChange(
        h,
        () =>
          h.registry.addMemorandum(
            memorandumInput(RECIPIENT, {
              number: 'М-4',
              effectiveFrom: '2026-02-01',
              scopeKinds: ['sensitive'],
            }),
            ADMIN,
          ),
        'MEMORANDUM_OVERLAP',
      );
    });

    it('accepts a following period, disjoint scope kinds and the same period for another participant', async () => {
      await h.registry.addMemorandum(memorandumInput(SENDER), ADMIN);
      const next = await h.registry.addMemorandum(
        memorandumInput(SENDER, {
          number: 'М-2',
          signedOn: '2026-12-01',
          effectiveFrom: '2027-01-01',
          effectiveUntil: null,
          scopeKinds: ['appeal'],
        }),
        ADMIN,
      );
      assert.equal(next.status, 'active');
      const disjoint = await h.registry.addMemorandum(
        memorandumInput(SENDER, { number: 'М-3', effectiveFrom: '2026-06-01', scopeKinds: ['sensitive'] }),
        ADMIN,
      );
      assert.equal(disjoint.status, 'active');
      const other = await h.registry.addMemorandum(memorandumInput(RECIPIENT), ADMIN);
      assert.equal(other.status, 'active');
      assert.equal((await h.registry.listMemoranda()).length, 4);
    });

    it('frees the period of a terminated memorandum for a new one', async () => {
      const first = await h.registry.addMemorandum(memorandumInput(SENDER), ADMIN);
      await h.registry.setMemorandumStatus(first.id, 'terminated', 'replaced', ADMIN);
      const second = await h.registry.addMemorandum(memorandumInput(SENDER, { number: 'М-2' }), ADMIN);
      assert.equal(second.status, 'active');
    });

    it('refuses a number already registered for the participant with MEMORANDUM_INVALID (field number)', async () => {
      await h.registry.addMemorandum(memorandumInput(SENDER), ADMIN);
      await refusedWithoutChange(
        h,
        () =>
          h.registry.addMemorandum(
            memorandumInput(SENDER, {
              signedOn: '2026-12-01',
              effectiveFrom: '2027-01-01',
              effectiveUntil: null,
            }),
            ADMIN,
          ),
        'MEMORANDUM_INVALID',
        'number',
      );
    });

    it('refuses a memorandum of an unknown participant with PARTICIPANT_NOT_FOUND', async () => {
      await refusedWithoutChange(
        h,
        () => h.registry.addMemorandum(memorandumInput(THIRD), ADMIN),
        'PARTICIPANT_NOT_FOUND',
      );
    });

    it('walks active → suspended → active → terminated, auditing each step; terminated → active is refused', async () => {
      const added = await h.registry.addMemorandum(memorandumInput(SENDER), ADMIN);
      const steps = [
        { to: 'suspended', reason: 'inspection', actor: 'operator:ivan', reference: added.number },
        { to: 'active', reason: 'inspection passed', actor: 'admin:olena', reference: added.id },
        {
          to: 'terminated',
          reason: 'terminated by the parties',
          actor: 'admin:taras',
          reference: added.number,
        },
      ] as const;
      let previous: Memorandum = added;
      for (const step of steps) {
        const at = h.clock.advance(3_600_000).toISOString();
        const after = await h.registry.setMemorandumStatus(step.reference, step.to, step.reason, step.actor);
        assert.deepEqual(after, {
          ...previous,
          status: step.to,
          statusReason: step.reason,
          statusChangedAt: at,
        });
        const entry = (await trail(added.id)).at(-1)!;
        assert.equal(entry.action, `memorandum.${step.to}`);
        assert.equal(entry.actor, step.actor);
        assert.equal(entry.at, at);
        assert.deepEqual(entry.before, previous);
        assert.deepEqual(entry.after, after);
        previous = after;
      }
      assert.deepEqual(await h.registry.listMemoranda({ participantCode: SENDER }), [previous]);
      await refusedWithoutChange(
        h,
        () => h.registry.setMemorandumStatus(added.id, 'active', 'renewed', ADMIN),
        'MEMORANDUM_STATUS_TRANSITION',
      );
    });

    it('refuses a memorandum status change without a reason or for an unknown memorandum', async () => {
      const added = await h.registry.addMemorandum(memorandumInput(SENDER), ADMIN);
      await refusedWithoutChange(
        h,
        () => h.registry.setMemorandumStatus(added.id, 'suspended', ' ', ADMIN),
        'MEMORANDUM_INVALID',
        'reason',
      );
      await refusedWithoutChange(
        h,
        () => h.registry.setMemorandumStatus('М-404', 'suspended', 'x', ADMIN),
        'MEMORANDUM_NOT_FOUND',
      );
      await refusedWithoutChange(
        h,
        () => h.registry.setMemorandumStatus(added.id, 'draft', 'back to draft', ADMIN),
        'MEMORANDUM_STATUS_TRANSITION',
      );
    });

    describe('expiry at midnight in Kyiv', () => {
      it('does not expire a memorandum on its last day (23:30 Kyiv) and changes nothing', async () => {
        await h.registry.addMemorandum(memorandumInput(SENDER, { effectiveUntil: '2026-03-01' }), ADMIN);
        h.clock.set('2026-03-01T21:30:00Z'); // 23:30 in Kyiv (UTC+2), still 1 March
        const before = await snapshot(h.store);
        assert.deepEqual(await h.registry.expireMemoranda(), []);
        assert.deepEqual(await snapshot(h.store), before);
      });

      it('expires it at 00:30 Kyiv the next day, audited as system:memorandum-expiry; later ones stay', async () => {
        const ending = await h.registry.addMemorandum(
          memorandumInput(SENDER, { effectiveUntil: '2026-03-01' }),
          ADMIN,
        );
        const tomorrow = await h.registry.addMemorandum(
          memorandumInput(RECIPIENT, { effectiveUntil: '2026-03-02' }),
          ADMIN,
        );
        const open = await h.registry.addMemorandum(
          memorandumInput(RECIPIENT, {
            number: 'М-open',
            signedOn: '2026-02-01',
            effectiveFrom: '2026-03-03',
            effectiveUntil: null,
          }),
          ADMIN,
        );
        h.clock.set('2026-03-01T22:30:00Z'); // 00:30 in Kyiv on 2 March
        const expired = await h.registry.expireMemoranda();
        const at = '2026-03-01T22:30:00.000Z';
        assert.deepEqual(expired, [
          { ...ending, status: 'expired', statusReason: 'effective until 2026-03-01', statusChangedAt: at },
        ]);
        const entry = (await trail(ending.id)).at(-1)!;
        assert.equal(entry.action, 'memorandum.expired');
        assert.equal(entry.actor, 'system:memorandum-expiry');
        assert.equal(entry.at, at);
        assert.deepEqual(entry.before, ending);
        assert.deepEqual(entry.after, expired[0]);
        const byId = new Map((await h.registry.listMemoranda()).map((m) => [m.id, m.status]));
        assert.equal(byId.get(tomorrow.id), 'active');
        assert.equal(byId.get(open.id), 'active');
        // Running again changes nothing.
        const before = await snapshot(h.store);
        assert.deepEqual(await h.registry.expireMemoranda(), []);
        assert.deepEqual(await snapshot(h.store), before);
      });

      it('expires suspended memoranda too, and leaves terminated and draft ones alone', async () => {
        const suspended = await h.registry.addMemorandum(
          memorandumInput(SENDER, { effectiveUntil: '2026-02-28', scopeKinds: ['appeal'] }),
          ADMIN,
        );
        await h.registry.setMemorandumStatus(suspended.id, 'suspended', 'inspection', ADMIN);
        const terminated = await h.registry.addMemorandum(
          memorandumInput(SENDER, {
            number: 'М-t',
            effectiveUntil: '2026-02-28',
            scopeKinds: ['public-info'],
          }),
          ADMIN,
        );
        await h.registry.setMemorandumStatus(terminated.id, 'terminated', 'ended', ADMIN);
        const draft = await h.registry.addMemorandum(
          memorandumInput(RECIPIENT, { draft: true, effectiveUntil: '2026-02-28' }),
          ADMIN,
        );
        const expired = await h.registry.expireMemoranda();
        assert.deepEqual(
          expired.map((m) => m.id),
          [suspended.id],
        );
        const byId = new Map((await h.registry.listMemoranda()).map((m) => [m.id, m.status]));
        assert.equal(byId.get(terminated.id), 'terminated');
        assert.equal(byId.get(draft.id), 'draft');
      });
    });
  });

  // ---------------------------------------------------------------- authorizeExchange
  describe('authorizeExchange', () => {
    beforeEach(async () => {
      await activeParticipant(h, SENDER);
      await activeParticipant(h, RECIPIENT);
      await h.registry.addMemorandum(
        memorandumInput(SENDER, { scopeKinds: ['appeal', 'public-info', 'sensitive'] }),
        ADMIN,
      );
      await h.registry.addMemorandum(
        memorandumInput(RECIPIENT, { scopeKinds: ['appeal', 'public-info'] }),
        ADMIN,
      );
    });

    const request = (overrides: Partial<ExchangeRequest> = {}): ExchangeRequest => ({
      sender: SENDER,
      recipient: RECIPIENT,
      scope: 'appeal',
      channel: 'hotline',
      at: new Date('2026-03-01T10:00:00Z'),
      messageId: '27d451f0-82ac-4626-abdc-95b530dd0604',
      messageType: 'appeal',
      ...overrides,
    });

    async function accepted(overrides: Partial<ExchangeRequest> = {}): Promise<void> {
      const before = await snapshot(h.store);
      await h.registry.authorizeExchange(request(overrides));
      assert.deepEqual(await snapshot(h.store), before, 'an accepted exchange changed the store');
    }

    /** Refused with `code`: exactly one refusal row more, naming the code; nothing else changed. */
    async function refused(overrides: Partial<ExchangeRequest>, code: ErrorCode): Promise<void> {
      const before = await snapshot(h.store);
      const refusalsBefore = await h.registry.listRefusals(1000);
      await rejectsWith(h.registry.authorizeExchange(request(overrides)), code);
      const after = await snapshot(h.store);
      assert.deepEqual(
        { ...after, refusals: [] },
        { ...before, refusals: [] },
        `a refusal (${code}) changed more than the refusals`,
      );
      const refusals = await h.registry.listRefusals(1000);
      assert.equal(refusals.length, refusalsBefore.length + 1, 'exactly one refusal row is added');
      const known = new Set(refusalsBefore.map((row) => row.id));
      const added = refusals.find((row) => !known.has(row.id))!;
      const expected = request(overrides);
      assert.equal(added.code, code);
      assert.equal(added.sender, expected.sender);
      assert.equal(added.recipient, expected.recipient);
      assert.equal(added.message_id, expected.messageId);
      assert.equal(added.message_type, expected.messageType);
      assert.equal(added.at, h.clock.now.toISOString());
      assert.ok(typeof added.detail === 'string' && added.detail.length > 0);
    }

    it('accepts an exchange between active participants with memoranda in force covering the scope', async () => {
      await accepted();
      await accepted({ scope: 'public-info', channel: 'web' });
      await accepted({ scope: null, channel: null });
      assert.deepEqual(await h.registry.listRefusals(), []);
    });

    it('refuses a suspended sender (and a pending recipient) with PARTICIPANT_NOT_ACTIVE', async () => {
      await h.registry.setParticipantStatus(SENDER, 'suspended', 'certificate compromised', ADMIN);
      await refused({}, 'PARTICIPANT_NOT_ACTIVE');
      await h.registry.setParticipantStatus(SENDER, 'active', 'restored', ADMIN);
      await accepted();
      await h.registry.addParticipant(participantInput(THIRD), ADMIN);
      await h.registry.addMemorandum(memorandumInput(THIRD), ADMIN);
      await refused({ recipient: THIRD }, 'PARTICIPANT_NOT_ACTIVE');
    });

    it('refuses a recipient without a memorandum covering sensitive reports with MEMORANDUM_NOT_IN_FORCE', async () => {
      await refused({ scope: 'sensitive' }, 'MEMORANDUM_NOT_IN_FORCE');
      await refused({ sender: RECIPIENT, recipient: SENDER, scope: 'sensitive' }, 'MEMORANDUM_NOT_IN_FORCE');
      await h.registry.addMemorandum(
        memorandumInput(RECIPIENT, { number: 'М-s', scopeKinds: ['sensitive'] }),
        ADMIN,
      );
      await accepted({ scope: 'sensitive' });
    });

    it('refuses a memorandum that is not yet in force on that Kyiv day, and accepts from its first day', async () => {
      await activeParticipant(h, THIRD);
      await h.registry.addMemorandum(
        memorandumInput(THIRD, {
          signedOn: '2026-02-20',
          effectiveFrom: '2026-03-02',
          effectiveUntil: '2026-03-31',
        }),
        ADMIN,
      );
      await refused({ recipient: THIRD, at: new Date('2026-03-01T21:30:00Z') }, 'MEMORANDUM_NOT_IN_FORCE'); // 23:30 on 1 March in Kyiv
      await accepted({ recipient: THIRD, at: new Date('2026-03-01T22:30:00Z') }); // 00:30 on 2 March in Kyiv
    });

    it('accepts a memorandum on its last Kyiv day and refuses it from the next', async () => {
      await activeParticipant(h, FOURTH);
      await h.registry.addMemorandum(memorandumInput(FOURTH, { effectiveUntil: '2026-03-01' }), ADMIN);
      await accepted({ recipient: FOURTH, at: new Date('2026-03-01T21:30:00Z') });
      await refused({ recipient: FOURTH, at: new Date('2026-03-01T22:30:00Z') }, 'MEMORANDUM_NOT_IN_FORCE');
    });

    it('refuses a channel the memorandum does not name (web only, hotline asked)', async () => {
      await activeParticipant(h, THIRD);
      await h.registry.addMemorandum(memorandumInput(THIRD, { scopeChannels: ['web'] }), ADMIN);
      await accepted({ recipient: THIRD, channel: 'web' });
      await refused({ recipient: THIRD, channel: 'hotline' }, 'MEMORANDUM_NOT_IN_FORCE');
    });

    it('refuses when the only covering memorandum is suspended, and accepts once it is active again', async () => {
      const [memorandum] = await h.registry.listMemoranda({ participantCode: RECIPIENT });
      await h.registry.setMemorandumStatus(memorandum!.id, 'suspended', 'inspection', ADMIN);
      await refused({}, 'MEMORANDUM_NOT_IN_FORCE');
      await h.registry.setMemorandumStatus(memorandum!.id, 'active', 'inspection passed', ADMIN);
      await accepted();
    });

    it('refuses an unknown participant with PARTICIPANT_NOT_FOUND', async () => {
      await refused({ recipient: THIRD }, 'PARTICIPANT_NOT_FOUND');
    });
  });

  // ---------------------------------------------------------------- certificates
  describe('certificates', () => {
    let ca: TestIdentity;
    let senderSign: TestIdentity;
    let senderSign2: TestIdentity;
    let senderSign3: TestIdentity;
    let senderTls: TestIdentity;
    let recipientSign: TestIdentity;
    let soon: TestIdentity;
    let later: TestIdentity;
    let soonRevoked: TestIdentity;
    const t0 = new Date();

    before(async () => {
      ca = await createCa('Registry Test CA', 'ec');
      const issue = (name: string): Promise<TestIdentity> => issueCertificate(ca, name, { kind: 'ec' });
      [senderSign, senderSign2, senderSign3, senderTls, recipientSign] = await Promise.all([
        issue('sender sign'),
        issue('sender sign 2'),
        issue('sender sign 3'),
        issue('sender tls'),
        issue('recipient sign'),
      ]);
      soon = await issueCertificate(ca, 'expires in 10 days', {
        kind: 'ec',
        notAfter: new Date(t0.getTime() + 10 * DAY_MS),
      });
      later = await issueCertificate(ca, 'expires in 60 days', {
        kind: 'ec',
        notAfter: new Date(t0.getTime() + 60 * DAY_MS),
      });
      soonRevoked = await issueCertificate(ca, 'expires in 20 days, revoked', {
        kind: 'ec',
        notAfter: new Date(t0.getTime() + 20 * DAY_MS),
      });
    });

    beforeEach(async () => {
      h.clock.set(t0);
      await activeParticipant(h, SENDER);
      await activeParticipant(h, RECIPIENT);
    });

    const record = (
      identity: TestIdentity,
      participantCode: string | null,
      role?: CertificateRecord['role'],
    ): CertificateRecord =>
      certificateRecord(identity, participantCode, {
        createdAt: h.clock.now.toISOString(),
        ...(role === undefined ? {} : { role }),
      });

    const withoutPem = ({ pem: _pem, ...rest }: CertificateRecord): Omit<CertificateRecord, 'pem'> => rest;

    it('records a certificate and audits certificate.add without the PEM', async () => {
      const added = await h.registry.addCertificate(record(senderSign, SENDER), ADMIN);
      assert.deepEqual(added, record(senderSign, SENDER));
      assert.deepEqual(await h.registry.getCertificate(senderSign.certificate.serialNumber), added);
      assert.deepEqual(
        await h.registry.findCertificateByFingerprint(senderSign.certificate.fingerprint256),
        added,
      );
      const anchor = await h.registry.addCertificate(record(ca, null), ADMIN);
      assert.deepEqual(await h.registry.anchorCertificates(), [anchor]);

      const entries = await trail(senderSign.certificate.serialNumber);
      assert.equal(entries.length, 1);
      assert.equal(entries[0]!.action, 'certificate.add');
      assert.equal(entries[0]!.entity, 'certificate');
      assert.equal(entries[0]!.actor, ADMIN);
      assert.equal(entries[0]!.before, null);
      assert.deepEqual(entries[0]!.after, withoutPem(added));
      for (const row of await rows(h.store, 'audit_log')) {
        assert.ok(!String(row.after_state).includes('CERTIFICATE'), 'no PEM in the audit trail');
      }
    });

    it('refuses a certificate registered twice with CERT_EXISTS (even for another participant)', async () => {
      await h.registry.addCertificate(record(senderSign, SENDER), ADMIN);
      await refusedWithoutChange(
        h,
        () => h.registry.addCertificate(record(senderSign, SENDER), ADMIN),
        'CERT_EXISTS',
      );
      await refusedWithoutChange(
        h,
        () => h.registry.addCertificate(record(senderSign, RECIPIENT), ADMIN),
        'CERT_EXISTS',
      );
      await refusedWithoutChange(
        h,
        () => h.registry.addCertificate(record(senderSign, SENDER), ADMIN, { overlapDays: 7 }),
        'CERT_EXISTS',
      );
    });

    it('refuses a certificate for an unknown participant with PARTICIPANT_NOT_FOUND', async () => {
      await refusedWithoutChange(
        h,
        () => h.registry.addCertificate(record(senderSign, THIRD), ADMIN),
        'PARTICIPANT_NOT_FOUND',
      );
    });

    it('supersedes the active signing certificate on rotation, with overlapUntil = now + overlapDays', async () => {
      const old = await h.registry.addCertificate(record(senderSign, SENDER), ADMIN);
      const tls = await h.registry.addCertificate(record(senderTls, SENDER, 'participant-tls'), ADMIN);
      const others = await h.registry.addCertificate(record(recipientSign, RECIPIENT), ADMIN);
      const rotatedAt = h.clock.advance(DAY_MS);
      const fresh = await h.registry.addCertificate(record(senderSign2, SENDER), 'admin:taras', {
        overlapDays: 7,
      });
      const overlapUntil = new Date(rotatedAt.getTime() + 7 * DAY_MS).toISOString();

      const superseded = await h.registry.getCertificate(old.fingerprint);
      assert.deepEqual(superseded, { ...old, status: 'superseded', overlapUntil });
      assert.equal((await h.registry.getCertificate(fresh.fingerprint)).status, 'active');
      assert.deepEqual(
        await h.registry.getCertificate(tls.fingerprint),
        tls,
        'another role is not superseded',
      );
      assert.deepEqual(
        await h.registry.getCertificate(others.fingerprint),
        others,
        "another participant's is not superseded",
      );

      const entry = (await trail(old.serialNumber)).find((e) => e.action === 'certificate.supersede')!;
      assert.equal(entry.actor, 'admin:taras');
      assert.equal(entry.at, rotatedAt.toISOString());
      assert.equal(state(entry.before).status, 'active');
      assert.equal(state(entry.after).status, 'superseded');
      assert.equal(state(entry.after).overlapUntil, overlapUntil);
    });

    it('keeps the PEM out of the certificate.supersede audit entries too', async () => {
      await h.registry.addCertificate(record(senderSign, SENDER), ADMIN);
      h.clock.advance(DAY_MS);
      await h.registry.addCertificate(record(senderSign2, SENDER), ADMIN, { overlapDays: 7 });
      const entry = (await trail(senderSign.certificate.serialNumber)).find(
        (e) => e.action === 'certificate.supersede',
      );
      assert.ok(entry !== undefined);
      assert.equal(
        'pem' in state(entry.before),
        false,
        'the before state of certificate.supersede carries the PEM',
      );
      assert.equal(
        'pem' in state(entry.after),
        false,
        'the after state of certificate.supersede carries the PEM',
      );
    });

    it('returns as signing certificates the active ones and the superseded ones inside their overlap only', async () => {
      await h.registry.addCertificate(record(senderSign, SENDER), ADMIN);
      await h.registry.addCertificate(record(senderTls, SENDER, 'participant-tls'), ADMIN);
      await h.registry.addCertificate(record(recipientSign, RECIPIENT), ADMIN);
      const rotatedAt = h.clock.advance(DAY_MS);
      await h.registry.addCertificate(record(senderSign2, SENDER), ADMIN, { overlapDays: 7 });
      const overlapEnd = rotatedAt.getTime() + 7 * DAY_MS;
      const fingerprints = async (at: number): Promise<string[]> =>
        (await h.registry.signingCertificates(SENDER, new Date(at))).map((c) => c.fingerprint).sort();

      const both = [senderSign, senderSign2].map((i) => i.certificate.fingerprint256).sort();
      const onlyNew = [senderSign2.certificate.fingerprint256];
      assert.deepEqual(await fingerprints(rotatedAt.getTime() + 3 * DAY_MS), both);
      assert.deepEqual(await fingerprints(overlapEnd), both, 'still inside the overlap at its last instant');
      assert.deepEqual(await fingerprints(overlapEnd + 1), onlyNew, 'gone after the overlap');

      // A revoked certificate is never a signing certificate, inside its overlap or not.
      await h.registry.revokeCertificate(senderSign.certificate.serialNumber, 'key compromise', ADMIN);
      assert.deepEqual(await fingerprints(rotatedAt.getTime() + DAY_MS), onlyNew);
      // A second rotation without overlap: the superseded one is gone at once.
      const secondRotation = h.clock.advance(DAY_MS);
      await h.registry.addCertificate(record(senderSign3, SENDER), ADMIN, { overlapDays: 0 });
      assert.deepEqual(await fingerprints(secondRotation.getTime() + 1), [
        senderSign3.certificate.fingerprint256,
      ]);
      assert.deepEqual(
        (await h.registry.signingCertificates(RECIPIENT, secondRotation)).map((c) => c.fingerprint),
        [recipientSign.certificate.fingerprint256],
      );
    });

    it('revokes by serial number (any case, 0x prefix) and by fingerprint, audited without the PEM', async () => {
      const a = await h.registry.addCertificate(record(senderSign, SENDER), ADMIN);
      const b = await h.registry.addCertificate(record(recipientSign, RECIPIENT), ADMIN);
      const at = h.clock.advance(60_000).toISOString();
      const revokedA = await h.registry.revokeCertificate(
        `0x${a.serialNumber.toLowerCase()}`,
        'key compromise',
        'admin:taras',
      );
      assert.deepEqual(revokedA, {
        ...a,
        status: 'revoked',
        revokedAt: at,
        revocationReason: 'key compromise',
      });
      assert.deepEqual(await h.registry.getCertificate(a.fingerprint), revokedA);
      const entry = (await trail(a.serialNumber)).at(-1)!;
      assert.equal(entry.action, 'certificate.revoke');
      assert.equal(entry.actor, 'admin:taras');
      assert.deepEqual(entry.before, withoutPem(a));
      assert.deepEqual(entry.after, withoutPem(revokedA));

      const revokedB = await h.registry.revokeCertificate(b.fingerprint.toLowerCase(), 'withdrawn', ADMIN);
      assert.equal(revokedB.status, 'revoked');
      assert.equal((await h.registry.getCertificate(b.serialNumber)).status, 'revoked');
    });

    it('refuses revoking twice with CERT_REVOKED and an unknown certificate with CERT_NOT_FOUND', async () => {
      const a = await h.registry.addCertificate(record(senderSign, SENDER), ADMIN);
      await h.registry.revokeCertificate(a.serialNumber, 'key compromise', ADMIN);
      h.clock.advance(60_000);
      await refusedWithoutChange(
        h,
        () => h.registry.revokeCertificate(a.serialNumber, 'again', ADMIN),
        'CERT_REVOKED',
      );
      await refusedWithoutChange(
        h,
        () => h.registry.revokeCertificate(a.fingerprint, 'again', ADMIN),
        'CERT_REVOKED',
      );
      await refusedWithoutChange(
        h,
        () => h.registry.revokeCertificate('DEADBEEF', 'unknown', ADMIN),
        'CERT_NOT_FOUND',
      );
    });

    it('lists the certificates expiring within 30 days, leaving out later and revoked ones', async () => {
      await h.registry.addCertificate(record(soon, SENDER), ADMIN);
      await h.registry.addCertificate(record(later, SENDER, 'participant-tls'), ADMIN);
      await h.registry.addCertificate(record(soonRevoked, RECIPIENT), ADMIN);
      await h.registry.revokeCertificate(soonRevoked.certificate.serialNumber, 'key compromise', ADMIN);
      assert.deepEqual(
        (await h.registry.listCertificates({ expiringWithinDays: 30 })).map((c) => c.fingerprint),
        [soon.certificate.fingerprint256],
      );
      assert.deepEqual(
        (await h.registry.listCertificates({ expiringWithinDays: 90 })).map((c) => c.fingerprint),
        [soon.certificate.fingerprint256, later.certificate.fingerprint256],
      );
      assert.deepEqual(await h.registry.listCertificates({ expiringWithinDays: 5 }), []);
      assert.equal((await h.registry.listCertificates()).length, 3);
      assert.deepEqual(
        (await h.registry.listCertificates({ participantCode: SENDER, role: 'participant-tls' })).map(
          (c) => c.fingerprint,
        ),
        [later.certificate.fingerprint256],
      );
    });
  });

  // ---------------------------------------------------------------- the audit trail itself
  describe('audit trail', () => {
    it('lists changes made within the same millisecond in the order they were made', async () => {
      // Bulk changes (an import, a script) easily share a millisecond; the clock is frozen to make it certain.
      await h.registry.addParticipant(participantInput(SENDER), ADMIN);
      for (let step = 1; step <= 12; step++) {
        await h.registry.updateParticipant(SENDER, { fullName: `Назва ${step}` }, ADMIN);
      }
      const entries = await trail(SENDER);
      assert.equal(entries.length, 13);
      assert.deepEqual(
        entries.map((entry) => (entry.after as Participant).fullName),
        [`Установа ${SENDER}`, ...Array.from({ length: 12 }, (_, i) => `Назва ${i + 1}`)],
      );
    });
  });
});
