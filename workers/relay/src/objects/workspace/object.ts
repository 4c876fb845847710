import { DurableObject } from "cloudflare:workers";
import {
  WorkspaceSettings,
  applySettingsPatch,
  err,
  ok,
  redactSettings,
  timingSafeEqual,
  type Result,
  type WorkspaceSettingsPatch,
} from "@baton/core";
import { migrate } from "../migrate";
import { WORKSPACE_SCHEMA } from "./schema";

/** What an API key may do. `admin` implies every other scope within its workspace. */
export const SCOPES = [
  "events:write",
  "journeys:read",
  "journeys:write",
  "context:read",
  "caller:assert",
  "customers:read",
  "customers:write",
  "webhooks:manage",
  "admin",
] as const;
export type Scope = (typeof SCOPES)[number];

export interface WorkspaceView {
  id: string;
  name: string;
  createdAt: string;
  settings: Record<string, unknown>;
}

export interface KeyView {
  id: string;
  name: string;
  scopes: Scope[];
  createdAt: string;
  revokedAt: string | null;
}

export type WorkspaceError =
  | { code: "workspace_not_found" }
  | { code: "key_not_found"; id: string }
  | { code: "key_conflict"; id: string };

interface KeyRecord {
  id: string;
  name: string;
  scopes: string;
  secret_hash: string;
  created_at: string;
  revoked_at: string | null;
  [k: string]: SqlStorageValue;
}

const keyView = (k: KeyRecord): KeyView => ({
  id: k.id,
  name: k.name,
  scopes: JSON.parse(k.scopes) as Scope[],
  createdAt: k.created_at,
  revokedAt: k.revoked_at,
});

/** One per workspace: its settings and API keys (only SHA-256 hashes of the secrets). */
export class WorkspaceObject extends DurableObject<Env> {
  readonly #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, WORKSPACE_SCHEMA);
    });
  }

  /** Creates the workspace, or renames it when it exists. Returns whether it was created. */
  upsert(id: string, name: string): { workspace: WorkspaceView; created: boolean } {
    const existing = this.#read();
    if (existing) {
      this.#sql.exec("UPDATE workspace SET name = ? WHERE singleton = 1", name);
    } else {
      this.#sql.exec(
        "INSERT INTO workspace (singleton, id, name, settings, created_at) VALUES (1, ?, ?, '{}', ?)",
        id,
        name,
        new Date().toISOString(),
      );
    }
    const ws = this.#read();
    if (!ws) throw new Error("workspace row missing after upsert");
    return {
      workspace: { ...ws, settings: redactSettings(this.#settings(ws)) },
      created: !existing,
    };
  }

  get(): Result<WorkspaceView, WorkspaceError> {
    const ws = this.#read();
    return ws
      ? ok({ ...ws, settings: redactSettings(this.#settings(ws)) })
      : err({ code: "workspace_not_found" });
  }

  /** The workspace's settings with secrets, for the Worker's own use (never returned over HTTP). */
  settings(): WorkspaceSettings | null {
    const ws = this.#read();
    return ws ? this.#settings(ws) : null;
  }

  /** Applies a settings patch and returns the redacted result. */
  patchSettings(patch: WorkspaceSettingsPatch): Result<WorkspaceView, WorkspaceError> {
    const ws = this.#read();
    if (!ws) return err({ code: "workspace_not_found" });
    const next = applySettingsPatch(this.#settings(ws), patch);
    this.#sql.exec("UPDATE workspace SET settings = ? WHERE singleton = 1", JSON.stringify(next));
    return this.get();
  }

  #settings(ws: WorkspaceView): WorkspaceSettings {
    return WorkspaceSettings.parse(ws.settings);
  }

  /**
   * Stores a key by the hash of its secret. Re-creating a key with the same id and secret is a
   * no-op (so setup scripts can run twice); the same id with another secret is a conflict.
   */
  putKey(
    id: string,
    name: string,
    scopes: Scope[],
    secretHash: string,
  ): Result<{ key: KeyView; created: boolean }, WorkspaceError> {
    if (!this.#read()) return err({ code: "workspace_not_found" });
    const existing = this.#key(id);
    if (existing) {
      if (existing.secret_hash !== secretHash || existing.revoked_at !== null) {
        return err({ code: "key_conflict", id });
      }
      return ok({ key: keyView(existing), created: false });
    }
    this.#sql.exec(
      "INSERT INTO api_keys (id, name, scopes, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)",
      id,
      name,
      JSON.stringify(scopes),
      secretHash,
      new Date().toISOString(),
    );
    const created = this.#key(id);
    if (!created) throw new Error("key row missing after insert");
    return ok({ key: keyView(created), created: true });
  }

  listKeys(): KeyView[] {
    return this.#sql
      .exec<KeyRecord>("SELECT * FROM api_keys ORDER BY created_at")
      .toArray()
      .map(keyView);
  }

  revokeKey(id: string): Result<KeyView, WorkspaceError> {
    const k = this.#key(id);
    if (!k) return err({ code: "key_not_found", id });
    if (k.revoked_at === null) {
      this.#sql.exec(
        "UPDATE api_keys SET revoked_at = ? WHERE id = ?",
        new Date().toISOString(),
        id,
      );
    }
    const after = this.#key(id);
    if (!after) throw new Error("key row vanished");
    return ok(keyView(after));
  }

  /** The scopes of a live key whose secret hashes to `secretHash`, or null. */
  verifyKey(id: string, secretHash: string): Scope[] | null {
    const k = this.#key(id);
    if (!k || k.revoked_at !== null || !timingSafeEqual(k.secret_hash, secretHash)) return null;
    return JSON.parse(k.scopes) as Scope[];
  }

  #read(): WorkspaceView | null {
    const row = this.#sql
      .exec<{ id: string; name: string; settings: string; created_at: string }>(
        "SELECT id, name, settings, created_at FROM workspace WHERE singleton = 1",
      )
      .toArray()[0];
    return row
      ? {
          id: row.id,
          name: row.name,
          createdAt: row.created_at,
          settings: JSON.parse(row.settings) as Record<string, unknown>,
        }
      : null;
  }

  #key(id: string): KeyRecord | null {
    return (
      this.#sql.exec<KeyRecord>("SELECT * FROM api_keys WHERE id = ?", id).toArray()[0] ?? null
    );
  }
}
