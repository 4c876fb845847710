import type { Schema } from "../migrate";

/**
 * The customer object's tables (docs/storage.md). Append steps; never edit, remove or reorder a
 * released one.
 */
export const CUSTOMER_SCHEMA: Schema = {
  object: "customer",
  steps: [
    // v1: the customer, its identifiers, journey cards, merges, pending links, code checks.
    {
      name: "create_tables",
      sql: [
        `CREATE TABLE customer (
      singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
      workspace TEXT NOT NULL,
      id TEXT NOT NULL,
      created_at TEXT NOT NULL,
      merged_into TEXT,
      merged_by TEXT
    )`,
        `CREATE TABLE identifiers (
      key TEXT PRIMARY KEY,
      type TEXT NOT NULL,
      value TEXT NOT NULL,
      source TEXT NOT NULL,
      verification TEXT NOT NULL,
      created_at TEXT NOT NULL,
      merge_id TEXT
    )`,
        `CREATE TABLE journeys (
      id TEXT PRIMARY KEY,
      status TEXT NOT NULL,
      reason_text TEXT,
      reason_topic TEXT,
      seq INTEGER NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      resolved_at TEXT,
      merge_id TEXT
    )`,
        `CREATE TABLE merges (
      id TEXT PRIMARY KEY,
      role TEXT NOT NULL,
      other_id TEXT NOT NULL,
      reason TEXT NOT NULL,
      actor TEXT,
      created_at TEXT NOT NULL,
      undone_at TEXT
    )`,
        `CREATE TABLE pending_links (
      id TEXT PRIMARY KEY,
      key TEXT NOT NULL,
      type TEXT NOT NULL,
      value TEXT NOT NULL,
      source TEXT NOT NULL,
      other_customer_id TEXT NOT NULL,
      created_at TEXT NOT NULL,
      status TEXT NOT NULL,
      settled_at TEXT
    )`,
        `CREATE TABLE verifications (
      id TEXT PRIMARY KEY,
      key TEXT NOT NULL,
      type TEXT NOT NULL,
      value TEXT NOT NULL,
      code_hash TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      created_at TEXT NOT NULL,
      confirmed_at TEXT
    )`,
      ],
    },
    // v2: the call-start brief data per journey card, and the brief version pushed to identities.
    {
      name: "journey_briefs",
      sql: [
        `ALTER TABLE journeys ADD COLUMN brief TEXT`,
        `ALTER TABLE customer ADD COLUMN brief_version INTEGER NOT NULL DEFAULT 0`,
      ],
    },
    // v3: the idempotency key of the request that started a journey with `newJourney: true`.
    {
      name: "journeys_request_key",
      sql: [`ALTER TABLE journeys ADD COLUMN request_key TEXT`],
    },
    // v4: journeys given back by an unmerge; a card still on its way from one is ignored.
    {
      name: "released_journeys",
      sql: [`CREATE TABLE released_journeys (id TEXT PRIMARY KEY, released_at TEXT NOT NULL)`],
    },
  ],
};
