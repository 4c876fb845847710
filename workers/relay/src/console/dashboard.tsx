/**
 * The effort dashboard (docs/console.md "Effort dashboard"), for leads and admins: where the
 * work is pushed onto customers (repeats, channel switches, handoffs, start-overs, broken
 * promises) by ISO week, topic, owner or team, over the journeys created in a window. Charts
 * are inline SVG drawn here (lists-chart.tsx); the same numbers follow as a table and as a
 * CSV download (`/console/dashboard.csv`, same filters; `dashboardCsv`, mounted by index.tsx).
 */
import type { EffortGroup } from "@baton/core";
import { Hono, type Context } from "hono";
import { fail } from "../http/problem";
import { check } from "../http/validate";
import type { ConsoleEnv } from "./context";
import { roleAtLeast } from "./context";
import { html, Page } from "./layout";
import { BarChart } from "./lists-chart";
import { toCsv } from "./lists-csv";
import {
  DashboardGroupBy,
  DashboardQuery,
  effortReport,
  groupLabel,
  MEASURES,
  type EffortReport,
} from "./lists-effort";
import { DATE_STYLE, Field, FIELDS_STYLE, param, Scroll, withQuery } from "./lists-ui";

export const dashboardPages = new Hono<ConsoleEnv>();

/** More groups than this: the charts show the first ones, the table and the CSV all of them. */
const MAX_BARS = 30;

function requireLead(c: Context<ConsoleEnv>): void {
  if (!roleAtLeast(c.get("person").role, "lead")) {
    fail(403, "forbidden", "Leads only", "The effort dashboard is for leads and admins.");
  }
}

function filters(c: Context<ConsoleEnv>): DashboardQuery {
  return check(
    DashboardQuery,
    { from: param(c, "from"), to: param(c, "to"), groupBy: param(c, "groupBy") },
    "query",
  );
}

const hours = (seconds: number) => Math.round((seconds / 3600) * 10) / 10;

function Table(props: { r: EffortReport }) {
  const { r } = props;
  const row = (g: EffortGroup, label: string) => (
    <>
      <th scope="row">{label}</th>
      <td>{g.journeys}</td>
      <td>{g.contacts.sum}</td>
      {MEASURES.map((m) => (
        <td>{m.of(g)}</td>
      ))}
      <td>{g.promisesKept}</td>
      <td>{hours(g.waitingOnCompanySeconds.sum)}</td>
    </>
  );
  return (
    <Scroll label="Effort table">
      <table class="effort" aria-labelledby="table-h">
        <thead>
          <tr>
            <th scope="col">{r.groupBy}</th>
            <th scope="col">Journeys</th>
            <th scope="col">Contacts</th>
            {MEASURES.map((m) => (
              <th scope="col">{m.label}</th>
            ))}
            <th scope="col">Kept promises</th>
            <th scope="col">Waiting on us (h)</th>
          </tr>
        </thead>
        <tbody>
          {r.groups.map((g) => (
            <tr>{row(g, groupLabel(r.groupBy, g.key))}</tr>
          ))}
        </tbody>
        <tfoot>
          <tr>{row(r.totals, "All")}</tr>
        </tfoot>
      </table>
    </Scroll>
  );
}

dashboardPages.get("/", async (c) => {
  requireLead(c);
  const q = filters(c);
  const r = await effortReport(c.env, c.get("person").workspace, q);
  const csvHref = withQuery("/console/dashboard.csv", {
    from: r.fromDay,
    to: r.toDay,
    groupBy: r.groupBy,
  });
  const shown = r.groups.slice(0, MAX_BARS);
  return html(
    c,
    <Page c={c} title="Effort dashboard" active="dashboard">
      <h1>Effort dashboard</h1>
      <p class="muted">
        Journeys created from {r.fromDay} to {r.toDay} (UTC), by {r.groupBy}. History trails the
        live journeys by a few seconds.
      </p>
      <form method="get" action="/console/dashboard" aria-label="Dashboard filters">
        <div style={FIELDS_STYLE}>
          <Field id="d-from" label="From (UTC day)">
            <input id="d-from" name="from" type="date" value={r.fromDay} style={DATE_STYLE} />
          </Field>
          <Field id="d-to" label="To (UTC day, included)">
            <input id="d-to" name="to" type="date" value={r.toDay} style={DATE_STYLE} />
          </Field>
          <Field id="d-group" label="Group by">
            <select id="d-group" name="groupBy">
              {DashboardGroupBy.options.map((g) => (
                <option value={g} selected={g === r.groupBy}>
                  {g}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <button type="submit">Show</button>{" "}
        <a class="button secondary" href={csvHref} download>
          Download CSV
        </a>
      </form>
      <section aria-labelledby="totals-h">
        <h2 id="totals-h">In this window</h2>
        <dl class="kv">
          <dt>Journeys</dt>
          <dd data-total="journeys">{r.totals.journeys}</dd>
          {MEASURES.map((m) => (
            <>
              <dt>{m.label}</dt>
              <dd data-total={m.key}>{m.of(r.totals)}</dd>
            </>
          ))}
        </dl>
      </section>
      {r.groups.length === 0 ? (
        <p class="notice">No journeys were created in this window.</p>
      ) : (
        <>
          <section aria-labelledby="charts-h">
            <h2 id="charts-h">Charts</h2>
            {r.groups.length > shown.length ? (
              <p class="small muted">
                The charts show the first {shown.length} of {r.groups.length} groups; the table and
                the CSV have all of them.
              </p>
            ) : null}
            <div class="grid2">
              {MEASURES.map((m) => (
                <figure style="margin:0">
                  <figcaption>
                    <h3 style="margin:.4em 0">
                      {m.label} by {r.groupBy}
                    </h3>
                  </figcaption>
                  <BarChart
                    id={`chart-${m.key}`}
                    title={`${m.label} by ${r.groupBy}, ${r.fromDay} to ${r.toDay}`}
                    bars={shown.map((g) => ({
                      label: groupLabel(r.groupBy, g.key),
                      value: m.of(g),
                    }))}
                  />
                </figure>
              ))}
            </div>
          </section>
          <section aria-labelledby="table-h">
            <h2 id="table-h">The numbers</h2>
            <Table r={r} />
          </section>
        </>
      )}
    </Page>,
  );
});

/** GET /console/dashboard.csv: one row per group, the same filters as the page. */
export async function dashboardCsv(c: Context<ConsoleEnv>): Promise<Response> {
  requireLead(c);
  const q = filters(c);
  const r = await effortReport(c.env, c.get("person").workspace, q);
  const header = [
    "group_by",
    "group",
    "journeys",
    "contacts",
    ...MEASURES.map((m) => m.key),
    "promises_kept",
    "waiting_on_company_seconds",
  ];
  const rows = r.groups.map((g) => [
    r.groupBy,
    g.key,
    g.journeys,
    g.contacts.sum,
    ...MEASURES.map((m) => m.of(g)),
    g.promisesKept,
    g.waitingOnCompanySeconds.sum,
  ]);
  const name = `baton-effort-${r.groupBy}-${r.fromDay}-${r.toDay}.csv`;
  return c.body(toCsv(header, rows), 200, {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="${name}"`,
  });
}
