/**
 * The owner's worklist (docs/api.md, "Worklist"): the open journeys of one owner or team from
 * D1, ordered by what breaks first. D1 trails the journey objects by the outbox flush delay
 * (docs/architecture.md), so this is a work queue to pick from, not the live state of one
 * journey: open the journey (GET /v1/journeys/:id or a context pack) to act on it.
 *
 * Order: journeys with a broken promise, then an overdue one (status overdue, or pending past
 * its due time), then one at risk (pending, its owner nudged before the due time, not yet due),
 * then an open exception, then waiting on us (status waiting_on_company, or the latest message
 * either way came from the customer), then by the earliest due time of an open promise (none
 * last), then the longest untouched first. Every query is keyed by workspace first.
 */
import { LIMITS } from "@baton/core";
import { Hono } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env";
import { requireScope } from "../http/auth";
import { fail } from "../http/problem";
import { query } from "../http/validate";

export const WorklistQuery = z.strictObject({
  owner: z
    .string()
    .min(1)
    .max(LIMITS.labelChars)
    .optional()
    .describe("the owner's id (a person, team or bot id); give this or `team`"),
  team: z
    .string()
    .min(1)
    .max(LIMITS.labelChars)
    .optional()
    .describe("a team: journeys whose owner is in it, or is it; give this or `owner`"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(400).optional().describe("the nextCursor of the previous page"),
});
export type WorklistQuery = z.output<typeof WorklistQuery>;

/** The first problem of a journey, as the worklist labels it. */
export type WorklistProblem =
  "promise broken" | "promise overdue" | "promise at risk" | "exception open" | "waiting on us";

export interface WorklistCounts {
  broken: number;
  overdue: number;
  atRisk: number;
  exceptions: number;
}

export interface WorklistItem {
  journeyId: string;
  customerId: string | null;
  reason: { text: string | null; topic: string | null } | null;
  status: string;
  owner: { kind: string | null; id: string | null; name: string | null; team: string | null };
  /** Promises broken, overdue and at risk, and open exceptions, of this journey. */
  counts: WorklistCounts;
  /** The latest message either way came from the customer (or status waiting_on_company). */
  waitingOnUs: boolean;
  /** The earliest due time of a pending promise not yet due. */
  nextDueAt: string | null;
  problem: WorklistProblem | null;
  updatedAt: string;
}

export interface Worklist {
  owner: { id: string | null; team: string | null };
  asOf: string;
  /** Over every open journey of the owner, not only this page. */
  counts: WorklistCounts & { waitingOnUs: number; journeys: number };
  items: WorklistItem[];
  nextCursor: string | null;
}

function badQuery(path: string, message: string): never {
  return fail(400, "invalid_query", "Invalid query parameters", `${path}: ${message}`, {
    errors: [{ path, message }],
  });
}

/** Offsets are opaque to callers: base64url of [offset]. */
function decodeCursor(cursor: string): number {
  try {
    const [offset] = JSON.parse(atob(cursor.replace(/-/g, "+").replace(/_/g, "/"))) as [number];
    if (Number.isSafeInteger(offset) && offset > 0) return offset;
  } catch {
    // fall through to the problem below
  }
  const message = "pass the nextCursor of a previous page unchanged";
  return fail(400, "invalid_cursor", "Invalid cursor", `cursor: ${message}`, {
    errors: [{ path: "cursor", message }],
  });
}

const encodeCursor = (offset: number): string =>
  btoa(JSON.stringify([offset]))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

/**
 * The owner's open journeys with their promise counts (?1 workspace, ?2 now, ?3 owner or team).
 * Uses journeys_owner or journeys_team, promises_journey, and the events primary key.
 */
function ranked(selector: "owner" | "team"): string {
  // A UNION ALL, not an OR, so that each half uses its index (journeys_team, journeys_owner).
  const who =
    selector === "owner"
      ? "owner_id = ?3"
      : `id IN (SELECT id FROM journeys WHERE workspace_id = ?1 AND owner_team = ?3
          UNION ALL SELECT id FROM journeys WHERE workspace_id = ?1 AND owner_id = ?3
            AND owner_kind = 'team')`;
  return `WITH mine AS (
    SELECT id, customer_id, status, reason_text, reason_topic, owner_kind, owner_id, owner_name,
           owner_team, open_exceptions, updated_at
    FROM journeys
    WHERE workspace_id = ?1 AND ${who} AND status != 'resolved'
  ), p AS (
    SELECT journey_id,
      sum(status = 'broken') AS broken,
      sum(status = 'overdue' OR (status = 'pending' AND due_at < ?2)) AS overdue,
      sum(status = 'pending' AND due_at >= ?2 AND at_risk_at IS NOT NULL) AS at_risk,
      min(CASE WHEN status IN ('pending', 'overdue') THEN due_at END) AS first_due,
      min(CASE WHEN status = 'pending' AND due_at >= ?2 THEN due_at END) AS next_due
    FROM promises
    WHERE workspace_id = ?1 AND journey_id IN (SELECT id FROM mine)
    GROUP BY journey_id
  ), rows AS (
    SELECT m.*,
      coalesce(p.broken, 0) AS broken,
      coalesce(p.overdue, 0) AS overdue,
      coalesce(p.at_risk, 0) AS at_risk,
      p.first_due AS first_due,
      p.next_due AS next_due,
      (m.status = 'waiting_on_company' OR coalesce((
        SELECT e.direction = 'inbound' AND e.actor_kind = 'customer'
        FROM events AS e
        WHERE e.workspace_id = ?1 AND e.journey_id = m.id
          AND e.direction IN ('inbound', 'outbound')
        ORDER BY e.seq DESC LIMIT 1
      ), 0)) AS waiting
    FROM mine AS m LEFT JOIN p ON p.journey_id = m.id
  )`;
}

/**
 * The page (?4 rows from offset ?5) and the totals over every open journey of the selection.
 * Exported for the query-plan test (test/worklist.test.ts).
 */
export function worklistSql(selector: "owner" | "team"): { page: string; totals: string } {
  const cte = ranked(selector);
  return {
    page: `${cte} SELECT * FROM rows
      ORDER BY broken > 0 DESC, overdue > 0 DESC, at_risk > 0 DESC, open_exceptions > 0 DESC,
        waiting DESC, first_due IS NULL, first_due, updated_at, id
      LIMIT ?4 OFFSET ?5`,
    totals: `${cte} SELECT count(*) AS journeys, sum(broken) AS broken, sum(overdue) AS overdue,
        sum(at_risk) AS at_risk, sum(open_exceptions) AS exceptions, sum(waiting) AS waiting
      FROM rows`,
  };
}

interface Row {
  id: string;
  customer_id: string | null;
  status: string;
  reason_text: string | null;
  reason_topic: string | null;
  owner_kind: string | null;
  owner_id: string | null;
  owner_name: string | null;
  owner_team: string | null;
  open_exceptions: number | null;
  updated_at: string;
  broken: number;
  overdue: number;
  at_risk: number;
  next_due: string | null;
  waiting: number;
}

interface Totals {
  journeys: number;
  broken: number | null;
  overdue: number | null;
  at_risk: number | null;
  exceptions: number | null;
  waiting: number | null;
}

function problemOf(c: WorklistCounts, waiting: boolean): WorklistProblem | null {
  if (c.broken > 0) return "promise broken";
  if (c.overdue > 0) return "promise overdue";
  if (c.atRisk > 0) return "promise at risk";
  if (c.exceptions > 0) return "exception open";
  return waiting ? "waiting on us" : null;
}

function item(r: Row): WorklistItem {
  const counts: WorklistCounts = {
    broken: Number(r.broken),
    overdue: Number(r.overdue),
    atRisk: Number(r.at_risk),
    exceptions: Number(r.open_exceptions ?? 0),
  };
  const waitingOnUs = Number(r.waiting) === 1;
  return {
    journeyId: r.id,
    customerId: r.customer_id,
    reason:
      r.reason_text !== null || r.reason_topic !== null
        ? { text: r.reason_text, topic: r.reason_topic }
        : null,
    status: r.status,
    owner: { kind: r.owner_kind, id: r.owner_id, name: r.owner_name, team: r.owner_team },
    counts,
    waitingOnUs,
    nextDueAt: r.next_due,
    problem: problemOf(counts, waitingOnUs),
    updatedAt: r.updated_at,
  };
}

/** The worklist of `q.owner` or `q.team` in `workspace`, as of `now`. */
export async function readWorklist(
  d1: D1Database,
  workspace: string,
  q: WorklistQuery,
  now: Date = new Date(),
): Promise<Worklist> {
  if ((q.owner === undefined) === (q.team === undefined))
    badQuery("(query)", "give exactly one of owner or team");
  const selector = q.owner !== undefined ? "owner" : "team";
  const who = q.owner ?? q.team ?? "";
  const offset = q.cursor === undefined ? 0 : decodeCursor(q.cursor);
  const asOf = now.toISOString();
  const sql = worklistSql(selector);
  const [page, totals] = await d1.batch([
    d1.prepare(sql.page).bind(workspace, asOf, who, q.limit + 1, offset),
    d1.prepare(sql.totals).bind(workspace, asOf, who),
  ]);
  const rows = (page?.results ?? []) as Row[];
  const t = ((totals?.results ?? [])[0] ?? { journeys: 0 }) as Totals;
  return {
    owner: { id: q.owner ?? null, team: q.team ?? null },
    asOf,
    counts: {
      broken: Number(t.broken ?? 0),
      overdue: Number(t.overdue ?? 0),
      atRisk: Number(t.at_risk ?? 0),
      exceptions: Number(t.exceptions ?? 0),
      waitingOnUs: Number(t.waiting ?? 0),
      journeys: Number(t.journeys ?? 0),
    },
    items: rows.slice(0, q.limit).map(item),
    nextCursor: rows.length > q.limit ? encodeCursor(offset + q.limit) : null,
  };
}

export const worklist = new Hono<AppEnv>();

worklist.get("/", requireScope("journeys:read"), async (c) => {
  const q = query(c, WorklistQuery);
  return c.json(await readWorklist(c.env.DB, c.get("principal").workspace, q));
});
