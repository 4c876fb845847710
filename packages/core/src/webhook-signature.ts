import { timingSafeEqual } from "./crypto";
import { err, ok, type Result } from "./result";

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com, spec version 1.0.0), symmetric
 * scheme `v1`: HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`, keyed by the bytes of
 * a `whsec_<base64>` secret, sent base64-encoded as `v1,<signature>`. The `webhook-signature`
 * header is a space-delimited list, so a rotation can send one signature per valid secret.
 * Web Crypto only: runs in workerd, browsers and Node alike.
 */
export const WEBHOOK_SECRET_PREFIX = "whsec_";

/** Default replay window of `verifyWebhook`, as in the specification's reference libraries. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** Random bytes in a new secret (the specification asks for 24 to 64). */
const SECRET_BYTES = 32;

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(text: string): Uint8Array | null {
  try {
    const s = atob(text);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

/** A new signing secret: `whsec_` and the base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  const bytes = new Uint8Array(SECRET_BYTES);
  crypto.getRandomValues(bytes);
  return WEBHOOK_SECRET_PREFIX + toBase64(bytes);
}

/**
 * The key bytes of a secret: the base64 after `whsec_` (the prefix is optional, as in the
 * reference libraries). Null when it is not base64 or decodes to nothing.
 */
export function webhookSecretKey(secret: string): Uint8Array | null {
  const b64 = secret.startsWith(WEBHOOK_SECRET_PREFIX)
    ? secret.slice(WEBHOOK_SECRET_PREFIX.length)
    : secret;
  const key = fromBase64(b64);
  return key && key.length > 0 ? key : null;
}

const encoder = new TextEncoder();

async function hmac(key: Uint8Array, content: string): Promise<string> {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return toBase64(new Uint8Array(await crypto.subtle.sign("HMAC", k, encoder.encode(content))));
}

/**
 * The `v1,<base64>` signature of one message with one secret. `msgId` must not contain `.`
 * (the specification's rule, so id and timestamp cannot be shifted into each other) and
 * `body` must be the exact bytes sent. Throws on a bad secret or id: those are sender bugs.
 */
export async function signWebhook(
  secret: string,
  msgId: string,
  timestampSeconds: number,
  body: string,
): Promise<string> {
  const key = webhookSecretKey(secret);
  if (!key) throw new Error("invalid webhook secret: expected whsec_ and base64");
  if (msgId === "" || msgId.includes(".")) throw new Error("webhook id must be non-empty, no '.'");
  if (!Number.isSafeInteger(timestampSeconds)) throw new Error("timestamp must be whole seconds");
  return `v1,${await hmac(key, `${msgId}.${timestampSeconds}.${body}`)}`;
}

/** The `webhook-signature` header value: one signature per secret, space-delimited. */
export async function signWebhookHeader(
  secrets: readonly string[],
  msgId: string,
  timestampSeconds: number,
  body: string,
): Promise<string> {
  const sigs = await Promise.all(secrets.map((s) => signWebhook(s, msgId, timestampSeconds, body)));
  return sigs.join(" ");
}

export type WebhookVerifyError =
  | "missing_headers"
  | "invalid_timestamp"
  | "timestamp_too_old"
  | "timestamp_too_new"
  | "no_matching_signature";

/** Reads a header from a Headers object or a plain record (names case-insensitive). */
function header(headers: Headers | Record<string, string>, name: string): string | null {
  if (headers instanceof Headers) return headers.get(name);
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return null;
}

/**
 * Verifies a delivery the way a receiver should: the three `webhook-*` headers are present,
 * the timestamp is within `toleranceSeconds` of `now` (epoch milliseconds) either way, and one
 * `v1` signature of the space-delimited list matches one of `secrets` (compared in constant
 * time). Any number of secrets can be tried, e.g. the old and the new one during a rotation.
 */
export async function verifyWebhook(
  secrets: readonly string[],
  headers: Headers | Record<string, string>,
  body: string,
  toleranceSeconds: number = WEBHOOK_TOLERANCE_SECONDS,
  now: number = Date.now(),
): Promise<Result<{ msgId: string; timestamp: number }, WebhookVerifyError>> {
  const msgId = header(headers, "webhook-id");
  const ts = header(headers, "webhook-timestamp");
  const sigHeader = header(headers, "webhook-signature");
  if (!msgId || !ts || !sigHeader) return err("missing_headers");
  if (!/^\d{1,15}$/.test(ts)) return err("invalid_timestamp");
  const timestamp = Number(ts);
  const nowSeconds = Math.floor(now / 1000);
  if (nowSeconds - timestamp > toleranceSeconds) return err("timestamp_too_old");
  if (timestamp - nowSeconds > toleranceSeconds) return err("timestamp_too_new");
  const passed = sigHeader
    .split(" ")
    .filter((s) => s.startsWith("v1,"))
    .map((s) => s.slice(3));
  for (const secret of secrets) {
    const key = webhookSecretKey(secret);
    if (!key) continue;
    const expected = await hmac(key, `${msgId}.${timestamp}.${body}`);
    if (passed.some((p) => timingSafeEqual(p, expected))) return ok({ msgId, timestamp });
  }
  return err("no_matching_signature");
}
