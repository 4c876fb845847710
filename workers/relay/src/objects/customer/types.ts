import type { ContinuityMatch, IdentifierType, JourneyCard, Verification } from "@baton/core";

/** An identifier as the customer object records it, with its provenance. */
export interface LinkedIdentifier {
  key: string;
  type: IdentifierType;
  value: string;
  source: string;
  verification: Verification;
  createdAt: string;
}

export interface MergeView {
  id: string;
  role: "survivor" | "absorbed";
  otherCustomerId: string;
  reason: string;
  actor: unknown;
  createdAt: string;
  undoneAt: string | null;
}

export interface PendingLinkView {
  id: string;
  identifier: { type: IdentifierType; value: string };
  source: string;
  otherCustomerId: string;
  createdAt: string;
  status: "pending" | "confirmed" | "rejected";
  settledAt: string | null;
}

export interface CustomerView {
  id: string;
  workspace: string;
  createdAt: string;
  mergedInto: string | null;
  identifiers: LinkedIdentifier[];
  journeys: JourneyCard[];
  merges: MergeView[];
  pendingLinks: PendingLinkView[];
}

export type Resolution =
  | { kind: "redirect"; customerId: string }
  | {
      kind: "journey";
      journeyId: string;
      rule: "customer_open_journey" | "reopened" | "new_journey";
      alternatives: string[];
      created: boolean;
      /** A new journey: the customer's earlier journeys it may continue (docs/continuity.md). */
      predecessors?: ContinuityMatch[];
    };

export interface ResolveRequest {
  workspace: string;
  customerId: string;
  identifiers: LinkedIdentifier[];
  reopenWindowMs: number;
  forceNew: boolean;
  /**
   * The request's idempotency key, with `forceNew`: a retry of the request that started a
   * journey gets that journey again (where its key replays) instead of yet another one.
   */
  requestKey?: string | undefined;
  /**
   * The new event's (redacted) reason text and topic, and the workspace's continuity window:
   * a journey created here is matched against the customer's earlier ones.
   */
  continuity?: { text: string | null; topic: string | null; windowDays: number } | undefined;
}

/** What a merge moved out of the absorbed customer, so unmerge can move exactly that back. */
export interface MergeMoved {
  identifiers: LinkedIdentifier[];
  journeys: JourneyCard[];
}

export type CustomerError =
  | { code: "customer_not_found" }
  | { code: "customer_merged"; into: string }
  | { code: "merge_not_found"; id: string }
  | { code: "merge_undone"; id: string }
  | { code: "identifier_not_found"; key: string }
  | { code: "verification_not_found"; id: string }
  | { code: "verification_failed"; attemptsLeft: number }
  | { code: "verification_expired" }
  | { code: "pending_link_not_found"; id: string };
