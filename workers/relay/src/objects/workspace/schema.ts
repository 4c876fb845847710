import { ERASURES_MIGRATION } from "./erasures";
import type { Schema } from "../migrate";

/** The workspace object's tables (docs/storage.md). Append steps; never edit a released one. */
export const WORKSPACE_SCHEMA: Schema = {
  object: "workspace",
  steps: [
    // v1: the workspace's settings and its API keys.
    {
      name: "create_tables",
      sql: [
        `CREATE TABLE workspace (
      singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
      id TEXT NOT NULL,
      name TEXT NOT NULL,
      settings TEXT NOT NULL,
      created_at TEXT NOT NULL
    )`,
        `CREATE TABLE api_keys (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      scopes TEXT NOT NULL,
      secret_hash TEXT NOT NULL,
      created_at TEXT NOT NULL,
      revoked_at TEXT
    )`,
      ],
    },
    // v2: the audit log (objects/workspace/audit.ts): append-only, pruned by the alarm.
    {
      name: "audit",
      sql: [
        `CREATE TABLE audit_log (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      at TEXT NOT NULL,
      action TEXT NOT NULL,
      actor_type TEXT NOT NULL,
      actor_id TEXT,
      person_id TEXT,
      person TEXT,
      customer_id TEXT,
      other_customer_id TEXT,
      target TEXT,
      before TEXT,
      after TEXT,
      ip TEXT,
      user_agent TEXT
    )`,
        "CREATE INDEX audit_log_at ON audit_log (at)",
        "CREATE INDEX audit_log_actor ON audit_log (actor_id)",
        "CREATE INDEX audit_log_person ON audit_log (person_id)",
        "CREATE INDEX audit_log_customer ON audit_log (customer_id)",
        "CREATE INDEX audit_log_other_customer ON audit_log (other_customer_id)",
        `CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
        `CREATE TABLE audit_meta (
      singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
      salt TEXT NOT NULL
    )`,
      ],
    },
    // v3: the key id of SETTINGS_KEYS that sealed the settings' secrets (docs/privacy.md
    // "Secrets"); NULL for rows written before encryption, which the object seals at start-up.
    {
      name: "settings_key",
      sql: ["ALTER TABLE workspace ADD COLUMN settings_key TEXT"],
    },
    // v4: erasure jobs (docs/privacy.md "Erasure"; erasures.ts).
    { name: "erasures", sql: ERASURES_MIGRATION },
  ],
};
