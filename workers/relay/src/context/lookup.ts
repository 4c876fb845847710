import type { IdentifierType, JourneyContext, WorkspaceSettings } from "@baton/core";
import { ProblemError } from "../http/problem";
import { normalizeAll } from "../identity/normalize";
import { customerStub, identityStub, journeyStub } from "../identity/stubs";
import { NO_MATCH, type CallBrief } from "../objects/call-brief";
import type { CustomerObject } from "../objects/customer";
import type { IdentityObject } from "../objects/identity";
import type { JourneyObject } from "../objects/journey";
import { rpc } from "../objects/rpc";

/** STIR/SHAKEN attestation of the call, when the telephony provider reports it. */
export type Attestation = "A" | "B" | "C" | "none";

export interface Lookup {
  brief: CallBrief | null;
  verified: boolean;
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
 * Call-start lookup by an identifier: one hop to the identifier's object, which holds the
 * precomputed brief (a second hop to the customer only when no brief was pushed yet).
 * A caller is verified when the link is not merely claimed and, when the provider reports
 * STIR/SHAKEN, the attestation is full (A).
 */
export async function lookupBrief(
  env: Env,
  ws: string,
  settings: WorkspaceSettings | null,
  identifier: { type: IdentifierType; value: string },
  attestation: Attestation | undefined,
): Promise<Lookup> {
  let linked: ReturnType<typeof normalizeAll>["linked"];
  try {
    ({ linked } = normalizeAll([identifier], settings, "lookup"));
  } catch (e) {
    // A number that cannot be read is not a 4xx at call start: the caller is simply unknown.
    if (e instanceof ProblemError) return { brief: NONE, verified: false, degraded: null, hops: 0 };
    throw e;
  }
  const id = linked[0];
  if (!id) return { brief: NONE, verified: false, degraded: "anonymous", hops: 0 };
  const found = rpc<IdentityObject["context"]>(await identityStub(env, ws, id.key).context(ws));
  if (!found) return { brief: NONE, verified: false, degraded: null, hops: 1 };
  const trustedLink = found.link.verification !== "claimed";
  const verified = trustedLink && (attestation === undefined || attestation === "A");
  if (found.brief) return { brief: found.brief as CallBrief, verified, degraded: null, hops: 1 };
  const brief = rpc<CustomerObject["brief"]>(
    await customerStub(env, ws, found.link.customerId).brief(ws),
  );
  return { brief: brief ?? NONE, verified, degraded: null, hops: 2 };
}

/** The full context of the brief's primary journey (one more hop), or null. */
export async function journeyContext(
  env: Env,
  ws: string,
  journeyId: string,
): Promise<JourneyContext | null> {
  const res = rpc<JourneyObject["context"]>(
    await journeyStub(env, ws, journeyId).context(ws, journeyId),
  );
  return res.ok ? res.value : null;
}

export { NO_MATCH };
