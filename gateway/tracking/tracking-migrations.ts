/**
 * The appeals the hub tracks (issue #6): one row per tracking number with its lifecycle and its statutory
 * deadlines, and the timeline of lifecycle events (version 5, after the ledger); the deadline alerts already
 * sent (version 6); the repeat-appeal key the reports group by (version 7). No personal data: the lifecycle
 * keeps kind, channel, category, participants' codes, registration numbers and reason codes (the free-text
 * reasons of refusals and redirects are kept for the contact center, never shown to citizens); the repeat key
 * is an HMAC that cannot be reversed without the hub's secret.
 */
export const trackingMigrations = [
  {
    version: 5,
    name: 'tracking: appeals, their lifecycle and deadlines',
    statements: [
      `CREATE TABLE appeals (
        tracking TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        contact_center TEXT NOT NULL,
        holder TEXT,
        kind TEXT NOT NULL,
        channel TEXT NOT NULL,
        category TEXT NOT NULL,
        lifecycle TEXT NOT NULL,
        deadlines TEXT NOT NULL,
        answer_by TEXT NOT NULL,
        registered_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      )`,
      `CREATE INDEX appeals_by_state ON appeals (state, answer_by)`,
      `CREATE TABLE appeal_events (
        tracking TEXT NOT NULL REFERENCES appeals (tracking),
        seq INTEGER NOT NULL,
        at TEXT NOT NULL,
        type TEXT NOT NULL,
        by_role TEXT NOT NULL,
        by_participant TEXT NOT NULL,
        message_id TEXT,
        state TEXT NOT NULL,
        PRIMARY KEY (tracking, seq)
      )`,
    ],
  },
  {
    version: 6,
    name: 'tracking: deadline alerts already raised',
    statements: [
      // One row per alert raised (see gateway/tracking/deadline-watch.ts): the deadline is part of the key, so
      // an extension or a redirect, which moves the deadline, makes the appeal alertable again.
      `CREATE TABLE deadline_alerts (
        tracking TEXT NOT NULL REFERENCES appeals (tracking),
        flag TEXT NOT NULL,
        deadline TEXT NOT NULL,
        alerted_at TEXT NOT NULL,
        PRIMARY KEY (tracking, flag, deadline)
      )`,
    ],
  },
  {
    version: 7,
    name: 'tracking: repeat-appeal keys',
    statements: [
      // A pseudonymous key of applicant, category and subject (gateway/reports/repeat-key.ts): the reports find
      // repeat appeals by equality on it, without the hub keeping the applicant's name outside the message.
      `ALTER TABLE appeals ADD COLUMN repeat_key TEXT`,
      `CREATE INDEX appeals_by_repeat_key ON appeals (repeat_key)`,
    ],
  },
] as const;
