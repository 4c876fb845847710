import { CustomerId, Identifier, LIMITS, Verification } from "@baton/core";
import { Hono, type Context } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env";
import { requireScope } from "../http/auth";
import { unwrap } from "../http/errors";
import { fail } from "../http/problem";
import { jsonBody } from "../http/validate";
import { mergeCustomers, unmergeCustomers } from "../identity/merge";
import { normalizeIdentifiers } from "../ingest/normalize";
import { customerStub, identityStub } from "../objects/access";
import type { LinkedIdentifier } from "../objects/customer/types";
import { workspaceSettings } from "../objects/workspace/settings";

export const customers = new Hono<AppEnv>();

const read = requireScope("customers:read");
const write = requireScope("customers:write");
const Actor = z.strictObject({
  kind: z.enum(["agent", "bot", "system"]),
  id: z.string().max(LIMITS.labelChars).optional(),
  name: z.string().max(LIMITS.labelChars).optional(),
});

function customerIdOf(c: Context<AppEnv>): string {
  const id = c.req.param("id") ?? "";
  if (!CustomerId.safeParse(id).success) fail(404, "customer_not_found", "Customer not found");
  return id;
}

async function view(c: Context<AppEnv>, id: string) {
  const ws = c.get("principal").workspace;
  return unwrap(await customerStub(c.env, ws, id).view(ws, id));
}

async function normalizeOne(
  c: Context<AppEnv>,
  identifier: Identifier,
  verification: Verification,
  source: string,
) {
  const settings = await workspaceSettings(c.env, c.get("principal").workspace);
  const { linked } = unwrap(
    normalizeIdentifiers(
      [{ ...identifier, verification }],
      settings,
      source,
      verification,
      () => "identifier.value",
    ),
  );
  const first = linked[0];
  if (!first)
    fail(
      422,
      "invalid_identifier",
      "An identifier cannot be used",
      "anonymous or withheld callers cannot be linked",
    );
  return first;
}

/**
 * Links `identifier` to `customerId` with its provenance. When it belongs to another customer,
 * the two are merged (the caller asserted or verified the link); the merge is recorded.
 */
async function linkOrMerge(
  c: Context<AppEnv>,
  customerId: string,
  identifier: LinkedIdentifier,
  reason: string,
  actor: unknown,
) {
  const ws = c.get("principal").workspace;
  const link = await identityStub(c.env, ws, identifier.key).claim(
    ws,
    identifier.key,
    customerId,
    identifier.source,
    identifier.verification,
  );
  let merge = null;
  if (link.customerId !== customerId) {
    merge = unwrap(await mergeCustomers(c.env, ws, customerId, link.customerId, reason, actor));
  }
  unwrap(await customerStub(c.env, ws, customerId).link(ws, customerId, identifier));
  return merge;
}

customers.get("/:id", read, async (c) => c.json(await view(c, customerIdOf(c))));

export const LinkInput = z.strictObject({
  identifier: Identifier.omit({ verification: true }),
  verification: Verification.exclude(["claimed"]).default("asserted"),
  actor: Actor.optional(),
  reason: z.string().min(1).max(LIMITS.sentenceChars).optional(),
});

customers.post("/:id/identifiers", write, async (c) => {
  const id = customerIdOf(c);
  await view(c, id);
  const input = await jsonBody(c, LinkInput);
  const identifier = await normalizeOne(c, input.identifier, input.verification, "api");
  const merge = await linkOrMerge(
    c,
    id,
    identifier,
    input.reason ?? `linked ${identifier.key} through the API`,
    input.actor,
  );
  return c.json({ identifier, merge, customer: await view(c, id) }, 201);
});

customers.delete("/:id/identifiers/:type/:value", write, async (c) => {
  const id = customerIdOf(c);
  const ws = c.get("principal").workspace;
  const parsed = Identifier.safeParse({ type: c.req.param("type"), value: c.req.param("value") });
  if (!parsed.success) fail(404, "identifier_not_found", "Identifier not linked");
  const identifier = await normalizeOne(c, parsed.data, "asserted", "api");
  unwrap(await customerStub(c.env, ws, id).unlink(identifier.key));
  await identityStub(c.env, ws, identifier.key).unlink(ws, id);
  return c.json(await view(c, id));
});

export const MergeInput = z.strictObject({
  customerId: CustomerId,
  reason: z.string().min(1).max(LIMITS.sentenceChars),
  actor: Actor.optional(),
});

customers.post("/:id/merges", write, async (c) => {
  const id = customerIdOf(c);
  const input = await jsonBody(c, MergeInput);
  if (input.customerId === id)
    fail(
      422,
      "validation_failed",
      "Cannot merge a customer into itself",
      "customerId: must be another customer",
    );
  await view(c, id);
  await view(c, input.customerId);
  const ws = c.get("principal").workspace;
  const merge = unwrap(
    await mergeCustomers(c.env, ws, id, input.customerId, input.reason, input.actor),
  );
  return c.json({ merge, customer: await view(c, id) }, 201);
});

customers.post("/:id/merges/:mergeId/undo", write, async (c) => {
  const id = customerIdOf(c);
  const ws = c.get("principal").workspace;
  const out = unwrap(await unmergeCustomers(c.env, ws, id, c.req.param("mergeId")));
  return c.json({
    ...out,
    customer: await view(c, id),
    restored: await view(c, out.restoredCustomerId),
  });
});

export const VerificationInput = z.strictObject({
  identifier: Identifier.omit({ verification: true }),
});

/** Starts a one-time code check; Baton returns the code for the caller to deliver. */
customers.post("/:id/verifications", write, async (c) => {
  const id = customerIdOf(c);
  await view(c, id);
  const input = await jsonBody(c, VerificationInput);
  const identifier = await normalizeOne(c, input.identifier, "verified", "otp");
  const ws = c.get("principal").workspace;
  const issued = await customerStub(c.env, ws, id).startVerification({
    key: identifier.key,
    type: identifier.type,
    value: identifier.value,
  });
  return c.json({ ...issued, identifier: { type: identifier.type, value: identifier.value } }, 201);
});

export const ConfirmInput = z.strictObject({
  code: z.string().regex(/^\d{6}$/, "six digits"),
  actor: Actor.optional(),
});

/** Confirms the code: the identifier becomes a verified link; another owner is merged in. */
customers.post("/:id/verifications/:vid/confirm", write, async (c) => {
  const id = customerIdOf(c);
  const ws = c.get("principal").workspace;
  const input = await jsonBody(c, ConfirmInput);
  const stub = customerStub(c.env, ws, id);
  const checked = unwrap(await stub.confirmVerification(c.req.param("vid"), input.code));
  const identifier = await normalizeOne(
    c,
    { type: checked.type as Identifier["type"], value: checked.value },
    "verified",
    "otp",
  );
  const merge = await linkOrMerge(
    c,
    id,
    identifier,
    `one-time code confirmed ${identifier.key}`,
    input.actor,
  );
  const customer = await view(c, id);
  for (const p of customer.pendingLinks) {
    if (p.status === "pending" && `${p.identifier.type}:${p.identifier.value}` === identifier.key) {
      await stub.settlePending(p.id, "confirmed");
    }
  }
  return c.json({ identifier, merge, customer: await view(c, id) });
});

export const SettleInput = z.strictObject({
  actor: Actor.optional(),
  reason: z.string().min(1).max(LIMITS.sentenceChars).optional(),
});

/** An agent confirms a pending link: the identifier's customer is merged into this one. */
customers.post("/:id/pending-links/:pid/confirm", write, async (c) => {
  const id = customerIdOf(c);
  const ws = c.get("principal").workspace;
  const input = await jsonBody(c, SettleInput);
  const stub = customerStub(c.env, ws, id);
  const pending = (await view(c, id)).pendingLinks.find((p) => p.id === c.req.param("pid"));
  if (!pending) fail(404, "pending_link_not_found", "Pending link not found");
  if (pending.status !== "pending")
    fail(409, "pending_link_settled", "Pending link already settled", `it is ${pending.status}`);
  const identifier = await normalizeOne(c, pending.identifier, "asserted", "agent");
  const merge = await linkOrMerge(
    c,
    id,
    identifier,
    input.reason ?? `agent confirmed ${identifier.key}`,
    input.actor,
  );
  await stub.settlePending(pending.id, "confirmed");
  return c.json({ merge, customer: await view(c, id) });
});

customers.post("/:id/pending-links/:pid/reject", write, async (c) => {
  const id = customerIdOf(c);
  const ws = c.get("principal").workspace;
  await jsonBody(c, SettleInput);
  const pending = (await view(c, id)).pendingLinks.find((p) => p.id === c.req.param("pid"));
  if (!pending) fail(404, "pending_link_not_found", "Pending link not found");
  if (pending.status !== "pending") {
    fail(409, "pending_link_settled", "Pending link already settled", `it is ${pending.status}`);
  }
  unwrap(await customerStub(c.env, ws, id).settlePending(pending.id, "rejected"));
  return c.json(await view(c, id));
});
