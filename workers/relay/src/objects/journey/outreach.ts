import type { Actor } from "@baton/core";
import type { WriteSpec } from "./plan";
import { SYSTEM } from "./text";
import type { JourneyRecord } from "./views";

/*
 * Outreach (docs/outreach.md): what Baton itself sends — a nudge to the owner before a promise
 * falls due, an update to the customer when a promise or an exception changes. One row per
 * message in the `outreach` table, keyed by what triggered it (`trigger_key` is UNIQUE), so a
 * trigger makes one message whatever re-runs: a second alarm, a restart, a retried write.
 *
 * Row states:
 *   pending    a trigger was recorded with the event; the alarm decides with the settings
 *   skipped    the workspace does not send this kind (or a more urgent nudge covered it)
 *   queued     to be sent at not_before; the alarm hands it to the outreach queue (lease)
 *   held       a constraint or quiet hours say later: queued again at not_before
 *   sending    claimed by a consumer (lease_until); one consumer at a time
 *   sent       the provider accepted it; delivered / failed follow from status callbacks
 *   failed     permanently refused or bounced (an `undeliverable` exception is raised)
 *   dead       still failing after `outreach.maxAttempts` tries (an exception is raised)
 *   suppressed a constraint forbids it (legal hold, opted out, no channel left)
 *   unknown    a consumer claimed it and never settled: never sent again (no doubles)
 */

export type OutreachStatus =
  | "pending"
  | "skipped"
  | "queued"
  | "held"
  | "sending"
  | "sent"
  | "delivered"
  | "failed"
  | "dead"
  | "suppressed"
  | "unknown";

export type OutreachTrigger =
  | "promise.at_risk"
  | "promise.renegotiated"
  | "promise.kept"
  | "promise.broken"
  | "exception.raised";

export interface OutreachRecord {
  id: string;
  trigger_key: string;
  audience: "customer" | "owner";
  trigger: OutreachTrigger;
  promise_id: string | null;
  exception_id: string | null;
  lead_minutes: number | null;
  vars: string;
  channel: string | null;
  recipient: string | null;
  status: OutreachStatus;
  reason: string | null;
  not_before: number;
  lease_until: number | null;
  attempts: number;
  provider: string | null;
  provider_id: string | null;
  message_seq: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  [key: string]: SqlStorageValue;
}

/** The API form of a row (GET /v1/journeys/:id/outreach). */
export interface OutreachView {
  id: string;
  audience: "customer" | "owner";
  trigger: OutreachTrigger;
  promiseId: string | null;
  exceptionId: string | null;
  leadMinutes: number | null;
  channel: string | null;
  recipient: string | null;
  status: OutreachStatus;
  reason: string | null;
  notBefore: string;
  attempts: number;
  provider: string | null;
  providerId: string | null;
  messageSeq: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What a trigger row carries for its template: raw values, formatted by the sender. */
export interface OutreachVars {
  journey: string;
  reason: string | null;
  owner: string | null;
  ownerId: string | null;
  team: string | null;
  promise?: string;
  due?: string;
  newDue?: string;
  exception?: string;
  exceptionKind?: string;
  leadMinutes?: number;
  language?: string | null;
}

/** How long a consumer's claim lasts before the row is declared `unknown`. */
export const SEND_LEASE_MS = 120_000;
/** How long a hand-off to the queue waits for a claim before the alarm hands it off again. */
export const QUEUE_LEASE_MS = 300_000;
/** Owner nudges and customer updates are written by Baton itself. */
export const OUTREACH_ACTOR: Actor = { kind: "system", id: "baton-outreach", name: "Baton" };

export function outreachView(r: OutreachRecord): OutreachView {
  return {
    id: r.id,
    audience: r.audience,
    trigger: r.trigger,
    promiseId: r.promise_id,
    exceptionId: r.exception_id,
    leadMinutes: r.lead_minutes,
    channel: r.channel,
    recipient: r.recipient,
    status: r.status,
    reason: r.reason,
    notBefore: new Date(r.not_before).toISOString(),
    attempts: r.attempts,
    provider: r.provider,
    providerId: r.provider_id,
    messageSeq: r.message_seq,
    lastError: r.last_error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function readOutreach(sql: SqlStorage, id: string): OutreachRecord | null {
  return sql.exec<OutreachRecord>("SELECT * FROM outreach WHERE id = ?", id).toArray()[0] ?? null;
}

export function listOutreach(sql: SqlStorage): OutreachView[] {
  return sql
    .exec<OutreachRecord>("SELECT * FROM outreach ORDER BY created_at, id")
    .toArray()
    .map(outreachView);
}

function ownerOf(j: JourneyRecord): {
  id: string | null;
  name: string | null;
  team: string | null;
} {
  if (!j.owner) return { id: null, name: null, team: null };
  const o = JSON.parse(j.owner) as { id?: string; name?: string; team?: string };
  return { id: o.id ?? null, name: o.name ?? o.id ?? null, team: o.team ?? null };
}

function baseVars(sql: SqlStorage, j: JourneyRecord): OutreachVars {
  const owner = ownerOf(j);
  const lang = sql
    .exec<{ value: string }>("SELECT value FROM facts WHERE key = 'language'")
    .toArray()[0];
  let language: string | null = null;
  if (lang) {
    try {
      const v = JSON.parse(lang.value) as unknown;
      language = typeof v === "string" ? v : null;
    } catch {
      language = null;
    }
  }
  return {
    journey: j.id,
    reason: j.reason_text,
    owner: owner.name,
    ownerId: owner.id,
    team: owner.team,
    language,
  };
}

function promiseVars(sql: SqlStorage, id: string): { promise: string; due: string } | null {
  const p = sql
    .exec<{ text: string; due_at: string }>("SELECT text, due_at FROM promises WHERE id = ?", id)
    .toArray()[0];
  return p ? { promise: p.text, due: p.due_at } : null;
}

/** Event types that may trigger a customer update. */
const TRIGGER_TYPES = new Set([
  "promise.settled",
  "promise.broken",
  "promise.renegotiated",
  "exception.raised",
]);

/**
 * The customer update a written event may trigger, or null. Called inside the write's
 * transaction with the event just written: the row is `pending` until the alarm reads the
 * settings (the hot path never waits on them). An `undeliverable` exception never triggers
 * a message (it is about messages that could not be sent).
 */
export function noteTrigger(
  sql: SqlStorage,
  j: JourneyRecord,
  spec: WriteSpec,
  eventId: string,
  now: string,
): void {
  // The hot path: most events trigger nothing, and return here without a query.
  if (!TRIGGER_TYPES.has(spec.type)) return;
  const data = spec.data ?? {};
  let trigger: OutreachTrigger | null = null;
  let promiseId: string | null = null;
  let exceptionId: string | null = null;
  const vars = baseVars(sql, j);
  switch (spec.type) {
    case "promise.settled":
      if (data.status === "kept") trigger = "promise.kept";
      promiseId = typeof data.promiseId === "string" ? data.promiseId : null;
      break;
    case "promise.broken":
      trigger = "promise.broken";
      promiseId = typeof data.promiseId === "string" ? data.promiseId : null;
      break;
    case "promise.renegotiated": {
      trigger = "promise.renegotiated";
      promiseId = typeof data.promiseId === "string" ? data.promiseId : null;
      const next =
        typeof data.newPromiseId === "string" ? promiseVars(sql, data.newPromiseId) : null;
      if (next) vars.newDue = next.due;
      break;
    }
    case "exception.raised":
      if (data.kind === "undeliverable") return;
      trigger = "exception.raised";
      exceptionId = typeof data.exceptionId === "string" ? data.exceptionId : null;
      vars.exceptionKind = typeof data.kind === "string" ? data.kind : "other";
      if (exceptionId) {
        const e = sql
          .exec<{ text: string }>("SELECT text FROM exceptions WHERE id = ?", exceptionId)
          .toArray()[0];
        if (e) vars.exception = e.text;
      }
      break;
    default:
      return;
  }
  if (!trigger) return;
  if (promiseId) Object.assign(vars, promiseVars(sql, promiseId) ?? {});
  insertRow(sql, {
    key: `customer:${trigger}:${promiseId ?? exceptionId ?? eventId}`,
    audience: "customer",
    trigger,
    promiseId,
    exceptionId,
    lead: null,
    vars,
    status: "pending",
    reason: null,
    notBefore: Date.parse(now),
    now,
  });
}

function insertRow(
  sql: SqlStorage,
  r: {
    key: string;
    audience: "customer" | "owner";
    trigger: OutreachTrigger;
    promiseId: string | null;
    exceptionId: string | null;
    lead: number | null;
    vars: OutreachVars;
    status: OutreachStatus;
    reason: string | null;
    notBefore: number;
    now: string;
  },
): boolean {
  const id = `otr_${crypto.randomUUID().replace(/-/g, "").slice(0, 22)}`;
  const cursor = sql.exec(
    `INSERT INTO outreach (id, trigger_key, audience, trigger, promise_id, exception_id, lead_minutes, vars, status, reason, not_before, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (trigger_key) DO NOTHING`,
    id,
    r.key,
    r.audience,
    r.trigger,
    r.promiseId,
    r.exceptionId,
    r.lead,
    JSON.stringify(r.vars),
    r.status,
    r.reason,
    r.notBefore,
    r.now,
    r.now,
  );
  return cursor.rowsWritten > 0;
}

/** The nudge lead times stored with a promise when it is made (minutes, largest first). */
export function nudgePlan(
  dueAt: string,
  leads: readonly number[] | undefined,
  now: number,
): { leads: string | null; nudgeAt: string | null } {
  const sorted = [...new Set(leads ?? [])].filter((l) => l > 0).sort((a, b) => b - a);
  if (sorted.length === 0) return { leads: null, nudgeAt: null };
  const due = Date.parse(dueAt);
  if (due <= now) return { leads: JSON.stringify(sorted), nudgeAt: null };
  const first = Math.min(...sorted.map((l) => due - l * 60_000).filter((t) => t < due));
  return { leads: JSON.stringify(sorted), nudgeAt: new Date(Math.max(first, now)).toISOString() };
}

/** A nudge the alarm fires: the most urgent lead time that has passed for one promise. */
export interface DueNudge {
  promiseId: string;
  lead: number;
  /** Other passed lead times covered by this one (recorded as skipped, never sent later). */
  covered: number[];
  next: string | null;
}

/** Pending promises whose next nudge time has come, with the lead to fire. */
export function dueNudges(sql: SqlStorage, now: number): DueNudge[] {
  const rows = sql
    .exec<{ id: string; due_at: string; nudge_leads: string }>(
      `SELECT id, due_at, nudge_leads FROM promises
       WHERE status = 'pending' AND nudge_at IS NOT NULL AND nudge_at <= ? LIMIT 50`,
      new Date(now).toISOString(),
    )
    .toArray();
  return rows.map((r) => {
    const due = Date.parse(r.due_at);
    const leads = JSON.parse(r.nudge_leads) as number[];
    const passed = leads.filter((l) => due - l * 60_000 <= now).sort((a, b) => a - b);
    const future = leads.filter((l) => due - l * 60_000 > now).map((l) => due - l * 60_000);
    const next = future.length > 0 ? new Date(Math.min(...future)).toISOString() : null;
    return {
      promiseId: r.id,
      lead: passed[0] ?? leads[leads.length - 1] ?? 0,
      covered: passed.slice(1),
      next: due > now ? next : null,
    };
  });
}

/**
 * The WriteSpec of one nudge: the `promise.at_risk` event, the owner's row (queued when the
 * owner has a contact, else skipped: the event is the nudge), the customer's row (pending, once
 * per promise) and the promise's at-risk mark. Re-checked inside the transaction: a nudge
 * already recorded for that lead writes nothing.
 */
export function planNudge(
  sql: SqlStorage,
  j: JourneyRecord,
  n: DueNudge,
  ownerReachable: boolean,
  now: number,
): WriteSpec | null {
  const p = sql
    .exec<{ text: string; due_at: string; status: string }>(
      "SELECT text, due_at, status FROM promises WHERE id = ?",
      n.promiseId,
    )
    .toArray()[0];
  if (!p || p.status !== "pending") return null;
  const fired = sql
    .exec<{ n: number }>(
      "SELECT count(*) AS n FROM outreach WHERE trigger_key = ?",
      `nudge:${n.promiseId}:${n.lead}`,
    )
    .one().n;
  if (fired > 0) {
    sql.exec("UPDATE promises SET nudge_at = ? WHERE id = ?", n.next, n.promiseId);
    return null;
  }
  const iso = new Date(now).toISOString();
  const minutes = Math.max(0, Math.round((Date.parse(p.due_at) - now) / 60_000));
  return {
    type: "promise.at_risk",
    channel: null,
    direction: "internal",
    actor: SYSTEM,
    text: `promise at risk: ${p.text} (due ${p.due_at}, in ${minutes} min)`,
    data: { promiseId: n.promiseId, dueAt: p.due_at, leadMinutes: n.lead, minutesLeft: minutes },
    occurredAt: null,
    apply: () => {
      const vars: OutreachVars = {
        ...baseVars(sql, j),
        promise: p.text,
        due: p.due_at,
        // {lead} reads "due in …": the time left, not the lead time that fired.
        leadMinutes: minutes,
      };
      const common = { promiseId: n.promiseId, exceptionId: null, vars, notBefore: now, now: iso };
      insertRow(sql, {
        ...common,
        key: `nudge:${n.promiseId}:${n.lead}`,
        audience: "owner",
        trigger: "promise.at_risk",
        lead: n.lead,
        status: ownerReachable ? "queued" : "skipped",
        reason: ownerReachable
          ? null
          : "no contact for the owner: the promise.at_risk event is the nudge",
      });
      for (const lead of n.covered) {
        insertRow(sql, {
          ...common,
          key: `nudge:${n.promiseId}:${lead}`,
          audience: "owner",
          trigger: "promise.at_risk",
          lead,
          status: "skipped",
          reason: `covered by the ${n.lead}-minute nudge`,
        });
      }
      insertRow(sql, {
        ...common,
        key: `customer:promise.at_risk:${n.promiseId}`,
        audience: "customer",
        trigger: "promise.at_risk",
        lead: null,
        status: "pending",
        reason: null,
      });
      sql.exec(
        "UPDATE promises SET at_risk_at = coalesce(at_risk_at, ?), nudge_at = ? WHERE id = ?",
        iso,
        n.next,
        n.promiseId,
      );
    },
  };
}

/** Pending rows, decided now that the settings are known: queued or skipped. */
export function decidePending(
  sql: SqlStorage,
  enabled: (row: OutreachRecord) => string | null,
  now: number,
): void {
  const rows = sql
    .exec<OutreachRecord>("SELECT * FROM outreach WHERE status = 'pending' LIMIT 100")
    .toArray();
  const iso = new Date(now).toISOString();
  for (const r of rows) {
    const off = enabled(r);
    sql.exec(
      "UPDATE outreach SET status = ?, reason = ?, updated_at = ? WHERE id = ? AND status = 'pending'",
      off ? "skipped" : "queued",
      off,
      iso,
      r.id,
    );
  }
}

/**
 * Rows to hand to the outreach queue now: queued or held rows whose time has come and whose
 * last hand-off lease ran out. Marks each with a new hand-off lease. Claims that never settled
 * become `unknown` (returned separately so the caller can write their events).
 */
export function takeDispatch(
  sql: SqlStorage,
  now: number,
): { send: string[]; lost: OutreachRecord[] } {
  const iso = new Date(now).toISOString();
  const lost = sql
    .exec<OutreachRecord>(
      "SELECT * FROM outreach WHERE status = 'sending' AND lease_until <= ? LIMIT 50",
      now,
    )
    .toArray();
  for (const r of lost) {
    sql.exec(
      "UPDATE outreach SET status = 'unknown', lease_until = NULL, updated_at = ?, last_error = ? WHERE id = ?",
      iso,
      "the sender stopped before saying whether the provider took the message; not sent again",
      r.id,
    );
  }
  const send = sql
    .exec<{ id: string }>(
      `SELECT id FROM outreach WHERE status IN ('queued', 'held') AND not_before <= ?
         AND (lease_until IS NULL OR lease_until <= ?) ORDER BY not_before LIMIT 100`,
      now,
      now,
    )
    .toArray()
    .map((r) => r.id);
  for (const id of send) {
    sql.exec(
      "UPDATE outreach SET status = 'queued', lease_until = ?, updated_at = ? WHERE id = ?",
      now + QUEUE_LEASE_MS,
      iso,
      id,
    );
  }
  return { send, lost };
}

/** When the alarm must next look at outreach (epoch ms), or null. */
export function nextOutreachAt(sql: SqlStorage, now: number): number | null {
  const r = sql
    .exec<{ pending: number; t: number | null; lease: number | null; nudge: string | null }>(
      `SELECT
         (SELECT count(*) FROM outreach WHERE status = 'pending') AS pending,
         (SELECT min(max(not_before, coalesce(lease_until, 0))) FROM outreach WHERE status IN ('queued', 'held')) AS t,
         (SELECT min(lease_until) FROM outreach WHERE status = 'sending') AS lease,
         (SELECT min(nudge_at) FROM promises WHERE status = 'pending' AND nudge_at IS NOT NULL) AS nudge`,
    )
    .one();
  const times = [
    r.pending > 0 ? now : null,
    r.t,
    r.lease,
    r.nudge === null ? null : Date.parse(r.nudge),
  ].filter((t): t is number => t !== null);
  return times.length === 0 ? null : Math.min(...times);
}

/** Active constraints in the form the outreach decision reads. */
export function activeConstraints(
  sql: SqlStorage,
  now: number,
): {
  id: string;
  kind: string;
  text: string;
  channel: string | null;
  window: { from: string; to: string; timeZone: string } | null;
  until: string | null;
}[] {
  return sql
    .exec<{
      id: string;
      kind: string;
      text: string;
      channel: string | null;
      time_window: string | null;
      until: string | null;
    }>(
      "SELECT id, kind, text, channel, time_window, until FROM constraints WHERE removed_at IS NULL",
    )
    .toArray()
    .filter((c) => c.until === null || Date.parse(c.until) > now)
    .map((c) => ({
      id: c.id,
      kind: c.kind,
      text: c.text,
      channel: c.channel,
      window: c.time_window
        ? (JSON.parse(c.time_window) as { from: string; to: string; timeZone: string })
        : null,
      until: c.until,
    }));
}

/** Retry delay after `attempts` failed tries: 10 s, 20 s, 40 s … at most 1 h, ±20 % jitter. */
export function retryDelayMs(attempts: number, random: number = Math.random()): number {
  const base = Math.min(3_600_000, 10_000 * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + 0.4 * random));
}
