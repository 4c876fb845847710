/**
 * The read side's query and target: which journey a context request points at, and at which
 * disclosure tier. Shared by GET /v1/context and the MCP read tools.
 */
import {
  IdentifierType,
  Instant,
  JourneyId,
  JOURNEY_LOOKUP,
  agentPack,
  botPack,
  type Disclosure,
  type IdentifierType as IdType,
  type JourneyContext,
  type SinceLastTouch,
  type TouchAudience,
  type WorkspaceSettings,
} from "@baton/core";
import * as z from "zod";
import type { Principal } from "../env";
import { fail } from "../http/problem";
import { ASSERTION_MAX_CHARS, ASSERTION_METHODS } from "./assertion";
import { authenticatedBy, checkAssertion, decideTier } from "./disclosure";
import { journeyContext, lookupBrief } from "./lookup";
import { journeyStub } from "../objects/access";

export const Audience = z.enum(["ivr", "bot", "agent"]);
const AttestationParam = z.enum(["A", "B", "C", "none"]);

/** The fields of GET /v1/context; the MCP tools derive their arguments from them. */
export const ContextFields = z.strictObject({
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
  /** A caller assertion (POST /v1/context/assertions): the only way to the personal tier. */
  assertion: z.string().min(1).max(ASSERTION_MAX_CHARS).optional(),
  /** The flow authenticated the caller itself; trusted only from a key with `caller:assert`. */
  authenticated: z.enum(ASSERTION_METHODS).optional(),
  /**
   * audience=ivr: the caller's language, a BCP-47 tag ("es-MX"); one Baton does not speak
   * falls back to the workspace's `ivr.language` (docs/ivr.md, "Languages").
   */
  language: z.string().trim().max(64).optional(),
});

type Selectors = Partial<Record<IdType | "journey", string>>;
/** Exactly one selector (an identifier or a journey id), for `.refine(...oneSelector)`. */
export const oneSelector: [(q: Selectors) => boolean, { message: string; path: string[] }] = [
  (q) =>
    [q.phone, q.email, q.chat, q.user, q.external, q.journey].filter((v) => v !== undefined)
      .length === 1,
  { message: "give exactly one of phone, email, chat, user, external, journey", path: ["phone"] },
];

export const ContextQuery = ContextFields.refine(...oneSelector)
  .refine((q) => q.assertion === undefined || q.authenticated === undefined, {
    message: "give assertion or authenticated, not both",
    path: ["authenticated"],
  })
  .refine((q) => q.journey === undefined || q.assertion === undefined, {
    message: "an assertion vouches for a caller identifier, not for journey=",
    path: ["assertion"],
  })
  .refine((q) => q.journey === undefined || q.authenticated === undefined, {
    message: "authenticated applies to a caller identifier, not to journey=",
    path: ["authenticated"],
  });
export type ContextQuery = z.output<typeof ContextQuery>;
/** What picks the journey of a bot or agent context request, and how far to trust the caller. */
export type TargetQuery = Pick<
  ContextQuery,
  IdType | "journey" | "attestation" | "as" | "assertion" | "authenticated"
>;

export function identifierOf(q: TargetQuery): { type: IdType; value: string } | null {
  for (const type of IdentifierType.options) {
    const value = q[type];
    if (value !== undefined) return { type, value };
  }
  return null;
}

/**
 * The journey a bot or agent context request points at, the disclosure tier that applies,
 * and whether the caller is verified (the personal tier).
 */
export interface ContextTarget {
  match: "single" | "multiple";
  verified: boolean;
  alternatives: string[];
  ctx: JourneyContext;
  disclosure: Disclosure;
  /** What changed since the audience's last touch (docs/continuity.md), on pack reads. */
  sinceLastTouch?: SinceLastTouch | null;
}

/** A pack read records the audience's touch; `delta` asks for what changed since the last one. */
export interface TouchRead {
  audience: TouchAudience;
  delta: boolean;
}

/**
 * Picks the journey of a bot or agent context request: the given journey (tier `personal`,
 * reason `journey_lookup`: the key holder chose it), or the journey of the identifier's call
 * brief at the tier the evidence earns (`context/disclosure.ts`); the pack is personal only
 * at the personal tier. `target` is null when nothing matches; 404 for an unknown journey
 * id, 403 for a refused assertion or `authenticated` without `caller:assert`.
 */
export async function resolveTarget(
  env: Env,
  ws: string,
  settings: WorkspaceSettings | null,
  q: TargetQuery,
  principal?: Principal,
  touch?: TouchRead,
): Promise<{ target: ContextTarget | null; disclosure: Disclosure }> {
  const identifier = identifierOf(q);
  let journeyId = q.journey ?? null;
  let disclosure = JOURNEY_LOOKUP;
  let alternatives: string[] = [];
  let briefMatch: "single" | "multiple" | null = null;
  if (identifier) {
    const authenticated = authenticatedBy(principal, q.authenticated);
    const check = await checkAssertion(env, ws, settings, identifier, q.assertion, "refuse");
    const found = await lookupBrief(env, ws, settings, identifier);
    const evidence = {
      attestation: q.attestation,
      authenticated,
      claimed: q.as === "claimed",
      callerId: identifier.type === "phone",
    };
    disclosure = decideTier(evidence, found, check, settings?.disclosure.fields);
    briefMatch = found.brief?.match === "multiple" ? "multiple" : found.brief ? "single" : null;
    journeyId = found.brief?.journeyId ?? null;
    alternatives = (found.brief?.journeys ?? []).map((j) => j.id).filter((id) => id !== journeyId);
  }
  const verified = disclosure.tier === "personal";
  // A touch is recorded only for a caller who may see the pack (docs/continuity.md).
  const read = journeyId
    ? touch && verified
      ? await touchRead(env, ws, journeyId, touch)
      : { ctx: await journeyContext(env, ws, journeyId), sinceLastTouch: null }
    : null;
  const ctx = read?.ctx ?? null;
  if (!ctx) {
    if (q.journey) fail(404, "journey_not_found", "Journey not found");
    return { target: null, disclosure };
  }
  const sinceLastTouch = read?.sinceLastTouch ?? null;
  const target = {
    match: briefMatch ?? "single",
    verified,
    alternatives,
    ctx,
    disclosure,
    sinceLastTouch,
  };
  return { target, disclosure };
}

/** The context and, with `delta`, what changed since the audience's last touch: one hop. */
async function touchRead(env: Env, ws: string, journeyId: string, touch: TouchRead) {
  const res = await journeyStub(env, ws, journeyId).read(
    ws,
    journeyId,
    touch.audience,
    touch.delta,
  );
  return res.ok
    ? { ctx: res.value.context, sinceLastTouch: res.value.sinceLastTouch }
    : { ctx: null, sinceLastTouch: null };
}

/** `resolveTarget` without the tier of a non-match. Shared with the MCP tools. */
export async function contextTarget(
  env: Env,
  ws: string,
  settings: WorkspaceSettings | null,
  q: TargetQuery,
  principal?: Principal,
): Promise<ContextTarget | null> {
  return (await resolveTarget(env, ws, settings, q, principal)).target;
}

/** The bot pack of a target: an unverified caller gets the reason topic only. */
export function botPackOf(t: ContextTarget, budget: number, since: string | undefined) {
  return botPack(t.ctx, {
    budgetTokens: budget,
    now: new Date(),
    verified: t.verified,
    ...(since ? { since } : t.sinceLastTouch ? { sinceLastTouch: t.sinceLastTouch } : {}),
  });
}

/** The agent audience's answer: the full context, or nothing for an unverified caller. */
export function agentAnswer(t: ContextTarget) {
  if (!t.verified) return { match: t.match, verified: false, journeyId: t.ctx.id, context: null };
  const pack = agentPack(t.ctx, new Date(), { sinceLastTouch: t.sinceLastTouch ?? null });
  return { match: t.match, verified: true, alternatives: t.alternatives, ...pack };
}
