import type { CallBrief } from "@baton/core";
import type { CardBrief, JourneyCard } from "./customer-types";

/**
 * The call-start brief (type in @baton/core): what an IVR needs the moment a call arrives,
 * precomputed whenever a journey card changes and kept on each identifier's object, one hop
 * from a caller's number.
 */
export type { CallBrief };

/** The brief of a caller nobody knows (or whose customer has no journey yet). */
export const NO_MATCH: CallBrief = {
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
  exception: null,
  updatedAt: new Date(0).toISOString(),
  seq: 0,
};

/** The brief for a customer from its journey cards (most recently active first). */
export function callBrief(
  customerId: string,
  cards: (JourneyCard & { brief: CardBrief | null })[],
): CallBrief {
  const open = cards.filter((c) => c.status !== "resolved");
  const primary = open[0] ?? cards[0];
  if (!primary) return { ...NO_MATCH, customerId };
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
    exception: primary.brief?.exception ?? null,
    updatedAt: primary.updatedAt,
    seq: primary.seq,
  };
}
