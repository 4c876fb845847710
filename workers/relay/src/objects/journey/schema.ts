import type { Schema } from "../migrate";

/**
 * The journey object's tables (docs/storage.md describes each). Append new steps; never edit,
 * remove or reorder a released one (docs/storage.md, "Schema migrations").
 */
export const JOURNEY_SCHEMA: Schema = {
  object: "journey",
  steps: [
    // v1: state, event log, idempotency, promises, constraints, facts, outbox.
    {
      name: "create_tables",
      sql: [
        `CREATE TABLE journey (
      singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
      workspace TEXT NOT NULL,
      id TEXT NOT NULL,
      customer_id TEXT,
      status TEXT NOT NULL,
      status_since TEXT NOT NULL,
      reason_text TEXT,
      reason_topic TEXT,
      reason_at TEXT,
      owner TEXT,
      owner_seq INTEGER,
      last_action TEXT,
      seq INTEGER NOT NULL,
      effort TEXT NOT NULL,
      last_inbound_channel TEXT,
      last_inbound_at TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      resolved_at TEXT
    )`,
        `CREATE TABLE events (
      seq INTEGER PRIMARY KEY,
      id TEXT NOT NULL,
      type TEXT NOT NULL,
      channel TEXT,
      direction TEXT,
      actor TEXT,
      text TEXT,
      data TEXT,
      occurred_at TEXT NOT NULL,
      recorded_at TEXT NOT NULL
    )`,
        `CREATE TABLE idempotency (
      key TEXT PRIMARY KEY,
      fingerprint TEXT NOT NULL,
      seq INTEGER NOT NULL,
      created_id TEXT,
      created_at TEXT NOT NULL
    )`,
        `CREATE TABLE promises (
      id TEXT PRIMARY KEY,
      text TEXT NOT NULL,
      due_at TEXT NOT NULL,
      made_by TEXT NOT NULL,
      status TEXT NOT NULL,
      created_at TEXT NOT NULL,
      settled_at TEXT,
      note TEXT,
      seq INTEGER NOT NULL
    )`,
        `CREATE TABLE constraints (
      id TEXT PRIMARY KEY,
      text TEXT NOT NULL,
      kind TEXT NOT NULL,
      time_window TEXT,
      channel TEXT,
      until TEXT,
      created_at TEXT NOT NULL,
      removed_at TEXT
    )`,
        `CREATE TABLE facts (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL,
      source TEXT NOT NULL,
      at TEXT NOT NULL
    )`,
        `CREATE TABLE outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      record TEXT NOT NULL
    )`,
        `CREATE TABLE outbox_state (
      singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
      failures INTEGER NOT NULL,
      next_at INTEGER,
      last_error TEXT
    )`,
        `INSERT INTO outbox_state (singleton, failures) VALUES (1, 0)`,
      ],
    },
    // v2: how many card numbers were redacted from each event, for PII audits.
    {
      name: "events_redactions",
      sql: [`ALTER TABLE events ADD COLUMN redactions INTEGER NOT NULL DEFAULT 0`],
    },
    // v3: the sequence number last copied to the customer's journey card.
    {
      name: "journey_card_seq",
      sql: [`ALTER TABLE journey ADD COLUMN card_seq INTEGER NOT NULL DEFAULT 0`],
    },
    // v4: records D1 kept refusing on their own, set aside so they stop blocking the rest.
    {
      name: "outbox_dead",
      sql: [
        `CREATE TABLE outbox_dead (
      id INTEGER PRIMARY KEY,
      record TEXT NOT NULL,
      error TEXT NOT NULL,
      failed_at TEXT NOT NULL
    )`,
      ],
    },
    // v5: flags that need a human's eye (e.g. handoff_loop).
    {
      name: "journey_flags",
      sql: [`ALTER TABLE journey ADD COLUMN flags TEXT NOT NULL DEFAULT '[]'`],
    },
    // v6: the promise ledger (verify-by, renegotiation links, status history), exceptions, the
    // webhook outbox.
    {
      name: "promise_ledger",
      sql: [
        `ALTER TABLE promises ADD COLUMN verify_by TEXT`,
        `UPDATE promises SET verify_by = strftime('%Y-%m-%dT%H:%M:%fZ', due_at, '+60 minutes')`,
        `ALTER TABLE promises ADD COLUMN channel TEXT`,
        `ALTER TABLE promises ADD COLUMN replaces TEXT`,
        `ALTER TABLE promises ADD COLUMN replaced_by TEXT`,
        `ALTER TABLE promises ADD COLUMN auto_break INTEGER NOT NULL DEFAULT 1`,
        `CREATE INDEX promises_open ON promises (status, due_at)`,
        `CREATE TABLE promise_history (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      promise_id TEXT NOT NULL,
      at TEXT NOT NULL,
      from_status TEXT,
      to_status TEXT NOT NULL,
      seq INTEGER NOT NULL,
      actor TEXT,
      note TEXT
    )`,
        `INSERT INTO promise_history (promise_id, at, from_status, to_status, seq)
       SELECT id, created_at, NULL, 'pending', seq FROM promises`,
        `INSERT INTO promise_history (promise_id, at, from_status, to_status, seq, note)
       SELECT id, settled_at, 'pending', status, seq, note FROM promises WHERE status != 'pending'`,
        `CREATE TABLE exceptions (
      id TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      text TEXT NOT NULL,
      guidance TEXT,
      status TEXT NOT NULL,
      promise_id TEXT,
      raised_at TEXT NOT NULL,
      raised_by TEXT,
      escalated_to TEXT,
      resolved_at TEXT,
      note TEXT,
      seq INTEGER NOT NULL
    )`,
        `CREATE UNIQUE INDEX exceptions_promise ON exceptions (promise_id) WHERE promise_id IS NOT NULL`,
        `CREATE TABLE hook_outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      record TEXT NOT NULL
    )`,
        `CREATE TABLE hook_state (
      singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
      failures INTEGER NOT NULL,
      next_at INTEGER,
      last_error TEXT
    )`,
        `INSERT INTO hook_state (singleton, failures) VALUES (1, 0)`,
      ],
    },
    // v7: continuity (docs/continuity.md): earlier journeys this one may continue, with a
    // snapshot of each, and the last touch of each audience (a pack served, by sequence number).
    {
      name: "continuity",
      sql: [
        `CREATE TABLE predecessors (
      journey_id TEXT PRIMARY KEY,
      rule TEXT NOT NULL,
      score REAL NOT NULL,
      start_over INTEGER NOT NULL,
      linked_by TEXT NOT NULL,
      linked_at TEXT NOT NULL,
      note TEXT,
      snapshot TEXT NOT NULL
    )`,
        `CREATE TABLE touches (
      audience TEXT PRIMARY KEY,
      seq INTEGER NOT NULL,
      at TEXT NOT NULL
    )`,
      ],
    },
    // v8: outreach (docs/outreach.md): owner nudges before a promise falls due and messages to
    // the customer, each keyed by what triggered it so that it is made once, whatever re-runs.
    {
      name: "outreach",
      sql: [
        `ALTER TABLE promises ADD COLUMN at_risk_at TEXT`,
        `ALTER TABLE promises ADD COLUMN nudge_leads TEXT`,
        `ALTER TABLE promises ADD COLUMN nudge_at TEXT`,
        `CREATE TABLE outreach (
      id TEXT PRIMARY KEY,
      trigger_key TEXT NOT NULL UNIQUE,
      audience TEXT NOT NULL,
      trigger TEXT NOT NULL,
      promise_id TEXT,
      exception_id TEXT,
      lead_minutes INTEGER,
      vars TEXT NOT NULL,
      channel TEXT,
      recipient TEXT,
      status TEXT NOT NULL,
      reason TEXT,
      not_before INTEGER NOT NULL,
      lease_until INTEGER,
      attempts INTEGER NOT NULL DEFAULT 0,
      provider TEXT,
      provider_id TEXT,
      message_seq INTEGER,
      last_error TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`,
        `CREATE INDEX outreach_due ON outreach (status, not_before)`,
        `CREATE INDEX outreach_provider ON outreach (provider_id) WHERE provider_id IS NOT NULL`,
      ],
    },
    // The thread references claimed for this journey (Message-IDs, reply addresses, call and
    // chat ids), so an erasure can find and erase their objects (docs/privacy.md "Erasure").
    {
      name: "thread_refs",
      sql: [`CREATE TABLE thread_refs (ref TEXT PRIMARY KEY, created_at TEXT NOT NULL)`],
    },
  ],
};

/** The steps in order (test/journey-migration.test.ts counts them). */
export const JOURNEY_MIGRATIONS = JOURNEY_SCHEMA.steps;
