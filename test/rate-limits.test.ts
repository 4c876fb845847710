import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import wranglerToml from "../wrangler.toml?raw";
import {
  enforceKeyLimits,
  hookPolicy,
  LIMIT_PERIOD_SECONDS,
} from "../workers/relay/src/http/ratelimit";
import { ProblemError } from "../workers/relay/src/http/problem";
import { ADMIN, api, signTwilio, smsFrom, type ApiResponse } from "./helpers";
import { basic, hook, PM, postmarkPayload, SG } from "./email-helpers";

/**
 * Rate limits with the runtime's own rate-limiting bindings. Workspaces named rl-… use the
 * test limiters of vitest.config.ts: 3 requests per key and 5 per workspace per 10 s, and 3
 * provider webhooks per workspace per 60 s. RATE_LIMIT_CHECK_MS=0 there, so every request is
 * checked (the sampling is tested directly below).
 */

const TWILIO_TOKEN = "twilio-auth-token-rate-limits";
let n = 0;

/** The binding counts in windows aligned to the clock: start a burst early in one. */
async function freshWindow(period: number, need: number): Promise<void> {
  const into = Date.now() % (period * 1000);
  if (into > (period - need) * 1000) {
    await new Promise((r) => setTimeout(r, period * 1000 - into + 50));
  }
}

/** A fresh rl-… workspace with two keys and Twilio and the email providers configured. */
async function rlWorkspace(): Promise<{ ws: string; a: string; b: string }> {
  const ws = `rl-${Date.now().toString(36)}-${n++}`;
  expect((await api("PUT", `/v1/admin/workspaces/${ws}`, { name: ws }, ADMIN)).status).toBe(201);
  const scopes = ["events:write", "journeys:read", "context:read", "customers:read"];
  const keys: string[] = [];
  for (const name of ["a", "b"]) {
    const k = await api("POST", `/v1/admin/workspaces/${ws}/keys`, { name, scopes }, ADMIN);
    expect(k.status).toBe(201);
    keys.push((k.body as { key: string }).key);
  }
  const patched = await api(
    "PATCH",
    `/v1/admin/workspaces/${ws}/settings`,
    { providers: { twilio: { authToken: TWILIO_TOKEN }, postmark: PM, sendgrid: SG } },
    ADMIN,
  );
  expect(patched.status).toBe(200);
  return { ws, a: keys[0] ?? "", b: keys[1] ?? "" };
}

function expectLimited(res: ApiResponse, limit: string, status: number, retryAfter: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  expect(res.headers.get("retry-after")).toBe(String(retryAfter));
  expect(res.body).toMatchObject({ code: "rate_limited", limit, retryAfter, status });
}

/** Whether any journey holds the phone or email (read with a key, after the limits allow). */
async function known(key: string, q: string): Promise<string> {
  const res = await api("GET", `/v1/context?${q}&audience=agent`, undefined, key);
  expect(res.status).toBe(200);
  return res.body.match as string;
}

describe("rate limits per key and per workspace", () => {
  it("a key over its limit gets 429 problem+json with Retry-After; the workspace's other key does not, until the workspace limit", async () => {
    const { a, b } = await rlWorkspace();
    await freshWindow(10, 6);
    const ok = await api("GET", "/v1/context?phone=%2B14155550101&audience=ivr", undefined, a);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("retry-after")).toBeNull();
    expect((await api("GET", "/v1/journeys?limit=1", undefined, a)).status).toBe(200);
    expect((await api("GET", "/v1/journeys?limit=1", undefined, a)).status).toBe(200);
    // Key a's 4th request in the window: refused before anything is stored.
    const refused = await api("POST", "/v1/events", smsFrom("+14155550177", "over the limit"), a);
    expectLimited(refused, "key", 429, LIMIT_PERIOD_SECONDS.key);
    // The same over MCP, which authenticates the same way.
    const mcp = await SELF.fetch("http://localhost/mcp", {
      method: "POST",
      headers: {
        authorization: `Bearer ${a}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(mcp.status).toBe(429);
    expect(mcp.headers.get("retry-after")).toBe("10");
    expect(((await mcp.json()) as { limit: string }).limit).toBe("key");

    // Key b: the workspace has 2 of its 5 left (a's refused requests did not spend them).
    expect((await api("GET", "/v1/journeys?limit=1", undefined, b)).status).toBe(200);
    expect((await api("GET", "/v1/journeys?limit=1", undefined, b)).status).toBe(200);
    const full = await api("POST", "/v1/events", smsFrom("+14155550178", "workspace full"), b);
    expectLimited(full, "workspace", 429, LIMIT_PERIOD_SECONDS.workspace);

    // Another workspace is not affected at all.
    const other = await rlWorkspace();
    expect((await api("GET", "/v1/journeys?limit=1", undefined, other.a)).status).toBe(200);

    // Next window: both keys work again, and neither refused event was stored.
    await new Promise((r) => setTimeout(r, 10_000 - (Date.now() % 10_000) + 50));
    expect(await known(a, "phone=%2B14155550177")).toBe("none");
    expect(await known(b, "phone=%2B14155550178")).toBe("none");
  }, 40_000);

  it("checks each key once per interval per isolate when sampling, then counts what it let through", async () => {
    const { ws } = await rlWorkspace();
    await freshWindow(10, 4);
    const principal = { workspace: ws, keyId: `k${n++}`, scopes: [] };
    const sampled = { ...env, RATE_LIMIT_CHECK_MS: "60000" } as Env;
    // Ten requests inside one interval: one binding call, so all ten pass the key limit of 3.
    for (let i = 0; i < 10; i++) await enforceKeyLimits(sampled, principal);
    // Checked exactly from here on: the binding saw 1 of the key's 3, so two more pass.
    const exact = { ...env, RATE_LIMIT_CHECK_MS: "0" } as Env;
    await enforceKeyLimits(exact, principal);
    await enforceKeyLimits(exact, principal);
    const third = await enforceKeyLimits(exact, principal).then(
      () => null,
      (e: unknown) => e,
    );
    expect(third).toBeInstanceOf(ProblemError);
    expect((third as ProblemError).problem).toMatchObject({ code: "rate_limited", limit: "key" });
  });

  it("the periods in the code are the bindings' periods in wrangler.toml", () => {
    const period = (name: string) => {
      const m = new RegExp(`name = "${name}"[^[]*?period = (\\d+)`).exec(wranglerToml);
      return Number(m?.[1]);
    };
    expect(period("RATE_LIMIT_KEY")).toBe(LIMIT_PERIOD_SECONDS.key);
    expect(period("RATE_LIMIT_WORKSPACE")).toBe(LIMIT_PERIOD_SECONDS.workspace);
    expect(period("RATE_LIMIT_HOOKS")).toBe(LIMIT_PERIOD_SECONDS.hooks);
  });
});

describe("provider webhooks", () => {
  it("email providers that retry are refused past the workspace's webhook limit; Twilio and call-start lookups never are", async () => {
    const { ws, a } = await rlWorkspace();
    await freshWindow(60, 20);
    const postmark = (from: string) =>
      hook(
        `/hooks/${ws}/postmark`,
        JSON.stringify(
          postmarkPayload({ from, messageId: `<${crypto.randomUUID()}@x>`, text: "hi" }),
        ),
        { "content-type": "application/json", authorization: basic(PM) },
      );
    for (let i = 0; i < 3; i++) expect((await postmark(`p${i}@example.com`)).status).toBe(200);
    // The 4th webhook in the window: Postmark and Mailgun retry a 429 later, SendGrid only a 5xx.
    expectLimited(await postmark("late@example.com"), "hooks", 429, LIMIT_PERIOD_SECONDS.hooks);
    const mailgun = await hook(`/hooks/${ws}/mailgun`, "x=1", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expectLimited(mailgun, "hooks", 429, 60);
    const sendgrid = await hook(`/hooks/${ws}/sendgrid`, "--x--\r\n", {
      "content-type": "multipart/form-data; boundary=x",
      authorization: basic(SG),
    });
    expectLimited(sendgrid, "hooks", 503, 60);

    // Twilio does not retry a refused SMS webhook: past the limit it is still accepted.
    const url = `https://baton.test/hooks/${ws}/twilio/sms`;
    for (let i = 0; i < 4; i++) {
      const fields = {
        MessageSid: `SM${crypto.randomUUID().replace(/-/g, "")}`,
        AccountSid: `AC${"0".repeat(32)}`,
        From: `+1415555019${i}`,
        To: "+18005550199",
        Body: `burst ${i}`,
        NumMedia: "0",
      };
      const res = await SELF.fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-twilio-signature": await signTwilio(TWILIO_TOKEN, url, fields),
        },
        body: new URLSearchParams(fields).toString(),
      });
      expect(res.status).toBe(200);
      await res.text();
    }
    // Delivery reports are only counted too (this one is refused for its signature, not its rate).
    const report = await hook(`/hooks/${ws}/mailgun/events`, "{}", {
      "content-type": "application/json",
    });
    expect(report.status).not.toBe(429);
    // Call-start lookups with a key: never refused, and not spent from the key's limit of 3.
    for (let i = 0; i < 4; i++) {
      const res = await api("GET", `/hooks/${ws}/studio?phone=%2B14155550190`, undefined, a);
      expect(res.status).toBe(200);
    }
    // Every Twilio message was stored; the refused Postmark email was not.
    expect(await known(a, "phone=%2B14155550193")).toBe("single");
    expect(await known(a, "email=late%40example.com")).toBe("none");
    expect(await known(a, "email=p0%40example.com")).toBe("single");
  }, 60_000);

  it("names each provider's policy by path", () => {
    expect(hookPolicy("/hooks/acme/postmark")).toBe("refuse");
    expect(hookPolicy("/hooks/acme/mailgun")).toBe("refuse");
    expect(hookPolicy("/hooks/acme/sendgrid")).toBe("refuse-503");
    expect(hookPolicy("/hooks/acme/postmark/events")).toBe("count");
    expect(hookPolicy("/hooks/acme/sendgrid/events")).toBe("count");
    expect(hookPolicy("/hooks/acme/twilio/sms")).toBe("count");
    expect(hookPolicy("/hooks/acme/twilio/voice")).toBe("count");
    expect(hookPolicy("/hooks/acme/connect")).toBe("count");
  });
});
