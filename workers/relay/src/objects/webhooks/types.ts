/** What the WebhooksObject answers over RPC (see docs/webhooks-out.md and docs/api.md §11c). */

export type WebhooksError =
  | { code: "subscription_not_found"; id: string }
  | { code: "subscription_limit_exceeded"; max: number }
  | { code: "subscription_disabled"; id: string }
  | { code: "dead_letter_not_found"; ids: string[] };

export interface SubscriptionBacklog {
  /** Due now or waiting for a retry (held while the subscription is disabled). */
  pending: number;
  /** Behind an earlier undelivered event of the same journey. */
  waiting: number;
  inFlight: number;
  dead: number;
}

export interface SubscriptionView {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: string | null;
  createdAt: string;
  updatedAt: string;
  secretRotatedAt: string | null;
  /** While set, deliveries are signed with the previous secret too. */
  previousSecretExpiresAt: string | null;
  /** The first failed attempt since the last success; null while healthy. */
  failingSince: string | null;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  backlog?: SubscriptionBacklog;
}

export interface SecretView {
  secret: string;
  previousSecretExpiresAt: string | null;
}

export interface SubscriptionInput {
  url: string;
  description?: string | null;
  eventTypes?: string[];
  enabled?: boolean;
}

/** One HTTP attempt in a subscription's delivery log. */
export interface AttemptView {
  /** Position in the subscription's log (1, 2, …): `before` pages by it. */
  id: number;
  messageId: string;
  type: string;
  journeyId: string | null;
  seq: number | null;
  attempt: number;
  at: string;
  ok: boolean;
  status: number | null;
  error: string | null;
  latencyMs: number;
}

export interface DeadLetterView {
  messageId: string;
  type: string;
  journeyId: string | null;
  seq: number | null;
  attempts: number;
  createdAt: string;
  deadAt: string;
  lastAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  /** The exact body every attempt sent (and a replay sends again). */
  payload: unknown;
}

export interface Page<T> {
  items: T[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  next: number | null;
}

/** What `enqueue` answers the journey object. */
export interface EnqueueResult {
  /** Deliveries stored by this call (duplicates and unmatched events add nothing). */
  stored: number;
  /**
   * Subscriptions that receive events, enabled or disabled (a disabled one holds them). Zero
   * tells the journey side it may skip calling until a subscription appears.
   */
  subscriptions: number;
}
