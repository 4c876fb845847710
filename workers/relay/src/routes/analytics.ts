/**
 * Effort analytics from D1 (docs/analytics.md): per journey and aggregated per workspace, topic,
 * owner or period. D1 trails the journey objects by the outbox flush delay, so these numbers are
 * history, never the live state of one journey.
 *
 * Counters the journey object keeps (contacts, channel switches, handoffs, recorded repeats)
 * come from the journey rows; promises from the promises table; start-overs from earlier
 * journeys of the same customer; time waiting on the company and detected repeats from a replay
 * of each journey's status changes and inbound customer events. Every query is keyed by
 * workspace first and uses an index (test/analytics.test.ts checks the query plans). This file
 * reads and bounds; the replay, start-over matching and sums are pure, in @baton/core (effort.ts).
 */
import {
  EffortGroupBy,
  EffortReplay,
  groupEfforts,
  Instant,
  JourneyId,
  summarizeEfforts,
  type JourneyEffort,
} from "@baton/core";
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

const DAY_MS = 86_400_000;

const Days = z
  .string()
  .regex(/^\d{1,3}$/, "must be a whole number of days")
  .transform(Number)
  .pipe(z.number().int().min(0).max(365));

export const EffortQuery = z.strictObject({
  from: Instant.optional(),
  to: Instant.optional(),
  groupBy: EffortGroupBy.optional(),
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

type EffortQueries = ReturnType<typeof effortQueries>;
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
  const replay = new EffortReplay(rows, horizon);
  const [earlierRows] = await Promise.all([
    q.earlier(earliest, windowEnd),
    replayEvents(q, replay, limits),
  ]);
  if (earlierRows.length > limits.maxEarlierJourneys) {
    tooLarge(
      "from",
      `the window's customers have more than ${limits.maxEarlierJourneys} resolved journeys to compare; narrow the window`,
      limits.maxEarlierJourneys,
    );
  }
  return replay.efforts(earlierRows, startOverDays);
}

/** Reads the selected journeys' status changes and inbound customer events in chunks. */
async function replayEvents(
  q: EffortQueries,
  replay: EffortReplay,
  limits: AnalyticsLimits,
): Promise<void> {
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
    replay.add(chunk);
    const last = chunk.at(-1);
    if (!last || chunk.length < limits.eventChunk) return;
    cursor = { createdAt: last.journeyCreatedAt, journeyId: last.journeyId, seq: last.seq };
  }
}

/**
 * The window of a request: `to` defaults to now and `from` to defaultWindowDays before `to`;
 * a 400 invalid_query when from is not before to or the window is too long. `horizon` (epoch
 * ms) ends open waiting intervals. Shared with the console's effort dashboard.
 */
export function effortWindow(
  q: { from?: string | undefined; to?: string | undefined },
  nowMs: number,
): { from: string; to: string; horizon: number } {
  const to = q.to ?? new Date(nowMs).toISOString();
  const from =
    q.from ?? new Date(Date.parse(to) - ANALYTICS_LIMITS.defaultWindowDays * DAY_MS).toISOString();
  if (from >= to) badQuery("from", "must be before to");
  if (Date.parse(to) - Date.parse(from) > ANALYTICS_LIMITS.maxWindowDays * DAY_MS) {
    badQuery("from", `the window from..to spans at most ${ANALYTICS_LIMITS.maxWindowDays} days`);
  }
  return { from, to, horizon: Math.min(Date.parse(to), nowMs) };
}

export const analytics = new Hono<AppEnv>();

analytics.get("/effort", requireScope("journeys:read"), async (c) => {
  const q = query(c, EffortQuery);
  const ws = c.get("principal").workspace;
  const nowMs = Date.now();
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

  const { from, to, horizon } = effortWindow(q, nowMs);
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
    totals: summarizeEfforts(null, list),
    groups: groupEfforts(groupBy, ws, list),
  });
});
