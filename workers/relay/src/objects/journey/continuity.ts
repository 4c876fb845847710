/**
 * Continuity, the journey object's half (docs/continuity.md): the earlier journeys this one may
 * continue (a snapshot of each, taken once when it was linked), the start_over flag, and the
 * last touch of each audience, from which a pack read without `since` answers what changed.
 * Everything here runs on the object's own SQLite storage; object.ts calls it.
 */
import {
  isOpenPromise,
  type EventView,
  type JourneyStatus,
  type PredecessorView,
  type SinceLastTouch,
  type TouchAudience,
  type TouchChange,
} from "@baton/core";
import type { WriteSpec } from "./plan";
import { SYSTEM, clip } from "./text";
import { buildContext, readEvents, type JourneyRecord, type SnapshotView } from "./views";

/** Caps that keep a snapshot (and every context that carries it) small. */
export const SNAPSHOT_CAPS = { promises: 5, constraints: 5, facts: 10, tail: 20 } as const;
/** At most this many changes in a `sinceLastTouch` block. */
export const CHANGES_MAX = 20;
/** At most this many predecessors per journey (the detector links at most 3). */
export const PREDECESSORS_MAX = 5;
const TEXT_MAX = 200;

/** What a predecessor's object answers when a journey links it (one RPC, at link time). */
export interface PredecessorSnapshot {
  journeyId: string;
  customerId: string | null;
  /** The journeys the predecessor itself links: a link back would be a cycle. */
  predecessorIds: string[];
  view: SnapshotView;
  /** Its last touch per audience, and the customer's own last inbound contact. */
  touches: Partial<Record<TouchAudience, Touch>>;
  /** Its latest events, so a continuing journey can say what happened after a touch there. */
  tail: TouchChange[];
  seq: number;
}

/** A link to store: a snapshot and why it was made. */
export interface PredecessorLink {
  snapshot: PredecessorSnapshot;
  rule: PredecessorView["rule"];
  score: number;
  startOver: boolean;
  linkedBy: string;
  note: string | null;
}

export interface Touch {
  seq: number;
  at: string;
}

function kindOf(type: string): TouchChange["kind"] {
  if (type.startsWith("promise.")) return "promise";
  if (type === "owner.changed") return "owner";
  if (type === "status.changed") return "status";
  return "event";
}

function change(journeyId: string, e: EventView): TouchChange {
  return {
    journeyId,
    seq: e.seq,
    type: e.type,
    kind: kindOf(e.type),
    at: e.recordedAt,
    actor: e.actor,
    text: e.text === null ? null : clip(e.text, TEXT_MAX),
  };
}

/** The snapshot another journey stores when it links this one. */
export function takeSnapshot(sql: SqlStorage, j: JourneyRecord): PredecessorSnapshot {
  const ctx = buildContext(sql, j, 0);
  const now = Date.now();
  let resolutionNote: string | null = null;
  if (j.status === "resolved") {
    const row = sql
      .exec<{ text: string | null }>(
        "SELECT text FROM events WHERE type = 'status.changed' AND json_extract(data, '$.to') = 'resolved' ORDER BY seq DESC LIMIT 1",
      )
      .toArray()[0];
    const text = row?.text ?? null;
    const at = text?.indexOf(": ") ?? -1;
    resolutionNote = text !== null && at >= 0 ? clip(text.slice(at + 2), TEXT_MAX) : null;
  }
  const touches: PredecessorSnapshot["touches"] = Object.fromEntries(readTouches(sql).entries());
  const inbound = sql
    .exec<{ seq: number; recorded_at: string }>(
      "SELECT seq, recorded_at FROM events WHERE direction = 'inbound' AND json_extract(actor, '$.kind') = 'customer' ORDER BY seq DESC LIMIT 1",
    )
    .toArray()[0];
  if (inbound) touches.customer = { seq: inbound.seq, at: inbound.recorded_at };
  return {
    journeyId: j.id,
    customerId: j.customer_id,
    predecessorIds: (ctx.predecessors ?? []).map((p) => p.journeyId),
    view: {
      journeyId: j.id,
      reason: ctx.reason ? { text: ctx.reason.text, topic: ctx.reason.topic } : null,
      status: j.status,
      createdAt: j.created_at,
      resolvedAt: j.resolved_at,
      resolutionNote,
      owner: ctx.owner,
      promises: ctx.promises
        .filter((p) => isOpenPromise(p.status) || p.status === "broken")
        .slice(0, SNAPSHOT_CAPS.promises)
        .map(({ id, text, dueAt, status, madeBy }) => ({ id, text, dueAt, status, madeBy })),
      constraints: ctx.constraints
        .filter((c) => c.until === null || Date.parse(c.until) > now)
        .slice(0, SNAPSHOT_CAPS.constraints),
      facts: ctx.facts.slice(0, SNAPSHOT_CAPS.facts),
    },
    touches,
    tail: readEvents(sql, Math.max(0, j.seq - SNAPSHOT_CAPS.tail), SNAPSHOT_CAPS.tail)
      .reverse()
      .map((e) => change(j.id, e)),
    seq: j.seq,
  };
}

export function linkedIds(sql: SqlStorage): string[] {
  return sql
    .exec<{ id: string }>("SELECT journey_id AS id FROM predecessors")
    .toArray()
    .map((r) => r.id);
}

function setFlag(sql: SqlStorage, name: string, on: boolean): void {
  if (on) {
    sql.exec(
      "UPDATE journey SET flags = (SELECT json_group_array(value) FROM (SELECT value FROM json_each(flags) UNION SELECT ?)) WHERE singleton = 1",
      name,
    );
  } else {
    sql.exec(
      "UPDATE journey SET flags = (SELECT json_group_array(value) FROM json_each(flags) WHERE value <> ?) WHERE singleton = 1",
      name,
    );
  }
}

function describe(l: PredecessorLink): string {
  const v = l.snapshot.view;
  const ended =
    v.status === "resolved" ? `resolved ${v.resolvedAt?.slice(0, 10) ?? ""}`.trim() : v.status;
  return `${l.snapshot.journeyId} (${ended}; ${l.rule})`;
}

/**
 * One event that stores the links: `journey.flagged` (flag start_over) when one of them was
 * resolved (the customer is starting over), else `context.updated`. Webhook subscribers and D1
 * see it like any other event.
 */
export function planLinks(
  sql: SqlStorage,
  links: PredecessorLink[],
  actor: WriteSpec["actor"] = SYSTEM,
): WriteSpec {
  const startOver = links.some((l) => l.startOver);
  const list = links.map(describe).join(", ");
  return {
    type: startOver ? "journey.flagged" : "context.updated",
    channel: null,
    direction: "internal",
    actor,
    text: startOver
      ? `start over: the customer wrote about this before (${list})`
      : `earlier journey linked: ${list}`,
    data: {
      ...(startOver ? { flag: "start_over" } : {}),
      predecessors: links.map((l) => ({
        journeyId: l.snapshot.journeyId,
        rule: l.rule,
        score: l.score,
        startOver: l.startOver,
        linkedBy: l.linkedBy,
      })),
    },
    occurredAt: null,
    apply: (_seq, now) => {
      for (const l of links) {
        sql.exec(
          `INSERT INTO predecessors (journey_id, rule, score, start_over, linked_by, linked_at, note, snapshot)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (journey_id) DO NOTHING`,
          l.snapshot.journeyId,
          l.rule,
          l.score,
          l.startOver ? 1 : 0,
          l.linkedBy,
          now,
          l.note,
          JSON.stringify(l.snapshot),
        );
      }
      if (startOver) setFlag(sql, "start_over", true);
    },
  };
}

/** Removes one link; the start_over flag goes when no start-over link is left. */
export function planUnlink(
  sql: SqlStorage,
  predecessorId: string,
  actor: WriteSpec["actor"],
): WriteSpec {
  return {
    type: "context.updated",
    channel: null,
    direction: "internal",
    actor,
    text: `earlier journey unlinked: ${predecessorId}`,
    data: { predecessorUnlinked: predecessorId },
    occurredAt: null,
    apply: () => {
      sql.exec("DELETE FROM predecessors WHERE journey_id = ?", predecessorId);
      const left = sql
        .exec<{ n: number }>("SELECT count(*) AS n FROM predecessors WHERE start_over = 1")
        .one().n;
      if (left === 0) setFlag(sql, "start_over", false);
    },
  };
}

/** Whether linking a journey in `status` means the customer is starting over. */
export const startsOver = (status: JourneyStatus | string): boolean => status === "resolved";

export function readTouches(sql: SqlStorage): Map<TouchAudience, Touch> {
  return new Map(
    sql
      .exec<{ audience: string; seq: number; at: string }>("SELECT audience, seq, at FROM touches")
      .toArray()
      .map((r) => [r.audience as TouchAudience, { seq: r.seq, at: r.at }]),
  );
}

export function writeTouch(sql: SqlStorage, audience: TouchAudience, t: Touch): void {
  sql.exec(
    "INSERT INTO touches (audience, seq, at) VALUES (?, ?, ?) ON CONFLICT (audience) DO UPDATE SET seq = excluded.seq, at = excluded.at",
    audience,
    t.seq,
    t.at,
  );
}

function ownChanges(sql: SqlStorage, j: JourneyRecord, after: number): TouchChange[] {
  const from = Math.max(after, j.seq - CHANGES_MAX);
  return readEvents(sql, from, CHANGES_MAX)
    .reverse()
    .map((e) => change(j.id, e));
}

/**
 * What changed since `audience` last touched this journey; for a journey it never touched,
 * since its last touch of the predecessor this journey continues (or, without one there, the
 * customer's last contact there), followed by everything on this journey. Null without either.
 */
export function sinceLastTouch(
  sql: SqlStorage,
  j: JourneyRecord,
  audience: TouchAudience,
  prev: Touch | undefined,
): SinceLastTouch | null {
  if (prev) {
    const changes = ownChanges(sql, j, prev.seq);
    const total = Math.max(0, j.seq - prev.seq);
    return {
      since: prev.at,
      audience,
      journeyId: j.id,
      changes,
      total,
      truncated: total > changes.length,
    };
  }
  const row = sql
    .exec<{ journey_id: string; touches: string; tail: string; seq: number }>(
      `SELECT journey_id, json_extract(snapshot, '$.touches') AS touches,
         json_extract(snapshot, '$.tail') AS tail, json_extract(snapshot, '$.seq') AS seq
       FROM predecessors ORDER BY start_over DESC, score DESC, linked_at, journey_id LIMIT 1`,
    )
    .toArray()[0];
  if (!row) return null;
  const touches = JSON.parse(row.touches) as PredecessorSnapshot["touches"];
  const who: TouchAudience = touches[audience] ? audience : "customer";
  const base = touches[who];
  if (!base) return null;
  const earlier = (JSON.parse(row.tail) as TouchChange[]).filter((c) => c.seq > base.seq);
  const changes = [...ownChanges(sql, j, 0), ...earlier].slice(0, CHANGES_MAX);
  const total = j.seq + Math.max(0, row.seq - base.seq);
  return {
    since: base.at,
    audience: who,
    journeyId: row.journey_id,
    changes,
    total,
    truncated: total > changes.length,
  };
}
