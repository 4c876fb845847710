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
}
