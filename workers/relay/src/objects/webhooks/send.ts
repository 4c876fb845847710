import { signWebhookHeader } from "@baton/core";
import { ATTEMPT_TIMEOUT_MS, MAX_RETRY_DELAY_MS, RETRY_JITTER, RETRY_SCHEDULE_MS } from "./schema";

export const USER_AGENT = "Baton-Webhooks/1";

/** A delivery claimed for one attempt (marked in flight before it is sent). */
export interface Claim {
  deliveryId: number;
  subscriptionId: string;
  url: string;
  /** Current secret first, then the previous one while its grace period lasts. */
  secrets: string[];
  msgId: string;
  type: string;
  journeyId: string | null;
  seq: number | null;
  body: string;
  /** 1-based number of this attempt. */
  attempt: number;
}

export interface Outcome {
  ok: boolean;
  /** HTTP status, or null when no response came (timeout, connection error). */
  status: number | null;
  error: string | null;
  latencyMs: number;
  /** From `Retry-After` on a 429 or 503, in milliseconds. */
  retryAfterMs: number | null;
}

/** `Retry-After` as milliseconds from now: delay-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (/^\d{1,9}$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * The wait before the retry that follows failed attempt `attempt` (1-based): the schedule's
 * step lengthened by up to RETRY_JITTER, or a longer `Retry-After`, capped at
 * MAX_RETRY_DELAY_MS (never shorter than the schedule).
 */
export function retryDelayMs(
  attempt: number,
  retryAfterMs: number | null = null,
  random: number = Math.random(),
): number {
  const index = Math.min(Math.max(attempt, 1), RETRY_SCHEDULE_MS.length) - 1;
  const base = Math.round((RETRY_SCHEDULE_MS[index] ?? 0) * (1 + RETRY_JITTER * random));
  if (retryAfterMs === null) return base;
  return Math.max(base, Math.min(retryAfterMs, MAX_RETRY_DELAY_MS));
}

/**
 * One attempt: POST the stored body with the Standard Webhooks headers, signed now with every
 * valid secret. 2xx is success; any other status (redirects are not followed), a timeout or a
 * network error is a failure. Never throws.
 */
export async function sendAttempt(claim: Claim): Promise<Outcome> {
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  try {
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = await signWebhookHeader(claim.secrets, claim.msgId, timestamp, claim.body);
    const res = await fetch(claim.url, {
      method: "POST",
      body: claim.body,
      redirect: "manual",
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      headers: {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": claim.msgId,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": signature,
      },
    });
    // The body is not used; drain it so the connection can be reused (bounded by the timeout).
    await res.arrayBuffer().catch(() => undefined);
    const ok = res.status >= 200 && res.status < 300;
    const retryAfterMs =
      res.status === 429 || res.status === 503
        ? parseRetryAfter(res.headers.get("retry-after"))
        : null;
    return {
      ok,
      status: res.status,
      error: ok ? null : `HTTP ${res.status}`,
      latencyMs: elapsed(),
      retryAfterMs,
    };
  } catch (e) {
    const timeout = e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError");
    const message = timeout
      ? `timeout after ${ATTEMPT_TIMEOUT_MS / 1000} s`
      : e instanceof Error
        ? e.message
        : String(e);
    return {
      ok: false,
      status: null,
      error: message.slice(0, 500),
      latencyMs: elapsed(),
      retryAfterMs: null,
    };
  }
}
