import { EventInput } from "@baton/core";
import { Hono } from "hono";
import { requireScope } from "../http/auth";
import { unwrap } from "../http/errors";
import { idempotencyOf, jsonBody } from "../http/validate";
import type { AppEnv } from "../env";
import { ingestEvent } from "../ingest/pipeline";
import { workspaceSettings } from "../objects/workspace/settings";

export const events = new Hono<AppEnv>();

events.post("/", requireScope("events:write"), async (c) => {
  const input = await jsonBody(c, EventInput);
  const { idempotencyKey, ...rest } = input;
  const idem = await idempotencyOf(c.req.header("idempotency-key"), idempotencyKey, rest);
  const ws = c.get("principal").workspace;
  const settings = await workspaceSettings(c.env, ws);
  const result = unwrap(await ingestEvent(c.env, ws, input, idem, { settings }));
  // A merely claimed identifier never yields the customer's context (docs/architecture.md §2).
  const unverified = result.verification === "claimed";
  const body = {
    journeyId: result.journeyId,
    customerId: unverified ? null : result.customerId,
    resolution: result.resolution,
    event: { seq: result.seq, id: result.eventId },
    replayed: result.replayed,
    created: result.created,
    verification: result.verification,
    merges: result.merges,
    pendingLinks: result.pendingLinks.map((p) => ({
      id: p.id,
      identifier: p.identifier,
      status: p.status,
    })),
    context: unverified ? null : result.context,
    ...(unverified ? { unverified: true } : {}),
  };
  return c.json(body, result.replayed ? 200 : 201);
});
