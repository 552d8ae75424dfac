import type { CertificateRecord, Memorandum, Participant } from './registry-model.js';

/** Row shapes as stored (snake_case, JSON as text, booleans as 0/1) and their mapping to the model. */
export type Row = Record<string, unknown>;

/** Columns read here are TEXT or INTEGER: anything else means the schema and this code disagree. */
function text(row: Row, key: string): string {
  const value = row[key];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return value.toString();
  throw new Error(`column ${key} holds ${typeof value}, not text`);
}

function optionalText(row: Row, key: string): string | null {
  return row[key] === null || row[key] === undefined ? null : text(row, key);
}

export function participantFromRow(row: Row): Participant {
  return {
    code: text(row, 'code'),
    fullName: text(row, 'full_name'),
    shortName: text(row, 'short_name'),
    kind: text(row, 'kind') as Participant['kind'],
    edmsId: optionalText(row, 'edms_id'),
    edmsName: optionalText(row, 'edms_name'),
    endpoints: JSON.parse(text(row, 'endpoints')) as string[],
    adapter: text(row, 'adapter'),
    adapterSettings: JSON.parse(text(row, 'adapter_settings')) as Record<string, unknown>,
    alertContact: optionalText(row, 'alert_contact'),
    status: text(row, 'status') as Participant['status'],
    statusReason: text(row, 'status_reason'),
    statusChangedAt: text(row, 'status_changed_at'),
    createdAt: text(row, 'created_at'),
  };
}

export function participantToParams(p: Participant): unknown[] {
  return [
    p.code,
    p.fullName,
    p.shortName,
    p.kind,
    p.edmsId,
    p.edmsName,
    JSON.stringify(p.endpoints),
    p.adapter,
    JSON.stringify(p.adapterSettings),
    p.alertContact,
    p.status,
    p.statusReason,
    p.statusChangedAt,
    p.createdAt,
  ];
}

export const PARTICIPANT_COLUMNS =
  'code, full_name, short_name, kind, edms_id, edms_name, endpoints, adapter, adapter_settings, alert_contact, status, status_reason, status_changed_at, created_at';

export function memorandumFromRow(row: Row): Memorandum {
  return {
    id: text(row, 'id'),
    participantCode: text(row, 'participant_code'),
    number: text(row, 'number'),
    signedOn: text(row, 'signed_on'),
    effectiveFrom: text(row, 'effective_from'),
    effectiveUntil: optionalText(row, 'effective_until'),
    scopeKinds: JSON.parse(text(row, 'scope_kinds')) as Memorandum['scopeKinds'],
    scopeChannels: JSON.parse(text(row, 'scope_channels')) as string[],
    documentName: optionalText(row, 'document_name'),
    documentSha256: optionalText(row, 'document_sha256'),
    status: text(row, 'status') as Memorandum['status'],
    statusReason: text(row, 'status_reason'),
    statusChangedAt: text(row, 'status_changed_at'),
    createdAt: text(row, 'created_at'),
  };
}

export const MEMORANDUM_COLUMNS =
  'id, participant_code, number, signed_on, effective_from, effective_until, scope_kinds, scope_channels, document_name, document_sha256, status, status_reason, status_changed_at, created_at';

export function certificateFromRow(row: Row): CertificateRecord {
  return {
    fingerprint: text(row, 'fingerprint'),
    serialNumber: text(row, 'serial_number'),
    issuer: text(row, 'issuer'),
    subject: text(row, 'subject'),
    participantCode: optionalText(row, 'participant_code'),
    role: text(row, 'role') as CertificateRecord['role'],
    pem: text(row, 'pem'),
    notBefore: text(row, 'not_before'),
    notAfter: text(row, 'not_after'),
    status: text(row, 'status') as CertificateRecord['status'],
    overlapUntil: optionalText(row, 'overlap_until'),
    revokedAt: optionalText(row, 'revoked_at'),
    revocationReason: optionalText(row, 'revocation_reason'),
    issuedByHub: Number(row.issued_by_hub) === 1,
    createdAt: text(row, 'created_at'),
  };
}

export const CERTIFICATE_COLUMNS =
  'fingerprint, serial_number, issuer, subject, participant_code, role, pem, not_before, not_after, status, overlap_until, revoked_at, revocation_reason, issued_by_hub, created_at';

export function certificateToParams(c: CertificateRecord): unknown[] {
  return [
    c.fingerprint,
    c.serialNumber,
    c.issuer,
    c.subject,
    c.participantCode,
    c.role,
    c.pem,
    c.notBefore,
    c.notAfter,
    c.status,
    c.overlapUntil,
    c.revokedAt,
    c.revocationReason,
    c.issuedByHub ? 1 : 0,
    c.createdAt,
  ];
}
