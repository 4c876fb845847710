/**
 * The owner's worklist (docs/console.md "Worklist"): the open journeys of one owner or team,
 * ordered by what breaks first, with counts per problem at the top. The same query as
 * GET /v1/worklist (routes/worklist.ts `readWorklist`), so page and API never disagree.
 * Default owner: the signed-in person, by the owner id the screen pop's "take ownership" uses
 * (their email); `?owner=` or `?team=` picks another.
 */
import { Hono } from "hono";
import { check } from "../http/validate";
import { readWorklist, WorklistQuery, type WorklistItem } from "../routes/worklist";
import type { ConsoleEnv } from "./context";
import { html, Page } from "./layout";
import { ownerIdOf } from "./pop";
import {
  CustomerCell,
  FIELD_STYLE,
  FIELDS_STYLE,
  JourneyCell,
  ListTable,
  OwnerCell,
  Pager,
  param,
  StatusBadge,
  When,
} from "./lists-ui";

export const worklistPages = new Hono<ConsoleEnv>();

const PAGE_SIZE = 50;

const PROBLEM_CLASS: Record<string, string> = {
  "promise broken": "broken",
  "promise overdue": "overdue",
  "promise at risk": "pending",
  "exception open": "exception",
  "waiting on us": "open",
};

function Problem(props: { item: WorklistItem }) {
  const p = props.item.problem;
  if (!p) return <span class="muted">none</span>;
  return <span class={`badge ${PROBLEM_CLASS[p] ?? "neutral"}`}>{p}</span>;
}

function Count(props: { label: string; n: number; tone: string }) {
  return (
    <li class="card" style="margin:0;min-width:8.5rem;flex:1 1 8.5rem">
      <span class={`badge ${props.n > 0 ? props.tone : "neutral"}`}>{props.label}</span>
      <strong style="display:block;font-size:1.5em" data-count={props.label}>
        {props.n}
      </strong>
    </li>
  );
}

function Row(props: { item: WorklistItem }) {
  const i = props.item;
  const detail = [
    i.counts.broken ? `${i.counts.broken} broken` : null,
    i.counts.overdue ? `${i.counts.overdue} overdue` : null,
    i.counts.atRisk ? `${i.counts.atRisk} at risk` : null,
    i.counts.exceptions
      ? `${i.counts.exceptions} exception${i.counts.exceptions > 1 ? "s" : ""}`
      : null,
  ].filter((x) => x !== null);
  return (
    <tr data-journey={i.journeyId}>
      <td>
        <Problem item={i} />
        {detail.length ? <div class="small muted">{detail.join(", ")}</div> : null}
      </td>
      <JourneyCell id={i.journeyId} text={i.reason?.text ?? null} topic={i.reason?.topic ?? null} />
      <td>
        <StatusBadge status={i.status} />
      </td>
      <CustomerCell id={i.customerId} />
      <OwnerCell id={i.owner.id} name={i.owner.name} team={i.owner.team} />
      <td>
        <When at={i.nextDueAt} />
      </td>
      <td>
        <When at={i.updatedAt} />
      </td>
    </tr>
  );
}

worklistPages.get("/", async (c) => {
  const person = c.get("person");
  const team = param(c, "team");
  // The owner id the screen pop's "take ownership" sets (pop.tsx ownerIdOf): the email.
  const me = ownerIdOf(person);
  const owner = param(c, "owner") ?? (team === undefined ? me : undefined);
  const cursor = param(c, "cursor");
  const q = check(WorklistQuery, { owner, team, cursor, limit: String(PAGE_SIZE) }, "query");
  const list = await readWorklist(c.env.DB, person.workspace, q);
  const whose = team !== undefined ? `team ${team}` : owner === me ? "you" : owner;
  const params = { owner: team === undefined ? owner : undefined, team };
  return html(
    c,
    <Page c={c} title="Worklist" active="worklist">
      <h1>Worklist</h1>
      <p class="muted">
        Open journeys of <strong>{whose}</strong>, what breaks first at the top. History trails the
        live journeys by a few seconds; open a journey to act on it.
      </p>
      <section aria-labelledby="counts-h">
        <h2 id="counts-h">Problems</h2>
        <ul
          class="counts"
          style="display:flex;flex-wrap:wrap;gap:8px;list-style:none;padding:0;margin:0"
        >
          <Count label="Broken" n={list.counts.broken} tone="broken" />
          <Count label="Overdue" n={list.counts.overdue} tone="overdue" />
          <Count label="At risk" n={list.counts.atRisk} tone="pending" />
          <Count label="Exceptions" n={list.counts.exceptions} tone="exception" />
          <Count label="Waiting on us" n={list.counts.waitingOnUs} tone="open" />
          <Count label="Open journeys" n={list.counts.journeys} tone="neutral" />
        </ul>
      </section>
      <details>
        <summary>Another owner or team</summary>
        <div style={FIELDS_STYLE}>
          <form method="get" action="/console/worklist" style={FIELD_STYLE}>
            <label for="wl-owner">Owner id</label>
            <input
              id="wl-owner"
              name="owner"
              type="text"
              maxlength={200}
              value={team === undefined ? owner : ""}
            />
            <button type="submit">Show owner</button>
          </form>
          <form method="get" action="/console/worklist" style={FIELD_STYLE}>
            <label for="wl-team">Team</label>
            <input id="wl-team" name="team" type="text" maxlength={200} value={team ?? ""} />
            <button type="submit">Show team</button>
          </form>
        </div>
      </details>
      <h2 id="list-h">Journeys</h2>
      {list.items.length === 0 ? (
        <p>No open journeys{cursor ? " on this page" : ""}.</p>
      ) : (
        <ListTable
          label="Worklist journeys"
          labelledBy="list-h"
          class="worklist"
          cols={["Problem", "Journey", "Status", "Customer", "Owner", "Next due", "Updated"]}
        >
          {list.items.map((i) => (
            <Row item={i} />
          ))}
        </ListTable>
      )}
      <Pager
        path="/console/worklist"
        params={params}
        cursor={cursor}
        nextCursor={list.nextCursor}
      />
      <p class="small muted">
        As of <time datetime={list.asOf}>{list.asOf.slice(0, 16).replace("T", " ")} UTC</time>.
      </p>
    </Page>,
  );
});
