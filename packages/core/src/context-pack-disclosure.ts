/**
 * Disclosure at call start: how much an answer may say, by how well the caller is known.
 * Caller ID is context, not identity: a matched number routes the call, STIR/SHAKEN full
 * attestation may earn a neutral prompt, and only an authenticated caller (a PIN, a one-time
 * code, a logged-in session, vouched for by a signed assertion) hears personal items.
 */

/** From least to most trusted. */
export const DISCLOSURE_TIERS = ["routing", "prompt", "personal"] as const;
export type DisclosureTier = (typeof DISCLOSURE_TIERS)[number];

/**
 * The items of the IVR map a workspace policy can move between tiers. `match`, `journeyId`,
 * `queue`, `knownCaller`, `verified`, `tier`, `tierReason` and `language` are always present;
 * the spoken `sentence` uses only items allowed at the tier.
 */
export const DISCLOSURE_ITEMS = [
  "ownerId",
  "openJourneys",
  "journeyIds",
  "customerId",
  "ownerTeam",
  "owner",
  "reason",
  "lastAction",
  "promise",
  "exception",
  "constraints",
  "history",
] as const;
export type DisclosureItem = (typeof DISCLOSURE_ITEMS)[number];

/** The least trusted tier that may see each item, unless the workspace says otherwise. */
export const DEFAULT_DISCLOSURE: Readonly<Record<DisclosureItem, DisclosureTier>> = {
  // Routing and prefetch: ids and counts a flow routes on, never spoken.
  ownerId: "routing",
  openJourneys: "routing",
  journeyIds: "routing",
  // Personal: who the customer is, what the matter is, who handles it, what was promised.
  customerId: "personal",
  ownerTeam: "personal",
  owner: "personal",
  reason: "personal",
  lastAction: "personal",
  promise: "personal",
  exception: "personal",
  // Routing, by decision (docs/ivr.md "Constraints and history"): what the next step must
  // respect ("SMS only", "legal hold", a contact window) and how often the customer already
  // got in touch are what a flow routes on before anyone is authenticated (a specialist
  // queue, no callback offer, priority on a third contact). Both are written for the company,
  // go to the platform under its API key, and are never spoken: the sentence leaves them out.
  // A workspace whose constraints name sensitive matters moves `constraints` to personal.
  constraints: "routing",
  history: "routing",
};

/** A workspace's overrides (`disclosure.fields` in the settings). */
export type DisclosurePolicy = Partial<Record<DisclosureItem, DisclosureTier>>;

/** The tier that applies to one answer, why, and the workspace's overrides. */
export interface Disclosure {
  tier: DisclosureTier;
  /** Short machine-readable cause, e.g. `attestation_absent`, `attestation_A`, `assertion_pin`. */
  reason: string;
  policy?: DisclosurePolicy | undefined;
}

export const tierRank = (t: DisclosureTier): number => DISCLOSURE_TIERS.indexOf(t);

/** Whether `item` may be disclosed at the answer's tier. */
export function allows(d: Disclosure, item: DisclosureItem): boolean {
  return tierRank(d.tier) >= tierRank(d.policy?.[item] ?? DEFAULT_DISCLOSURE[item]);
}

/** Said at the prompt tier: it invites the caller to confirm without saying what we know. */
export const IVR_PROMPT_SENTENCE = "Are you calling about your recent request?";
export const IVR_PROMPT_SENTENCE_MULTIPLE = "Are you calling about one of your recent requests?";

/** The tier for a lookup by journey id: the key holder picked the journey, no caller is involved. */
export const JOURNEY_LOOKUP: Disclosure = { tier: "personal", reason: "journey_lookup" };
