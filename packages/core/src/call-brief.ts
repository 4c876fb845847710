/**
 * The call-start brief as the objects build it (docs/architecture.md, "The call brief"): each
 * journey object condenses its context into a card brief and pushes it with its journey card
 * to the customer object, which builds the customer's call brief from all its cards and keeps
 * it on each identifier's object, one hop from a caller's number.
 */
import type { JourneyContext } from "./context";
import {
  briefConstraints,
  briefException,
  briefHistory,
  CALL_BRIEF_CONSTRAINTS,
  type BriefConstraint,
  type BriefException,
  type BriefHistory,
  type CallBrief,
} from "./context-pack-brief";
import { isOpenPromise, type JourneyStatus } from "./journey";

/** The compact card the customer keeps per journey, refreshed by the journey object. */
export interface JourneyCard {
  id: string;
  status: JourneyStatus;
  reasonText: string | null;
  reasonTopic: string | null;
  seq: number;
  createdAt: string;
  updatedAt: string;
  resolvedAt: string | null;
  /** What the call-start brief needs, so a caller's number answers in one object hop. */
  brief?: CardBrief | null | undefined;
}

/** The part of one journey's context that the call brief carries. */
export interface CardBrief {
  owner: { id: string; name: string | null; team: string | null; kind: string } | null;
  lastAction: { text: string; at: string; actorName: string | null } | null;
  promise: CallBrief["promise"];
  constraints: string[];
  /** The constraints with kind, window, channel and expiry; missing on older cards. */
  constraintItems?: BriefConstraint[] | undefined;
  /** Contacts, channels in order, first contact, handoffs; missing on older cards. */
  history?: BriefHistory | null | undefined;
  /** Missing on cards pushed before exceptions existed. */
  exception?: BriefException | null;
}

/**
 * The part of a journey's context that the call-start brief needs: owner, last action, the
 * promise that matters most (the earliest open, with when it was marked at risk, else the
 * latest broken), constraints (with what a router needs), the history in numbers and the
 * oldest open exception.
 */
export function cardBrief(ctx: JourneyContext): CardBrief {
  const pending = ctx.promises
    .filter((p) => isOpenPromise(p.status))
    .sort((a, b) => a.dueAt.localeCompare(b.dueAt));
  const broken = ctx.promises
    .filter((p) => p.status === "broken")
    .sort((a, b) => (b.settledAt ?? "").localeCompare(a.settledAt ?? ""));
  // The earliest open promise is also the first to be marked at risk (docs/api.md#worklist).
  const promise = pending[0] ?? broken[0] ?? null;
  return {
    owner: ctx.owner
      ? { id: ctx.owner.id, name: ctx.owner.name, team: ctx.owner.team, kind: ctx.owner.kind }
      : null,
    lastAction: ctx.lastAction
      ? {
          text: ctx.lastAction.text,
          at: ctx.lastAction.at,
          actorName: ctx.lastAction.actor?.name ?? ctx.lastAction.actor?.id ?? null,
        }
      : null,
    promise: promise
      ? {
          text: promise.text,
          dueAt: promise.dueAt,
          status: promise.status,
          madeByName: promise.madeBy.name ?? promise.madeBy.id ?? null,
          ...(promise.atRiskAt ? { atRiskAt: promise.atRiskAt } : {}),
        }
      : null,
    constraints: ctx.constraints.slice(0, CALL_BRIEF_CONSTRAINTS).map((c) => c.text),
    constraintItems: briefConstraints(ctx),
    history: briefHistory(ctx),
    exception: briefException(ctx),
  };
}

/** The brief of a caller nobody knows (or whose customer has no journey yet). */
export const NO_MATCH_BRIEF: CallBrief = {
  match: "none",
  journeyId: null,
  customerId: null,
  openJourneys: 0,
  journeys: [],
  reason: null,
  lastAction: null,
  promise: null,
  owner: null,
  constraints: [],
  constraintItems: [],
  history: null,
  exception: null,
  updatedAt: new Date(0).toISOString(),
  seq: 0,
};

/**
 * The brief for a customer from its journey cards, most recently active first: the first open
 * journey leads (else the first card), and up to 3 journeys are listed (the open ones, else
 * all).
 */
export function callBrief(
  customerId: string,
  cards: (JourneyCard & { brief: CardBrief | null })[],
): CallBrief {
  const open = cards.filter((c) => c.status !== "resolved");
  const primary = open[0] ?? cards[0];
  if (!primary) return { ...NO_MATCH_BRIEF, customerId };
  const list = (open.length > 0 ? open : cards).slice(0, 3);
  return {
    match: open.length > 1 ? "multiple" : "single",
    journeyId: primary.id,
    customerId,
    openJourneys: open.length,
    journeys: list.map((c) => ({
      id: c.id,
      reasonText: c.reasonText,
      reasonTopic: c.reasonTopic,
      status: c.status,
      updatedAt: c.updatedAt,
    })),
    reason:
      primary.reasonText !== null || primary.reasonTopic !== null
        ? { text: primary.reasonText, topic: primary.reasonTopic }
        : null,
    lastAction: primary.brief?.lastAction ?? null,
    promise: primary.brief?.promise ?? null,
    owner: primary.brief?.owner ?? null,
    constraints: primary.brief?.constraints ?? [],
    // Cards stored before these existed lack them: the map then says what it can.
    ...(primary.brief?.constraintItems ? { constraintItems: primary.brief.constraintItems } : {}),
    history: primary.brief?.history ?? null,
    exception: primary.brief?.exception ?? null,
    updatedAt: primary.updatedAt,
    seq: primary.seq,
  };
}
