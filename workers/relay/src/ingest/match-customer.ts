import { newId, type CompiledPattern } from "@baton/core";
import type { LinkedIdentifier, PendingLinkView } from "../objects/customer/types";
import type { ErasedLookup, IdentityLink, IdentityLookup } from "../objects/identity/object";
import { mergeCustomers, type MergeOutcome } from "../identity/merge";
import { rank } from "./normalize";
import { customerStub, identityStub } from "../objects/access";

export interface CustomerMatch {
  customerId: string;
  /** The strongest verification by which the event's identifiers tie it to this customer. */
  verification: LinkedIdentifier["verification"];
  merges: MergeOutcome[];
  pendingLinks: PendingLinkView[];
  /** The event's identifiers that now belong to this customer (the others are pending). */
  linked: LinkedIdentifier[];
  /**
   * The journey the sender's number pair is bound to (docs/channels/twilio.md "Pair binding"),
   * when asked with a company number and the binding is live; the route goes there first.
   */
  boundJourney?: string;
}

const trusted = (i: LinkedIdentifier) => i.verification !== "claimed";

async function lookup(
  env: Env,
  ws: string,
  i: LinkedIdentifier,
  pairWith?: string,
  tombstone?: string,
): Promise<IdentityLookup | ErasedLookup | null> {
  return await identityStub(env, ws, i.key).lookup(ws, pairWith, tombstone);
}

const isErased = (l: IdentityLookup | ErasedLookup | null): l is ErasedLookup =>
  l !== null && "erased" in l;

async function claim(env: Env, ws: string, i: LinkedIdentifier, customerId: string | null) {
  return await identityStub(env, ws, i.key).claim(ws, i.key, customerId, i.source, i.verification);
}

/**
 * Finds the customer behind an event's identifiers (docs/architecture.md §2 "identity links have
 * provenance"):
 * - only verified or asserted identifiers may lead to an existing customer; a merely claimed
 *   one never unlocks another customer's context;
 * - with no such match, the first identifier's object creates the customer, which serializes
 *   concurrent first contacts into one customer;
 * - other identifiers are linked to that customer when free; when they belong to another
 *   customer, a verified/asserted one merges the two, a claimed one waits as a pending link.
 *
 * With `pairWith` (the company number an inbound SMS was sent to), the first phone number's
 * lookup also reads that pair's binding, on the same call, and `boundJourney` names it.
 */
export async function matchCustomer(
  env: Env,
  ws: string,
  ids: LinkedIdentifier[],
  actor: unknown,
  /** The workspace's redaction rules, for the merge records (read once by the pipeline). */
  patterns?: readonly CompiledPattern[],
  pairWith?: string,
  /**
   * The hash of the event's provider message id (docs/privacy.md "Erasure"): when an erasure
   * tombstoned it in an identifier's object, the answer is `{ erased: true }` and nothing is
   * linked or created. Asked on the lookups made anyway: no extra object call.
   */
  tombstone?: string,
): Promise<CustomerMatch | ErasedLookup> {
  const sender = pairWith === undefined ? -1 : ids.findIndex((i) => i.type === "phone");
  const answers = await Promise.all(
    ids.map((i, n) => lookup(env, ws, i, n === sender ? pairWith : undefined, tombstone)),
  );
  if (answers.some(isErased)) return { erased: true };
  const found = answers as (IdentityLookup | null)[];
  const boundJourney = found[sender]?.pair?.journeyId;
  const links: (IdentityLink | null)[] = found;
  // A claimed link is weak: a trusted identifier never follows it (it takes it over below).
  const followable = (n: number) => {
    const link = links[n];
    const i = ids[n];
    return link && i && trusted(i) && link.verification !== "claimed" ? link : null;
  };
  const claimable = (i: LinkedIdentifier, link: IdentityLink | null) =>
    link === null || (trusted(i) && link.verification === "claimed");
  let customerId: string | null = null;
  ids.forEach((_, n) => {
    customerId ??= followable(n)?.customerId ?? null;
  });
  const held = new Set<number>();
  if (customerId === null) {
    const freeIdx = ids.findIndex((i, n) => claimable(i, links[n] ?? null));
    const free = ids[freeIdx];
    if (free) {
      const made = await claim(env, ws, free, null);
      customerId = made.customerId;
      links[freeIdx] = made;
      held.add(freeIdx);
    } else {
      // Every identifier is claimed and already someone else's: a new customer, links pending.
      customerId = newId("cus");
    }
  }
  const owner: string = customerId;
  // Link what is free (or only weakly claimed), and upgrade owner links the event verifies.
  await Promise.all(
    ids.map(async (i, n) => {
      const link = links[n] ?? null;
      if (held.has(n)) return;
      const upgrade = link?.customerId === owner && rank(i.verification) > rank(link.verification);
      if (claimable(i, link) || upgrade) links[n] = await claim(env, ws, i, owner);
    }),
  );
  const merges: MergeOutcome[] = [];
  const pendingLinks: PendingLinkView[] = [];
  const linked: LinkedIdentifier[] = [];
  for (const [n, i] of ids.entries()) {
    const link = links[n];
    if (!link) continue;
    if (link.customerId === owner) {
      linked.push(i);
      continue;
    }
    if (trusted(i)) {
      const reason = `one event carried ${i.key} and another identifier of this customer`;
      const m = await mergeCustomers(env, ws, owner, link.customerId, reason, actor, patterns);
      if (m.ok) {
        merges.push(m.value);
        linked.push(i);
      }
    } else {
      const customer = customerStub(env, ws, owner);
      pendingLinks.push(await customer.addPending(i, link.customerId));
    }
  }
  let verification: LinkedIdentifier["verification"] = "claimed";
  for (const i of linked) {
    const level = maxLevel(i.verification, links[ids.indexOf(i)]?.verification ?? "claimed");
    if (rank(level) > rank(verification)) verification = level;
  }
  const match: CustomerMatch = { customerId: owner, verification, merges, pendingLinks, linked };
  if (boundJourney !== undefined) match.boundJourney = boundJourney;
  return match;
}

function maxLevel(
  a: LinkedIdentifier["verification"],
  b: LinkedIdentifier["verification"],
): LinkedIdentifier["verification"] {
  return rank(a) >= rank(b) ? a : b;
}
