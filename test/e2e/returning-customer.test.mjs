// The customer who comes back (docs/continuity.md), through `./baton dev` as provider traffic:
// a signed Twilio SMS starts a journey, an agent owns it, promises and resolves it; after the
// reopen window the customer writes again in other words. The new journey's pack names the
// earlier one (owner, promise, how it ended), flags start_over and opens with what changed
// since the agent last looked.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { callApi, postTwilio } from "../../scripts/lib/relay-requests.mjs";
import { startRelay } from "./relay.mjs";

const TOKEN = "e2e-twilio-auth-token";
const PHONE = "+14155550177";
let relay;

before(async () => {
  relay = await startRelay("returning");
});

after(() => relay?.stop());

const call = (method, path, body) => callApi(relay.base, relay.key, method, path, body);

/** A Twilio SMS webhook, signed as Twilio signs it (scripts/lib/relay-requests.mjs). */
async function sms(text) {
  const fields = {
    MessageSid: `SM${randomUUID().replace(/-/g, "")}`,
    AccountSid: `AC${randomUUID().replace(/-/g, "")}`,
    From: PHONE,
    To: "+18005550199",
    Body: text,
    NumMedia: "0",
  };
  const res = await postTwilio({
    base: relay.base,
    workspace: "dev",
    token: TOKEN,
    path: "sms",
    fields,
  });
  assert.equal(res.status, 200, await res.clone().text());
  await res.text();
}

/** The agent's screen pop for the caller (the flow authenticated them with a PIN). */
async function screenPop() {
  const res = await call(
    "GET",
    `/v1/context?phone=${encodeURIComponent(PHONE)}&audience=agent&authenticated=pin`,
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.verified, true);
  return res.body;
}

test("a returning customer's new journey shows the earlier one and flags start_over", async () => {
  const settings = await call("PATCH", "/v1/settings", {
    reopenWindowHours: 0,
    providers: { twilio: { authToken: TOKEN } },
  });
  assert.equal(settings.status, 200, JSON.stringify(settings.body));

  await sms("My router keeps dropping the connection every evening");
  const first = await screenPop();
  const earlier = first.id;
  assert.match(earlier, /^jrn_/);
  assert.deepEqual(first.predecessors, []);
  assert.equal(first.sinceLastTouch, null);

  const dana = { kind: "agent", id: "dana", name: "Dana Reyes" };
  assert.equal(
    (await call("PUT", `/v1/journeys/${earlier}/owner`, { ...dana, kind: "person" })).status,
    200,
  );
  const due = new Date(Date.now() + 2 * 86_400_000).toISOString();
  const promise = await call("POST", `/v1/journeys/${earlier}/promises`, {
    text: "an engineer calls back within 2 days",
    dueAt: due,
    madeBy: dana,
  });
  assert.equal(promise.status, 201);
  const resolved = await call("PUT", `/v1/journeys/${earlier}/status`, {
    status: "resolved",
    note: "router replaced",
    actor: dana,
  });
  assert.equal(resolved.status, 200);

  // Past the reopen window, in other words.
  await sms("the router is dropping the connection again in the evening");
  const pop = await screenPop();
  assert.notEqual(pop.id, earlier);
  assert.ok(pop.flags.includes("start_over"), JSON.stringify(pop.flags));
  assert.equal(pop.predecessors.length, 1);
  const p = pop.predecessors[0];
  assert.equal(p.journeyId, earlier);
  assert.equal(p.status, "resolved");
  assert.equal(p.resolutionNote, "router replaced");
  assert.equal(p.owner.name, "Dana Reyes");
  assert.equal(p.startOver, true);
  assert.equal(p.rule, "text");
  assert.deepEqual(
    p.promises.map((x) => [x.text, x.status]),
    [["an engineer calls back within 2 days", "pending"]],
  );
  assert.equal(pop.startOver.journeyId, earlier);
  assert.match(pop.startOver.say, /^I see you wrote to us about this on /);
  // What changed since the agent last looked (at the first journey, before the promise).
  assert.equal(pop.sinceLastTouch.audience, "agent");
  assert.equal(pop.sinceLastTouch.journeyId, earlier);
  const types = pop.sinceLastTouch.changes.map((c) => c.type);
  for (const t of ["journey.flagged", "message", "status.changed", "promise.made", "owner.changed"])
    assert.ok(types.includes(t), `${t} in ${types}`);

  // The bot pack says it too, as data.
  const bot = await fetch(`${relay.base}/v1/context?journey=${pop.id}&audience=bot&format=text`, {
    headers: { authorization: `Bearer ${relay.key}` },
  });
  assert.equal(bot.status, 200);
  const text = await bot.text();
  assert.match(text, /## EARLIER JOURNEYS OF THIS CUSTOMER/);
  assert.match(text, /\[start over · baton · /);
});
