import { newId } from "@baton/core";
import { WEBHOOK_DISABLED, acceptsType } from "./filter";
import {
  ATTEMPT_LOG_KEEP,
  DISABLE_AFTER_FAILING_MS,
  LEASE_MS,
  MAX_ATTEMPTS,
  MAX_IN_FLIGHT,
  QUEUED,
  iso,
  type SubscriptionRow,
} from "./schema";
import { retryDelayMs, type Claim, type Outcome } from "./send";

/**
 * The delivery queue of a WebhooksObject, as synchronous SQL steps; the object runs each inside
 * `transactionSync`. A message (one event, its body serialized once) has one delivery per
 * subscription. Per subscription and journey, deliveries form a line in `seq` order: only the
 * head is `pending` (sendable), the rest are `waiting`, and finishing the head (delivered or
 * dead) promotes the next. Events without a journey (tests, notices) are never in a line.
 */

export interface MessageInput {
  id: string;
  type: string;
  journeyId: string | null;
  seq: number | null;
  body: string;
}

/** Stores a message once and a delivery per subscription; returns the new deliveries. */
export function storeMessage(
  sql: SqlStorage,
  msg: MessageInput,
  subscriptionIds: readonly string[],
  now: number,
): number {
  if (subscriptionIds.length === 0) return 0;
  sql.exec(
    `INSERT INTO messages (id, type, journey_id, seq, body, created_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO NOTHING`,
    msg.id,
    msg.type,
    msg.journeyId,
    msg.seq,
    msg.body,
    now,
  );
  let stored = 0;
  for (const sub of subscriptionIds) {
    const row = sql
      .exec<{ id: number }>(
        `INSERT INTO deliveries (subscription_id, msg_id, journey_id, seq, status, created_at)
         VALUES (?, ?, ?, ?, 'waiting', ?)
         ON CONFLICT (msg_id, subscription_id) DO NOTHING RETURNING id`,
        sub,
        msg.id,
        msg.journeyId,
        msg.seq,
        now,
      )
      .toArray()[0];
    if (!row) continue;
    stored++;
    place(sql, row.id, sub, msg.journeyId, msg.seq, now);
  }
  return stored;
}

/**
 * Puts an undelivered delivery in its journey's line: `waiting` behind an earlier undelivered
 * event, otherwise `pending` and due now (later pending ones of the line step back to waiting).
 */
export function place(
  sql: SqlStorage,
  id: number,
  subscriptionId: string,
  journeyId: string | null,
  seq: number | null,
  now: number,
): void {
  if (journeyId !== null && seq !== null) {
    const earlier = sql
      .exec(
        `SELECT 1 AS x FROM deliveries
         WHERE subscription_id = ? AND journey_id = ? AND seq < ? AND ${QUEUED} LIMIT 1`,
        subscriptionId,
        journeyId,
        seq,
      )
      .toArray();
    if (earlier.length > 0) {
      sql.exec("UPDATE deliveries SET status = 'waiting', next_at = NULL WHERE id = ?", id);
      return;
    }
    sql.exec(
      `UPDATE deliveries SET status = 'waiting', next_at = NULL
       WHERE subscription_id = ? AND journey_id = ? AND seq > ? AND ${QUEUED} AND status = 'pending'`,
      subscriptionId,
      journeyId,
      seq,
    );
  }
  sql.exec("UPDATE deliveries SET status = 'pending', next_at = ? WHERE id = ?", now, id);
}

/** After a line's head finished: the next one, if waiting, becomes pending and due now. */
function promote(
  sql: SqlStorage,
  subscriptionId: string,
  journeyId: string | null,
  now: number,
): void {
  if (journeyId === null) return;
  const head = sql
    .exec<{ id: number; status: string }>(
      `SELECT id, status FROM deliveries
       WHERE subscription_id = ? AND journey_id = ? AND ${QUEUED} ORDER BY seq LIMIT 1`,
      subscriptionId,
      journeyId,
    )
    .toArray()[0];
  if (head?.status === "waiting") {
    sql.exec("UPDATE deliveries SET status = 'pending', next_at = ? WHERE id = ?", now, head.id);
  }
}

/** The secrets that sign now: the current one, then the previous one during its grace. */
export function signingSecrets(sub: SubscriptionRow, now: number): string[] {
  return sub.previous_secret !== null &&
    sub.previous_expires_at !== null &&
    sub.previous_expires_at > now
    ? [sub.secret, sub.previous_secret]
    : [sub.secret];
}

/**
 * Claims the subscription's next due delivery for one attempt, or null (disabled, at its
 * in-flight bound, or nothing due). The delivery is marked in flight with a lease before
 * anything is sent, so a second alarm run cannot send it too.
 */
export function claimNext(sql: SqlStorage, subscriptionId: string, now: number): Claim | null {
  const sub = sql
    .exec<SubscriptionRow>("SELECT * FROM subscriptions WHERE id = ?", subscriptionId)
    .toArray()[0];
  if (!sub || sub.enabled !== 1) return null;
  const inFlight = sql
    .exec<{ n: number }>(
      "SELECT count(*) AS n FROM deliveries WHERE subscription_id = ? AND status = 'in_flight'",
      subscriptionId,
    )
    .one().n;
  if (inFlight >= MAX_IN_FLIGHT) return null;
  const row = sql
    .exec<{
      id: number;
      msg_id: string;
      attempts: number;
      journey_id: string | null;
      seq: number | null;
      type: string;
      body: string;
    }>(
      `SELECT d.id, d.msg_id, d.attempts, d.journey_id, d.seq, m.type, m.body
       FROM deliveries d JOIN messages m ON m.id = d.msg_id
       WHERE d.subscription_id = ? AND d.status = 'pending' AND d.next_at <= ?
       ORDER BY d.next_at, d.id LIMIT 1`,
      subscriptionId,
      now,
    )
    .toArray()[0];
  if (!row) return null;
  sql.exec(
    `UPDATE deliveries SET status = 'in_flight', attempts = attempts + 1, lease_until = ?,
       last_attempt_at = ? WHERE id = ?`,
    now + LEASE_MS,
    now,
    row.id,
  );
  return {
    deliveryId: row.id,
    subscriptionId,
    url: sub.url,
    secrets: signingSecrets(sub, now),
    msgId: row.msg_id,
    type: row.type,
    journeyId: row.journey_id,
    seq: row.seq,
    body: row.body,
    attempt: row.attempts + 1,
  };
}

export type Attempted = Pick<
  Claim,
  "deliveryId" | "subscriptionId" | "msgId" | "type" | "journeyId" | "seq" | "attempt"
>;

/**
 * Appends to the subscription's delivery log, numbered per subscription (`n`), and drops the
 * entry that falls out of the last ATTEMPT_LOG_KEEP (an index range, so it costs one row).
 */
function logAttempt(sql: SqlStorage, a: Attempted, outcome: Outcome, now: number): void {
  const n = sql
    .exec<{ log_n: number }>(
      "UPDATE subscriptions SET log_n = log_n + 1 WHERE id = ? RETURNING log_n",
      a.subscriptionId,
    )
    .toArray()[0]?.log_n;
  if (n === undefined) return;
  sql.exec(
    `INSERT INTO attempts (subscription_id, n, delivery_id, msg_id, type, journey_id, seq,
       attempt, at, ok, http_status, error, latency_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    a.subscriptionId,
    n,
    a.deliveryId,
    a.msgId,
    a.type,
    a.journeyId,
    a.seq,
    a.attempt,
    now - outcome.latencyMs,
    outcome.ok ? 1 : 0,
    outcome.status,
    outcome.error,
    outcome.latencyMs,
  );
  sql.exec(
    "DELETE FROM attempts WHERE subscription_id = ? AND n <= ?",
    a.subscriptionId,
    n - ATTEMPT_LOG_KEEP,
  );
}

/** A subscription just disabled for failing, and who was told. */
export interface DisableNotice {
  subscriptionId: string;
  url: string;
  reason: string;
  notified: number;
}

/**
 * Records an attempt's outcome: the log entry, then delivered, a retry on the schedule, or a
 * dead letter after MAX_ATTEMPTS; the subscription's health; and the disable rule (410 Gone, or
 * every attempt failing for DISABLE_AFTER_FAILING_MS). A result for a delivery that is no longer
 * in flight for this attempt (deleted, or recovered after its lease) changes nothing.
 */
export function recordOutcome(
  sql: SqlStorage,
  a: Attempted,
  outcome: Outcome,
  now: number,
  workspace: string,
): DisableNotice | null {
  const row = sql
    .exec<{ status: string; attempts: number }>(
      "SELECT status, attempts FROM deliveries WHERE id = ?",
      a.deliveryId,
    )
    .toArray()[0];
  if (!row || row.status !== "in_flight" || row.attempts !== a.attempt) return null;
  logAttempt(sql, a, outcome, now);
  if (outcome.ok) {
    sql.exec(
      `UPDATE deliveries SET status = 'delivered', done_at = ?, next_at = NULL, lease_until = NULL,
         last_status = ?, last_error = NULL WHERE id = ?`,
      now,
      outcome.status,
      a.deliveryId,
    );
    sql.exec(
      "UPDATE subscriptions SET failing_since = NULL, last_success_at = ? WHERE id = ?",
      now,
      a.subscriptionId,
    );
    promote(sql, a.subscriptionId, a.journeyId, now);
    return null;
  }
  if (a.attempt >= MAX_ATTEMPTS) {
    sql.exec(
      `UPDATE deliveries SET status = 'dead', done_at = ?, next_at = NULL, lease_until = NULL,
         last_status = ?, last_error = ? WHERE id = ?`,
      now,
      outcome.status,
      outcome.error,
      a.deliveryId,
    );
    promote(sql, a.subscriptionId, a.journeyId, now);
  } else {
    sql.exec(
      `UPDATE deliveries SET status = 'pending', next_at = ?, lease_until = NULL, last_status = ?,
         last_error = ? WHERE id = ?`,
      now + retryDelayMs(a.attempt, outcome.retryAfterMs),
      outcome.status,
      outcome.error,
      a.deliveryId,
    );
  }
  sql.exec(
    `UPDATE subscriptions SET failing_since = COALESCE(failing_since, ?), last_failure_at = ?
     WHERE id = ?`,
    now - outcome.latencyMs,
    now,
    a.subscriptionId,
  );
  const sub = sql
    .exec<SubscriptionRow>("SELECT * FROM subscriptions WHERE id = ?", a.subscriptionId)
    .toArray()[0];
  if (!sub || sub.enabled !== 1) return null;
  let reason: string | null = null;
  if (outcome.status === 410) reason = "the endpoint answered 410 Gone";
  else if (sub.failing_since !== null && now - sub.failing_since >= DISABLE_AFTER_FAILING_MS) {
    const days = DISABLE_AFTER_FAILING_MS / 86_400_000;
    reason = `every attempt failed for ${days} days (since ${iso(sub.failing_since)})`;
  }
  return reason === null ? null : disableForFailure(sql, sub, reason, now, workspace);
}

/**
 * Disables a failing subscription (its undelivered events stay, held) and queues a
 * `webhook.subscription.disabled` notice to every other enabled subscription that accepts it.
 */
function disableForFailure(
  sql: SqlStorage,
  sub: SubscriptionRow,
  reason: string,
  now: number,
  workspace: string,
): DisableNotice {
  sql.exec(
    `UPDATE subscriptions SET enabled = 0, disabled_reason = ?, disabled_at = ?, updated_at = ?
     WHERE id = ?`,
    reason,
    now,
    now,
    sub.id,
  );
  const held = sql
    .exec<{ n: number }>(
      `SELECT count(*) AS n FROM deliveries WHERE subscription_id = ? AND ${QUEUED}`,
      sub.id,
    )
    .one().n;
  const targets = sql
    .exec<{ id: string; event_types: string }>(
      "SELECT id, event_types FROM subscriptions WHERE enabled = 1 AND id != ?",
      sub.id,
    )
    .toArray()
    .filter((s) => acceptsType(JSON.parse(s.event_types) as string[], WEBHOOK_DISABLED))
    .map((s) => s.id);
  const body = JSON.stringify({
    type: WEBHOOK_DISABLED,
    timestamp: iso(now),
    data: {
      workspace,
      subscriptionId: sub.id,
      url: sub.url,
      reason,
      disabledAt: iso(now),
      failingSince: sub.failing_since === null ? null : iso(sub.failing_since),
      held,
    },
  });
  const msg = { id: newId("msg", now), type: WEBHOOK_DISABLED, journeyId: null, seq: null, body };
  storeMessage(sql, msg, targets, now);
  return { subscriptionId: sub.id, url: sub.url, reason, notified: targets.length };
}

/** In-flight deliveries whose lease ran out (their run never reported): failed attempts. */
export function expiredLeases(sql: SqlStorage, now: number): Attempted[] {
  return sql
    .exec<{
      id: number;
      subscription_id: string;
      msg_id: string;
      type: string;
      journey_id: string | null;
      seq: number | null;
      attempts: number;
    }>(
      `SELECT d.id, d.subscription_id, d.msg_id, m.type, d.journey_id, d.seq, d.attempts
       FROM deliveries d JOIN messages m ON m.id = d.msg_id
       WHERE d.status = 'in_flight' AND d.lease_until <= ? LIMIT 500`,
      now,
    )
    .toArray()
    .map((r) => ({
      deliveryId: r.id,
      subscriptionId: r.subscription_id,
      msgId: r.msg_id,
      type: r.type,
      journeyId: r.journey_id,
      seq: r.seq,
      attempt: r.attempts,
    }));
}
