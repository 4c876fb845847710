/**
 * The customer page (docs/console.md "Search and customer page"): the customer's identifiers
 * with their provenance (where each came from) and verification, the customer's journeys, its
 * merges and pending links; for admins, merge another customer in and undo a merge. Merge and
 * undo make the same calls as POST /v1/customers/:id/merges and …/merges/:mergeId/undo
 * (routes/customers.ts `mergeAndRecord`, `undoMergeAndRecord`), audit log entries included.
 */
import { CustomerId, LIMITS } from "@baton/core";
import { Hono, type Context } from "hono";
import * as z from "zod";
import { fail, ProblemError } from "../http/problem";
import { check } from "../http/validate";
import type { CustomerView, MergeView } from "../objects/customer/types";
import { customerView, mergeAndRecord, undoMergeAndRecord } from "../routes/customers";
import type { ConsoleEnv } from "./context";
import { roleAtLeast } from "./context";
import { CsrfField, html, Page } from "./layout";
import { actorOf } from "./pop";
import {
  consoleAuditSource,
  customerHref,
  journeyHref,
  ListTable,
  StatusBadge,
  When,
} from "./lists-ui";

export const customerPages = new Hono<ConsoleEnv>();

function customerIdOf(c: Context<ConsoleEnv>): string {
  const id = c.req.param("id") ?? "";
  if (!CustomerId.safeParse(id).success) fail(404, "customer_not_found", "Customer not found");
  return id;
}

const isAdmin = (c: Context<ConsoleEnv>) => roleAtLeast(c.get("person").role, "admin");

/** Refused before the form is read: the console's error page says why (index.tsx onError). */
function requireAdmin(c: Context<ConsoleEnv>): void {
  if (!isAdmin(c)) {
    fail(
      403,
      "forbidden",
      "Admins only",
      "Merging and unmerging customers needs the admin role. Nothing was changed.",
    );
  }
}

function VerificationBadge(props: { v: string }) {
  const tone = props.v === "verified" ? "verified" : props.v === "asserted" ? "open" : "neutral";
  return <span class={`badge ${tone}`}>{props.v}</span>;
}

function describeActor(actor: unknown): string | null {
  if (!actor || typeof actor !== "object") return null;
  const a = actor as { kind?: unknown; id?: unknown; name?: unknown };
  const name = typeof a.name === "string" ? a.name : typeof a.id === "string" ? a.id : null;
  return name ?? (typeof a.kind === "string" ? a.kind : null);
}

function UndoButton(props: { c: Context<ConsoleEnv>; customerId: string; mergeId: string }) {
  return (
    <form
      method="post"
      action={`${customerHref(props.customerId)}/merges/${encodeURIComponent(props.mergeId)}/undo`}
      class="inline"
    >
      <CsrfField c={props.c} />
      <button type="submit" class="secondary" aria-label={`Undo merge ${props.mergeId}`}>
        Undo merge
      </button>
    </form>
  );
}

function Merges(props: { c: Context<ConsoleEnv>; view: CustomerView; admin: boolean }) {
  const { view } = props;
  if (view.merges.length === 0) return <p class="muted">No merges.</p>;
  return (
    <ListTable
      label="Merges table"
      labelledBy="merges-h"
      cols={["Merge", "Other customer", "Reason", "When", "State"]}
    >
      {view.merges.map((m: MergeView) => (
        <tr data-merge={m.id}>
          <td>
            {m.role === "survivor" ? "took in" : "was merged into"}
            <div class="small muted">{m.id}</div>
          </td>
          <td>
            <a href={customerHref(m.otherCustomerId)}>{m.otherCustomerId}</a>
          </td>
          <td>
            <span class="text">{m.reason}</span>
            {describeActor(m.actor) ? (
              <div class="small muted">by {describeActor(m.actor)}</div>
            ) : null}
          </td>
          <td>
            <When at={m.createdAt} />
          </td>
          <td>
            {m.undoneAt ? (
              <>
                <span class="badge neutral">undone</span> <When at={m.undoneAt} />
              </>
            ) : m.role === "survivor" && props.admin ? (
              <UndoButton c={props.c} customerId={view.id} mergeId={m.id} />
            ) : (
              <span class="badge ok">in effect</span>
            )}
          </td>
        </tr>
      ))}
    </ListTable>
  );
}

function Notice(props: { c: Context<ConsoleEnv>; view: CustomerView; admin: boolean }) {
  const { c, view } = props;
  const merged = c.req.query("merged");
  const undone = c.req.query("undone");
  const m = merged ? view.merges.find((x) => x.id === merged && x.role === "survivor") : undefined;
  if (m) {
    return (
      <div class="ok-note" role="status">
        Merged <a href={customerHref(m.otherCustomerId)}>{m.otherCustomerId}</a> into this customer.{" "}
        {!m.undoneAt && props.admin ? (
          <UndoButton c={c} customerId={view.id} mergeId={m.id} />
        ) : null}
      </div>
    );
  }
  const u = undone ? view.merges.find((x) => x.id === undone && x.undoneAt) : undefined;
  if (u) {
    return (
      <div class="ok-note" role="status">
        Merge undone: <a href={customerHref(u.otherCustomerId)}>{u.otherCustomerId}</a> is a
        customer of its own again, with what the merge had moved.
      </div>
    );
  }
  return null;
}

// Customers are found through search (by identifier or customer id).
customerPages.get("/", (c) => c.redirect("/console/search", 302));

customerPages.get("/:id", async (c) => {
  const ws = c.get("person").workspace;
  const id = customerIdOf(c);
  const view = await customerView(c.env, ws, id);
  const admin = isAdmin(c);
  return html(
    c,
    <Page c={c} title={`Customer ${id}`}>
      <h1>Customer {id}</h1>
      <p class="muted small">
        Known since <When at={view.createdAt} />
      </p>
      {view.mergedInto ? (
        <p class="notice" role="status">
          This customer was merged into{" "}
          <a href={customerHref(view.mergedInto)}>{view.mergedInto}</a>: its identifiers and
          journeys are there, and an admin can undo the merge on that page.
        </p>
      ) : null}
      <Notice c={c} view={view} admin={admin} />
      <section aria-labelledby="ids-h">
        <h2 id="ids-h">Identifiers</h2>
        {view.identifiers.length === 0 ? (
          <p class="muted">No identifiers.</p>
        ) : (
          <ListTable
            label="Identifiers table"
            labelledBy="ids-h"
            class="identifiers"
            cols={["Type", "Value", "Verification", "Provenance", "Linked"]}
          >
            {view.identifiers.map((i) => (
              <tr data-identifier={i.key}>
                <td>{i.type}</td>
                <td class="text">{i.value}</td>
                <td>
                  <VerificationBadge v={i.verification} />
                </td>
                <td>{i.source}</td>
                <td>
                  <When at={i.createdAt} />
                </td>
              </tr>
            ))}
          </ListTable>
        )}
      </section>
      <section aria-labelledby="journeys-h">
        <h2 id="journeys-h">Journeys</h2>
        {view.journeys.length === 0 ? (
          <p class="muted">No journeys.</p>
        ) : (
          <ul class="items">
            {[...view.journeys]
              .sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1))
              .map((j) => (
                <li data-journey={j.id}>
                  <a href={journeyHref(j.id)}>{j.reasonText ?? j.reasonTopic ?? j.id}</a>{" "}
                  <StatusBadge status={j.status} />
                  <div class="small muted">
                    {j.id} · updated <When at={j.updatedAt} />
                  </div>
                </li>
              ))}
          </ul>
        )}
      </section>
      {view.pendingLinks.length ? (
        <section aria-labelledby="pending-h">
          <h2 id="pending-h">Pending links</h2>
          <ul class="items">
            {view.pendingLinks.map((p) => (
              <li>
                {p.identifier.type} <span class="text">{p.identifier.value}</span> (from {p.source}
                ), belongs to <a href={customerHref(p.otherCustomerId)}>
                  {p.otherCustomerId}
                </a>: <span class="badge neutral">{p.status}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section aria-labelledby="merges-h">
        <h2 id="merges-h">Merges</h2>
        <Merges c={c} view={view} admin={admin} />
        {admin ? (
          <form method="post" action={`${customerHref(view.id)}/merges`}>
            <CsrfField c={c} />
            <fieldset>
              <legend>Merge another customer into this one</legend>
              <label for="m-customer">Customer id to merge in</label>
              <input
                id="m-customer"
                name="customerId"
                type="text"
                required
                maxlength={40}
                pattern="cus_[0-9a-z]{22}"
                placeholder="cus_…"
              />
              <label for="m-reason">Reason</label>
              <input
                id="m-reason"
                name="reason"
                type="text"
                required
                maxlength={LIMITS.sentenceChars}
              />
              <div>
                <button type="submit">Merge</button>
              </div>
              <p class="small muted">
                Its identifiers and journeys move here; the merge can be undone.
              </p>
            </fieldset>
          </form>
        ) : (
          <p class="small muted">Only admins can merge or unmerge customers.</p>
        )}
      </section>
    </Page>,
  );
});

const MergeForm = z.object({
  customerId: CustomerId,
  reason: z.string().trim().min(1).max(LIMITS.sentenceChars),
});

customerPages.post("/:id/merges", async (c) => {
  requireAdmin(c);
  const id = customerIdOf(c);
  const person = c.get("person");
  const form = await c.req.parseBody();
  const input = check(
    MergeForm,
    { customerId: String(form.customerId ?? "").trim(), reason: String(form.reason ?? "") },
    "body",
  );
  if (input.customerId === id) {
    fail(
      422,
      "validation_failed",
      "Cannot merge a customer into itself",
      "customerId: must be another customer",
    );
  }
  const actor = actorOf(person);
  const merge = await mergeAndRecord(
    c.env,
    person.workspace,
    id,
    input.customerId,
    input.reason,
    actor,
    consoleAuditSource(c),
  );
  return c.redirect(`${customerHref(id)}?merged=${encodeURIComponent(merge.mergeId)}`, 303);
});

customerPages.post("/:id/merges/:mergeId/undo", async (c) => {
  requireAdmin(c);
  const id = customerIdOf(c);
  const mergeId = c.req.param("mergeId");
  try {
    await undoMergeAndRecord(c.env, c.get("person").workspace, id, mergeId, consoleAuditSource(c));
  } catch (e) {
    // A second click on the same button: the merge is already undone; show the page.
    if (!(e instanceof ProblemError) || e.problem.code !== "merge_undone") throw e;
  }
  return c.redirect(`${customerHref(id)}?undone=${encodeURIComponent(mergeId)}`, 303);
});
