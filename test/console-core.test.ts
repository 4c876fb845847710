/**
 * The console's core (docs/console.md): sign-in (Cloudflare Access JWT, local sign-in),
 * sessions, CSP and CSRF, the screen pop, the journey page, embed links and the observer
 * socket, against the real Worker, journey objects and D1 inside workerd.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../workers/relay/src/app";
import { COOKIE, signSession } from "../workers/relay/src/console/auth";
import type { Person } from "../workers/relay/src/console/context";
import { signEmbed } from "../workers/relay/src/console/embed";
import { api, smsFrom, workspace } from "./helpers";

const BASE = "https://baton.test";
const SECRET = (env as unknown as { CONSOLE_SESSION_SECRET: string }).CONSOLE_SESSION_SECRET;
const HOSTILE_SCRIPT = "<script>alert(1)</script>";
const HOSTILE_IMG = `"><img src=x onerror=alert(document.cookie)>`;

type Vars = Record<string, string>;

/**
 * The real app with extra Worker vars for one request: local sign-in on (as `./baton dev`
 * runs) unless `vars` says otherwise, plus Access settings where a test gives them.
 */
function call(path: string, init: RequestInit = {}, vars: Vars = {}): Promise<Response> {
  const all = { ...env, CONSOLE_LOCAL_SIGNIN: "1", ...vars };
  return Promise.resolve(app.request(`${BASE}${path}`, init, all));
}

let phoneCounter = 0;
function phone(): string {
  phoneCounter++;
  return `+1415555${String(1000 + (Date.now() % 8000) + phoneCounter).slice(-4)}`;
}

/** A workspace with one journey started by an SMS carrying `text`. */
async function journeyWith(text = "my router is broken") {
  const { ws, key } = await workspace();
  const from = phone();
  const res = await api("POST", "/v1/events", smsFrom(from, text), key);
  expect(res.status).toBe(201);
  return { ws, key, phone: from, journeyId: String(res.body.journeyId) };
}

/** A signed session cookie for `person` (what sign-in sets), plus its CSRF token. */
async function session(person: Partial<Person> & { workspace: string }) {
  const p: Person = {
    id: person.id ?? `local:${person.email ?? "agent@example.com"}`,
    email: person.email ?? "agent@example.com",
    name: person.name ?? "Agent A",
    role: person.role ?? "agent",
    workspace: person.workspace,
    ...(person.journey ? { journey: person.journey } : {}),
  };
  const csrf = "csrf-token-0123456789abcdefghijkl";
  const token = await signSession(SECRET, {
    person: p,
    csrf,
    exp: Math.floor(Date.now() / 1000) + 3600,
  });
  return { cookie: `${COOKIE}=${token}`, csrf };
}

/** A form POST from a console page of this origin. */
function postForm(path: string, cookie: string, fields: Record<string, string>, vars: Vars = {}) {
  return call(
    path,
    {
      method: "POST",
      headers: {
        cookie,
        origin: BASE,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams(fields).toString(),
      redirect: "manual",
    },
    vars,
  );
}

async function context(key: string, journeyId: string) {
  const res = await api("GET", `/v1/journeys/${journeyId}`, undefined, key);
  expect(res.status).toBe(200);
  return res.body;
}

// ---- Cloudflare Access ----

const TEAM = "acme.cloudflareaccess.com";
const AUD = "aud-0123456789abcdef";

function b64url(bytes: Uint8Array | string): string {
  const b = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function keyPair() {
  return (await crypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
}

async function jwt(key: CryptoKey, kid: string, claims: Record<string, unknown>): Promise<string> {
  const head = b64url(JSON.stringify({ alg: "RS256", kid, typ: "JWT" }));
  const body = b64url(JSON.stringify(claims));
  const sig = await crypto.subtle.sign(
    "RSASSA-PKCS1-v1_5",
    key,
    new TextEncoder().encode(`${head}.${body}`),
  );
  return `${head}.${body}.${b64url(new Uint8Array(sig))}`;
}

describe("console sign-in", () => {
  it("verifies Cloudflare Access JWTs: good one in, wrong aud / expired / bad signature / unknown email out", async () => {
    const { ws, journeyId } = await journeyWith();
    const good = await keyPair();
    const other = await keyPair();
    const jwk = (await crypto.subtle.exportKey("jwk", good.publicKey)) as JsonWebKey;
    const vars: Vars = {
      ACCESS_TEAM_DOMAIN: TEAM,
      ACCESS_AUD: AUD,
      ACCESS_JWKS: JSON.stringify({ keys: [{ ...jwk, kid: "k1", alg: "RS256", use: "sig" }] }),
      CONSOLE_PEOPLE: JSON.stringify([
        { email: "dana@acme.example", name: "Dana", role: "lead", workspace: ws },
      ]),
    };
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      aud: [AUD],
      email: "dana@acme.example",
      iss: `https://${TEAM}`,
      iat: now,
      nbf: now,
      exp: now + 600,
      sub: "u1",
    };
    const path = `/console/pop?journey=${journeyId}`;
    const open = (token: string | null) =>
      call(path, token ? { headers: { "cf-access-jwt-assertion": token } } : {}, vars);

    const ok = await open(await jwt(good.privateKey, "k1", claims));
    expect(ok.status).toBe(200);
    const page = await ok.text();
    expect(page).toContain("Dana (lead,");
    const setCookie = ok.headers.get("set-cookie") ?? "";
    expect(setCookie).toContain(`${COOKIE}=`);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Secure/i);

    const refused = async (token: string | null, status: number, reason: string) => {
      const res = await open(token);
      expect(res.status).toBe(status);
      expect(await res.text()).toContain(reason);
      expect(res.headers.get("set-cookie")).toBeNull();
    };
    await refused(
      await jwt(good.privateKey, "k1", { ...claims, aud: ["other-aud"] }),
      403,
      "wrong audience",
    );
    await refused(await jwt(good.privateKey, "k1", { ...claims, exp: now - 3600 }), 403, "expired");
    await refused(await jwt(other.privateKey, "k1", claims), 403, "bad signature");
    await refused(
      await jwt(good.privateKey, "k1", { ...claims, iss: "https://evil.example" }),
      403,
      "wrong issuer",
    );
    await refused(
      await jwt(good.privateKey, "k1", { ...claims, email: "mallory@acme.example" }),
      403,
      "not listed in CONSOLE_PEOPLE",
    );
    await refused("not.a.jwt", 403, "malformed");
    // No header at all: Access did not let this request through.
    await refused(null, 401, "Cloudflare Access");
    // On a path Access bypasses (the embed entry), the session Access opened still works.
    const accessCookie = setCookie.split(";")[0] ?? "";
    const bypassed = await call(path, { headers: { cookie: accessCookie } }, vars);
    expect(bypassed.status).toBe(200);
    // A local-style session cookie is not accepted while Access is configured.
    const local = await session({ workspace: ws });
    const res = await call(path, { headers: { cookie: local.cookie } }, vars);
    expect(res.status).toBe(401);
  });

  it("local sign-in exists only with CONSOLE_LOCAL_SIGNIN=1", async () => {
    const { ws, journeyId } = await journeyWith();
    // Not enabled: no form, no session, pages say sign-in is needed.
    const off = { CONSOLE_LOCAL_SIGNIN: "" };
    const form = await call("/console/sign-in", {}, off);
    expect(form.status).toBe(404);
    const post = await call(
      "/console/sign-in",
      {
        method: "POST",
        headers: { origin: BASE, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          name: "X",
          email: "x@example.com",
          role: "admin",
          workspace: ws,
        }).toString(),
      },
      off,
    );
    expect(post.status).toBe(404);
    expect(post.headers.get("set-cookie")).toBeNull();
    const page = await call(`/console/pop?journey=${journeyId}`, { redirect: "manual" }, off);
    expect(page.status).toBe(401);
    // A session cookie is no way around it either.
    const local = await session({ workspace: ws });
    const withCookie = await call(
      `/console/pop?journey=${journeyId}`,
      { headers: { cookie: local.cookie } },
      off,
    );
    expect(withCookie.status).toBe(401);

    // Enabled: the form, then a session.
    const on = { CONSOLE_LOCAL_SIGNIN: "1" };
    const redirect = await call(`/console/pop?journey=${journeyId}`, { redirect: "manual" }, on);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe(`/console/sign-in?next=%2Fconsole%2Fpop`);
    const get = await call("/console/sign-in", {}, on);
    expect(get.status).toBe(200);
    const html = await get.text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
    const signinCookie = (get.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect(csrf.length).toBeGreaterThan(20);
    const fields = {
      name: "Kim",
      email: "kim@example.com",
      role: "agent",
      workspace: ws,
      _csrf: csrf,
    };
    // Without the form's token cookie: refused.
    const noCookie = await call(
      "/console/sign-in",
      {
        method: "POST",
        headers: { origin: BASE, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(fields).toString(),
        redirect: "manual",
      },
      on,
    );
    expect(noCookie.status).toBe(403);
    const signedIn = await call(
      "/console/sign-in",
      {
        method: "POST",
        headers: {
          origin: BASE,
          cookie: signinCookie,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ ...fields, next: `/console/journeys/${journeyId}` }).toString(),
        redirect: "manual",
      },
      on,
    );
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get("location")).toBe(`/console/journeys/${journeyId}`);
    const cookie = (signedIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect(cookie.startsWith(`${COOKIE}=`)).toBe(true);
    const journey = await call(`/console/journeys/${journeyId}`, { headers: { cookie } }, on);
    expect(journey.status).toBe(200);
    expect(await journey.text()).toContain("Kim (agent,");
    // A forged cookie is no session.
    const forged = await call(
      `/console/journeys/${journeyId}`,
      { headers: { cookie: `${cookie.slice(0, -4)}AAAA` }, redirect: "manual" },
      on,
    );
    expect(forged.status).toBe(302);
  });
});

describe("console safety", () => {
  it("every page sends a CSP without inline script, with the nonce on each script tag", async () => {
    const { ws, journeyId } = await journeyWith();
    const { cookie } = await session({ workspace: ws });
    for (const path of [`/console/pop?journey=${journeyId}`, `/console/journeys/${journeyId}`]) {
      const res = await call(path, { headers: { cookie } });
      expect(res.status).toBe(200);
      const csp = res.headers.get("content-security-policy") ?? "";
      const scriptSrc = csp.split(";").find((d) => d.trim().startsWith("script-src")) ?? "";
      expect(scriptSrc).toMatch(/^ ?script-src 'self' 'nonce-[A-Za-z0-9_-]{16,}'$/);
      expect(scriptSrc).not.toContain("unsafe-inline");
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'self'");
      expect(csp).toContain("form-action 'self'");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("same-origin");
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
      const html = await res.text();
      const scripts = html.match(/<script\b[^>]*>/g) ?? [];
      for (const tag of scripts) {
        expect(tag).toContain(`nonce="${nonce}"`);
        expect(tag).toMatch(/src="\/console\/assets\/[a-z-]+\.js\?v=/);
      }
    }
    // Embedding is configurable.
    const framed = await call(
      `/console/pop?journey=${journeyId}`,
      { headers: { cookie } },
      { CONSOLE_FRAME_ANCESTORS: "https://*.my.connect.aws https://*.lightning.force.com" },
    );
    expect(framed.headers.get("content-security-policy")).toContain(
      "frame-ancestors https://*.my.connect.aws https://*.lightning.force.com",
    );
    // Assets: long cache, right type.
    const asset = await call("/console/assets/pop.js");
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(asset.headers.get("cache-control")).toContain("immutable");
    const css = await call("/console/assets/console.css");
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect((await call("/console/assets/nope.js")).status).toBe(404);
  });

  it("a POST without the CSRF token, or from another origin, is refused with 403 and changes nothing", async () => {
    const { ws, key, journeyId } = await journeyWith();
    const { cookie, csrf } = await session({ workspace: ws });
    const before = await context(key, journeyId);
    const path = `/console/pop/action?journey=${journeyId}`;
    const missing = await postForm(path, cookie, { text: "refund issued" });
    expect(missing.status).toBe(403);
    expect(await missing.text()).toContain("CSRF");
    const wrong = await postForm(path, cookie, { text: "refund issued", _csrf: "x".repeat(32) });
    expect(wrong.status).toBe(403);
    const crossSite = await call(path, {
      method: "POST",
      headers: {
        cookie,
        origin: "https://evil.example",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ text: "refund issued", _csrf: csrf }).toString(),
    });
    expect(crossSite.status).toBe(403);
    const after = await context(key, journeyId);
    expect(after.seq).toBe(before.seq);
    expect(after.lastAction).toEqual(before.lastAction);
    // The header form of the token works (what scripts send).
    const ok = await call(path, {
      method: "POST",
      headers: {
        cookie,
        origin: BASE,
        "x-csrf-token": csrf,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ text: "refund issued" }).toString(),
      redirect: "manual",
    });
    expect(ok.status).toBe(303);
    expect((await context(key, journeyId)).lastAction.text).toBe("refund issued");
  });

  it("hostile text in an SMS renders as characters in the pop, the panel and the journey page", async () => {
    const text = `${HOSTILE_SCRIPT} and ${HOSTILE_IMG} card 4111 1111 1111 1111`;
    const { ws, key, journeyId } = await journeyWith(text);
    await api(
      "PATCH",
      `/v1/journeys/${journeyId}`,
      { reason: { text: HOSTILE_SCRIPT }, facts: { note: HOSTILE_IMG } },
      key,
    );
    const { cookie } = await session({ workspace: ws });
    for (const path of [
      `/console/pop?journey=${journeyId}`,
      `/console/pop/panel?journey=${journeyId}`,
      `/console/journeys/${journeyId}`,
    ]) {
      const res = await call(path, { headers: { cookie } });
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).not.toContain(HOSTILE_SCRIPT);
      expect(html).not.toContain("<img");
      expect(html).not.toMatch(/<script(?![^>]*nonce=)/);
      expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
      expect(html).toContain("&quot;&gt;&lt;img src=x onerror=alert(document.cookie)&gt;");
      // The card number was redacted before storage and shows as redacted.
      expect(html).not.toContain("4111 1111 1111 1111");
      expect(html).toContain("redacted: card ••••1111");
    }
  });
});

describe("screen pop", () => {
  it("finds the journey by phone, shows verification state, and by journey id the six items", async () => {
    const { ws, key, phone: from, journeyId } = await journeyWith("the engineer never came");
    await api(
      "POST",
      `/v1/journeys/${journeyId}/exceptions`,
      {
        kind: "other",
        text: "missed visit on Tuesday",
        guidance: "apologise first",
        escalate: false,
      },
      key,
    );
    const { cookie } = await session({ workspace: ws });
    const byPhone = await call(`/console/pop?phone=${encodeURIComponent(from)}`, {
      headers: { cookie },
    });
    expect(byPhone.status).toBe(200);
    const phoneHtml = await byPhone.text();
    expect(phoneHtml).toContain(journeyId);
    expect(phoneHtml).toMatch(/verified/);
    const res = await call(`/console/pop?journey=${journeyId}`, { headers: { cookie } });
    const html = await res.text();
    for (const heading of [
      "Reason",
      "Owner",
      "Promises",
      "Constraints",
      "Last action",
      "What happened",
      "Already given",
    ]) {
      expect(html).toContain(`<h2>${heading}</h2>`);
    }
    // Exceptions come before the six items.
    expect(html.indexOf("missed visit on Tuesday")).toBeLessThan(html.indexOf("<h2>Reason</h2>"));
    expect(html).toContain("apologise first");
    const none = await call(`/console/pop?phone=${encodeURIComponent("+14155559999")}`, {
      headers: { cookie },
    });
    expect(await none.text()).toContain("No journey found");
    expect((await call(`/console/pop?phone=1&email=a@b.c`, { headers: { cookie } })).status).toBe(
      400,
    );
    expect((await call(`/console/pop?journey=jrn_nope`, { headers: { cookie } })).status).toBe(404);
  });

  it("taking ownership: the second agent sees who took it first; the owner stays", async () => {
    const { ws, key, journeyId } = await journeyWith();
    const a = await session({ workspace: ws, email: "ana@example.com", name: "Ana" });
    const b = await session({ workspace: ws, email: "bo@example.com", name: "Bo" });
    // Both opened the pop while nobody owned it (expected owner: none).
    const took = await postForm(`/console/pop/take?journey=${journeyId}`, a.cookie, {
      _csrf: a.csrf,
      expected: "",
    });
    expect(took.status).toBe(303);
    expect(took.headers.get("location")).toBe(`/console/pop?journey=${journeyId}&done=take`);
    const late = await postForm(`/console/pop/take?journey=${journeyId}`, b.cookie, {
      _csrf: b.csrf,
      expected: "",
    });
    expect(late.status).toBe(409);
    const html = await late.text();
    expect(html).toContain("Someone else took it first: Ana (ana@example.com)");
    expect((await context(key, journeyId)).owner.id).toBe("ana@example.com");
  });

  it("actions: record, promise, settle, constraint, hand off, resolve — each through the journey object", async () => {
    const { ws, key, journeyId } = await journeyWith();
    const { cookie, csrf } = await session({
      workspace: ws,
      email: "ana@example.com",
      name: "Ana",
    });
    const post = (action: string, fields: Record<string, string>, extra = "") =>
      postForm(`/console/pop/${action}?journey=${journeyId}${extra}`, cookie, {
        _csrf: csrf,
        ...fields,
      });

    expect((await post("action", { text: "checked the line" })).status).toBe(303);
    expect((await context(key, journeyId)).lastAction).toMatchObject({
      text: "checked the line",
      actor: { kind: "agent", id: "ana@example.com", name: "Ana" },
    });
    expect((await post("promise", { text: "call back tomorrow", dueIn: "1440" })).status).toBe(303);
    let ctx = await context(key, journeyId);
    const promise = ctx.promises.find((p: { text: string }) => p.text === "call back tomorrow");
    expect(promise.madeBy).toMatchObject({ kind: "agent", id: "ana@example.com", name: "Ana" });
    expect((await post("settle", { status: "kept" }, `&promise=${promise.id}`)).status).toBe(303);
    expect((await post("constraint", { text: "no calls before 5pm", kind: "other" })).status).toBe(
      303,
    );
    expect((await post("take", { expected: "" })).status).toBe(303);
    expect(
      (
        await post("handoff", {
          expected: "ana@example.com",
          kind: "team",
          id: "field-ops",
          reason: "needs a visit",
          summary: "router dead; promised a callback",
        })
      ).status,
    ).toBe(303);
    ctx = await context(key, journeyId);
    expect(ctx.promises.find((p: { id: string }) => p.id === promise.id).status).toBe("kept");
    expect(ctx.constraints.map((k: { text: string }) => k.text)).toContain("no calls before 5pm");
    expect(ctx.owner).toMatchObject({ kind: "team", id: "field-ops" });
    // Bad input: a 400 page, nothing written.
    const seq = ctx.seq;
    const bad = await post("promise", { text: "", dueIn: "60" });
    expect(bad.status).toBe(400);
    expect((await post("settle", { status: "maybe" }, `&promise=${promise.id}`)).status).toBe(400);
    expect((await context(key, journeyId)).seq).toBe(seq);
    expect((await post("resolve", { note: "fixed" })).status).toBe(303);
    expect((await context(key, journeyId)).status).toBe("resolved");
  });

  it("the observer socket reports every change; the panel then shows it", async () => {
    const { ws, key, journeyId } = await journeyWith();
    const { cookie } = await session({ workspace: ws });
    // A cross-site page cannot open it with the agent's cookie.
    const hijack = await call(`/console/pop/socket?journey=${journeyId}`, {
      headers: { upgrade: "websocket", cookie, origin: "https://evil.example" },
    });
    expect(hijack.status).toBe(403);
    const res = await call(`/console/pop/socket?journey=${journeyId}`, {
      headers: { upgrade: "websocket", cookie, origin: BASE },
    });
    expect(res.status).toBe(101);
    const socket = res.webSocket;
    if (!socket) throw new Error("no socket");
    const frames: Record<string, unknown>[] = [];
    socket.addEventListener("message", (m) => frames.push(JSON.parse(String(m.data))));
    socket.accept();
    const waitFor = async (pred: (f: Record<string, unknown>) => boolean) => {
      for (let i = 0; i < 100; i++) {
        const hit = frames.find(pred);
        if (hit) return hit;
        await new Promise((r) => setTimeout(r, 30));
      }
      throw new Error(`no frame; have ${JSON.stringify(frames)}`);
    };
    const hello = await waitFor((f) => f.type === "hello");
    const sms = await api(
      "POST",
      "/v1/events",
      { ...smsFrom("+14155550000", "second message"), journeyId, identifiers: undefined },
      key,
    );
    expect(sms.status).toBe(201);
    const changed = await waitFor((f) => f.type === "changed");
    expect(Number(changed.seq)).toBeGreaterThan(Number(hello.seq));
    // Observers get no customer frames (those are the chat widget's).
    expect(frames.some((f) => f.type === "event")).toBe(false);
    // An observer cannot write: a chat-like frame is ignored.
    socket.send(JSON.stringify({ type: "message", text: "injected" }));
    await waitFor((f) => f.type === "ignored");
    const panel = await call(`/console/pop/panel?journey=${journeyId}`, { headers: { cookie } });
    expect(await panel.text()).toContain("second message");
    const after = await context(key, journeyId);
    expect(JSON.stringify(after.history.recent)).not.toContain("injected");
    socket.close();
  });
});

describe("embed links", () => {
  it("mint a short-lived link scoped to one journey; expired, tampered and other journeys are refused", async () => {
    const { ws, key, journeyId } = await journeyWith("billing question");
    const other = await api("POST", "/v1/events", smsFrom(phone(), "another problem"), key);
    const otherId = String(other.body.journeyId);
    const minted = await api("POST", "/v1/console/embed-links", { journeyId }, key);
    expect(minted.status).toBe(201);
    const url = new URL(String(minted.body.url));
    expect(url.pathname).toBe("/console/pop");
    expect(url.searchParams.get("journey")).toBe(journeyId);
    const ttl = Date.parse(String(minted.body.expiresAt)) - Date.now();
    expect(ttl).toBeGreaterThan(240_000);
    expect(ttl).toBeLessThanOrEqual(300_000);

    // Opening it: a session for this journey only, and the token leaves the URL.
    const open = await call(`${url.pathname}${url.search}`, { redirect: "manual" });
    expect(open.status).toBe(303);
    expect(open.headers.get("location")).toBe(`/console/pop?journey=${journeyId}`);
    const cookie = (open.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect(open.headers.get("set-cookie")).toMatch(/SameSite=None/i);
    expect(open.headers.get("set-cookie")).toMatch(/Partitioned/i);
    const pop = await call(`/console/pop?journey=${journeyId}`, { headers: { cookie } });
    expect(pop.status).toBe(200);
    expect(await pop.text()).toContain("billing question");
    for (const path of [
      `/console/pop?journey=${otherId}`,
      `/console/pop/panel?journey=${otherId}`,
      `/console/journeys/${otherId}`,
      `/console/worklist`,
      `/console/search`,
    ]) {
      expect((await call(path, { headers: { cookie } })).status, path).toBe(403);
    }
    expect((await call(`/console/journeys/${journeyId}`, { headers: { cookie } })).status).toBe(
      200,
    );

    // A link for one journey cannot open another by swapping the parameter.
    const t = url.searchParams.get("t") ?? "";
    const swapped = await call(`/console/pop?journey=${otherId}&t=${encodeURIComponent(t)}`, {
      redirect: "manual",
    });
    expect(swapped.status).toBe(401);
    expect(swapped.headers.get("set-cookie")).toBeNull();
    // Expired and tampered links.
    const expired = await signEmbed(SECRET, {
      ws,
      journey: journeyId,
      exp: Math.floor(Date.now() / 1000) - 1,
    });
    const gone = await call(`/console/pop?journey=${journeyId}&t=${encodeURIComponent(expired)}`, {
      redirect: "manual",
    });
    expect(gone.status).toBe(401);
    expect(await gone.text()).toContain("expired or invalid");
    const tampered = `${t.slice(0, -3)}${t.endsWith("A") ? "B" : "A"}AA`;
    const bad = await call(`/console/pop?journey=${journeyId}&t=${encodeURIComponent(tampered)}`, {
      redirect: "manual",
    });
    expect(bad.status).toBe(401);

    // The API side: bounds, scope, unknown journeys.
    expect(
      (await api("POST", "/v1/console/embed-links", { journeyId, ttlSeconds: 901 }, key)).status,
    ).toBe(422);
    const long = await api("POST", "/v1/console/embed-links", { journeyId, ttlSeconds: 900 }, key);
    expect(long.status).toBe(201);
    expect(
      (
        await api(
          "POST",
          "/v1/console/embed-links",
          { journeyId: "jrn_0000000000000000000000" },
          key,
        )
      ).status,
    ).toBe(404);
    const { key: readOnly } = await workspace(["context:read"]);
    expect((await api("POST", "/v1/console/embed-links", { journeyId }, readOnly)).status).toBe(
      403,
    );
    expect((await api("POST", "/v1/console/embed-links", { journeyId })).status).toBe(401);
  });
});

describe("journey page", () => {
  it("pages a long timeline newest first, with an older link, and shows promises on the time axis", async () => {
    const { ws, key, journeyId } = await journeyWith("first message");
    const events = Array.from({ length: 60 }, (_, i) => ({
      journeyId,
      channel: i % 2 ? "email" : "sms",
      direction: "inbound",
      actor: { kind: "customer" },
      text: `message number ${i + 1}`,
    }));
    for (const e of events) expect((await api("POST", "/v1/events", e, key)).status).toBe(201);
    const due = new Date(Date.now() + 3_600_000).toISOString();
    await api(
      "POST",
      `/v1/journeys/${journeyId}/promises`,
      { text: "refund by Friday", dueAt: due, madeBy: { kind: "agent", name: "Dana" } },
      key,
    );
    const { cookie } = await session({ workspace: ws });
    const first = await call(`/console/journeys/${journeyId}`, { headers: { cookie } });
    expect(first.status).toBe(200);
    const html = await first.text();
    expect(html).toContain("message number 60");
    expect(html).not.toContain("message number 5<");
    expect(html.indexOf("message number 60")).toBeLessThan(html.indexOf("message number 59"));
    expect(html).toContain("promise due");
    expect(html).toContain('class="badge pending"');
    const older = /href="(\/console\/journeys\/[^"?]+\?before=\d+)"/.exec(html)?.[1];
    expect(older).toBeDefined();
    const second = await call(older ?? "", { headers: { cookie } });
    const html2 = await second.text();
    expect(html2).toContain("first message");
    expect(html2).toContain("message number 5<");
    expect(html2).not.toContain("message number 60");
    expect(html2).toContain("Beginning of the journey");
    expect(
      (await call(`/console/journeys/${journeyId}?before=x`, { headers: { cookie } })).status,
    ).toBe(400);
    const nope = await call(`/console/journeys/jrn_0000000000000000000000`, {
      headers: { cookie },
    });
    expect(nope.status).toBe(404);
    // Another workspace's person cannot read it.
    const { ws: ws2 } = await workspace();
    const stranger = await session({ workspace: ws2 });
    expect(
      (await call(`/console/journeys/${journeyId}`, { headers: { cookie: stranger.cookie } }))
        .status,
    ).toBe(404);
  });
});
