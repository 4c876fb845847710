import {
  DEAD_RETENTION_MS,
  DELIVERED_RETENTION_MS,
  HELD_RETENTION_MS,
  PRUNE_INTERVAL_MS,
} from "./schema";

/**
 * When a WebhooksObject's alarm is next needed, and the retention it runs. Synchronous SQL,
 * like queue.ts.
 */

const PRUNE_BATCH = 5_000;

/**
 * Retention, at most every PRUNE_INTERVAL_MS: held deliveries of a disabled subscription older
 * than HELD_RETENTION_MS become dead letters; delivered ones go after DELIVERED_RETENTION_MS,
 * dead letters after DEAD_RETENTION_MS; messages no delivery refers to go with them.
 */
export function prune(sql: SqlStorage, now: number): void {
  const meta = sql.exec<{ prune_at: number }>("SELECT prune_at FROM meta").toArray()[0];
  if (!meta || meta.prune_at > now) return;
  sql.exec("UPDATE meta SET prune_at = ?", now + PRUNE_INTERVAL_MS);
  const disabled = sql
    .exec<{ id: string }>("SELECT id FROM subscriptions WHERE enabled = 0")
    .toArray();
  for (const { id } of disabled) {
    sql.exec(
      `UPDATE deliveries SET status = 'dead', done_at = ?, next_at = NULL,
         last_error = 'held too long while the subscription was disabled'
       WHERE subscription_id = ? AND status IN ('waiting', 'pending') AND created_at <= ?`,
      now,
      id,
      now - HELD_RETENTION_MS,
    );
  }
  const gone = new Set<string>();
  for (const [status, keep] of [
    ["delivered", DELIVERED_RETENTION_MS],
    ["dead", DEAD_RETENTION_MS],
  ] as const) {
    for (const r of sql
      .exec<{ msg_id: string }>(
        `DELETE FROM deliveries WHERE id IN (
           SELECT id FROM deliveries WHERE status = ? AND done_at <= ? LIMIT ?) RETURNING msg_id`,
        status,
        now - keep,
        PRUNE_BATCH,
      )
      .toArray()) {
      gone.add(r.msg_id);
    }
  }
  for (const id of gone) {
    sql.exec(
      "DELETE FROM messages WHERE id = ? AND NOT EXISTS (SELECT 1 FROM deliveries WHERE msg_id = ?)",
      id,
      id,
    );
  }
}

/**
 * When the alarm is next needed (epoch ms): the earliest due retry of an enabled subscription,
 * an in-flight lease running out, or the next retention run while anything is kept for it.
 * Index lookups only: it runs after every enqueue.
 */
export function nextWake(sql: SqlStorage): number | null {
  const times: number[] = [];
  const one = (query: string, ...args: SqlStorageValue[]) =>
    sql.exec<{ t: number | null }>(query, ...args).one().t;
  const subs = sql
    .exec<{ id: string; enabled: number }>("SELECT id, enabled FROM subscriptions")
    .toArray();
  let keeping = false;
  for (const s of subs) {
    if (s.enabled === 1) {
      const t = one(
        `SELECT MIN(next_at) AS t FROM deliveries WHERE subscription_id = ? AND status = 'pending'`,
        s.id,
      );
      if (t !== null) times.push(t);
    } else if (!keeping) {
      keeping =
        one(
          `SELECT EXISTS (SELECT 1 FROM deliveries
             WHERE subscription_id = ? AND status IN ('waiting', 'pending')) AS t`,
          s.id,
        ) === 1;
    }
  }
  const lease = one("SELECT MIN(lease_until) AS t FROM deliveries WHERE status = 'in_flight'");
  if (lease !== null) times.push(lease);
  keeping ||=
    one("SELECT EXISTS (SELECT 1 FROM deliveries WHERE status IN ('delivered', 'dead')) AS t") ===
    1;
  if (keeping) {
    const meta = sql.exec<{ t: number }>("SELECT prune_at AS t FROM meta").toArray()[0];
    times.push(meta?.t ?? 0);
  }
  return times.length > 0 ? Math.min(...times) : null;
}
