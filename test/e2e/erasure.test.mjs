// Governance end to end, through `./baton dev` as a user runs it (docs/privacy.md): a customer
// who wrote by SMS (a signed Twilio webhook) and by the API, with a webhook subscriber on
// loopback, is exported, then erased. Afterwards no API answer knows them, a late Twilio retry
// of their message stores nothing, the subscriber gets `customer.erased` naming ids only, the
// audit log holds one entry per action, and once the relay has stopped their identifiers, name
// and words appear in no file of its local state (Durable Object SQLite files, the local D1
// database, any WAL file), searched as raw bytes. The erasure job's row holds no identifier
// while it runs, and `./baton dev` folds each write-ahead log into its database when it stops
// ("Local state files"), so no earlier page image of an erased row survives in a log.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { callApi, postTwilio } from "../../scripts/lib/relay-requests.mjs";
import { startRelay, until } from "./relay.mjs";

const TWILIO_TOKEN = "e2e-erasure-twilio-token";

let relay;
/** Every webhook delivery the loopback subscriber received, raw. */
const received = [];
let receiver;
before(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      received.push(body);
      res.writeHead(200).end();
    });
  });
  await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  relay = await startRelay("erasure");
});
after(() => {
  relay?.stop();
  receiver?.close();
});

const call = (method, path, body) => callApi(relay.base, relay.key, method, path, body);

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

test("export, then erasure: gone from every answer, webhook and local state file", async () => {
  const tag = Date.now().toString(36);
  const phone = "+14155550163";
  const email = `philippa.${tag}@example.com`;
  const name = `Philippa Ottoline-${tag}`;
  const words = `the boiler in flat 9 hisses like a kettle-${tag}`;
  const raws = [words, name, email, phone, `Ottoline-${tag}`, `kettle-${tag}`];
  const hasRaw = (text) => raws.filter((r) => text.includes(r));

  const settings = await call("PATCH", "/v1/settings", {
    publicBaseUrl: relay.base,
    providers: { twilio: { authToken: TWILIO_TOKEN } },
  });
  assert.equal(settings.status, 200, JSON.stringify(settings.body));
  const hook = await call("POST", "/v1/webhooks", {
    url: `http://127.0.0.1:${receiver.address().port}/baton`,
  });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));

  // The customer texts (Twilio's signed webhook), then writes by email through the API.
  const sms = {
    MessageSid: `SM${randomUUID().replace(/-/g, "")}`,
    AccountSid: `AC${"0".repeat(32)}`,
    From: phone,
    To: "+18005550100",
    Body: words,
    NumMedia: "0",
  };
  const twilio = () =>
    postTwilio({
      base: relay.base,
      workspace: "dev",
      token: TWILIO_TOKEN,
      path: "sms",
      fields: sms,
    });
  const first = await twilio();
  assert.equal(first.status, 200);
  const journeyId = first.headers.get("x-baton-journey-id");
  assert.match(journeyId ?? "", /^jrn_/);
  const second = await call("POST", "/v1/events", {
    identifiers: [
      { type: "phone", value: phone, verification: "verified" },
      { type: "email", value: email },
    ],
    channel: "email",
    direction: "inbound",
    actor: { kind: "customer", name },
    type: "message",
    text: `Hello, this is ${name}`,
  });
  assert.equal(second.status, 201, JSON.stringify(second.body));
  assert.equal(second.body.journeyId, journeyId);
  const { customerId } = second.body;
  const promise = await call("POST", `/v1/journeys/${journeyId}/promises`, {
    text: `Engineer visit for ${name}`,
    dueAt: new Date(Date.now() + 86_400_000).toISOString(),
    madeBy: { kind: "agent", id: "a1", name: "Dana" },
  });
  assert.equal(promise.status, 201);
  // D1 has the journey (the history queue trails the object), and the subscriber the words.
  await until(async () => {
    const r = await call("GET", `/v1/journeys?customer=${customerId}`);
    return r.body.items?.some((j) => j.id === journeyId);
  });
  await until(async () => received.some((b) => b.includes(words)));

  // The export holds what the API shows.
  const exported = await call("GET", `/v1/customers/${customerId}/export`);
  assert.equal(exported.status, 200);
  const customer = await call("GET", `/v1/customers/${customerId}`);
  assert.deepEqual(exported.body.customer, customer.body);
  const events = await call("GET", `/v1/journeys/${journeyId}/events`);
  const [journey] = exported.body.journeys;
  assert.deepEqual(
    journey.events.map((e) => [e.seq, e.type, e.text]),
    events.body.items.map((e) => [e.seq, e.type, e.text]),
  );
  assert.ok(journey.events.some((e) => e.text === words));
  assert.deepEqual(
    journey.promises.map((p) => p.text),
    [`Engineer visit for ${name}`],
  );
  assert.deepEqual(exported.body.identifiers.map((i) => i.value).sort(), [email, phone].sort());
  const before = files(relay.persist)
    .map((f) => readFileSync(f))
    .some((b) => b.includes(Buffer.from(words)));
  assert.ok(before, "the words are in the local state before the erasure");

  const started = await call("POST", `/v1/customers/${customerId}/erasure`);
  assert.equal(started.status, 202);
  const again = await call("POST", "/v1/erasures", {
    identifier: { type: "phone", value: "(415) 555-0163" },
  });
  assert.equal(again.body.id, started.body.id, "a second request returns the first job");
  const job = await until(async () => {
    const r = await call("GET", `/v1/erasures/${started.body.id}`);
    return r.body.status === "completed" ? r.body : null;
  });
  assert.equal(job.counts.journeys, 1);

  // No answer knows them; a late Twilio retry of their message is taken and stores nothing.
  const retry = await twilio();
  assert.equal(retry.status, 200);
  assert.equal(retry.headers.get("x-baton-journey-id"), null);
  for (const path of [
    `/v1/customers/${customerId}`,
    `/v1/journeys/${journeyId}`,
    `/v1/customers/${customerId}/export`,
  ]) {
    assert.equal((await call("GET", path)).status, 404, path);
  }
  const context = await call(
    "GET",
    `/v1/context?phone=${encodeURIComponent(phone)}&audience=agent`,
  );
  assert.equal(context.status, 200);
  assert.equal(context.body.match, "none");
  assert.deepEqual(hasRaw(JSON.stringify(context.body)), []);

  // The subscriber hears of it, by ids only.
  const notice = await until(async () =>
    received.find((b) => b.includes('"customer.erased"') && b.includes(customerId)),
  );
  assert.ok(notice.includes(journeyId));
  assert.deepEqual(hasRaw(notice), []);

  // One audit entry per action.
  const audit = await call("GET", `/v1/audit?customer=${customerId}&limit=200`);
  assert.equal(audit.status, 200);
  const count = (action) => audit.body.items.filter((e) => e.action === action).length;
  assert.deepEqual(
    ["customer.exported", "erasure.requested", "customer.erased"].map(count),
    [1, 1, 1],
  );
  assert.deepEqual(hasRaw(JSON.stringify(audit.body)), []);

  await relay.halt();
  const all = files(relay.persist);
  assert.ok(all.some((f) => f.endsWith(".sqlite")));
  // Every write-ahead log was folded into its database when the relay stopped.
  const logs = all.filter((f) => f.endsWith("-wal") && statSync(f).size > 0);
  assert.deepEqual(logs, []);
  const found = [];
  for (const f of all) {
    const bytes = readFileSync(f);
    for (const raw of raws) {
      if (bytes.includes(Buffer.from(raw)))
        found.push(`${raw} in ${f.slice(relay.persist.length)}`);
    }
  }
  assert.deepEqual(found, []);
});
