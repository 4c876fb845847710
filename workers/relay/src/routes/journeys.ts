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
  WorkspaceSettings,
} from "@baton/core";
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { requireScope } from "../http/auth";
import { unwrap } from "../http/errors";
import { fail } from "../http/problem";
import { jsonBody, query } from "../http/validate";
import type { JourneyObject } from "../objects/journey";
import type { JourneyCommand } from "../objects/journey-types";
import { rpc } from "../objects/rpc";
import { journeyStub } from "../relay";
import { idempotencyOf } from "./events";
import { searchJourneys } from "./journey-search";
import { redactCommand } from "../redact-fields";
import { redactionPatterns, workspaceSettings } from "../settings";

export const journeys = new Hono<AppEnv>();

function journeyIdOf(c: Context<AppEnv>): string {
  const id = c.req.param("id");
  if (!JourneyId.safeParse(id).success) fail(404, "journey_not_found", "Journey not found");
  return id ?? "";
}

/** Sends one command to the journey object and answers with the new context. */
async function run(c: Context<AppEnv>, given: JourneyCommand, created = 200) {
  const ws = c.get("principal").workspace;
  const journeyId = journeyIdOf(c);
  // Fingerprint what the caller sent, so a retry matches even if settings changed meanwhile.
  const {
    guard: _g,
    policy: _p,
    recovery: _r,
    timeZone: _t,
    ...sent
  } = given as JourneyCommand & {
    guard?: unknown;
    policy?: unknown;
    recovery?: unknown;
    timeZone?: unknown;
  };
  const idempotency = await idempotencyOf(c.req.header("idempotency-key"), undefined, sent);
  const command = redactCommand(given, redactionPatterns(await workspaceSettings(c.env, ws)));
  const stub = journeyStub(c.env, ws, journeyId);
  const out = unwrap(
    rpc<JourneyObject["command"]>(
      await stub.command({ workspace: ws, journeyId, idempotency, command }),
    ),
  );
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

const SearchQuery = z.strictObject({
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
  return c.json(
    unwrap(rpc<JourneyObject["context"]>(await journeyStub(c.env, ws, id).context(ws, id))),
  );
});

const EventsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(LIMITS.pageMax).default(LIMITS.pageDefault),
});

journeys.get("/:id/events", requireScope("journeys:read"), async (c) => {
  const ws = c.get("principal").workspace;
  const id = journeyIdOf(c);
  const q = query(c, EventsQuery);
  return c.json(
    unwrap(
      rpc<JourneyObject["events"]>(
        await journeyStub(c.env, ws, id).events(ws, id, q.after, q.limit),
      ),
    ),
  );
});

const write = requireScope("journeys:write");

journeys.patch("/:id", write, async (c) =>
  run(c, { kind: "patch", patch: await jsonBody(c, JourneyPatch) }),
);
journeys.put("/:id/owner", write, async (c) =>
  run(c, {
    kind: "owner",
    owner: await jsonBody(c, OwnerInput),
    guard: (await workspaceSettings(c.env, c.get("principal").workspace))?.handoff,
  }),
);
const settingsOf = async (c: Context<AppEnv>) =>
  workspaceSettings(c.env, c.get("principal").workspace);
/** Used when the workspace has no settings row yet: the schema's own defaults. */
const DEFAULT_POLICY = WorkspaceSettings.parse({}).promises;

/** A sub-list of the journey's context (promises, exceptions), for callers that want only it. */
async function contextPart<K extends "promises" | "exceptions">(c: Context<AppEnv>, key: K) {
  const ws = c.get("principal").workspace;
  const id = journeyIdOf(c);
  const ctx = unwrap(
    rpc<JourneyObject["context"]>(await journeyStub(c.env, ws, id).context(ws, id)),
  );
  return c.json({ items: ctx[key] });
}

journeys.get("/:id/promises", requireScope("journeys:read"), (c) => contextPart(c, "promises"));
journeys.post("/:id/promises", write, async (c) => {
  const promise = await jsonBody(c, PromiseInput);
  const policy = (await settingsOf(c))?.promises ?? DEFAULT_POLICY;
  return run(c, { kind: "promise.add", promise, policy }, 201);
});
journeys.patch("/:id/promises/:pid", write, async (c) => {
  const settle = await jsonBody(c, PromiseSettleInput);
  const settings = await settingsOf(c);
  return run(c, {
    kind: "promise.settle",
    id: c.req.param("pid"),
    settle,
    recovery: settings?.recovery,
    timeZone: settings?.ivr.timeZone,
  });
});
journeys.post("/:id/promises/:pid/renegotiate", write, async (c) => {
  const renegotiate = await jsonBody(c, PromiseRenegotiateInput);
  const policy = (await settingsOf(c))?.promises ?? DEFAULT_POLICY;
  return run(c, { kind: "promise.renegotiate", id: c.req.param("pid"), renegotiate, policy }, 201);
});
journeys.get("/:id/exceptions", requireScope("journeys:read"), (c) => contextPart(c, "exceptions"));
journeys.post("/:id/exceptions", write, async (c) => {
  const exception = await jsonBody(c, ExceptionInput);
  const recovery = (await settingsOf(c))?.recovery;
  return run(c, { kind: "exception.raise", exception, recovery }, 201);
});
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
