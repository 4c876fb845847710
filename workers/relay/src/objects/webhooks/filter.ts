import { ClientEventType, SystemEventType } from "@baton/core";

/** Event types of the webhooks object itself, beside every journey event type. */
export const WEBHOOK_TEST = "webhook.test";
export const WEBHOOK_DISABLED = "webhook.subscription.disabled";
/** Sent when an erasure completed (docs/privacy.md "Erasure"); no personal data in it. */
export const CUSTOMER_ERASED = "customer.erased";

/** Every type a subscription can receive. Journey types follow @baton/core's enums. */
export const KNOWN_EVENT_TYPES: readonly string[] = [
  ...ClientEventType.options,
  ...SystemEventType.options,
  WEBHOOK_TEST,
  WEBHOOK_DISABLED,
  CUSTOMER_ERASED,
];

/** Patterns per subscription. */
export const MAX_EVENT_TYPES = 50;
const PATTERN = /^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?)$/;

/**
 * Whether a subscription's patterns accept an event type: `*` accepts everything, `promise.*`
 * every type under `promise.` (at any depth), anything else exactly that type.
 */
export function acceptsType(patterns: readonly string[], type: string): boolean {
  return patterns.some(
    (p) => p === "*" || p === type || (p.endsWith(".*") && type.startsWith(p.slice(0, -1))),
  );
}

/** Why a pattern is refused, or null when it names at least one known type. */
export function eventTypeProblem(pattern: string): string | null {
  if (!PATTERN.test(pattern)) {
    return "must be *, an event type such as promise.broken, or a prefix wildcard such as promise.*";
  }
  if (pattern === "*") return null;
  if (pattern.endsWith(".*")) {
    return KNOWN_EVENT_TYPES.some((t) => acceptsType([pattern], t))
      ? null
      : `${pattern} matches no event type`;
  }
  return KNOWN_EVENT_TYPES.includes(pattern) ? null : `unknown event type ${pattern}`;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Why a subscriber URL is refused, or null. HTTPS only; plain HTTP only to the loopback host
 * (local development and tests). No credentials in the URL, no fragment.
 */
export function webhookUrlProblem(raw: string): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return "must be an absolute URL";
  }
  if (u.username !== "" || u.password !== "") return "must not contain credentials";
  if (u.hash !== "") return "must not contain a fragment";
  if (u.protocol === "https:") return null;
  if (u.protocol === "http:" && LOOPBACK.has(u.hostname)) return null;
  return "must use https (plain http only for localhost, 127.0.0.1 or [::1])";
}
