/**
 * The tables of accepted messages and their deliveries. Appended after `registryMigrations` (version 1) in the
 * list the hub opens its store with. Portable SQL only, as in registry-migrations.ts: text keys supplied by
 * the application, timestamps as ISO-8601 UTC text, no engine-specific types (the received bytes are kept as
 * base64 text, not as a BLOB/BYTEA). Append-only: a released migration is never edited.
 *
 * messages: one row per accepted message, written in the same transaction as its delivery job.
 * - message_id: the header's MessageId in lower case (UUIDs compare case-insensitively, so the key does too);
 * - received_xml: base64 of the exact bytes received, the document delivered onwards (its signature is the
 *   sender's) and the one received_sha256 and the receipt's MessageDigest describe;
 * - signed_xml: the exclusive-c14n signed content (what the signature covers, without the Signature), what
 *   the hub itself reads;
 * - receipt_xml: the signed receipt the hub answered with, returned again (byte for byte) to a repeat.
 *
 * delivery_jobs: one row per message and recipient, claimed by the delivery workers with a lease.
 * - state: queued → sending → delivered → acknowledged, or sending → retry → sending ..., or → dead;
 * - priority: smaller is sooner (0 for urgent appeals, 10 otherwise); claims take the most urgent job that is
 *   due, oldest first (index delivery_jobs_claim);
 * - lease_owner / lease_until: the worker holding a `sending` job and until when; an expired lease may be
 *   claimed again (index delivery_jobs_lease).
 */
export const queueMigrations = [
  {
    version: 2,
    name: 'queue: accepted messages and delivery jobs',
    statements: [
      `CREATE TABLE messages (
        message_id TEXT PRIMARY KEY,
        type TEXT NOT NULL CHECK (type IN ('appeal', 'receipt', 'status', 'answer', 'error')),
        sender TEXT NOT NULL REFERENCES participants (code),
        recipient TEXT NOT NULL REFERENCES participants (code),
        tracking TEXT,
        in_reply_to TEXT,
        urgency TEXT CHECK (urgency IN ('normal', 'urgent')),
        created_at TEXT NOT NULL,
        received_sha256 TEXT NOT NULL,
        received_size INTEGER NOT NULL,
        received_xml TEXT NOT NULL,
        signed_xml TEXT NOT NULL,
        signer_fingerprint TEXT NOT NULL,
        client_fingerprint TEXT NOT NULL,
        receipt_id TEXT NOT NULL UNIQUE,
        receipt_xml TEXT NOT NULL,
        received_at TEXT NOT NULL
      )`,
      `CREATE INDEX messages_by_sha256 ON messages (received_sha256)`,
      `CREATE INDEX messages_by_tracking ON messages (tracking)`,
      `CREATE INDEX messages_by_sender ON messages (sender, received_at)`,
      `CREATE INDEX messages_by_recipient ON messages (recipient, received_at)`,
      `CREATE TABLE delivery_jobs (
        id TEXT PRIMARY KEY,
        message_id TEXT NOT NULL REFERENCES messages (message_id),
        recipient TEXT NOT NULL REFERENCES participants (code),
        state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'retry', 'delivered', 'acknowledged', 'dead')),
        priority INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        lease_owner TEXT,
        lease_until TEXT,
        last_error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (message_id, recipient)
      )`,
      `CREATE INDEX delivery_jobs_claim ON delivery_jobs (state, priority, next_attempt_at)`,
      `CREATE INDEX delivery_jobs_lease ON delivery_jobs (state, lease_until)`,
    ],
  },
  {
    version: 3,
    name: "queue: recipients' receipts",
    // The recipient's signed receipt is the proof that it holds the message (what the ledger of issue #6
    // points at); it is written in the same transaction that makes the job acknowledged, so an acknowledged
    // job without its proof cannot exist. receipt_xml: base64 of the exact bytes the recipient sent.
    statements: [
      `CREATE TABLE delivery_receipts (
        job_id TEXT PRIMARY KEY REFERENCES delivery_jobs (id),
        message_id TEXT NOT NULL REFERENCES messages (message_id),
        recipient TEXT NOT NULL REFERENCES participants (code),
        receipt_id TEXT NOT NULL,
        receipt_sha256 TEXT NOT NULL,
        outcome TEXT NOT NULL,
        receipt_xml TEXT NOT NULL,
        via TEXT NOT NULL CHECK (via IN ('push', 'pull')),
        received_at TEXT NOT NULL
      )`,
      `CREATE INDEX delivery_receipts_by_message ON delivery_receipts (message_id)`,
    ],
  },
] as const;
