import { err, ok, type CompiledPattern, type Result } from "@baton/core";
import { identityStub } from "../objects/access";
import { matchCustomer, type CustomerMatch } from "./match-customer";
import type { Normalized } from "./normalize";
import type { IdentifierError, IngestContext, UnresolvableError } from "./types";

/** Where the event goes: a journey already named, or the customer its identifiers name. */
export type Route =
  | { kind: "journey"; journeyId: string; rule: "explicit" | "thread" }
  | { kind: "customer"; match: CustomerMatch };

export interface ResolveRequest {
  journeyId: string | undefined;
  refs: string[];
  ids: Result<Normalized, IdentifierError>;
  actor: unknown;
  patterns: readonly CompiledPattern[];
}

/**
 * Resolution, in order: the explicit journey id; a thread reference some journey already
 * claimed; else the customer behind the identifiers (linking, merging or holding links as
 * their verification allows; match-customer.ts). The customer object then picks its journey
 * in append.ts, atomically with its card of open journeys.
 */
export async function resolve(
  ctx: IngestContext,
  req: ResolveRequest,
): Promise<Result<Route, IdentifierError | UnresolvableError>> {
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
  const match = await matchCustomer(env, workspace, linked, req.actor, req.patterns);
  return ok({ kind: "customer", match });
}

/** The journey that first claimed any of the thread references, or null. */
async function threadMatch(ctx: IngestContext, refs: string[]) {
  const { env, workspace } = ctx;
  const threads = await Promise.all(
    refs.map(async (r) => identityStub(env, workspace, `thread:${r}`).thread(workspace)),
  );
  return threads.find((t) => t !== null) ?? null;
}
