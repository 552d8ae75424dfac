/**
 * The records administrators manage: participants, memoranda and the certificates bound to them. The hub
 * enforces them on every message; every change to them is written to the audit trail with its before and after.
 */

export const PARTICIPANT_KINDS = ['contact-center', 'agency'] as const;
export type ParticipantKind = (typeof PARTICIPANT_KINDS)[number];

export const PARTICIPANT_STATUSES = ['pending', 'active', 'suspended', 'withdrawn'] as const;
export type ParticipantStatus = (typeof PARTICIPANT_STATUSES)[number];

export interface Participant {
  /** ЄДРПОУ code, eight digits with a valid check digit. */
  code: string;
  fullName: string;
  shortName: string;
  kind: ParticipantKind;
  edmsId: string | null;
  edmsName: string | null;
  /** Where the hub delivers, in order of preference: HTTPS endpoints (push) or a `file:` folder (file drop); empty for participants that pull. */
  endpoints: string[];
  /** The adapter converting between the canonical envelope and the participant's own format. */
  adapter: string;
  adapterSettings: Record<string, unknown>;
  /** Where alerts about this participant go (e-mail or URL). */
  alertContact: string | null;
  status: ParticipantStatus;
  statusReason: string;
  statusChangedAt: string;
  createdAt: string;
}

export interface ParticipantStatusChange {
  participantCode: string;
  from: ParticipantStatus | null;
  to: ParticipantStatus;
  reason: string;
  at: string;
  by: string;
}

/** What a memorandum covers: kinds of appeals (and so the messages about them). */
export const SCOPE_KINDS = ['appeal', 'public-info', 'sensitive'] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];

export const MEMORANDUM_STATUSES = ['draft', 'active', 'suspended', 'terminated', 'expired'] as const;
export type MemorandumStatus = (typeof MEMORANDUM_STATUSES)[number];

export interface Memorandum {
  id: string;
  participantCode: string;
  number: string;
  /** Dates are YYYY-MM-DD, in Kyiv time (the legal calendar of the memorandum). */
  signedOn: string;
  effectiveFrom: string;
  effectiveUntil: string | null;
  scopeKinds: ScopeKind[];
  /** Channels covered; empty means every channel. */
  scopeChannels: string[];
  documentName: string | null;
  documentSha256: string | null;
  status: MemorandumStatus;
  statusReason: string;
  statusChangedAt: string;
  createdAt: string;
}

export const CERTIFICATE_ROLES = [
  'anchor',
  'hub-ca',
  'hub-sign',
  'hub-tls',
  'participant-sign',
  'participant-tls',
] as const;
export type CertificateRole = (typeof CERTIFICATE_ROLES)[number];

export const CERTIFICATE_STATUSES = ['active', 'superseded', 'revoked'] as const;
export type CertificateStatus = (typeof CERTIFICATE_STATUSES)[number];

export interface CertificateRecord {
  /** SHA-256 fingerprint, upper-case hex with colons (as Node prints it). */
  fingerprint: string;
  serialNumber: string;
  issuer: string;
  subject: string;
  participantCode: string | null;
  role: CertificateRole;
  pem: string;
  notBefore: string;
  notAfter: string;
  status: CertificateStatus;
  /** For a superseded certificate: until when it still verifies (the rotation overlap window). */
  overlapUntil: string | null;
  revokedAt: string | null;
  revocationReason: string | null;
  issuedByHub: boolean;
  createdAt: string;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  entity: string;
  entityId: string;
  before: unknown;
  after: unknown;
}

/** Which scope kind an appeal kind of the canonical envelope falls under. */
export function scopeOfAppealKind(
  kind: 'citizen-appeal' | 'public-info-request' | 'sensitive-report',
): ScopeKind {
  switch (kind) {
    case 'citizen-appeal':
      return 'appeal';
    case 'public-info-request':
      return 'public-info';
    case 'sensitive-report':
      return 'sensitive';
  }
}
