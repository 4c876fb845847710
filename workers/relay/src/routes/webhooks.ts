import { webhooksStub } from "../objects/access";
import { LIMITS } from "@baton/core";
import { Hono, type Context } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env";
import { requireScope } from "../http/auth";
import { unwrap } from "../http/errors";
import { fail } from "../http/problem";
import { check, jsonBody, query } from "../http/validate";
import { MAX_EVENT_TYPES, eventTypeProblem, webhookUrlProblem } from "../objects/webhooks/filter";
import { DEFAULT_GRACE_SECONDS, MAX_GRACE_SECONDS } from "../objects/webhooks/schema";

/** Outbound webhook subscriptions of the caller's workspace (docs/webhooks-out.md). */
export const webhooks = new Hono<AppEnv>();
webhooks.use("*", requireScope("webhooks:manage"));

export const SUBSCRIPTION_ID = /^sub_[0-9a-z]{22}$/;

const Url = z
  .string()
  .trim()
  .min(1)
  .max(2_000)
  .superRefine((url, ctx) => {
    const problem = webhookUrlProblem(url);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .transform((url) => new URL(url).href);

const EventTypes = z
  .array(z.string().max(LIMITS.labelChars))
  .min(1)
  .max(MAX_EVENT_TYPES)
  .superRefine((list, ctx) => {
    list.forEach((pattern, i) => {
      const problem = eventTypeProblem(pattern);
      if (problem) ctx.addIssue({ code: "custom", message: problem, path: [i] });
    });
  })
  .transform((list) => [...new Set(list)]);

const Description = z
  .string()
  .trim()
  .max(LIMITS.sentenceChars)
  .nullable()
  .transform((d) => (d === "" ? null : d));

export const CreateInput = z.strictObject({
  url: Url,
  description: Description.optional(),
  eventTypes: EventTypes.optional(),
  enabled: z.boolean().optional(),
});

export const PatchInput = z
  .strictObject({
    url: Url.optional(),
    description: Description.optional(),
    eventTypes: EventTypes.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), {
    message: "give at least one of url, description, eventTypes, enabled",
  });

export const RotateInput = z.strictObject({
  graceSeconds: z.number().int().min(0).max(MAX_GRACE_SECONDS).default(DEFAULT_GRACE_SECONDS),
});

export const ReplayInput = z.strictObject({
  ids: z.array(z.string().min(1).max(LIMITS.labelChars)).min(1).max(500).optional(),
});

export const Empty = z.strictObject({});

export const DeliveriesQuery = z.strictObject({
  status: z.enum(["succeeded", "failed"]).optional(),
  messageId: z.string().min(1).max(LIMITS.labelChars).optional(),
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const DeadLettersQuery = z.strictObject({
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

const stub = (c: Context<AppEnv>) => webhooksStub(c.env, c.get("principal").workspace);

/** The `:id` parameter; an id that cannot exist is a 404 without asking the object. */
function subscriptionId(c: Context<AppEnv>): string {
  const id = c.req.param("id") ?? "";
  if (!SUBSCRIPTION_ID.test(id)) {
    fail(404, "subscription_not_found", "Webhook subscription not found", `no subscription ${id}`);
  }
  return id;
}

/** A body that may be left out entirely (no Content-Type, no bytes): then `{}`. */
async function optionalBody<S extends z.ZodType>(c: Context<AppEnv>, schema: S) {
  const type = c.req.header("content-type");
  const length = c.req.header("content-length");
  if (type === undefined && (length === undefined || length === "0")) return check(schema, {});
  return jsonBody(c, schema);
}

webhooks.post("/", async (c) => {
  const input = await jsonBody(c, CreateInput);
  const ws = c.get("principal").workspace;
  const out = unwrap(await stub(c).create(ws, input));
  return c.json({ ...out.subscription, secret: out.secret }, 201, {
    location: `/v1/webhooks/${out.subscription.id}`,
  });
});

webhooks.get("/", async (c) => c.json({ items: await stub(c).list() }));

webhooks.get("/:id", async (c) => c.json(unwrap(await stub(c).get(subscriptionId(c)))));

webhooks.patch("/:id", async (c) => {
  const id = subscriptionId(c);
  const patch = await jsonBody(c, PatchInput);
  return c.json(unwrap(await stub(c).update(id, patch)));
});

webhooks.delete("/:id", async (c) => c.json(unwrap(await stub(c).remove(subscriptionId(c)))));

webhooks.get("/:id/secret", async (c) => c.json(unwrap(await stub(c).secret(subscriptionId(c)))));

webhooks.post("/:id/rotate-secret", async (c) => {
  const id = subscriptionId(c);
  const { graceSeconds } = await optionalBody(c, RotateInput);
  return c.json(unwrap(await stub(c).rotateSecret(id, graceSeconds)));
});

webhooks.get("/:id/deliveries", async (c) => {
  const id = subscriptionId(c);
  const q = query(c, DeliveriesQuery);
  return c.json(unwrap(await stub(c).attempts(id, q)));
});

webhooks.get("/:id/dead-letters", async (c) => {
  const id = subscriptionId(c);
  const q = query(c, DeadLettersQuery);
  return c.json(unwrap(await stub(c).deadLetters(id, q)));
});

webhooks.post("/:id/dead-letters/replay", async (c) => {
  const id = subscriptionId(c);
  const { ids } = await optionalBody(c, ReplayInput);
  return c.json(unwrap(await stub(c).replay(id, ids ?? null)), 202);
});

webhooks.post("/:id/retry", async (c) => {
  const id = subscriptionId(c);
  await optionalBody(c, Empty);
  return c.json(unwrap(await stub(c).retryNow(id)), 202);
});

webhooks.post("/:id/test", async (c) => {
  const id = subscriptionId(c);
  await optionalBody(c, Empty);
  return c.json(unwrap(await stub(c).sendTest(id)), 202);
});
