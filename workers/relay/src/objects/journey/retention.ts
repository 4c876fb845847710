import type { RetentionSettings } from "@baton/core";
import { customerStub, identityStub } from "../access";
import { workspaceSettings } from "../workspace/settings";
import { purgeJourneyRows } from "../../history/retention";
import { BODY_TYPES, DAY_MS, DEFAULT_RETENTION, EXPIRED, cutoffs } from "../../retention-policy";
import { D1_QUEUE, HOOK_QUEUE, queueHasRows } from "./outbox";
import { readJourney, type JourneyRecord } from "./views";

/**
 * Retention in the journey object (docs/privacy.md, "Retention"): the workspace's `retention`
 * settings, applied by the journey's own alarm. Synchronous SQL over the object's storage, in
 * bounded batches (like webhooks/retention.ts), plus the calls a journey deleted whole makes
 * to the objects that refer to it.
 *
 * - **Message bodies** (`messageBodyDays`): the `text` of `message` and `call` events becomes
 *   EXPIRED and their `data` (email subject, HTML-derived and quoted text, attachment names,
 *   provider fields) NULL. The event, its type, channel, direction, actor and times stay.
 * - **Events** (`eventDays`): events are deleted. Sequence numbers are never reused or
 *   renumbered: `journey.seq` still counts every event ever written, and the log keeps what
 *   remains under its original numbers, so it may start above 1 and have gaps (an event written
 *   with an `occurredAt` older than its neighbours expires before them). The journey's state
 *   (reason, owner, last action, promises, constraints, facts, effort, status) is derived
 *   state held in its own tables and stays as it is.
 * - **Resolved journeys** (`resolvedJourneyDays`): the journey is deleted whole once its
 *   outboxes are empty, after its card left the customer object (which rebuilds its call
 *   briefs), its thread references' objects were erased and its D1 rows were deleted.
 *
 * Age is `occurred_at` for events and bodies (the time the caller says it happened, else when
 * it was stored) and `resolved_at` for journeys, against the object's clock.
 */

/** Rows changed per transaction, per class. */
export const RETENTION_BATCH = 500;
/** Transactions per class in one alarm run; with more left, the alarm runs again at once. */
export const RETENTION_ROUNDS = 4;
/** The object re-reads the workspace's retention settings at most this often. */
const POLICY_TTL_MS = 60 * 60 * 1000;
/** A pass that could not finish (settings unreadable, deletion blocked) is retried after this. */
const RETRY_MS = 60_000;

const BODY_IN = `type IN (${BODY_TYPES.map((t) => `'${t}'`).join(", ")})`;

/**
 * Deletes up to `limit` events that occurred before `before`, oldest seq first, with the
 * idempotency keys that point at them and set-aside outbox records of expired events.
 * Inside the caller's transaction. Returns how many events went.
 */
export function deleteEvents(sql: SqlStorage, before: string, limit: number): number {
  const gone = sql
    .exec<{ seq: number }>(
      `DELETE FROM events WHERE seq IN (
         SELECT seq FROM events WHERE occurred_at < ? ORDER BY seq LIMIT ?) RETURNING seq`,
      before,
      limit,
    )
    .toArray()
    .map((r) => r.seq);
  if (gone.length === 0) return 0;
  // A retry with such a key after this long starts a new event (#replay reads the event).
  sql.exec(
    "DELETE FROM idempotency WHERE seq IN (SELECT value FROM json_each(?))",
    JSON.stringify(gone),
  );
  sql.exec("DELETE FROM outbox_dead WHERE json_extract(record, '$.event.occurredAt') < ?", before);
  return gone.length;
}

/**
 * Replaces the bodies of up to `limit` message and call events that occurred before `before`
 * with EXPIRED. Chat idempotency fingerprints (which hold the message text) of those events
 * go too, and bodies still waiting in the outboxes are blanked the same way. Inside the
 * caller's transaction. Returns how many events were blanked.
 */
export function blankBodies(sql: SqlStorage, before: string, limit: number): number {
  const blanked = sql
    .exec<{ seq: number }>(
      `UPDATE events SET text = ?, data = NULL WHERE seq IN (
         SELECT seq FROM events WHERE ${BODY_IN} AND occurred_at < ? AND text IS NOT ?
         ORDER BY seq LIMIT ?) RETURNING seq`,
      EXPIRED,
      before,
      EXPIRED,
      limit,
    )
    .toArray()
    .map((r) => r.seq);
  if (blanked.length === 0) return 0;
  sql.exec(
    "DELETE FROM idempotency WHERE key LIKE 'chat:%' AND seq IN (SELECT value FROM json_each(?))",
    JSON.stringify(blanked),
  );
  for (const table of ["outbox", "outbox_dead"]) {
    sql.exec(
      `UPDATE ${table} SET record = json_set(record, '$.event.text', ?, '$.event.data', NULL)
       WHERE json_extract(record, '$.event.type') IN (${BODY_TYPES.map((t) => `'${t}'`).join(", ")})
         AND json_extract(record, '$.event.occurredAt') < ?
         AND json_extract(record, '$.event.text') IS NOT ?`,
      EXPIRED,
      before,
      EXPIRED,
    );
  }
  return blanked.length;
}

/** The oldest `occurred_at` of bodies not yet blanked and of all events, after seq `after`. */
export interface Oldest {
  body: string | null;
  event: string | null;
}

/** The oldest body and event after `after` (0: the whole log; a PK range otherwise). */
export function oldest(sql: SqlStorage, after: number): Oldest {
  const body = sql
    .exec<{ t: string | null }>(
      `SELECT min(occurred_at) AS t FROM events WHERE seq > ? AND ${BODY_IN} AND text IS NOT ?`,
      after,
      EXPIRED,
    )
    .one().t;
  const event = sql
    .exec<{ t: string | null }>("SELECT min(occurred_at) AS t FROM events WHERE seq > ?", after)
    .one().t;
  return { body, event };
}

const minIso = (a: string | null, b: string | null): string | null =>
  a === null ? b : b === null ? a : a < b ? a : b;

/**
 * When retention next has something to do on this journey (epoch ms), or null: the oldest
 * body not yet blanked, the oldest event, and the resolution, each plus its class's days.
 */
export function nextDue(o: Oldest, j: JourneyRecord, policy: RetentionSettings): number | null {
  const times: number[] = [];
  if (o.body !== null) times.push(Date.parse(o.body) + policy.messageBodyDays * DAY_MS + 1);
  if (o.event !== null) times.push(Date.parse(o.event) + policy.eventDays * DAY_MS + 1);
  if (j.status === "resolved" && j.resolved_at !== null) {
    times.push(Date.parse(j.resolved_at) + policy.resolvedJourneyDays * DAY_MS + 1);
  }
  const valid = times.filter((t) => Number.isFinite(t));
  return valid.length > 0 ? Math.min(...valid) : null;
}

/** What the journey object hands the pass. */
export interface RetentionHost {
  storage: DurableObjectStorage;
  env: Env;
}

export interface RetentionOutcome {
  /** Events were blanked or deleted (the object's cached context is stale). */
  changed: boolean;
  /** The journey is past `resolvedJourneyDays` and everything outside it is done: delete it. */
  deleteJourney: boolean;
}

/**
 * The retention state of one journey object instance: the workspace's policy (re-read at most
 * hourly), the memoized next due time, and a retry time after a pass that could not finish.
 */
export class JourneyRetention {
  #policy: RetentionSettings | null = null;
  #policyAt = 0;
  #retryAt: number | null = null;
  /**
   * The oldest body and event as of `seq`. A write only adds events, so a later call reads just
   * the events after `seq` (a primary-key range, usually one row); a pass that blanked or
   * deleted anything drops it and the next call reads the whole log once.
   */
  #oldest: (Oldest & { seq: number }) | null = null;

  /**
   * For the alarm's next-time computation: when the pass is next due (epoch ms), or null.
   * Before the object has read its workspace's policy, the defaults are used; the first pass
   * reads the real one.
   */
  dueAt(sql: SqlStorage): number | null {
    const j = readJourney(sql);
    if (!j) return null;
    const o = this.#oldest;
    if (o === null || o.seq > j.seq) {
      this.#oldest = { ...oldest(sql, 0), seq: j.seq };
    } else if (o.seq < j.seq) {
      const added = oldest(sql, o.seq);
      this.#oldest = {
        body: minIso(o.body, added.body),
        event: minIso(o.event, added.event),
        seq: j.seq,
      };
    }
    const at = nextDue(
      this.#oldest ?? { body: null, event: null },
      j,
      this.#policy ?? DEFAULT_RETENTION,
    );
    if (at === null) return null;
    return this.#retryAt !== null ? Math.max(at, this.#retryAt) : at;
  }

  /**
   * One pass, from the alarm: bounded batches of deletions then blanking; then, for a journey
   * resolved long enough ago, the steps outside this object. Safe to run twice.
   */
  async run(h: RetentionHost, now: number = Date.now()): Promise<RetentionOutcome> {
    const none: RetentionOutcome = { changed: false, deleteJourney: false };
    const sql = h.storage.sql;
    const j = readJourney(sql);
    if (!j) return none;
    if (this.#policy === null || now - this.#policyAt > POLICY_TTL_MS) {
      try {
        const settings = await workspaceSettings(h.env, j.workspace);
        this.#policy = settings?.retention ?? DEFAULT_RETENTION;
        this.#policyAt = now;
      } catch (e) {
        console.error(`retention postponed: ${e instanceof Error ? e.message : String(e)}`);
        if (this.#policy === null) {
          this.#retryAt = now + RETRY_MS;
          return none;
        }
      }
    }
    const due = this.dueAt(sql);
    if (due === null || due > now) return none;
    const policy = this.#policy ?? DEFAULT_RETENTION;
    const cut = cutoffs(policy, now);
    let changed = false;
    let more = false;
    for (let round = 0; round < RETENTION_ROUNDS; round++) {
      const [deleted, blanked] = h.storage.transactionSync(() => [
        deleteEvents(sql, cut.events, RETENTION_BATCH),
        blankBodies(sql, cut.bodies, RETENTION_BATCH),
      ]);
      if (deleted + blanked > 0) changed = true;
      more = deleted >= RETENTION_BATCH || blanked >= RETENTION_BATCH;
      if (!more) break;
    }
    if (changed) this.#oldest = null;
    this.#retryAt = null;
    // Batches left: the due time stays in the past, so the alarm runs again at once.
    if (more) return { changed, deleteJourney: false };
    const current = readJourney(sql);
    if (
      current?.status === "resolved" &&
      current.resolved_at !== null &&
      current.resolved_at < cut.resolved
    ) {
      if (await prepareDeletion(h, current)) return { changed, deleteJourney: true };
      this.#retryAt = now + RETRY_MS;
    }
    return { changed, deleteJourney: false };
  }
}

/**
 * Before a resolved journey is deleted whole: its D1 and webhook outboxes must be empty (the
 * alarm run that calls this has just flushed them), its card leaves the customer object, the
 * objects of its thread references that still point at it are erased, and its D1 rows are
 * deleted. Answers false (try again later) when an outbox still holds rows or the customer
 * object cannot be reached; thread and D1 failures are logged, and the D1 purge (cron) deletes
 * what this left.
 */
async function prepareDeletion(h: RetentionHost, j: JourneyRecord): Promise<boolean> {
  const sql = h.storage.sql;
  if (queueHasRows(sql, D1_QUEUE) || queueHasRows(sql, HOOK_QUEUE)) return false;
  if (j.customer_id !== null) {
    try {
      await customerStub(h.env, j.workspace, j.customer_id, { faults: false }).dropJourney(
        j.workspace,
        j.id,
      );
    } catch (e) {
      console.error(
        `retention: card removal failed: ${e instanceof Error ? e.message : String(e)}`,
      );
      return false;
    }
  }
  const hasRefs =
    sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'thread_refs'").toArray()
      .length > 0;
  const refs = hasRefs
    ? sql
        .exec<{ ref: string }>("SELECT ref FROM thread_refs")
        .toArray()
        .map((r) => r.ref)
    : [];
  await Promise.all(
    refs.map(async (ref) => {
      try {
        const thread = identityStub(h.env, j.workspace, `thread:${ref}`, { faults: false });
        const link = await thread.thread(j.workspace);
        if (link?.journeyId === j.id) await thread.erase(j.workspace, `retention:${j.id}`, []);
      } catch (e) {
        console.error(
          `retention: thread reference kept: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    }),
  );
  try {
    await purgeJourneyRows(h.env.DB, j.workspace, j.id);
  } catch (e) {
    console.error(
      `retention: D1 rows left for the purge: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return true;
}
