// End to end, the way a newcomer uses Baton: start the relay with the README's command,
// post an event with the printed key, read the journey back with all six context items, and
// find it in D1 history within seconds. Runs with node's test runner (not inside workerd).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";

const root = new URL("../..", import.meta.url).pathname;
const port = 18_000 + Math.floor(Math.random() * 2_000);
const base = `http://127.0.0.1:${port}`;
const persist = mkdtempSync(join(tmpdir(), "baton-e2e-"));
let server;
let key;
let output = "";

before(async () => {
  server = spawn("./baton", ["dev"], {
    cwd: root,
    env: { ...process.env, PORT: String(port), BATON_PERSIST: persist },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  server.stdout.on("data", (d) => (output += d));
  server.stderr.on("data", (d) => (output += d));
  const deadline = Date.now() + 120_000;
  while (!/export BATON_KEY=(\S+)/.test(output)) {
    if (Date.now() > deadline || server.exitCode !== null) {
      throw new Error(`relay did not start:\n${output}`);
    }
    await sleep(200);
  }
  key = /export BATON_KEY=(\S+)/.exec(output)[1];
});

after(() => {
  if (server && server.exitCode === null) process.kill(-server.pid, "SIGTERM");
  rmSync(persist, { recursive: true, force: true });
});

async function call(method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get("content-type"), body: await res.json() };
}

test("the printed curl flow works: event in, six context items out, history in D1 within seconds", async () => {
  const posted = await call("POST", "/v1/events", {
    identifiers: [{ type: "phone", value: "+14155550100" }],
    channel: "sms",
    direction: "inbound",
    actor: { kind: "customer" },
    text: "I was charged twice for March",
  });
  assert.equal(posted.status, 201);
  const id = posted.body.journeyId;
  const acceptedAt = Date.now();

  assert.equal(
    (
      await call("PUT", `/v1/journeys/${id}/owner`, {
        id: "dana",
        name: "Dana Reyes",
        team: "billing",
      })
    ).status,
    200,
  );
  assert.equal(
    (
      await call("POST", `/v1/journeys/${id}/promises`, {
        text: "refund within 3 business days",
        dueAt: "2099-12-03T17:00:00Z",
        madeBy: { kind: "agent", id: "dana" },
      })
    ).status,
    201,
  );
  assert.equal(
    (
      await call("POST", `/v1/journeys/${id}/constraints`, {
        text: "SMS only",
        kind: "channel_only",
        channel: "sms",
      })
    ).status,
    201,
  );
  assert.equal(
    (
      await call("POST", `/v1/journeys/${id}/actions`, {
        text: "refund requested",
        actor: { kind: "agent", id: "dana" },
      })
    ).status,
    201,
  );

  const got = await call("GET", `/v1/journeys/${id}`);
  assert.equal(got.status, 200);
  const ctx = got.body;
  assert.equal(ctx.reason.text, "I was charged twice for March");
  assert.equal(ctx.history.total, 5);
  assert.equal(ctx.lastAction.text, "refund requested");
  assert.equal(ctx.constraints[0].text, "SMS only");
  assert.equal(ctx.promises[0].status, "pending");
  assert.equal(ctx.owner.name, "Dana Reyes");

  let lagMs = null;
  while (Date.now() - acceptedAt < 10_000) {
    const search = await call("GET", `/v1/journeys?customer=${posted.body.customerId}`);
    if (search.body.items.length === 1 && search.body.items[0].lastSeq === 5) {
      lagMs = Date.now() - acceptedAt;
      break;
    }
    await sleep(50);
  }
  assert.notEqual(lagMs, null, "journey not visible in D1 history within 10 s");
  console.log(`D1 history visible ${lagMs} ms after the first event was accepted`);
});

test("errors are problem+json through the real server", async () => {
  const res = await call("POST", "/v1/events", { channel: "pigeon" });
  assert.equal(res.status, 422);
  assert.match(res.type, /application\/problem\+json/);
  const missing = await fetch(`${base}/v1/nope`);
  assert.equal(missing.status, 404);
});
