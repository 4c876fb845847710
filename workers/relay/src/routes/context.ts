import { Hono, type Context } from "hono";
import type { AppEnv } from "../env";
import { requireScope } from "../http/auth";
import { fail } from "../http/problem";
import { query } from "../http/validate";
import { authenticatedBy, disclosureHeaders } from "../context/disclosure";
import { ivrAnswer } from "../context/ivr";
import {
  ContextQuery,
  agentAnswer,
  botPackOf,
  identifierOf,
  resolveTarget,
  type ContextTarget,
} from "../context/target";
import { workspaceSettings } from "../objects/workspace/settings";
import { mintAssertion } from "./context-assertions";

interface Meta {
  match: "single" | "multiple";
  journeyId: string;
  verified: boolean;
  alternatives: string[];
}

function botAnswer(c: Context<AppEnv>, t: ContextTarget, q: ContextQuery) {
  const meta: Meta = {
    match: t.match,
    journeyId: t.ctx.id,
    verified: t.verified,
    alternatives: t.alternatives,
  };
  const pack = botPackOf(t, q.budget, q.since);
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

context.post("/assertions", requireScope("caller:assert"), mintAssertion);

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
    const evidence = {
      attestation: q.attestation,
      assertion: q.assertion,
      authenticated: authenticatedBy(c.get("principal"), q.authenticated),
      claimed: q.as === "claimed",
    };
    const language = q.language || undefined;
    const answer = await ivrAnswer(c.env, ws, settings, identifier, evidence, "refuse", language);
    return c.json(answer.map, 200, disclosureHeaders(answer.disclosure));
  }
  // The pack read records the audience's touch; an explicit `since` wins over the delta.
  const touch = { audience: q.audience, delta: q.since === undefined };
  const principal = c.get("principal");
  const { target, disclosure } = await resolveTarget(c.env, ws, settings, q, principal, touch);
  for (const [k, v] of Object.entries(disclosureHeaders(disclosure))) c.header(k, v);
  if (!target) {
    const none = { match: "none", journeyId: null, verified: false, alternatives: [] };
    if (q.audience === "bot" && q.format === "text")
      return c.text("", 200, { "x-baton-match": "none" });
    if (q.audience === "bot" && q.format !== "json") return c.json({ messages: [], ...none });
    return c.json({ ...none, context: null });
  }
  if (q.audience === "bot") return botAnswer(c, target, q);
  return c.json(agentAnswer(target));
});
