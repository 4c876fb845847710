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
  ],
};
