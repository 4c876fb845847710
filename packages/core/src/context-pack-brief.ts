/**
 * The call brief (docs/architecture.md §6): what an IVR needs at call start, small enough to be
 * precomputed at write time and kept one object hop from the caller's number.
 */
import type { JourneyContext } from "./context";

/** Constraints copied into a brief. */
export const CALL_BRIEF_CONSTRAINTS = 10;

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
  /**
   * The earliest pending promise, else the latest broken one; `status` is a PromiseStatus.
   * `atRiskAt`: when its owner was nudged before the due time (docs/api.md#worklist); missing
   * when not nudged, and in briefs stored before it existed.
   */
  promise: {
    text: string;
    dueAt: string;
    status: string;
    madeByName: string | null;
    atRiskAt?: string | null | undefined;
  } | null;
  /** `kind` is person, team or bot. */
  owner: { id: string; name: string | null; team: string | null; kind: string } | null;
  constraints: string[];
  /**
   * The same constraints with what a router needs (kind, contact window, channel, expiry).
   * Missing in briefs stored before they existed: `constraints` alone then.
   */
  constraintItems?: BriefConstraint[] | undefined;
  /** How the journey went so far, in numbers. Missing in briefs stored before it existed. */
  history?: BriefHistory | null | undefined;
  /**
   * The oldest open exception (a broken promise, a failed payment…): what the call must recover
   * from first. Missing in briefs stored before exceptions existed.
   */
  exception?: BriefException | null;
  updatedAt: string;
  seq: number;
}

/** One constraint as a router reads it. `kind` is a ConstraintInput kind. */
export interface BriefConstraint {
  text: string;
  kind: string;
  /** Local times between which the customer may be contacted. */
  window: { from: string; to: string; timeZone: string } | null;
  channel: string | null;
  /** When the constraint lapses, if ever. */
  until: string | null;
}

/** The journey's history in numbers: contacts, channels in first-use order, handoffs. */
export interface BriefHistory {
  contacts: number;
  channels: string[];
  /** When the journey started (its first contact). */
  firstContactAt: string;
  handoffs: number;
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

/** The constraints a brief carries, with their routing details. */
export function briefConstraints(ctx: JourneyContext): BriefConstraint[] {
  return ctx.constraints.slice(0, CALL_BRIEF_CONSTRAINTS).map((c) => ({
    text: c.text,
    kind: c.kind,
    window: c.window ? { ...c.window } : null,
    channel: c.channel,
    until: c.until,
  }));
}

/** The history a brief carries, from the journey's effort counters. */
export function briefHistory(ctx: JourneyContext): BriefHistory {
  return {
    contacts: ctx.effort.contacts,
    channels: [...ctx.effort.channels],
    firstContactAt: ctx.createdAt,
    handoffs: ctx.effort.handoffs,
  };
}
