/**
 * The handoff ledger's tables (issue #6), version 4, after the registry (1) and the queue (2, 3). Append-only:
 * a released migration is never edited.
 *
 * ledger_entries: one row per event, hash-chained (see ledger-entry.ts for the hash). `seq` is the chain
 * position (1, 2, 3, ... without gaps); no foreign keys, so that the ledger never depends on rows that other
 * modules may change or remove, and carries no personal data (codes, UUIDs and digests only).
 *
 * ledger_checkpoints: the chain head signed by the hub, numbered 1, 2, 3, ...; each covers the entries
 * from_seq..seq with the Merkle root of their hashes (what an offline proof checks an entry against).
 *
 * Both tables refuse UPDATE and DELETE by trigger. That stops a bug in the hub (or a careless operator) from
 * rewriting history; it does not stop someone with the database file, who can drop the trigger: that is what
 * the hashes and the signed checkpoints are for.
 */
const TABLES = [
  `CREATE TABLE ledger_entries (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    tracking TEXT,
    event TEXT NOT NULL,
    from_participant TEXT,
    to_participant TEXT,
    message_id TEXT,
    envelope_sha256 TEXT,
    receipt_id TEXT,
    receipt_sha256 TEXT,
    reason TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  )`,
  `CREATE INDEX ledger_entries_by_tracking ON ledger_entries (tracking, seq)`,
  `CREATE TABLE ledger_checkpoints (
    number INTEGER PRIMARY KEY,
    hub TEXT NOT NULL,
    from_seq INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    root TEXT NOT NULL,
    at TEXT NOT NULL,
    signer_fingerprint TEXT NOT NULL,
    signature TEXT NOT NULL
  )`,
];

const sqliteAppendOnly = (table: string): string[] => [
  `CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table} BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END`,
  `CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table} BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END`,
];

const postgresAppendOnly = (table: string): string[] => [
  `CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION ledger_append_only()`,
];

export const ledgerMigrations = [
  {
    version: 4,
    name: 'ledger: hash-chained entries and signed checkpoints',
    statements: {
      sqlite: [...TABLES, ...sqliteAppendOnly('ledger_entries'), ...sqliteAppendOnly('ledger_checkpoints')],
      postgres: [
        ...TABLES,
        `CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the ledger is append-only'; END $$`,
        ...postgresAppendOnly('ledger_entries'),
        ...postgresAppendOnly('ledger_checkpoints'),
      ],
    },
  },
] as const;
