import { flushToD1, type OutboxRecord } from "@baton/db";

/** Delay before the first flush after a write, so a burst of events goes to D1 as one batch. */
export const FLUSH_DELAY_MS = 200;
/** Outbox records sent to D1 in one batch. */
export const FLUSH_BATCH = 50;
/** Backoff after failed flushes: 1 s, 2 s, 4 s … capped at 5 minutes, with ±20 % jitter. */
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 5 * 60_000;

/** After this many failed flushes in a row, records are sent one at a time to find a bad one. */
const ISOLATE_AFTER = 3;
/** A record that fails alone this many times is set aside in outbox_dead (kept, replayable). */
const DEAD_AFTER = 8;

export interface OutboxStatus {
  pending: number;
  failures: number;
  nextAt: number | null;
  lastError: string | null;
  /** Records D1 refused repeatedly on their own; see replayDead(). */
  dead: number;
}

/** Backlog and health of the outbox. */
export function outboxStatus(sql: SqlStorage): OutboxStatus {
  const pending = sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n;
  const state = sql
    .exec<{ failures: number; next_at: number | null; last_error: string | null }>(
      "SELECT failures, next_at, last_error FROM outbox_state WHERE singleton = 1",
    )
    .one();
  const dead = sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox_dead").one().n;
  return {
    pending,
    failures: state.failures,
    nextAt: state.next_at,
    lastError: state.last_error,
    dead,
  };
}

/** Moves set-aside records back into the outbox (after the cause was fixed); returns how many. */
export function replayDead(sql: SqlStorage): number {
  const n = sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox_dead").one().n;
  sql.exec("INSERT INTO outbox (record) SELECT record FROM outbox_dead ORDER BY id");
  sql.exec("DELETE FROM outbox_dead");
  return n;
}

/**
 * The journey's two transactional queues: rows written in each event's transaction, plus a
 * one-row state table holding `failures`, `next_at` (when the alarm should next work on it)
 * and `last_error`. `D1_QUEUE` feeds D1 history, `HOOK_QUEUE` the webhook hand-off.
 */
export interface Queue {
  rows: "outbox" | "hook_outbox";
  state: "outbox_state" | "hook_state";
}
export const D1_QUEUE: Queue = { rows: "outbox", state: "outbox_state" };
export const HOOK_QUEUE: Queue = { rows: "hook_outbox", state: "hook_state" };

/**
 * Notes a write to `q`: it is due FLUSH_DELAY_MS from now (so a burst goes out as one batch),
 * unless a run or a backoff is already scheduled.
 */
export function noteQueueWrite(sql: SqlStorage, q: Queue, now: number = Date.now()): void {
  sql.exec(
    `UPDATE ${q.state} SET next_at = ? WHERE singleton = 1 AND next_at IS NULL`,
    now + FLUSH_DELAY_MS,
  );
}

/**
 * True when rows wait in `q`. Every alarm run works on them: the batch delay and the backoff
 * only decide when the alarm is armed, so an alarm that runs early for another reason (a
 * promise falling due) simply tries sooner.
 */
export function queueHasRows(sql: SqlStorage, q: Queue): boolean {
  return sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${q.rows}`).one().n > 0;
}

/** When `q` next wants the alarm (epoch ms), or null when it is empty. */
export function queueDueAt(sql: SqlStorage, q: Queue, now: number = Date.now()): number | null {
  const row = sql
    .exec<{ pending: number; next_at: number | null }>(
      `SELECT (SELECT count(*) FROM ${q.rows}) AS pending, next_at FROM ${q.state} WHERE singleton = 1`,
    )
    .one();
  return row.pending > 0 ? (row.next_at ?? now) : null;
}

/**
 * Probe: sends the record after `id` alone. True (and that record is done) when D1 accepts
 * it, which tells a record D1 refuses apart from D1 being down: during an outage nothing is
 * set aside, the backoff simply grows.
 */
async function nextRecordFlushes(sql: SqlStorage, db: D1Database, id: number): Promise<boolean> {
  const next = sql
    .exec<{ id: number; record: string }>(
      "SELECT id, record FROM outbox WHERE id > ? ORDER BY id LIMIT 1",
      id,
    )
    .toArray()[0];
  if (!next) return false;
  try {
    await flushToD1(db, [JSON.parse(next.record) as OutboxRecord]);
  } catch {
    return false;
  }
  sql.exec("DELETE FROM outbox WHERE id = ?", next.id);
  return true;
}

/** The delay before retry number `failures` (1-based). */
export function backoffMs(failures: number, random: number = Math.random()): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (0.8 + 0.4 * random));
}

/**
 * Sends the oldest outbox records to D1 and deletes them only after D1 accepted the batch.
 * A failure keeps every record and sets `next_at` with backoff (the journey re-arms its alarm to
 * the earliest of everything due, see queueDueAt); a flush that ran twice
 * (alarms are at-least-once) is harmless because the D1 writes are idempotent. After
 * ISOLATE_AFTER failures records go one at a time; one that fails alone DEAD_AFTER times while
 * the record behind it succeeds is moved to outbox_dead (still stored, replayable) so it stops
 * blocking the journey.
 */
export async function flushOutbox(storage: DurableObjectStorage, db: D1Database): Promise<void> {
  const sql = storage.sql;
  const prior = sql
    .exec<{ failures: number }>("SELECT failures FROM outbox_state WHERE singleton = 1")
    .one().failures;
  // After repeated failures, flush one record at a time so one bad record cannot block the rest.
  const limit = prior >= ISOLATE_AFTER ? 1 : FLUSH_BATCH;
  const rows = sql
    .exec<{ id: number; record: string }>(
      "SELECT id, record FROM outbox ORDER BY id LIMIT ?",
      limit,
    )
    .toArray();
  const last = rows.at(-1);
  if (!last) {
    sql.exec("UPDATE outbox_state SET next_at = NULL WHERE singleton = 1");
    return;
  }
  try {
    await flushToD1(
      db,
      rows.map((r) => JSON.parse(r.record) as OutboxRecord),
    );
  } catch (e) {
    const failures = prior + 1;
    const message = e instanceof Error ? e.message : String(e);
    if (
      rows.length === 1 &&
      failures >= DEAD_AFTER &&
      (await nextRecordFlushes(sql, db, last.id))
    ) {
      // D1 accepted the record behind this one, so D1 is up and this record is the problem.
      storage.transactionSync(() => {
        sql.exec(
          "INSERT INTO outbox_dead (id, record, error, failed_at) VALUES (?, ?, ?, ?)",
          last.id,
          last.record,
          message.slice(0, 500),
          new Date().toISOString(),
        );
        sql.exec("DELETE FROM outbox WHERE id = ?", last.id);
        // Keep isolating: the next record gets its own chances before batching resumes.
        sql.exec(
          "UPDATE outbox_state SET failures = ?, last_error = ? WHERE singleton = 1",
          ISOLATE_AFTER,
          message.slice(0, 500),
        );
      });
      console.error(`outbox record ${last.id} set aside after ${failures} failures: ${message}`);
      sql.exec(
        "UPDATE outbox_state SET next_at = ? WHERE singleton = 1",
        Date.now() + backoffMs(1),
      );
      return;
    }
    const nextAt = Date.now() + backoffMs(failures);
    sql.exec(
      "UPDATE outbox_state SET failures = ?, next_at = ?, last_error = ? WHERE singleton = 1",
      failures,
      nextAt,
      message.slice(0, 500),
    );
    console.error(`outbox flush failed (attempt ${failures}, ${rows.length} records): ${message}`);
    return;
  }
  sql.exec("DELETE FROM outbox WHERE id <= ?", last.id);
  const more = sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n;
  // More waiting (a burst larger than a batch, or written during the flush): go again now.
  sql.exec(
    "UPDATE outbox_state SET failures = 0, next_at = ?, last_error = NULL WHERE singleton = 1",
    more > 0 ? Date.now() : null,
  );
}
