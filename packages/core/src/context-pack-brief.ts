/**
 * The call brief (docs/architecture.md §6): what an IVR needs at call start, small enough to be
 * precomputed at write time and kept one object hop from the caller's number.
 */
import type { JourneyContext } from "./context";
import { isOpenPromise } from "./journey";

/** Journeys listed in a brief, and constraints copied into it. */
const CALL_BRIEF_JOURNEYS = 3;
const CALL_BRIEF_CONSTRAINTS = 10;

export type CallMatch = "single" | "multiple" | "none";

/** One of the customer's journeys, as the call brief lists it. */
export interface CallBriefJourney {
  id: string;
  reasonText: string | null;
  reasonTopic: string | null;
  /** A JourneyStatus; typed loosely because briefs are stored as JSON and read back. */
  status: string;
  updatedAt: string;
}

/**
 * What the IVR needs at call start, precomputed at write time and kept where the caller's
 * number lands first (docs/architecture.md §6). `journeyId`, `reason`, `lastAction`, `promise` and
 * `owner` describe the most recently active journey.
 */
export interface CallBrief {
  match: CallMatch;
  journeyId: string | null;
  customerId: string | null;
  openJourneys: number;
  /** Most recent first, at most 3. */
  journeys: CallBriefJourney[];
  reason: { text: string | null; topic: string | null } | null;
  lastAction: { text: string; at: string; actorName: string | null } | null;
  /** The earliest pending promise, else the latest broken one; `status` is a PromiseStatus. */
  promise: { text: string; dueAt: string; status: string; madeByName: string | null } | null;
  /** `kind` is person, team or bot. */
  owner: { id: string; name: string | null; team: string | null; kind: string } | null;
  constraints: string[];
  /**
   * The oldest open exception (a broken promise, a failed payment…): what the call must recover
   * from first. Missing in briefs stored before exceptions existed.
   */
  exception?: BriefException | null;
  updatedAt: string;
  seq: number;
}

export interface BriefException {
  kind: string;
  text: string;
  guidance: string | null;
}

/** The exception a brief carries: the oldest open one. */
export function briefException(ctx: JourneyContext): BriefException | null {
  const e = ctx.exceptions.find((x) => x.status === "open");
  return e ? { kind: e.kind, text: e.text, guidance: e.guidance } : null;
}

function latestBroken(ps: JourneyContext["promises"]): JourneyContext["promises"][number] | null {
  const broken = ps.filter((p) => p.status === "broken");
  broken.sort((a, b) => (b.settledAt ?? b.dueAt).localeCompare(a.settledAt ?? a.dueAt));
  return broken[0] ?? null;
}

function briefPromise(ctx: JourneyContext): CallBrief["promise"] {
  const pending = ctx.promises
    .filter((p) => isOpenPromise(p.status))
    .sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt));
  const p = pending[0] ?? latestBroken(ctx.promises);
  if (!p) return null;
  return { text: p.text, dueAt: p.dueAt, status: p.status, madeByName: p.madeBy.name ?? null };
}

/**
 * Builds the call brief for `ctx`, the customer's most recently active journey. `others` are
 * the customer's other journeys; any open one among them makes the match `multiple`.
 */
export function briefFromContext(ctx: JourneyContext, others: CallBriefJourney[]): CallBrief {
  const self: CallBriefJourney = {
    id: ctx.id,
    reasonText: ctx.reason?.text ?? null,
    reasonTopic: ctx.reason?.topic ?? null,
    status: ctx.status,
    updatedAt: ctx.updatedAt,
  };
  const otherOpen = others.filter((o) => o.id !== ctx.id && o.status !== "resolved");
  const journeys = [self, ...otherOpen]
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
    .slice(0, CALL_BRIEF_JOURNEYS);
  const la = ctx.lastAction;
  const o = ctx.owner;
  return {
    match: otherOpen.length > 0 ? "multiple" : "single",
    journeyId: ctx.id,
    customerId: ctx.customerId,
    openJourneys: (ctx.status === "resolved" ? 0 : 1) + otherOpen.length,
    journeys,
    reason: ctx.reason ? { text: ctx.reason.text, topic: ctx.reason.topic } : null,
    lastAction: la ? { text: la.text, at: la.at, actorName: la.actor?.name ?? null } : null,
    promise: briefPromise(ctx),
    owner: o ? { id: o.id, name: o.name, team: o.team, kind: o.kind } : null,
    constraints: ctx.constraints.slice(0, CALL_BRIEF_CONSTRAINTS).map((c) => c.text),
    exception: briefException(ctx),
    updatedAt: ctx.updatedAt,
    seq: ctx.seq,
  };
}
