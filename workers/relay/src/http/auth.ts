import { workspaceStub } from "../objects/access";
import { createMiddleware } from "hono/factory";
import type { Scope } from "../objects/workspace/object";
import type { AppEnv, Principal } from "../env";
import { fail } from "./problem";
import { enforceKeyLimits } from "./ratelimit";
import { sha256Hex } from "./validate";

/** Key format: `bk_<workspace>.<key id>.<secret>`; the workspace and id route the check. */
const KEY_FORMAT = /^bk_([a-z0-9][a-z0-9-]{1,62})\.([0-9a-z]{12})\.([0-9a-z]{40})$/;

interface CacheEntry {
  principal: Principal;
  expiresAt: number;
}

/**
 * Verified keys are cached per isolate for KEY_CACHE_TTL_SECONDS, so the hot path asks the
 * workspace object at most once per key per TTL and never queries D1. That TTL bounds how long
 * a revoked key keeps working. Failures are not cached: a new key works at once.
 */
const cache = new Map<string, CacheEntry>();
const CACHE_MAX = 10_000;

/** Splits an API key into its parts, or null when it is not one. */
export function parseKey(key: string): { workspace: string; keyId: string; secret: string } | null {
  const m = KEY_FORMAT.exec(key);
  if (!m) return null;
  const [, workspace, keyId, secret] = m;
  return workspace && keyId && secret ? { workspace, keyId, secret } : null;
}

async function verify(env: Env, token: string): Promise<Principal | null> {
  const now = Date.now();
  const hit = cache.get(token);
  if (hit && hit.expiresAt > now) return hit.principal;
  const parts = parseKey(token);
  if (!parts) return null;
  const hash = await sha256Hex(parts.secret);
  const stub = workspaceStub(env, parts.workspace);
  const scopes = await stub.verifyKey(parts.keyId, hash);
  if (!scopes) {
    cache.delete(token);
    return null;
  }
  const principal: Principal = { workspace: parts.workspace, keyId: parts.keyId, scopes };
  const ttl = Number(env.KEY_CACHE_TTL_SECONDS) * 1000;
  if (ttl > 0) {
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(token, { principal, expiresAt: now + ttl });
  }
  return principal;
}

/**
 * The API key from `Authorization: Bearer <key>`, or from HTTP Basic with the key as the
 * password (for platforms that can only put credentials in the URL, such as Twilio Studio's
 * HTTP Request widget: https://baton:<key>@host/…).
 */
function bearer(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (m?.[1]) return m[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
  if (!basic?.[1]) return null;
  try {
    const decoded = atob(basic[1]);
    const colon = decoded.indexOf(":");
    return colon >= 0 && colon < decoded.length - 1 ? decoded.slice(colon + 1) : null;
  } catch {
    return null;
  }
}

/**
 * The caller behind an `Authorization` header, or a 401 problem. Shared by `requireScope` and
 * the MCP endpoint, which checks scopes per tool rather than per route. A verified key then
 * counts against its per-key and per-workspace rate limits (429 `rate_limited` past either),
 * unless `keyLimits` is false (the call-start hooks, counted as provider webhooks instead).
 */
export async function authenticate(
  env: Env,
  header: string | undefined,
  keyLimits = true,
): Promise<Principal> {
  const token = bearer(header);
  if (!token) {
    fail(401, "unauthenticated", "Authentication required", "send Authorization: Bearer <api key>");
  }
  const principal = await verify(env, token);
  if (!principal) fail(401, "invalid_api_key", "Invalid API key", "the key is unknown or revoked");
  if (keyLimits) await enforceKeyLimits(env, principal);
  return principal;
}

/** Throws the 403 problem unless the key carries `scope` (or `admin`). */
export function checkScope(principal: Principal, scope: Scope): void {
  if (!principal.scopes.includes(scope) && !principal.scopes.includes("admin")) {
    fail(403, "insufficient_scope", "Missing scope", `this key lacks the ${scope} scope`, {
      required: scope,
    });
  }
}

/**
 * Requires a live API key carrying `scope` (or `admin`). 401 without one, 403 without the scope.
 * `keyLimits: false` leaves out the per-key and per-workspace rate limits (see `authenticate`).
 */
export const requireScope = (scope: Scope, options: { keyLimits?: boolean } = {}) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const principal = await authenticate(
      c.env,
      c.req.header("authorization"),
      options.keyLimits ?? true,
    );
    checkScope(principal, scope);
    c.set("principal", principal);
    await next();
  });

/** Requires the bootstrap admin secret (ADMIN_SECRET), used to create workspaces and keys. */
export const requireAdminSecret = createMiddleware<AppEnv>(async (c, next) => {
  const secret = c.env.ADMIN_SECRET;
  if (!secret) fail(403, "admin_disabled", "Admin API disabled", "set the ADMIN_SECRET secret");
  const token = bearer(c.req.header("authorization"));
  if (!token)
    fail(
      401,
      "unauthenticated",
      "Authentication required",
      "send Authorization: Bearer <admin secret>",
    );
  const [a, b] = await Promise.all([sha256Hex(token), sha256Hex(secret)]);
  if (a !== b) fail(401, "invalid_admin_secret", "Invalid admin secret");
  await next();
});
