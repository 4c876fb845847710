// End to end, replies that thread (docs/api.md "Company messages"): start the relay with
// `./baton dev`, configure Twilio and Mailgun through the settings API, and drive the seam as
// provider traffic: the customer SMSes (signed Twilio webhook), an agent answers by email
// (POST /v1/journeys/:id/messages), the customer answers that email (signed Mailgun webhook)
// and the next touchpoint reads the pack. Runs with node's test runner (not inside workerd).
import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { URLSearchParams } from "node:url";
import { callApi, postTwilio } from "../../scripts/lib/relay-requests.mjs";
import { startRelay } from "./relay.mjs";

const TWILIO_TOKEN = "e2e-twilio-auth-token";
const MAILGUN_KEY = "e2e-mailgun-signing-key";
const WS = "dev";
const PHONE = "+14155550123";
const COMPANY = "+18005550199";

let relay;
let base;
let key;

before(async () => {
  relay = await startRelay("e2e-replies");
  ({ base, key } = relay);
});

after(() => relay?.stop());

const api = (method, path, body, headers) => callApi(base, key, method, path, body, headers);

async function twilio(path, fields) {
  const res = await postTwilio({ base, workspace: WS, token: TWILIO_TOKEN, path, fields });
  return {
    status: res.status,
    journey: res.headers.get("x-baton-journey-id"),
    text: await res.text(),
  };
}

/** A Mailgun route "forward" POST, signed as Mailgun signs it (HMAC-SHA256 of timestamp+token). */
function mailgunForm({ from, to, inReplyTo, text }) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const token = randomUUID().replace(/-/g, "").padEnd(50, "0");
  const messageId = `<cust-${randomUUID()}@mail.example.com>`;
  const headers = [
    ["Message-Id", messageId],
    ["From", from],
    ["To", to],
    ["Subject", "Re: Your bill"],
    ["Date", new Date().toUTCString()],
  ];
  if (inReplyTo) headers.push(["In-Reply-To", inReplyTo], ["References", inReplyTo]);
  return new URLSearchParams({
    recipient: to,
    sender: from,
    from,
    subject: "Re: Your bill",
    "body-plain": `${text}\r\n\r\nOn Mon, Support wrote:\r\n> earlier`,
    "stripped-text": text,
    timestamp,
    token,
    signature: createHmac("sha256", MAILGUN_KEY)
      .update(timestamp + token)
      .digest("hex"),
    "message-headers": JSON.stringify(headers),
  });
}

test("SMS in, an agent's email reply out, the customer's email answer threads back", async () => {
  const settings = await api("PATCH", "/v1/settings", {
    publicBaseUrl: base,
    providers: { twilio: { authToken: TWILIO_TOKEN }, mailgun: { signingKey: MAILGUN_KEY } },
    replies: { emailDomain: "reply.help.example.com", smsFrom: COMPANY },
  });
  assert.equal(settings.status, 200, JSON.stringify(settings.body));

  // 1. The customer SMSes the company number (Twilio's signed webhook).
  const sms = await twilio("sms", {
    MessageSid: `SM${randomUUID().replace(/-/g, "")}`,
    AccountSid: `AC${randomUUID().replace(/-/g, "")}`,
    From: PHONE,
    To: COMPANY,
    Body: "I was billed twice in March",
    NumMedia: "0",
  });
  assert.equal(sms.status, 200, sms.text);
  const journeyId = sms.journey;
  assert.match(journeyId, /^jrn_/);

  // The agent desktop knows the customer's email address and links it.
  const journey = await api("GET", `/v1/journeys/${journeyId}`);
  const linked = await api("POST", `/v1/customers/${journey.body.customerId}/identifiers`, {
    identifier: { type: "email", value: "ana@example.com" },
  });
  assert.equal(linked.status, 201, JSON.stringify(linked.body));

  // 2. The agent answers by email; Baton answers the headers to put on the mail.
  const dana = { kind: "agent", id: "dana", name: "Dana Reyes" };
  const message = {
    channel: "email",
    subject: "Your bill",
    text: "We refunded the second March charge.",
    actor: dana,
  };
  const sent = await api("POST", `/v1/journeys/${journeyId}/messages`, message, {
    "idempotency-key": "e2e-reply-1",
  });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  const { threading } = sent.body;
  assert.equal(threading.kind, "email");
  assert.match(threading.messageId, /^<baton\.[0-9a-f]{24}@reply\.help\.example\.com>$/);
  assert.match(threading.replyTo, /^reply\+dev\.[0-9a-f]{24}@reply\.help\.example\.com$/);
  assert.equal(threading.headers["Message-ID"], threading.messageId);
  assert.equal(threading.headers["Reply-To"], threading.replyTo);
  assert.deepEqual(sent.body.to, {
    type: "email",
    value: "ana@example.com",
    verification: "asserted",
  });
  const retried = await api("POST", `/v1/journeys/${journeyId}/messages`, message, {
    "idempotency-key": "e2e-reply-1",
  });
  assert.equal(retried.status, 200);
  assert.deepEqual(retried.body, { ...sent.body, replayed: true });

  // Meanwhile the customer has another open journey (most recently active).
  const other = await api("POST", "/v1/events", {
    identifiers: [{ type: "email", value: "ana@example.com" }],
    channel: "email",
    direction: "inbound",
    actor: { kind: "customer" },
    text: "separately: please update my address",
    newJourney: true,
  });
  assert.equal(other.status, 201);
  assert.notEqual(other.body.journeyId, journeyId);

  // 3. The customer answers the email (Mailgun's signed webhook): with In-Reply-To, and a
  // second answer from another address with only the reply+ address.
  const form = mailgunForm({
    from: "Ana Lima <ana@example.com>",
    to: threading.replyTo,
    inReplyTo: threading.messageId,
    text: "Thanks, I can see the refund.",
  });
  const answered = await fetch(`${base}/hooks/${WS}/mailgun`, { method: "POST", body: form });
  const answer = await answered.json();
  assert.equal(answered.status, 200, JSON.stringify(answer));
  assert.equal(answer.journeyId, journeyId);
  assert.equal(answer.resolution.rule, "thread");
  const fromWork = mailgunForm({
    from: "Ana Lima <ana.lima@work.example>",
    to: threading.replyTo,
    text: "Also, from my work address: all good.",
  });
  const second = await (
    await fetch(`${base}/hooks/${WS}/mailgun`, { method: "POST", body: fromWork })
  ).json();
  assert.equal(second.journeyId, journeyId);

  // 4. The next touchpoint reads the pack: the SMS, the agent's email and both answers.
  const pack = await api("GET", `/v1/context?journey=${journeyId}&audience=agent`);
  assert.equal(pack.status, 200, JSON.stringify(pack.body));
  const history = JSON.stringify(pack.body);
  for (const said of [
    "I was billed twice in March",
    "We refunded the second March charge.",
    "Thanks, I can see the refund.",
    "Also, from my work address: all good.",
  ]) {
    assert.ok(history.includes(said), `the pack lacks "${said}"`);
  }
  const events = await api("GET", `/v1/journeys/${journeyId}/events`);
  assert.deepEqual(
    events.body.items.map((e) => `${e.channel}/${e.direction}`),
    ["sms/inbound", "email/outbound", "email/inbound", "email/inbound"],
  );

  // A message the journey cannot take is a clear 4xx, and nothing is stored.
  const refused = await api("POST", `/v1/journeys/${journeyId}/messages`, {
    ...message,
    to: "stranger@example.com",
  });
  assert.equal(refused.status, 422);
  assert.equal(refused.body.code, "recipient_not_customer");
  assert.equal((await api("GET", `/v1/journeys/${journeyId}/events`)).body.items.length, 4);
});
