import { describe, expect, it } from "vitest";
import {
  ADMIN,
  api,
  expectProblem,
  flushJourney,
  smsFrom,
  workspace,
  type ApiResponse,
} from "./helpers";

/** KEY_CACHE_TTL_SECONDS is 1 in vitest.config.ts; a revoked key must fail after that. */
const PAST_KEY_CACHE_TTL_MS = 1200;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The key id inside `bk_<workspace>.<key id>.<secret>`. */
function keyIdOf(key: string): string {
  const id = key.split(".")[1];
  if (id === undefined) throw new Error(`not an API key: ${key}`);
  return id;
}

/** 12 / 40 characters of 0-9a-z, unique per call, for imported keys. */
let imports = 0;
function importedKey(): { id: string; secret: string } {
  const n = (Date.now() * 100 + imports++).toString(36);
  return { id: n.padStart(12, "0").slice(-12), secret: `${n}${"s".repeat(40)}`.slice(0, 40) };
}

let phones = 0;
function freshPhone(): string {
  return `+1415800${String(1000 + phones++)}`;
}

/** A second key in `ws`, made with the admin secret. */
async function addKey(ws: string, scopes: string[]): Promise<string> {
  const res = await api(
    "POST",
    `/v1/admin/workspaces/${ws}/keys`,
    { name: "extra", scopes },
    ADMIN,
  );
  expect(res.status).toBe(201);
  return res.body.key as string;
}

/** Proves a rejected event left nothing behind: the same phone still starts a new journey. */
async function expectNothingStoredFor(key: string, phone: string): Promise<void> {
  const ok = await api("POST", "/v1/events", smsFrom(phone, "valid"), key);
  expect(ok.status).toBe(201);
  expect(ok.body.resolution.rule).toBe("new_journey");
  expect(ok.body.context.history.total).toBe(1);
}

function expectUnauthorized(res: ApiResponse, code: string): void {
  expectProblem(res, 401, code);
}

describe("API keys on the public API", () => {
  it("no Authorization header is a 401 unauthenticated and stores nothing", async () => {
    const { key } = await workspace();
    const phone = freshPhone();
    const res = await api("POST", "/v1/events", smsFrom(phone, "hi"));
    expectUnauthorized(res, "unauthenticated");
    expect(res.body.detail).toContain("Authorization");
    await expectNothingStoredFor(key, phone);
  });

  it("an Authorization scheme other than Bearer or Basic is a 401 unauthenticated", async () => {
    const { key } = await workspace();
    const res = await api("GET", "/v1/journeys", undefined, undefined, {
      authorization: `Token ${key}`,
    });
    expectUnauthorized(res, "unauthenticated");
  });

  it("HTTP Basic with the API key as password works (for URL-only platforms such as Twilio Studio)", async () => {
    const { key } = await workspace();
    const ok = await api("GET", "/v1/journeys", undefined, undefined, {
      authorization: `Basic ${btoa(`baton:${key}`)}`,
    });
    expect(ok.status).toBe(200);
    const bad = await api("GET", "/v1/journeys", undefined, undefined, {
      authorization: `Basic ${btoa(`baton:${key.slice(0, -1)}${key.endsWith("x") ? "y" : "x"}`)}`,
    });
    expectUnauthorized(bad, "invalid_api_key");
  });

  it("a malformed key is a 401 invalid_api_key", async () => {
    const res = await api("GET", "/v1/journeys", undefined, "not-a-baton-key");
    expectUnauthorized(res, "invalid_api_key");
  });

  it("a key with a truncated secret is a 401 invalid_api_key", async () => {
    const { key } = await workspace();
    const res = await api("GET", "/v1/journeys", undefined, key.slice(0, -1));
    expectUnauthorized(res, "invalid_api_key");
  });

  it("a well-formed but unknown key is a 401 invalid_api_key", async () => {
    const { ws } = await workspace();
    const res = await api(
      "GET",
      "/v1/journeys",
      undefined,
      `bk_${ws}.${"a".repeat(12)}.${"b".repeat(40)}`,
    );
    expectUnauthorized(res, "invalid_api_key");
  });

  it("a known key id with the wrong secret is a 401 invalid_api_key and stores nothing", async () => {
    const { key } = await workspace();
    const phone = freshPhone();
    const forged = `${key.slice(0, key.lastIndexOf(".") + 1)}${"0".repeat(40)}`;
    expect(forged).not.toBe(key);
    const res = await api("POST", "/v1/events", smsFrom(phone, "hi"), forged);
    expectUnauthorized(res, "invalid_api_key");
    await expectNothingStoredFor(key, phone);
  });

  it("a key for a workspace that does not exist is a 401 invalid_api_key", async () => {
    const res = await api(
      "GET",
      "/v1/journeys",
      undefined,
      `bk_no-such-ws-${Date.now().toString(36)}.${"a".repeat(12)}.${"b".repeat(40)}`,
    );
    expectUnauthorized(res, "invalid_api_key");
  });

  it("a key without events:write posting an event is a 403 insufficient_scope and stores nothing", async () => {
    const { ws, key: writer } = await workspace();
    const reader = await addKey(ws, ["journeys:read"]);
    const phone = freshPhone();
    const res = await api("POST", "/v1/events", smsFrom(phone, "hi"), reader);
    expectProblem(res, 403, "insufficient_scope");
    expect(res.body.required).toBe("events:write");
    expect(res.body.detail).toContain("events:write");
    await expectNothingStoredFor(writer, phone);
  });

  it("a key without journeys:write changing a journey is a 403 insufficient_scope and changes nothing", async () => {
    const { ws, key: full } = await workspace();
    const created = await api("POST", "/v1/events", smsFrom(freshPhone(), "hi"), full);
    const id = created.body.journeyId as string;
    const reader = await addKey(ws, ["journeys:read", "events:write"]);
    const res = await api("PUT", `/v1/journeys/${id}/status`, { status: "resolved" }, reader);
    expectProblem(res, 403, "insufficient_scope");
    expect(res.body.required).toBe("journeys:write");
    const got = await api("GET", `/v1/journeys/${id}`, undefined, reader);
    expect(got.status).toBe(200);
    expect(got.body.status).toBe("open");
    expect(got.body.seq).toBe(1);
  });

  it("a key without journeys:read reading a journey is a 403 insufficient_scope", async () => {
    const { ws, key: full } = await workspace();
    const created = await api("POST", "/v1/events", smsFrom(freshPhone(), "hi"), full);
    const writer = await addKey(ws, ["events:write"]);
    const res = await api(
      "GET",
      `/v1/journeys/${created.body.journeyId as string}`,
      undefined,
      writer,
    );
    expectProblem(res, 403, "insufficient_scope");
    expect(res.body.required).toBe("journeys:read");
  });

  it("an admin-scoped key implies every other scope in its workspace", async () => {
    const { key } = await workspace(["admin"]);
    const posted = await api("POST", "/v1/events", smsFrom(freshPhone(), "hi"), key);
    expect(posted.status).toBe(201);
    const got = await api("GET", `/v1/journeys/${posted.body.journeyId as string}`, undefined, key);
    expect(got.status).toBe(200);
  });
});

describe("workspace isolation", () => {
  it("a key of workspace A reading a journey of workspace B gets 404 journey_not_found", async () => {
    const a = await workspace();
    const b = await workspace();
    const posted = await api("POST", "/v1/events", smsFrom(freshPhone(), "B's secret"), b.key);
    const id = posted.body.journeyId as string;
    expect((await api("GET", `/v1/journeys/${id}`, undefined, b.key)).status).toBe(200);
    expectProblem(
      await api("GET", `/v1/journeys/${id}`, undefined, a.key),
      404,
      "journey_not_found",
    );
    expectProblem(
      await api("GET", `/v1/journeys/${id}/events`, undefined, a.key),
      404,
      "journey_not_found",
    );
  });

  it("a key of workspace A cannot write to a journey of workspace B", async () => {
    const a = await workspace();
    const b = await workspace();
    const posted = await api("POST", "/v1/events", smsFrom(freshPhone(), "B's journey"), b.key);
    const id = posted.body.journeyId as string;
    expectProblem(
      await api(
        "POST",
        `/v1/journeys/${id}/actions`,
        { text: "hijack", actor: { kind: "agent" } },
        a.key,
      ),
      404,
      "journey_not_found",
    );
    expectProblem(
      await api(
        "POST",
        "/v1/events",
        { journeyId: id, channel: "sms", direction: "inbound", actor: { kind: "customer" } },
        a.key,
      ),
      404,
      "journey_not_found",
    );
    const got = await api("GET", `/v1/journeys/${id}`, undefined, b.key);
    expect(got.body.seq).toBe(1);
  });

  it("a journey of workspace B is invisible in workspace A's journey search", async () => {
    const a = await workspace();
    const b = await workspace();
    const posted = await api("POST", "/v1/events", smsFrom(freshPhone(), "B only"), b.key);
    const id = posted.body.journeyId as string;
    const customer = posted.body.customerId as string;
    await flushJourney(b.ws, id);
    const inB = await api("GET", "/v1/journeys", undefined, b.key);
    expect(inB.status).toBe(200);
    expect(inB.body.items.map((j: { id: string }) => j.id)).toContain(id);
    const inA = await api("GET", "/v1/journeys", undefined, a.key);
    expect(inA.status).toBe(200);
    expect(inA.body.items.map((j: { id: string }) => j.id)).not.toContain(id);
    const byCustomer = await api("GET", `/v1/journeys?customer=${customer}`, undefined, a.key);
    expect(byCustomer.status).toBe(200);
    expect(byCustomer.body.items).toEqual([]);
  });

  it("the same phone number in two workspaces resolves to two different customers", async () => {
    const a = await workspace();
    const b = await workspace();
    const phone = freshPhone();
    const inA = await api("POST", "/v1/events", smsFrom(phone, "hi A"), a.key);
    const inB = await api("POST", "/v1/events", smsFrom(phone, "hi B"), b.key);
    expect(inB.body.resolution.rule).toBe("new_journey");
    expect(inB.body.customerId).not.toBe(inA.body.customerId);
    expect(inB.body.journeyId).not.toBe(inA.body.journeyId);
  });
});

describe("revoking keys", () => {
  it("a key revoked with the admin secret stops working within KEY_CACHE_TTL_SECONDS", async () => {
    const { ws, key } = await workspace();
    expect((await api("GET", "/v1/journeys", undefined, key)).status).toBe(200);
    const revoked = await api(
      "DELETE",
      `/v1/admin/workspaces/${ws}/keys/${keyIdOf(key)}`,
      undefined,
      ADMIN,
    );
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    await sleep(PAST_KEY_CACHE_TTL_MS);
    expectUnauthorized(await api("GET", "/v1/journeys", undefined, key), "invalid_api_key");
    expectUnauthorized(
      await api("POST", "/v1/events", smsFrom(freshPhone(), "hi"), key),
      "invalid_api_key",
    );
  });

  it("a key revoked through DELETE /v1/keys/:keyId by an admin-scoped key stops working within KEY_CACHE_TTL_SECONDS", async () => {
    const { ws, key: admin } = await workspace(["admin"]);
    const victim = await addKey(ws, ["journeys:read"]);
    expect((await api("GET", "/v1/journeys", undefined, victim)).status).toBe(200);
    const revoked = await api("DELETE", `/v1/keys/${keyIdOf(victim)}`, undefined, admin);
    expect(revoked.status).toBe(200);
    expect(revoked.body.id).toBe(keyIdOf(victim));
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    await sleep(PAST_KEY_CACHE_TTL_MS);
    expectUnauthorized(await api("GET", "/v1/journeys", undefined, victim), "invalid_api_key");
    expect((await api("GET", "/v1/journeys", undefined, admin)).status).toBe(200);
  });

  it("revoking an unknown key is a 404 key_not_found", async () => {
    const { ws } = await workspace();
    const res = await api(
      "DELETE",
      `/v1/admin/workspaces/${ws}/keys/${"z".repeat(12)}`,
      undefined,
      ADMIN,
    );
    expectProblem(res, 404, "key_not_found");
  });

  it("an admin-scoped key cannot revoke a key of another workspace", async () => {
    const { key: adminA } = await workspace(["admin"]);
    const b = await workspace();
    const res = await api("DELETE", `/v1/keys/${keyIdOf(b.key)}`, undefined, adminA);
    expectProblem(res, 404, "key_not_found");
    await sleep(PAST_KEY_CACHE_TTL_MS);
    expect((await api("GET", "/v1/journeys", undefined, b.key)).status).toBe(200);
  });

  it("revoking a key twice is idempotent and keeps the first revocation time", async () => {
    const { ws, key } = await workspace();
    const path = `/v1/admin/workspaces/${ws}/keys/${keyIdOf(key)}`;
    const first = await api("DELETE", path, undefined, ADMIN);
    const second = await api("DELETE", path, undefined, ADMIN);
    expect(second.status).toBe(200);
    expect(second.body.revokedAt).toBe(first.body.revokedAt);
  });
});

describe("the admin API", () => {
  it("an admin route without Authorization is a 401 unauthenticated and creates nothing", async () => {
    const ws = `ws-noauth-${Date.now().toString(36)}`;
    expectUnauthorized(
      await api("PUT", `/v1/admin/workspaces/${ws}`, { name: "x" }),
      "unauthenticated",
    );
    expectProblem(
      await api("GET", `/v1/admin/workspaces/${ws}`, undefined, ADMIN),
      404,
      "workspace_not_found",
    );
  });

  it("an admin route with the wrong admin secret is a 401 invalid_admin_secret and creates nothing", async () => {
    const ws = `ws-badadmin-${Date.now().toString(36)}`;
    expectUnauthorized(
      await api("PUT", `/v1/admin/workspaces/${ws}`, { name: "x" }, `${ADMIN}-wrong`),
      "invalid_admin_secret",
    );
    expectProblem(
      await api("GET", `/v1/admin/workspaces/${ws}`, undefined, ADMIN),
      404,
      "workspace_not_found",
    );
  });

  it("an admin-scoped API key is not the admin secret", async () => {
    const { ws, key } = await workspace(["admin"]);
    expectUnauthorized(
      await api("GET", `/v1/admin/workspaces/${ws}/keys`, undefined, key),
      "invalid_admin_secret",
    );
  });

  it("creating a key for a workspace without the admin secret is a 401 and creates no key", async () => {
    const { ws } = await workspace();
    const { id, secret } = importedKey();
    expectUnauthorized(
      await api(
        "POST",
        `/v1/admin/workspaces/${ws}/keys`,
        { name: "sneaky", scopes: ["admin"], id, secret },
        "wrong",
      ),
      "invalid_admin_secret",
    );
    const list = await api("GET", `/v1/admin/workspaces/${ws}/keys`, undefined, ADMIN);
    expect(list.body.items.map((k: { id: string }) => k.id)).not.toContain(id);
    expectUnauthorized(
      await api("GET", "/v1/journeys", undefined, `bk_${ws}.${id}.${secret}`),
      "invalid_api_key",
    );
  });

  it("creating a key with the same id and secret twice is idempotent (201, then 200)", async () => {
    const { ws } = await workspace();
    const { id, secret } = importedKey();
    const body = { name: "imported", scopes: ["journeys:read"], id, secret };
    const first = await api("POST", `/v1/admin/workspaces/${ws}/keys`, body, ADMIN);
    expect(first.status).toBe(201);
    expect(first.body.key).toBe(`bk_${ws}.${id}.${secret}`);
    const second = await api("POST", `/v1/admin/workspaces/${ws}/keys`, body, ADMIN);
    expect(second.status).toBe(200);
    expect(second.body.key).toBe(first.body.key);
    expect(second.body.createdAt).toBe(first.body.createdAt);
    expect((await api("GET", "/v1/journeys", undefined, first.body.key as string)).status).toBe(
      200,
    );
  });

  it("creating a key with an existing id and another secret is a 409 key_conflict", async () => {
    const { ws } = await workspace();
    const { id, secret } = importedKey();
    const first = await api(
      "POST",
      `/v1/admin/workspaces/${ws}/keys`,
      { name: "imported", scopes: ["journeys:read"], id, secret },
      ADMIN,
    );
    expect(first.status).toBe(201);
    const other = "x".repeat(40);
    const res = await api(
      "POST",
      `/v1/admin/workspaces/${ws}/keys`,
      { name: "imported", scopes: ["admin"], id, secret: other },
      ADMIN,
    );
    expectProblem(res, 409, "key_conflict");
    expect(res.body.detail).toContain(id);
    expectUnauthorized(
      await api("GET", "/v1/journeys", undefined, `bk_${ws}.${id}.${other}`),
      "invalid_api_key",
    );
  });

  it("re-importing a revoked key is a 409 key_conflict", async () => {
    const { ws } = await workspace();
    const { id, secret } = importedKey();
    const body = { name: "imported", scopes: ["journeys:read"], id, secret };
    expect((await api("POST", `/v1/admin/workspaces/${ws}/keys`, body, ADMIN)).status).toBe(201);
    expect(
      (await api("DELETE", `/v1/admin/workspaces/${ws}/keys/${id}`, undefined, ADMIN)).status,
    ).toBe(200);
    expectProblem(
      await api("POST", `/v1/admin/workspaces/${ws}/keys`, body, ADMIN),
      409,
      "key_conflict",
    );
  });

  it("creating a key for a workspace that does not exist is a 404 workspace_not_found", async () => {
    const res = await api(
      "POST",
      `/v1/admin/workspaces/ws-missing-${Date.now().toString(36)}/keys`,
      { name: "k", scopes: ["journeys:read"] },
      ADMIN,
    );
    expectProblem(res, 404, "workspace_not_found");
  });

  it("an invalid workspace id on an admin route is a 400 invalid_workspace_id", async () => {
    const res = await api("PUT", "/v1/admin/workspaces/Not_Valid!", { name: "x" }, ADMIN);
    expectProblem(res, 400, "invalid_workspace_id");
  });

  it("a key with an unknown scope is a 422 naming scopes.0", async () => {
    const { ws } = await workspace();
    const res = await api(
      "POST",
      `/v1/admin/workspaces/${ws}/keys`,
      { name: "k", scopes: ["root"] },
      ADMIN,
    );
    expectProblem(res, 422, "validation_failed");
    expect(res.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: "scopes.0" })]),
    );
  });

  it("an imported key id without its secret is a 422", async () => {
    const { ws } = await workspace();
    const res = await api(
      "POST",
      `/v1/admin/workspaces/${ws}/keys`,
      { name: "k", scopes: ["journeys:read"], id: importedKey().id },
      ADMIN,
    );
    expectProblem(res, 422, "validation_failed");
    expect(res.body.detail).toContain("secret");
  });
});

describe("self-service keys", () => {
  it("an admin-scoped workspace key creates working keys for its own workspace via POST /v1/keys", async () => {
    const { ws, key: admin } = await workspace(["admin"]);
    const made = await api("POST", "/v1/keys", { name: "ci", scopes: ["events:write"] }, admin);
    expect(made.status).toBe(201);
    expect(made.body.workspace).toBe(ws);
    expect(made.body.scopes).toEqual(["events:write"]);
    const newKey = made.body.key as string;
    expect(newKey.startsWith(`bk_${ws}.`)).toBe(true);
    const posted = await api("POST", "/v1/events", smsFrom(freshPhone(), "hi"), newKey);
    expect(posted.status).toBe(201);
    expect(posted.body.context.workspace).toBe(ws);
    expectProblem(await api("GET", "/v1/journeys", undefined, newKey), 403, "insufficient_scope");
    const list = await api("GET", "/v1/keys", undefined, admin);
    expect(list.body.items.map((k: { id: string }) => k.id)).toContain(keyIdOf(newKey));
  });

  it("a key without the admin scope cannot create keys via POST /v1/keys", async () => {
    const { ws, key } = await workspace();
    const res = await api("POST", "/v1/keys", { name: "escalate", scopes: ["admin"] }, key);
    expectProblem(res, 403, "insufficient_scope");
    expect(res.body.required).toBe("admin");
    const list = await api("GET", `/v1/admin/workspaces/${ws}/keys`, undefined, ADMIN);
    expect(list.body.items).toHaveLength(1);
  });

  it("POST /v1/keys without a key is a 401 unauthenticated", async () => {
    const res = await api("POST", "/v1/keys", { name: "anon", scopes: ["admin"] });
    expectUnauthorized(res, "unauthenticated");
  });
});
