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

  it("an unknown workspace is a 404", async () => {
    expectProblem(
      await session("no-such-ws", { visitorId: "visitor-q-0001" }),
      404,
      "workspace_not_found",
    );
  });
});
