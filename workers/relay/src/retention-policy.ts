import type { RetentionSettings } from "@baton/core";

/**
 * The retention policy both retention passes share (docs/privacy.md, "Retention"): what a
 * body is replaced by, which events have bodies, the default periods and the cutoffs they
 * give. The journey objects' alarms (objects/journey/retention.ts) and the D1 cron
 * (history/retention.ts) both import this module; it imports neither.
 */

/** What a body is replaced by. */
export const EXPIRED = "[expired]";
/** Event types whose text and data are bodies (what a customer or agent said or wrote). */
export const BODY_TYPES = ["message", "call"] as const;
export const DAY_MS = 86_400_000;

export const DEFAULT_RETENTION: RetentionSettings = {
  messageBodyDays: 365,
  eventDays: 730,
  resolvedJourneyDays: 365,
};

/** ISO cutoffs: values strictly before them are past retention. */
export function cutoffs(
  policy: RetentionSettings,
  now: number,
): { bodies: string; events: string; resolved: string } {
  const before = (days: number) => new Date(now - days * DAY_MS).toISOString();
  return {
    bodies: before(policy.messageBodyDays),
    events: before(policy.eventDays),
    resolved: before(policy.resolvedJourneyDays),
  };
}
