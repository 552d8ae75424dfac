import { recordAdminChange } from '../ledger/ledger-events.js';
import { parameterMarkers } from '../store/scan-sql.js';
import { createHash, randomUUID } from 'node:crypto';
import { errorCatalogue } from '../errors/error-catalogue.js';
import { VkhidError } from '../errors/vkhid-error.js';
import { CHANNELS } from '../envelope/envelope-model.js';
import type { StoreConnection } from '../store/store-driver.js';
import type { Store } from '../store/store.js';
import { fileDropRoot } from '../transport/file-drop-root.js';
import { isValidEdrpou } from './edrpou.js';
import {
  type AuditEntry,
  type CertificateRecord,
  type Memorandum,
  type MemorandumStatus,
  type Participant,
  type ParticipantKind,
  type ParticipantStatus,
  PARTICIPANT_KINDS,
  type ScopeKind,
  SCOPE_KINDS,
} from './registry-model.js';
import {
  CERTIFICATE_COLUMNS,
  certificateFromRow,
  certificateToParams,
  MEMORANDUM_COLUMNS,
  memorandumFromRow,
  PARTICIPANT_COLUMNS,
  participantFromRow,
  participantToParams,
  type Row,
} from './registry-rows.js';

export interface NewParticipant {
  code: string;
  fullName: string;
  shortName?: string;
  kind: ParticipantKind;
  edmsId?: string | null;
  edmsName?: string | null;
  endpoints?: string[];
  adapter?: string;
  adapterSettings?: Record<string, unknown>;
  alertContact?: string | null;
}

export interface NewMemorandum {
  participantCode: string;
  number: string;
  signedOn: string;
  effectiveFrom: string;
  effectiveUntil?: string | null;
  scopeKinds: ScopeKind[];
  scopeChannels?: string[];
  document?: { name: string; bytes: Uint8Array };
  /** Register it as a draft (not yet in force) instead of active. */
  draft?: boolean;
}

export interface ExchangeRequest {
  sender: string;
  recipient: string;
  /** The kind of appeal the message is about; null when unknown (any memorandum in force will do). */
  scope: ScopeKind | null;
  channel?: string | null;
  at: Date;
  messageId?: string | null;
  messageType?: string | null;
}

const PARTICIPANT_TRANSITIONS: Record<ParticipantStatus, readonly ParticipantStatus[]> = {
  pending: ['active', 'withdrawn'],
  active: ['suspended', 'withdrawn'],
  suspended: ['active', 'withdrawn'],
  withdrawn: [],
};

const MEMORANDUM_TRANSITIONS: Record<MemorandumStatus, readonly MemorandumStatus[]> = {
  draft: ['active', 'terminated'],
  active: ['suspended', 'terminated', 'expired'],
  suspended: ['active', 'terminated', 'expired'],
  terminated: [],
  expired: [],
};

/** Memoranda in these states still claim their period: a new one may not overlap them. */
const LIVE_MEMORANDUM_STATUSES: readonly MemorandumStatus[] = ['draft', 'active', 'suspended'];

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const ADAPTER_NAME = /^[a-z][a-z0-9-]{0,63}$/;

/**
 * The registry: participants, their memoranda and certificates, and the rules the hub enforces with them.
 * Every change runs in one store transaction together with its audit entry (who, when, what, before and
 * after), so there is no change without a record and no record of a change that did not happen.
 */
export class Registry {
  /**
   * Checks a participant's adapter name and settings (the hub passes its adapter registry's `create`): a
   * participant whose documents no adapter could convert is refused when registered, not at its first message.
   * Without it (tools working on the registry alone) only the name's form is checked.
   */
  checkAdapter: ((name: string, settings: Readonly<Record<string, unknown>>) => void) | undefined;

  constructor(
    readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {}

  // ---------- participants ----------

  async addParticipant(input: NewParticipant, actor: string): Promise<Participant> {
    const participant = validateNewParticipant(input, this.now().toISOString());
    this.checkAdapter?.(participant.adapter, participant.adapterSettings);
    return this.store.transaction(async (tx) => {
      const existing = await tx.query(`SELECT code FROM participants WHERE code = ?`, [participant.code]);
      if (existing.length > 0) throw new VkhidError('PARTICIPANT_EXISTS', { args: [participant.code] });
      await tx.execute(
        `INSERT INTO participants (${PARTICIPANT_COLUMNS}) VALUES (${parameterMarkers(14)})`,
        participantToParams(participant) as never,
      );
      await recordStatusChange(
        tx,
        participant.code,
        null,
        participant.status,
        participant.statusReason,
        participant.createdAt,
        actor,
      );
      await audit(
        tx,
        actor,
        'participant.add',
        'participant',
        participant.code,
        null,
        participant,
        participant.createdAt,
      );
      return participant;
    });
  }

  async setParticipantStatus(
    code: string,
    to: ParticipantStatus,
    reason: string,
    actor: string,
  ): Promise<Participant> {
    if (reason.trim() === '')
      throw new VkhidError('PARTICIPANT_INVALID', { args: ['a reason is required'], field: 'reason' });
    const at = this.now().toISOString();
    return this.store.transaction(async (tx) => {
      const before = await getParticipant(tx, code);
      if (!PARTICIPANT_TRANSITIONS[before.status].includes(to)) {
        throw new VkhidError('PARTICIPANT_STATUS_TRANSITION', { args: [code, before.status, to] });
      }
      const after: Participant = { ...before, status: to, statusReason: reason, statusChangedAt: at };
      await tx.execute(
        `UPDATE participants SET status = ?, status_reason = ?, status_changed_at = ? WHERE code = ?`,
        [to, reason, at, code],
      );
      await recordStatusChange(tx, code, before.status, to, reason, at, actor);
      await audit(
        tx,
        actor,
        `participant.${to === 'active' ? 'activate' : to === 'suspended' ? 'suspend' : 'withdraw'}`,
        'participant',
        code,
        before,
        after,
        at,
      );
      return after;
    });
  }

  async updateParticipant(
    code: string,
    changes: Partial<Omit<NewParticipant, 'code' | 'kind'>>,
    actor: string,
  ): Promise<Participant> {
    const at = this.now().toISOString();
    return this.store.transaction(async (tx) => {
      const before = await getParticipant(tx, code);
      // A field given as undefined means "unchanged", not "reset to the default".
      const given = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
      const merged = validateNewParticipant(
        { ...before, ...given, code, kind: before.kind },
        before.createdAt,
      );
      if (merged.adapter !== before.adapter || 'adapterSettings' in given) {
        this.checkAdapter?.(merged.adapter, merged.adapterSettings);
      }
      const after: Participant = {
        ...merged,
        status: before.status,
        statusReason: before.statusReason,
        statusChangedAt: before.statusChangedAt,
      };
      await tx.execute(
        `UPDATE participants SET full_name = ?, short_name = ?, edms_id = ?, edms_name = ?, endpoints = ?, adapter = ?, adapter_settings = ?, alert_contact = ? WHERE code = ?`,
        [
          after.fullName,
          after.shortName,
          after.edmsId,
          after.edmsName,
          JSON.stringify(after.endpoints),
          after.adapter,
          JSON.stringify(after.adapterSettings),
          after.alertContact,
          code,
        ],
      );
      await audit(tx, actor, 'participant.update', 'participant', code, before, after, at);
      return after;
    });
  }

  /** With `db`, read through that connection: the caller's transaction (the store refuses nested operations). */
  async getParticipant(code: string, db?: StoreConnection): Promise<Participant> {
    return db === undefined ? this.store.read((tx) => getParticipant(tx, code)) : getParticipant(db, code);
  }

  async listParticipants(filter: { status?: ParticipantStatus } = {}): Promise<Participant[]> {
    return this.store.read(async (tx) => {
      const rows =
        filter.status === undefined
          ? await tx.query<Row>(`SELECT ${PARTICIPANT_COLUMNS} FROM participants ORDER BY code`)
          : await tx.query<Row>(
              `SELECT ${PARTICIPANT_COLUMNS} FROM participants WHERE status = ? ORDER BY code`,
              [filter.status],
            );
      return rows.map(participantFromRow);
    });
  }

  // ---------- memoranda ----------

  async addMemorandum(input: NewMemorandum, actor: string): Promise<Memorandum> {
    const at = this.now().toISOString();
    const memorandum = validateNewMemorandum(input, at);
    return this.store.transaction(async (tx) => {
      await getParticipant(tx, memorandum.participantCode);
      const live = (
        await tx.query<Row>(
          `SELECT ${MEMORANDUM_COLUMNS} FROM memoranda WHERE participant_code = ? AND status IN (?, ?, ?)`,
          [memorandum.participantCode, ...LIVE_MEMORANDUM_STATUSES],
        )
      ).map(memorandumFromRow);
      const clash = live.find(
        (other) =>
          periodsOverlap(memorandum, other) &&
          other.scopeKinds.some((kind) => memorandum.scopeKinds.includes(kind)),
      );
      if (clash !== undefined)
        throw new VkhidError('MEMORANDUM_OVERLAP', { args: [memorandum.number, clash.number] });
      const duplicate = await tx.query(`SELECT id FROM memoranda WHERE participant_code = ? AND number = ?`, [
        memorandum.participantCode,
        memorandum.number,
      ]);
      if (duplicate.length > 0) {
        throw new VkhidError('MEMORANDUM_INVALID', {
          args: [`number ${memorandum.number} is already registered for ${memorandum.participantCode}`],
          field: 'number',
        });
      }
      await tx.execute(
        `INSERT INTO memoranda (${MEMORANDUM_COLUMNS}, document_base64) VALUES (${parameterMarkers(15)})`,
        [
          memorandum.id,
          memorandum.participantCode,
          memorandum.number,
          memorandum.signedOn,
          memorandum.effectiveFrom,
          memorandum.effectiveUntil,
          JSON.stringify(memorandum.scopeKinds),
          JSON.stringify(memorandum.scopeChannels),
          memorandum.documentName,
          memorandum.documentSha256,
          memorandum.status,
          memorandum.statusReason,
          memorandum.statusChangedAt,
          memorandum.createdAt,
          // Base64 text keeps the table portable (SQLite BLOB and PostgreSQL BYTEA differ).
          input.document === undefined ? null : Buffer.from(input.document.bytes).toString('base64'),
        ],
      );
      await audit(tx, actor, 'memorandum.add', 'memorandum', memorandum.id, null, memorandum, at);
      return memorandum;
    });
  }

  async setMemorandumStatus(
    reference: string,
    to: MemorandumStatus,
    reason: string,
    actor: string,
  ): Promise<Memorandum> {
    if (reason.trim() === '')
      throw new VkhidError('MEMORANDUM_INVALID', { args: ['a reason is required'], field: 'reason' });
    const at = this.now().toISOString();
    return this.store.transaction(async (tx) => {
      const before = await findMemorandum(tx, reference);
      return changeMemorandumStatus(tx, before, to, reason, at, actor);
    });
  }

  async listMemoranda(filter: { participantCode?: string } = {}): Promise<Memorandum[]> {
    return this.store.read(async (tx) => {
      const rows =
        filter.participantCode === undefined
          ? await tx.query<Row>(
              `SELECT ${MEMORANDUM_COLUMNS} FROM memoranda ORDER BY participant_code, effective_from`,
            )
          : await tx.query<Row>(
              `SELECT ${MEMORANDUM_COLUMNS} FROM memoranda WHERE participant_code = ? ORDER BY effective_from`,
              [filter.participantCode],
            );
      return rows.map(memorandumFromRow);
    });
  }

  /** Memoranda whose end date has passed expire on their own (the scheduled job calls this daily). */
  async expireMemoranda(actor = 'system:memorandum-expiry'): Promise<Memorandum[]> {
    const now = this.now();
    const today = kyivDate(now);
    return this.store.transaction(async (tx) => {
      const due = (
        await tx.query<Row>(
          `SELECT ${MEMORANDUM_COLUMNS} FROM memoranda WHERE status IN (?, ?) AND effective_until IS NOT NULL AND effective_until < ?`,
          ['active', 'suspended', today],
        )
      ).map(memorandumFromRow);
      const expired: Memorandum[] = [];
      for (const memorandum of due) {
        expired.push(
          await changeMemorandumStatus(
            tx,
            memorandum,
            'expired',
            `effective until ${memorandum.effectiveUntil ?? ''}`,
            now.toISOString(),
            actor,
          ),
        );
      }
      return expired;
    });
  }

  // ---------- enforcement ----------

  /**
   * May `sender` hand a message of this scope to `recipient` at `at`? Both must be active and each must have an
   * active memorandum covering the scope (and channel, when the memorandum names channels) in force that day.
   * A refusal is recorded (in its own transaction: the refused message itself is never stored) and thrown.
   */
  async authorizeExchange(request: ExchangeRequest): Promise<void> {
    try {
      await this.checkExchange(request);
    } catch (error) {
      if (error instanceof VkhidError) await this.recordRefusal(request, error);
      throw error;
    }
  }

  /**
   * The check of `authorizeExchange` without recording a refusal: it only reads, so the hub may ask it from
   * inside a write transaction (a redirected appeal sent on by the hub), passing that transaction as `db`.
   */
  async checkExchange(request: ExchangeRequest, db?: StoreConnection): Promise<void> {
    const day = kyivDate(request.at);
    const check = async (tx: StoreConnection): Promise<void> => {
      for (const code of [request.sender, request.recipient]) {
        const participant = await getParticipant(tx, code);
        if (participant.status !== 'active')
          throw new VkhidError('PARTICIPANT_NOT_ACTIVE', { args: [code, participant.status] });
        const memoranda = (
          await tx.query<Row>(
            `SELECT ${MEMORANDUM_COLUMNS} FROM memoranda WHERE participant_code = ? AND status = ?`,
            [code, 'active'],
          )
        ).map(memorandumFromRow);
        const covering = memoranda.find(
          (m) =>
            m.effectiveFrom <= day &&
            (m.effectiveUntil === null || day <= m.effectiveUntil) &&
            (request.scope === null || m.scopeKinds.includes(request.scope)) &&
            (m.scopeChannels.length === 0 ||
              request.channel === null ||
              request.channel === undefined ||
              m.scopeChannels.includes(request.channel)),
        );
        if (covering === undefined) {
          throw new VkhidError('MEMORANDUM_NOT_IN_FORCE', {
            args: [code, request.scope ?? 'any kind', day],
          });
        }
      }
    };
    await (db === undefined ? this.store.read(check) : check(db));
  }

  async recordRefusal(request: Partial<ExchangeRequest>, error: VkhidError): Promise<void> {
    await this.store.transaction((tx) =>
      tx.execute(
        `INSERT INTO refusals (id, at, sender, recipient, message_id, message_type, code, detail) VALUES (${parameterMarkers(8)})`,
        [
          randomUUID(),
          this.now().toISOString(),
          request.sender ?? null,
          request.recipient ?? null,
          request.messageId ?? null,
          request.messageType ?? null,
          error.code,
          error.message,
        ],
      ),
    );
  }

  async listRefusals(limit = 100): Promise<Row[]> {
    return this.store.read((tx) => tx.query<Row>(`SELECT * FROM refusals ORDER BY at DESC LIMIT ?`, [limit]));
  }

  // ---------- certificates ----------

  async addCertificate(
    record: CertificateRecord,
    actor: string,
    supersede?: { overlapDays: number },
  ): Promise<CertificateRecord> {
    const at = this.now();
    return this.store.transaction(async (tx) => {
      if (record.participantCode !== null) await getParticipant(tx, record.participantCode);
      const existing = await tx.query(`SELECT fingerprint FROM certificates WHERE fingerprint = ?`, [
        record.fingerprint,
      ]);
      if (existing.length > 0) throw new VkhidError('CERT_EXISTS', { args: [record.serialNumber] });
      if (supersede !== undefined && record.participantCode !== null) {
        const current = (
          await tx.query<Row>(
            `SELECT ${CERTIFICATE_COLUMNS} FROM certificates WHERE participant_code = ? AND role = ? AND status = ?`,
            [record.participantCode, record.role, 'active'],
          )
        ).map(certificateFromRow);
        const overlapUntil = new Date(at.getTime() + supersede.overlapDays * 86_400_000).toISOString();
        for (const old of current) {
          const after: CertificateRecord = { ...old, status: 'superseded', overlapUntil };
          await tx.execute(`UPDATE certificates SET status = ?, overlap_until = ? WHERE fingerprint = ?`, [
            'superseded',
            overlapUntil,
            old.fingerprint,
          ]);
          await audit(
            tx,
            actor,
            'certificate.supersede',
            'certificate',
            old.serialNumber,
            withoutPem(old),
            withoutPem(after),
            at.toISOString(),
          );
        }
      }
      await tx.execute(
        `INSERT INTO certificates (${CERTIFICATE_COLUMNS}) VALUES (${parameterMarkers(15)})`,
        certificateToParams(record) as never,
      );
      await audit(
        tx,
        actor,
        'certificate.add',
        'certificate',
        record.serialNumber,
        null,
        withoutPem(record),
        at.toISOString(),
      );
      return record;
    });
  }

  async revokeCertificate(reference: string, reason: string, actor: string): Promise<CertificateRecord> {
    const at = this.now().toISOString();
    return this.store.transaction(async (tx) => {
      const before = await findCertificate(tx, reference);
      if (before.role === 'hub-ca') {
        throw new VkhidError('CERT_PROTECTED', {
          args: [before.serialNumber, 'revoking it would untrust every certificate the hub issued'],
        });
      }
      if (before.status === 'revoked') {
        throw new VkhidError('CERT_REVOKED', {
          args: [before.serialNumber, before.revokedAt ?? '', before.revocationReason ?? ''],
        });
      }
      const after: CertificateRecord = {
        ...before,
        status: 'revoked',
        revokedAt: at,
        revocationReason: reason,
      };
      await tx.execute(
        `UPDATE certificates SET status = ?, revoked_at = ?, revocation_reason = ? WHERE fingerprint = ?`,
        ['revoked', at, reason, before.fingerprint],
      );
      await audit(
        tx,
        actor,
        'certificate.revoke',
        'certificate',
        before.serialNumber,
        withoutPem(before),
        withoutPem(after),
        at,
      );
      return after;
    });
  }

  async getCertificate(reference: string): Promise<CertificateRecord> {
    return this.store.read((tx) => findCertificate(tx, reference));
  }

  async listCertificates(
    filter: { participantCode?: string; role?: string; expiringWithinDays?: number } = {},
  ): Promise<CertificateRecord[]> {
    const conditions: string[] = [];
    const params: (string | number)[] = [];
    if (filter.participantCode !== undefined) {
      conditions.push('participant_code = ?');
      params.push(filter.participantCode);
    }
    if (filter.role !== undefined) {
      conditions.push('role = ?');
      params.push(filter.role);
    }
    if (filter.expiringWithinDays !== undefined) {
      conditions.push(`status <> 'revoked' AND not_after <= ?`);
      params.push(new Date(this.now().getTime() + filter.expiringWithinDays * 86_400_000).toISOString());
    }
    const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
    return this.store.read(async (tx) =>
      (
        await tx.query<Row>(
          `SELECT ${CERTIFICATE_COLUMNS} FROM certificates ${where} ORDER BY not_after`,
          params,
        )
      ).map(certificateFromRow),
    );
  }

  /** Certificates a signature by `participantCode` may verify with at `at`: active ones and superseded ones still in their overlap. */
  async signingCertificates(participantCode: string, at: Date): Promise<CertificateRecord[]> {
    const instant = at.toISOString();
    return this.store.read(async (tx) =>
      (
        await tx.query<Row>(
          `SELECT ${CERTIFICATE_COLUMNS} FROM certificates WHERE participant_code = ? AND role = ? AND (status = ? OR (status = ? AND overlap_until >= ?))`,
          [participantCode, 'participant-sign', 'active', 'superseded', instant],
        )
      ).map(certificateFromRow),
    );
  }

  async anchorCertificates(): Promise<CertificateRecord[]> {
    return this.store.read(async (tx) =>
      (
        await tx.query<Row>(
          `SELECT ${CERTIFICATE_COLUMNS} FROM certificates WHERE role IN (?, ?) AND status <> ?`,
          ['anchor', 'hub-ca', 'revoked'],
        )
      ).map(certificateFromRow),
    );
  }

  async findCertificateByFingerprint(fingerprint: string): Promise<CertificateRecord | undefined> {
    return this.store.read(async (tx) => {
      const rows = await tx.query<Row>(
        `SELECT ${CERTIFICATE_COLUMNS} FROM certificates WHERE fingerprint = ?`,
        [fingerprint],
      );
      return rows[0] === undefined ? undefined : certificateFromRow(rows[0]);
    });
  }

  // ---------- audit ----------

  async auditTrail(
    filter: { entity?: string; entityId?: string; limit?: number } = {},
  ): Promise<AuditEntry[]> {
    const conditions: string[] = [];
    const params: (string | number)[] = [];
    if (filter.entity !== undefined) {
      conditions.push('entity = ?');
      params.push(filter.entity);
    }
    if (filter.entityId !== undefined) {
      conditions.push('entity_id = ?');
      params.push(filter.entityId);
    }
    params.push(filter.limit ?? 1000);
    const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
    // The latest `limit` entries, returned oldest first (the order they happened in).
    return this.store.read(async (tx) =>
      (await tx.query<Row>(`SELECT * FROM audit_log ${where} ORDER BY seq DESC LIMIT ?`, params))
        .reverse()
        .map((row) => ({
          id: String(row.id),
          at: String(row.at),
          actor: String(row.actor),
          action: String(row.action),
          entity: String(row.entity),
          entityId: String(row.entity_id),
          before: row.before_state === null ? null : (JSON.parse(row.before_state as string) as unknown),
          after: row.after_state === null ? null : (JSON.parse(row.after_state as string) as unknown),
        })),
    );
  }
}

// ---------- helpers shared by the operations above ----------

async function getParticipant(tx: StoreConnection, code: string): Promise<Participant> {
  const rows = await tx.query<Row>(`SELECT ${PARTICIPANT_COLUMNS} FROM participants WHERE code = ?`, [code]);
  if (rows[0] === undefined) throw new VkhidError('PARTICIPANT_NOT_FOUND', { args: [code] });
  return participantFromRow(rows[0]);
}

async function findMemorandum(tx: StoreConnection, reference: string): Promise<Memorandum> {
  const rows = await tx.query<Row>(`SELECT ${MEMORANDUM_COLUMNS} FROM memoranda WHERE id = ? OR number = ?`, [
    reference,
    reference,
  ]);
  if (rows.length === 0) throw new VkhidError('MEMORANDUM_NOT_FOUND', { args: [reference] });
  if (rows.length > 1) {
    throw new VkhidError('MEMORANDUM_INVALID', {
      args: [`number ${reference} is used by several participants: give the id`],
      field: 'reference',
    });
  }
  return memorandumFromRow(rows[0]!);
}

async function changeMemorandumStatus(
  tx: StoreConnection,
  before: Memorandum,
  to: MemorandumStatus,
  reason: string,
  at: string,
  actor: string,
): Promise<Memorandum> {
  if (!MEMORANDUM_TRANSITIONS[before.status].includes(to)) {
    throw new VkhidError('MEMORANDUM_STATUS_TRANSITION', { args: [before.number, before.status, to] });
  }
  const after: Memorandum = { ...before, status: to, statusReason: reason, statusChangedAt: at };
  await tx.execute(`UPDATE memoranda SET status = ?, status_reason = ?, status_changed_at = ? WHERE id = ?`, [
    to,
    reason,
    at,
    before.id,
  ]);
  await audit(tx, actor, `memorandum.${to}`, 'memorandum', before.id, before, after, at);
  return after;
}

async function findCertificate(tx: StoreConnection, reference: string): Promise<CertificateRecord> {
  const normalised = reference.replace(/^0x/i, '').toUpperCase();
  const rows = await tx.query<Row>(
    `SELECT ${CERTIFICATE_COLUMNS} FROM certificates WHERE serial_number = ? OR fingerprint = ?`,
    [normalised, reference.toUpperCase()],
  );
  if (rows.length === 0) throw new VkhidError('CERT_NOT_FOUND', { args: [reference] });
  // Serials are unique only per issuer: with imported CAs one serial may name two certificates.
  if (rows.length > 1) throw new VkhidError('CERT_AMBIGUOUS', { args: [reference] });
  return certificateFromRow(rows[0]!);
}

async function recordStatusChange(
  tx: StoreConnection,
  code: string,
  from: ParticipantStatus | null,
  to: ParticipantStatus,
  reason: string,
  at: string,
  actor: string,
): Promise<void> {
  await tx.execute(
    `INSERT INTO participant_status_changes (id, participant_code, from_status, to_status, reason, changed_at, changed_by) VALUES (${parameterMarkers(7)})`,
    [randomUUID(), code, from, to, reason, at, actor],
  );
}

/**
 * Appends to the audit trail. `seq` orders entries made within the same millisecond; it is taken inside the
 * writing transaction (one writer at a time), and its unique index turns a race on a multi-writer engine into
 * a refused transaction rather than two entries with one number.
 */
export async function audit(
  tx: StoreConnection,
  actor: string,
  action: string,
  entity: string,
  entityId: string,
  before: unknown,
  after: unknown,
  at: string,
): Promise<void> {
  await tx.execute(
    `INSERT INTO audit_log (id, seq, at, actor, action, entity, entity_id, before_state, after_state)
     SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ?, ?, ?, ? FROM audit_log`,
    [
      randomUUID(),
      at,
      actor,
      action,
      entity,
      entityId,
      before === null ? null : JSON.stringify(before),
      after === null ? null : JSON.stringify(after),
    ],
  );
  await recordAdminChange(tx, { action, entity, entityId, at });
}

function withoutPem(record: CertificateRecord): Omit<CertificateRecord, 'pem'> {
  // The audit trail records what changed; a certificate's PEM never changes and only bloats every entry.
  return Object.fromEntries(Object.entries(record).filter(([key]) => key !== 'pem')) as Omit<
    CertificateRecord,
    'pem'
  >;
}

function periodsOverlap(
  a: Pick<Memorandum, 'effectiveFrom' | 'effectiveUntil'>,
  b: Pick<Memorandum, 'effectiveFrom' | 'effectiveUntil'>,
): boolean {
  const aEnd = a.effectiveUntil ?? '9999-12-31';
  const bEnd = b.effectiveUntil ?? '9999-12-31';
  return a.effectiveFrom <= bEnd && b.effectiveFrom <= aEnd;
}

/** The calendar day in Kyiv: memoranda and statutory deadlines follow the Ukrainian legal calendar. */
/** Built once: creating an Intl.DateTimeFormat costs far more than formatting with it (hot path of intake). */
const KYIV_DATE = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Kyiv',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

export function kyivDate(at: Date): string {
  return KYIV_DATE.format(at);
}

function isRealDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** The catalogue's text before the reason, so a refusal re-raised with another `field` keeps its reason once. */
const INVALID_PREFIX = errorCatalogue.PARTICIPANT_INVALID.message.split('%s')[0] ?? '';

function validateNewParticipant(input: NewParticipant, at: string): Participant {
  const invalid = (why: string, field: string): never => {
    throw new VkhidError('PARTICIPANT_INVALID', { args: [why], field });
  };
  if (!isValidEdrpou(input.code))
    throw new VkhidError('PARTICIPANT_CODE_INVALID', { args: [input.code], field: 'code' });
  const fullName = input.fullName?.trim() ?? '';
  if (fullName === '' || fullName.length > 500)
    invalid('the full name must have 1 to 500 characters', 'fullName');
  const shortName = (input.shortName ?? fullName).trim();
  if (shortName === '' || shortName.length > 200)
    invalid('the short name must have 1 to 200 characters', 'shortName');
  if (!PARTICIPANT_KINDS.includes(input.kind))
    invalid(`kind must be one of ${PARTICIPANT_KINDS.join(', ')}`, 'kind');
  const endpoints = input.endpoints ?? [];
  endpoints.forEach((endpoint, index) => {
    const field = `endpoints[${index}]`;
    if (typeof endpoint !== 'string') return invalid('an endpoint must be a string', field);
    // A file-drop folder: only a safe local absolute path (no remote hosts, no `..`), checked on the raw text.
    let root: string | undefined;
    try {
      root = fileDropRoot(endpoint);
    } catch (error) {
      if (!(error instanceof VkhidError)) throw error;
      const why = error.message.startsWith(INVALID_PREFIX)
        ? error.message.slice(INVALID_PREFIX.length)
        : error.message;
      throw new VkhidError('PARTICIPANT_INVALID', { args: [why], field, cause: error });
    }
    if (root !== undefined) return;
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      return invalid(`${endpoint} is not a URL`, field);
    }
    // Documents carry personal data: over the network they travel over HTTPS only.
    if (url.protocol !== 'https:') invalid(`${endpoint} is not an https URL or a file-drop folder`, field);
  });
  const adapter = input.adapter ?? 'canonical';
  if (!ADAPTER_NAME.test(adapter)) invalid(`${adapter} is not an adapter name`, 'adapter');
  const adapterSettings = input.adapterSettings ?? {};
  if (typeof adapterSettings !== 'object' || adapterSettings === null || Array.isArray(adapterSettings)) {
    invalid('adapter settings must be a JSON object', 'adapterSettings');
  }
  return {
    code: input.code,
    fullName,
    shortName,
    kind: input.kind,
    edmsId: input.edmsId ?? null,
    edmsName: input.edmsName ?? null,
    endpoints,
    adapter,
    adapterSettings,
    alertContact: input.alertContact ?? null,
    status: 'pending',
    statusReason: 'registered',
    statusChangedAt: at,
    createdAt: at,
  };
}

function validateNewMemorandum(input: NewMemorandum, at: string): Memorandum {
  const invalid = (why: string, field: string): never => {
    throw new VkhidError('MEMORANDUM_INVALID', { args: [why], field });
  };
  const number = input.number?.trim() ?? '';
  if (number === '' || number.length > 100) invalid('the number must have 1 to 100 characters', 'number');
  for (const field of ['signedOn', 'effectiveFrom'] as const) {
    if (!isRealDate(input[field])) invalid(`${input[field]} is not a date (YYYY-MM-DD)`, field);
  }
  const until = input.effectiveUntil ?? null;
  if (until !== null && !isRealDate(until)) invalid(`${until} is not a date (YYYY-MM-DD)`, 'effectiveUntil');
  if (input.signedOn > input.effectiveFrom) {
    throw new VkhidError('MEMORANDUM_DATES', {
      args: [`signed ${input.signedOn}, after it takes effect on ${input.effectiveFrom}`],
      field: 'signedOn',
    });
  }
  if (until !== null && until < input.effectiveFrom) {
    throw new VkhidError('MEMORANDUM_DATES', {
      args: [`effective until ${until}, before effective from ${input.effectiveFrom}`],
      field: 'effectiveUntil',
    });
  }
  const kinds = [...new Set(input.scopeKinds)];
  if (kinds.length === 0) invalid('the scope must name at least one kind', 'scopeKinds');
  for (const kind of kinds)
    if (!SCOPE_KINDS.includes(kind))
      invalid(`${String(kind)} is not one of ${SCOPE_KINDS.join(', ')}`, 'scopeKinds');
  const channels = [...new Set(input.scopeChannels ?? [])];
  for (const channel of channels) {
    if (!(CHANNELS as readonly string[]).includes(channel))
      invalid(`${channel} is not one of ${CHANNELS.join(', ')}`, 'scopeChannels');
  }
  const status: MemorandumStatus = input.draft === true ? 'draft' : 'active';
  return {
    id: randomUUID(),
    participantCode: input.participantCode,
    number,
    signedOn: input.signedOn,
    effectiveFrom: input.effectiveFrom,
    effectiveUntil: until,
    scopeKinds: kinds,
    scopeChannels: channels,
    documentName: input.document?.name ?? null,
    documentSha256:
      input.document === undefined ? null : createHash('sha256').update(input.document.bytes).digest('hex'),
    status,
    statusReason: status === 'draft' ? 'registered as draft' : 'registered',
    statusChangedAt: at,
    createdAt: at,
  };
}
