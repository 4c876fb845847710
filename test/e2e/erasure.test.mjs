// Erasure end to end, through `./baton dev` as a user runs it: after a customer is erased, their
// identifiers, name and words appear in no file of the relay's local state (Durable Object
// SQLite files, the local D1 database, any WAL file), searched as raw bytes once the relay has
// stopped (docs/privacy.md, "Erasure" and "Local state files"). The erasure job's row holds no
// identifier while it runs, and `./baton dev` folds each write-ahead log into its database
// when it stops, so no earlier page image of an erased row survives in a log.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { startRelay } from "./relay.mjs";

let relay;
before(async () => {
  relay = await startRelay("erasure");
});
after(() => relay?.stop());

async function call(method, path, body) {
  const res = await fetch(`${relay.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${relay.key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

async function until(read, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (v) return v;
    if (Date.now() > deadline) throw new Error("timed out");
    await sleep(200);
  }
}

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

test("after an erasure, no local state file holds the customer's identifiers, name or words", async () => {
  const tag = Date.now().toString(36);
  const phone = "+14155550163";
  const email = `philippa.${tag}@example.com`;
  const name = `Philippa Ottoline-${tag}`;
  const words = `the boiler in flat 9 hisses like a kettle-${tag}`;
  const first = await call("POST", "/v1/events", {
    identifiers: [
      { type: "phone", value: phone, verification: "verified" },
      { type: "email", value: email },
    ],
    channel: "sms",
    direction: "inbound",
    actor: { kind: "customer", name },
    type: "message",
    text: words,
  });
  assert.equal(first.status, 201);
  const { journeyId, customerId } = first.body;
  const promise = await call("POST", `/v1/journeys/${journeyId}/promises`, {
    text: `Engineer visit for ${name}`,
    dueAt: new Date(Date.now() + 86_400_000).toISOString(),
    madeBy: { kind: "agent", id: "a1", name: "Dana" },
  });
  assert.equal(promise.status, 201);
  // Wait until D1 has the journey (the history queue trails the object by its flush delay).
  await until(async () => {
    const r = await call("GET", `/v1/journeys?customer=${customerId}`);
    return r.body.items?.some((j) => j.id === journeyId);
  });
  const before = files(relay.persist)
    .map((f) => readFileSync(f))
    .some((b) => b.includes(Buffer.from(words)));
  assert.ok(before, "the words are in the local state before the erasure");

  const started = await call("POST", `/v1/customers/${customerId}/erasure`);
  assert.equal(started.status, 202);
  const job = await until(async () => {
    const r = await call("GET", `/v1/erasures/${started.body.id}`);
    return r.body.status === "completed" ? r.body : null;
  });
  assert.equal(job.counts.journeys, 1);
  assert.equal((await call("GET", `/v1/customers/${customerId}`)).status, 404);

  await relay.halt();
  const all = files(relay.persist);
  assert.ok(all.some((f) => f.endsWith(".sqlite")));
  // Every write-ahead log was folded into its database when the relay stopped.
  const logs = all.filter((f) => f.endsWith("-wal") && statSync(f).size > 0);
  assert.deepEqual(logs, []);
  const found = [];
  for (const f of all) {
    const bytes = readFileSync(f);
    for (const raw of [words, name, email, phone, `Ottoline-${tag}`]) {
      if (bytes.includes(Buffer.from(raw)))
        found.push(`${raw} in ${f.slice(relay.persist.length)}`);
    }
  }
  assert.deepEqual(found, []);
});
