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
import type { LinkedIdentifier, PendingLinkView } from "../objects/customer/types";
import { workspaceSettings } from "../objects/workspace/settings";
import { recordAudit, type AuditEntryInput, type AuditSource } from "../objects/workspace/audit";
import type { MergeOutcome } from "../identity/merge";
import { auditSource } from "./audit";

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
  return await customerView(c.env, c.get("principal").workspace, id);
}

/** A customer's view (a merged-away one too, with `mergedInto`), or 404 customer_not_found. */
export async function customerView(env: Env, ws: string, id: string) {
  return unwrap(await customerStub(env, ws, id).view(ws, id));
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

/** Audit entries of a link made by linkOrMerge: the link, and the merge it caused, if any. */
function linkEntries(
  customerId: string,
  identifier: LinkedIdentifier,
  merge: MergeOutcome | null,
): AuditEntryInput[] {
  const entries: AuditEntryInput[] = [
    {
      action: "identifier.linked",
      customerId,
      identifier: { type: identifier.type, key: identifier.key },
      target: { source: identifier.source },
      before: merge ? { customerId: merge.absorbedId } : null,
      after: { customerId, verification: identifier.verification },
    },
  ];
  if (merge) entries.push(mergeEntry(merge));
  return entries;
}

function mergeEntry(merge: MergeOutcome): AuditEntryInput {
  return {
    action: "customer.merged",
    customerId: merge.survivorId,
    otherCustomerId: merge.absorbedId,
    target: { mergeId: merge.mergeId },
    after: {
      survivorId: merge.survivorId,
      absorbedId: merge.absorbedId,
      identifiers: merge.identifiers,
      journeys: merge.journeys,
    },
  };
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
  const ws = c.get("principal").workspace;
  await recordAudit(c.env, ws, auditSource(c, input.actor), linkEntries(id, identifier, merge));
  return c.json({ identifier, merge, customer: await view(c, id) }, 201);
});

customers.delete("/:id/identifiers/:type/:value", write, async (c) => {
  const id = customerIdOf(c);
  const ws = c.get("principal").workspace;
  const parsed = Identifier.safeParse({ type: c.req.param("type"), value: c.req.param("value") });
  if (!parsed.success) fail(404, "identifier_not_found", "Identifier not linked");
  const identifier = await normalizeOne(c, parsed.data, "asserted", "api");
  const removed = unwrap(await customerStub(c.env, ws, id).unlink(identifier.key));
  await identityStub(c.env, ws, identifier.key).unlink(ws, id);
  await recordAudit(c.env, ws, auditSource(c), [
    {
      action: "identifier.unlinked",
      customerId: id,
      identifier: { type: removed.type, key: removed.key },
      before: { customerId: id, verification: removed.verification, source: removed.source },
      after: null,
    },
  ]);
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
  const ws = c.get("principal").workspace;
  const merge = await mergeAndRecord(
    c.env,
    ws,
    id,
    input.customerId,
    input.reason,
    input.actor,
    auditSource(c, input.actor),
  );
  return c.json({ merge, customer: await view(c, id) }, 201);
});

/**
 * Merges `absorbedId` into `survivorId` (both must exist) and records it in the audit log.
 * Shared by POST /v1/customers/:id/merges and the console's customer page.
 */
export async function mergeAndRecord(
  env: Env,
  ws: string,
  survivorId: string,
  absorbedId: string,
  reason: string,
  actor: unknown,
  source: AuditSource,
): Promise<MergeOutcome> {
  await customerView(env, ws, survivorId);
  await customerView(env, ws, absorbedId);
  const merge = unwrap(await mergeCustomers(env, ws, survivorId, absorbedId, reason, actor));
  await recordAudit(env, ws, source, [mergeEntry(merge)]);
  return merge;
}

customers.post("/:id/merges/:mergeId/undo", write, async (c) => {
  const id = customerIdOf(c);
  const ws = c.get("principal").workspace;
  const out = await undoMergeAndRecord(c.env, ws, id, c.req.param("mergeId"), auditSource(c));
  return c.json({
    ...out,
    customer: await view(c, id),
    restored: await view(c, out.restoredCustomerId),
  });
});

/**
 * Undoes merge `mergeId` of survivor `id` and records it in the audit log. Shared by
 * POST /v1/customers/:id/merges/:mergeId/undo and the console's customer page.
 */
export async function undoMergeAndRecord(
  env: Env,
  ws: string,
  id: string,
  mergeId: string,
  source: AuditSource,
): Promise<{ mergeId: string; restoredCustomerId: string }> {
  const out = unwrap(await unmergeCustomers(env, ws, id, mergeId));
  await recordAudit(env, ws, source, [
    {
      action: "merge.undone",
      customerId: id,
      otherCustomerId: out.restoredCustomerId,
      target: { mergeId: out.mergeId },
      before: { survivorId: id, absorbedId: out.restoredCustomerId },
      after: { restoredCustomerId: out.restoredCustomerId },
    },
  ]);
  return out;
}

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
  await recordAudit(c.env, ws, auditSource(c), [
    {
      action: "verification.started",
      customerId: id,
      identifier: { type: identifier.type, key: identifier.key },
      target: { verificationId: issued.id, expiresAt: issued.expiresAt },
    },
  ]);
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
  const vid = c.req.param("vid");
  const result = await stub.confirmVerification(vid, input.code);
  if (!result.ok && result.error.code !== "verification_not_found") {
    // A wrong or expired code used up an attempt: recorded, then refused as before.
    const attemptsLeft =
      result.error.code === "verification_failed" ? result.error.attemptsLeft : undefined;
    await recordAudit(c.env, ws, auditSource(c, input.actor), [
      {
        action: "verification.failed",
        customerId: id,
        target: { verificationId: vid, reason: result.error.code, attemptsLeft },
      },
    ]);
  }
  const checked = unwrap(result);
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
  const settled: AuditEntryInput[] = [];
  for (const p of customer.pendingLinks) {
    if (p.status === "pending" && `${p.identifier.type}:${p.identifier.value}` === identifier.key) {
      await stub.settlePending(p.id, "confirmed");
      settled.push(pendingEntry("pending_link.confirmed", id, p, identifier));
    }
  }
  await recordAudit(c.env, ws, auditSource(c, input.actor), [
    {
      action: "verification.confirmed",
      customerId: id,
      identifier: { type: identifier.type, key: identifier.key },
      target: { verificationId: vid },
    },
    ...linkEntries(id, identifier, merge),
    ...settled,
  ]);
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
  await recordAudit(c.env, ws, auditSource(c, input.actor), [
    pendingEntry("pending_link.confirmed", id, pending, identifier),
    ...linkEntries(id, identifier, merge),
  ]);
  return c.json({ merge, customer: await view(c, id) });
});

customers.post("/:id/pending-links/:pid/reject", write, async (c) => {
  const id = customerIdOf(c);
  const ws = c.get("principal").workspace;
  const input = await jsonBody(c, SettleInput);
  const pending = (await view(c, id)).pendingLinks.find((p) => p.id === c.req.param("pid"));
  if (!pending) fail(404, "pending_link_not_found", "Pending link not found");
  if (pending.status !== "pending") {
    fail(409, "pending_link_settled", "Pending link already settled", `it is ${pending.status}`);
  }
  unwrap(await customerStub(c.env, ws, id).settlePending(pending.id, "rejected"));
  const { type, value } = pending.identifier;
  await recordAudit(c.env, ws, auditSource(c, input.actor), [
    pendingEntry("pending_link.rejected", id, pending, { type, key: `${type}:${value}` }),
  ]);
  return c.json(await view(c, id));
});

/** A pending link's settlement; the other customer is the one the identifier belonged to. */
function pendingEntry(
  action: "pending_link.confirmed" | "pending_link.rejected",
  customerId: string,
  pending: PendingLinkView,
  identifier: { type: string; key: string },
): AuditEntryInput {
  return {
    action,
    customerId,
    otherCustomerId: pending.otherCustomerId,
    identifier: { type: identifier.type, key: identifier.key },
    target: { pendingLinkId: pending.id },
    before: { status: "pending" },
    after: { status: action === "pending_link.confirmed" ? "confirmed" : "rejected" },
  };
}
