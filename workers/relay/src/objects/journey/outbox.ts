import { flushToD1, type OutboxRecord } from "@baton/db";
import { faultable } from "../../faults";
import { errorText } from "../../history/messages";

/**
 * Delay before the alarm hands a write's outbox record to the history queue. Batching for D1
 * happens at the queue's consumer, across journeys, so this only groups a burst on one journey
 * into one send (and one alarm run). docs/benchmarks.md, "History through a queue", has the
 * measurements behind the value.
 */
export const FLUSH_DELAY_MS = 100;
/** Records in one sendBatch: the most one call takes. */
export const SEND_BATCH = 100;
/** Bytes one sendBatch may carry: 256 KB (1 KB = 1,000 bytes), metadata included. */
const SEND_BATCH_BYTES = 256_000;
/** What a message adds to its body toward the limits (internal metadata, about 100 bytes). */
const MESSAGE_OVERHEAD_BYTES = 100;
/** The largest record one message carries (128 KB with its metadata); larger go straight to D1. */
export const MESSAGE_MAX_BYTES = 128_000 - MESSAGE_OVERHEAD_BYTES;
/** Backoff after failed hand-offs: 1 s, 2 s, 4 s … capped at 5 minutes, with ±20 % jitter. */
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 5 * 60_000;

/** After this many failed hand-offs in a row, records go one at a time to find a bad one. */
const ISOLATE_AFTER = 3;
/** A record that fails alone this many times is set aside in outbox_dead (kept, replayable). */
const DEAD_AFTER = 8;

export interface OutboxStatus {
  pending: number;
  failures: number;
  nextAt: number | null;
  lastError: string | null;
  /** Records refused repeatedly on their own; see replayDead(). */
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
 * and `last_error`. `D1_QUEUE` feeds D1 history (through the history queue), `HOOK_QUEUE`
 * the webhook hand-off.
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

/** The delay before retry number `failures` (1-based). */
export function backoffMs(failures: number, random: number = Math.random()): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (0.8 + 0.4 * random));
}

/** Bookkeeping after an alarm step's I/O, run by the alarm with its other writes (one commit). */
export type Settle = () => void;

/** One outbox row, with its record's size in bytes (UTF-8, as the queue counts it). */
type Row = {
  id: number;
  record: string;
  bytes: number;
};

/**
 * The oldest rows, at most `limit`, cut where one sendBatch would pass its byte limit (the
 * first row always goes). A record too large for a message costs the send nothing: it goes
 * to D1 directly.
 */
function oldestRows(sql: SqlStorage, limit: number, afterId = 0): Row[] {
  const rows = sql
    .exec<Row>(
      "SELECT id, record, length(CAST(record AS BLOB)) AS bytes FROM outbox WHERE id > ? ORDER BY id LIMIT ?",
      afterId,
      limit,
    )
    .toArray();
  const out: Row[] = [];
  let total = 0;
  for (const r of rows) {
    const cost = r.bytes > MESSAGE_MAX_BYTES ? 0 : r.bytes + MESSAGE_OVERHEAD_BYTES;
    if (out.length > 0 && total + cost > SEND_BATCH_BYTES) break;
    total += cost;
    out.push(r);
  }
  return out;
}

/**
 * Hands `rows` on: one message per record to the history queue, in one sendBatch; a record
 * larger than a message (possible only with text and data near their limits, heavily escaped)
 * is written to D1 here instead. Throws if either fails; nothing is deleted then, and a
 * record sent twice is harmless (the consumer's writes are idempotent).
 */
async function handOff(sql: SqlStorage, env: Env, rows: Row[]): Promise<void> {
  const small = rows.filter((r) => r.bytes <= MESSAGE_MAX_BYTES);
  const large = rows.filter((r) => r.bytes > MESSAGE_MAX_BYTES);
  if (small.length > 0) {
    // Test-only failure injection (src/faults.ts): the binding itself when faults are off.
    const workspace = env.FAULT_INJECTION
      ? (sql.exec<{ workspace: string }>("SELECT workspace FROM journey").toArray()[0]?.workspace ??
        "")
      : "";
    const queue = faultable(env, workspace, "history", env.HISTORY);
    await queue.sendBatch(small.map((r) => ({ body: r.record, contentType: "text" as const })));
  }
  if (large.length > 0) {
    await flushToD1(
      env.DB,
      large.map((r) => JSON.parse(r.record) as OutboxRecord),
    );
  }
}

/**
 * Probe: hands on the record after `id` alone. True (and that record is done) when that
 * works, which tells a record that is refused apart from the queue (or D1) being down:
 * during an outage nothing is set aside, the backoff simply grows.
 */
async function nextRecordGoes(sql: SqlStorage, env: Env, id: number): Promise<boolean> {
  const next = oldestRows(sql, 1, id)[0];
  if (!next) return false;
  try {
    await handOff(sql, env, [next]);
  } catch {
    return false;
  }
  sql.exec("DELETE FROM outbox WHERE id = ?", next.id);
  return true;
}

/**
 * Hands the oldest outbox records to the history queue and deletes them only after the send
 * resolved (the queue then holds them durably; its consumer writes them to D1,
 * history/consumer.ts). A failure keeps every record and sets `next_at` with backoff (the
 * journey re-arms its alarm to the earliest of everything due, see queueDueAt); a hand-off
 * that ran twice (alarms are at-least-once) is harmless because the D1 writes are
 * idempotent. After ISOLATE_AFTER failures records go one at a time; one that fails alone
 * DEAD_AFTER times while the record behind it goes through is moved to outbox_dead (still
 * stored, replayable) so it stops blocking the journey.
 *
 * The I/O happens here; the bookkeeping it leads to is returned as a `settle` function for the
 * caller to run with the alarm's other writes, in one synchronous block (one commit).
 */
export async function flushOutbox(storage: DurableObjectStorage, env: Env): Promise<Settle> {
  const sql = storage.sql;
  const prior = sql
    .exec<{ failures: number }>("SELECT failures FROM outbox_state WHERE singleton = 1")
    .one().failures;
  // After repeated failures, hand on one record at a time so one bad record cannot block the rest.
  const rows = oldestRows(sql, prior >= ISOLATE_AFTER ? 1 : SEND_BATCH);
  const last = rows.at(-1);
  if (!last) return () => sql.exec("UPDATE outbox_state SET next_at = NULL WHERE singleton = 1");
  try {
    await handOff(sql, env, rows);
  } catch (e) {
    const failures = prior + 1;
    const message = errorText(e);
    if (rows.length === 1 && failures >= DEAD_AFTER && (await nextRecordGoes(sql, env, last.id))) {
      // The record behind this one went through, so the way out is up and this record is the problem.
      storage.transactionSync(() => {
        sql.exec(
          "INSERT INTO outbox_dead (id, record, error, failed_at) VALUES (?, ?, ?, ?)",
          last.id,
          last.record,
          message,
          new Date().toISOString(),
        );
        sql.exec("DELETE FROM outbox WHERE id = ?", last.id);
        // Keep isolating: the next record gets its own chances before batching resumes.
        sql.exec(
          "UPDATE outbox_state SET failures = ?, last_error = ? WHERE singleton = 1",
          ISOLATE_AFTER,
          message,
        );
      });
      console.error(`outbox record ${last.id} set aside after ${failures} failures: ${message}`);
      return () =>
        sql.exec(
          "UPDATE outbox_state SET next_at = ? WHERE singleton = 1",
          Date.now() + backoffMs(1),
        );
    }
    console.error(
      `history hand-off failed (attempt ${failures}, ${rows.length} records): ${message}`,
    );
    return () =>
      sql.exec(
        "UPDATE outbox_state SET failures = ?, next_at = ?, last_error = ? WHERE singleton = 1",
        failures,
        Date.now() + backoffMs(failures),
        message,
      );
  }
  return () => {
    sql.exec("DELETE FROM outbox WHERE id <= ?", last.id);
    const more = sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n;
    // More waiting (a burst larger than a send, or written during the send): go again now.
    sql.exec(
      "UPDATE outbox_state SET failures = 0, next_at = ?, last_error = NULL WHERE singleton = 1",
      more > 0 ? Date.now() : null,
    );
  };
}
