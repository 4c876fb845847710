import {
  Actor,
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
  redactText,
  type Result,
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
import { redactionPatterns } from "../ingest/redact";
import { workspaceSettings } from "../objects/workspace/settings";
import type { ContinuityError, ContinuityOutcome, JourneyError } from "../objects/journey/types";

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
/** What Baton sent or will send on this journey: owner nudges and customer updates (docs/outreach.md). */
journeys.get("/:id/outreach", requireScope("journeys:read"), async (c) => {
  const ws = c.get("principal").workspace;
  const id = c.req.param("id");
  if (!JourneyId.safeParse(id).success) fail(404, "journey_not_found", "Journey not found");
  return c.json({ items: unwrap(await journeyStub(c.env, ws, id).outreach(ws, id)) });
});
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

// ---- continuity (docs/continuity.md): an agent links or unlinks an earlier journey ----

export const PredecessorInput = z.strictObject({
  journeyId: JourneyId,
  note: z.string().trim().min(1).max(LIMITS.sentenceChars).optional(),
  actor: Actor.optional(),
});

/** A refused link or unlink as a problem (thrown); nothing was written. */
function refuse(e: ContinuityError): never {
  switch (e.code) {
    case "predecessor_self":
      return fail(422, e.code, "A journey cannot continue itself", "journeyId names this journey");
    case "predecessor_not_found":
      return fail(404, e.code, "Predecessor not found", `no journey ${e.id} linked or found here`);
    case "predecessor_other_customer":
      return fail(
        422,
        e.code,
        "Predecessor belongs to another customer",
        `journey ${e.id} is not a journey of this journey's customer`,
      );
    case "predecessor_cycle":
      return fail(
        422,
        e.code,
        "Link would make a cycle",
        `journey ${e.id} already continues this journey`,
      );
    case "predecessor_limit":
      return fail(422, "limit_exceeded", "Too many predecessors", `at most ${e.max}`, {
        max: e.max,
      });
  }
}

function continuityAnswer(
  res: Result<ContinuityOutcome, JourneyError | ContinuityError>,
): ContinuityOutcome {
  if (res.ok) return res.value;
  const e = res.error;
  if (e.code.startsWith("predecessor_")) return refuse(e as ContinuityError);
  return unwrap({ ok: false, error: e as JourneyError });
}

journeys.post("/:id/predecessors", write, async (c) => {
  const ws = c.get("principal").workspace;
  const id = journeyIdOf(c);
  const body = await jsonBody(c, PredecessorInput);
  if (body.journeyId === id) refuse({ code: "predecessor_self" });
  // Caller text is redacted before anything stores it (docs/architecture.md §7).
  const rules = redactionPatterns(await workspaceSettings(c.env, ws));
  const red = (s: string | undefined) => (s === undefined ? undefined : redactText(s, rules).text);
  const actor: Actor = body.actor
    ? {
        ...body.actor,
        id: red(body.actor.id),
        name: red(body.actor.name),
        team: red(body.actor.team),
      }
    : { kind: "agent" };
  for (const k of ["id", "name", "team"] as const) if (actor[k] === undefined) delete actor[k];
  // Both ends at once: this journey must be ours (404 journey_not_found first), and the
  // predecessor's snapshot is what the link stores.
  const [holds, snap] = await Promise.all([
    journeyStub(c.env, ws, id).holds(ws, id),
    journeyStub(c.env, ws, body.journeyId).snapshot(ws, body.journeyId),
  ]);
  if (!holds) fail(404, "journey_not_found", "Journey not found");
  if (!snap.ok) refuse({ code: "predecessor_not_found", id: body.journeyId });
  const res = await journeyStub(c.env, ws, id).linkPredecessor(ws, id, snap.value, {
    linkedBy: actor.id ?? actor.name ?? actor.kind,
    note: red(body.note) ?? null,
    actor,
  });
  const out = continuityAnswer(res);
  const predecessor = out.context.predecessors?.find((p) => p.journeyId === body.journeyId) ?? null;
  return c.json(
    {
      changed: out.changed,
      event: out.seq === null ? null : { seq: out.seq, id: out.eventId },
      predecessor,
      context: out.context,
    },
    out.changed ? 201 : 200,
  );
});

journeys.delete("/:id/predecessors/:predecessorId", write, async (c) => {
  const ws = c.get("principal").workspace;
  const id = journeyIdOf(c);
  const pred = c.req.param("predecessorId");
  if (!JourneyId.safeParse(pred).success) refuse({ code: "predecessor_not_found", id: pred });
  const res = await journeyStub(c.env, ws, id).unlinkPredecessor(ws, id, pred, { kind: "agent" });
  const out = continuityAnswer(res);
  return c.json({
    changed: out.changed,
    event: out.seq === null ? null : { seq: out.seq, id: out.eventId },
    context: out.context,
  });
});
