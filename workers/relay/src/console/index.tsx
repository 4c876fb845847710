/**
 * The console (docs/console.md): server-rendered pages under /console for the people on the
 * hook. This file is the shell: security headers on every response, static assets, sign-in,
 * the session and CSRF checks, and the mount points of the pages.
 *
 * Order matters: handlers registered before the session middleware (assets, sign-in, the
 * embed link's entry) run without a session; everything after it has `person` and `csrf`.
 */
import { Hono } from "hono";
import type { Context, Next } from "hono";
import type { ConsoleEnv, Person } from "./context";
import { isRole } from "./context";
import { ASSETS } from "./assets";
import {
  accessConfigured,
  endSession,
  localSignInEnabled,
  personFor,
  randomToken,
  readSession,
  sameToken,
  sessionSecret,
  startSession,
  verifyAccessJwt,
} from "./auth";
import { embedEntry } from "./embed";
import { CsrfField, html, Page } from "./layout";
import { errorPage } from "./errors";
import { popPages } from "./pop";
import { journeyPages } from "./journey";
import { worklistPages } from "./worklist";
import { searchPages } from "./search";
import { customerPages } from "./customer";
import { dashboardCsv, dashboardPages } from "./dashboard";

export const consoleApp = new Hono<ConsoleEnv>();

export { errorPage };

// ---- Security headers on every console response ----

export function contentSecurityPolicy(c: Context<ConsoleEnv>, nonce: string): string {
  const url = new URL(c.req.url);
  const ws = `${url.protocol === "https:" ? "wss:" : "ws:"}//${url.host}`;
  const ancestors = (c.env.CONSOLE_FRAME_ANCESTORS ?? "").trim() || "'self'";
  return [
    "default-src 'none'",
    `script-src 'self' 'nonce-${nonce}'`,
    // Styles come from /console/assets/console.css; inline style attributes are allowed
    // (charts size bars with them). No script is ever inline.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    `connect-src 'self' ${ws}`,
    "font-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    `frame-ancestors ${ancestors}`,
  ].join("; ");
}

consoleApp.use("*", async (c, next) => {
  const nonce = randomToken(16);
  c.set("nonce", nonce);
  await next();
  // A WebSocket upgrade (the pop's observer socket) carries no document; its headers are fixed.
  if (c.res.status === 101) return;
  c.res.headers.set("content-security-policy", contentSecurityPolicy(c, nonce));
  c.res.headers.set("x-content-type-options", "nosniff");
  c.res.headers.set("referrer-policy", "same-origin");
  c.res.headers.set("cross-origin-opener-policy", "same-origin");
  if (!c.res.headers.has("cache-control")) c.res.headers.set("cache-control", "no-store");
});

consoleApp.onError((e, c) => {
  const status = errorStatus(e);
  if (status >= 500) console.error(`console: ${c.req.method} ${c.req.path}:`, String(e));
  const p = (e as { problem?: { title?: string; detail?: string; code?: string } }).problem;
  const title = status >= 500 ? "Temporarily unavailable" : (p?.title ?? "Request refused");
  const detail =
    status >= 500 ? "Nothing was changed by this failure unless it says otherwise." : p?.detail;
  return errorPage(c, status, title, detail, p?.code);
});

function errorStatus(e: unknown): number {
  const p = (e as { problem?: { status?: number } }).problem;
  return typeof p?.status === "number" ? p.status : 503;
}

// ---- Static assets (no session) ----

consoleApp.get("/assets/:name", (c) => {
  const asset = ASSETS[c.req.param("name")];
  if (!asset) return c.body("not found", 404, { "content-type": "text/plain; charset=utf-8" });
  return c.body(asset.body, 200, {
    "content-type": asset.type,
    // URLs carry a content version (assets/index.ts assetUrl), so caching is safe for a year.
    "cache-control": "public, max-age=31536000, immutable",
  });
});

// ---- Origin check (every POST, signed in or not) ----

/** True when a POST comes from a console page of this same origin. */
export function sameOrigin(c: Context): boolean {
  const self = new URL(c.req.url).origin;
  const origin = c.req.header("origin");
  if (origin !== undefined) return origin === self;
  const site = c.req.header("sec-fetch-site");
  if (site !== undefined) return site === "same-origin" || site === "none";
  // No browser header at all: a non-browser client; the CSRF token still has to match.
  return true;
}

consoleApp.use("*", async (c, next) => {
  if (c.req.method !== "GET" && c.req.method !== "HEAD" && !sameOrigin(c)) {
    return errorPage(
      c,
      403,
      "Cross-site request refused",
      "The request came from another origin.",
      "csrf_failed",
    );
  }
  await next();
});

// ---- Sign-in (no session) ----

consoleApp.get("/sign-in", async (c) => {
  const secret = sessionSecret(c.env);
  if (!localSignInEnabled(c.env) || !secret) {
    return errorPage(
      c,
      404,
      "Local sign-in is not enabled",
      accessConfigured(c.env)
        ? "Open the console through Cloudflare Access."
        : "This relay offers no local sign-in (CONSOLE_LOCAL_SIGNIN is unset).",
      "local_signin_disabled",
    );
  }
  // The form's CSRF token is a pre-session one in its own cookie (double submit).
  const csrf = randomToken();
  c.set("csrf", csrf);
  c.header(
    "set-cookie",
    `baton_console_signin=${csrf}; Path=/console/sign-in; HttpOnly; SameSite=Strict; Max-Age=900`,
  );
  const next = safeNext(c.req.query("next"));
  return html(
    c,
    <Page c={c} title="Sign in">
      <h1>Sign in (local development)</h1>
      <p class="notice">
        This relay runs with CONSOLE_LOCAL_SIGNIN=1: anyone who can reach it may pick a name and
        role. Production uses Cloudflare Access.
      </p>
      <form method="post" action="/console/sign-in">
        <CsrfField c={c} />
        <input type="hidden" name="next" value={next} />
        <label for="name">Name</label>
        <input id="name" name="name" type="text" required maxlength={80} value="Dev Agent" />
        <label for="email">Email</label>
        <input
          id="email"
          name="email"
          type="email"
          required
          maxlength={200}
          value="agent@example.com"
        />
        <label for="role">Role</label>
        <select id="role" name="role">
          <option value="agent">agent: read and act on journeys</option>
          <option value="lead">lead: also the effort dashboard</option>
          <option value="admin">admin: also customer merge and unmerge</option>
        </select>
        <label for="workspace">Workspace</label>
        <input id="workspace" name="workspace" type="text" required maxlength={63} value="dev" />
        <div>
          <button type="submit">Sign in</button>
        </div>
      </form>
    </Page>,
  );
});

consoleApp.post("/sign-in", async (c) => {
  const secret = sessionSecret(c.env);
  if (!localSignInEnabled(c.env) || !secret) {
    return errorPage(c, 404, "Local sign-in is not enabled", undefined, "local_signin_disabled");
  }
  const form = await c.req.parseBody();
  const cookie = /(?:^|;\s*)baton_console_signin=([^;]+)/.exec(c.req.header("cookie") ?? "")?.[1];
  if (!cookie || !sameToken(String(form._csrf ?? ""), cookie)) {
    return errorPage(
      c,
      403,
      "Sign-in form expired",
      "Reload the sign-in page and try again.",
      "csrf_failed",
    );
  }
  const name = String(form.name ?? "")
    .trim()
    .slice(0, 80);
  const email = String(form.email ?? "")
    .trim()
    .toLowerCase()
    .slice(0, 200);
  const role = String(form.role ?? "");
  const workspace = String(form.workspace ?? "").trim();
  if (
    !name ||
    !/^[^\s@]+@[^\s@]+$/.test(email) ||
    !isRole(role) ||
    !/^[a-z0-9][a-z0-9-]{1,62}$/.test(workspace)
  ) {
    return errorPage(
      c,
      400,
      "Invalid sign-in",
      "Give a name, an email, a role and a workspace id.",
      "invalid_request",
    );
  }
  const person: Person = { id: `local:${email}`, email, name, role, workspace };
  await startSession(c, secret, person);
  return c.redirect(safeNext(String(form.next ?? "")), 303);
});

/** Only console paths are followed after sign-in (no open redirect). */
function safeNext(next: string | undefined): string {
  return next && /^\/console(\/[A-Za-z0-9/_.\-?=&%]*)?$/.test(next) && !next.startsWith("//")
    ? next
    : "/console/worklist";
}

// The embed link's entry (`/console/pop?…&t=…`): opens a journey-scoped session, no Access.
consoleApp.get("/pop", embedEntry);

// ---- The session ----

async function session(c: Context<ConsoleEnv>, next: Next) {
  const secret = sessionSecret(c.env);
  if (!secret) {
    return errorPage(
      c,
      503,
      "The console is not configured",
      "Set the Worker secret CONSOLE_SESSION_SECRET (at least 32 characters).",
      "console_not_configured",
    );
  }
  const existing = await readSession(c, secret);
  let person: Person | null = null;
  let csrf: string | null = null;
  if (accessConfigured(c.env)) {
    const jwt = c.req.header("cf-access-jwt-assertion");
    if (jwt) {
      const result = await verifyAccessJwt(c.env, jwt);
      if (!result.ok) {
        return errorPage(c, 403, "Access token refused", result.reason, "access_denied");
      }
      person = personFor(c.env, result.email);
      if (!person) {
        return errorPage(
          c,
          403,
          "Not a console user",
          `${result.email} is not listed in CONSOLE_PEOPLE.`,
          "not_a_console_user",
        );
      }
      const p = existing?.person;
      if (
        p &&
        p.id === person.id &&
        p.role === person.role &&
        p.workspace === person.workspace &&
        !p.journey
      ) {
        csrf = existing?.csrf ?? null;
      } else {
        csrf = (await startSession(c, secret, person)).csrf;
      }
    } else if (existing && (existing.person.journey || existing.person.id.startsWith("access:"))) {
      // No Access header: a path Access bypasses (the embed link's /console/pop, see
      // docs/console.md). An embed session, or a session Access itself opened earlier.
      ({ person, csrf } = existing);
    }
  } else if (existing && (localSignInEnabled(c.env) || existing.person.journey)) {
    ({ person, csrf } = existing);
  }
  if (!person || !csrf) {
    if (localSignInEnabled(c.env) && !accessConfigured(c.env) && c.req.method === "GET") {
      return c.redirect(`/console/sign-in?next=${encodeURIComponent(c.req.path)}`, 302);
    }
    return errorPage(
      c,
      401,
      "Sign in required",
      accessConfigured(c.env)
        ? "Open the console through Cloudflare Access."
        : "This relay has no console sign-in configured (see docs/console.md).",
      "unauthenticated",
    );
  }
  c.set("person", person);
  c.set("csrf", csrf);
  await next();
}

consoleApp.use("*", session);

// ---- CSRF: every state-changing request carries the session's token ----

consoleApp.use("*", async (c, next) => {
  if (c.req.method === "GET" || c.req.method === "HEAD") return next();
  let token = c.req.header("x-csrf-token") ?? "";
  if (!token) {
    const type = c.req.header("content-type") ?? "";
    if (type.includes("form")) {
      const form = await c.req.parseBody();
      token = typeof form._csrf === "string" ? form._csrf : "";
    }
  }
  if (!sameToken(token, c.get("csrf"))) {
    return errorPage(
      c,
      403,
      "Missing or wrong CSRF token",
      "Reload the page and try again.",
      "csrf_failed",
    );
  }
  await next();
});

// ---- Embed sessions see one journey's pop (and its journey page), nothing else ----

consoleApp.use("*", async (c, next) => {
  const journey = c.get("person").journey;
  if (!journey) return next();
  const path = c.req.path.replace(/^\/console/, "");
  const allowed =
    path === "/sign-out" ||
    ((path === "/pop" || path.startsWith("/pop/")) &&
      c.req.query("journey") === journey &&
      !c.req.query("phone") &&
      !c.req.query("email") &&
      !c.req.query("visitor")) ||
    path === `/journeys/${encodeURIComponent(journey)}`;
  if (!allowed) {
    return errorPage(
      c,
      403,
      "Outside this embed link's journey",
      "This session may only see the journey it was opened for.",
      "forbidden",
    );
  }
  await next();
});

// ---- Pages ----

consoleApp.get("/", (c) => c.redirect("/console/worklist", 302));

consoleApp.post("/sign-out", (c) => {
  endSession(c);
  return c.redirect(localSignInEnabled(c.env) ? "/console/sign-in" : "/console/signed-out", 303);
});

consoleApp.get("/signed-out", (c) =>
  html(
    c,
    <Page c={c} title="Signed out">
      <h1>Signed out</h1>
      <p>Close this tab, or sign out of Cloudflare Access as well.</p>
    </Page>,
  ),
);

consoleApp.route("/pop", popPages);
consoleApp.route("/journeys", journeyPages);
consoleApp.route("/worklist", worklistPages);
consoleApp.route("/search", searchPages);
consoleApp.route("/customers", customerPages);
consoleApp.route("/dashboard", dashboardPages);
consoleApp.get("/dashboard.csv", dashboardCsv);

consoleApp.notFound((c) =>
  errorPage(c, 404, "Not found", `${c.req.method} ${c.req.path}`, "not_found"),
);
