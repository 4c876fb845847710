import { CustomerId, LIMITS, redactText } from "@baton/core";
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { checkScope, requireScope } from "../http/auth";
import { unwrap } from "../http/errors";
import { fail } from "../http/problem";
import { customerStub, journeyStub, workspaceStub } from "../objects/access";
import type { CustomerView } from "../objects/customer/types";
import { recordAudit, type AuditEntry } from "../objects/workspace/audit";
import { auditSource } from "./audit";

/**
 * GET /v1/customers/:id/export: everything Baton holds about one customer, as one JSON
 * document streamed as it is read (docs/privacy.md "Export"). The customer records are read
 * before the answer starts, so an unknown customer is a clean 404; each journey is then read
 * from its own object, its event log page by page, so no journey's history is ever held whole
 * in memory.
 */
export const customerExport = new Hono<AppEnv>();

/** Longest chain of merges followed from the requested id to the customer that absorbed it. */
const MAX_MERGE_HOPS = 20;
/** Most absorbed customers whose own records are added (`mergedCustomers`). */
const MAX_MERGED_CUSTOMERS = 200;

export interface ExportPlan {
  workspace: string;
  requestedId: string;
  /** The ids followed from the requested customer to the one that holds it now. */
  mergePath: string[];
  customer: CustomerView;
  /** Customers merged into `customer` (merges not undone, recursively), as their objects keep them. */
  mergedCustomers: CustomerView[];
}

async function readCustomer(env: Env, ws: string, id: string): Promise<CustomerView> {
  return unwrap(await customerStub(env, ws, id).view(ws, id));
}

/**
 * Reads the customer, following merges to the survivor: a customer merged into another is the
 * same person by the workspace's own record, and the survivor now holds its identifiers and
 * journeys. 404 when the id names no customer of this workspace.
 */
export async function planExport(env: Env, ws: string, requestedId: string): Promise<ExportPlan> {
  if (!CustomerId.safeParse(requestedId).success) {
    fail(404, "customer_not_found", "Customer not found");
  }
  const mergePath: string[] = [];
  let customer = await readCustomer(env, ws, requestedId);
  while (customer.mergedInto) {
    if (mergePath.length >= MAX_MERGE_HOPS || mergePath.includes(customer.mergedInto)) {
      fail(409, "customer_merged", "Customer was merged", "the chain of merges does not end", {
        mergedInto: customer.mergedInto,
      });
    }
    mergePath.push(customer.id);
    customer = await readCustomer(env, ws, customer.mergedInto);
  }
  if (mergePath.length > 0) mergePath.push(customer.id);

  const mergedCustomers: CustomerView[] = [];
  const seen = new Set([customer.id]);
  let frontier = [customer];
  while (frontier.length > 0 && mergedCustomers.length < MAX_MERGED_CUSTOMERS) {
    const ids = frontier.flatMap((c) =>
      c.merges
        .filter((m) => m.role === "survivor" && m.undoneAt === null && !seen.has(m.otherCustomerId))
        .map((m) => m.otherCustomerId),
    );
    for (const id of ids) seen.add(id);
    const views = await Promise.all(
      ids.map(async (id) => {
        const r = await customerStub(env, ws, id).view(ws, id);
        return r.ok ? r.value : null;
      }),
    );
    frontier = views.filter((v): v is CustomerView => v !== null);
    mergedCustomers.push(...frontier.slice(0, MAX_MERGED_CUSTOMERS - mergedCustomers.length));
  }
  return { workspace: ws, requestedId, mergePath, customer, mergedCustomers };
}

const json = (v: unknown): string => JSON.stringify(v);

/** Most audit entries read per customer id (200 a page). */
const MAX_AUDIT_PAGES = 50;

/**
 * The audit entries about the exported customer, the customers merged into it and the id
 * asked for, oldest first, each once.
 */
export async function auditOf(env: Env, plan: ExportPlan): Promise<AuditEntry[]> {
  const ws = plan.workspace;
  const ids = new Set([
    plan.customer.id,
    plan.requestedId,
    ...plan.mergePath,
    ...plan.mergedCustomers.map((c) => c.id),
  ]);
  const byId = new Map<string, AuditEntry>();
  for (const customer of ids) {
    let cursor: string | undefined;
    for (let page = 0; page < MAX_AUDIT_PAGES; page++) {
      const got = await workspaceStub(env, ws).audit({ customer, limit: 200, cursor });
      for (const e of got.items) byId.set(e.id, e);
      if (got.nextCursor === null) break;
      cursor = got.nextCursor;
    }
  }
  // Ids are increasing numbers (as strings) in write order: the tie-break within an instant.
  return [...byId.values()].sort(
    (a, b) => a.at.localeCompare(b.at) || Number(a.id) - Number(b.id) || a.id.localeCompare(b.id),
  );
}

/**
 * The export as JSON text, piece by piece. Each journey is a snapshot: its context is read
 * first and its events are read up to that context's `seq`, so the journey, its events and its
 * promises agree even while the journey keeps receiving writes.
 */
export async function* exportChunks(
  env: Env,
  plan: ExportPlan,
  audit: () => Promise<unknown[] | null>,
): AsyncGenerator<string> {
  const { workspace: ws, customer } = plan;
  yield `{"exportedAt":${json(new Date().toISOString())},"workspace":${json(ws)}`;
  yield `,"requestedId":${json(plan.requestedId)},"mergePath":${json(plan.mergePath)}`;
  yield `,"customer":${json(customer)},"identifiers":${json(customer.identifiers)}`;
  yield `,"mergedCustomers":${json(plan.mergedCustomers)},"journeys":[`;

  // The survivor's cards list every journey it holds, including those a merge moved to it.
  const family = new Set([customer.id, ...plan.mergedCustomers.map((c) => c.id)]);
  const ids = [...new Set(customer.journeys.map((j) => j.id))];
  let first = true;
  for (const id of ids) {
    const stub = journeyStub(env, ws, id);
    const found = await stub.context(ws, id);
    // A card can trail its journey (a merge undone meanwhile): export only journeys that are
    // this customer's (or, mid-merge, one of its absorbed customers') at the time of reading.
    if (!found.ok || found.value.customerId === null || !family.has(found.value.customerId)) {
      continue;
    }
    const journey = found.value;
    yield `${first ? "" : ","}{"journey":${json(journey)},"events":[`;
    first = false;
    let after = 0;
    let firstEvent = true;
    while (after < journey.seq) {
      const page = unwrap(await stub.events(ws, id, after, LIMITS.pageMax));
      const items = page.items.filter((e) => e.seq <= journey.seq);
      if (items.length > 0) {
        yield (firstEvent ? "" : ",") + items.map(json).join(",");
        firstEvent = false;
      }
      const last = page.items.at(-1);
      if (!last || page.nextAfter === null) break;
      after = last.seq;
    }
    const outreach = unwrap(await stub.outreach(ws, id));
    yield `],"promises":${json(journey.promises)},"outreach":${json(outreach)}}`;
  }
  yield `],"audit":${json(await audit())}}`;
}

/** A byte stream that reads the next piece only when the client is ready for it. */
export function streamOf(chunks: AsyncGenerator<string>, what: string): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (e) {
        // The 200 is already on its way: end the body abruptly, so the client sees a broken
        // (unparseable) document rather than a complete-looking one that misses data.
        console.error(
          redactText(`export of ${what} failed mid-stream:`).text,
          redactText(String(e instanceof Error ? e.stack : e)).text,
        );
        controller.error(e);
      }
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}

customerExport.get("/:id/export", requireScope("customers:read"), async (c) => {
  const principal = c.get("principal");
  // The export carries every event of every journey: the key must be able to read journeys too.
  checkScope(principal, "journeys:read");
  const ws = principal.workspace;
  const plan = await planExport(c.env, ws, c.req.param("id"));
  // Recorded before the first byte leaves: an export cut short has still disclosed something.
  await recordAudit(c.env, ws, auditSource(c), [
    {
      action: "customer.exported",
      customerId: plan.customer.id,
      target: {
        requestedId: plan.requestedId,
        journeys: plan.customer.journeys.length,
        mergedCustomers: plan.mergedCustomers.length,
      },
    },
  ]);
  // Audit entries name keys, people and addresses of staff: only a key that may read the
  // audit log gets them; for any other key `audit` is null.
  const mayAudit = principal.scopes.includes("audit:read") || principal.scopes.includes("admin");
  const audit = () => (mayAudit ? auditOf(c.env, plan) : Promise.resolve(null));
  const body = streamOf(exportChunks(c.env, plan, audit), `${ws}/${plan.customer.id}`);
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "content-disposition": `attachment; filename="${plan.customer.id}.json"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
});
