/**
 * Caller assertions: a short-lived, signed statement that an IVR flow or a bot authenticated
 * the caller of one identifier (a PIN, a one-time code or a logged-in session). It is the only
 * thing that reaches the `personal` disclosure tier at call start (docs/ivr.md). A flow gets
 * one from `POST /v1/context/assertions` with a `caller:assert` key and passes it back on the
 * lookup; nothing the caller controls (caller ID, a query parameter) can stand in for it.
 *
 * Format: `bca1.<payload>.<signature>`, base64url. The payload is the JSON
 * `{ ws, id, m, exp }` (workspace, normalized identifier key, method, expiry in Unix seconds);
 * the signature is HMAC-SHA256 over `bca1.<payload>` with a key derived from the Worker secret
 * CALLER_ASSERTION_SECRET, which signs nothing else (docs/privacy.md "Secrets"). Verifying is
 * pure CPU (the key is imported once per isolate): no object call on the lookup path.
 * Assertions signed under ADMIN_SECRET before this secret existed no longer verify: they lived
 * at most 15 minutes anyway.
 */
import { fromBase64Url, signWithDerivedKey, toBase64Url, verifyWithDerivedKey } from "@baton/core";

export const ASSERTION_METHODS = ["pin", "otp", "session"] as const;
export type AssertionMethod = (typeof ASSERTION_METHODS)[number];

export interface CallerAssertion {
  ws: string;
  /** The normalized identifier key, e.g. `phone:+14155550100`. */
  id: string;
  m: AssertionMethod;
  /** Unix seconds. */
  exp: number;
}

/** Why an assertion was refused; hooks report it as `tierReason: assertion_<why>`. */
export type AssertionFailure =
  "malformed" | "tampered" | "expired" | "other_workspace" | "other_caller" | "disabled";

export type AssertionCheck =
  { ok: true; method: AssertionMethod } | { ok: false; why: AssertionFailure };

/** Lifetime bounds: long enough for a second lookup in the same call, short enough to expire with it. */
export const ASSERTION_TTL = { min: 30, max: 900, default: 300 } as const;
/** Longest token accepted; a real one is about 200 characters. */
export const ASSERTION_MAX_CHARS = 1024;

const PREFIX = "bca1";
/** v2: v1 was derived from ADMIN_SECRET; a new purpose keeps those out even if the values match. */
const PURPOSE = "baton caller assertion v2";

/** The shortest CALLER_ASSERTION_SECRET accepted: 32 characters (a random 24-byte base64 string). */
export const MIN_ASSERTION_SECRET_CHARS = 32;

/** The secret that signs caller assertions, or null when it is unset or too short to use. */
export function assertionSecret(env: Env): string | null {
  const s = env.CALLER_ASSERTION_SECRET;
  return s !== undefined && s.length >= MIN_ASSERTION_SECRET_CHARS ? s : null;
}

/** Signs an assertion that expires `ttlSeconds` after `now`. */
export async function signAssertion(
  secret: string,
  claims: Omit<CallerAssertion, "exp">,
  ttlSeconds: number,
  now = Date.now(),
): Promise<string> {
  const body: CallerAssertion = { ...claims, exp: Math.floor(now / 1000) + ttlSeconds };
  const signed = `${PREFIX}.${toBase64Url(new TextEncoder().encode(JSON.stringify(body)))}`;
  return `${signed}.${await signWithDerivedKey(secret, PURPOSE, signed)}`;
}

function claimsOf(json: string): CallerAssertion | null {
  const v: unknown = JSON.parse(json);
  if (v === null || typeof v !== "object") return null;
  const c = v as Record<string, unknown>;
  const m = ASSERTION_METHODS.find((x) => x === c.m);
  if (typeof c.ws !== "string" || typeof c.id !== "string" || typeof c.exp !== "number" || !m)
    return null;
  return { ws: c.ws, id: c.id, m, exp: c.exp };
}

/**
 * Checks `token` for workspace `ws` and the caller's normalized identifier key `callerKey`.
 * Order matters: a forged token is `tampered` whatever it claims; only a genuine one is
 * judged on its expiry, workspace and identifier.
 */
export async function verifyAssertion(
  secret: string | null,
  token: string,
  ws: string,
  callerKey: string,
  now = Date.now(),
): Promise<AssertionCheck> {
  if (!secret) return { ok: false, why: "disabled" };
  const parts = token.split(".");
  const [prefix, payload, sig] = parts;
  if (
    parts.length !== 3 ||
    prefix !== PREFIX ||
    !payload ||
    !sig ||
    token.length > ASSERTION_MAX_CHARS
  )
    return { ok: false, why: "malformed" };
  let claims: CallerAssertion | null;
  try {
    const valid = await verifyWithDerivedKey(secret, PURPOSE, sig, `${prefix}.${payload}`);
    if (!valid) return { ok: false, why: "tampered" };
    claims = claimsOf(new TextDecoder().decode(fromBase64Url(payload)));
  } catch {
    // Not base64url, or not JSON: nothing Baton signed.
    return { ok: false, why: "malformed" };
  }
  if (!claims) return { ok: false, why: "malformed" };
  if (claims.exp * 1000 <= now) return { ok: false, why: "expired" };
  if (claims.ws !== ws) return { ok: false, why: "other_workspace" };
  if (claims.id !== callerKey) return { ok: false, why: "other_caller" };
  return { ok: true, method: claims.m };
}
