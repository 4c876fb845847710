import { LIMITS, err, newId, ok, promiseTimingError, type Actor, type Result } from "@baton/core";
import type { PromiseRow } from "@baton/db";
import type { WriteSpec } from "./plan";
import { SYSTEM, clean, clip } from "./text";
import type { JourneyCommand, JourneyError } from "./types";
import type { JourneyRecord } from "./views";
import { nudgePlan } from "./outreach";

/** Statuses a promise can still leave on its own (the alarm) or be settled from. */
export const OPEN_PROMISE = ["pending", "overdue"] as const;

interface PromiseRecord {
  id: string;
  text: string;
  due_at: string;
  verify_by: string;
  made_by: string;
  status: string;
  auto_break: number;
  [key: string]: SqlStorageValue;
}

function readPromise(sql: SqlStorage, id: string): PromiseRecord | null {
  return sql.exec<PromiseRecord>("SELECT * FROM promises WHERE id = ?", id).toArray()[0] ?? null;
}

/** The promise's D1 row as of `seq`. */
export function promiseRow(sql: SqlStorage, j: JourneyRecord, id: string, seq: number): PromiseRow {
  const p = sql
    .exec<Record<string, string | null>>("SELECT * FROM promises WHERE id = ?", id)
    .one();
  const madeBy = JSON.parse(String(p.made_by)) as Actor;
  return {
    workspaceId: j.workspace,
    id,
    journeyId: j.id,
    text: String(p.text),
    dueAt: String(p.due_at),
    madeByKind: madeBy.kind,
    madeById: madeBy.id ?? null,
    madeByName: madeBy.name ?? null,
    status: String(p.status),
    createdAt: String(p.created_at),
    settledAt: p.settled_at ?? null,
    atRiskAt: p.at_risk_at ?? null,
    lastSeq: seq,
  };
}

/** Moves a promise to `to` and appends the change to its history. Inside the write transaction. */
function transition(
  sql: SqlStorage,
  id: string,
  to: string,
  seq: number,
  now: string,
  actor: Actor | null,
  note: string | null,
): void {
  const from = sql.exec<{ status: string }>("SELECT status FROM promises WHERE id = ?", id).one();
  const settled = !(OPEN_PROMISE as readonly string[]).includes(to);
  sql.exec(
    `UPDATE promises SET status = ?, seq = ?,
       settled_at = CASE WHEN ? THEN ? ELSE settled_at END,
       note = coalesce(?, note)
     WHERE id = ?`,
    to,
    seq,
    settled ? 1 : 0,
    now,
    note,
    id,
  );
  sql.exec(
    "INSERT INTO promise_history (promise_id, at, from_status, to_status, seq, actor, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
    id,
    now,
    from.status,
    to,
    seq,
    actor ? JSON.stringify(actor) : null,
    note,
  );
  if (to === "broken") {
    sql.exec(
      "UPDATE journey SET effort = json_set(effort, '$.brokenPromises', coalesce(json_extract(effort, '$.brokenPromises'), 0) + 1) WHERE singleton = 1",
    );
  }
}

/** Inserts a pending promise with its first history entry. Inside the write transaction. */
function insertPromise(
  sql: SqlStorage,
  p: {
    id: string;
    text: string;
    dueAt: string;
    verifyBy: string;
    madeBy: Actor;
    channel: string | null;
    replaces: string | null;
    autoBreak: boolean;
    nudgeLeads: number[] | undefined;
  },
  seq: number,
  now: string,
): void {
  const nudge = nudgePlan(p.dueAt, p.nudgeLeads, Date.parse(now));
  sql.exec(
    `INSERT INTO promises (id, text, due_at, verify_by, made_by, channel, status, created_at, seq, replaces, auto_break, nudge_leads, nudge_at)
     VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?)`,
    p.id,
    clean(p.text),
    p.dueAt,
    p.verifyBy,
    JSON.stringify(p.madeBy),
    p.channel,
    now,
    seq,
    p.replaces,
    p.autoBreak ? 1 : 0,
    nudge.leads,
    nudge.nudgeAt,
  );
  sql.exec(
    "INSERT INTO promise_history (promise_id, at, from_status, to_status, seq, actor) VALUES (?, ?, NULL, 'pending', ?, ?)",
    p.id,
    now,
    seq,
    JSON.stringify(p.madeBy),
  );
}

function countCheck(sql: SqlStorage): JourneyError | null {
  const count = sql.exec<{ n: number }>("SELECT count(*) AS n FROM promises").one().n;
  return count >= LIMITS.promisesPerJourney
    ? { code: "limit_exceeded", what: "promises", max: LIMITS.promisesPerJourney }
    : null;
}

/** verifyBy as given, else dueAt plus the workspace's grace period. */
function verifyByOf(dueAt: string, verifyBy: string | undefined, graceMinutes: number): string {
  return verifyBy ?? new Date(Date.parse(dueAt) + graceMinutes * 60_000).toISOString();
}

export function planPromiseAdd(
  sql: SqlStorage,
  j: JourneyRecord,
  cmd: Extract<JourneyCommand, { kind: "promise.add" }>,
): Result<WriteSpec, JourneyError> {
  const p = cmd.promise;
  const timing = promiseTimingError(p, Date.now());
  if (timing) return err(timing);
  const limit = countCheck(sql);
  if (limit) return err(limit);
  const id = newId("prm");
  const verifyBy = verifyByOf(p.dueAt, p.verifyBy, cmd.policy.graceMinutes);
  return ok({
    type: "promise.made",
    channel: p.channel ?? null,
    direction: "outbound",
    actor: p.madeBy,
    text: `promised: ${p.text} (due ${p.dueAt})`,
    data: { promiseId: id, dueAt: p.dueAt, verifyBy, ...(p.madeAt ? { madeAt: p.madeAt } : {}) },
    occurredAt: p.madeAt ?? null,
    lastAction: `promised: ${clip(clean(p.text), 120)}`,
    createdId: id,
    apply: (seq, now) => {
      insertPromise(
        sql,
        {
          id,
          text: p.text,
          dueAt: p.dueAt,
          verifyBy,
          madeBy: p.madeBy,
          channel: p.channel ?? null,
          replaces: null,
          autoBreak: cmd.policy.autoBreak,
          nudgeLeads: cmd.policy.nudgeLeadMinutes,
        },
        seq,
        now,
      );
      return { promise: promiseRow(sql, j, id, seq) };
    },
  });
}

/** Settles an open promise by hand: kept, broken or cancelled. */
export function planPromiseSettle(
  sql: SqlStorage,
  j: JourneyRecord,
  id: string,
  s: Extract<JourneyCommand, { kind: "promise.settle" }>["settle"],
): Result<WriteSpec, JourneyError> {
  const row = readPromise(sql, id);
  if (!row) return err({ code: "promise_not_found", id });
  if (!(OPEN_PROMISE as readonly string[]).includes(row.status))
    return err({ code: "promise_settled", id, status: row.status });
  const note = clean(s.note);
  return ok({
    type: s.status === "broken" ? "promise.broken" : "promise.settled",
    channel: null,
    direction: "internal",
    actor: s.actor ?? SYSTEM,
    text: `promise ${s.status}: ${row.text}${note ? ` (${note})` : ""}`,
    data: { promiseId: id, from: row.status, status: s.status },
    occurredAt: null,
    lastAction: s.status === "kept" ? `kept promise: ${clip(row.text, 120)}` : undefined,
    apply: (seq, now) => {
      transition(sql, id, s.status, seq, now, s.actor ?? null, note);
      return { promise: promiseRow(sql, j, id, seq) };
    },
  });
}

/**
 * A new time agreed with the customer. An open promise becomes `renegotiated`; a broken one stays
 * broken (the break happened and is counted). Either way a new pending promise replaces it, and
 * an open broken_promise exception for it is resolved: the recovery happened.
 */
export function planPromiseRenegotiate(
  sql: SqlStorage,
  j: JourneyRecord,
  cmd: Extract<JourneyCommand, { kind: "promise.renegotiate" }>,
): Result<WriteSpec, JourneyError> {
  const row = readPromise(sql, cmd.id);
  if (!row) return err({ code: "promise_not_found", id: cmd.id });
  const renegotiable = [...OPEN_PROMISE, "broken"];
  if (!renegotiable.includes(row.status))
    return err({ code: "promise_settled", id: cmd.id, status: row.status });
  const r = cmd.renegotiate;
  const timing = promiseTimingError({ dueAt: r.dueAt }, Date.now());
  if (timing) return err(timing);
  const limit = countCheck(sql);
  if (limit) return err(limit);
  const id = newId("prm");
  const text = r.text ?? row.text;
  const verifyBy = verifyByOf(r.dueAt, r.verifyBy, cmd.policy.graceMinutes);
  const note = clean(r.note);
  const actor = r.actor ?? SYSTEM;
  return ok({
    type: "promise.renegotiated",
    channel: null,
    direction: "internal",
    actor,
    text: `promise renegotiated: ${row.text} (due ${row.due_at}) → ${text} (due ${r.dueAt})${note ? `: ${note}` : ""}`,
    data: { promiseId: cmd.id, newPromiseId: id, from: row.status, dueAt: r.dueAt, verifyBy },
    occurredAt: null,
    lastAction: `renegotiated promise: ${clip(clean(text), 100)} (due ${r.dueAt})`,
    createdId: id,
    apply: (seq, now) => {
      if (row.status !== "broken") transition(sql, cmd.id, "renegotiated", seq, now, actor, note);
      insertPromise(
        sql,
        {
          id,
          text,
          dueAt: r.dueAt,
          verifyBy,
          madeBy: actor,
          channel: null,
          replaces: cmd.id,
          autoBreak: row.auto_break === 1,
          nudgeLeads: cmd.policy.nudgeLeadMinutes,
        },
        seq,
        now,
      );
      sql.exec("UPDATE promises SET replaced_by = ? WHERE id = ?", id, cmd.id);
      sql.exec(
        "UPDATE exceptions SET status = 'resolved', resolved_at = ?, note = ? WHERE promise_id = ? AND status = 'open'",
        now,
        `renegotiated: new promise ${id} due ${r.dueAt}`,
        cmd.id,
      );
      return { promises: [promiseRow(sql, j, cmd.id, seq), promiseRow(sql, j, id, seq)] };
    },
  });
}

/** A time-driven change the alarm makes: one promise, one step. */
export interface DueTransition {
  promiseId: string;
  to: "overdue" | "broken";
  text: string;
  dueAt: string;
  verifyBy: string;
  madeBy: Actor;
}

/**
 * The promises whose time has come at `now`, each with its next step: pending past dueAt →
 * overdue; open past verifyBy (when it breaks automatically) → broken. A promise late on both
 * steps yields only the first; the caller loops until nothing is due.
 */
export function dueTransitions(sql: SqlStorage, now: string): DueTransition[] {
  return sql
    .exec<PromiseRecord>(
      `SELECT * FROM promises
       WHERE (status = 'pending' AND due_at <= ?)
          OR (status IN ('pending', 'overdue') AND auto_break = 1 AND verify_by <= ?)
       ORDER BY due_at, id LIMIT 50`,
      now,
      now,
    )
    .toArray()
    .map((p) => ({
      promiseId: p.id,
      to: p.status === "pending" && p.due_at <= now ? "overdue" : "broken",
      text: p.text,
      dueAt: p.due_at,
      verifyBy: p.verify_by,
      madeBy: JSON.parse(p.made_by) as Actor,
    }));
}

/**
 * The WriteSpec of one due transition, re-checked inside the transaction so that an alarm that
 * fires twice (alarms are at least once) cannot make the same step twice: the second run finds
 * the promise already moved and writes nothing.
 */
export function planDueTransition(
  sql: SqlStorage,
  j: JourneyRecord,
  t: DueTransition,
  now: string,
): WriteSpec | null {
  const row = readPromise(sql, t.promiseId);
  if (!row) return null;
  const still =
    t.to === "overdue"
      ? row.status === "pending" && row.due_at <= now
      : (row.status === "pending" || row.status === "overdue") &&
        row.auto_break === 1 &&
        row.verify_by <= now;
  if (!still) return null;
  return {
    type: t.to === "overdue" ? "promise.overdue" : "promise.broken",
    channel: null,
    direction: "internal",
    actor: SYSTEM,
    text:
      t.to === "overdue"
        ? `promise overdue: ${t.text} (was due ${t.dueAt})`
        : `promise broken: ${t.text} (due ${t.dueAt}, not kept by ${t.verifyBy})`,
    data: { promiseId: t.promiseId, from: row.status, status: t.to, dueAt: t.dueAt },
    occurredAt: null,
    apply: (seq, n) => {
      transition(sql, t.promiseId, t.to, seq, n, null, null);
      return { promise: promiseRow(sql, j, t.promiseId, seq) };
    },
  };
}

/** When the alarm must next look at the promises (epoch ms), or null when nothing is open. */
export function nextPromiseAt(sql: SqlStorage): number | null {
  const row = sql
    .exec<{ t: string | null }>(
      `SELECT min(t) AS t FROM (
         SELECT min(due_at) AS t FROM promises WHERE status = 'pending'
         UNION ALL
         SELECT min(verify_by) FROM promises WHERE status IN ('pending', 'overdue') AND auto_break = 1
       )`,
    )
    .one();
  return row.t === null ? null : Date.parse(row.t);
}
