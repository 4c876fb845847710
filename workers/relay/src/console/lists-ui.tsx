/**
 * Small pieces shared by the console's list pages (worklist, search, customer, dashboard):
 * times, status badges, scrollable tables, pagers, query reading and the audit source of a
 * console action. Everything renders through hono/jsx, which escapes every string: customer
 * and provider text is always shown as characters, never as markup.
 */
import type { Context } from "hono";
import type { AuditSource } from "../objects/workspace/audit";
import { USER_AGENT_CHARS } from "../objects/workspace/audit";
import type { ConsoleEnv } from "./context";
import { actorOf } from "./pop";
import { utc } from "./ui";

// hono/jsx children: any renderable node.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Children = any;

/** "5 Dec 16:20 UTC" in a <time> element (as on the journey page); "—" for none. */
export function When(props: { at: string | null | undefined }) {
  if (!props.at) return <span class="muted">—</span>;
  return (
    <time datetime={props.at} title={props.at}>
      {utc(props.at)}
    </time>
  );
}

const STATUS_CLASS: Record<string, string> = {
  open: "open",
  waiting_on_company: "overdue",
  waiting_on_customer: "neutral",
  resolved: "resolved",
};

/** A journey status as a badge with words (never colour alone). */
export function StatusBadge(props: { status: string }) {
  return (
    <span class={`badge ${STATUS_CLASS[props.status] ?? "neutral"}`}>
      {props.status.replace(/_/g, " ")}
    </span>
  );
}

/**
 * A wide table that scrolls sideways inside a 400 px sidebar. The region is focusable so that
 * keyboard users can scroll it too, and named after the table.
 */
export function Scroll(props: { label: string; children?: Children }) {
  return (
    <div
      class="scroll"
      role="region"
      aria-label={props.label}
      tabindex={0}
      style="overflow-x:auto;max-width:100%"
    >
      {props.children}
    </div>
  );
}

/** A row of filter fields that wraps at narrow widths. */
export const FIELDS_STYLE = "display:flex;flex-wrap:wrap;gap:4px 16px;align-items:flex-end";
export const FIELD_STYLE = "flex:1 1 12rem;min-width:10rem;max-width:20rem";

/** One labelled field of such a row: the label for the control with id `id`, then the control. */
export function Field(props: { id: string; label: string; children?: Children }) {
  return (
    <div style={FIELD_STYLE}>
      <label for={props.id}>{props.label}</label>
      {props.children}
    </div>
  );
}
/** console.css styles most inputs; date inputs get the same look here. */
export const DATE_STYLE =
  "width:100%;padding:5px 7px;border:1px solid #8c959f;border-radius:4px;background:#fff;color:#1b1f24";

/** `href` with the given query parameters (empty and undefined ones left out). */
export function withQuery(path: string, params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/**
 * A list table in its scroll region: named by the heading `labelledBy`, one column heading a
 * name in `cols`, the rows as children.
 */
export function ListTable(props: {
  label: string;
  labelledBy: string;
  class?: string;
  cols: string[];
  children?: Children;
}) {
  return (
    <Scroll label={props.label}>
      <table aria-labelledby={props.labelledBy} class={props.class}>
        <thead>
          <tr>
            {props.cols.map((col) => (
              <th scope="col">{col}</th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </Scroll>
  );
}

/** A journey's cell: its reason (the text, else the topic, else the id) linking to its page. */
export function JourneyCell(props: { id: string; text: string | null; topic: string | null }) {
  return (
    <td>
      <a href={journeyHref(props.id)}>{props.text ?? props.topic ?? props.id}</a>
      {props.topic && props.text ? <div class="small muted">{props.topic}</div> : null}
    </td>
  );
}

/** A customer's cell: a link to the customer's page; "—" for none. */
export function CustomerCell(props: { id: string | null }) {
  return (
    <td>
      {props.id ? (
        <a href={customerHref(props.id)} class="small">
          {props.id}
        </a>
      ) : (
        <span class="muted">—</span>
      )}
    </td>
  );
}

/** An owner's cell: the name (else the id, else "—") and the team under it. */
export function OwnerCell(props: { id: string | null; name: string | null; team: string | null }) {
  return (
    <td>
      {props.name ?? props.id ?? <span class="muted">—</span>}
      {props.team ? <div class="small muted">{props.team}</div> : null}
    </td>
  );
}

/** "Next page" and "First page" links for keyset or offset paging. */
export function Pager(props: {
  path: string;
  params: Record<string, string | undefined>;
  cursor: string | undefined;
  nextCursor: string | null;
}) {
  if (!props.cursor && !props.nextCursor) return null;
  return (
    <nav class="pager" aria-label="Pages">
      {props.cursor ? (
        <a href={withQuery(props.path, { ...props.params, cursor: undefined })}>First page</a>
      ) : null}
      {props.cursor && props.nextCursor ? " · " : null}
      {props.nextCursor ? (
        <a href={withQuery(props.path, { ...props.params, cursor: props.nextCursor })} rel="next">
          Next page
        </a>
      ) : null}
    </nav>
  );
}

/** A query parameter, trimmed; empty counts as absent. */
export function param(c: Context<ConsoleEnv>, name: string): string | undefined {
  const v = c.req.query(name)?.trim();
  return v ? v : undefined;
}

/**
 * The audit source of a console action: the console itself acted (there is no API key), on
 * behalf of the signed-in person, named as the screen pop names them (pop.tsx `actorOf`).
 */
export function consoleAuditSource(c: Context<ConsoleEnv>): AuditSource {
  const person = actorOf(c.get("person"));
  return {
    actor: { type: "system", name: "console" },
    person: { kind: person.kind, id: person.id, name: person.name },
    ip: c.req.header("cf-connecting-ip")?.slice(0, 64) ?? null,
    userAgent: c.req.header("user-agent")?.slice(0, USER_AGENT_CHARS) ?? null,
  };
}

/** Links to a journey's and a customer's console pages. */
export const journeyHref = (id: string) => `/console/journeys/${encodeURIComponent(id)}`;
export const customerHref = (id: string) => `/console/customers/${encodeURIComponent(id)}`;
