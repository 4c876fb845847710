import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN, api, expectProblem, workspace, type ApiResponse } from "./helpers";

const SECRET = "chat-identity-secret-for-tests";
const enc = new TextEncoder();
const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

// Independent implementations of both schemes, as a customer's backend would compute them.
async function hmac(secret: string, data: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    "raw",
    enc.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(data)));
}
async function userHash(userId: string, secret = SECRET): Promise<string> {
  return [...(await hmac(secret, userId))].map((b) => b.toString(16).padStart(2, "0")).join("");
}
async function jwt(claims: Record<string, unknown>, secret = SECRET): Promise<string> {
  const head = b64url(enc.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));
  const body = b64url(enc.encode(JSON.stringify(claims)));
  return `${head}.${body}.${b64url(await hmac(secret, `${head}.${body}`))}`;
}

async function session(ws: string, body: unknown) {
  const res = await SELF.fetch(`https://baton.test/chat/${ws}/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: "https://shop.example" },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as ApiResponse["body"],
  };
}

async function configured() {
  const w = await workspace();
  await api(
    "PATCH",
    `/v1/admin/workspaces/${w.ws}/settings`,
    { chatIdentitySecret: SECRET },
    ADMIN,
  );
  return w;
}

describe("web chat identity", () => {
  it("an HMAC-signed user id is verified and links the visitor to that user", async () => {
    const { ws, key } = await configured();
    const res = await session(ws, {
      visitorId: "visitor-abc-123",
      userId: "u-42",
      userHash: await userHash("u-42"),
      text: "hi",
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.body).toMatchObject({ verified: true, identity: "verified" });
    expect(res.body.messages).toEqual([
      expect.objectContaining({ text: "hi", direction: "inbound" }),
    ]);
    const j = await api("GET", `/v1/journeys/${res.body.journeyId}`, undefined, key);
    const c = await api("GET", `/v1/customers/${j.body.customerId}`, undefined, key);
    expect(
      c.body.identifiers
        .map((i: { key: string; verification: string }) => `${i.key}/${i.verification}`)
        .sort(),
    ).toEqual(["chat:visitor-abc-123/asserted", "user:u-42/verified"]);
  });

  it("a JWT signed with the workspace secret is verified and its email becomes a verified link", async () => {
    const { ws } = await configured();
    const token = await jwt({
      sub: "u-43",
      email: "Pat@Example.com",
      exp: Math.floor(Date.now() / 1000) + 600,
    });
    const res = await session(ws, { visitorId: "visitor-def-456", token });
    expect(res.status).toBe(201);
    expect(res.body.verified).toBe(true);
    const again = await session(ws, { visitorId: "another-browser-1", token, text: "me again" });
    expect(again.body.journeyId).toBe(res.body.journeyId);
  });

  it("a wrong HMAC, a JWT with another secret and an expired JWT are refused and store nothing", async () => {
    const { ws } = await configured();
    expectProblem(
      await session(ws, {
        visitorId: "visitor-x-0001",
        userId: "u-1",
        userHash: await userHash("u-2"),
      }),
      401,
      "invalid_user_hash",
    );
    expectProblem(
      await session(ws, {
        visitorId: "visitor-x-0001",
        token: await jwt({ sub: "u-1" }, "another-secret-1234"),
      }),
      401,
      "invalid_token",
    );
    expectProblem(
      await session(ws, {
        visitorId: "visitor-x-0001",
        token: await jwt({ sub: "u-1", exp: 1_000 }),
      }),
      401,
      "invalid_token",
    );
    const fresh = await session(ws, { visitorId: "visitor-x-0001" });
    expect(fresh.body.messages).toEqual([]);
    expect(fresh.body.identity).toBe("asserted");
  });

  it("a JWT without an expiry is refused", async () => {
    const { ws } = await configured();
    expectProblem(
      await session(ws, { visitorId: "visitor-w-0001", token: await jwt({ sub: "u-9" }) }),
      401,
      "invalid_token",
    );
  });

  it("without a configured secret, identity proofs are rejected rather than ignored", async () => {
    const { ws } = await workspace();
    expectProblem(
      await session(ws, {
        visitorId: "visitor-y-0001",
        userId: "u-1",
        userHash: await userHash("u-1"),
      }),
      422,
      "chat_identity_not_configured",
    );
  });

  it("an email typed into the chat is a claim: it shows nothing of that customer's conversation", async () => {
    const { ws, key } = await configured();
    await api(
      "POST",
      "/v1/events",
      {
        identifiers: [{ type: "email", value: "rich@example.com", verification: "verified" }],
        channel: "email",
        direction: "inbound",
        actor: { kind: "customer" },
        text: "my secret order 998",
      },
      key,
    );
    const res = await session(ws, {
      visitorId: "visitor-z-0001",
      email: "rich@example.com",
      text: "what did I order?",
    });
    expect(res.status).toBe(201);
    expect(res.body.pendingLinks).toBe(1);
    expect(JSON.stringify(res.body)).not.toContain("998");
  });

  it("a phone typed into the chat is normalized and linked as claimed, never verified", async () => {
    const { ws, key } = await configured();
    const res = await session(ws, {
      visitorId: "visitor-p-0001",
      phone: "(415) 555-0177",
      text: "refund for March please",
    });
    expect(res.status).toBe(201);
    const j = await api("GET", `/v1/journeys/${res.body.journeyId}`, undefined, key);
    const c = await api("GET", `/v1/customers/${j.body.customerId}`, undefined, key);
    expect(
      c.body.identifiers
        .map((i: { key: string; verification: string }) => `${i.key}/${i.verification}`)
        .sort(),
    ).toEqual(["chat:visitor-p-0001/asserted", "phone:+14155550177/claimed"]);
    // Even a signed-in user's typed phone stays a claim (only the user id is proven).
    const signed = await session(ws, {
      visitorId: "visitor-p-0002",
      userId: "u-77",
      userHash: await userHash("u-77"),
      phone: "+1 415 555 0178",
    });
    expect(signed.status).toBe(201);
    const j2 = await api("GET", `/v1/journeys/${signed.body.journeyId}`, undefined, key);
    const c2 = await api("GET", `/v1/customers/${j2.body.customerId}`, undefined, key);
    expect(
      c2.body.identifiers.find((i: { key: string }) => i.key === "phone:+14155550178"),
    ).toMatchObject({ verification: "claimed" });
  });

  it("a typed phone never reaches the personal tier, even with an attested call and an assertion", async () => {
    const { ws } = await configured();
    const asserter = await api(
      "POST",
      `/v1/admin/workspaces/${ws}/keys`,
      { name: "ivr", scopes: ["context:read", "caller:assert"] },
      ADMIN,
    );
    expect(asserter.status).toBe(201);
    const res = await session(ws, {
      visitorId: "visitor-p-0003",
      phone: "+14155550179",
      text: "refund for March please",
    });
    expect(res.status).toBe(201);
    const minted = await api(
      "POST",
      "/v1/context/assertions",
      { identifier: { type: "phone", value: "+14155550179" }, method: "pin" },
      asserter.body.key,
    );
    expect(minted.status).toBe(201);
    const ctx = await api(
      "GET",
      `/v1/context?phone=%2B14155550179&audience=ivr&attestation=A&assertion=${encodeURIComponent(minted.body.assertion)}`,
      undefined,
      asserter.body.key,
    );
    expect(ctx.status).toBe(200);
    expect(ctx.headers.get("x-baton-disclosure-tier")).toBe("routing");
    expect(ctx.headers.get("x-baton-disclosure-reason")).toBe("claimed_link");
    expect(JSON.stringify(ctx.body)).not.toMatch(/refund|March/);
  });

  it("a phone typed for another customer's number is a pending claim that shows nothing of theirs", async () => {
    const { ws, key } = await configured();
    await api(
      "POST",
      "/v1/events",
      {
        identifiers: [{ type: "phone", value: "+14155550180", verification: "verified" }],
        channel: "sms",
        direction: "inbound",
        actor: { kind: "customer" },
        text: "my secret order 997",
      },
      key,
    );
    const res = await session(ws, {
      visitorId: "visitor-p-0004",
      phone: "4155550180",
      text: "what did I order?",
    });
    expect(res.status).toBe(201);
    expect(res.body.pendingLinks).toBe(1);
    expect(JSON.stringify(res.body)).not.toContain("997");
  });

  it("a phone that cannot be read is a 400 invalid_phone and stores nothing", async () => {
    const { ws } = await configured();
    for (const phone of ["not a phone", "12", "anonymous", ""]) {
      const res = await session(ws, { visitorId: "visitor-p-0005", phone, text: "hi" });
      expect(res.status, phone).toBe(phone === "" ? 422 : 400);
      expect(res.body.code, phone).toBe(phone === "" ? "validation_failed" : "invalid_phone");
    }
    // Nothing of the refused starts was stored: the visitor's first good start sees only itself.
    const good = await session(ws, { visitorId: "visitor-p-0005", text: "hello" });
    expect(good.status).toBe(201);
    expect(good.body.messages.map((m: { text: string }) => m.text)).toEqual(["hello"]);
  });

  it("an unknown workspace is a 404", async () => {
    expectProblem(
      await session("no-such-ws", { visitorId: "visitor-q-0001" }),
      404,
      "workspace_not_found",
    );
  });
});
