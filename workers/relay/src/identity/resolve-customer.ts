import { newId } from "@baton/core";
import type { CustomerObject } from "../objects/customer";
import type { LinkedIdentifier, PendingLinkView } from "../objects/customer-types";
import type { IdentityLink, IdentityObject } from "../objects/identity";
import { rpc } from "../objects/rpc";
import { mergeCustomers, type MergeOutcome } from "./merge";
import { rank } from "./normalize";
import { customerStub, identityStub } from "./stubs";

export interface CustomerMatch {
  customerId: string;
  /** The strongest verification by which the event's identifiers tie it to this customer. */
  verification: LinkedIdentifier["verification"];
  merges: MergeOutcome[];
  pendingLinks: PendingLinkView[];
}

const trusted = (i: LinkedIdentifier) => i.verification !== "claimed";

async function lookup(env: Env, ws: string, i: LinkedIdentifier): Promise<IdentityLink | null> {
  return rpc<IdentityObject["lookup"]>(await identityStub(env, ws, i.key).lookup(ws));
}

async function claim(env: Env, ws: string, i: LinkedIdentifier, customerId: string | null) {
  return rpc<IdentityObject["claim"]>(
    await identityStub(env, ws, i.key).claim(ws, i.key, customerId, i.source, i.verification),
  );
}

/**
 * Finds the customer behind an event's identifiers (DESIGN.md §2 "identity links have
 * provenance"):
 * - only verified or asserted identifiers may lead to an existing customer; a merely claimed
 *   one never unlocks another customer's context;
 * - with no such match, the first identifier's object creates the customer, which serializes
 *   concurrent first contacts into one customer;
 * - other identifiers are linked to that customer when free; when they belong to another
 *   customer, a verified/asserted one merges the two, a claimed one waits as a pending link.
 */
export async function matchCustomer(
  env: Env,
  ws: string,
  ids: LinkedIdentifier[],
  actor: unknown,
): Promise<CustomerMatch> {
  const links = await Promise.all(ids.map((i) => lookup(env, ws, i)));
  let customerId: string | null = null;
  ids.forEach((i, n) => {
    const link = links[n];
    if (customerId === null && link && trusted(i)) customerId = link.customerId;
  });
  const held = new Set<number>();
  if (customerId === null) {
    const freeIdx = ids.findIndex((_, n) => links[n] === null);
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
  const merges: MergeOutcome[] = [];
  const pendingLinks: PendingLinkView[] = [];
  let verification: LinkedIdentifier["verification"] = "claimed";
  for (const [n, i] of ids.entries()) {
    let link = links[n] ?? null;
    if (link === null || (link.customerId === owner && !held.has(n)))
      link = await claim(env, ws, i, owner);
    if (link.customerId === owner) {
      const level =
        rank(i.verification) >= rank(link.verification) ? i.verification : link.verification;
      if (rank(level) > rank(verification)) verification = level;
      continue;
    }
    if (trusted(i)) {
      const m = await mergeCustomers(
        env,
        ws,
        owner,
        link.customerId,
        `one event carried ${i.key} and another identifier of this customer`,
        actor,
      );
      if (m.ok) merges.push(m.value);
      if (rank(i.verification) > rank(verification)) verification = i.verification;
    } else {
      const customer = customerStub(env, ws, owner);
      pendingLinks.push(
        rpc<CustomerObject["addPending"]>(await customer.addPending(i, link.customerId)),
      );
    }
  }
  return { customerId: owner, verification, merges, pendingLinks };
}
