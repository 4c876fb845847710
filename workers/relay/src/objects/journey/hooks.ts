import { webhooksStub } from "../access";
import type { EventView } from "@baton/core";
import { HOOK_QUEUE, backoffMs, noteQueueWrite, type Settle } from "./outbox";
import type { OutboundEvent } from "../webhooks/outbound";

/** Events handed to the workspace's WebhooksObject in one call. */
const HOOK_BATCH = 100;

/**
 * Records the event for webhook subscribers, inside the write transaction like the D1 outbox:
 * always, whatever any cache says about the workspace's subscriptions, so an event accepted
 * after a subscription exists can never be left out (one more row in a transaction the write
 * commits anyway). Whether anyone wants it is decided later, by the WebhooksObject itself.
 */
export function writeHookRecord(
  sql: SqlStorage,
  workspace: string,
  journeyId: string,
  customerId: string | null,
  event: EventView,
  now: number = Date.now(),
): void {
  const record: OutboundEvent = {
    id: event.id,
    type: event.type,
    workspace,
    journeyId,
    customerId,
    seq: event.seq,
    event,
  };
  sql.exec("INSERT INTO hook_outbox (record) VALUES (?)", JSON.stringify(record));
  noteQueueWrite(sql, HOOK_QUEUE, now);
}

/** Webhook outbox backlog, for operators and tests. */
export function hooksStatus(sql: SqlStorage): {
  pending: number;
  failures: number;
  nextAt: number | null;
  lastError: string | null;
} {
  const state = sql
    .exec<{ failures: number; next_at: number | null; last_error: string | null }>(
      "SELECT failures, next_at, last_error FROM hook_state WHERE singleton = 1",
    )
    .one();
  const pending = sql.exec<{ n: number }>("SELECT count(*) AS n FROM hook_outbox").one().n;
  return { pending, failures: state.failures, nextAt: state.next_at, lastError: state.last_error };
}

/**
 * Hands the oldest webhook outbox rows to the workspace's WebhooksObject, in sequence order, and
 * deletes them only after it answered (its enqueue is idempotent per event id, so a retry
 * after a lost answer stores nothing twice). That answer is the only thing that may drop a
 * row: the object reads its subscriptions when the call arrives, after these events were
 * committed, so "no subscription" then means none existed when they were accepted. Nothing is
 * dropped on a cached answer. A failure keeps the rows and backs off. Runs from the journey's
 * alarm, never on the ingest path: one object call per alarm run that finds rows.
 */
export async function forwardHooks(sql: SqlStorage, env: Env, workspace: string): Promise<Settle> {
  const rows = sql
    .exec<{ id: number; record: string }>(
      "SELECT id, record FROM hook_outbox ORDER BY id LIMIT ?",
      HOOK_BATCH,
    )
    .toArray();
  const last = rows.at(-1);
  if (!last) return () => sql.exec("UPDATE hook_state SET next_at = NULL WHERE singleton = 1");
  try {
    const stub = webhooksStub(env, workspace);
    await stub.enqueue(rows.map((r) => JSON.parse(r.record) as OutboundEvent));
  } catch (e) {
    const state = sql
      .exec<{ failures: number }>("SELECT failures FROM hook_state WHERE singleton = 1")
      .one();
    const failures = state.failures + 1;
    const message = e instanceof Error ? e.message : String(e);
    console.error(`webhook outbox forward failed (attempt ${failures}): ${message}`);
    return () =>
      sql.exec(
        "UPDATE hook_state SET failures = ?, next_at = ?, last_error = ? WHERE singleton = 1",
        failures,
        Date.now() + backoffMs(failures),
        message.slice(0, 500),
      );
  }
  return () => {
    sql.exec("DELETE FROM hook_outbox WHERE id <= ?", last.id);
    const more = sql.exec<{ n: number }>("SELECT count(*) AS n FROM hook_outbox").one().n;
    sql.exec(
      "UPDATE hook_state SET failures = 0, next_at = ?, last_error = NULL WHERE singleton = 1",
      more > 0 ? Date.now() : null,
    );
  };
}
