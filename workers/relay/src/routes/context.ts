import {
  IdentifierType,
  Instant,
  JourneyId,
  agentPack,
  botPack,
  ivrMap,
  type IdentifierType as IdType,
  type JourneyContext,
  type WorkspaceSettings,
} from "@baton/core";
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { requireScope } from "../http/auth";
import { fail } from "../http/problem";
import { query } from "../http/validate";
import {
  journeyContext,
  lookupBrief,
  NO_MATCH,
  withinBudget,
  type Attestation,
  type Lookup,
} from "../context/lookup";
import { workspaceSettings } from "../settings";

export const Audience = z.enum(["ivr", "bot", "agent"]);
const AttestationParam = z.enum(["A", "B", "C", "none"]);

const ContextQuery = z
  .strictObject({
    phone: z.string().max(120).optional(),
    email: z.string().max(320).optional(),
    chat: z.string().max(200).optional(),
    user: z.string().max(200).optional(),
    external: z.string().max(200).optional(),
    journey: JourneyId.optional(),
    audience: Audience.default("agent"),
    budget: z.coerce.number().int().min(200).max(32_000).default(1500),
    format: z.enum(["json", "text", "openai", "anthropic"]).default("json"),
    since: Instant.optional(),
    attestation: AttestationParam.optional(),
    /**
     * How the caller knows the identifier: `claimed` (typed in by the person talking to a
     * bot) never unlocks context, whatever the stored link says.
     */
    as: z.enum(["claimed", "asserted", "verified"]).default("asserted"),
  })
  .refine(
    (q) =>
      [q.phone, q.email, q.chat, q.user, q.external, q.journey].filter((v) => v !== undefined)
        .length === 1,
    { message: "give exactly one of phone, email, chat, user, external, journey", path: ["phone"] },
  );
type ContextQuery = z.output<typeof ContextQuery>;

function identifierOf(q: ContextQuery): { type: IdType; value: string } | null {
  for (const type of IdentifierType.options) {
    const value = q[type];
    if (value !== undefined) return { type, value };
  }
  return null;
}

const fallbackLookup = (degraded: "timeout" | "unavailable"): Lookup => ({
  brief: NO_MATCH,
  verified: false,
  degraded,
  hops: 0,
});

/**
 * The IVR answer for a caller, within the workspace's budget. It never fails once the caller
 * is authenticated: a lookup that runs out of budget answers `degraded=timeout`, one whose
 * object failed (an error, an overloaded or unreachable object) answers
 * `degraded=unavailable`, both with `match=none` and the default queue, because an IVR must
 * route the call either way (the Connect, Genesys and Studio contracts expect a 200 map).
 */
export async function ivrAnswer(
  env: Env,
  ws: string,
  settings: WorkspaceSettings,
  identifier: { type: IdType; value: string },
  attestation: Attestation | undefined,
): Promise<Record<string, string>> {
  const lookup = lookupBrief(env, ws, settings, identifier, attestation).catch((e: unknown) => {
    console.error(`IVR lookup degraded: ${e instanceof Error ? e.message : String(e)}`);
    return fallbackLookup("unavailable");
  });
  const found = await withinBudget(lookup, settings.ivr.budgetMs, fallbackLookup("timeout"));
  const map = ivrMap(found.brief ?? NO_MATCH, {
    defaultQueue: settings.ivr.defaultQueue,
    verified: found.verified,
    now: new Date(),
    timeZone: settings.ivr.timeZone,
  });
  return found.degraded === "timeout" || found.degraded === "unavailable"
    ? { ...map, degraded: found.degraded }
    : map;
}

interface Meta {
  match: "single" | "multiple";
  journeyId: string;
  verified: boolean;
  alternatives: string[];
}

function botAnswer(c: Context<AppEnv>, ctx: JourneyContext, q: ContextQuery, meta: Meta) {
  const pack = botPack(ctx, {
    budgetTokens: q.budget,
    now: new Date(),
    verified: meta.verified,
    ...(q.since ? { since: q.since } : {}),
  });
  const extra = { ...meta, tokens: pack.tokens, truncated: pack.truncated };
  switch (q.format) {
    case "text":
      return c.text(pack.text, 200, {
        "x-baton-journey": meta.journeyId,
        "x-baton-verified": String(meta.verified),
      });
    case "openai":
      return c.json({ messages: pack.messages.openai, ...extra });
    case "anthropic":
      return c.json({ ...pack.messages.anthropic, ...extra });
    case "json":
      return c.json({ ...pack.json, ...extra });
  }
}

export const context = new Hono<AppEnv>();

/** The context pack for a touchpoint: `ivr` (flat ≤ 1 KB map), `bot` (budgeted pack), `agent`. */
context.get("/", requireScope("context:read"), async (c) => {
  const q = query(c, ContextQuery);
  const ws = c.get("principal").workspace;
  const settings = await workspaceSettings(c.env, ws);
  if (!settings) fail(404, "workspace_not_found", "Workspace not found");
  const identifier = identifierOf(q);
  if (q.audience === "ivr") {
    if (!identifier)
      fail(
        400,
        "invalid_query",
        "IVR lookups take a caller identifier",
        "phone: required for audience=ivr",
      );
    return c.json(await ivrAnswer(c.env, ws, settings, identifier, q.attestation));
  }
  let journeyId = q.journey ?? null;
  let verified = true;
  let alternatives: string[] = [];
  let briefMatch: "single" | "multiple" | null = null;
  if (identifier) {
    const found = await lookupBrief(c.env, ws, settings, identifier, q.attestation);
    verified = found.verified && q.as !== "claimed";
    briefMatch = found.brief?.match === "multiple" ? "multiple" : found.brief ? "single" : null;
    journeyId = found.brief?.journeyId ?? null;
    alternatives = (found.brief?.journeys ?? []).map((j) => j.id).filter((id) => id !== journeyId);
  }
  const ctx = journeyId ? await journeyContext(c.env, ws, journeyId) : null;
  if (!ctx) {
    if (q.journey) fail(404, "journey_not_found", "Journey not found");
    const none = { match: "none", journeyId: null, verified: false, alternatives: [] };
    if (q.audience === "bot" && q.format === "text")
      return c.text("", 200, { "x-baton-match": "none" });
    if (q.audience === "bot" && q.format !== "json") return c.json({ messages: [], ...none });
    return c.json({ ...none, context: null });
  }
  const match = briefMatch ?? "single";
  if (q.audience === "bot") {
    return botAnswer(c, ctx, q, { match, journeyId: ctx.id, verified, alternatives });
  }
  if (!verified) {
    return c.json({
      match,
      verified: false,
      journeyId: ctx.id,
      context: null,
    });
  }
  return c.json({
    match,
    verified,
    alternatives,
    ...agentPack(ctx),
  });
});
