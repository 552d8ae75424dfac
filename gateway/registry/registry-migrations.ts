/**
 * The registry's tables. Portable SQL only (SQLite and PostgreSQL run the same statements): text keys
 * (codes, UUIDs, fingerprints) instead of auto-increment, timestamps as ISO-8601 UTC text, JSON as text,
 * booleans as 0/1. Migrations are append-only: a released migration is never edited.
 */
export const registryMigrations = [
  {
    version: 1,
    name: 'registry: participants, memoranda, certificates, audit',
    statements: [
      `CREATE TABLE participants (
        code TEXT PRIMARY KEY,
        full_name TEXT NOT NULL,
        short_name TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('contact-center', 'agency')),
        edms_id TEXT,
        edms_name TEXT,
        endpoints TEXT NOT NULL,
        adapter TEXT NOT NULL,
        adapter_settings TEXT NOT NULL,
        alert_contact TEXT,
        status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'suspended', 'withdrawn')),
        status_reason TEXT NOT NULL,
        status_changed_at TEXT NOT NULL,
        created_at TEXT NOT NULL
      )`,
      `CREATE TABLE participant_status_changes (
        id TEXT PRIMARY KEY,
        participant_code TEXT NOT NULL REFERENCES participants (code),
        from_status TEXT,
        to_status TEXT NOT NULL,
        reason TEXT NOT NULL,
        changed_at TEXT NOT NULL,
        changed_by TEXT NOT NULL
      )`,
      `CREATE INDEX participant_status_changes_by_participant ON participant_status_changes (participant_code, changed_at)`,
      `CREATE TABLE memoranda (
        id TEXT PRIMARY KEY,
        participant_code TEXT NOT NULL REFERENCES participants (code),
        number TEXT NOT NULL,
        signed_on TEXT NOT NULL,
        effective_from TEXT NOT NULL,
        effective_until TEXT,
        scope_kinds TEXT NOT NULL,
        scope_channels TEXT NOT NULL,
        document_name TEXT,
        document_sha256 TEXT,
        document_base64 TEXT,
        status TEXT NOT NULL CHECK (status IN ('draft', 'active', 'suspended', 'terminated', 'expired')),
        status_reason TEXT NOT NULL,
        status_changed_at TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (participant_code, number)
      )`,
      `CREATE TABLE certificates (
        fingerprint TEXT PRIMARY KEY,
        serial_number TEXT NOT NULL,
        issuer TEXT NOT NULL,
        subject TEXT NOT NULL,
        participant_code TEXT REFERENCES participants (code),
        role TEXT NOT NULL CHECK (role IN ('anchor', 'hub-ca', 'hub-sign', 'hub-tls', 'participant-sign', 'participant-tls')),
        pem TEXT NOT NULL,
        not_before TEXT NOT NULL,
        not_after TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'superseded', 'revoked')),
        overlap_until TEXT,
        revoked_at TEXT,
        revocation_reason TEXT,
        issued_by_hub INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (issuer, serial_number)
      )`,
      `CREATE INDEX certificates_by_participant ON certificates (participant_code, role, status)`,
      `CREATE INDEX certificates_by_expiry ON certificates (not_after)`,
      `CREATE TABLE audit_log (
        id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL UNIQUE,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        entity TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        before_state TEXT,
        after_state TEXT
      )`,
      `CREATE INDEX audit_log_by_entity ON audit_log (entity, entity_id, at)`,
      `CREATE INDEX audit_log_by_time ON audit_log (at)`,
      `CREATE TABLE refusals (
        id TEXT PRIMARY KEY,
        at TEXT NOT NULL,
        sender TEXT,
        recipient TEXT,
        message_id TEXT,
        message_type TEXT,
        code TEXT NOT NULL,
        detail TEXT NOT NULL
      )`,
      `CREATE INDEX refusals_by_time ON refusals (at)`,
      `CREATE TABLE admin_users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'auditor')),
        token_sha256 TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        disabled_at TEXT
      )`,
      `CREATE TABLE hub_counters (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      )`,
    ],
  },
] as const;
