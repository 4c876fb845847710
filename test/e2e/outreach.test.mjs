// End to end, outreach (docs/outreach.md): start the relay with `./baton dev`, point its Twilio
// sending at the provider stand-in (test/providers/fake-providers.mjs, which checks each request
// the way Twilio would), and drive the journeys as an agent desktop and Twilio would. Runs with
// node's test runner (not inside workerd).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { callApi, postTwilio } from "../../scripts/lib/relay-requests.mjs";
import { startRelay, until } from "./relay.mjs";
import { FAKE_CREDENTIALS, startFakeProviders } from "../providers/fake-providers.mjs";

const TWILIO = FAKE_CREDENTIALS.twilio;
const WS = "dev";
const COMPANY = "+15005550006";
const DANA = "+14155550190";
const NS = "e2e-outreach";

let relay;
let base;
let key;
let fake;

before(async () => {
  fake = await startFakeProviders();
  relay = await startRelay("e2e-outreach");
  ({ base, key } = relay);
  const settings = await api("PATCH", "/v1/settings", {
    publicBaseUrl: base,
    providers: { twilio: { ...TWILIO, apiBaseUrl: `${fake.url}/ns/${NS}` } },
    replies: { smsFrom: COMPANY },
    outreach: {
      customerUpdates: ["promise.broken", "exception.raised"],
      exceptionKinds: ["failed_payment", "moved_appointment"],
      nudges: { leadMinutes: [15], notifyOwners: true },
      owners: { dana: { phone: DANA } },
      quietHours: null,
    },
  });
  assert.equal(settings.status, 200, JSON.stringify(settings.body));
  assert.deepEqual(settings.body.outreach?.problems ?? [], []);
});

after(async () => {
  relay?.stop();
  await fake?.close();
});

const api = (method, path, body) => callApi(base, key, method, path, body);

/** A signed Twilio webhook, as Twilio sends it. */
async function twilio(path, fields) {
  const res = await postTwilio({ base, workspace: WS, token: TWILIO.authToken, path, fields });
  return {
    status: res.status,
    journey: res.headers.get("x-baton-journey-id"),
    text: await res.text(),
  };
}

function inboundSms(from, body) {
  return twilio("sms", {
    MessageSid: `SM${randomUUID().replace(/-/g, "")}`,
    AccountSid: TWILIO.accountSid,
    From: from,
    To: COMPANY,
    Body: body,
    NumMedia: "0",
  });
}

/** What the stand-in's Twilio received, for one recipient. */
async function sentTo(to) {
  const res = await fetch(`${fake.url}/_control/requests?provider=twilio&ns=${NS}`);
  const { requests } = await res.json();
  return requests.filter((r) => r.fields.To === to);
}

const outreachOf = async (id) => (await api("GET", `/v1/journeys/${id}/outreach`)).body.items;
const eventsOf = async (id) => (await api("GET", `/v1/journeys/${id}/events?limit=200`)).body.items;

test("a promise due in seconds: one owner nudge, one customer SMS when it breaks, recorded as told, and the reply threads back", async () => {
  const phone = "+14155550181";
  const sms = await inboundSms(phone, "my router is dead since Monday");
  assert.equal(sms.status, 200, sms.text);
  const journeyId = sms.journey;
  assert.equal(
    (await api("PUT", `/v1/journeys/${journeyId}/owner`, { id: "dana", name: "Dana Reyes" }))
      .status,
    200,
  );
  // Due a few seconds ahead: a due time already past when the POST lands is refused (422).
  const due = new Date(Date.now() + 5_000).toISOString();
  const verifyBy = new Date(Date.now() + 6_000).toISOString();
  const promise = await api("POST", `/v1/journeys/${journeyId}/promises`, {
    text: "a technician calls you back",
    dueAt: due,
    verifyBy,
    madeBy: { kind: "agent", id: "dana" },
  });
  assert.equal(promise.status, 201, JSON.stringify(promise.body));

  const nudge = await until(async () => (await sentTo(DANA)).length > 0 && (await sentTo(DANA)));
  assert.equal(nudge.length, 1);
  assert.match(nudge[0].fields.Body, /a technician calls you back/);
  const told = await until(
    async () => (await sentTo(phone)).length > 0 && (await sentTo(phone)),
    40_000,
    "the customer SMS once the promise breaks",
  );
  assert.equal(told.length, 1, "one customer SMS");
  assert.equal(told[0].fields.From, COMPANY);
  assert.equal(told[0].authOk, true);

  // Recorded on the journey as what the customer was told.
  const events = await eventsOf(journeyId);
  const out = events.filter((e) => e.type === "message" && e.direction === "outbound");
  assert.equal(out.length, 1);
  assert.equal(out[0].text, told[0].fields.Body);
  assert.equal(events.filter((e) => e.type === "promise.at_risk").length, 1);
  assert.equal(events.filter((e) => e.type === "promise.broken").length, 1);

  // Twilio reports delivery to the StatusCallback URL Baton gave it.
  const callback = told[0].fields.StatusCallback;
  assert.match(callback, /\/twilio\/status\?journeyId=jrn_\w+&outreachId=otr_\w+$/);
  const report = await fetch(`${fake.url}/_control/twilio-status`, {
    method: "POST",
    body: JSON.stringify({
      url: callback,
      authToken: TWILIO.authToken,
      fields: {
        MessageSid: (await outreachOf(journeyId)).find((r) => r.trigger === "promise.broken")
          .providerId,
        MessageStatus: "delivered",
        AccountSid: TWILIO.accountSid,
        From: COMPANY,
        To: phone,
      },
    }),
  });
  const reported = await report.json();
  assert.equal(reported.status, 200, JSON.stringify(reported));
  const rows = await outreachOf(journeyId);
  const customerRow = rows.find((r) => r.audience === "customer" && r.trigger === "promise.broken");
  assert.equal(customerRow.status, "delivered");
  assert.equal(rows.find((r) => r.audience === "owner").status, "sent");

  // The customer answers the SMS: it lands on the same journey (the number pair is bound).
  const answer = await inboundSms(phone, "ok, when?");
  assert.equal(answer.status, 200);
  assert.equal(answer.journey, journeyId);
});

test("a provider 500 is retried with backoff and the customer gets the message once", async () => {
  const phone = "+14155550182";
  const sms = await inboundSms(phone, "was my payment taken?");
  const journeyId = sms.journey;
  const failed = await fetch(`${fake.url}/_control/fail`, {
    method: "POST",
    body: JSON.stringify({ provider: "twilio", status: 500, count: 1, ns: NS }),
  });
  assert.equal(failed.status, 200);
  const raised = await api("POST", `/v1/journeys/${journeyId}/exceptions`, {
    kind: "failed_payment",
    text: "the card payment for invoice 1042 failed",
    escalate: false,
  });
  assert.equal(raised.status, 201, JSON.stringify(raised.body));
  const row = await until(async () => {
    const r = (await outreachOf(journeyId)).find((x) => x.trigger === "exception.raised");
    return r?.status === "sent" && r;
  }, 40_000);
  assert.equal(row.attempts, 2);
  const reqs = await sentTo(phone);
  assert.deepEqual(
    reqs.map((r) => r.answered),
    [500, 201],
  );
  const out = (await eventsOf(journeyId)).filter(
    (e) => e.type === "message" && e.direction === "outbound",
  );
  assert.equal(out.length, 1, "recorded once across the retry");
});

test("an opted-out customer gets nothing, and the journey says why", async () => {
  const phone = "+14155550183";
  const journeyId = (await inboundSms(phone, "stop texting me about the bill")).journey;
  assert.equal((await inboundSms(phone, "STOP")).journey, journeyId);
  await api("POST", `/v1/journeys/${journeyId}/exceptions`, {
    kind: "failed_payment",
    text: "the card payment failed",
    escalate: false,
  });
  const row = await until(async () => {
    const r = (await outreachOf(journeyId)).find((x) => x.trigger === "exception.raised");
    return r?.status === "suppressed" && r;
  });
  assert.match(row.reason, /opted out/i);
  assert.equal((await sentTo(phone)).length, 0);
});

test("a contact window holds the message until it opens, then sends it", async () => {
  const phone = "+14155550184";
  const journeyId = (await inboundSms(phone, "my visit was moved")).journey;
  // A window that opens at a full minute (UTC) at least 15 s ahead, so the message is surely
  // decided before it opens however slow the machine is, and lasts two hours.
  const opens = new Date(Math.ceil((Date.now() + 15_000) / 60_000) * 60_000);
  const hhmm = (d) =>
    `${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}`;
  const window = {
    from: hhmm(opens),
    to: hhmm(new Date(opens.getTime() + 7_200_000)),
    timeZone: "UTC",
  };
  const c = await api("POST", `/v1/journeys/${journeyId}/constraints`, {
    text: `contact only from ${window.from} UTC`,
    kind: "contact_window",
    window,
  });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  const raised = await api("POST", `/v1/journeys/${journeyId}/exceptions`, {
    kind: "moved_appointment",
    text: "the technician visit moved to Tuesday",
    escalate: false,
  });
  assert.equal(raised.status, 201, JSON.stringify(raised.body));
  const rowOf = async () =>
    (await outreachOf(journeyId)).find((x) => x.trigger === "exception.raised");
  // The hold is recorded for good: an `outreach.held` event naming the row and the opening
  // (the row's `held` status itself lasts only until the window opens).
  const heldEvent = await until(
    async () => (await eventsOf(journeyId)).find((e) => e.type === "outreach.held"),
    30_000,
    "the outreach.held event",
  );
  const row = await rowOf();
  const early = await sentTo(phone);
  const readAt = Date.now();
  assert.equal(heldEvent.data.outreachId, row.id);
  assert.equal(heldEvent.data.trigger, "exception.raised");
  assert.equal(heldEvent.data.constraintId, c.body.id);
  assert.equal(Date.parse(heldEvent.data.until), opens.getTime());
  assert.equal(Date.parse(row.notBefore), opens.getTime());
  // Read before the window opened (as on any machine not stalled for 15 s): held, nothing sent.
  if (readAt < opens.getTime()) {
    assert.equal(row.status, "held");
    assert.equal(early.length, 0, "nothing sent while the window is closed");
  }
  const sent = await until(
    async () => {
      const r = await rowOf();
      return r?.status === "sent" && r;
    },
    opens.getTime() - Date.now() + 60_000,
    "the held message to be sent once the window opens",
  );
  // Sent once, and only once the window had opened: by the row and by what Twilio received.
  assert.equal(Date.parse(sent.notBefore), opens.getTime());
  assert.ok(Date.parse(sent.updatedAt) >= opens.getTime());
  const reqs = await sentTo(phone);
  assert.equal(reqs.length, 1);
  assert.ok(
    Date.parse(reqs[0].at) >= opens.getTime(),
    `Twilio got the message at ${reqs[0].at}, before the window opened at ${opens.toISOString()}`,
  );
  assert.equal(
    (await eventsOf(journeyId)).filter((e) => e.type === "outreach.held").length,
    1,
    "one hold event",
  );
});
