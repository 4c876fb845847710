import {
  LIMITS,
  err,
  newId,
  ok,
  redactText,
  type Actor,
  type EffortView,
  type Facts,
  type Reason,
  type Result,
} from "@baton/core";
import type { PromiseRow } from "@baton/db";
import type { WriteSpec } from "./journey";
import { planOwner } from "./journey-owner";
import type { JourneyCommand, JourneyError, NewEvent } from "./journey-types";
import type { JourneyRecord } from "./journey-views";

const SYSTEM: Actor = { kind: "system" };

/**
 * Redacts card numbers from free text before it reaches any table (DESIGN.md §7). The event
 * row is redacted in #write; everything else that stores caller text goes through this.
 */
function clean(text: string): string;
function clean(text: string | null | undefined): string | null;
function clean(text: string | null | undefined): string | null {
  return text === null || text === undefined ? null : redactText(text).text;
}

/** Shortens text for one-line summaries. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Sets the reason and upserts or removes known facts. Runs inside the write transaction. */
function applyReasonAndFacts(
  sql: SqlStorage,
  reason: Reason | undefined,
  facts: Facts | undefined,
  source: string,
  now: string,
): void {
  if (reason) {
    sql.exec(
      "UPDATE journey SET reason_text = coalesce(?, reason_text), reason_topic = coalesce(?, reason_topic), reason_at = ? WHERE singleton = 1",
      clean(reason.text),
      reason.topic ?? null,
      now,
    );
  }
  for (const [key, value] of Object.entries(facts ?? {})) {
    if (value === null) sql.exec("DELETE FROM facts WHERE key = ?", key);
    else
      sql.exec(
        "INSERT INTO facts (key, value, source, at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, source = excluded.source, at = excluded.at",
        key,
        JSON.stringify(typeof value === "string" ? clean(value) : value),
        source,
        now,
      );
  }
}

function actorLabel(a: Actor | null | undefined): string {
  if (!a) return "system";
  return a.name ?? a.id ?? a.kind;
}

/**
 * Plans an ingested event: the log row, plus its reason and facts. The customer's first inbound
 * words become the reason when none was given, so every journey answers "why did they call".
 */
export function planEvent(sql: SqlStorage, ev: NewEvent): WriteSpec {
  const fromCompany = ev.direction === "outbound" && ev.actor.kind !== "customer";
  const fromCustomer = ev.direction === "inbound" && ev.actor.kind === "customer";
  const lastAction =
    ev.type === "action"
      ? (clean(ev.text) ?? "action recorded")
      : fromCompany && ev.text
        ? `${ev.channel} reply: ${clip(clean(ev.text), 120)}`
        : undefined;
  return {
    type: ev.type,
    channel: ev.channel,
    direction: ev.direction,
    actor: ev.actor,
    text: ev.text ?? null,
    data: ev.data ?? null,
    occurredAt: ev.occurredAt ?? null,
    repeated: ev.repeated,
    lastAction,
    apply: (_seq, now, j) => {
      let reason = ev.reason;
      if (fromCustomer && ev.text?.trim() && j.reason_text === null && !reason?.text) {
        reason = { ...reason, text: clip(ev.text.trim(), LIMITS.sentenceChars) };
      }
      applyReasonAndFacts(sql, reason, ev.facts, `${ev.channel}:${actorLabel(ev.actor)}`, now);
    },
  };
}

/** What a command writes, after its preconditions were checked outside the transaction. */
export function planCommand(
  sql: SqlStorage,
  j: JourneyRecord,
  cmd: JourneyCommand,
): Result<WriteSpec, JourneyError> {
  const base = { channel: null, direction: "internal", data: null, occurredAt: null } as const;
  switch (cmd.kind) {
    case "patch": {
      const actor = cmd.patch.actor ?? SYSTEM;
      const parts = [
        cmd.patch.reason ? "reason" : null,
        cmd.patch.facts ? `facts (${Object.keys(cmd.patch.facts).join(", ")})` : null,
      ].filter(Boolean);
      return ok({
        ...base,
        type: "context.updated",
        actor,
        text: `updated ${parts.join(" and ")}`,
        data: { reason: cmd.patch.reason ?? null, facts: cmd.patch.facts ?? null },
        apply: (_s, now) =>
          applyReasonAndFacts(
            sql,
            cmd.patch.reason,
            cmd.patch.facts,
            `api:${actorLabel(actor)}`,
            now,
          ),
      });
    }
    case "owner":
      return planOwner(sql, j, cmd.owner, cmd.guard);
    case "promise.add":
      return planPromiseAdd(sql, j, cmd.promise);
    case "promise.settle":
      return planPromiseSettle(sql, j, cmd.id, cmd.settle);
    case "constraint.add":
      return planConstraintAdd(sql, cmd.constraint);
    case "constraint.remove": {
      const row = sql
        .exec<{ text: string }>(
          "SELECT text FROM constraints WHERE id = ? AND removed_at IS NULL",
          cmd.id,
        )
        .toArray()[0];
      if (!row) return err({ code: "constraint_not_found", id: cmd.id });
      return ok({
        ...base,
        type: "constraint.removed",
        actor: cmd.actor ?? SYSTEM,
        text: `constraint removed: ${row.text}`,
        data: { constraintId: cmd.id },
        apply: (_s, now) => {
          sql.exec("UPDATE constraints SET removed_at = ? WHERE id = ?", now, cmd.id);
        },
      });
    }
    case "action":
      return ok({
        ...base,
        type: "action",
        actor: cmd.action.actor,
        text: cmd.action.text,
        data: cmd.action.data ?? null,
        occurredAt: cmd.action.occurredAt ?? null,
        lastAction: clean(cmd.action.text),
      });
    case "status": {
      const { status, note, actor } = cmd.status;
      return ok({
        ...base,
        type: "status.changed",
        actor: actor ?? SYSTEM,
        text: note
          ? `status ${j.status} → ${status}: ${clean(note)}`
          : `status ${j.status} → ${status}`,
        data: { from: j.status, to: status },
        lastAction: actor?.kind === "customer" ? undefined : `status set to ${status}`,
        apply: (_s, now) => {
          sql.exec(
            "UPDATE journey SET status = ?, status_since = CASE WHEN status = ? THEN status_since ELSE ? END, resolved_at = ? WHERE singleton = 1",
            status,
            status,
            now,
            status === "resolved" ? now : null,
          );
        },
      });
    }
  }
}

function promiseRow(sql: SqlStorage, j: JourneyRecord, id: string, seq: number): PromiseRow {
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
    lastSeq: seq,
  };
}

function planPromiseAdd(
  sql: SqlStorage,
  j: JourneyRecord,
  p: Extract<JourneyCommand, { kind: "promise.add" }>["promise"],
): Result<WriteSpec, JourneyError> {
  const count = sql.exec<{ n: number }>("SELECT count(*) AS n FROM promises").one().n;
  if (count >= LIMITS.promisesPerJourney) {
    return err({ code: "limit_exceeded", what: "promises", max: LIMITS.promisesPerJourney });
  }
  const id = newId("prm");
  return ok({
    type: "promise.made",
    channel: p.channel ?? null,
    direction: "outbound",
    actor: p.madeBy,
    text: `promised: ${p.text} (due ${p.dueAt})`,
    data: { promiseId: id, dueAt: p.dueAt },
    occurredAt: null,
    lastAction: `promised: ${clip(clean(p.text), 120)}`,
    createdId: id,
    apply: (seq, now) => {
      sql.exec(
        "INSERT INTO promises (id, text, due_at, made_by, status, created_at, seq) VALUES (?, ?, ?, ?, 'pending', ?, ?)",
        id,
        clean(p.text),
        p.dueAt,
        JSON.stringify(p.madeBy),
        now,
        seq,
      );
      return { promise: promiseRow(sql, j, id, seq) };
    },
  });
}

function planPromiseSettle(
  sql: SqlStorage,
  j: JourneyRecord,
  id: string,
  s: Extract<JourneyCommand, { kind: "promise.settle" }>["settle"],
): Result<WriteSpec, JourneyError> {
  const row = sql
    .exec<{ text: string; status: string }>("SELECT text, status FROM promises WHERE id = ?", id)
    .toArray()[0];
  if (!row) return err({ code: "promise_not_found", id });
  if (row.status !== "pending") return err({ code: "promise_settled", id, status: row.status });
  return ok({
    type: "promise.settled",
    channel: null,
    direction: "internal",
    actor: s.actor ?? SYSTEM,
    text: `promise ${s.status}: ${row.text}${s.note ? ` (${s.note})` : ""}`,
    data: { promiseId: id, status: s.status },
    occurredAt: null,
    lastAction: s.status === "kept" ? `kept promise: ${clip(row.text, 120)}` : undefined,
    apply: (seq, now) => {
      sql.exec(
        "UPDATE promises SET status = ?, settled_at = ?, note = ?, seq = ? WHERE id = ?",
        s.status,
        now,
        clean(s.note),
        seq,
        id,
      );
      if (s.status === "broken") {
        sql.exec(
          "UPDATE journey SET effort = json_set(effort, '$.brokenPromises', coalesce(json_extract(effort, '$.brokenPromises'), 0) + 1) WHERE singleton = 1",
        );
      }
      return { promise: promiseRow(sql, j, id, seq) };
    },
  });
}

function planConstraintAdd(
  sql: SqlStorage,
  c: Extract<JourneyCommand, { kind: "constraint.add" }>["constraint"],
): Result<WriteSpec, JourneyError> {
  const count = sql
    .exec<{ n: number }>("SELECT count(*) AS n FROM constraints WHERE removed_at IS NULL")
    .one().n;
  if (count >= LIMITS.constraintsPerJourney) {
    return err({ code: "limit_exceeded", what: "constraints", max: LIMITS.constraintsPerJourney });
  }
  const id = newId("cst");
  return ok({
    type: "constraint.added",
    channel: null,
    direction: "internal",
    actor: c.actor ?? SYSTEM,
    text: `constraint: ${c.text}`,
    data: { constraintId: id, kind: c.kind },
    occurredAt: null,
    createdId: id,
    apply: (_seq, now) => {
      sql.exec(
        "INSERT INTO constraints (id, text, kind, time_window, channel, until, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        id,
        clean(c.text),
        c.kind,
        c.window ? JSON.stringify(c.window) : null,
        c.channel ?? null,
        c.until ?? null,
        now,
      );
    },
  });
}

export type { EffortView };
