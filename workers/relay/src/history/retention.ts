import type { RetentionSettings } from "@baton/core";
import { journeyStub } from "../objects/access";
import { workspaceSettings } from "../objects/workspace/settings";
import { BODY_TYPES, DEFAULT_RETENTION, EXPIRED, cutoffs } from "../retention-policy";

/**
 * Retention in D1 (docs/privacy.md, "Retention"; docs/storage.md, "D1"): the Worker's cron
 * trigger (`[triggers] crons` in wrangler.toml, `scheduled()` in index.ts) applies each
 * workspace's `retention` settings to the history rows, as the journey objects' alarms apply
 * them to the objects:
 *
 * - `events` rows of `message` and `call` events past `messageBodyDays`: `text` becomes
 *   `[expired]`, `data` NULL (the partial index `events_body_expiry` holds exactly the rows
 *   still to blank, so a run with nothing to do reads nothing);
 * - `events` rows past `eventDays`: deleted (index `events_occurred`);
 * - `history_dead` records of such events: blanked or deleted the same way;
 * - journeys resolved more than `resolvedJourneyDays` ago (partial index `journeys_resolved`):
 *   the journey object is asked first (`retain()`), and only when it no longer holds the
 *   journey (it deleted itself, now or earlier) are the journey's `events`, `promises`,
 *   `owners`, `history_dead` and `journeys` rows deleted. A journey reopened meanwhile keeps
 *   its rows.
 *
 * Every statement changes at most PURGE_BATCH rows (`rowid IN (SELECT … LIMIT n)`: D1 has no
 * DELETE … LIMIT), and a run stops starting statements once its time budget is spent. Nothing
 * is remembered between runs: the next run finds what is left by the same queries (a row that
 * reached D1 late, after its object already blanked or deleted it, included), starting at a
 * random workspace so no workspace waits behind a large one run after run. Journeys whose rows
 * the run blanked or deleted are woken (`retain()`), so their objects apply a shortened
 * retention now rather than at their next armed alarm.
 */

/** Rows per statement. */
export const PURGE_BATCH = 500;
/** Wall-clock budget of one cron run; what is left waits for the next run. */
export const PURGE_BUDGET_MS = 60_000;
/**
 * How long a guard row in `erased_journeys` is kept: longer than any history record can wait
 * in the queue or its dead-letter queue (a Queues message is kept at most 14 days).
 */
export const GUARD_DAYS = 30;
/** Journey objects woken per workspace per run. */
const WAKE_MAX = 500;
/** Object calls in flight at once. */
const CALLS_IN_FLIGHT = 10;

const TYPE_LIST = BODY_TYPES.map((t) => `'${t}'`).join(", ");
const BODY_IN = `type IN (${TYPE_LIST})`;
const RECORD_BODY_IN = `json_extract(record, '$.event.type') IN (${TYPE_LIST})`;

export interface PurgeReport {
  workspaces: number;
  /** `events` rows whose body was replaced by `[expired]`. */
  blanked: number;
  /** `events` rows deleted past `eventDays` (a deleted journey's rows are not counted here). */
  deleted: number;
  /** Resolved journeys whose rows were deleted. */
  journeys: number;
  /** Journey objects asked to run their own pass. */
  woken: number;
  /** Guard rows in `erased_journeys` older than GUARD_DAYS, deleted. */
  guardsExpired: number;
  /** False when the budget ran out with work left (the next run resumes it). */
  complete: boolean;
}

export interface PurgeOptions {
  now?: number;
  budgetMs?: number;
  /** Visit workspaces in name order from the first (tests); default: from a random one. */
  fromStart?: boolean;
}

/** One cron run over every workspace that has history in D1. */
export async function purgeHistory(env: Env, o: PurgeOptions = {}): Promise<PurgeReport> {
  const now = o.now ?? Date.now();
  const deadline = Date.now() + (o.budgetMs ?? PURGE_BUDGET_MS);
  const report: PurgeReport = {
    workspaces: 0,
    blanked: 0,
    deleted: 0,
    journeys: 0,
    woken: 0,
    guardsExpired: 0,
    complete: true,
  };
  const all = await listWorkspaces(env.DB);
  const start = o.fromStart || all.length === 0 ? 0 : Math.floor(Math.random() * all.length);
  const order = [...all.slice(start), ...all.slice(0, start)];
  for (const ws of order) {
    if (Date.now() >= deadline) {
      report.complete = false;
      break;
    }
    let policy: RetentionSettings;
    try {
      policy = (await workspaceSettings(env, ws))?.retention ?? DEFAULT_RETENTION;
    } catch (e) {
      // Its settings cannot be read now (an unopened secret, an outage): the next run retries.
      console.error(`retention: workspace ${ws} skipped: ${message(e)}`);
      report.complete = false;
      continue;
    }
    report.workspaces++;
    const done = await purgeWorkspace(env, ws, policy, now, deadline, report);
    if (!done) report.complete = false;
  }
  const guards = await drainGuards(env.DB, now, deadline);
  report.guardsExpired = guards.rows;
  if (!guards.done) report.complete = false;
  return report;
}

/** Deletes guard rows older than GUARD_DAYS (index `erased_journeys_at`), in bounded statements. */
async function drainGuards(
  db: D1Database,
  now: number,
  deadline: number,
): Promise<{ rows: number; done: boolean }> {
  const before = new Date(now - GUARD_DAYS * 86_400_000).toISOString();
  let rows = 0;
  for (;;) {
    if (Date.now() >= deadline) return { rows, done: false };
    const r = await db
      .prepare(
        `DELETE FROM erased_journeys WHERE rowid IN (
           SELECT rowid FROM erased_journeys WHERE erased_at < ? LIMIT ?)`,
      )
      .bind(before, PURGE_BATCH)
      .run();
    rows += r.meta.changes ?? 0;
    if ((r.meta.changes ?? 0) < PURGE_BATCH) return { rows, done: true };
  }
}

/** Workspaces with history, by a loose index scan (one probe per workspace). */
async function listWorkspaces(db: D1Database): Promise<string[]> {
  const out: string[] = [];
  let after = "";
  for (;;) {
    const row = await db
      .prepare(
        "SELECT workspace_id AS ws FROM journeys WHERE workspace_id > ? ORDER BY workspace_id LIMIT 1",
      )
      .bind(after)
      .first<{ ws: string }>();
    if (!row) return out;
    out.push(row.ws);
    after = row.ws;
  }
}

/** Repeats `step` (one bounded statement) until it changes fewer than PURGE_BATCH rows. */
async function drain(
  deadline: number,
  step: () => Promise<{ journey_id: string }[]>,
  woken: Set<string>,
): Promise<{ rows: number; done: boolean }> {
  let rows = 0;
  for (;;) {
    if (Date.now() >= deadline) return { rows, done: false };
    const changed = await step();
    rows += changed.length;
    for (const r of changed) if (woken.size < WAKE_MAX) woken.add(r.journey_id);
    if (changed.length < PURGE_BATCH) return { rows, done: true };
  }
}

async function purgeWorkspace(
  env: Env,
  ws: string,
  policy: RetentionSettings,
  now: number,
  deadline: number,
  report: PurgeReport,
): Promise<boolean> {
  const db = env.DB;
  const cut = cutoffs(policy, now);
  const touched = new Set<string>();
  const all = async (stmt: D1PreparedStatement) =>
    (await stmt.all<{ journey_id: string }>()).results;
  // Events first: no point blanking a body whose event goes too.
  const deleted = await drain(
    deadline,
    async () =>
      all(
        db
          .prepare(
            `DELETE FROM events WHERE rowid IN (
               SELECT rowid FROM events WHERE workspace_id = ?1 AND occurred_at < ?2 LIMIT ?3)
             RETURNING journey_id`,
          )
          .bind(ws, cut.events, PURGE_BATCH),
      ),
    touched,
  );
  report.deleted += deleted.rows;
  if (!deleted.done) return false;
  // The literal '[expired]' and the type list match the partial index's WHERE exactly.
  const blanked = await drain(
    deadline,
    async () =>
      all(
        db
          .prepare(
            `UPDATE events SET text = '${EXPIRED}', data = NULL WHERE rowid IN (
               SELECT rowid FROM events INDEXED BY events_body_expiry
               WHERE workspace_id = ?1 AND occurred_at < ?2
                 AND ${BODY_IN} AND text IS NOT '${EXPIRED}'
               LIMIT ?3)
             RETURNING journey_id`,
          )
          .bind(ws, cut.bodies, PURGE_BATCH),
      ),
    touched,
  );
  report.blanked += blanked.rows;
  if (!blanked.done) return false;
  // Records D1 refused (normally none): the same two rules on the record's event.
  await db.batch([
    db
      .prepare(
        `DELETE FROM history_dead WHERE workspace_id = ? AND json_extract(record, '$.event.occurredAt') < ?`,
      )
      .bind(ws, cut.events),
    db
      .prepare(
        `UPDATE history_dead SET record = json_set(record, '$.event.text', ?, '$.event.data', NULL)
         WHERE workspace_id = ? AND ${RECORD_BODY_IN}
           AND json_extract(record, '$.event.occurredAt') < ?
           AND json_extract(record, '$.event.text') IS NOT ?`,
      )
      .bind(EXPIRED, ws, cut.bodies, EXPIRED),
  ]);
  // Resolved journeys: the object decides (it may have been reopened since D1 last heard).
  // Paged by (resolved_at, id), so a journey the object keeps is not asked twice in a run.
  let after = { at: "", id: "" };
  for (;;) {
    if (Date.now() >= deadline) return false;
    const page = (
      await db
        .prepare(
          `SELECT id, resolved_at AS at FROM journeys INDEXED BY journeys_resolved
           WHERE workspace_id = ?1 AND resolved_at < ?2 AND status = 'resolved'
             AND (resolved_at > ?3 OR (resolved_at = ?3 AND id > ?4))
           ORDER BY resolved_at, id LIMIT ?5`,
        )
        .bind(ws, cut.resolved, after.at, after.id, CALLS_IN_FLIGHT)
        .all<{ id: string; at: string }>()
    ).results;
    const last = page[page.length - 1];
    if (!last) break;
    after = last;
    const ids = page.map((r) => r.id);
    const answers = await Promise.allSettled(
      ids.map(async (id) => ({ id, held: await journeyStub(env, ws, id).retain(ws, id) })),
    );
    for (const a of answers) {
      if (a.status === "rejected") {
        console.error(`retention: journey not reached: ${message(a.reason)}`);
        continue;
      }
      touched.delete(a.value.id);
      if (a.value.held === "gone") {
        await purgeJourneyRows(db, ws, a.value.id);
        report.journeys++;
      }
    }
  }
  // The objects of journeys whose rows just changed: their own pass, now.
  const wake = [...touched];
  for (let i = 0; i < wake.length; i += CALLS_IN_FLIGHT) {
    if (Date.now() >= deadline) return false;
    const chunk = wake.slice(i, i + CALLS_IN_FLIGHT);
    const answers = await Promise.allSettled(
      chunk.map(async (id) => journeyStub(env, ws, id).retain(ws, id)),
    );
    report.woken += answers.filter((a) => a.status === "fulfilled").length;
  }
  return true;
}

/**
 * Deletes every D1 row of one journey: its events in batches, then its promises, owner
 * intervals, dead records and the journey row last, so a run cut short finds it again. Writes
 * the journey's guard row in `erased_journeys` with them (kept GUARD_DAYS).
 */
export async function purgeJourneyRows(
  db: D1Database,
  ws: string,
  journeyId: string,
): Promise<void> {
  for (;;) {
    const r = await db
      .prepare(
        `DELETE FROM events WHERE rowid IN (
           SELECT rowid FROM events WHERE workspace_id = ? AND journey_id = ? LIMIT ?)`,
      )
      .bind(ws, journeyId, PURGE_BATCH)
      .run();
    if ((r.meta.changes ?? 0) < PURGE_BATCH) break;
  }
  await db.batch([
    // The erasure's guard row (history/erase.ts): a record of this journey still in the history
    // queue is dropped by the consumer when it lands, not written back until the next cron run.
    db
      .prepare(
        "INSERT OR IGNORE INTO erased_journeys (workspace_id, journey_id, erasure_id, erased_at) VALUES (?, ?, 'retention', ?)",
      )
      .bind(ws, journeyId, new Date().toISOString()),
    db
      .prepare("DELETE FROM promises WHERE workspace_id = ? AND journey_id = ?")
      .bind(ws, journeyId),
    db.prepare("DELETE FROM owners WHERE workspace_id = ? AND journey_id = ?").bind(ws, journeyId),
    db
      .prepare("DELETE FROM history_dead WHERE workspace_id = ? AND journey_id = ?")
      .bind(ws, journeyId),
    db.prepare("DELETE FROM journeys WHERE workspace_id = ? AND id = ?").bind(ws, journeyId),
  ]);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
