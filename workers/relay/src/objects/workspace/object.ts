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
import { newId } from "@baton/core";
import { ERASURE_STEPS, runStep, type ErasurePlan, type ErasureStep } from "../../erasure/job";
import {
  dueErasures,
  erasureByKey,
  erasureView,
  jobState,
  insertErasure,
  listErasures,
  nextErasureAt,
  readErasure,
  saveFailure,
  saveStep,
  type ErasureView,
} from "./erasures";
import { WORKSPACE_SCHEMA } from "./schema";
import type { WorkspaceError } from "./types";
import { keyring } from "../../secrets/keyring";
import {
  describeUnreadable,
  maskSealed,
  openSettings,
  placeholderPaths,
  sealSettings,
  secretPaths,
  type SealError,
  type Unreadable,
} from "../../secrets/settings-seal";
import {
  appendAudit,
  auditSalt,
  identifierHash,
  nextPrune,
  pruneAudit,
  queryAudit,
  settingsChange,
  type AuditEntry,
  type AuditEntryInput,
  type AuditQuery,
  type AuditSource,
} from "./audit";

/** How long one alarm run spends on erasure steps before it re-arms for the rest. */
const ERASURE_RUN_BUDGET_MS = 20_000;
/** Who the completion entry names: Baton's erasure job. */
const SYSTEM_ERASURE: AuditSource = {
  actor: { type: "system", name: "erasure" },
  ip: null,
  userAgent: null,
};

/** Stands in for a sealed secret where it is not opened: a string no setting holds. */
const SEALED = "\u0000(sealed)\u0000";

/** What an API key may do. `admin` implies every other scope within its workspace. */
export const SCOPES = [
  "events:write",
  "journeys:read",
  "journeys:write",
  "context:read",
  "caller:assert",
  "customers:read",
  "customers:write",
  "customers:erase",
  "webhooks:manage",
  "audit:read",
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

/**
 * One per workspace: its settings, API keys (only SHA-256 hashes of the secrets) and audit log
 * (audit.ts; its alarm deletes entries past `audit.retentionDays`).
 */
export class WorkspaceObject extends DurableObject<Env> {
  readonly #sql: SqlStorage;
  /** The armed alarm (epoch ms), read once at start-up, so appends arm it without a read. */
  #alarmAt: number | null = null;
  #salt: string | null = null;
  /** The settings with their secrets opened: decrypted once per object lifetime (settings()). */
  #plain: WorkspaceSettings | null = null;
  /** Counts settings writes, so a read that awaited across a write does not cache stale values. */
  #settingsWrites = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, WORKSPACE_SCHEMA);
      this.#alarmAt = await ctx.storage.getAlarm();
      await this.#resealAtStart();
    });
  }

  /** Creates the workspace, or renames it when it exists. Returns whether it was created. */
  upsert(
    id: string,
    name: string,
    source: AuditSource,
  ): { workspace: WorkspaceView; created: boolean } {
    const existing = this.#read();
    if (existing) {
      this.#sql.exec("UPDATE workspace SET name = ? WHERE singleton = 1", name);
      if (existing.name !== name) {
        this.#audit(source, {
          action: "workspace.renamed",
          target: { workspace: id },
          before: { name: existing.name },
          after: { name },
        });
      }
    } else {
      this.#sql.exec(
        "INSERT INTO workspace (singleton, id, name, settings, created_at) VALUES (1, ?, ?, '{}', ?)",
        id,
        name,
        new Date().toISOString(),
      );
      this.#audit(source, {
        action: "workspace.created",
        target: { workspace: id },
        after: { name },
      });
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

  /**
   * The workspace's settings with secrets, for the Worker's own use (never returned over HTTP).
   * Secrets are decrypted on the first call and kept for the object's lifetime. A secret that
   * cannot be decrypted (its key left SETTINGS_KEYS) throws an error that names the fields and
   * key ids: the caller answers 503 and the stored value stays as it is.
   */
  async settings(): Promise<WorkspaceSettings | null> {
    if (this.#plain) return this.#plain;
    const ws = this.#read();
    if (!ws) return null;
    const writes = this.#settingsWrites;
    const { doc, unreadable } = await this.#open(ws);
    if (unreadable.length > 0) {
      throw new Error(`workspace ${ws.id} settings: ${describeUnreadable(unreadable)}`);
    }
    const plain = WorkspaceSettings.parse(doc);
    if (writes === this.#settingsWrites) this.#plain = plain;
    return plain;
  }

  /**
   * Applies a settings patch and returns the redacted result. Secrets are stored sealed with
   * the current key of SETTINGS_KEYS (all of them re-sealed on every write, which is how a
   * rotation reaches them); a secret that cannot be opened must be set again by the patch, or
   * the patch is refused and nothing changes.
   */
  async patchSettings(
    patch: WorkspaceSettingsPatch,
    source: AuditSource,
  ): Promise<Result<WorkspaceView, WorkspaceError | SealError>> {
    // Decrypting and sealing await: hold other calls so two patches never interleave. A throw
    // inside blockConcurrencyWhile would reset the object, so it is carried out and rethrown.
    const out = await this.ctx.blockConcurrencyWhile(async () => {
      try {
        return { result: await this.#patchSettings(patch, source) };
      } catch (error) {
        return { error };
      }
    });
    if ("error" in out) throw out.error;
    return out.result;
  }

  async #patchSettings(
    patch: WorkspaceSettingsPatch,
    source: AuditSource,
  ): Promise<Result<WorkspaceView, WorkspaceError | SealError>> {
    const ws = this.#read();
    if (!ws) return err({ code: "workspace_not_found" });
    const opened = await this.#open(ws);
    const prev = WorkspaceSettings.parse(opened.doc);
    const next = applySettingsPatch(prev, patch);
    const sealed = await this.#seal(ws.id, next, opened.unreadable);
    if (!sealed.ok) return sealed;
    this.#sql.exec(
      "UPDATE workspace SET settings = ?, settings_key = ? WHERE singleton = 1",
      JSON.stringify(sealed.value.doc),
      sealed.value.keyId,
    );
    this.#settingsWrites++;
    this.#plain = next;
    const change = settingsChange(prev, next, redactSettings(prev), redactSettings(next));
    if (change) {
      this.#audit(source, {
        action: "settings.updated",
        target: { changed: change.changed },
        before: change.before,
        after: change.after,
      });
    }
    if (prev.audit.retentionDays !== next.audit.retentionDays) this.#armPrune(true);
    return this.get();
  }

  /** The settings with sealed secrets masked (redactSettings shows them as "(set)"). */
  #settings(ws: WorkspaceView): WorkspaceSettings {
    return WorkspaceSettings.parse(maskSealed(ws.settings, SEALED));
  }

  /** The stored settings with every secret opened; one that cannot be is SEALED and listed. */
  async #open(ws: WorkspaceView) {
    return openSettings(await keyring(this.env.SETTINGS_KEYS), ws.id, ws.settings, SEALED);
  }

  /**
   * The settings as stored: secrets sealed with the current key, and that key's id (null when
   * no keyring is configured and there is no secret to seal). Refused when a secret that could
   * not be opened is still there, or when there is a secret and no usable SETTINGS_KEYS.
   */
  async #seal(
    workspace: string,
    next: WorkspaceSettings,
    unreadable: Unreadable[],
  ): Promise<Result<{ doc: Record<string, unknown>; keyId: string | null }, SealError>> {
    const doc = next as unknown as Record<string, unknown>;
    const kept = new Set(placeholderPaths(doc, SEALED));
    const stuck = unreadable.filter((u) => kept.has(u.path));
    if (stuck.length > 0) return err({ code: "settings_unreadable", fields: stuck });
    const ring = await keyring(this.env.SETTINGS_KEYS);
    if (!ring.ok) {
      return secretPaths(doc).length === 0 ? ok({ doc, keyId: null }) : err(ring.problem);
    }
    return ok({ doc: await sealSettings(ring.ring, workspace, doc), keyId: ring.ring.current });
  }

  /**
   * Start-up (in blockConcurrencyWhile): settings not sealed with the current key (stored in
   * clear before encryption, or under a key a rotation demoted) are re-sealed now. One column
   * read when they are current. Never throws: a secret that cannot be opened is left as stored
   * and reported by settings() and patchSettings().
   */
  async #resealAtStart(): Promise<void> {
    try {
      const row = this.#sql
        .exec<{ settings_key: string | null }>(
          "SELECT settings_key FROM workspace WHERE singleton = 1",
        )
        .toArray()[0];
      if (!row) return;
      const ring = await keyring(this.env.SETTINGS_KEYS);
      if (!ring.ok || row.settings_key === ring.ring.current) return;
      const ws = this.#read();
      if (!ws) return;
      const { doc, unreadable } = await openSettings(ring, ws.id, ws.settings, SEALED);
      if (unreadable.length > 0) {
        console.error(`workspace ${ws.id} settings: ${describeUnreadable(unreadable)}`);
        return;
      }
      const sealed = await sealSettings(ring.ring, ws.id, doc);
      this.#sql.exec(
        "UPDATE workspace SET settings = ?, settings_key = ? WHERE singleton = 1",
        JSON.stringify(sealed),
        ring.ring.current,
      );
    } catch (error) {
      console.error(
        "workspace settings: re-sealing at start-up failed:",
        error instanceof Error ? error.message : String(error),
      );
    }
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
    source: AuditSource,
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
    this.#audit(source, {
      action: "key.created",
      target: { keyId: id },
      after: { name, scopes },
    });
    return ok({ key: keyView(created), created: true });
  }

  listKeys(): KeyView[] {
    return this.#sql
      .exec<KeyRecord>("SELECT * FROM api_keys ORDER BY created_at")
      .toArray()
      .map(keyView);
  }

  revokeKey(id: string, source: AuditSource): Result<KeyView, WorkspaceError> {
    const k = this.#key(id);
    if (!k) return err({ code: "key_not_found", id });
    if (k.revoked_at === null) {
      const at = new Date().toISOString();
      this.#sql.exec("UPDATE api_keys SET revoked_at = ? WHERE id = ?", at, id);
      this.#audit(source, {
        action: "key.revoked",
        target: { keyId: id },
        before: { name: k.name, scopes: JSON.parse(k.scopes) as Scope[], revokedAt: null },
        after: { revokedAt: at },
      });
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

  /**
   * Appends entries for actions made elsewhere (identity routes, erasure, export), in one
   * transaction. An entry naming an identifier stores its type and keyed hash, never its value.
   */
  async record(source: AuditSource, entries: AuditEntryInput[]): Promise<number> {
    this.#salt ??= auditSalt(this.#sql);
    const hashes = await Promise.all(
      entries.map(async (e) =>
        e.identifier ? identifierHash(this.#salt ?? "", e.identifier.key) : undefined,
      ),
    );
    // No await from here on: every entry commits together.
    entries.forEach((e, i) => this.#audit(source, e, hashes[i]));
    return entries.length;
  }

  /** The audit log, newest first (GET /v1/audit). */
  audit(q: AuditQuery): { items: AuditEntry[]; nextCursor: string | null } {
    return queryAudit(this.#sql, q);
  }

  /**
   * Runs due erasure jobs (docs/privacy.md "Erasure"), then audit retention (deletes entries
   * past `audit.retentionDays` in batches), then re-arms for whichever is next.
   */
  override async alarm(): Promise<void> {
    this.#alarmAt = null;
    await this.#runErasures();
    const { next } = pruneAudit(this.#sql, this.#retentionDays(), Date.now());
    const candidates = [next, nextErasureAt(this.#sql)].filter((t): t is number => t !== null);
    if (candidates.length > 0) {
      const at = Math.max(Date.now(), Math.min(...candidates));
      void this.ctx.storage.setAlarm(at);
      this.#alarmAt = at;
    }
  }

  /**
   * Starts erasing a customer, or answers the job that already erased (or is erasing) it: any
   * of `keys` (the customer ids, keyed hashes of identifiers) already tied to a job returns
   * that job and starts nothing. The job runs from the alarm, now.
   */
  async requestErasure(
    req: { customerId: string; plan: ErasurePlan; identifiers: string[]; notes: string[] },
    source: AuditSource,
  ): Promise<{ erasure: ErasureView; created: boolean }> {
    this.#salt ??= auditSalt(this.#sql);
    const hashed = await Promise.all(
      req.identifiers.map((k) => identifierHash(this.#salt ?? "", k)),
    );
    const keys = [
      ...new Set([...req.plan.customers, req.customerId]),
      ...hashed.map((h) => `id:${h}`),
    ];
    for (const k of keys) {
      const found = erasureByKey(this.#sql, k);
      if (found) return { erasure: erasureView(found), created: false };
    }
    const id = newId("era");
    const now = Date.now();
    const requestedBy = { actor: source.actor, person: source.person ?? null };
    this.ctx.storage.transactionSync(() => {
      insertErasure(
        this.#sql,
        { id, customerId: req.customerId, plan: req.plan, requestedBy, notes: req.notes },
        keys,
        now,
      );
      appendAudit(this.#sql, source, {
        action: "erasure.requested",
        customerId: req.customerId,
        target: {
          erasureId: id,
          customers: req.plan.customers.length,
          journeys: req.plan.journeys.length,
        },
      });
    });
    await this.ctx.storage.setAlarm(now);
    this.#alarmAt = now;
    const row = readErasure(this.#sql, id);
    if (!row) throw new Error("erasure row missing after insert");
    return { erasure: erasureView(row), created: true };
  }

  /** One erasure job, or null. */
  erasure(id: string): ErasureView | null {
    const r = readErasure(this.#sql, id);
    return r ? erasureView(r) : null;
  }

  /** The job that erased a customer id, or an identifier (`phone:+1…`), or null. */
  async erasureFor(q: { customerId?: string; identifier?: string }): Promise<ErasureView | null> {
    let key = q.customerId;
    if (q.identifier !== undefined) {
      this.#salt ??= auditSalt(this.#sql);
      key = `id:${await identifierHash(this.#salt, q.identifier)}`;
    }
    const r = key === undefined ? null : erasureByKey(this.#sql, key);
    return r ? erasureView(r) : null;
  }

  /** Erasure jobs, newest first. */
  erasures(limit: number, cursor?: string): { items: ErasureView[]; nextCursor: string | null } {
    return listErasures(this.#sql, limit, cursor);
  }

  /** Runs the due jobs' steps in order, saving after each; a failure is retried with backoff. */
  async #runErasures(): Promise<void> {
    const ws = this.#read();
    if (!ws) return;
    const started = Date.now();
    for (const row of dueErasures(this.#sql, started)) {
      const job = jobState(ws.id, row);
      if (!job) continue;
      let step = row.step as ErasureStep | "done";
      try {
        while (step !== "done") {
          if (Date.now() - started > ERASURE_RUN_BUDGET_MS) break;
          await runStep(this.env, job, step);
          const at = ERASURE_STEPS.indexOf(step);
          const next = ERASURE_STEPS[at + 1] ?? "done";
          if (next === "done") {
            this.ctx.storage.transactionSync(() => {
              saveStep(this.#sql, job, "done");
              appendAudit(this.#sql, SYSTEM_ERASURE, {
                action: "customer.erased",
                customerId: row.customer_id,
                target: { erasureId: job.id, ...job.counts, customers: job.plan.customers },
              });
            });
          } else {
            saveStep(this.#sql, job, next);
          }
          step = next;
        }
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        console.error(`erasure ${job.id} failed at ${step}: ${message}`);
        saveFailure(this.#sql, job.id, `${step}: ${message}`, Date.now());
      }
    }
  }

  #audit(source: AuditSource, entry: AuditEntryInput, hash?: string): void {
    appendAudit(this.#sql, source, entry, hash);
    this.#armPrune(false);
  }

  /** Arms the retention alarm when none is armed, or (`recompute`) when retention changed. */
  #armPrune(recompute: boolean): void {
    if (this.#alarmAt !== null && !recompute) return;
    const next = nextPrune(this.#sql, this.#retentionDays(), Date.now());
    if (next === null || (this.#alarmAt !== null && this.#alarmAt <= next)) return;
    void this.ctx.storage.setAlarm(next);
    this.#alarmAt = next;
  }

  #retentionDays(): number {
    const ws = this.#read();
    return ws ? this.#settings(ws).audit.retentionDays : 365;
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
