/**
 * The effort dashboard's numbers (docs/console.md "Effort dashboard"): the journeys created in
 * a window, their effort computed by the same code as GET /v1/analytics/effort
 * (routes/analytics.ts `effortWindow`, `journeyEfforts`; the sums in @baton/core), grouped by
 * ISO week, topic, owner or team. The API has no team grouping: the journeys' owner teams are
 * read from D1 for the same window (journeys_created index) and the same sums are applied.
 */
import {
  effortGroupKey,
  summarizeEfforts,
  type EffortGroup,
  type JourneyEffort,
} from "@baton/core";
import * as z from "zod";
import { ANALYTICS_LIMITS, effortWindow, journeyEfforts } from "../routes/analytics";

export const DashboardGroupBy = z.enum(["week", "topic", "owner", "team"]);
export type DashboardGroupBy = z.output<typeof DashboardGroupBy>;

const DAY_MS = 86_400_000;

const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date (YYYY-MM-DD)")
  .refine(
    (d) => new Date(`${d}T00:00:00.000Z`).toISOString().slice(0, 10) === d,
    "must be a real date",
  );

/** The dashboard's filters, as the page's form and the CSV link send them. */
export const DashboardQuery = z.strictObject({
  from: Day.optional(),
  to: Day.optional(),
  groupBy: DashboardGroupBy.default("week"),
});
export type DashboardQuery = z.output<typeof DashboardQuery>;

export interface EffortReport {
  groupBy: DashboardGroupBy;
  /** The window as instants: [from, to). */
  from: string;
  to: string;
  /** The window as the form shows it: first and last day, inclusive. */
  fromDay: string;
  toDay: string;
  totals: EffortGroup;
  groups: EffortGroup[];
}

/** Journey id → owner team, for the journeys created in [from, to). */
async function ownerTeams(d1: D1Database, ws: string, from: string, to: string) {
  const rows = await d1
    .prepare(
      `SELECT id, owner_team AS team FROM journeys
       WHERE workspace_id = ?1 AND created_at >= ?2 AND created_at < ?3 LIMIT ?4`,
    )
    .bind(ws, from, to, ANALYTICS_LIMITS.maxJourneys + 1)
    .all<{ id: string; team: string | null }>();
  return new Map(rows.results.map((r) => [r.id, r.team]));
}

/** Groups sorted by key, the "none" group last, as the API's groupEfforts sorts them. */
function group(list: readonly JourneyEffort[], keyOf: (x: JourneyEffort) => string | null) {
  const groups = new Map<string | null, JourneyEffort[]>();
  for (const x of list) {
    const k = keyOf(x);
    const g = groups.get(k) ?? [];
    g.push(x);
    groups.set(k, g);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1))
    .map(([k, g]) => summarizeEfforts(k, g));
}

/** The report for a workspace; bad filters and too large windows are 400 problems. */
export async function effortReport(
  env: Env,
  ws: string,
  q: DashboardQuery,
  nowMs = Date.now(),
): Promise<EffortReport> {
  const window = effortWindow(
    {
      from: q.from ? `${q.from}T00:00:00.000Z` : undefined,
      // The last day is included: the window ends at the next midnight.
      to: q.to ? new Date(Date.parse(`${q.to}T00:00:00.000Z`) + DAY_MS).toISOString() : undefined,
    },
    nowMs,
  );
  const { from, to, horizon } = window;
  const list = await journeyEfforts(env.DB, ws, { kind: "window", from, to }, 7, horizon);
  let keyOf: (x: JourneyEffort) => string | null;
  if (q.groupBy === "team") {
    const teams = await ownerTeams(env.DB, ws, from, to);
    keyOf = (x) => teams.get(x.id) ?? null;
  } else {
    const by = q.groupBy;
    keyOf = (x) => effortGroupKey(by, ws, x);
  }
  return {
    groupBy: q.groupBy,
    from,
    to,
    fromDay: from.slice(0, 10),
    toDay: q.to ?? new Date(Math.min(Date.parse(to), nowMs)).toISOString().slice(0, 10),
    totals: summarizeEfforts(null, list),
    groups: group(list, keyOf),
  };
}

/** The measures the dashboard charts, in order, with their labels. */
export const MEASURES = [
  { key: "repeats", label: "Repeats", of: (g: EffortGroup) => g.repeats },
  { key: "channel_switches", label: "Channel switches", of: (g: EffortGroup) => g.channelSwitches },
  { key: "handoffs", label: "Handoffs", of: (g: EffortGroup) => g.handoffs },
  { key: "start_overs", label: "Start-overs", of: (g: EffortGroup) => g.startOvers },
  { key: "promises_broken", label: "Broken promises", of: (g: EffortGroup) => g.promisesBroken },
] as const;

/** How a group's key is shown: weeks as "week of <Monday>", missing keys in words. */
export function groupLabel(by: DashboardGroupBy, key: string | null): string {
  if (key === null) return `(no ${by})`;
  return by === "week" ? `week of ${key}` : key;
}
