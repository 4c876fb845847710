import type { EventView } from "@baton/core";

/**
 * One journey event on its way to webhook subscribers. The journey object writes it to its
 * `hook_outbox` table in the same transaction as the event and hands batches of them to the
 * workspace's WebhooksObject from its alarm (at least once: `enqueue` must be idempotent on
 * `id` per subscription).
 */
export interface OutboundEvent {
  /** The message id sent as `webhook-id`: the event id, stable across retries. */
  id: string;
  /** The event type, e.g. `message`, `promise.broken`, `exception.raised`. */
  type: string;
  workspace: string;
  journeyId: string;
  customerId: string | null;
  /** The event's gapless sequence number within its journey: receivers order by it. */
  seq: number;
  /** The event as GET /v1/journeys/:id/events returns it (already redacted). */
  event: EventView;
}
