import {
  ActionInput,
  ConstraintInput,
  ExceptionInput,
  ExceptionResolveInput,
  Instant,
  JourneyId,
  JourneyPatch,
  JourneyStatus,
  LIMITS,
  OwnerInput,
  PromiseInput,
  PromiseRenegotiateInput,
  PromiseSettleInput,
  StatusInput,
} from "@baton/core";
import { Hono, type Context } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env";
import { requireScope } from "../http/auth";
import { unwrap } from "../http/errors";
import { fail } from "../http/problem";
import { jsonBody, query } from "../http/validate";
import { journeyStub } from "../objects/access";
import { searchJourneys } from "./journey-search";
import { runCommand, type CommandInput } from "../ingest/command";

export const journeys = new Hono<AppEnv>();

function journeyIdOf(c: Context<AppEnv>): string {
  const id = c.req.param("id");
  if (!JourneyId.safeParse(id).success) fail(404, "journey_not_found", "Journey not found");
  return id ?? "";
}

/** Sends one command to the journey object and answers with the new context. */
async function run(c: Context<AppEnv>, input: CommandInput, created = 200) {
  const ws = c.get("principal").workspace;
  const out = await runCommand(c.env, ws, journeyIdOf(c), input, c.req.header("idempotency-key"));
  return c.json(
    {
      event: { seq: out.seq, id: out.eventId },
      id: out.createdId,
      replayed: out.replayed,
      context: out.context,
    },
    out.replayed ? 200 : (created as 200 | 201),
  );
}

export const SearchQuery = z.strictObject({
  customer: z.string().max(LIMITS.labelChars).optional(),
  status: JourneyStatus.optional(),
  owner: z.string().max(LIMITS.labelChars).optional(),
  updatedSince: Instant.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(400).optional(),
});

journeys.get("/", requireScope("journeys:read"), async (c) => {
  const q = query(c, SearchQuery);
  return c.json(await searchJourneys(c.env.DB, c.get("principal").workspace, q));
});

journeys.get("/:id", requireScope("journeys:read"), async (c) => {
  const ws = c.get("principal").workspace;
  const id = journeyIdOf(c);
  return c.json(unwrap(await journeyStub(c.env, ws, id).context(ws, id)));
});

export const EventsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(LIMITS.pageMax).default(LIMITS.pageDefault),
});

journeys.get("/:id/events", requireScope("journeys:read"), async (c) => {
  const ws = c.get("principal").workspace;
  const id = journeyIdOf(c);
  const q = query(c, EventsQuery);
  return c.json(unwrap(await journeyStub(c.env, ws, id).events(ws, id, q.after, q.limit)));
});

const write = requireScope("journeys:write");

journeys.patch("/:id", write, async (c) =>
  run(c, { kind: "patch", patch: await jsonBody(c, JourneyPatch) }),
);
journeys.put("/:id/owner", write, async (c) =>
  run(c, { kind: "owner", owner: await jsonBody(c, OwnerInput) }),
);

/** A sub-list of the journey's context (promises, exceptions), for callers that want only it. */
async function contextPart<K extends "promises" | "exceptions">(c: Context<AppEnv>, key: K) {
  const ws = c.get("principal").workspace;
  const id = journeyIdOf(c);
  const ctx = unwrap(await journeyStub(c.env, ws, id).context(ws, id));
  return c.json({ items: ctx[key] });
}

journeys.get("/:id/promises", requireScope("journeys:read"), (c) => contextPart(c, "promises"));
journeys.post("/:id/promises", write, async (c) =>
  run(c, { kind: "promise.add", promise: await jsonBody(c, PromiseInput) }, 201),
);
journeys.patch("/:id/promises/:pid", write, async (c) =>
  run(c, {
    kind: "promise.settle",
    id: c.req.param("pid"),
    settle: await jsonBody(c, PromiseSettleInput),
  }),
);
journeys.post("/:id/promises/:pid/renegotiate", write, async (c) => {
  const renegotiate = await jsonBody(c, PromiseRenegotiateInput);
  return run(c, { kind: "promise.renegotiate", id: c.req.param("pid"), renegotiate }, 201);
});
journeys.get("/:id/exceptions", requireScope("journeys:read"), (c) => contextPart(c, "exceptions"));
journeys.post("/:id/exceptions", write, async (c) =>
  run(c, { kind: "exception.raise", exception: await jsonBody(c, ExceptionInput) }, 201),
);
journeys.post("/:id/exceptions/:eid/resolve", write, async (c) =>
  run(c, {
    kind: "exception.resolve",
    id: c.req.param("eid"),
    resolve: await jsonBody(c, ExceptionResolveInput),
  }),
);
journeys.post("/:id/constraints", write, async (c) =>
  run(c, { kind: "constraint.add", constraint: await jsonBody(c, ConstraintInput) }, 201),
);
journeys.delete("/:id/constraints/:cid", write, async (c) =>
  run(c, { kind: "constraint.remove", id: c.req.param("cid") }),
);
journeys.post("/:id/actions", write, async (c) =>
  run(c, { kind: "action", action: await jsonBody(c, ActionInput) }, 201),
);
journeys.put("/:id/status", write, async (c) =>
  run(c, { kind: "status", status: await jsonBody(c, StatusInput) }),
);
