/**
 * What every outbound sender shares: the result shape, the `fetch` it is given, the request
 * timeout, and how a transport failure or an unreadable answer is classified.
 *
 * Retry rule, the same for every provider: a 429, a 5xx, a timeout or a network error is
 * `retryable` (the provider may not have the message, and will take it later); any other 4xx
 * is not (sending the same request again gets the same answer). A 2xx the sender cannot read
 * is neither retryable nor permanent: the provider probably took the message, and sending it
 * again could deliver it twice.
 */

/** Why a send can never succeed as asked. `null` on a failure that is not permanent. */
export type PermanentReason =
  "undeliverable" | "opted_out" | "invalid_recipient" | "auth" | "rejected";

export type SendResult =
  | { ok: true; providerId: string; providerStatus: string }
  | {
      ok: false;
      retryable: boolean;
      permanent: PermanentReason | null;
      httpStatus: number | null;
      code: string | null;
      message: string;
    };

/** The part of `fetch` the senders use; a test may pass a stand-in. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** How long one provider call may take before it is abandoned (and counted retryable). */
export const SEND_TIMEOUT_MS = 10_000;

/** Answers longer than this are cut: an error body is only read for its code and message. */
const MAX_ANSWER_CHARS = 64 * 1024;

export type Answer =
  | { kind: "answer"; status: number; headers: Headers; text: string }
  | { kind: "failed"; result: SendResult };

/**
 * Calls the provider once. A timeout or a network error becomes a retryable failure, so the
 * caller only ever sees an HTTP answer or a finished SendResult.
 */
export async function callProvider(
  f: FetchLike,
  url: string,
  init: RequestInit,
  timeoutMs: number = SEND_TIMEOUT_MS,
): Promise<Answer> {
  try {
    const res = await f(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    return {
      kind: "answer",
      status: res.status,
      headers: res.headers,
      text: text.slice(0, MAX_ANSWER_CHARS),
    };
  } catch (e) {
    const name = e instanceof Error ? e.name : "";
    const timedOut = name === "TimeoutError" || name === "AbortError";
    return {
      kind: "failed",
      result: failure(
        true,
        null,
        null,
        timedOut ? "timeout" : "network",
        timedOut
          ? `no answer within ${timeoutMs} ms`
          : `request failed: ${e instanceof Error ? e.message : String(e)}`,
      ),
    };
  }
}

export function failure(
  retryable: boolean,
  permanent: PermanentReason | null,
  httpStatus: number | null,
  code: string | null,
  message: string,
): SendResult {
  return { ok: false, retryable, permanent, httpStatus, code, message };
}

/** 429 and every 5xx: the provider asks to be called again later. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** The answer as a JSON object, or null when it is not one. */
export function jsonObject(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

export function str(v: unknown): string | null {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : null;
}

/** A 2xx whose body does not say what was sent: not retried, so the message is not doubled. */
export function unreadableSuccess(status: number, what: string): SendResult {
  return failure(
    false,
    null,
    status,
    "unreadable_answer",
    `the provider answered ${status} without ${what}; it may have accepted the message, so it is not sent again`,
  );
}

/** A short, single-line excerpt of an answer for error messages. */
export function excerpt(text: string): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > 200 ? `${one.slice(0, 200)}…` : one;
}

/** `Basic base64(user:password)` for UTF-8 credentials. */
export function basicAuth(user: string, password: string): string {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return `Basic ${btoa(bin)}`;
}

/** The base URL without a trailing slash. */
export function baseUrl(configured: string | undefined, fallback: string): string {
  return (configured ?? fallback).replace(/\/+$/, "");
}
