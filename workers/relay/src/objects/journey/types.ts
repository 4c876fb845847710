import type {
  ActionInput,
  Actor,
  Channel,
  ClientEventType,
  ConstraintInput,
  Direction,
  Facts,
  JourneyContext,
  JourneyPatch,
  OwnerInput,
  ExceptionInput,
  ExceptionResolveInput,
  PromiseInput,
  PromiseRenegotiateInput,
  PromiseSettleInput,
  PromiseTimingError,
  WorkspaceSettings,
  Reason,
  StatusInput,
} from "@baton/core";
import type { PredecessorLink } from "./continuity";

/** The bot↔human ping-pong guard, from the workspace settings. */
export interface HandoffGuard {
  maxBotHumanSwitches: number;
  windowMinutes: number;
}

/** The workspace's promise policy, applied when a promise is made (docs/promises.md). */
export type PromisePolicy = WorkspaceSettings["promises"] & {
  /** Owner nudges: minutes before dueAt (outreach.nudges.leadMinutes); none = no nudges. */
  nudgeLeadMinutes?: number[] | undefined;
};
/** The workspace's recovery settings: whose fallback takes an escalated journey. */
export type Recovery = WorkspaceSettings["recovery"];

/** Expected failures of the journey object; `toProblem` maps each to an HTTP problem. */
export type JourneyError =
  | { code: "journey_not_found" }
  | { code: "journey_resolved"; resolvedAt: string | null }
  | { code: "promise_not_found"; id: string }
  | { code: "promise_settled"; id: string; status: string }
  | { code: "constraint_not_found"; id: string }
  | { code: "exception_not_found"; id: string }
  | { code: "exception_resolved"; id: string }
  | { code: "limit_exceeded"; what: string; max: number }
  | { code: "idempotency_key_reused" }
  | { code: "owner_conflict"; currentOwnerId: string | null }
  | PromiseTimingError;

/** A validated event on its way into the log. */
export interface NewEvent {
  type: ClientEventType;
  channel: Channel;
  direction: Direction;
  actor: Actor;
  text?: string | undefined;
  data?: Record<string, unknown> | undefined;
  occurredAt?: string | undefined;
  reason?: Reason | undefined;
  facts?: Facts | undefined;
  repeated?: boolean | undefined;
  /** Replacements redaction made in `text` and `data` before the object (events.redactions). */
  redactions?: number | undefined;
}

/** Idempotency: the caller's key and a fingerprint of the request it was first used with. */
export interface Idempotency {
  key: string;
  fingerprint: string;
}

export interface IngestRequest {
  workspace: string;
  journeyId: string;
  customerId: string | null;
  /** Start the journey when this object holds none yet. */
  create: boolean;
  /** What an event does to a resolved journey: reopen it, or fail with `journey_resolved`. */
  whenResolved: "reopen" | "reject";
  idempotency?: Idempotency | undefined;
  event: NewEvent;
  /**
   * Earlier journeys the customer object matched (docs/continuity.md), with their snapshots:
   * stored only when this write starts the journey, in the same transaction.
   */
  predecessors?: PredecessorLink[] | undefined;
  /** The event's thread references (claimed for this journey once written): kept for erasure. */
  threadRefs?: string[] | undefined;
}

/** What erasing a journey found (docs/privacy.md "Erasure"). */
export interface JourneyErasure {
  /** The object held this journey (false: already erased, or never written). */
  found: boolean;
  customerId: string | null;
  events: number;
  /** Tombstones of the events' idempotency keys (ingest/tombstone.ts). */
  tombstones: string[];
  threadRefs: string[];
  /** Live chat sockets closed by the erasure. */
  socketsClosed: number;
}

export interface WriteOutcome {
  seq: number;
  eventId: string;
  /** Id of the promise or constraint the write created, if any. */
  createdId: string | null;
  /** True when an idempotency key matched an earlier write and nothing new was stored. */
  replayed: boolean;
  /** True when this write started the journey. */
  created: boolean;
  context: JourneyContext;
}

export type JourneyCommand =
  | { kind: "patch"; patch: JourneyPatch }
  | { kind: "owner"; owner: OwnerInput; guard?: HandoffGuard | undefined }
  | { kind: "promise.add"; promise: PromiseInput; policy: PromisePolicy }
  | {
      kind: "promise.settle";
      id: string;
      settle: PromiseSettleInput;
      recovery?: Recovery | undefined;
      timeZone?: string | undefined;
    }
  | {
      kind: "promise.renegotiate";
      id: string;
      renegotiate: PromiseRenegotiateInput;
      policy: PromisePolicy;
    }
  | { kind: "exception.raise"; exception: ExceptionInput; recovery?: Recovery | undefined }
  | { kind: "exception.resolve"; id: string; resolve: ExceptionResolveInput }
  | { kind: "constraint.add"; constraint: ConstraintInput }
  | { kind: "constraint.remove"; id: string; actor?: Actor | undefined }
  | { kind: "action"; action: ActionInput }
  | { kind: "status"; status: StatusInput };

export interface CommandRequest {
  workspace: string;
  journeyId: string;
  idempotency?: Idempotency | undefined;
  command: JourneyCommand;
}

export interface EventsPage {
  items: JourneyContext["history"]["recent"];
  nextAfter: number | null;
}

/** Refusals of a predecessor link or unlink (docs/continuity.md); routes/journeys.ts maps them. */
export type ContinuityError =
  | { code: "predecessor_self" }
  | { code: "predecessor_not_found"; id: string }
  | { code: "predecessor_other_customer"; id: string }
  | { code: "predecessor_cycle"; id: string }
  | { code: "predecessor_limit"; max: number };

/** What a link or unlink did: `changed` false when it was already so (nothing written). */
export interface ContinuityOutcome {
  changed: boolean;
  seq: number | null;
  eventId: string | null;
  context: JourneyContext;
}
