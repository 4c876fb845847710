// Rate limits end to end, through `./baton dev` with the limits of wrangler.toml (docs/api.md
// "Rate limits"): one API key that sends more than 1,000 requests in 10 s gets 429
// problem+json with Retry-After, while another key of the same workspace keeps working; a
// write refused for rate stores nothing, and the same write goes through once the window has
// passed. The burst is bounded (at most 6,000 requests on loopback, 30 s).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { callApi } from "../../scripts/lib/relay-requests.mjs";
import { startRelay } from "./relay.mjs";

let relay;
before(async () => {
  relay = await startRelay("rate-limits");
});
after(() => relay?.stop());

/** A new key of the development workspace, minted with the printed admin key. */
async function mint(name) {
  const res = await callApi(relay.base, relay.key, "POST", "/v1/keys", {
    name,
    scopes: ["events:write", "journeys:read"],
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.key;
}

test("a key over its limit gets 429 with Retry-After; another key of the workspace does not", async () => {
  const noisy = await mint("noisy client");
  const quiet = await mint("quiet client");
  // A cheap request that still passes authentication and the limiter: the list, one row.
  const read = (key) => callApi(relay.base, key, "GET", "/v1/journeys?limit=1");

  const started = Date.now();
  let sent = 0;
  let refused;
  const worker = async () => {
    while (!refused && sent < 6_000 && Date.now() - started < 30_000) {
      sent += 1;
      const res = await read(noisy);
      if (res.status === 429) refused ??= res;
      else assert.equal(res.status, 200, JSON.stringify(res.body));
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  assert.ok(refused, `no 429 after ${sent} requests in ${Date.now() - started} ms`);
  console.log(`the noisy key was refused after ${sent} requests in ${Date.now() - started} ms`);
  assert.ok(sent > 1_000, `refused only after the limit of 1,000 (at request ${sent})`);
  assert.match(refused.headers.get("content-type") ?? "", /^application\/problem\+json/);
  assert.equal(refused.headers.get("retry-after"), "10");
  assert.equal(refused.body.code, "rate_limited");
  assert.equal(refused.body.limit, "key");
  assert.equal(refused.body.status, 429);

  // The other key of the same workspace is not limited.
  const other = await read(quiet);
  assert.equal(other.status, 200, JSON.stringify(other.body));

  // A write refused for rate stores nothing: the same idempotency key later creates the event.
  const event = {
    identifiers: [{ type: "phone", value: "+14155550123" }],
    channel: "sms",
    direction: "inbound",
    actor: { kind: "customer" },
    type: "message",
    text: "sent while the client was over its limit",
  };
  const headers = { "idempotency-key": `rate-limited-${started.toString(36)}` };
  const first = await callApi(relay.base, noisy, "POST", "/v1/events", event, headers);
  assert.equal(first.status, 429, JSON.stringify(first.body));

  // After Retry-After (plus the up to one second an isolate checks late), it goes through, new.
  await sleep(11_000);
  const deadline = Date.now() + 15_000;
  let retry;
  do {
    retry = await callApi(relay.base, noisy, "POST", "/v1/events", event, headers);
    if (retry.status === 429) await sleep(1_000);
  } while (retry.status === 429 && Date.now() < deadline);
  assert.equal(retry.status, 201, `created, not a replay: ${JSON.stringify(retry.body)}`);
  const events = await callApi(
    relay.base,
    quiet,
    "GET",
    `/v1/journeys/${retry.body.journeyId}/events`,
  );
  assert.equal(events.status, 200);
  assert.equal(
    events.body.items.filter((e) => e.text === event.text).length,
    1,
    "the event is stored once",
  );
});
