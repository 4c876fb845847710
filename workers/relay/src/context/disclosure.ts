/**
 * Which disclosure tier a call-start answer gets (docs/ivr.md "What a caller may hear"):
 *
 * - `personal`: a valid caller assertion, or `authenticated=` from a key with `caller:assert`;
 * - `prompt`: STIR/SHAKEN attestation A (or a call the company placed itself);
 * - `routing`: everything else — a bare caller ID, attestation B, C, failed or absent (Amazon
 *   Connect never reports one), a claimed link, a withheld number, a degraded lookup, or an
 *   assertion a provider hook had to refuse.
 *
 * Only a phone number is a caller ID the person on the line presents (and can spoof). Other
 * identifiers (a web chat visitor id, a signed-in user id, an email address a reply goes to)
 * are vouched for by the channel that proved them, so a trusted link to them stays `personal`.
 *
 * Pure apart from the assertion's HMAC check: no object call, no storage.
 */
import type { Disclosure, DisclosurePolicy, IdentifierType, WorkspaceSettings } from "@baton/core";
import { checkScope } from "../http/auth";
import type { Principal } from "../env";
import { fail } from "../http/problem";
import {
  assertionSecret,
  verifyAssertion,
  type AssertionCheck,
  type AssertionMethod,
} from "./assertion";
import { callerKey, type Lookup } from "./lookup";

/** STIR/SHAKEN attestation of the call, when the telephony platform reports it. */
export type Attestation = "A" | "B" | "C" | "none";

/** What the request says about the caller, besides the caller ID itself. */
export interface CallerEvidence {
  /** As the platform reports it; undefined when it reports nothing. */
  attestation?: Attestation | undefined;
  /** A caller assertion token passed back by the flow. */
  assertion?: string | undefined;
  /** `authenticated=` on a request whose key carries `caller:assert` (see `authenticatedBy`). */
  authenticated?: AssertionMethod | undefined;
  /** The identifier is only what the person typed (`as=claimed`). */
  claimed?: boolean | undefined;
  /** The company placed the call: the number was dialled, not presented. */
  outbound?: boolean | undefined;
  /** The identifier is a phone number: caller ID, which proves nothing by itself. */
  callerId: boolean;
}

/** What a route knows about the caller; the identifier's type supplies `callerId`. */
export type RequestEvidence = Omit<CallerEvidence, "callerId">;

/** How a refused assertion is handled: API paths answer 403, provider hooks fall back to routing. */
export type OnRefused = "refuse" | "fallback";

/** Maps Twilio's StirVerstat to an attestation (anything but a passed A, B or C is `none`). */
export function stirToAttestation(v: string): Attestation {
  const m = /^TN-Validation-Passed-([ABC])$/.exec(v);
  return m?.[1] === "A" || m?.[1] === "B" || m?.[1] === "C" ? m[1] : "none";
}

/**
 * Checks the evidence's assertion against the caller's identifier. With `refuse`, a bad one is a
 * 403 `invalid_assertion` naming the field and the reason; with `fallback` the check is returned
 * for `decideTier` to report.
 */
export async function checkAssertion(
  env: Env,
  ws: string,
  settings: WorkspaceSettings | null,
  identifier: { type: IdentifierType; value: string },
  token: string | undefined,
  onRefused: OnRefused,
): Promise<AssertionCheck | null> {
  if (token === undefined) return null;
  const key = callerKey(identifier, settings) ?? "";
  const check = await verifyAssertion(assertionSecret(env), token, ws, key);
  if (!check.ok && onRefused === "refuse") {
    const message = `the caller assertion is ${check.why.replace(/_/g, " ")}`;
    fail(403, "invalid_assertion", "The caller assertion is not valid", `assertion: ${message}`, {
      reason: check.why,
      errors: [{ path: "assertion", message }],
    });
  }
  return check;
}

/** `authenticated=` is trusted only from a key that may assert callers; otherwise a 403. */
export function authenticatedBy(
  principal: Principal | undefined,
  method: AssertionMethod | undefined,
): AssertionMethod | undefined {
  if (method === undefined) return undefined;
  // Without a key (a caller that did not say who it is), no scope: the same 403.
  checkScope(principal ?? { workspace: "", keyId: "", scopes: [] }, "caller:assert");
  return method;
}

/** The tier for one lookup, and why; `policy` is the workspace's `disclosure.fields`. */
export function decideTier(
  e: CallerEvidence,
  lookup: Pick<Lookup, "link" | "degraded">,
  assertion: AssertionCheck | null,
  policy: DisclosurePolicy | undefined,
): Disclosure {
  const at = (tier: Disclosure["tier"], reason: string): Disclosure => ({ tier, reason, policy });
  if (lookup.degraded === "timeout" || lookup.degraded === "unavailable")
    return at("routing", "degraded");
  if (lookup.degraded === "anonymous") return at("routing", "anonymous");
  if (e.claimed) return at("routing", "claimed_identifier");
  if (lookup.link === "claimed") return at("routing", "claimed_link");
  if (assertion)
    return assertion.ok
      ? at("personal", `assertion_${assertion.method}`)
      : at("routing", `assertion_${assertion.why}`);
  if (e.authenticated) return at("personal", `authenticated_${e.authenticated}`);
  if (!e.callerId)
    return lookup.link === "trusted" ? at("personal", "trusted_link") : at("routing", "no_link");
  if (e.outbound) return at("prompt", "outbound_call");
  if (e.attestation === "A") return at("prompt", "attestation_A");
  return at("routing", `attestation_${e.attestation ?? "absent"}`);
}

/** The response headers that say which tier applied and why (JSON and TwiML answers). */
export function disclosureHeaders(d: Disclosure): Record<string, string> {
  return { "x-baton-disclosure-tier": d.tier, "x-baton-disclosure-reason": d.reason };
}
