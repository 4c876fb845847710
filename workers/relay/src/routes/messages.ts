import { JourneyId } from "@baton/core";
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { requireScope } from "../http/auth";
import { fail } from "../http/problem";
import { jsonBody } from "../http/validate";
import { MessageInput, recordMessage } from "../ingest/command";

/**
 * POST /v1/journeys/:id/messages: what an agent or bot sent the customer (docs/api.md
 * "Company messages"). Answers the event and the threading the sender puts on the message
 * so that the customer's answer lands on this journey.
 */
export const messages = new Hono<AppEnv>();

messages.post("/:id/messages", requireScope("journeys:write"), async (c) => {
  const id = c.req.param("id");
  if (!JourneyId.safeParse(id).success) fail(404, "journey_not_found", "Journey not found");
  const input = await jsonBody(c, MessageInput);
  const ws = c.get("principal").workspace;
  const origin = new URL(c.req.url).origin;
  const out = await recordMessage(c.env, ws, id, input, c.req.header("idempotency-key"), origin);
  return c.json(out, out.replayed ? 200 : 201);
});
