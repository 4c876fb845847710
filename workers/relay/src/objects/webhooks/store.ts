import { place } from "./queue";
import { iso, isoOrNull, type SubscriptionRow } from "./schema";
import type {
  AttemptView,
  DeadLetterView,
  Page,
  SubscriptionBacklog,
  SubscriptionView,
} from "./types";

/** Reads of a WebhooksObject's tables and the views the API returns. */

export function readSubscription(sql: SqlStorage, id: string): SubscriptionRow | null {
  return (
    sql.exec<SubscriptionRow>("SELECT * FROM subscriptions WHERE id = ?", id).toArray()[0] ?? null
  );
}

export function subscriptionView(
  s: SubscriptionRow,
  now: number,
  backlog?: SubscriptionBacklog,
): SubscriptionView {
  const graceLeft = s.previous_expires_at !== null && s.previous_expires_at > now;
  return {
    id: s.id,
    url: s.url,
    description: s.description,
    eventTypes: JSON.parse(s.event_types) as string[],
    enabled: s.enabled === 1,
    disabledReason: s.disabled_reason,
    disabledAt: isoOrNull(s.disabled_at),
    createdAt: iso(s.created_at),
    updatedAt: iso(s.updated_at),
    secretRotatedAt: isoOrNull(s.secret_rotated_at),
    previousSecretExpiresAt: graceLeft ? isoOrNull(s.previous_expires_at) : null,
    failingSince: isoOrNull(s.failing_since),
    lastSuccessAt: isoOrNull(s.last_success_at),
    lastFailureAt: isoOrNull(s.last_failure_at),
    ...(backlog ? { backlog } : {}),
  };
}

export function backlogOf(sql: SqlStorage, subscriptionId: string): SubscriptionBacklog {
  const out: SubscriptionBacklog = { pending: 0, waiting: 0, inFlight: 0, dead: 0 };
  const rows = sql
    .exec<{ status: string; n: number }>(
      `SELECT status, count(*) AS n FROM deliveries
       WHERE subscription_id = ? AND status IN ('waiting', 'pending', 'in_flight', 'dead')
       GROUP BY status`,
      subscriptionId,
    )
    .toArray();
  for (const r of rows) {
    if (r.status === "pending") out.pending = r.n;
    else if (r.status === "waiting") out.waiting = r.n;
    else if (r.status === "in_flight") out.inFlight = r.n;
    else if (r.status === "dead") out.dead = r.n;
  }
  return out;
}

export interface AttemptQuery {
  status?: "succeeded" | "failed";
  messageId?: string;
  before?: number;
  limit: number;
}

/** The subscription's delivery log, newest first. */
export function listAttempts(
  sql: SqlStorage,
  subscriptionId: string,
  q: AttemptQuery,
): Page<AttemptView> {
  const where = ["subscription_id = ?"];
  const args: SqlStorageValue[] = [subscriptionId];
  if (q.status) {
    where.push("ok = ?");
    args.push(q.status === "succeeded" ? 1 : 0);
  }
  if (q.messageId !== undefined) {
    where.push("msg_id = ?");
    args.push(q.messageId);
  }
  if (q.before !== undefined) {
    where.push("n < ?");
    args.push(q.before);
  }
  const rows = sql
    .exec<{
      n: number;
      msg_id: string;
      type: string;
      journey_id: string | null;
      seq: number | null;
      attempt: number;
      at: number;
      ok: number;
      http_status: number | null;
      error: string | null;
      latency_ms: number;
    }>(
      `SELECT n, msg_id, type, journey_id, seq, attempt, at, ok, http_status, error, latency_ms
       FROM attempts WHERE ${where.join(" AND ")} ORDER BY n DESC LIMIT ?`,
      ...args,
      q.limit,
    )
    .toArray();
  const items = rows.map((r) => ({
    id: r.n,
    messageId: r.msg_id,
    type: r.type,
    journeyId: r.journey_id,
    seq: r.seq,
    attempt: r.attempt,
    at: iso(r.at),
    ok: r.ok === 1,
    status: r.http_status,
    error: r.error,
    latencyMs: r.latency_ms,
  }));
  const last = rows.at(-1);
  return { items, next: rows.length === q.limit && last ? last.n : null };
}

/** The subscription's dead letters, most recent first. */
export function listDeadLetters(
  sql: SqlStorage,
  subscriptionId: string,
  q: { before?: number; limit: number },
): Page<DeadLetterView> {
  const rows = sql
    .exec<{
      id: number;
      msg_id: string;
      type: string;
      journey_id: string | null;
      seq: number | null;
      attempts: number;
      created_at: number;
      done_at: number;
      last_attempt_at: number | null;
      last_status: number | null;
      last_error: string | null;
      body: string;
    }>(
      `SELECT d.id, d.msg_id, m.type, d.journey_id, d.seq, d.attempts, d.created_at, d.done_at,
         d.last_attempt_at, d.last_status, d.last_error, m.body
       FROM deliveries d JOIN messages m ON m.id = d.msg_id
       WHERE d.subscription_id = ? AND d.status = 'dead' AND d.id < ?
       ORDER BY d.id DESC LIMIT ?`,
      subscriptionId,
      q.before ?? Number.MAX_SAFE_INTEGER,
      q.limit,
    )
    .toArray();
  const items = rows.map((r) => ({
    messageId: r.msg_id,
    type: r.type,
    journeyId: r.journey_id,
    seq: r.seq,
    attempts: r.attempts,
    createdAt: iso(r.created_at),
    deadAt: iso(r.done_at),
    lastAttemptAt: isoOrNull(r.last_attempt_at),
    lastStatus: r.last_status,
    lastError: r.last_error,
    payload: JSON.parse(r.body) as unknown,
  }));
  const last = rows.at(-1);
  return { items, next: rows.length === q.limit && last ? last.id : null };
}

interface DeadRow {
  id: number;
  msg_id: string;
  journey_id: string | null;
  seq: number | null;
  [k: string]: SqlStorageValue;
}

/**
 * The dead letters to replay: the listed message ids (all must be dead letters of this
 * subscription, else the ones that are not) or every one.
 */
export function findDead(
  sql: SqlStorage,
  subscriptionId: string,
  messageIds: readonly string[] | null,
): { rows: DeadRow[]; missing: string[] } {
  const select = `SELECT id, msg_id, journey_id, seq FROM deliveries
                  WHERE subscription_id = ? AND status = 'dead'`;
  if (messageIds === null) {
    return {
      rows: sql.exec<DeadRow>(`${select} ORDER BY journey_id, seq`, subscriptionId).toArray(),
      missing: [],
    };
  }
  const rows: DeadRow[] = [];
  const missing: string[] = [];
  for (const id of new Set(messageIds)) {
    const r = sql.exec<DeadRow>(`${select} AND msg_id = ?`, subscriptionId, id).toArray()[0];
    if (r) rows.push(r);
    else missing.push(id);
  }
  return { rows, missing };
}

/** Puts dead letters back in their lines with a fresh schedule (attempts from 1 again). */
export function requeueDead(
  sql: SqlStorage,
  subscriptionId: string,
  rows: readonly DeadRow[],
  now: number,
): void {
  for (const r of rows) {
    sql.exec(
      `UPDATE deliveries SET status = 'waiting', attempts = 0, done_at = NULL, next_at = NULL
       WHERE id = ?`,
      r.id,
    );
    place(sql, r.id, subscriptionId, r.journey_id, r.seq, now);
  }
}

/** Makes every pending delivery of the subscription due now; returns how many. */
export function makeDueNow(sql: SqlStorage, subscriptionId: string, now: number): number {
  return sql
    .exec<{ id: number }>(
      `UPDATE deliveries SET next_at = ? WHERE subscription_id = ? AND status = 'pending'
       RETURNING id`,
      now,
      subscriptionId,
    )
    .toArray().length;
}

/** Removes a subscription with its deliveries, log and the messages only it referred to. */
export function deleteSubscription(sql: SqlStorage, id: string): void {
  sql.exec("DELETE FROM subscriptions WHERE id = ?", id);
  sql.exec("DELETE FROM attempts WHERE subscription_id = ?", id);
  sql.exec("DELETE FROM deliveries WHERE subscription_id = ?", id);
  sql.exec(
    "DELETE FROM messages WHERE NOT EXISTS (SELECT 1 FROM deliveries WHERE msg_id = messages.id)",
  );
}
