import {
  LIMITS,
  err,
  newId,
  ok,
  type Actor,
  type EffortView,
  type Facts,
  type Reason,
  type Result,
} from "@baton/core";
import type { WriteSpec } from "./plan";
import { brokenPromiseRaise, planRaise, planResolve } from "./exceptions";
import { planOwner } from "./owner";
import { SYSTEM, clean, clip } from "./text";
import { planPromiseAdd, planPromiseRenegotiate, planPromiseSettle } from "./promises";
import type { JourneyCommand, JourneyError, NewEvent } from "./types";
import type { JourneyRecord } from "./views";

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
    redactions: ev.redactions,
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

/**
 * What a command writes, after its preconditions were checked outside the transaction: one
 * event, or several that commit together (a broken promise raises an exception, which may
 * escalate to the owner's fallback).
 */
export function planCommand(
  sql: SqlStorage,
  j: JourneyRecord,
  cmd: JourneyCommand,
): Result<WriteSpec | WriteSpec[], JourneyError> {
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
      return planPromiseAdd(sql, j, cmd);
    case "promise.settle": {
      const settle = planPromiseSettle(sql, j, cmd.id, cmd.settle);
      if (!settle.ok || cmd.settle.status !== "broken") return settle;
      const raise = brokenPromiseRaise(sql, cmd.id, cmd.timeZone ?? "UTC");
      if (!raise) return settle;
      const raised = planRaise(sql, j, { ...raise, actor: cmd.settle.actor }, cmd.recovery);
      return raised.ok ? ok([settle.value, ...raised.value]) : raised;
    }
    case "promise.renegotiate":
      return planPromiseRenegotiate(sql, j, cmd);
    case "exception.raise": {
      const e = cmd.exception;
      return planRaise(
        sql,
        j,
        {
          kind: e.kind,
          text: e.text,
          guidance: e.guidance,
          actor: e.actor,
          escalate: e.escalate ?? true,
          data: e.data,
        },
        cmd.recovery,
      );
    }
    case "exception.resolve":
      return planResolve(sql, cmd.id, cmd.resolve.note, cmd.resolve.actor);
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

export function planConstraintAdd(
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
