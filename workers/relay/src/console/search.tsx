/**
 * Search over the D1 history (docs/console.md "Search and customer page"): by customer id, by
 * an identifier (phone, email, chat visitor, user, external id: normalized the way events are,
 * then looked up on its identity object), by status, owner and a time range of last activity.
 * The query is GET /v1/journeys's (routes/journey-search.ts `searchJourneys`), newest
 * activity first, with its keyset paging. Results link to the journey and customer pages.
 */
import { CustomerId, IdentifierType, JourneyStatus, LIMITS } from "@baton/core";
import { Hono } from "hono";
import * as z from "zod";
import { callerKey } from "../context/lookup";
import { check } from "../http/validate";
import { fail } from "../http/problem";
import { identityStub } from "../objects/access";
import { workspaceSettings } from "../objects/workspace/settings";
import { searchJourneys } from "../routes/journey-search";
import type { ConsoleEnv } from "./context";
import { html, Page } from "./layout";
import {
  customerHref,
  CustomerCell,
  Field,
  FIELDS_STYLE,
  JourneyCell,
  ListTable,
  OwnerCell,
  Pager,
  param,
  StatusBadge,
  When,
} from "./lists-ui";

export const searchPages = new Hono<ConsoleEnv>();

/** Results per page: `?limit=` (1 to 100), 25 unless given. */
const PAGE_SIZE = 25;

/** A `datetime-local` value (read as UTC) or a full ISO instant. */
const UtcTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z)?$/, "must be a date and time")
  .transform((v) => {
    const withSeconds = /T\d{2}:\d{2}$/.test(v) ? `${v}:00` : v;
    return withSeconds.endsWith("Z") ? withSeconds : `${withSeconds}Z`;
  })
  .refine((v) => !Number.isNaN(Date.parse(v)), "must be a real date and time")
  .transform((v) => new Date(v).toISOString());

const SearchForm = z.strictObject({
  customer: z
    .string()
    .max(LIMITS.labelChars)
    .refine((v) => CustomerId.safeParse(v).success, "must be a customer id (cus_…)")
    .optional(),
  idType: IdentifierType.optional(),
  id: z.string().max(LIMITS.labelChars).optional(),
  status: JourneyStatus.optional(),
  owner: z.string().max(LIMITS.labelChars).optional(),
  from: UtcTime.optional(),
  to: UtcTime.optional(),
  cursor: z.string().max(400).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(PAGE_SIZE),
});
type SearchForm = z.output<typeof SearchForm>;

const FIELDS = [
  "customer",
  "idType",
  "id",
  "status",
  "owner",
  "from",
  "to",
  "cursor",
  "limit",
] as const;

/** What the identifier filter found. */
interface Found {
  key: string;
  customerId: string | null;
  verification: string | null;
  source: string | null;
}

/** The customer an identifier belongs to: normalized like an event's, then its identity object. */
async function customerByIdentifier(
  env: Env,
  ws: string,
  type: z.output<typeof IdentifierType>,
  value: string,
): Promise<Found> {
  const settings = await workspaceSettings(env, ws);
  const key = callerKey({ type, value }, settings);
  if (key === undefined || key === null) {
    fail(
      400,
      "invalid_identifier",
      "This identifier cannot be searched",
      `id: not a valid ${type}`,
    );
  }
  const found = await identityStub(env, ws, key).context(ws);
  return {
    key,
    customerId: found?.link.customerId ?? null,
    verification: found?.link.verification ?? null,
    source: found?.link.source ?? null,
  };
}

function Form(props: { raw: Record<string, string | undefined> }) {
  const r = props.raw;
  const statuses = JourneyStatus.options;
  return (
    <form method="get" action="/console/search" role="search" aria-label="Journeys">
      <div style={FIELDS_STYLE}>
        <Field id="s-idtype" label="Identifier type">
          <select id="s-idtype" name="idType">
            {IdentifierType.options.map((t) => (
              <option value={t} selected={(r.idType ?? "phone") === t}>
                {t}
              </option>
            ))}
          </select>
        </Field>
        <Field id="s-id" label="Identifier">
          <input
            id="s-id"
            name="id"
            type="search"
            maxlength={200}
            value={r.id ?? ""}
            placeholder="+14155550123"
          />
        </Field>
        <Field id="s-customer" label="Customer id">
          <input
            id="s-customer"
            name="customer"
            type="text"
            maxlength={200}
            value={r.customer ?? ""}
          />
        </Field>
        <Field id="s-status" label="Status">
          <select id="s-status" name="status">
            <option value="">any</option>
            {statuses.map((s) => (
              <option value={s} selected={r.status === s}>
                {s.replace(/_/g, " ")}
              </option>
            ))}
          </select>
        </Field>
        <Field id="s-owner" label="Owner id">
          <input id="s-owner" name="owner" type="text" maxlength={200} value={r.owner ?? ""} />
        </Field>
        <Field id="s-from" label="Active from (UTC)">
          <input id="s-from" name="from" type="datetime-local" value={r.from ?? ""} />
        </Field>
        <Field id="s-to" label="Active before (UTC)">
          <input id="s-to" name="to" type="datetime-local" value={r.to ?? ""} />
        </Field>
      </div>
      <button type="submit">Search</button>{" "}
      <a class="button secondary" href="/console/search">
        Clear
      </a>
    </form>
  );
}

searchPages.get("/", async (c) => {
  const ws = c.get("person").workspace;
  const raw: Record<string, string | undefined> = {};
  for (const f of FIELDS) raw[f] = param(c, f);
  // The identifier type alone (the select always sends one) searches nothing.
  const given = { ...raw, idType: raw.id === undefined ? undefined : raw.idType };
  const q: SearchForm = check(SearchForm, given, "query");
  if (q.from && q.to && q.from >= q.to) {
    fail(400, "invalid_query", "Invalid query parameters", "to: must be after from");
  }
  const found =
    q.id !== undefined ? await customerByIdentifier(c.env, ws, q.idType ?? "phone", q.id) : null;
  // An identifier nobody has, or of another customer than the one asked for, finds nothing.
  const none =
    found !== null &&
    (found.customerId === null || (q.customer !== undefined && q.customer !== found.customerId));
  const page = none
    ? { items: [], nextCursor: null }
    : await searchJourneys(c.env.DB, ws, {
        customer: found?.customerId ?? q.customer,
        status: q.status,
        owner: q.owner,
        updatedSince: q.from,
        updatedBefore: q.to,
        limit: q.limit,
        cursor: q.cursor,
      });
  const params = { ...raw, cursor: undefined, idType: given.idType };
  return html(
    c,
    <Page c={c} title="Search" active="search">
      <h1>Search journeys</h1>
      <p class="muted">
        Searches the history, newest activity first. It trails the live journeys by a few seconds.
      </p>
      <Form raw={raw} />
      {found ? (
        <p class={found.customerId ? "notice" : "alert"} data-found={found.key}>
          {found.customerId ? (
            <>
              <span>{found.key}</span> belongs to customer{" "}
              <a href={customerHref(found.customerId)}>{found.customerId}</a> ({found.verification},
              from {found.source}).
            </>
          ) : (
            <>
              No customer has <span>{found.key}</span>.
            </>
          )}
        </p>
      ) : null}
      <h2 id="results-h">Results</h2>
      {page.items.length === 0 ? (
        <p>No journeys match.</p>
      ) : (
        <ListTable
          label="Search results"
          labelledBy="results-h"
          class="results"
          cols={["Journey", "Status", "Customer", "Owner", "Channels", "Updated"]}
        >
          {page.items.map((j) => (
            <tr data-journey={j.id}>
              <JourneyCell id={j.id} text={j.reasonText} topic={j.reasonTopic} />
              <td>
                <StatusBadge status={j.status} />
              </td>
              <CustomerCell id={j.customerId} />
              <OwnerCell id={j.ownerId} name={j.ownerName} team={j.ownerTeam} />
              <td>{j.channels.join(", ")}</td>
              <td>
                <When at={j.updatedAt} />
              </td>
            </tr>
          ))}
        </ListTable>
      )}
      <Pager
        path="/console/search"
        params={params}
        cursor={q.cursor}
        nextCursor={page.nextCursor}
      />
    </Page>,
  );
});
