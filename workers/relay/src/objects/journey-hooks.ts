import type { EventView } from "@baton/core";
import { HOOK_QUEUE, backoffMs, noteQueueWrite } from "./journey-outbox";
import type { OutboundEvent } from "./outbound-types";

/** Events handed to the workspace's WebhooksObject in one call. */
const HOOK_BATCH = 100;

/**
 * Per isolate: workspaces whose WebhooksObject said it has no enabled subscription, until when.
 * While fresh, the journey drops its webhook outbox rows without a call (no subscriber, nothing
 * to deliver). Same bound as the settings cache: a new subscription sees events within
 * KEY_CACHE_TTL_SECONDS.
 */
const unsubscribed = new Map<string, number>();

/**
 * Records the event for webhook subscribers. Inside the write transaction, like the D1 outbox.
 * Skipped while this isolate knows the workspace has no subscription (the same bound as the
 * hand-off's drop below, so nothing a subscriber could receive is skipped that the hand-off
 * would not drop anyway): the ingest path then pays nothing for webhooks.
 */
export function writeHookRecord(
  sql: SqlStorage,
  workspace: string,
  journeyId: string,
  customerId: string | null,
  event: EventView,
  now: number = Date.now(),
): void {
  if ((unsubscribed.get(workspace) ?? 0) > now) return;
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
 * deletes them only after it stored them (its enqueue is idempotent per event id, so a retry
 * after a lost answer stores nothing twice). A failure keeps the rows and backs off. Runs from
 * the journey's alarm, never on the ingest path.
 */
export async function forwardHooks(
  sql: SqlStorage,
  env: Env,
  workspace: string,
  ttlMs: number,
): Promise<void> {
  const rows = sql
    .exec<{ id: number; record: string }>(
      "SELECT id, record FROM hook_outbox ORDER BY id LIMIT ?",
      HOOK_BATCH,
    )
    .toArray();
  const last = rows.at(-1);
  if (!last) {
    sql.exec("UPDATE hook_state SET next_at = NULL WHERE singleton = 1");
    return;
  }
  const quietUntil = unsubscribed.get(workspace) ?? 0;
  if (quietUntil <= Date.now()) {
    try {
      const stub = env.WEBHOOKS.get(env.WEBHOOKS.idFromName(workspace));
      const out = await stub.enqueue(rows.map((r) => JSON.parse(r.record) as OutboundEvent));
      if (out.subscriptions === 0 && ttlMs > 0) unsubscribed.set(workspace, Date.now() + ttlMs);
      else unsubscribed.delete(workspace);
    } catch (e) {
      const state = sql
        .exec<{ failures: number }>("SELECT failures FROM hook_state WHERE singleton = 1")
        .one();
      const failures = state.failures + 1;
      const message = e instanceof Error ? e.message : String(e);
      sql.exec(
        "UPDATE hook_state SET failures = ?, next_at = ?, last_error = ? WHERE singleton = 1",
        failures,
        Date.now() + backoffMs(failures),
        message.slice(0, 500),
      );
      console.error(`webhook outbox forward failed (attempt ${failures}): ${message}`);
      return;
    }
  }
  sql.exec("DELETE FROM hook_outbox WHERE id <= ?", last.id);
  const more = sql.exec<{ n: number }>("SELECT count(*) AS n FROM hook_outbox").one().n;
  sql.exec(
    "UPDATE hook_state SET failures = 0, next_at = ?, last_error = NULL WHERE singleton = 1",
    more > 0 ? Date.now() : null,
  );
}
