/**
 * Embed links (docs/console.md "Screen pop and embedding"): an agent desktop (Amazon Connect's
 * agent workspace, Salesforce, Zendesk) mints a short-lived signed link to one journey's screen
 * pop with its API key, server side, and puts it in an iframe. The link opens a console session
 * scoped to that journey only, without Cloudflare Access: the API key never reaches a browser.
 *
 *   POST /v1/console/embed-links  { "journeyId": "jrn_…", "ttlSeconds": 300 }
 *   → 201 { "url": "https://relay/console/pop?journey=jrn_…&t=…", "expiresAt": "…" }
 *
 * The key needs `journeys:write` and `context:read` (the pop shows the context and acts on the
 * journey). Links live 5 minutes by default, 15 at most; the session they open lasts 4 hours.
 */
import {
  fromBase64Url,
  JourneyId,
  signWithDerivedKey,
  toBase64Url,
  verifyWithDerivedKey,
} from "@baton/core";
import { Hono } from "hono";
import type { Context, Next } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env";
import { checkScope, requireScope } from "../http/auth";
import { fail } from "../http/problem";
import { jsonBody } from "../http/validate";
import { journeyStub } from "../objects/access";
import type { ConsoleEnv, Person } from "./context";
import { errorPage } from "./errors";
import { EMBED_SESSION_TTL_SECONDS, readSession, sessionSecret, startSession } from "./auth";

const PURPOSE = "baton console embed link v1";
export const EMBED_TTL_DEFAULT = 300;
export const EMBED_TTL_MAX = 900;

export interface EmbedClaims {
  ws: string;
  journey: string;
  exp: number;
}

export async function signEmbed(secret: string, claims: EmbedClaims): Promise<string> {
  const payload = toBase64Url(new TextEncoder().encode(JSON.stringify(claims)));
  return `${payload}.${await signWithDerivedKey(secret, PURPOSE, payload)}`;
}

export async function verifyEmbed(
  secret: string,
  token: string,
  now = Date.now(),
): Promise<EmbedClaims | null> {
  const [payload, sig, extra] = token.split(".");
  if (!payload || !sig || extra !== undefined || token.length > 1024) return null;
  try {
    if (!(await verifyWithDerivedKey(secret, PURPOSE, sig, payload))) return null;
    const c = JSON.parse(new TextDecoder().decode(fromBase64Url(payload))) as EmbedClaims;
    if (typeof c.exp !== "number" || c.exp * 1000 < now) return null;
    if (typeof c.ws !== "string" || typeof c.journey !== "string") return null;
    return c;
  } catch {
    return null;
  }
}

export const EmbedLinkInput = z.strictObject({
  journeyId: JourneyId,
  ttlSeconds: z.number().int().min(30).max(EMBED_TTL_MAX).default(EMBED_TTL_DEFAULT),
});

/** The API side: POST /v1/console/embed-links. */
export const embedLinks = new Hono<AppEnv>();

embedLinks.post("/", requireScope("journeys:write"), async (c) => {
  const principal = c.get("principal");
  checkScope(principal, "context:read");
  const secret = sessionSecret(c.env);
  if (!secret) {
    fail(
      503,
      "console_not_configured",
      "The console is not configured",
      "set CONSOLE_SESSION_SECRET",
    );
  }
  const body = await jsonBody(c, EmbedLinkInput);
  const ws = principal.workspace;
  if (!(await journeyStub(c.env, ws, body.journeyId).holds(ws, body.journeyId))) {
    fail(404, "journey_not_found", "Journey not found");
  }
  const exp = Math.floor(Date.now() / 1000) + body.ttlSeconds;
  const token = await signEmbed(secret, { ws, journey: body.journeyId, exp });
  const origin = new URL(c.req.url).origin;
  const url = `${origin}/console/pop?journey=${encodeURIComponent(body.journeyId)}&t=${encodeURIComponent(token)}`;
  return c.json(
    { url, journeyId: body.journeyId, expiresAt: new Date(exp * 1000).toISOString() },
    201,
  );
});

/**
 * The console side: GET /console/pop?journey=…&t=… (before the session middleware). A valid
 * link starts a session for that journey and redirects to the pop without the token (so it
 * stays out of history and Referer); no `t`: on to the session middleware.
 */
export async function embedEntry(c: Context<ConsoleEnv>, next: Next) {
  const t = c.req.query("t");
  if (t === undefined) return next();
  const secret = sessionSecret(c.env);
  const journey = c.req.query("journey") ?? "";
  const claims = secret ? await verifyEmbed(secret, t) : null;
  if (!secret || !claims || claims.journey !== journey) {
    return errorPage(
      c,
      401,
      "Embed link expired or invalid",
      "Ask the desktop to open the screen pop again (links last a few minutes).",
      "invalid_embed_link",
    );
  }
  const existing = await readSession(c, secret);
  // A full session of the same workspace already here: keep it (do not narrow it).
  if (!existing || existing.person.journey || existing.person.workspace !== claims.ws) {
    const person: Person = {
      id: `embed:${claims.journey}`,
      email: "",
      name: "Embedded desktop",
      role: "agent",
      workspace: claims.ws,
      journey: claims.journey,
    };
    await startSession(c, secret, person, EMBED_SESSION_TTL_SECONDS);
  }
  const url = new URL(c.req.url);
  url.searchParams.delete("t");
  return c.redirect(`/console/pop${url.search}`, 303);
}
