// End to end, the call-start brief: start the relay with `./baton dev`, send real traffic (an
// SMS and a call through POST /v1/events, an owner, a promise, a constraint and an exception
// through the API), then look the caller up as Amazon Connect, Genesys and Twilio Studio do,
// after the flow authenticated the caller. Runs with node's test runner (not inside workerd).
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { startRelay } from "./relay.mjs";

const PHONE = "+14155550177";
let relay;
let base;
let key;
let ws;

before(async () => {
  relay = await startRelay("call-brief");
  ({ base, key } = relay);
});

after(() => relay?.stop());

async function call(method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get("content-type"),
    body: text ? JSON.parse(text) : null,
  };
}

const ok = (res, status = 201) => assert.equal(res.status, status, JSON.stringify(res.body));

/** The three platform lookups of the caller, each in its platform's own request shape. */
async function lookups(assertion, language) {
  const enc = encodeURIComponent;
  const parameters = { batonAssertion: assertion, ...(language ? { language } : {}) };
  const connect = await call("POST", `/hooks/${ws}/connect`, {
    Name: "ContactFlowEvent",
    Details: {
      ContactData: { CustomerEndpoint: { Address: PHONE, Type: "TELEPHONE_NUMBER" } },
      Parameters: parameters,
    },
  });
  const genesys = await call("POST", `/hooks/${ws}/genesys`, {
    phone: PHONE,
    assertion,
    ...(language ? { language } : {}),
  });
  const studio = await call(
    "GET",
    `/hooks/${ws}/studio?phone=${enc(PHONE)}&assertion=${enc(assertion)}${
      language ? `&language=${enc(language)}` : ""
    }`,
  );
  return { connect, genesys, studio };
}

test("an authenticated caller's IVR map carries constraints, history, and an exception-first sentence", async () => {
  const first = await call("POST", "/v1/events", {
    identifiers: [{ type: "phone", value: PHONE, verification: "verified" }],
    channel: "sms",
    direction: "inbound",
    actor: { kind: "customer" },
    text: "The technician never showed up, I waited all afternoon",
  });
  ok(first);
  const id = first.body.journeyId;
  ws = (await call("GET", `/v1/journeys/${id}`)).body.workspace;
  assert.ok(ws, "the journey names its workspace");
  ok(
    await call("POST", "/v1/events", {
      identifiers: [{ type: "phone", value: PHONE }],
      channel: "voice",
      type: "call",
      direction: "inbound",
      actor: { kind: "customer" },
      text: "Called about the missed visit",
    }),
  );
  ok(
    await call("PUT", `/v1/journeys/${id}/owner`, {
      id: "dana",
      name: "Dana Reyes",
      team: "field service",
    }),
    200,
  );
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
  ok(
    await call("POST", `/v1/journeys/${id}/promises`, {
      text: "a new visit 14:00-17:00",
      dueAt: tomorrow,
      madeBy: { kind: "agent", id: "sam", name: "Sam" },
    }),
  );
  ok(
    await call("POST", `/v1/journeys/${id}/constraints`, {
      text: "Afternoons only",
      kind: "contact_window",
      window: { from: "12:00", to: "18:00", timeZone: "UTC" },
    }),
  );
  ok(
    await call("POST", `/v1/journeys/${id}/exceptions`, {
      kind: "other",
      text: "the technician did not show up",
      guidance: "apologise first, waive the call-out fee",
      escalate: false,
    }),
  );
  const minted = await call("POST", "/v1/context/assertions", {
    identifier: { type: "phone", value: PHONE },
    method: "pin",
  });
  ok(minted);
  const assertion = minted.body.assertion;

  // The brief reaches the caller's number within a second of the last write.
  let maps;
  for (let i = 0; i < 50; i++) {
    maps = await lookups(assertion);
    if (maps.connect.body?.exception === "other") break;
    await sleep(200);
  }
  const { connect, genesys, studio } = maps;
  for (const [platform, res] of Object.entries(maps)) {
    assert.equal(res.status, 200, `${platform}: ${JSON.stringify(res.body)}`);
    assert.ok(Buffer.byteLength(JSON.stringify(res.body)) <= 1024, `${platform} within 1 KB`);
  }
  const m = connect.body;
  assert.equal(m.tier, "personal", JSON.stringify(m));
  assert.equal(m.constraints, "Afternoons only");
  assert.match(m.history, /^2 contacts since \w{3} \w{3} \d{1,2}( \d{4})?: sms, voice$/);
  assert.equal(m.language, "en-US");
  assert.match(
    m.sentence,
    /^We are sorry: the technician did not show up\. Sam promised a new visit 2 to 5 PM by tomorrow at /,
  );
  assert.match(m.sentence, /Dana Reyes from field service is handling it\.$/);
  assert.doesNotMatch(m.sentence, /14:00|apologise|Afternoons|[<>&"]/);
  // Same keys and values on every platform.
  assert.deepEqual(Object.keys(genesys.body).sort(), Object.keys(m).sort());
  assert.deepEqual(studio.body, m);

  // The caller asked for Spanish: every platform answers in Spanish, times included ("a la 1"
  // in the one o'clock hour, "a medianoche" at 00:00, "a las" otherwise).
  const es = await lookups(assertion, "es");
  for (const [platform, res] of Object.entries(es)) {
    assert.equal(res.status, 200, platform);
    assert.equal(res.body.language, "es-ES", platform);
    assert.match(
      res.body.sentence,
      /^Lo sentimos: the technician did not show up\. Sam le prometió: a new visit de 2 a 5 de la tarde, para mañana (a las? |a medianoche)/,
      platform,
    );
  }
  // A language Baton does not speak: the workspace's (English), and the map says so.
  const pt = await lookups(assertion, "pt-BR");
  assert.equal(pt.studio.body.language, "en-US");
  assert.equal(pt.studio.body.languageFallback, "pt-BR");

  // An oversized language is the caller's mistake: a problem, and nothing is stored.
  const before = (await call("GET", `/v1/journeys/${id}`)).body.seq;
  const bad = await call(
    "GET",
    `/hooks/${ws}/studio?phone=${encodeURIComponent(PHONE)}&language=${"x".repeat(80)}`,
  );
  assert.equal(bad.status, 400);
  assert.equal(bad.type, "application/problem+json");
  assert.equal(bad.body.code, "invalid_query");
  assert.equal((await call("GET", `/v1/journeys/${id}`)).body.seq, before);
});
