import type { Schema } from "../migrate";

/** Subscriptions per workspace. */
export const MAX_SUBSCRIPTIONS = 20;

/**
 * Delay before each retry, after attempt 1, 2, … 7 failed (the Standard Webhooks example
 * schedule up to 10 h, then 10 h again): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h = 27.6 h
 * before jitter. Attempt 8 failing makes the delivery a dead letter.
 */
export const RETRY_SCHEDULE_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];
export const MAX_ATTEMPTS = RETRY_SCHEDULE_MS.length + 1;
/** Jitter only lengthens a delay (by up to 20 %), so the schedule always spans ≥ 27.6 h. */
export const RETRY_JITTER = 0.2;
/** Longest delay a `Retry-After` can ask for. */
export const MAX_RETRY_DELAY_MS = 10 * 3_600_000;

/** One HTTP attempt, response headers included. */
export const ATTEMPT_TIMEOUT_MS = 10_000;
/** An in-flight delivery whose result never came back (the object restarted) is retried after. */
export const LEASE_MS = 60_000;
/** Concurrent attempts per subscription. */
export const MAX_IN_FLIGHT = 8;
/** One alarm run stops claiming after this long or this many attempts, then re-arms at once. */
export const ALARM_BUDGET_MS = 30_000;
export const ALARM_MAX_ATTEMPTS = 500;

/** A subscription whose every attempt failed for this long is disabled (with a notice). */
export const DISABLE_AFTER_FAILING_MS = 5 * 86_400_000;

/** Secret rotation: how long the previous secret keeps signing, by default and at most. */
export const DEFAULT_GRACE_SECONDS = 86_400;
export const MAX_GRACE_SECONDS = 7 * 86_400;

/** Retention (see docs/webhooks-out.md#retention). */
export const ATTEMPT_LOG_KEEP = 1_000;
export const DELIVERED_RETENTION_MS = 7 * 86_400_000;
export const DEAD_RETENTION_MS = 30 * 86_400_000;
/** Held (undelivered, subscription disabled) deliveries older than this become dead letters. */
export const HELD_RETENTION_MS = 30 * 86_400_000;
/** Retention runs at most this often (so it never costs anything on the delivery path). */
export const PRUNE_INTERVAL_MS = 3_600_000;

/** Delivery states. `waiting`: behind an earlier undelivered event of its journey. */
export type DeliveryStatus = "waiting" | "pending" | "in_flight" | "delivered" | "dead";

/**
 * The undelivered states, written exactly like the partial index `deliveries_queue` so SQLite
 * uses it for the per-journey line.
 */
export const QUEUED = "status IN ('waiting', 'pending', 'in_flight')";

/** The object's tables; append steps, never edit, remove or reorder a released one. */
export const WEBHOOKS_SCHEMA: Schema = {
  object: "webhooks",
  steps: [
    // v1: subscriptions, messages, deliveries and the delivery log.
    {
      name: "create_tables",
      sql: [
        `CREATE TABLE meta (
      singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
      workspace TEXT NOT NULL,
      prune_at INTEGER NOT NULL DEFAULT 0
    )`,
        `CREATE TABLE subscriptions (
      id TEXT PRIMARY KEY,
      url TEXT NOT NULL,
      description TEXT,
      event_types TEXT NOT NULL,
      enabled INTEGER NOT NULL,
      disabled_reason TEXT,
      disabled_at INTEGER,
      secret TEXT NOT NULL,
      previous_secret TEXT,
      previous_expires_at INTEGER,
      secret_rotated_at INTEGER,
      failing_since INTEGER,
      last_success_at INTEGER,
      last_failure_at INTEGER,
      log_n INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
        `CREATE TABLE messages (
      id TEXT PRIMARY KEY,
      type TEXT NOT NULL,
      journey_id TEXT,
      seq INTEGER,
      body TEXT NOT NULL,
      created_at INTEGER NOT NULL
    )`,
        `CREATE TABLE deliveries (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      subscription_id TEXT NOT NULL,
      msg_id TEXT NOT NULL,
      journey_id TEXT,
      seq INTEGER,
      status TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_at INTEGER,
      lease_until INTEGER,
      created_at INTEGER NOT NULL,
      last_attempt_at INTEGER,
      last_status INTEGER,
      last_error TEXT,
      done_at INTEGER,
      UNIQUE (msg_id, subscription_id)
    )`,
        `CREATE INDEX deliveries_sub ON deliveries (subscription_id, status, next_at)`,
        `CREATE INDEX deliveries_age ON deliveries (status, done_at)`,
        `CREATE INDEX deliveries_queue ON deliveries (subscription_id, journey_id, seq) WHERE ${QUEUED}`,
        `CREATE TABLE attempts (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      subscription_id TEXT NOT NULL,
      n INTEGER NOT NULL,
      delivery_id INTEGER NOT NULL,
      msg_id TEXT NOT NULL,
      type TEXT NOT NULL,
      journey_id TEXT,
      seq INTEGER,
      attempt INTEGER NOT NULL,
      at INTEGER NOT NULL,
      ok INTEGER NOT NULL,
      http_status INTEGER,
      error TEXT,
      latency_ms INTEGER NOT NULL
    )`,
        `CREATE UNIQUE INDEX attempts_log ON attempts (subscription_id, n)`,
      ],
    },
  ],
};

export interface SubscriptionRow {
  id: string;
  url: string;
  description: string | null;
  event_types: string;
  enabled: number;
  disabled_reason: string | null;
  disabled_at: number | null;
  secret: string;
  previous_secret: string | null;
  previous_expires_at: number | null;
  secret_rotated_at: number | null;
  failing_since: number | null;
  last_success_at: number | null;
  last_failure_at: number | null;
  log_n: number;
  created_at: number;
  updated_at: number;
  [k: string]: SqlStorageValue;
}

export interface DeliveryRow {
  id: number;
  subscription_id: string;
  msg_id: string;
  journey_id: string | null;
  seq: number | null;
  status: DeliveryStatus;
  attempts: number;
  next_at: number | null;
  lease_until: number | null;
  created_at: number;
  last_attempt_at: number | null;
  last_status: number | null;
  last_error: string | null;
  done_at: number | null;
  [k: string]: SqlStorageValue;
}

export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));
