/**
 * Console sign-in and sessions (docs/console.md "Sign-in and roles").
 *
 * - Production: Cloudflare Access sits in front of /console and adds `Cf-Access-Jwt-Assertion`
 *   (an RS256 JWT) to every request. We verify it against the team's JWKS
 *   (`https://<ACCESS_TEAM_DOMAIN>/cdn-cgi/access/certs`, cached per isolate), its `aud`
 *   (ACCESS_AUD), `iss`, `exp` and `nbf`, then map its email to a person through the Worker var
 *   CONSOLE_PEOPLE (JSON `[{ "email", "name", "role", "workspace" }]`). Email not listed: 403.
 * - Local (`./baton dev`): CONSOLE_LOCAL_SIGNIN=1 enables a sign-in form; never otherwise.
 * - Embedding: an embed link (embed.ts) opens a session scoped to one journey.
 *
 * A session is a cookie holding `<payload>.<HMAC>` signed with a key derived from the Worker
 * secret CONSOLE_SESSION_SECRET; the payload carries the person, a random CSRF token and the
 * expiry. HttpOnly, SameSite=Lax, Secure on https (embed sessions: SameSite=None; Partitioned).
 */
import { fromBase64Url, signWithDerivedKey, toBase64Url, verifyWithDerivedKey } from "@baton/core";
import type { Context } from "hono";
import { getCookie, setCookie, deleteCookie } from "hono/cookie";
import type { ConsoleEnv, Person, Role } from "./context";
import { isRole } from "./context";

declare global {
  interface Env {
    /** Signs console session cookies and embed links: a wrangler secret of ≥ 32 characters. */
    CONSOLE_SESSION_SECRET?: string;
    /** Cloudflare Access team domain, e.g. `acme.cloudflareaccess.com`. */
    ACCESS_TEAM_DOMAIN?: string;
    /** The Access application's Audience (AUD) tag. */
    ACCESS_AUD?: string;
    /** Test only: the JWKS JSON to use instead of fetching the team's certs. Never in production. */
    ACCESS_JWKS?: string;
    /** JSON list of console people: `[{"email","name","role","workspace"}]`. */
    CONSOLE_PEOPLE?: string;
    /** "1" enables the local sign-in form (scripts/dev.mjs sets it). */
    CONSOLE_LOCAL_SIGNIN?: string;
    /** `frame-ancestors` sources for the console's CSP (default `'self'`). */
    CONSOLE_FRAME_ANCESTORS?: string;
  }
}

export const COOKIE = "baton_console";
/** A signed-in session lasts 12 hours; Access re-checks the person on every request anyway. */
export const SESSION_TTL_SECONDS = 12 * 3600;
/** A session opened by an embed link lasts 4 hours (a long call), for that journey only. */
export const EMBED_SESSION_TTL_SECONDS = 4 * 3600;
const PURPOSE = "baton console session v1";
export const MIN_SECRET_CHARS = 32;

export function sessionSecret(env: Env): string | null {
  const s = env.CONSOLE_SESSION_SECRET;
  return s !== undefined && s.length >= MIN_SECRET_CHARS ? s : null;
}

export interface Session {
  person: Person;
  csrf: string;
  exp: number;
}

export function randomToken(bytes = 24): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export async function signSession(secret: string, s: Session): Promise<string> {
  const payload = toBase64Url(new TextEncoder().encode(JSON.stringify(s)));
  return `${payload}.${await signWithDerivedKey(secret, PURPOSE, payload)}`;
}

export async function verifySession(
  secret: string,
  token: string,
  now = Date.now(),
): Promise<Session | null> {
  const [payload, sig, extra] = token.split(".");
  if (!payload || !sig || extra !== undefined || token.length > 4096) return null;
  try {
    if (!(await verifyWithDerivedKey(secret, PURPOSE, sig, payload))) return null;
    const s = JSON.parse(new TextDecoder().decode(fromBase64Url(payload))) as Session;
    if (typeof s.exp !== "number" || s.exp * 1000 < now) return null;
    if (typeof s.csrf !== "string" || !s.person || !isRole(s.person.role)) return null;
    if (typeof s.person.workspace !== "string" || typeof s.person.email !== "string") return null;
    return s;
  } catch {
    return null;
  }
}

function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:";
}

/** Starts a session for `person`: sets the cookie and returns the session. */
export async function startSession(
  c: Context<ConsoleEnv>,
  secret: string,
  person: Person,
  ttlSeconds = SESSION_TTL_SECONDS,
): Promise<Session> {
  const session: Session = {
    person,
    csrf: randomToken(),
    exp: Math.floor(Date.now() / 1000) + ttlSeconds,
  };
  const token = await signSession(secret, session);
  const https = isHttps(c);
  // An embedded pop lives in another site's iframe: a Lax cookie would not be sent there, so
  // embed sessions use SameSite=None with a partitioned cookie (on https only; browsers refuse
  // SameSite=None without Secure). CSRF tokens and the Origin check protect their POSTs.
  const embedded = Boolean(person.journey) && https;
  setCookie(c, COOKIE, token, {
    path: "/console",
    httpOnly: true,
    secure: https,
    sameSite: embedded ? "None" : "Lax",
    ...(embedded ? { partitioned: true } : {}),
    maxAge: ttlSeconds,
  });
  return session;
}

export function endSession(c: Context<ConsoleEnv>): void {
  deleteCookie(c, COOKIE, { path: "/console", secure: isHttps(c) });
}

export async function readSession(c: Context<ConsoleEnv>, secret: string): Promise<Session | null> {
  const token = getCookie(c, COOKIE);
  return token ? verifySession(secret, token) : null;
}

// ---- People ----

interface PersonEntry {
  email: string;
  name?: string;
  role: Role;
  workspace: string;
}

let peopleCache: { raw: string; list: PersonEntry[] } | null = null;

/** CONSOLE_PEOPLE parsed (cached per isolate by its text); malformed entries are skipped. */
export function people(env: Env): PersonEntry[] {
  const raw = env.CONSOLE_PEOPLE ?? "";
  if (peopleCache?.raw === raw) return peopleCache.list;
  let list: PersonEntry[] = [];
  try {
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    if (Array.isArray(parsed)) {
      list = parsed.filter(
        (p): p is PersonEntry =>
          typeof p === "object" &&
          p !== null &&
          typeof (p as PersonEntry).email === "string" &&
          isRole((p as PersonEntry).role) &&
          typeof (p as PersonEntry).workspace === "string",
      );
    }
  } catch {
    console.error("CONSOLE_PEOPLE is not valid JSON: nobody can sign in through Access");
  }
  peopleCache = { raw, list };
  return list;
}

export function personFor(env: Env, email: string): Person | null {
  const e = email.trim().toLowerCase();
  const entry = people(env).find((p) => p.email.trim().toLowerCase() === e);
  if (!entry) return null;
  return {
    id: `access:${e}`,
    email: e,
    name: entry.name ?? e,
    role: entry.role,
    workspace: entry.workspace,
  };
}

// ---- Cloudflare Access JWT ----

interface Jwk extends JsonWebKey {
  kid?: string;
}

const JWKS_TTL_MS = 10 * 60_000;
let jwksCache: { domain: string; at: number; keys: Jwk[] } | null = null;
const keyCache = new Map<string, CryptoKey>();

async function jwks(env: Env, refresh: boolean): Promise<Jwk[]> {
  if (env.ACCESS_JWKS) {
    const parsed = JSON.parse(env.ACCESS_JWKS) as { keys?: Jwk[] };
    return parsed.keys ?? [];
  }
  const domain = env.ACCESS_TEAM_DOMAIN ?? "";
  const now = Date.now();
  if (!refresh && jwksCache && jwksCache.domain === domain && now - jwksCache.at < JWKS_TTL_MS) {
    return jwksCache.keys;
  }
  const res = await fetch(`https://${domain}/cdn-cgi/access/certs`);
  if (!res.ok) throw new Error(`Access certs: HTTP ${res.status}`);
  const body = (await res.json()) as { keys?: Jwk[] };
  jwksCache = { domain, at: now, keys: body.keys ?? [] };
  keyCache.clear();
  return jwksCache.keys;
}

async function importKey(jwk: Jwk): Promise<CryptoKey> {
  const id = `${jwk.kid ?? ""}:${jwk.n ?? ""}`;
  const hit = keyCache.get(id);
  if (hit) return hit;
  const key = await crypto.subtle.importKey(
    "jwk",
    { kty: jwk.kty, n: jwk.n, e: jwk.e, alg: "RS256", ext: true },
    { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    false,
    ["verify"],
  );
  keyCache.set(id, key);
  return key;
}

function decodeJson(part: string): Record<string, unknown> {
  const v: unknown = JSON.parse(new TextDecoder().decode(fromBase64Url(part)));
  if (typeof v !== "object" || v === null) throw new Error("not an object");
  return v as Record<string, unknown>;
}

export type AccessResult = { ok: true; email: string } | { ok: false; reason: string };

/** Verifies a Cloudflare Access JWT; returns the email it asserts or why it was refused. */
export async function verifyAccessJwt(
  env: Env,
  token: string,
  now = Date.now(),
): Promise<AccessResult> {
  const aud = env.ACCESS_AUD;
  const domain = env.ACCESS_TEAM_DOMAIN;
  if (!aud || !domain) return { ok: false, reason: "Access is not configured" };
  const parts = token.split(".");
  if (parts.length !== 3 || token.length > 16_384) return { ok: false, reason: "malformed" };
  const [h, p, s] = parts as [string, string, string];
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = decodeJson(h);
    claims = decodeJson(p);
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (header.alg !== "RS256") return { ok: false, reason: "unexpected algorithm" };
  const data = new TextEncoder().encode(`${h}.${p}`);
  let sig: Uint8Array;
  try {
    sig = fromBase64Url(s);
  } catch {
    return { ok: false, reason: "malformed" };
  }
  let verified = false;
  for (const refresh of [false, true]) {
    let keys: Jwk[];
    try {
      keys = await jwks(env, refresh);
    } catch (e) {
      console.error("console: fetching Access certs failed:", String(e));
      return { ok: false, reason: "Access certs unavailable" };
    }
    const candidates = keys.filter((k) => k.kty === "RSA" && (!header.kid || k.kid === header.kid));
    for (const jwk of candidates) {
      try {
        const key = await importKey(jwk);
        if (await crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, sig, data)) {
          verified = true;
          break;
        }
      } catch {
        // a key we cannot import: try the next
      }
    }
    // A key rotation: refetch the certs once when no cached key matched the token's kid.
    if (verified || candidates.length > 0 || env.ACCESS_JWKS) break;
  }
  if (!verified) return { ok: false, reason: "bad signature" };
  const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!auds.includes(aud)) return { ok: false, reason: "wrong audience" };
  const iss = String(claims.iss ?? "").replace(/\/$/, "");
  if (iss !== `https://${domain}`) return { ok: false, reason: "wrong issuer" };
  const sec = Math.floor(now / 1000);
  const skew = 60;
  if (typeof claims.exp !== "number" || claims.exp + skew < sec) {
    return { ok: false, reason: "expired" };
  }
  if (typeof claims.nbf === "number" && claims.nbf - skew > sec) {
    return { ok: false, reason: "not yet valid" };
  }
  if (typeof claims.email !== "string" || !claims.email) return { ok: false, reason: "no email" };
  return { ok: true, email: claims.email };
}

export function accessConfigured(env: Env): boolean {
  return Boolean(env.ACCESS_AUD && env.ACCESS_TEAM_DOMAIN);
}

export function localSignInEnabled(env: Env): boolean {
  return env.CONSOLE_LOCAL_SIGNIN === "1";
}

/** Constant-time string comparison (for CSRF tokens). */
export function sameToken(a: string, b: string): boolean {
  if (a.length !== b.length || a.length === 0) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
