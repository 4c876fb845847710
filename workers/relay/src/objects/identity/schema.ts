import type { Schema } from "../migrate";
import { TOKEN_MIGRATION } from "./tokens";

/**
 * The identity object's tables (docs/storage.md). One class, several uses: each object fills
 * only the tables of its use. Append steps; never edit, remove or reorder a released one.
 */
export const IDENTITY_SCHEMA: Schema = {
  object: "identity",
  steps: [
    // v1: the identifier's link to its customer.
    {
      name: "create_link",
      sql: [
        `CREATE TABLE link (
      singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
      workspace TEXT NOT NULL,
      identifier TEXT NOT NULL,
      customer_id TEXT NOT NULL,
      source TEXT NOT NULL,
      verification TEXT NOT NULL,
      created_at TEXT NOT NULL
    )`,
      ],
    },
    // v2: the same object class also holds thread references (Message-IDs, call SIDs, chat ids).
    {
      name: "create_thread",
      sql: [
        `CREATE TABLE thread (
      singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
      workspace TEXT NOT NULL,
      ref TEXT NOT NULL,
      journey_id TEXT NOT NULL,
      customer_id TEXT,
      created_at TEXT NOT NULL
    )`,
      ],
    },
    // v3: merges move a link to the surviving customer and remember where it came from.
    {
      name: "link_merges",
      sql: [
        `ALTER TABLE link ADD COLUMN merge_id TEXT`,
        `ALTER TABLE link ADD COLUMN previous_customer_id TEXT`,
      ],
    },
    // v4: the linked customer's call brief, pushed whenever one of its journey cards changes.
    {
      name: "create_brief",
      sql: [
        `CREATE TABLE brief (
      singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
      customer_id TEXT NOT NULL,
      version INTEGER NOT NULL,
      brief TEXT,
      updated_at TEXT NOT NULL
    )`,
      ],
    },
    // v5: single-use provider tokens (objects named `${workspace}/mailgun-tokens:<shard>`).
    { name: "create_token", sql: TOKEN_MIGRATION },
    // v6: SMS number pair bindings in the customer number's own object (`phone:<E.164>`), one
    // row per company number, so an inbound SMS reads its binding on the lookup it makes
    // anyway (docs/channels/twilio.md "Pair binding").
    {
      name: "create_phone_pair",
      sql: [
        `CREATE TABLE phone_pair (
      company TEXT PRIMARY KEY,
      workspace TEXT NOT NULL,
      journey_id TEXT NOT NULL,
      event_id TEXT NOT NULL,
      expires_at INTEGER NOT NULL,
      created_at TEXT NOT NULL
    )`,
      ],
    },
    // v7: erasure tombstones (docs/privacy.md "Erasure"): after a customer is erased, the
    // objects of its identifiers keep only hashes of the provider message ids of its events, so
    // a late provider retry of an erased message stores nothing. No identifier, no customer.
    {
      name: "create_erased",
      sql: [
        `CREATE TABLE erased (
      hash TEXT PRIMARY KEY,
      erasure_id TEXT NOT NULL,
      at TEXT NOT NULL
    )`,
      ],
    },
  ],
};
