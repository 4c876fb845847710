import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { allowedHosts, guard } from "../workers/relay/src/mcp/route";
import { ADMIN, api, flushJourney, smsFrom, workspace } from "./helpers";
import { BOT, call, connect, DANA, MCP_URL } from "./mcp-helpers";

const FUTURE = "2099-12-03T17:00:00Z";

/** Valid arguments for every tool on journey `id`: a refusal can then only be the scope. */
function validCalls(id: string): Record<string, Record<string, unknown>> {
  return {
    find_journey: { journey: id },
    get_context: { journey: id },
    record_action: { journeyId: id, text: "called back", actor: DANA },
    record_message: {
      journeyId: id,
      channel: "sms",
      text: "hi",
      actor: DANA,
      from: "+18005550199",
    },
    note_fact: { journeyId: id, facts: { order_id: "A-1" } },
    make_promise: { journeyId: id, text: "refund", dueAt: FUTURE, madeBy: DANA },
    settle_promise: { journeyId: id, promiseId: "prm_x", status: "kept" },
    renegotiate_promise: { journeyId: id, promiseId: "prm_x", dueAt: FUTURE },
    add_constraint: { journeyId: id, text: "SMS only" },
    raise_exception: { journeyId: id, kind: "other", text: "payment failed" },
    hand_off: { journeyId: id, id: "dana", handoff: { reason: "needs a human", summary: "s" } },
    hand_back: { journeyId: id, id: "billing-bot" },
    resolve: { journeyId: id },
  };
}

/** An MCP initialize request, for the checks made before any MCP handling. */
function rawInitialize(headers: Record<string, string>, url = MCP_URL) {
  return SELF.fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "raw", version: "1" },
      },
    }),
  });
}

describe("MCP safety", () => {
  it("refuses each tool to a key without its scope, naming the scope, and stores nothing", async () => {
    const { ws, key: admin } = await workspace();
    const posted = await api("POST", "/v1/events", smsFrom("+14155550171", "hello"), admin);
    const id = posted.body.journeyId as string;
    /** Another key of the same workspace, with only `scopes`. */
    const scoped = async (scopes: string[]) => {
      const body = { name: scopes.join(","), scopes };
      const res = await api("POST", `/v1/admin/workspaces/${ws}/keys`, body, ADMIN);
      expect(res.status).toBe(201);
      return res.body.key as string;
    };
    const reader = await connect(await scoped(["context:read"]));
    const writer = await connect(await scoped(["journeys:write"]));
    for (const [name, args] of Object.entries(validCalls(id))) {
      const isRead = name === "find_journey" || name === "get_context";
      const refused = await call(isRead ? writer : reader, name, args);
      const scope = isRead ? "context:read" : "journeys:write";
      expect(refused.isError, name).toBe(true);
      expect(JSON.parse(refused.text), name).toMatchObject({
        code: "insufficient_scope",
        required: scope,
        detail: `this key lacks the ${scope} scope`,
      });
    }
    await expect(writer.readResource({ uri: `baton://journeys/${id}/context` })).rejects.toThrow(
      /context:read/,
    );
    // The read tools work for the reader, and nothing was written by the refused calls.
    expect((await call(reader, "get_context", { journey: id })).isError).toBe(false);
    const after = await api("GET", `/v1/journeys/${id}`, undefined, admin);
    expect(after.body.history.total).toBe(1);
    await reader.close();
    await writer.close();
  });

  it("answers a claimed or unproven identity unverified, with nothing personal", async () => {
    const phone = "+14155550172";
    const { ws, key } = await workspace();
    const posted = await api(
      "POST",
      "/v1/events",
      smsFrom(phone, "Charged twice on card 4111 1111 1111 1111, account AC-99812", {
        reason: { text: "charged twice", topic: "billing.double_charge" },
        facts: { account_number: "AC-99812" },
      }),
      key,
    );
    const id = posted.body.journeyId as string;
    await api(
      "POST",
      `/v1/journeys/${id}/promises`,
      { text: "refund within 3 business days", dueAt: FUTURE, madeBy: DANA },
      key,
    );
    await flushJourney(ws, id);
    const client = await connect(key);
    const personal = [
      id,
      posted.body.customerId,
      "AC-99812",
      "Charged twice",
      "refund within",
      "Dana",
    ];
    for (const how of [{ as: "claimed" }, { attestation: "B" }, {}]) {
      const found = await call(client, "find_journey", { phone, ...how });
      expect(found.data).toMatchObject({ match: "single", journeyId: null, verified: false });
      expect(found.data.unverified).toBe(true);
      expect(found.data.disclosure.tier).toBe("routing");
      for (const audience of ["bot", "agent"]) {
        const got = await call(client, "get_context", { phone, audience, ...how });
        expect(got.isError).toBe(false);
        expect(got.data).toMatchObject({ journeyId: null, verified: false, unverified: true });
        const everything = JSON.stringify([found, got]);
        for (const secret of personal)
          expect(everything, `${audience} ${secret}`).not.toContain(secret);
        expect(got.text).toContain("NOT verified");
        if (audience === "bot") expect(got.text).toContain("<<<BATON_CONTEXT id=");
      }
    }
    await client.close();
  });

  it("gives malformed arguments a tool error naming the field, bounds the body, and stores nothing", async () => {
    const { key } = await workspace();
    const posted = await api("POST", "/v1/events", smsFrom("+14155550173", "hi"), key);
    const id = posted.body.journeyId as string;
    let deep: unknown = "bottom";
    for (let i = 0; i < 80; i++) deep = { d: deep };
    const bad: [string, Record<string, unknown>, string][] = [
      ["make_promise", { journeyId: id, text: "x", dueAt: "tomorrow", madeBy: BOT }, "dueAt"],
      [
        "make_promise",
        { journeyId: id, text: "x", dueAt: FUTURE, verifyBy: "2099-01-01T00:00:00Z", madeBy: BOT },
        "verifyBy",
      ],
      ["record_action", { journeyId: "jrn_nope", text: "x", actor: BOT }, "journeyId"],
      ["record_action", { journeyId: id, text: "x", actor: BOT, colour: "red" }, "colour"],
      ["record_action", { journeyId: id, text: "x", actor: BOT, data: { deep } }, "data"],
      ["note_fact", { journeyId: id, facts: { "no spaces!": 1 } }, "facts"],
      ["settle_promise", { journeyId: id, promiseId: "prm_x", status: "done" }, "status"],
      [
        "hand_off",
        { journeyId: id, kind: "bot", id: "x", handoff: { reason: "r", summary: "s" } },
        "kind",
      ],
      ["hand_off", { journeyId: id, id: "dana" }, "handoff"],
      ["get_context", { journey: id, phone: "+14155550173" }, "phone"],
      ["get_context", { journey: id, budget: 10 }, "budget"],
      ["find_journey", { journey: id, assertion: "x" }, "assertion"],
    ];
    const client = await connect(key);
    for (const [name, args, field] of bad) {
      const out = await call(client, name, args);
      expect(out.isError, `${name} ${field}`).toBe(true);
      expect(out.text, `${name} ${field}`).toContain(field);
    }
    // A well-formed call the journey refuses is a tool error with the API's problem.
    const unknown = await call(client, "settle_promise", {
      journeyId: id,
      promiseId: "prm_nope",
      status: "kept",
    });
    expect(JSON.parse(unknown.text)).toMatchObject({ code: "promise_not_found", status: 404 });
    await client.close();
    const after = await api("GET", `/v1/journeys/${id}`, undefined, key);
    expect(after.body.history.total).toBe(1);
    // Not JSON at all: a JSON-RPC parse error, never a 5xx.
    const garbage = await SELF.fetch(MCP_URL, {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: "{not json",
    });
    expect(garbage.status).toBe(400);
    // Bodies are bounded like the REST API's (64 KiB), before anything is parsed.
    const huge = await SELF.fetch(MCP_URL, {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "record_action", arguments: { text: "x".repeat(70_000) } },
      }),
    });
    expect(huge.status).toBe(413);
  });

  it("answers 401 without a key or with an invalid one", async () => {
    const none = await rawInitialize({});
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    expect(await none.json()).toMatchObject({ code: "unauthenticated" });
    const forged = `bk_nobody.${"a".repeat(12)}.${"b".repeat(40)}`;
    const invalid = await rawInitialize({ authorization: `Bearer ${forged}` });
    expect(invalid.status).toBe(401);
    expect(await invalid.json()).toMatchObject({ code: "invalid_api_key" });
    await expect(connect(forged)).rejects.toThrow();
  });

  it("refuses a foreign Origin or Host before looking at the key", async () => {
    const { key } = await workspace();
    const auth = { authorization: `Bearer ${key}` };
    const evil = await rawInitialize({ ...auth, origin: "https://evil.example" });
    expect(evil.status).toBe(403);
    expect(JSON.stringify(await evil.json())).toContain("Invalid Origin");
    const ownPage = await rawInitialize({ ...auth, origin: "http://localhost:5173" });
    expect(ownPage.status).toBe(200);
    const foreignHost = await rawInitialize(auth, "https://baton.test/mcp");
    expect(foreignHost.status).toBe(403);
    expect(JSON.stringify(await foreignHost.json())).toContain("Invalid Host");

    // In production the Worker's own hostname comes from MCP_ALLOWED_HOSTS.
    const hosts = allowedHosts({ ...env, MCP_ALLOWED_HOSTS: "baton.example.com, relay.acme.dev" });
    const at = (host: string, origin?: string) =>
      new Request(`https://${host}/mcp`, { headers: { host, ...(origin ? { origin } : {}) } });
    expect(guard(at("baton.example.com"), hosts)).toBeUndefined();
    expect(guard(at("relay.acme.dev", "https://relay.acme.dev"), hosts)).toBeUndefined();
    expect(guard(at("baton.example.com", "https://evil.example"), hosts)?.status).toBe(403);
    expect(guard(at("evil.example"), hosts)?.status).toBe(403);
    expect(guard(at("evil.example"), allowedHosts(env))?.status).toBe(403);
  });
});
