// End to end, the way a newcomer uses Baton: start the relay with the README's command,
// post an event with the printed key, read the journey back with all six context items, and
// find it in D1 history within seconds. Runs with node's test runner (not inside workerd).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startRelay } from "./relay.mjs";
import { setTimeout as sleep } from "node:timers/promises";

let relay;
let base;
let key;

before(async () => {
  relay = await startRelay("e2e");
  ({ base, key } = relay);
});

after(() => relay?.stop());

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
