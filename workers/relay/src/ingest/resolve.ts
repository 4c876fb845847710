import { err, ok, type CompiledPattern, type Result } from "@baton/core";
import { identityStub } from "../objects/access";
import { matchCustomer, type CustomerMatch } from "./match-customer";
import type { Normalized } from "./normalize";
import type { ErasedError, IdentifierError, IngestContext, UnresolvableError } from "./types";

/** The customer the event's identifiers name; its object picks the journey (append.ts). */
export interface CustomerRoute {
  kind: "customer";
  match: CustomerMatch;
}

/**
 * Where the event goes: a journey already named, or the customer its identifiers name. A
 * journey found by an SMS pair binding carries `orElse`, the customer route to take instead
 * when that journey is gone (pipeline.ts).
 */
export type Route =
  | { kind: "journey"; journeyId: string; rule: "explicit" | "thread"; orElse?: CustomerRoute }
  | CustomerRoute;

export interface ResolveRequest {
  journeyId: string | undefined;
  refs: string[];
  ids: Result<Normalized, IdentifierError>;
  actor: unknown;
  patterns: readonly CompiledPattern[];
  /**
   * For an inbound SMS, the company number it was sent to (binding.ts `smsCompany`): the
   * sender's lookup then also reads the pair's binding (docs/channels/twilio.md "Pair binding").
   */
  pairWith?: string | undefined;
  /** The tombstone hash of the event's idempotency key (tombstone.ts), when it has one. */
  tombstone?: string | undefined;
}

/**
 * Resolution, in order: the explicit journey id; a thread reference some journey already
 * claimed; else the customer behind the identifiers (linking, merging or holding links as
 * their verification allows; match-customer.ts). The customer object then picks its journey
 * in append.ts, atomically with its card of open journeys. An inbound SMS on a bound number
 * pair goes to the bound journey instead (rule `thread`), found by the same identity lookup.
 */
export async function resolve(
  ctx: IngestContext,
  req: ResolveRequest,
): Promise<Result<Route, IdentifierError | UnresolvableError | ErasedError>> {
  if (req.journeyId) return ok({ kind: "journey", journeyId: req.journeyId, rule: "explicit" });
  const hit = req.refs.length > 0 ? await threadMatch(ctx, req.refs) : null;
  if (hit) return ok({ kind: "journey", journeyId: hit.journeyId, rule: "thread" });
  if (!req.ids.ok) return req.ids;
  const { linked, anonymous } = req.ids.value;
  if (linked.length === 0) {
    const why = anonymous > 0 ? "the caller is anonymous or withheld" : "no identifiers";
    return err({ code: "unresolvable_event", detail: `no known thread reference and ${why}` });
  }
  const { env, workspace } = ctx;
  const match = await matchCustomer(
    env,
    workspace,
    linked,
    req.actor,
    req.patterns,
    req.pairWith,
    req.tombstone,
  );
  if ("erased" in match) {
    return err({
      code: "customer_erased",
      detail: "this message belongs to a customer who was erased; nothing was stored",
    });
  }
  const customer: CustomerRoute = { kind: "customer", match };
  if (match.boundJourney === undefined) return ok(customer);
  return ok({ kind: "journey", journeyId: match.boundJourney, rule: "thread", orElse: customer });
}

/** The journey that first claimed any of the thread references, or null. */
async function threadMatch(ctx: IngestContext, refs: string[]) {
  const { env, workspace } = ctx;
  const threads = await Promise.all(
    refs.map(async (r) => identityStub(env, workspace, `thread:${r}`).thread(workspace)),
  );
  return threads.find((t) => t !== null) ?? null;
}
