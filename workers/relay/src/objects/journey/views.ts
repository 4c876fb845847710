import {
  LIMITS,
  type Actor,
  type ConstraintView,
  type EffortView,
  type EventView,
  type ExceptionView,
  type FactView,
  type JourneyContext,
  type JourneyStatus,
  type OwnerView,
  type PredecessorView,
  type PromiseHistoryEntry,
  type PromiseView,
} from "@baton/core";
import type { JourneyRow } from "@baton/db";

/** The journey table's single row as SQLite returns it. */
export interface JourneyRecord {
  workspace: string;
  id: string;
  customer_id: string | null;
  status: JourneyStatus;
  status_since: string;
  reason_text: string | null;
  reason_topic: string | null;
  reason_at: string | null;
  owner: string | null;
  owner_seq: number | null;
  last_action: string | null;
  seq: number;
  effort: string;
  last_inbound_channel: string | null;
  last_inbound_at: string | null;
  created_at: string;
  updated_at: string;
  resolved_at: string | null;
  card_seq: number;
  flags: string;
  [key: string]: SqlStorageValue;
}

export interface EventRecord {
  seq: number;
  id: string;
  type: string;
  channel: string | null;
  direction: string | null;
  actor: string | null;
  text: string | null;
  data: string | null;
  occurred_at: string;
  recorded_at: string;
  [key: string]: SqlStorageValue;
}

const parse = <T>(json: string | null): T | null =>
  json === null ? null : (JSON.parse(json) as T);

export const EMPTY_EFFORT: EffortView = {
  contacts: 0,
  channels: [],
  channelSwitches: 0,
  handoffs: 0,
  repeats: 0,
  brokenPromises: 0,
};

/** Reads the journey row, or null when this object holds no journey yet. */
export function readJourney(sql: SqlStorage): JourneyRecord | null {
  return sql.exec<JourneyRecord>("SELECT * FROM journey WHERE singleton = 1").toArray()[0] ?? null;
}

/** Converts a stored event row to its API form. */
export function eventView(r: EventRecord): EventView {
  return {
    seq: r.seq,
    id: r.id,
    type: r.type as EventView["type"],
    channel: r.channel as EventView["channel"],
    direction: r.direction as EventView["direction"],
    actor: parse<Actor>(r.actor),
    text: r.text,
    data: parse<Record<string, unknown>>(r.data),
    occurredAt: r.occurred_at,
    recordedAt: r.recorded_at,
  };
}

/** Events after `after` in sequence order, at most `limit`. */
export function readEvents(sql: SqlStorage, after: number, limit: number): EventView[] {
  return sql
    .exec<EventRecord>(
      "SELECT seq, id, type, channel, direction, actor, text, data, occurred_at, recorded_at FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
      after,
      limit,
    )
    .toArray()
    .map(eventView);
}

function readPromises(sql: SqlStorage): PromiseView[] {
  const history = new Map<string, PromiseHistoryEntry[]>();
  for (const h of sql
    .exec<Record<string, string | number | null>>(
      "SELECT promise_id, at, from_status, to_status, seq, actor, note FROM promise_history ORDER BY id",
    )
    .toArray()) {
    const id = String(h.promise_id);
    const list = history.get(id) ?? [];
    list.push({
      at: String(h.at),
      from: (h.from_status ?? null) as PromiseHistoryEntry["from"],
      to: h.to_status as PromiseHistoryEntry["to"],
      seq: Number(h.seq),
      actor: parse<Actor>((h.actor ?? null) as string | null),
      note: (h.note ?? null) as string | null,
    });
    history.set(id, list);
  }
  return sql
    .exec<Record<string, string | null>>(
      `SELECT id, text, due_at, verify_by, made_by, channel, status, created_at, settled_at, note, replaces, replaced_by, at_risk_at
       FROM promises ORDER BY (status IN ('pending', 'overdue')) DESC, due_at`,
    )
    .toArray()
    .map((p) => ({
      id: String(p.id),
      text: String(p.text),
      dueAt: String(p.due_at),
      verifyBy: String(p.verify_by ?? p.due_at),
      madeBy: JSON.parse(String(p.made_by)) as Actor,
      channel: (p.channel ?? null) as PromiseView["channel"],
      status: p.status as PromiseView["status"],
      createdAt: String(p.created_at),
      settledAt: p.settled_at ?? null,
      note: p.note ?? null,
      replaces: p.replaces ?? null,
      replacedBy: p.replaced_by ?? null,
      history: history.get(String(p.id)) ?? [],
      atRiskAt: p.at_risk_at ?? null,
    }));
}

/** Resolved exceptions kept in the context after the open ones. */
const RECENT_RESOLVED_EXCEPTIONS = 5;

function readExceptions(sql: SqlStorage): ExceptionView[] {
  const rows = sql
    .exec<Record<string, string | null>>(
      `SELECT * FROM (SELECT * FROM exceptions WHERE status = 'open' ORDER BY raised_at)
       UNION ALL
       SELECT * FROM (SELECT * FROM exceptions WHERE status != 'open' ORDER BY resolved_at DESC LIMIT ?)`,
      RECENT_RESOLVED_EXCEPTIONS,
    )
    .toArray();
  return rows.map((e) => ({
    id: String(e.id),
    kind: e.kind as ExceptionView["kind"],
    text: String(e.text),
    guidance: e.guidance ?? null,
    status: e.status === "open" ? "open" : "resolved",
    promiseId: e.promise_id ?? null,
    raisedAt: String(e.raised_at),
    raisedBy: parse<Actor>(e.raised_by ?? null),
    escalatedTo: parse<ExceptionView["escalatedTo"]>(e.escalated_to ?? null),
    resolvedAt: e.resolved_at ?? null,
    note: e.note ?? null,
  }));
}

function readConstraints(sql: SqlStorage): ConstraintView[] {
  return sql
    .exec<Record<string, string | null>>(
      "SELECT id, text, kind, time_window, channel, until, created_at FROM constraints WHERE removed_at IS NULL ORDER BY created_at",
    )
    .toArray()
    .map((c) => ({
      id: String(c.id),
      text: String(c.text),
      kind: String(c.kind),
      window: parse<ConstraintView["window"]>(c.time_window ?? null),
      channel: (c.channel ?? null) as ConstraintView["channel"],
      until: c.until ?? null,
      createdAt: String(c.created_at),
    }));
}

function readFacts(sql: SqlStorage): FactView[] {
  return sql
    .exec<Record<string, string>>("SELECT key, value, source, at FROM facts ORDER BY key")
    .toArray()
    .map((f) => ({
      key: String(f.key),
      value: JSON.parse(String(f.value)) as FactView["value"],
      source: String(f.source),
      at: String(f.at),
    }));
}

/** A predecessor as its snapshot shows it, without the link's own fields (continuity.ts). */
export type SnapshotView = Omit<
  PredecessorView,
  "rule" | "score" | "linkedBy" | "linkedAt" | "note" | "startOver"
>;

/** The stored predecessors, start-overs first, then by score. */
export function readPredecessors(sql: SqlStorage): PredecessorView[] {
  return sql
    .exec<{
      rule: string;
      score: number;
      start_over: number;
      linked_by: string;
      linked_at: string;
      note: string | null;
      view: string;
    }>(
      `SELECT rule, score, start_over, linked_by, linked_at, note, json_extract(snapshot, '$.view') AS view
       FROM predecessors ORDER BY start_over DESC, score DESC, linked_at, journey_id`,
    )
    .toArray()
    .map((r) => ({
      ...(JSON.parse(r.view) as SnapshotView),
      rule: r.rule as PredecessorView["rule"],
      score: r.score,
      linkedBy: r.linked_by,
      linkedAt: r.linked_at,
      note: r.note,
      startOver: r.start_over === 1,
    }));
}

/**
 * Assembles the full context of the journey held in `sql`. `recent` is how many of the latest
 * events to include in `history.recent`: the API's answers carry LIMITS.recentHistory; the
 * card brief reads none, and reading and parsing them was a tenth of an SMS's cost.
 */
export function buildContext(
  sql: SqlStorage,
  j: JourneyRecord,
  recent: number = LIMITS.recentHistory,
): JourneyContext {
  const recentFrom = Math.max(0, j.seq - recent);
  return {
    id: j.id,
    workspace: j.workspace,
    customerId: j.customer_id,
    status: j.status,
    statusSince: j.status_since,
    reason:
      j.reason_text !== null || j.reason_topic !== null
        ? { text: j.reason_text, topic: j.reason_topic, at: j.reason_at ?? j.created_at }
        : null,
    owner: parse<OwnerView>(j.owner),
    lastAction: parse<JourneyContext["lastAction"]>(j.last_action),
    constraints: readConstraints(sql),
    promises: readPromises(sql),
    exceptions: readExceptions(sql),
    facts: readFacts(sql),
    history: { total: j.seq, recent: recent > 0 ? readEvents(sql, recentFrom, recent) : [] },
    effort: { ...EMPTY_EFFORT, ...(parse<EffortView>(j.effort) ?? {}) },
    flags: parse<string[]>(j.flags) ?? [],
    seq: j.seq,
    createdAt: j.created_at,
    updatedAt: j.updated_at,
    predecessors: readPredecessors(sql),
  };
}

/** The D1 snapshot of the journey, as the outbox carries it. */
export function journeyRow(sql: SqlStorage, j: JourneyRecord): JourneyRow {
  const owner = parse<OwnerView>(j.owner);
  const effort: EffortView = { ...EMPTY_EFFORT, ...(parse<EffortView>(j.effort) ?? {}) };
  const pending = sql
    .exec<{ n: number }>(
      "SELECT count(*) AS n FROM promises WHERE status IN ('pending', 'overdue')",
    )
    .one().n;
  // So that the worklist (routes/worklist.ts) can rank journeys with open exceptions from D1.
  const openExceptions = sql
    .exec<{ n: number }>("SELECT count(*) AS n FROM exceptions WHERE status = 'open'")
    .one().n;
  return {
    workspaceId: j.workspace,
    id: j.id,
    customerId: j.customer_id,
    status: j.status,
    reasonText: j.reason_text,
    reasonTopic: j.reason_topic,
    ownerKind: owner?.kind ?? null,
    ownerId: owner?.id ?? null,
    ownerName: owner?.name ?? null,
    ownerTeam: owner?.team ?? null,
    lastSeq: j.seq,
    contacts: effort.contacts,
    channels: JSON.stringify(effort.channels),
    channelSwitches: effort.channelSwitches,
    handoffs: effort.handoffs,
    repeats: effort.repeats,
    brokenPromises: effort.brokenPromises,
    pendingPromises: pending,
    openExceptions,
    createdAt: j.created_at,
    updatedAt: j.updated_at,
    resolvedAt: j.resolved_at,
  };
}
