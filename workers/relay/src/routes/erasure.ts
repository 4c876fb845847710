import { Identifier, LIMITS } from "@baton/core";
import { Hono, type Context } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env";
import { requireScope } from "../http/auth";
import { unwrap } from "../http/errors";
import { fail } from "../http/problem";
import { jsonBody, query } from "../http/validate";
import { normalizeIdentifiers } from "../ingest/normalize";
import { identityObjectId, identityStub, workspaceStub } from "../objects/access";
import type { ErasurePlan } from "../erasure/job";
import type { ErasureView } from "../objects/workspace/erasures";
import { workspaceSettings } from "../objects/workspace/settings";
import { auditSource } from "./audit";
import { planExport } from "./export";

/**
 * Erasure (docs/privacy.md "Erasure"). A request plans what to erase (the customer, the
 * customers merged into it, their journeys and identifiers, read like the export reads them)
 * and hands the plan to the workspace object, which runs the job from its alarm and keeps its
 * status. A second request for the same customer, by id or by any of its identifiers, answers
 * the first job (200) and starts nothing; a new job answers 202 with `Location`.
 */
export const customerErasure = new Hono<AppEnv>();
export const erasures = new Hono<AppEnv>();

const erase = requireScope("customers:erase");
const read = requireScope("customers:read");

export const ErasureRequest = z
  .strictObject({
    customerId: z.string().max(LIMITS.labelChars).optional(),
    identifier: Identifier.omit({ verification: true }).optional(),
  })
  .refine((b) => (b.customerId === undefined) !== (b.identifier === undefined), {
    message: "give exactly one of customerId or identifier",
  });

export const ErasureListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(100).optional(),
});

function answer(c: Context<AppEnv>, out: { erasure: ErasureView; created: boolean }) {
  c.header("location", `/v1/erasures/${out.erasure.id}`);
  return c.json(out.erasure, out.created ? 202 : 200);
}

/** Plans and starts the erasure of `customerId`, or answers the job that already has it. */
async function start(c: Context<AppEnv>, customerId: string, identifier?: string) {
  const ws = c.get("principal").workspace;
  const stub = workspaceStub(c.env, ws);
  const earlier = await stub.erasureFor({ customerId });
  if (earlier) return answer(c, { erasure: earlier, created: false });
  // 404 for an unknown customer; merges are followed to the customer that holds them now.
  const plan = await planExport(c.env, ws, customerId);
  const views = [plan.customer, ...plan.mergedCustomers];
  const journeys = new Set(views.flatMap((v) => v.journeys.map((j) => j.id)));
  const identities = new Set(views.flatMap((v) => v.identifiers.map((i) => i.key)));
  if (identifier !== undefined) identities.add(identifier);
  const customers = [...new Set([plan.requestedId, ...plan.mergePath, ...views.map((v) => v.id)])];
  const erasurePlan: ErasurePlan = {
    customers,
    journeys: [...journeys],
    identities: [...identities].map((k) => identityObjectId(c.env, ws, k)),
    threads: [],
    tombstones: [],
  };
  const notes: string[] = [];
  if (plan.mergePath.length > 0) {
    notes.push(`${plan.requestedId} was merged into ${plan.customer.id}, which is erased with it`);
  }
  if (plan.mergedCustomers.length > 0) {
    notes.push(
      `${plan.mergedCustomers.length} customer(s) merged into ${plan.customer.id} are erased with it`,
    );
  }
  const out = await stub.requestErasure(
    { customerId: plan.customer.id, plan: erasurePlan, identifiers: [...identities], notes },
    auditSource(c),
  );
  return answer(c, out);
}

customerErasure.post("/:id/erasure", erase, async (c) => start(c, c.req.param("id")));

/** The job that erased this customer (or is erasing it), or 404. */
customerErasure.get("/:id/erasure", read, async (c) => {
  const ws = c.get("principal").workspace;
  const found = await workspaceStub(c.env, ws).erasureFor({ customerId: c.req.param("id") });
  if (!found) fail(404, "erasure_not_found", "No erasure for this customer");
  return c.json(found);
});

/** Starts an erasure by customer id or by identifier ("my phone is …"). */
erasures.post("/", erase, async (c) => {
  const body = await jsonBody(c, ErasureRequest);
  if (body.customerId !== undefined) return start(c, body.customerId);
  const ws = c.get("principal").workspace;
  const settings = await workspaceSettings(c.env, ws);
  const { linked } = unwrap(
    normalizeIdentifiers(
      [{ ...(body.identifier as NonNullable<typeof body.identifier>) }],
      settings,
      "erasure",
      "asserted",
      () => "identifier.value",
    ),
  );
  const key = linked[0]?.key;
  if (!key)
    fail(404, "customer_not_found", "Customer not found", "no customer has this identifier");
  const earlier = await workspaceStub(c.env, ws).erasureFor({ identifier: key });
  if (earlier) return answer(c, { erasure: earlier, created: false });
  const link = await identityStub(c.env, ws, key).lookup(ws);
  if (!link || "erased" in link) {
    fail(404, "customer_not_found", "Customer not found", "no customer has this identifier");
  }
  return start(c, link.customerId, key);
});

erasures.get("/", read, async (c) => {
  const q = query(c, ErasureListQuery);
  return c.json(
    await workspaceStub(c.env, c.get("principal").workspace).erasures(q.limit, q.cursor),
  );
});

erasures.get("/:id", read, async (c) => {
  const found = await workspaceStub(c.env, c.get("principal").workspace).erasure(c.req.param("id"));
  if (!found) fail(404, "erasure_not_found", "Erasure not found");
  return c.json(found);
});
