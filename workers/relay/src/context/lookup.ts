import {
  NO_MATCH_BRIEF as NO_MATCH,
  type CallBrief,
  type IdentifierType,
  type JourneyContext,
  type WorkspaceSettings,
} from "@baton/core";
import { normalizeIdentifiers } from "../ingest/normalize";
import { customerStub, identityStub, journeyStub } from "../objects/access";

export interface Lookup {
  brief: CallBrief | null;
  /** The caller's normalized identifier key (`phone:+1…`), or null when none could be read. */
  key: string | null;
  /**
   * How the identifier is tied to the customer: `trusted` (a verified or asserted link),
   * `claimed` (typed in by someone, never enough to disclose anything personal), or null when
   * it is tied to nobody.
   */
  link: "trusted" | "claimed" | null;
  /**
   * Why the answer is degraded, if it is: the budget ran out, the caller withheld the number,
   * or an object failed (IVR answers only; other audiences let the error through).
   */
  degraded: "timeout" | "anonymous" | "unavailable" | null;
  hops: number;
}

const NONE = NO_MATCH;

/** Races `work` against the budget; the IVR answers with what it has rather than be late. */
export async function withinBudget<T>(work: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    if (timer !== null) clearTimeout(timer);
  }
}

/**
 * The caller's normalized identifier key: null for a withheld number, undefined for one that
 * cannot be read (at call start that is an unknown caller, not a 4xx).
 */
export function callerKey(
  identifier: { type: IdentifierType; value: string },
  settings: WorkspaceSettings | null,
): string | null | undefined {
  const r = normalizeIdentifiers([identifier], settings, "lookup");
  return r.ok ? (r.value.linked[0]?.key ?? null) : undefined;
}

/**
 * Call-start lookup by an identifier: one hop to the identifier's object, which holds the
 * precomputed brief (a second hop to the customer only when no brief was pushed yet). What
 * the answer may disclose is decided elsewhere (`disclosure.ts`): this only finds the brief
 * and says how the identifier is tied to its customer.
 */
export async function lookupBrief(
  env: Env,
  ws: string,
  settings: WorkspaceSettings | null,
  identifier: { type: IdentifierType; value: string },
): Promise<Lookup> {
  const key = callerKey(identifier, settings);
  if (key === undefined) return { brief: NONE, key: null, link: null, degraded: null, hops: 0 };
  if (key === null) return { brief: NONE, key, link: null, degraded: "anonymous", hops: 0 };
  const found = await identityStub(env, ws, key).context(ws);
  if (!found) return { brief: NONE, key, link: null, degraded: null, hops: 1 };
  const link = found.link.verification === "claimed" ? "claimed" : "trusted";
  if (found.brief) return { brief: found.brief as CallBrief, key, link, degraded: null, hops: 1 };
  const brief = await customerStub(env, ws, found.link.customerId).brief(ws);
  return { brief: brief ?? NONE, key, link, degraded: null, hops: 2 };
}

/** The full context of the brief's primary journey (one more hop), or null. */
export async function journeyContext(
  env: Env,
  ws: string,
  journeyId: string,
): Promise<JourneyContext | null> {
  const res = await journeyStub(env, ws, journeyId).context(ws, journeyId);
  return res.ok ? res.value : null;
}

export { NO_MATCH };
