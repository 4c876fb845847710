import {
  ERASURE_STEPS,
  emptyCounts,
  type ErasureCounts,
  type ErasurePlan,
  type ErasureStep,
  type JobState,
} from "../../erasure/job";

/**
 * The erasure jobs of a workspace, kept by its WorkspaceObject (docs/privacy.md "Erasure").
 * A job row holds its plan (the customer's ids, journeys and identifiers) only while it runs;
 * a completed job keeps ids, counts and notes. `erasure_keys` maps the erased customer ids and
 * the keyed hashes of the erased identifiers to their job, so a second request for the same
 * customer, by id or by identifier, answers the first job.
 */

export const ERASURES_MIGRATION = [
  `CREATE TABLE erasures (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    status TEXT NOT NULL,
    step TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    completed_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER,
    last_error TEXT,
    requested_by TEXT NOT NULL,
    plan TEXT,
    counts TEXT NOT NULL,
    notes TEXT NOT NULL
  )`,
  `CREATE INDEX erasures_due ON erasures (status, next_at)`,
  `CREATE INDEX erasures_requested ON erasures (requested_at)`,
  `CREATE TABLE erasure_keys (key TEXT PRIMARY KEY, erasure_id TEXT NOT NULL)`,
] as const;

export type ErasureStatus = "running" | "failed_retrying" | "completed";

export interface ErasureView {
  id: string;
  customerId: string;
  status: ErasureStatus;
  /** The step the job is in (`done` once completed). */
  step: ErasureStep | "done";
  requestedAt: string;
  updatedAt: string;
  completedAt: string | null;
  /** Failed runs so far; each is retried with backoff. */
  attempts: number;
  lastError: string | null;
  /** When a failed job runs again (ISO), or null. */
  nextAttemptAt: string | null;
  counts: ErasureCounts;
  /** What the job met and finished first (live chat sockets, pending links, merged customers). */
  notes: string[];
  requestedBy: unknown;
}

interface Row {
  id: string;
  customer_id: string;
  status: string;
  step: string;
  requested_at: string;
  updated_at: string;
  completed_at: string | null;
  attempts: number;
  next_at: number | null;
  last_error: string | null;
  requested_by: string;
  plan: string | null;
  counts: string;
  notes: string;
  [k: string]: SqlStorageValue;
}

export function erasureView(r: Row): ErasureView {
  return {
    id: r.id,
    customerId: r.customer_id,
    status: r.status as ErasureStatus,
    step: r.step as ErasureStep | "done",
    requestedAt: r.requested_at,
    updatedAt: r.updated_at,
    completedAt: r.completed_at,
    attempts: r.attempts,
    lastError: r.last_error,
    nextAttemptAt:
      r.status === "failed_retrying" && r.next_at !== null
        ? new Date(r.next_at).toISOString()
        : null,
    counts: JSON.parse(r.counts) as ErasureCounts,
    notes: JSON.parse(r.notes) as string[],
    requestedBy: JSON.parse(r.requested_by) as unknown,
  };
}

export function readErasure(sql: SqlStorage, id: string): Row | null {
  return sql.exec<Row>("SELECT * FROM erasures WHERE id = ?", id).toArray()[0] ?? null;
}

/** The job that erased (or is erasing) what `key` names: a customer id or an identifier hash. */
export function erasureByKey(sql: SqlStorage, key: string): Row | null {
  const hit = sql
    .exec<{ erasure_id: string }>("SELECT erasure_id FROM erasure_keys WHERE key = ?", key)
    .toArray()[0];
  return hit ? readErasure(sql, hit.erasure_id) : null;
}

export function insertErasure(
  sql: SqlStorage,
  job: { id: string; customerId: string; plan: ErasurePlan; requestedBy: unknown; notes: string[] },
  keys: string[],
  now: number,
): void {
  const at = new Date(now).toISOString();
  sql.exec(
    `INSERT INTO erasures (id, customer_id, status, step, requested_at, updated_at, next_at,
       requested_by, plan, counts, notes)
     VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?)`,
    job.id,
    job.customerId,
    ERASURE_STEPS[0],
    at,
    at,
    now,
    JSON.stringify(job.requestedBy),
    JSON.stringify(job.plan),
    JSON.stringify(emptyCounts()),
    JSON.stringify(job.notes),
  );
  for (const k of keys) {
    sql.exec("INSERT OR IGNORE INTO erasure_keys (key, erasure_id) VALUES (?, ?)", k, job.id);
  }
}

/** The job as the steps use it (null once completed: its plan is gone). */
export function jobState(workspace: string, r: Row): JobState | null {
  if (r.plan === null) return null;
  return {
    id: r.id,
    workspace,
    requestedAt: r.requested_at,
    plan: JSON.parse(r.plan) as ErasurePlan,
    counts: JSON.parse(r.counts) as ErasureCounts,
    notes: JSON.parse(r.notes) as string[],
  };
}

/** Saves progress after a step: the next step, the plan, counts and notes. */
export function saveStep(sql: SqlStorage, job: JobState, next: ErasureStep | "done"): void {
  const now = new Date().toISOString();
  const done = next === "done";
  sql.exec(
    `UPDATE erasures SET step = ?, status = ?, updated_at = ?, completed_at = ?, next_at = ?,
       last_error = CASE WHEN ? THEN NULL ELSE last_error END,
       plan = ?, counts = ?, notes = ? WHERE id = ?`,
    next,
    done ? "completed" : "running",
    now,
    done ? now : null,
    done ? null : Date.now(),
    done ? 1 : 0,
    // A completed job keeps no identifier, journey list or tombstone: ids and counts only.
    done ? null : JSON.stringify(job.plan),
    JSON.stringify(job.counts),
    JSON.stringify(job.notes),
    job.id,
  );
}

/** Backoff after a failed run: 2 s doubling to 10 min. */
export function retryDelayMs(attempts: number): number {
  return Math.min(600_000, 2000 * 2 ** Math.max(0, attempts - 1));
}

export function saveFailure(sql: SqlStorage, id: string, error: string, now: number): void {
  const r = readErasure(sql, id);
  if (!r) return;
  const attempts = r.attempts + 1;
  sql.exec(
    `UPDATE erasures SET status = 'failed_retrying', attempts = ?, last_error = ?, next_at = ?,
       updated_at = ? WHERE id = ?`,
    attempts,
    error.slice(0, 500),
    now + retryDelayMs(attempts),
    new Date(now).toISOString(),
    id,
  );
}

/** Jobs due to run now, oldest first. */
export function dueErasures(sql: SqlStorage, now: number): Row[] {
  return sql
    .exec<Row>(
      `SELECT * FROM erasures WHERE status != 'completed' AND next_at <= ? ORDER BY next_at LIMIT 5`,
      now,
    )
    .toArray();
}

/** When the next job is due (epoch ms), or null. */
export function nextErasureAt(sql: SqlStorage): number | null {
  const row = sql
    .exec<{ at: number | null }>(
      "SELECT min(next_at) AS at FROM erasures WHERE status != 'completed'",
    )
    .one();
  return row.at ?? null;
}

export function listErasures(
  sql: SqlStorage,
  limit: number,
  cursor: string | undefined,
): { items: ErasureView[]; nextCursor: string | null } {
  const rows = sql
    .exec<Row>(
      `SELECT * FROM erasures ${cursor ? "WHERE id < ?" : ""} ORDER BY id DESC LIMIT ?`,
      ...(cursor ? [cursor, limit + 1] : [limit + 1]),
    )
    .toArray();
  const page = rows.slice(0, limit);
  return {
    items: page.map(erasureView),
    nextCursor: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}
