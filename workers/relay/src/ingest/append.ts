import { err, ok, type ContinuityMatch, type Result } from "@baton/core";
import { customerStub, identityStub, journeyStub } from "../objects/access";
import type { PredecessorLink } from "../objects/journey/continuity";
import type { Idempotency, JourneyError, NewEvent } from "../objects/journey/types";
import type { Route } from "./resolve";
import type { IngestContext, IngestResult } from "./types";

/** The reopen window when the workspace sets none: a journey resolved this recently reopens. */
const DEFAULT_REOPEN_HOURS = 72;
/** How far back a new journey looks for the customer's journeys it may continue. */
const DEFAULT_CONTINUITY_DAYS = 30;

/**
 * The last step: one journey write. A journey named by id or thread reopens if resolved. For
 * a customer, the customer object picks the journey (its open one, a recently resolved one to
 * reopen, or a new one) and the event is appended there; if the journey resolved meanwhile
 * (the customer's card was stale), the customer records that and picks again.
 */
export async function append(
  ctx: IngestContext,
  route: Route,
  event: NewEvent,
  how: AppendOptions,
): Promise<Result<IngestResult, JourneyError>> {
  const result = await write(ctx, route, event, how);
  if (!result.ok || how.refs.length === 0) return result;
  // The event's thread references now lead to its journey (the first claim of each wins).
  const { env, workspace } = ctx;
  const { journeyId, customerId } = result.value;
  await Promise.all(
    how.refs.map(async (r) =>
      identityStub(env, workspace, `thread:${r}`).claimThread(workspace, r, journeyId, customerId),
    ),
  );
  return result;
}

export interface AppendOptions {
  idempotency: Idempotency | undefined;
  /** The event asked for a new journey (`newJourney`). */
  forceNew: boolean;
  /** The event's thread references: claimed for its journey once it is written. */
  refs: string[];
}

async function write(
  ctx: IngestContext,
  route: Route,
  event: NewEvent,
  { idempotency, forceNew, refs }: AppendOptions,
): Promise<Result<IngestResult, JourneyError>> {
  const threadRefs = refs.length > 0 ? refs : undefined;
  if (route.kind === "journey") {
    return appendTo(ctx, route.journeyId, route.rule, event, idempotency, threadRefs);
  }
  const { env, workspace, settings } = ctx;
  const { match } = route;
  let customerId = match.customerId;
  const reopenWindowMs = (settings?.reopenWindowHours ?? DEFAULT_REOPEN_HOURS) * 3_600_000;
  const continuity = {
    text: event.reason?.text ?? event.text ?? null,
    topic: event.reason?.topic ?? null,
    windowDays: settings?.continuityWindowDays ?? DEFAULT_CONTINUITY_DAYS,
  };
  for (let attempt = 0; attempt < 4; attempt++) {
    const customer = customerStub(env, workspace, customerId);
    const pick = await customer.resolve({
      workspace,
      customerId,
      identifiers: match.linked,
      reopenWindowMs,
      forceNew,
      requestKey: idempotency?.key,
      continuity,
    });
    if (pick.kind === "redirect") {
      customerId = pick.customerId;
      continue;
    }
    const predecessors = pick.predecessors
      ? await snapshots(ctx, customerId, pick.predecessors)
      : undefined;
    const res = await journeyStub(env, workspace, pick.journeyId).ingest({
      workspace,
      journeyId: pick.journeyId,
      customerId,
      create: true,
      whenResolved: pick.rule === "reopened" ? "reopen" : "reject",
      idempotency,
      event,
      predecessors,
      threadRefs,
    });
    if (res.ok) {
      return ok({
        ...res.value,
        journeyId: pick.journeyId,
        customerId,
        resolution: { rule: pick.rule, alternatives: pick.alternatives },
        verification: match.verification,
        merges: match.merges,
        pendingLinks: match.pendingLinks,
      });
    }
    if (res.error.code !== "journey_resolved") return res;
    // The card was stale: record the resolution and ask again.
    await customer.closed(pick.journeyId, res.error.resolvedAt ?? new Date().toISOString());
  }
  return err({ code: "journey_resolved", resolvedAt: null });
}

/** Appends to a journey named by id or thread; a resolved journey reopens. */
async function appendTo(
  ctx: IngestContext,
  journeyId: string,
  rule: "explicit" | "thread",
  event: NewEvent,
  idempotency: Idempotency | undefined,
  threadRefs: string[] | undefined,
): Promise<Result<IngestResult, JourneyError>> {
  const { env, workspace } = ctx;
  const res = await journeyStub(env, workspace, journeyId).ingest({
    workspace,
    journeyId,
    customerId: null,
    create: false,
    whenResolved: "reopen",
    idempotency,
    event,
    threadRefs,
  });
  if (!res.ok) return res;
  return ok({
    ...res.value,
    journeyId,
    customerId: res.value.context.customerId,
    resolution: { rule, alternatives: [] },
    verification: null,
    merges: [],
    pendingLinks: [],
  });
}

/**
 * The snapshots of the earlier journeys a new journey may continue (docs/continuity.md): one
 * call per match, in parallel, only when a journey is created with matches. A predecessor
 * that fails to answer, or now belongs to another customer, is left out: continuity never
 * fails an event.
 */
async function snapshots(
  ctx: IngestContext,
  customerId: string,
  matches: ContinuityMatch[],
): Promise<PredecessorLink[]> {
  const { env, workspace } = ctx;
  const got = await Promise.all(
    matches.map(async (m) => {
      try {
        const snap = await journeyStub(env, workspace, m.journeyId).snapshot(
          workspace,
          m.journeyId,
        );
        if (!snap.ok || snap.value.customerId !== customerId) return null;
        const link: PredecessorLink = {
          snapshot: snap.value,
          rule: m.rule,
          score: m.score,
          startOver: m.startOver,
          linkedBy: "baton",
          note: null,
        };
        return link;
      } catch (e) {
        console.error(`predecessor snapshot failed: ${e instanceof Error ? e.message : String(e)}`);
        return null;
      }
    }),
  );
  return got.filter((l): l is PredecessorLink => l !== null);
}
