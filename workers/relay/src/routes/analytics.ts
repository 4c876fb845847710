/**
 * Effort analytics from D1 (docs/analytics.md): per journey and aggregated per workspace, topic,
 * owner or period. D1 trails the journey objects by the outbox flush delay, so these numbers are
 * history, never the live state of one journey.
 *
 * Counters the journey object keeps (contacts, channel switches, handoffs, recorded repeats)
 * come from the journey rows; promises from the promises table; start-overs from earlier
 * journeys of the same customer; time waiting on the company and detected repeats from a replay
 * of each journey's status changes and inbound customer events. Every query is keyed by
 * workspace first and uses an index (test/analytics.test.ts checks the query plans).
 */
import { Instant, JourneyId, JourneyStatus } from "@baton/core";
import { schema } from "@baton/db";
import { and, asc, eq, gte, inArray, isNotNull, lt, lte, or, sql, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { alias } from "drizzle-orm/sqlite-core";
import { Hono } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env";
import { requireScope } from "../http/auth";
import { fail } from "../http/problem";
import { query } from "../http/validate";

/** Bounds on one request; a wider request is refused with 400 `window_too_large`. */
export const ANALYTICS_LIMITS = {
  /** Journeys created in the window. */
  maxJourneys: 5_000,
  /** Earlier resolved journeys of the window's customers considered for start-overs. */
  maxEarlierJourneys: 20_000,
  /** Status changes and inbound customer events replayed (read in chunks). */
  maxEvents: 100_000,
  eventChunk: 5_000,
  /** Characters of each message compared with the reason when detecting repeats. */
  textChars: 1_000,
  /** Longest window, and the default one. */
  maxWindowDays: 366,
  defaultWindowDays: 30,
} as const;
export type AnalyticsLimits = { [K in keyof typeof ANALYTICS_LIMITS]: number };

/** Repeat detection: token Jaccard similarity with the reason, on lower-cased words. */
export const REPEAT_SIMILARITY = 0.6;
/** Messages or reasons with fewer distinct words than this are never called repeats. */
const REPEAT_MIN_WORDS = 2;
/** Start-over fallback when a topic is missing: the normalized reason texts share a prefix. */
const PREFIX_CHARS = 32;
const PREFIX_MIN_CHARS = 8;

const DAY_MS = 86_400_000;

export const GroupBy = z.enum(["workspace", "topic", "owner", "day", "week", "month"]);
export type GroupBy = z.infer<typeof GroupBy>;

const Days = z
  .string()
  .regex(/^\d{1,3}$/, "must be a whole number of days")
  .transform(Number)
  .pipe(z.number().int().min(0).max(365));

export const EffortQuery = z.strictObject({
  from: Instant.optional(),
  to: Instant.optional(),
  groupBy: GroupBy.optional(),
  startOverDays: Days.optional(),
  journey: JourneyId.optional(),
});

function badQuery(path: string, message: string): never {
  return fail(400, "invalid_query", "Invalid query parameters", `${path}: ${message}`, {
    errors: [{ path, message }],
  });
}

function tooLarge(path: string, message: string, max: number): never {
  return fail(400, "window_too_large", "Too much to analyse in one request", message, {
    errors: [{ path, message }],
    max,
  });
}

/** What one request selects: a window of journeys by creation time, or one journey. */
export type Selection =
  { kind: "window"; from: string; to: string } | { kind: "journey"; id: string };

/** The D1 queries behind one request, built here so tests can EXPLAIN them. */
export function effortQueries(
  d1: D1Database,
  workspace: string,
  sel: Selection,
  limits: AnalyticsLimits = ANALYTICS_LIMITS,
) {
  const db = drizzle(d1);
  const j = schema.journeys;
  const e = schema.events;
  const a = alias(schema.journeys, "earlier");
  const selected: SQL | undefined =
    sel.kind === "window"
      ? and(eq(j.workspaceId, workspace), gte(j.createdAt, sel.from), lt(j.createdAt, sel.to))
      : and(eq(j.workspaceId, workspace), eq(j.id, sel.id));
  // Spelled out: drizzle leaves columns unqualified in a single-table select, which would
  // make the correlation ambiguous. The unary + keeps the planner on promises_journey
  // (workspace_id, journey_id) rather than promises_due (workspace_id, status).
  const promiseCount = (status: string) =>
    sql<number>`(select count(*) from "promises" p where p."workspace_id" = "journeys"."workspace_id" and p."journey_id" = "journeys"."id" and +p."status" = ${status})`;

  /** The selected journeys, oldest first, with their promise outcomes. */
  const journeys = db
    .select({
      id: j.id,
      customerId: j.customerId,
      status: j.status,
      reasonText: j.reasonText,
      reasonTopic: j.reasonTopic,
      ownerId: j.ownerId,
      contacts: j.contacts,
      channels: j.channels,
      channelSwitches: j.channelSwitches,
      handoffs: j.handoffs,
      repeats: j.repeats,
      createdAt: j.createdAt,
      resolvedAt: j.resolvedAt,
      promisesKept: promiseCount("kept"),
      promisesBroken: promiseCount("broken"),
    })
    .from(j)
    .where(selected)
    .orderBy(asc(j.createdAt), asc(j.id))
    .limit(limits.maxJourneys + 1);

  /**
   * Journeys of the same customers resolved in [earliest, latest]: the start-over candidates.
   * `resolved_at <= updated_at` always, so the updated_at bound lets journeys_customer range.
   */
  const earlier = (earliest: string, latest: string) =>
    db
      .select({
        id: a.id,
        customerId: a.customerId,
        reasonText: a.reasonText,
        reasonTopic: a.reasonTopic,
        createdAt: a.createdAt,
        resolvedAt: a.resolvedAt,
      })
      .from(a)
      .where(
        and(
          eq(a.workspaceId, workspace),
          inArray(
            a.customerId,
            db
              .select({ customerId: j.customerId })
              .from(j)
              .where(and(selected, isNotNull(j.customerId))),
          ),
          gte(a.updatedAt, earliest),
          isNotNull(a.resolvedAt),
          gte(a.resolvedAt, earliest),
          lte(a.resolvedAt, latest),
        ),
      )
      .limit(limits.maxEarlierJourneys + 1);

  /** One chunk of status changes and inbound customer events, in (journey, seq) order. */
  const events = (after: EventCursor | null) =>
    db
      .select({
        journeyId: e.journeyId,
        journeyCreatedAt: j.createdAt,
        seq: e.seq,
        type: e.type,
        direction: e.direction,
        actorKind: e.actorKind,
        channel: e.channel,
        text: sql<string | null>`substr(${e.text}, 1, ${limits.textChars})`,
        data: sql<string | null>`case when ${e.type} = 'status.changed' then ${e.data} end`,
        recordedAt: e.recordedAt,
      })
      .from(j)
      .innerJoin(e, and(eq(e.workspaceId, j.workspaceId), eq(e.journeyId, j.id)))
      .where(
        and(
          selected,
          or(
            eq(e.type, "status.changed"),
            and(eq(e.direction, "inbound"), eq(e.actorKind, "customer"), isNotNull(e.channel)),
          ),
          after
            ? sql`(${j.createdAt}, ${j.id}, ${e.seq}) > (${after.createdAt}, ${after.journeyId}, ${after.seq})`
            : undefined,
        ),
      )
      .orderBy(asc(j.createdAt), asc(j.id), asc(e.seq))
      .limit(limits.eventChunk);

  return { journeys, earlier, events };
}

interface EventCursor {
  createdAt: string;
  journeyId: string;
  seq: number;
}

/** One journey's effort, as `journey=<id>` returns it and as the groups add it up. */
export interface JourneyEffort {
  id: string;
  customerId: string | null;
  status: string;
  reasonTopic: string | null;
  reasonText: string | null;
  ownerId: string | null;
  createdAt: string;
  resolvedAt: string | null;
  contacts: number;
  channels: string[];
  channelSwitches: number;
  handoffs: number;
  /** max(recordedRepeats, detectedRepeats): see docs/analytics.md. */
  repeats: number;
  recordedRepeats: number;
  detectedRepeats: number;
  startOver: boolean;
  /** The earlier journey this one started over from. */
  startOverOf: string | null;
  promisesKept: number;
  promisesBroken: number;
  waitingOnCompanySeconds: number;
  waitingOnCompany: { from: string; to: string; open: boolean }[];
}

interface Replay {
  status: string;
  since: number;
  waitingMs: number;
  intervals: JourneyEffort["waitingOnCompany"];
  reasonWords: Set<string>;
  seenFirstMessage: boolean;
  detected: number;
}

/** Lower-cased words (letters and digits), as a set. */
export function words(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
}

/** Token Jaccard similarity |A ∩ B| / |A ∪ B|. */
export function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let both = 0;
  for (const w of a) if (b.has(w)) both++;
  return both / (a.size + b.size - both);
}

function normalizedPrefix(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim()
    .slice(0, PREFIX_CHARS);
}

interface ReasonOf {
  reasonTopic: string | null;
  reasonText: string | null;
}

/** Same reason: equal topics when both have one; else a shared normalized text prefix. */
export function sameReason(x: ReasonOf, y: ReasonOf): boolean {
  if (x.reasonTopic !== null && y.reasonTopic !== null) return x.reasonTopic === y.reasonTopic;
  if (x.reasonText === null || y.reasonText === null) return false;
  const px = normalizedPrefix(x.reasonText);
  const py = normalizedPrefix(y.reasonText);
  const n = Math.min(px.length, py.length);
  return n >= PREFIX_MIN_CHARS && px.slice(0, n) === py.slice(0, n);
}

function statusTo(data: string | null): string | null {
  if (data === null) return null;
  try {
    const parsed: unknown = JSON.parse(data);
    if (parsed !== null && typeof parsed === "object" && "to" in parsed) {
      const to = JourneyStatus.safeParse(parsed.to);
      return to.success ? to.data : null;
    }
  } catch {
    // not JSON: ignore the event
  }
  return null;
}

/** Adds the waiting interval [since, at), clipped at the horizon, when leaving waiting_on_company. */
function closeWaiting(r: Replay, at: number, horizon: number): void {
  if (r.status !== "waiting_on_company" || r.since >= horizon) return;
  const end = Math.min(at, horizon);
  if (end <= r.since) return;
  r.waitingMs += end - r.since;
  r.intervals.push({
    from: new Date(r.since).toISOString(),
    to: new Date(end).toISOString(),
    open: at > horizon,
  });
}

/** Replays one event into a journey's status timeline and repeat detection. */
function replay(r: Replay, ev: ChunkRow, horizon: number): void {
  const at = Date.parse(ev.recordedAt);
  let next = r.status;
  if (ev.type === "status.changed") {
    next = statusTo(ev.data) ?? r.status;
  } else {
    // An inbound customer event: the journey object reopens a resolved journey and moves
    // waiting_on_customer to waiting_on_company without a status.changed event.
    if (r.status === "resolved") next = "open";
    else if (r.status === "waiting_on_customer") next = "waiting_on_company";
    if (ev.type === "message" && ev.text !== null && ev.text.trim() !== "") {
      if (!r.seenFirstMessage) r.seenFirstMessage = true;
      else if (r.reasonWords.size >= REPEAT_MIN_WORDS) {
        const said = words(ev.text);
        if (said.size >= REPEAT_MIN_WORDS && jaccard(said, r.reasonWords) >= REPEAT_SIMILARITY)
          r.detected++;
      }
    }
  }
  if (next !== r.status) {
    closeWaiting(r, at, horizon);
    r.status = next;
    r.since = at;
  }
}

type EffortQueries = ReturnType<typeof effortQueries>;
type JourneyRowOut = Awaited<EffortQueries["journeys"]>[number];
type EarlierRow = Awaited<ReturnType<EffortQueries["earlier"]>>[number];
type ChunkRow = Awaited<ReturnType<EffortQueries["events"]>>[number];

/** Computes every selected journey's effort. `horizon` ends open waiting intervals. */
export async function journeyEfforts(
  d1: D1Database,
  workspace: string,
  sel: Selection,
  startOverDays: number,
  horizon: number,
  limits: AnalyticsLimits = ANALYTICS_LIMITS,
): Promise<JourneyEffort[]> {
  const q = effortQueries(d1, workspace, sel, limits);
  const rows = await q.journeys;
  if (rows.length > limits.maxJourneys) {
    tooLarge(
      "from",
      `more than ${limits.maxJourneys} journeys were created between from and to; narrow the window`,
      limits.maxJourneys,
    );
  }
  const first = rows[0];
  if (!first) return [];

  // Start-over candidates: resolved up to startOverDays before the earliest selected journey.
  const windowStart = sel.kind === "window" ? sel.from : first.createdAt;
  const windowEnd = sel.kind === "window" ? sel.to : first.createdAt;
  const earliest = new Date(Date.parse(windowStart) - startOverDays * DAY_MS).toISOString();
  const [earlierRows, replays] = await Promise.all([
    q.earlier(earliest, windowEnd),
    replayEvents(q, rows, horizon, limits),
  ]);
  if (earlierRows.length > limits.maxEarlierJourneys) {
    tooLarge(
      "from",
      `the window's customers have more than ${limits.maxEarlierJourneys} resolved journeys to compare; narrow the window`,
      limits.maxEarlierJourneys,
    );
  }
  const byCustomer = new Map<string, EarlierRow[]>();
  for (const r of earlierRows) {
    if (r.customerId === null) continue;
    const list = byCustomer.get(r.customerId) ?? [];
    list.push(r);
    byCustomer.set(r.customerId, list);
  }

  return rows.map((row) => {
    const r = replays.get(row.id) ?? newReplay(row);
    closeWaiting(r, Number.POSITIVE_INFINITY, horizon);
    const of = startOverOf(row, byCustomer.get(row.customerId ?? "") ?? [], startOverDays);
    const recorded = row.repeats;
    return {
      id: row.id,
      customerId: row.customerId,
      status: row.status,
      reasonTopic: row.reasonTopic,
      reasonText: row.reasonText,
      ownerId: row.ownerId,
      createdAt: row.createdAt,
      resolvedAt: row.resolvedAt,
      contacts: row.contacts,
      channels: parseChannels(row.channels),
      channelSwitches: row.channelSwitches,
      handoffs: row.handoffs,
      repeats: Math.max(recorded, r.detected),
      recordedRepeats: recorded,
      detectedRepeats: r.detected,
      startOver: of !== null,
      startOverOf: of,
      promisesKept: Number(row.promisesKept),
      promisesBroken: Number(row.promisesBroken),
      waitingOnCompanySeconds: r.waitingMs / 1000,
      waitingOnCompany: r.intervals,
    };
  });
}

function parseChannels(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((c): c is string => typeof c === "string") : [];
  } catch {
    return [];
  }
}

function newReplay(row: JourneyRowOut): Replay {
  return {
    status: "open",
    since: Date.parse(row.createdAt),
    waitingMs: 0,
    intervals: [],
    reasonWords: words(row.reasonText ?? ""),
    seenFirstMessage: false,
    detected: 0,
  };
}

/** Reads the selected journeys' status changes and inbound customer events in chunks. */
async function replayEvents(
  q: EffortQueries,
  rows: JourneyRowOut[],
  horizon: number,
  limits: AnalyticsLimits,
): Promise<Map<string, Replay>> {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const replays = new Map<string, Replay>();
  let cursor: EventCursor | null = null;
  let seen = 0;
  for (;;) {
    const chunk: ChunkRow[] = await q.events(cursor);
    seen += chunk.length;
    if (seen > limits.maxEvents) {
      tooLarge(
        "from",
        `the window holds more than ${limits.maxEvents} status changes and customer events; narrow the window`,
        limits.maxEvents,
      );
    }
    for (const ev of chunk) {
      let r = replays.get(ev.journeyId);
      if (!r) {
        const row = byId.get(ev.journeyId);
        if (!row) continue;
        r = newReplay(row);
        replays.set(ev.journeyId, r);
      }
      replay(r, ev, horizon);
    }
    const last = chunk.at(-1);
    if (!last || chunk.length < limits.eventChunk) return replays;
    cursor = { createdAt: last.journeyCreatedAt, journeyId: last.journeyId, seq: last.seq };
  }
}

/** The most recently resolved earlier journey this one started over from, or null. */
function startOverOf(row: JourneyRowOut, candidates: EarlierRow[], days: number): string | null {
  const created = Date.parse(row.createdAt);
  let best: EarlierRow | null = null;
  for (const c of candidates) {
    if (c.id === row.id || c.resolvedAt === null || c.createdAt >= row.createdAt) continue;
    const resolved = Date.parse(c.resolvedAt);
    if (resolved > created || resolved < created - days * DAY_MS) continue;
    if (!sameReason(c, row)) continue;
    if (!best || (best.resolvedAt ?? "") < c.resolvedAt) best = c;
  }
  return best?.id ?? null;
}

/** One group's numbers. Means are per journey, rounded to 3 decimals (null for no journeys). */
export interface EffortGroup {
  key: string | null;
  journeys: number;
  contacts: { sum: number; mean: number | null };
  channelSwitches: number;
  handoffs: number;
  repeats: number;
  recordedRepeats: number;
  detectedRepeats: number;
  startOvers: number;
  promisesKept: number;
  promisesBroken: number;
  waitingOnCompanySeconds: { sum: number; mean: number | null };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Adds up journeys into one group. */
export function summarize(key: string | null, list: JourneyEffort[]): EffortGroup {
  const n = list.length;
  const sum = (f: (x: JourneyEffort) => number) => list.reduce((s, x) => s + f(x), 0);
  const contacts = sum((x) => x.contacts);
  const waitingMs = sum((x) => Math.round(x.waitingOnCompanySeconds * 1000));
  return {
    key,
    journeys: n,
    contacts: { sum: contacts, mean: n ? round3(contacts / n) : null },
    channelSwitches: sum((x) => x.channelSwitches),
    handoffs: sum((x) => x.handoffs),
    repeats: sum((x) => x.repeats),
    recordedRepeats: sum((x) => x.recordedRepeats),
    detectedRepeats: sum((x) => x.detectedRepeats),
    startOvers: sum((x) => (x.startOver ? 1 : 0)),
    promisesKept: sum((x) => x.promisesKept),
    promisesBroken: sum((x) => x.promisesBroken),
    waitingOnCompanySeconds: {
      sum: waitingMs / 1000,
      mean: n ? round3(waitingMs / 1000 / n) : null,
    },
  };
}

/** The group a journey falls in. Periods are UTC calendar days, ISO weeks (Monday) and months. */
export function groupKey(by: GroupBy, workspace: string, x: JourneyEffort): string | null {
  switch (by) {
    case "workspace":
      return workspace;
    case "topic":
      return x.reasonTopic;
    case "owner":
      return x.ownerId;
    case "day":
      return x.createdAt.slice(0, 10);
    case "week": {
      const day = new Date(`${x.createdAt.slice(0, 10)}T00:00:00.000Z`);
      const sinceMonday = (day.getUTCDay() + 6) % 7;
      return new Date(day.getTime() - sinceMonday * DAY_MS).toISOString().slice(0, 10);
    }
    case "month":
      return x.createdAt.slice(0, 7);
  }
}

/** Groups sorted by key, the "none" group (no topic, no owner) last. */
export function group(by: GroupBy, workspace: string, list: JourneyEffort[]): EffortGroup[] {
  const groups = new Map<string | null, JourneyEffort[]>();
  for (const x of list) {
    const k = groupKey(by, workspace, x);
    const g = groups.get(k) ?? [];
    g.push(x);
    groups.set(k, g);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1))
    .map(([k, g]) => summarize(k, g));
}

export const analytics = new Hono<AppEnv>();

analytics.get("/effort", requireScope("journeys:read"), async (c) => {
  const q = query(c, EffortQuery);
  const ws = c.get("principal").workspace;
  const nowMs = Date.now();
  const now = new Date(nowMs).toISOString();
  const startOverDays = q.startOverDays ?? 7;

  if (q.journey !== undefined) {
    if (q.from !== undefined) badQuery("from", "cannot be combined with journey");
    if (q.groupBy !== undefined) badQuery("groupBy", "cannot be combined with journey");
    const horizon = Math.min(q.to ? Date.parse(q.to) : nowMs, nowMs);
    const sel: Selection = { kind: "journey", id: q.journey };
    const [journey] = await journeyEfforts(c.env.DB, ws, sel, startOverDays, horizon);
    if (!journey) {
      fail(
        404,
        "journey_not_found",
        "Journey not found",
        "no such journey in the analytics store (it trails live journeys by the outbox flush)",
      );
    }
    return c.json({
      workspace: ws,
      horizon: new Date(horizon).toISOString(),
      startOverDays,
      journey,
    });
  }

  const to = q.to ?? now;
  const from =
    q.from ?? new Date(Date.parse(to) - ANALYTICS_LIMITS.defaultWindowDays * DAY_MS).toISOString();
  if (from >= to) badQuery("from", "must be before to");
  if (Date.parse(to) - Date.parse(from) > ANALYTICS_LIMITS.maxWindowDays * DAY_MS) {
    badQuery("from", `the window from..to spans at most ${ANALYTICS_LIMITS.maxWindowDays} days`);
  }
  const horizon = Math.min(Date.parse(to), nowMs);
  const groupBy = q.groupBy ?? "workspace";
  const list = await journeyEfforts(
    c.env.DB,
    ws,
    { kind: "window", from, to },
    startOverDays,
    horizon,
  );
  return c.json({
    workspace: ws,
    groupBy,
    from,
    to,
    horizon: new Date(horizon).toISOString(),
    startOverDays,
    totals: summarize(null, list),
    groups: group(groupBy, ws, list),
  });
});
