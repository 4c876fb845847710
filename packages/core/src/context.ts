import type {
  Actor,
  Channel,
  Direction,
  EventType,
  ExceptionKind,
  JourneyStatus,
  PromiseStatus,
} from "./journey";

/** One entry of the event log as the API returns it. */
export interface EventView {
  seq: number;
  id: string;
  type: EventType;
  channel: Channel | null;
  direction: Direction | null;
  actor: Actor | null;
  text: string | null;
  data: Record<string, unknown> | null;
  occurredAt: string;
  recordedAt: string;
}

export interface OwnerView {
  kind: "person" | "team" | "bot";
  id: string;
  name: string | null;
  team: string | null;
  since: string;
}

/** One status change of a promise, in order. */
export interface PromiseHistoryEntry {
  at: string;
  from: PromiseStatus | null;
  to: PromiseStatus;
  seq: number;
  actor: Actor | null;
  note: string | null;
}

export interface PromiseView {
  id: string;
  text: string;
  dueAt: string;
  /** When an overdue promise still unsettled becomes broken. */
  verifyBy: string;
  madeBy: Actor;
  channel: Channel | null;
  status: PromiseStatus;
  createdAt: string;
  settledAt: string | null;
  note: string | null;
  /** The promise this one replaced by renegotiation, and the one that replaced it. */
  replaces: string | null;
  replacedBy: string | null;
  history: PromiseHistoryEntry[];
  /**
   * When Baton nudged the owner that this promise falls due soon (docs/api.md#worklist): a
   * pending promise with it set is "at risk" and comes first in every pack. Null (or missing,
   * in contexts built before it existed) when not nudged.
   */
  atRiskAt?: string | null;
}

/** Something that went wrong and must be recovered from first (docs/promises.md). */
export interface ExceptionView {
  id: string;
  kind: ExceptionKind;
  text: string;
  guidance: string | null;
  status: "open" | "resolved";
  /** The promise behind a broken_promise exception. */
  promiseId: string | null;
  raisedAt: string;
  raisedBy: Actor | null;
  /** Who it was escalated to (the owner's fallback), if anyone. */
  escalatedTo: { kind: string; id: string; name: string | null; team: string | null } | null;
  resolvedAt: string | null;
  note: string | null;
}

export interface ConstraintView {
  id: string;
  text: string;
  kind: string;
  window: { from: string; to: string; timeZone: string } | null;
  channel: Channel | null;
  until: string | null;
  createdAt: string;
}

export interface FactView {
  key: string;
  value: string | number | boolean;
  source: string;
  at: string;
}

export interface EffortView {
  contacts: number;
  channels: Channel[];
  channelSwitches: number;
  handoffs: number;
  repeats: number;
  brokenPromises: number;
}

/** The six context items plus status, facts and effort: what every touchpoint reads. */
export interface JourneyContext {
  id: string;
  workspace: string;
  customerId: string | null;
  status: JourneyStatus;
  statusSince: string;
  reason: { text: string | null; topic: string | null; at: string } | null;
  owner: OwnerView | null;
  lastAction: { text: string; actor: Actor | null; at: string; seq: number } | null;
  constraints: ConstraintView[];
  promises: PromiseView[];
  /** Open exceptions first (oldest first), then the latest resolved ones. */
  exceptions: ExceptionView[];
  facts: FactView[];
  history: { total: number; recent: EventView[] };
  effort: EffortView;
  /** Set by Baton when something needs a human's eye, e.g. `handoff_loop`. */
  flags: string[];
  seq: number;
  createdAt: string;
  updatedAt: string;
  /** Earlier journeys this one may continue (docs/continuity.md); the journey object always sets it. */
  predecessors?: PredecessorView[];
}

/**
 * An earlier journey of the same customer that this one may continue (docs/continuity.md):
 * a snapshot taken when it was linked, plus how it was linked.
 */
export interface PredecessorView {
  journeyId: string;
  reason: { text: string | null; topic: string | null } | null;
  /** How it ended: its status when linked, when it was resolved, and the resolution note. */
  status: JourneyStatus;
  createdAt: string;
  resolvedAt: string | null;
  resolutionNote: string | null;
  owner: OwnerView | null;
  /** Promises still open (pending, overdue) or broken, at most 5. */
  promises: Pick<PromiseView, "id" | "text" | "dueAt" | "status" | "madeBy">[];
  /** Constraints still in force, at most 5. */
  constraints: ConstraintView[];
  /** Facts the customer already gave there, at most 10. */
  facts: FactView[];
  /** Why it was linked: a detector rule, or `agent` for a link made through the API. */
  rule: "reference" | "topic" | "text" | "agent";
  score: number;
  /** `baton` for a link the detector made, else the agent's id. */
  linkedBy: string;
  linkedAt: string;
  note: string | null;
  /** The predecessor was resolved: the customer is starting over. */
  startOver: boolean;
}

/** One change after a touch: an event of this journey or of the predecessor it continues. */
export interface TouchChange {
  journeyId: string;
  seq: number;
  type: EventType;
  /** promise (promise.* events), owner (owner.changed), status (status.changed), else event. */
  kind: "event" | "promise" | "owner" | "status";
  at: string;
  actor: Actor | null;
  text: string | null;
}

/** Who touched a journey last: a pack served to an audience, or the customer's own contact. */
export type TouchAudience = "agent" | "bot" | "ivr" | "customer";

/** What changed since the last touch (docs/continuity.md), answered when no `since` is given. */
export interface SinceLastTouch {
  since: string;
  audience: TouchAudience;
  /** The journey the touch was on: this one, or the predecessor a new journey continues. */
  journeyId: string;
  /** Newest first, at most 20. */
  changes: TouchChange[];
  /** Changes after the touch before the cap. */
  total: number;
  truncated: boolean;
}
