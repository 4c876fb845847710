import {
  err,
  newId,
  ok,
  type Actor,
  type ExceptionKind,
  type OwnerView,
  type Result,
} from "@baton/core";
import type { WriteSpec } from "./plan";
import { planOwner } from "./owner";
import { SYSTEM, clean, clip } from "./text";
import type { JourneyError, Recovery } from "./types";
import type { JourneyRecord } from "./views";

/** Open exceptions a journey may hold at once; more are refused (resolve some first). */
export const MAX_OPEN_EXCEPTIONS = 50;

export interface RaiseSpec {
  kind: ExceptionKind;
  text: string;
  guidance?: string | undefined;
  actor?: Actor | undefined;
  escalate: boolean;
  data?: Record<string, unknown> | undefined;
  /** For broken_promise: the promise. One exception per promise, ever. */
  promiseId?: string | undefined;
}

/** The fallback for the journey's current owner (or the default), if it would change hands. */
function fallbackFor(j: JourneyRecord, recovery: Recovery | undefined, kind: ExceptionKind) {
  if (!recovery || !recovery.escalate.includes(kind)) return null;
  const owner = j.owner ? (JSON.parse(j.owner) as OwnerView) : null;
  const target = (owner ? recovery.fallbacks[owner.id] : undefined) ?? recovery.defaultFallback;
  if (!target || target.id === owner?.id) return null;
  return target;
}

/**
 * Plans an exception: the `exception.raised` event, then, when the workspace names a fallback for
 * the current owner (recovery settings) and the kind escalates, an `exception.escalated` event
 * that hands the journey to the fallback with a handoff packet. Both commit in one transaction.
 */
export function planRaise(
  sql: SqlStorage,
  j: JourneyRecord,
  raise: RaiseSpec,
  recovery: Recovery | undefined,
): Result<WriteSpec[], JourneyError> {
  const open = sql
    .exec<{ n: number }>("SELECT count(*) AS n FROM exceptions WHERE status = 'open'")
    .one().n;
  if (open >= MAX_OPEN_EXCEPTIONS)
    return err({ code: "limit_exceeded", what: "open exceptions", max: MAX_OPEN_EXCEPTIONS });
  const id = newId("exc");
  const text = clean(raise.text);
  const guidance = clean(raise.guidance);
  const actor = raise.actor ?? SYSTEM;
  const specs: WriteSpec[] = [
    {
      type: "exception.raised",
      channel: null,
      direction: "internal",
      actor,
      text: `${raise.kind.replace("_", " ")}: ${text}${guidance ? ` — ${guidance}` : ""}`,
      data: {
        exceptionId: id,
        kind: raise.kind,
        guidance,
        promiseId: raise.promiseId ?? null,
        ...(raise.data ? { details: raise.data } : {}),
      },
      occurredAt: null,
      createdId: id,
      apply: (seq, now) => {
        sql.exec(
          `INSERT INTO exceptions (id, kind, text, guidance, status, promise_id, raised_at, raised_by, seq)
           VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?)`,
          id,
          raise.kind,
          text,
          guidance,
          raise.promiseId ?? null,
          now,
          JSON.stringify(actor),
          seq,
        );
      },
    },
  ];
  const target = raise.escalate ? fallbackFor(j, recovery, raise.kind) : null;
  if (target) {
    const planned = planOwner(
      sql,
      j,
      {
        kind: target.kind,
        id: target.id,
        name: target.name,
        team: target.team,
        actor: SYSTEM,
        note: `escalated: ${clip(text, 200)}`,
        handoff: {
          reason: clip(`${raise.kind.replace("_", " ")}: ${text}`, 500),
          summary: guidance ?? text,
        },
      },
      undefined,
    );
    if (planned.ok) {
      const spec = planned.value;
      specs.push({
        ...spec,
        type: "exception.escalated",
        data: { ...spec.data, exceptionId: id, kind: raise.kind },
        apply: (seq, now, jr) => {
          const extra = spec.apply?.(seq, now, jr);
          sql.exec(
            "UPDATE exceptions SET escalated_to = ? WHERE id = ?",
            JSON.stringify({
              kind: target.kind,
              id: target.id,
              name: target.name ?? null,
              team: target.team ?? null,
            }),
            id,
          );
          return extra;
        },
      });
    }
  }
  return ok(specs);
}

/** Marks an open exception resolved: the recovery happened. */
export function planResolve(
  sql: SqlStorage,
  id: string,
  note: string | undefined,
  actor: Actor | undefined,
): Result<WriteSpec, JourneyError> {
  const row = sql
    .exec<{ kind: string; text: string; status: string }>(
      "SELECT kind, text, status FROM exceptions WHERE id = ?",
      id,
    )
    .toArray()[0];
  if (!row) return err({ code: "exception_not_found", id });
  if (row.status !== "open") return err({ code: "exception_resolved", id });
  const n = clean(note);
  return ok({
    type: "exception.resolved",
    channel: null,
    direction: "internal",
    actor: actor ?? SYSTEM,
    text: `resolved ${row.kind.replace("_", " ")}: ${row.text}${n ? ` (${n})` : ""}`,
    data: { exceptionId: id, kind: row.kind },
    occurredAt: null,
    lastAction: `recovered: ${clip(row.text, 120)}`,
    apply: (_seq, now) => {
      sql.exec(
        "UPDATE exceptions SET status = 'resolved', resolved_at = ?, note = ? WHERE id = ?",
        now,
        n,
        id,
      );
    },
  });
}

/** "Mon 17:00" in the workspace's time zone: how people say when something was due. */
function spoken(iso: string, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat("en-GB", {
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hour12: false,
      timeZone,
    }).format(new Date(iso));
  } catch {
    return iso;
  }
}

/**
 * The exception a broken promise raises, or null when the promise already has one (one per
 * promise, even when it is broken by hand after the alarm marked it overdue).
 */
export function brokenPromiseRaise(
  sql: SqlStorage,
  promiseId: string,
  timeZone: string,
): RaiseSpec | null {
  const seen = sql
    .exec<{ n: number }>("SELECT count(*) AS n FROM exceptions WHERE promise_id = ?", promiseId)
    .one().n;
  if (seen > 0) return null;
  const p = sql
    .exec<{ text: string; due_at: string }>(
      "SELECT text, due_at FROM promises WHERE id = ?",
      promiseId,
    )
    .toArray()[0];
  if (!p) return null;
  return {
    kind: "broken_promise",
    text: `we missed "${clip(p.text, 200)}" (due ${spoken(p.due_at, timeZone)})`,
    guidance:
      "apologise first, then give a new time you can keep (renegotiate the promise) or do it now",
    escalate: true,
    promiseId,
  };
}
