/**
 * The audit log (docs/privacy.md, "Audit log"; docs/storage.md, `audit_log`): one append-only
 * table per workspace in the WorkspaceObject's SQLite. Key, settings and workspace actions are
 * written inside the object method that makes them, in the same transaction; identity actions
 * happen in other objects, so their routes send the entries afterwards with one `record()` call
 * (`recordAudit` below), which later erasure and export work uses too.
 *
 * What is never stored: secret values (settings secrets appear as "(set)" or "(changed)"),
 * identifier values (an identifier is its type and a keyed hash, see `identifierHash`), and
 * free text a caller wrote (merge reasons): the log outlives an erasure of the customer.
 */
import { LIMITS, toHex } from "@baton/core";
import { workspaceStub } from "../access";

/** Every action the log records (docs/privacy.md, "Audit log"). */
export const AUDIT_ACTIONS = [
  "workspace.created",
  "workspace.renamed",
  "settings.updated",
  "key.created",
  "key.revoked",
  "identifier.linked",
  "identifier.unlinked",
  "customer.merged",
  "merge.undone",
  "verification.started",
  "verification.confirmed",
  "verification.failed",
  "pending_link.confirmed",
  "pending_link.rejected",
  "erasure.requested",
  "customer.erased",
  "customer.exported",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Who acted: an API key, the bootstrap ADMIN_SECRET, or Baton itself (a named job). */
export type AuditActor =
  { type: "key"; keyId: string } | { type: "admin" } | { type: "system"; name: string };

/** The person a caller names in a body's `actor` (an agent, a bot), when it names one. */
export interface AuditPerson {
  kind: string;
  id?: string | undefined;
  name?: string | undefined;
}

/** Who, and from where: built once per request (routes/audit.ts, `auditSource`). */
export interface AuditSource {
  actor: AuditActor;
  person?: AuditPerson | null | undefined;
  /** cf-connecting-ip, at most 64 characters. */
  ip: string | null;
  /** User-Agent, cut to USER_AGENT_CHARS. */
  userAgent: string | null;
}

/** What happened. */
export interface AuditEntryInput {
  action: AuditAction;
  customerId?: string | null;
  /** The other customer of a merge or undo (the absorbed one). */
  otherCustomerId?: string | null;
  /** What was acted on: a key id, a merge id, a verification id… (no personal data). */
  target?: Record<string, unknown>;
  /** An identifier: stored as its type and a keyed hash of `key` (`type:value`), never the value. */
  identifier?: { type: string; key: string };
  before?: unknown;
  after?: unknown;
}

export interface AuditEntry {
  id: string;
  at: string;
  action: AuditAction;
  actor: AuditActor & { person: AuditPerson | null };
  customerId: string | null;
  otherCustomerId: string | null;
  target: Record<string, unknown> | null;
  before: unknown;
  after: unknown;
  ip: string | null;
  userAgent: string | null;
}

export interface AuditQuery {
  from?: string | undefined;
  to?: string | undefined;
  actor?: string | undefined;
  customer?: string | undefined;
  action?: AuditAction | undefined;
  limit: number;
  cursor?: string | undefined;
}

export const USER_AGENT_CHARS = 200;
const IP_CHARS = 64;
/** Rows deleted per retention transaction. */
export const PRUNE_BATCH = 500;
/** The retention alarm runs at most this often once the backlog is gone. */
export const PRUNE_GAP_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

interface AuditRow {
  seq: number;
  at: string;
  action: string;
  actor_type: string;
  actor_id: string | null;
  person_id: string | null;
  person: string | null;
  customer_id: string | null;
  other_customer_id: string | null;
  target: string | null;
  before: string | null;
  after: string | null;
  ip: string | null;
  user_agent: string | null;
  [k: string]: SqlStorageValue;
}

const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));
const clipped = (s: string | null | undefined, n: number): string | null =>
  s ? s.slice(0, n) : null;

/** The actor's id column: the key id, or the job name for Baton itself. */
function actorId(a: AuditActor): string | null {
  return a.type === "key" ? a.keyId : a.type === "system" ? a.name : null;
}

/**
 * Appends one entry. Synchronous: called inside the object method whose change it records, so
 * both commit together. `identifierHash` is the keyed hash when the entry names an identifier.
 */
export function appendAudit(
  sql: SqlStorage,
  source: AuditSource,
  entry: AuditEntryInput,
  identifierHash?: string,
): void {
  const person = source.person
    ? {
        kind: source.person.kind,
        ...(source.person.id !== undefined ? { id: source.person.id } : {}),
        ...(source.person.name !== undefined ? { name: source.person.name } : {}),
      }
    : null;
  const target =
    entry.identifier && identifierHash
      ? { ...entry.target, identifier: { type: entry.identifier.type, hash: identifierHash } }
      : entry.target;
  sql.exec(
    `INSERT INTO audit_log (at, action, actor_type, actor_id, person_id, person, customer_id,
       other_customer_id, target, before, after, ip, user_agent)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    new Date().toISOString(),
    entry.action,
    source.actor.type,
    actorId(source.actor),
    person?.id ?? null,
    json(person ?? undefined),
    entry.customerId ?? null,
    entry.otherCustomerId ?? null,
    json(target),
    json(entry.before),
    json(entry.after),
    clipped(source.ip, IP_CHARS),
    clipped(source.userAgent, USER_AGENT_CHARS),
  );
}

/** The workspace's hashing salt, made on first use; it never leaves the object. */
export function auditSalt(sql: SqlStorage): string {
  const row = sql.exec<{ salt: string }>("SELECT salt FROM audit_meta").toArray()[0];
  if (row) return row.salt;
  const salt = toHex(crypto.getRandomValues(new Uint8Array(32)));
  sql.exec("INSERT INTO audit_meta (singleton, salt) VALUES (1, ?)", salt);
  return salt;
}

/**
 * HMAC-SHA256 of the identifier key (`type:value`) under the workspace's salt, 32 hex digits.
 * The same identifier gives the same hash within a workspace, so its entries can be followed;
 * without the salt (kept only in the object) the value cannot be recovered by trying numbers.
 */
export async function identifierHash(salt: string, key: string): Promise<string> {
  const hmacKey = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(salt),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", hmacKey, new TextEncoder().encode(key));
  return toHex(mac).slice(0, 32);
}

/** Newest first, filtered; `cursor` is the last `id` of the previous page. */
export function queryAudit(
  sql: SqlStorage,
  q: AuditQuery,
): { items: AuditEntry[]; nextCursor: string | null } {
  const where: string[] = [];
  const args: SqlStorageValue[] = [];
  if (q.from !== undefined) {
    where.push("at >= ?");
    args.push(q.from);
  }
  if (q.to !== undefined) {
    where.push("at < ?");
    args.push(q.to);
  }
  if (q.actor !== undefined) {
    // A key id or job name, a person's id, or "admin" for the ADMIN_SECRET.
    where.push("(actor_id = ? OR person_id = ? OR (actor_id IS NULL AND actor_type = ?))");
    args.push(q.actor, q.actor, q.actor);
  }
  if (q.customer !== undefined) {
    where.push("(customer_id = ? OR other_customer_id = ?)");
    args.push(q.customer, q.customer);
  }
  if (q.action !== undefined) {
    where.push("action = ?");
    args.push(q.action);
  }
  if (q.cursor !== undefined) {
    where.push("seq < ?");
    args.push(Number(q.cursor));
  }
  const rows = sql
    .exec<AuditRow>(
      `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY seq DESC LIMIT ?`,
      ...args,
      q.limit + 1,
    )
    .toArray();
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(entryView),
    nextCursor: rows.length > q.limit && last ? String(last.seq) : null,
  };
}

function entryView(r: AuditRow): AuditEntry {
  const parse = (s: string | null): unknown => (s === null ? null : JSON.parse(s));
  const person = parse(r.person) as AuditPerson | null;
  const actor: AuditActor =
    r.actor_type === "key"
      ? { type: "key", keyId: r.actor_id ?? "" }
      : r.actor_type === "system"
        ? { type: "system", name: r.actor_id ?? "" }
        : { type: "admin" };
  return {
    id: String(r.seq),
    at: r.at,
    action: r.action as AuditAction,
    actor: { ...actor, person },
    customerId: r.customer_id,
    otherCustomerId: r.other_customer_id,
    target: parse(r.target) as Record<string, unknown> | null,
    before: parse(r.before),
    after: parse(r.after),
    ip: r.ip,
    userAgent: r.user_agent,
  };
}

/**
 * Deletes up to PRUNE_BATCH entries older than `retentionDays`, oldest first, and answers when
 * the alarm should run next: at once while a full batch was deleted, else when the oldest
 * remaining entry expires (at least PRUNE_GAP_MS from now), or null when the log is empty.
 */
export function pruneAudit(
  sql: SqlStorage,
  retentionDays: number,
  now: number,
): { deleted: number; next: number | null } {
  const cutoff = new Date(now - retentionDays * DAY_MS).toISOString();
  const deleted = sql.exec(
    "DELETE FROM audit_log WHERE seq IN (SELECT seq FROM audit_log WHERE at < ? ORDER BY at LIMIT ?)",
    cutoff,
    PRUNE_BATCH,
  ).rowsWritten;
  if (deleted >= PRUNE_BATCH) return { deleted, next: now };
  return { deleted, next: nextPrune(sql, retentionDays, now) };
}

/** When the oldest entry expires (never sooner than PRUNE_GAP_MS from now), or null. */
export function nextPrune(sql: SqlStorage, retentionDays: number, now: number): number | null {
  const oldest = sql
    .exec<{ at: string }>("SELECT at FROM audit_log ORDER BY at LIMIT 1")
    .toArray()[0];
  if (!oldest) return null;
  return Math.max(Date.parse(oldest.at) + retentionDays * DAY_MS, now + PRUNE_GAP_MS);
}

/**
 * Records entries made outside the WorkspaceObject (identity actions in the customer and
 * identity objects; erasure; export) with one call, after the action succeeded. A failed call
 * is retried once, then logged: the action already happened, so the request still succeeds.
 */
export async function recordAudit(
  env: Env,
  workspace: string,
  source: AuditSource,
  entries: AuditEntryInput[],
): Promise<void> {
  if (entries.length === 0) return;
  const stub = workspaceStub(env, workspace);
  for (let attempt = 1; ; attempt++) {
    try {
      await stub.record(source, entries);
      return;
    } catch (e) {
      if (attempt >= 2) {
        console.error(
          `audit: ${entries.map((x) => x.action).join(",")} not recorded in ${workspace}:`,
          e instanceof Error ? e.message : String(e),
        );
        return;
      }
    }
  }
}

/** A body's `actor` as the audit log keeps it (labels clipped). */
export function personOf(actor: unknown): AuditPerson | null {
  if (!actor || typeof actor !== "object") return null;
  const a = actor as { kind?: unknown; id?: unknown; name?: unknown };
  if (typeof a.kind !== "string") return null;
  const label = (v: unknown) => (typeof v === "string" ? v.slice(0, LIMITS.labelChars) : undefined);
  return { kind: a.kind, id: label(a.id), name: label(a.name) };
}

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (v && typeof v === "object" ? (v as Obj) : {});

/**
 * A secret as the log shows it: "(set)" stays "(set)" when the value is the same as before and
 * becomes "(changed)" when a set secret was replaced; the values themselves never appear.
 */
function markChanged(shown: unknown, before: unknown, after: unknown): unknown {
  if (shown === "(set)") return before !== undefined && before !== after ? "(changed)" : shown;
  if (shown && typeof shown === "object" && !Array.isArray(shown)) {
    const b = asObj(before);
    const a = asObj(after);
    return Object.fromEntries(
      Object.entries(shown as Obj).map(([k, v]) => [k, markChanged(v, b[k], a[k])]),
    );
  }
  return shown;
}

/**
 * What a settings patch changed, per top-level field (per provider under `providers`): the
 * fields' values before and after as the API shows them (secrets hidden), or null when the
 * patch changed nothing. `raw*` are the settings with secrets, `shown*` their redacted views.
 */
export function settingsChange(
  rawBefore: Obj,
  rawAfter: Obj,
  shownBefore: Obj,
  shownAfter: Obj,
): { changed: string[]; before: Obj; after: Obj } | null {
  const paths: [string, (o: Obj) => unknown][] = [];
  for (const k of new Set([...Object.keys(rawBefore), ...Object.keys(rawAfter)])) {
    if (k !== "providers") paths.push([k, (o) => o[k]]);
  }
  const names = new Set([
    ...Object.keys(asObj(rawBefore.providers)),
    ...Object.keys(asObj(rawAfter.providers)),
  ]);
  for (const n of names) paths.push([`providers.${n}`, (o) => asObj(o.providers)[n]]);
  const changed: string[] = [];
  const before: Obj = {};
  const after: Obj = {};
  for (const [path, get] of paths.sort(([a], [b]) => (a < b ? -1 : 1))) {
    const b = get(rawBefore);
    const a = get(rawAfter);
    if (JSON.stringify(b) === JSON.stringify(a)) continue;
    changed.push(path);
    before[path] = get(shownBefore) ?? null;
    after[path] = markChanged(get(shownAfter) ?? null, b, a);
  }
  return changed.length ? { changed, before, after } : null;
}
