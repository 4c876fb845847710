// End to end, the way an agent framework uses Baton's MCP server: start the relay with
// `./baton dev`, connect the official MCP client over real HTTP with the printed key, and do a
// short journey with tools only; the REST API then shows what the tools wrote. Runs with node's
// test runner (not inside workerd).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startRelay } from "./relay.mjs";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";

let relay;
let base;
let key;

before(async () => {
  relay = await startRelay("e2e-mcp");
  ({ base, key } = relay);
});

after(() => relay?.stop());

async function connect(token) {
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
    authProvider: { token: async () => token },
  });
  const client = new Client({ name: "e2e-agent", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

/** Calls a tool; a tool error fails the test with the tool's own words. */
async function tool(client, name, args) {
  const res = await client.callTool({ name, arguments: args });
  assert.notEqual(res.isError, true, `${name}: ${res.content?.[0]?.text}`);
  return res.structuredContent;
}

test("an MCP client over real HTTP finds, reads, promises, hands off and resolves", async () => {
  // The channel records the customer's SMS (REST); the agent does the rest over MCP.
  const posted = await fetch(`${base}/v1/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({
      identifiers: [{ type: "phone", value: "+14155550188" }],
      channel: "sms",
      direction: "inbound",
      actor: { kind: "customer" },
      text: "My router has been down since Monday",
    }),
  });
  assert.equal(posted.status, 201);

  const client = await connect(key);
  const { tools } = await client.listTools();
  assert.ok(tools.some((t) => t.name === "hand_off"));

  // The agent's flow verified the caller (a one-time code); the dev key may assert that.
  const found = await tool(client, "find_journey", {
    phone: "+14155550188",
    authenticated: "otp",
  });
  assert.equal(found.verified, true);
  const journeyId = found.journeyId;
  assert.match(journeyId, /^jrn_/);

  const read = await client.callTool({ name: "get_context", arguments: { journey: journeyId } });
  assert.match(read.content[0].text, /<<<BATON_CONTEXT id=[0-9a-f]{16}>>>/);
  assert.match(read.content[0].text, /router has been down/);

  const bot = { kind: "bot", id: "support-bot", name: "Support bot" };
  const promise = await tool(client, "make_promise", {
    journeyId,
    text: "a technician visit within 2 days",
    dueAt: "2099-06-01T17:00:00Z",
    madeBy: bot,
    idempotencyKey: "e2e-promise-1",
  });
  const retried = await tool(client, "make_promise", {
    journeyId,
    text: "a technician visit within 2 days",
    dueAt: "2099-06-01T17:00:00Z",
    madeBy: bot,
    idempotencyKey: "e2e-promise-1",
  });
  assert.equal(retried.replayed, true);
  assert.equal(retried.id, promise.id);
  await tool(client, "hand_off", {
    journeyId,
    kind: "team",
    id: "field",
    name: "Field team",
    actor: bot,
    handoff: { reason: "needs a technician", summary: "Router down since Monday; visit promised." },
  });
  const resolved = await tool(client, "resolve", { journeyId, note: "visit booked" });
  assert.equal(resolved.status, "resolved");
  await client.close();

  const rest = await fetch(`${base}/v1/journeys/${journeyId}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  const ctx = await rest.json();
  assert.equal(ctx.status, "resolved");
  assert.equal(ctx.owner.id, "field");
  assert.equal(ctx.promises.length, 1);
  assert.equal(ctx.history.total, 4); // the SMS, the promise, the handoff, the resolution
});

test("over real HTTP, /mcp refuses a missing key and a foreign Origin", async () => {
  await assert.rejects(connect("bk_dev.000000000000.0000000000000000000000000000000000000000"));
  const res = await fetch(`${base}/mcp`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      origin: "https://evil.example",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });
  assert.equal(res.status, 403);
  const none = await fetch(`${base}/mcp`, { method: "POST" });
  assert.equal(none.status, 401);
});
