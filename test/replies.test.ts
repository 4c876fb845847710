import { env, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  ADMIN,
  api,
  expectProblem,
  signTwilio,
  smsFrom,
  workspace,
  type ApiResponse,
} from "./helpers";
import { basic, eventsOf, hook, mailgunForm, MG_KEY, PM, postmarkPayload } from "./email-helpers";
import { clearLog, faultWorkspace, pointsPassed, TWILIO_TOKEN } from "./fault-injection-helpers";
import type { IdentityObject } from "../workers/relay/src/objects/identity/object";

/*
 * Replies that thread (docs/api.md "Company messages"): what an agent sends is recorded with
 * POST /v1/journeys/:id/messages, and the customer's answer, as Postmark, Mailgun or Twilio
 * deliver it, lands on the same journey.
 */

const TOKEN = "twilio-auth-token-for-replies";
const COMPANY = "+18005550199";
const DANA = { kind: "agent", id: "dana", name: "Dana Reyes" };
const json = (v: unknown) => JSON.stringify(v);
const pmHeaders = { "content-type": "application/json", authorization: basic(PM) };
const sid = (prefix: string) => prefix + crypto.randomUUID().replace(/-/g, "");

/** A workspace with Postmark, Mailgun and Twilio configured (through the admin API). */
async function setup(replies: Record<string, unknown> = {}) {
  const w = await workspace();
  const res = await api(
    "PATCH",
    `/v1/admin/workspaces/${w.ws}/settings`,
    {
      providers: { postmark: PM, mailgun: { signingKey: MG_KEY }, twilio: { authToken: TOKEN } },
      replies: { emailDomain: "reply.help.example.com", ...replies },
    },
    ADMIN,
  );
  expect(res.status).toBe(200);
  return w;
}

const send = (
  key: string,
  journeyId: string,
  body: unknown,
  headers: Record<string, string> = {},
) => api("POST", `/v1/journeys/${journeyId}/messages`, body, key, headers);

async function twilio(
  ws: string,
  path: string,
  fields: Record<string, string>,
  query = "",
  token = TOKEN,
) {
  const url = `https://baton.test/hooks/${ws}/twilio/${path}${query}`;
  const res = await SELF.fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-twilio-signature": await signTwilio(token, url, fields),
    },
    body: new URLSearchParams(fields).toString(),
  });
  return {
    status: res.status,
    journey: res.headers.get("x-baton-journey-id"),
    text: await res.text(),
  };
}

const inboundSms = (from: string, body: string, over: Record<string, string> = {}) => ({
  MessageSid: sid("SM"),
  AccountSid: sid("AC"),
  From: from,
  To: COMPANY,
  Body: body,
  NumMedia: "0",
  ...over,
});

/** A journey started by the customer's email through Postmark. */
async function emailJourney(ws: string, from = "jane@example.com") {
  const messageId = `<cust-${crypto.randomUUID()}@mail.example.com>`;
  const res = await hook(
    `/hooks/${ws}/postmark`,
    json(postmarkPayload({ from, messageId, text: "I was charged twice." })),
    pmHeaders,
  );
  expect(res.status).toBe(200);
  return { journeyId: res.body.journeyId as string, messageId };
}

async function resolveJourney(key: string, journeyId: string) {
  const res = await api("PUT", `/v1/journeys/${journeyId}/status`, { status: "resolved" }, key);
  expect(res.status).toBe(200);
}

/** An inbound SMS to another company number, signed for a fault-injection workspace. */
const sms2 = (ws: string, phone: string, to: string) =>
  twilio(ws, "sms", inboundSms(phone, "elsewhere", { To: to }), "", TWILIO_TOKEN);

/**
 * The identity, customer and journey object calls the workspace's requests made since the
 * last clearLog (the history queue, fed by journey alarms at their own pace, is left out).
 */
const objectCalls = async (ws: string) =>
  (await pointsPassed(ws))
    .map((p) => p.point)
    .filter((p) => /^(identity|customer|journey)\./.test(p) && p !== "journey.store");

/** The identity object of a customer's number, which holds its SMS pair bindings. */
const phoneObject = (ws: string, phone: string) =>
  env.IDENTITY.get(env.IDENTITY.idFromName(`${ws}/phone:${phone}`));

const statusOf = async (key: string, journeyId: string) =>
  (await api("GET", `/v1/journeys/${journeyId}`, undefined, key)).body.status as string;

describe("email replies thread back", () => {
  it("answers a Message-ID and a reply+token address, and claims both for the journey", async () => {
    const { ws, key } = await setup();
    const { journeyId, messageId: customerMsg } = await emailJourney(ws);
    const res = await send(key, journeyId, {
      channel: "email",
      text: "We refunded the second charge.",
      subject: "Re: Double charge",
      actor: DANA,
    });
    expect(res.status).toBe(201);
    const t = res.body.threading;
    expect(t.kind).toBe("email");
    expect(t.messageId).toMatch(/^<baton\.[0-9a-f]{24}@reply\.help\.example\.com>$/);
    expect(t.replyTo).toBe(
      `reply+${ws}.${/baton\.([0-9a-f]{24})@/.exec(t.messageId)?.[1]}@reply.help.example.com`,
    );
    // It answers the customer's email by default.
    expect(t.inReplyTo).toBe(customerMsg);
    expect(t.references).toEqual([customerMsg]);
    expect(t.headers).toEqual({
      "Message-ID": t.messageId,
      "Reply-To": t.replyTo,
      "In-Reply-To": customerMsg,
      References: customerMsg,
    });
    expect(res.body.to).toEqual({
      type: "email",
      value: "jane@example.com",
      verification: "asserted",
    });
    const events = await eventsOf(key, journeyId);
    expect(events.at(-1)).toMatchObject({
      seq: res.body.event.seq,
      channel: "email",
      direction: "outbound",
      type: "message",
      text: "We refunded the second charge.",
      actor: { kind: "agent", id: "dana" },
      data: { messageId: t.messageId, replyTo: t.replyTo, to: "jane@example.com" },
    });
    // The context's last action / history see it like any event.
    const ctx = await api("GET", `/v1/journeys/${journeyId}`, undefined, key);
    expect(ctx.body.history.recent.at(-1).text).toBe("We refunded the second charge.");
  });

  it("the customer's answer with In-Reply-To lands on the journey, even resolved and with another open", async () => {
    const { ws, key } = await setup();
    const { journeyId } = await emailJourney(ws);
    const sent = await send(key, journeyId, { channel: "email", text: "Refunded.", actor: DANA });
    expect(sent.status).toBe(201);
    await resolveJourney(key, journeyId);
    // The customer has another open journey meanwhile: customer routing would pick that one.
    const other = await api(
      "POST",
      "/v1/events",
      {
        identifiers: [{ type: "email", value: "jane@example.com" }],
        channel: "email",
        direction: "inbound",
        actor: { kind: "customer" },
        text: "new problem: my address changed",
        newJourney: true,
      },
      key,
    );
    expect(other.body.journeyId).not.toBe(journeyId);
    const answer = await hook(
      `/hooks/${ws}/postmark`,
      json(
        postmarkPayload({
          messageId: `<ans-${crypto.randomUUID()}@mail.example.com>`,
          inReplyTo: sent.body.threading.messageId,
          text: "Thanks, I see it.",
        }),
      ),
      pmHeaders,
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ journeyId, resolution: { rule: "thread" } });
    expect(await statusOf(key, journeyId)).not.toBe("resolved");
    expect((await eventsOf(key, journeyId)).at(-1)?.text).toBe("Thanks, I see it.");
  });

  it("an answer only to the reply+token address, from another address, lands on the journey (Mailgun)", async () => {
    const { ws, key } = await setup();
    const { journeyId } = await emailJourney(ws);
    const sent = await send(key, journeyId, { channel: "email", text: "Refunded.", actor: DANA });
    const replyTo = sent.body.threading.replyTo as string;
    // The customer's client drops In-Reply-To and they answer from their work address.
    const form = await mailgunForm();
    form.set("recipient", replyTo);
    const res = await hook(`/hooks/${ws}/mailgun`, form, {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ journeyId, resolution: { rule: "thread" } });
    expect((await eventsOf(key, journeyId)).at(-1)).toMatchObject({
      text: "Router still down.",
      data: { from: "bob@example.com" },
    });
  });

  it("a second reply references the first; an explicit inReplyTo is used as given", async () => {
    const { ws, key } = await setup();
    const { journeyId, messageId: customerMsg } = await emailJourney(ws);
    const a = await send(key, journeyId, { channel: "email", text: "One.", actor: DANA });
    const b = await send(key, journeyId, { channel: "email", text: "Two.", actor: DANA });
    expect(b.body.threading.inReplyTo).toBe(a.body.threading.messageId);
    expect(b.body.threading.references).toEqual([customerMsg, a.body.threading.messageId]);
    expect(b.body.threading.messageId).not.toBe(a.body.threading.messageId);
    const c = await send(key, journeyId, {
      channel: "email",
      text: "Three.",
      actor: DANA,
      inReplyTo: "<x@elsewhere.example>",
    });
    expect(c.body.threading).toMatchObject({
      inReplyTo: "<x@elsewhere.example>",
      references: ["<x@elsewhere.example>"],
    });
  });
});

describe("SMS pair binding", () => {
  it("binds the number pair: the answer goes to the bound journey, not the customer's latest", async () => {
    const { ws, key } = await setup({ smsFrom: COMPANY });
    const phone = "+14155550161";
    const first = await twilio(ws, "sms", inboundSms(phone, "my bill is wrong"));
    expect(first.status).toBe(200);
    const billing = first.journey as string;
    expect(billing).toMatch(/^jrn_/);
    // A second open journey, more recently active: customer routing would pick it.
    const second = await api(
      "POST",
      "/v1/events",
      smsFrom(phone, "also my router", { newJourney: true }),
      key,
    );
    const router = second.body.journeyId as string;
    expect(router).not.toBe(billing);
    const sent = await send(key, billing, { channel: "sms", text: "Which bill?", actor: DANA });
    expect(sent.status).toBe(201);
    expect(sent.body.threading).toMatchObject({
      kind: "sms",
      to: phone,
      from: COMPANY,
      journeyId: billing,
      providerMessageId: null,
      statusCallback: `https://baton.test/hooks/${ws}/twilio/status?journeyId=${billing}`,
    });
    const days = (Date.parse(sent.body.threading.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(13.9);
    expect(days).toBeLessThanOrEqual(14);
    // The other journey is the most recently active again when the customer answers.
    const touch = await api(
      "POST",
      "/v1/events",
      smsFrom(phone, "router?", { journeyId: router }),
      key,
    );
    expect(touch.status).toBe(201);
    const answer = await twilio(ws, "sms", inboundSms(phone, "the March one"));
    expect(answer.status).toBe(200);
    expect(answer.journey).toBe(billing);
    expect((await eventsOf(key, billing)).at(-1)?.text).toBe("the March one");
    expect((await eventsOf(key, router)).map((e) => e.text)).not.toContain("the March one");
  });

  it("the latest binding wins; a resolved bound journey reopens; an expired binding routes nothing", async () => {
    const { ws, key } = await setup();
    const phone = "+14155550162";
    const a = (await twilio(ws, "sms", inboundSms(phone, "first"))).journey as string;
    const b = (await api("POST", "/v1/events", smsFrom(phone, "second", { newJourney: true }), key))
      .body.journeyId as string;
    expect(
      (await send(key, b, { channel: "sms", text: "B", actor: DANA, from: COMPANY })).status,
    ).toBe(201);
    expect(
      (await send(key, a, { channel: "sms", text: "A", actor: DANA, from: COMPANY })).status,
    ).toBe(201);
    await resolveJourney(key, a);
    const back = await twilio(ws, "sms", inboundSms(phone, "to A"));
    expect(back.journey).toBe(a);
    expect(await statusOf(key, a)).not.toBe("resolved");
    // Expire the binding (as 14 days later) in the customer number's identity object.
    await runInDurableObject(phoneObject(ws, phone), (_o, state) => {
      const rows = state.storage.sql.exec(
        "UPDATE phone_pair SET expires_at = ? WHERE company = ?",
        Date.now() - 1,
        COMPANY,
      ).rowsWritten;
      expect(rows).toBe(1);
    });
    await resolveJourney(key, a);
    const later = await twilio(ws, "sms", inboundSms(phone, "unbound now"));
    expect(later.journey).toBe(b);
  });

  it("the binding rides on the sender's identity lookup: no extra object call", async () => {
    const { ws, key } = await faultWorkspace();
    const phone = "+14155550166";
    const sms = (text: string) => twilio(ws, "sms", inboundSms(phone, text), "", TWILIO_TOKEN);
    const a = (await sms("first")).journey as string;
    const b = (await api("POST", "/v1/events", smsFrom(phone, "second", { newJourney: true }), key))
      .body.journeyId as string;
    expect(b).not.toBe(a);
    const sent = await send(key, a, { channel: "sms", text: "A", actor: DANA, from: COMPANY });
    expect(sent.status).toBe(201);
    await clearLog(ws);
    const answer = await sms("to A");
    expect(answer.status).toBe(200);
    expect(answer.journey).toBe(a);
    expect(await objectCalls(ws)).toEqual(["identity.lookup", "journey.ingest"]);
    // Unbound (another company number): the usual returning-customer calls, nothing more.
    await clearLog(ws);
    const other = await sms2(ws, phone, "+18005550100");
    expect(other.status).toBe(200);
    expect([a, b]).toContain(other.journey);
    expect(await objectCalls(ws)).toEqual([
      "identity.lookup",
      "customer.resolve",
      "journey.ingest",
    ]);
  });

  it("binds only its own pair: another company number, newJourney, an unreadable To route as usual", async () => {
    const { ws, key } = await setup();
    const phone = "+14155550167";
    const a = (await twilio(ws, "sms", inboundSms(phone, "first"))).journey as string;
    const b = (await api("POST", "/v1/events", smsFrom(phone, "second", { newJourney: true }), key))
      .body.journeyId as string;
    const sent = await send(key, a, { channel: "sms", text: "A", actor: DANA, from: COMPANY });
    expect(sent.status).toBe(201);
    // With a resolved, customer routing picks b: only the binding leads to a.
    await resolveJourney(key, a);
    const viaApi = (to: unknown, extra: Record<string, unknown> = {}) =>
      api("POST", "/v1/events", smsFrom(phone, "x", { data: { to }, ...extra }), key);
    const elsewhere = await viaApi("+18005550100");
    expect(elsewhere.body).toMatchObject({
      journeyId: b,
      resolution: { rule: "customer_open_journey" },
    });
    for (const to of ["not a number", 42]) {
      const res = await viaApi(to);
      expect(res.status).toBe(201);
      expect(res.body.journeyId).toBe(b);
    }
    // What the company sends on the pair is not an answer: it follows the customer rules.
    const outbound = await viaApi(COMPANY, { direction: "outbound", actor: DANA });
    expect(outbound.status).toBe(201);
    expect(outbound.body.journeyId).toBe(b);
    expect(await statusOf(key, a)).toBe("resolved");
    // The customer's answer to the company number: the bound journey, reopened.
    const bound = await viaApi(COMPANY);
    expect(bound.status).toBe(201);
    expect(bound.body).toMatchObject({ journeyId: a, resolution: { rule: "thread" } });
    expect(await statusOf(key, a)).not.toBe("resolved");
    // The same number as the workspace's region reads it: still the pair.
    expect((await viaApi("(800) 555-0199")).body.journeyId).toBe(a);
    const fresh = await viaApi(COMPANY, { newJourney: true });
    expect(fresh.status).toBe(201);
    expect([a, b]).not.toContain(fresh.body.journeyId);
    expect(fresh.body.resolution.rule).toBe("new_journey");
    // Bindings belong to the customer's number: another sender to the same number is not bound.
    const stranger = await twilio(ws, "sms", inboundSms("+14155550168", "hello?"));
    expect(stranger.status).toBe(200);
    expect([a, b, fresh.body.journeyId]).not.toContain(stranger.journey);
  });

  it("a bound journey that is gone falls back to the customer's journey", async () => {
    const { ws, key } = await setup();
    const phone = "+14155550169";
    const own = (await twilio(ws, "sms", inboundSms(phone, "first"))).journey as string;
    const gone = "jrn_0000000000000000000000";
    await runInDurableObject(phoneObject(ws, phone), (o: IdentityObject) =>
      o.bindPair(ws, COMPANY, {
        journeyId: gone,
        eventId: "evt_x",
        expiresAt: Date.now() + 60_000,
      }),
    );
    const res = await api(
      "POST",
      "/v1/events",
      smsFrom(phone, "x", { data: { to: COMPANY } }),
      key,
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      journeyId: own,
      resolution: { rule: "customer_open_journey" },
    });
    const hooked = await twilio(ws, "sms", inboundSms(phone, "still there?"));
    expect(hooked.status).toBe(200);
    expect(hooked.journey).toBe(own);
    expect((await eventsOf(key, own)).map((e) => e.text)).toEqual(["first", "x", "still there?"]);
  });

  it("Twilio hooks name the journey, on a retry too; the status callback is recorded on the journey", async () => {
    const { ws, key } = await setup({ smsFrom: COMPANY });
    const phone = "+14155550163";
    const fields = inboundSms(phone, "hello");
    const first = await twilio(ws, "sms", fields);
    const retry = await twilio(ws, "sms", fields);
    expect(first.journey).toMatch(/^jrn_/);
    expect(retry.journey).toBe(first.journey);
    const journeyId = first.journey as string;
    expect(await eventsOf(key, journeyId)).toHaveLength(1);
    // Another open journey of the same customer, more recently active.
    const other = (await api("POST", "/v1/events", smsFrom(phone, "x", { newJourney: true }), key))
      .body.journeyId as string;
    // The sender sent first, so it records the MessageSid: its callbacks find the journey.
    const msgSid = sid("SM");
    const sent = await send(key, journeyId, {
      channel: "sms",
      text: "On it.",
      actor: DANA,
      providerMessageId: msgSid,
    });
    expect(sent.status).toBe(201);
    // The other journey is the customer's most recently active one when the callback comes.
    expect(
      (await api("POST", "/v1/events", smsFrom(phone, "y", { journeyId: other }), key)).status,
    ).toBe(201);
    const status = { MessageSid: msgSid, MessageStatus: "delivered", To: phone, From: COMPANY };
    const cb = await twilio(ws, "status", status);
    expect(cb.status).toBe(200);
    expect(cb.journey).toBe(journeyId);
    expect((await twilio(ws, "status", status)).journey).toBe(journeyId);
    const events = await eventsOf(key, journeyId);
    expect(events.filter((e) => e.data?.status === "delivered")).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({
      type: "custom",
      data: { messageSid: msgSid, status: "delivered" },
    });
    expect((await eventsOf(key, other)).some((e) => e.data?.messageSid === msgSid)).toBe(false);
    // Sent without recording the sid: the StatusCallback URL names the journey.
    const late = sid("SM");
    const viaUrl = await twilio(
      ws,
      "status",
      { MessageSid: late, MessageStatus: "sent", To: phone, From: COMPANY },
      `?journeyId=${journeyId}`,
    );
    expect(viaUrl.journey).toBe(journeyId);
    const bad = await twilio(ws, "status", { ...status, MessageStatus: "read" }, "?journeyId=nope");
    expect(bad.status).toBe(400);
    expect(bad.journey).toBeNull();
  });
});

describe("idempotency and refusals", () => {
  it("a retry with the same Idempotency-Key answers the same and stores nothing twice", async () => {
    const { ws, key } = await setup();
    const { journeyId } = await emailJourney(ws);
    const body = { channel: "email", text: "Refunded.", actor: DANA };
    const h = { "idempotency-key": "reply-1" };
    const a = await send(key, journeyId, body, h);
    const b = await send(key, journeyId, body, h);
    expect(a.status).toBe(201);
    expect(b.status).toBe(200);
    expect(b.body).toEqual({ ...a.body, replayed: true });
    expect(await eventsOf(key, journeyId)).toHaveLength(2);
    const reused = await send(key, journeyId, { ...body, text: "Other." }, h);
    expectProblem(reused, 422, "idempotency_key_reused");
    // SMS: the retry answers the same binding.
    const { ws: ws2, key: key2 } = await setup({ smsFrom: COMPANY });
    const j = (await twilio(ws2, "sms", inboundSms("+14155550164", "hi"))).journey as string;
    const smsBody = { channel: "sms", text: "Hello", actor: DANA };
    const s1 = await send(key2, j, smsBody, h);
    const s2 = await send(key2, j, smsBody, h);
    expect(s2.body).toEqual({ ...s1.body, replayed: true });
  });

  it("refuses what the journey cannot take, and changes nothing", async () => {
    const { ws, key } = await setup();
    const { journeyId } = await emailJourney(ws);
    const before = await eventsOf(key, journeyId);
    const ok = { channel: "email", text: "Hello", actor: DANA };
    const cases: [unknown, number, string, string?][] = [
      [{ ...ok, channel: "sms", from: COMPANY }, 422, "channel_unreachable"],
      [{ ...ok, to: "someone-else@example.com" }, 422, "recipient_not_customer"],
      [{ ...ok, to: "not an address" }, 422, "invalid_recipient"],
      [{ ...ok, channel: "chat" }, 422, "chat_not_open"],
      [{ channel: "email", text: "Hello" }, 422, "validation_failed"],
      [{ ...ok, actor: { kind: "customer", id: "x" } }, 422, "validation_failed"],
      [{ ...ok, actor: { kind: "agent" } }, 422, "validation_failed"],
      [{ ...ok, from: COMPANY }, 422, "validation_failed"],
      [{ ...ok, text: "" }, 422, "validation_failed"],
      [{ ...ok, channel: "voice" }, 422, "validation_failed"],
    ];
    for (const [body, status, code] of cases) {
      const res = await send(key, journeyId, body);
      expectProblem(res, status, code);
    }
    expectProblem(await send(key, "jrn_0000000000000000000000", ok), 404, "journey_not_found");
    expectProblem(await send(key, "nope", ok), 404, "journey_not_found");
    const foreign = await workspace();
    expectProblem(await send(foreign.key, journeyId, ok), 404, "journey_not_found");
    const readOnly = await workspace(["journeys:read"]);
    expect((await send(readOnly.key, journeyId, ok)).status).toBe(403);
    expect(await eventsOf(key, journeyId)).toEqual(before);
    // Nothing was claimed either: an email to a reply address Baton never minted opens nothing old.
    const phone = await api("POST", "/v1/events", smsFrom("+14155550165", "sms only"), key);
    const onlySms = phone.body.journeyId as string;
    expectProblem(await send(key, onlySms, ok), 422, "channel_unreachable");
    expectProblem(await send(key, onlySms, { ...ok, channel: "sms" }), 422, "sms_from_required");
    expectProblem(
      await send(key, onlySms, { ...ok, channel: "sms", from: "not a number" }),
      422,
      "invalid_sender",
    );
    expect(await eventsOf(key, onlySms)).toHaveLength(1);
  });

  it("a chat message goes to a journey with a chat; its customer's other identifiers do not matter", async () => {
    const { ws, key } = await setup();
    const start = await SELF.fetch(`https://baton.test/chat/${ws}/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: json({ visitorId: "visitor-replies-1", text: "hello?" }),
    });
    expect(start.status).toBe(201);
    const journeyId = ((await start.json()) as ApiResponse["body"]).journeyId as string;
    const res = await send(key, journeyId, {
      channel: "chat",
      text: "Hi, Dana here.",
      actor: DANA,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      channel: "chat",
      to: null,
      threading: { kind: "chat", journeyId },
    });
    expect((await eventsOf(key, journeyId)).at(-1)).toMatchObject({
      channel: "chat",
      direction: "outbound",
      text: "Hi, Dana here.",
    });
  });
});

describe("provider references are kept as the provider sent them", () => {
  // A Luhn-valid 16-digit run inside a reference: the card rule would rewrite it, and a reply
  // would then answer a Message-ID the customer's mail client never issued.
  const RUN = "4111111111111111";

  it("a Message-ID holding a card-like digit run threads the reply; the body's card is still redacted", async () => {
    const { ws, key } = await setup();
    const customerMsg = `<CAF.${RUN}@mail.example.com>`;
    const res = await hook(
      `/hooks/${ws}/postmark`,
      json(
        postmarkPayload({ messageId: customerMsg, text: "Card 4111 1111 1111 1111 was charged." }),
      ),
      pmHeaders,
    );
    expect(res.status).toBe(200);
    const journeyId = res.body.journeyId as string;
    const [first] = await eventsOf(key, journeyId);
    expect(first?.data.messageId).toBe(customerMsg);
    expect(first?.text).not.toContain("4111 1111 1111 1111");
    expect(first?.text).toContain("••••1111");

    const reply = await send(key, journeyId, {
      channel: "email",
      text: "We refunded the second charge.",
      subject: "Re: Double charge",
      actor: DANA,
    });
    expect(reply.status).toBe(201);
    expect(reply.body.threading.inReplyTo).toBe(customerMsg);
    expect(reply.body.threading.headers).toMatchObject({
      "In-Reply-To": customerMsg,
      References: customerMsg,
    });
    // The customer answers the reply: it lands on the same journey.
    const back = await hook(
      `/hooks/${ws}/postmark`,
      json(
        postmarkPayload({
          messageId: `<answer-${RUN}@mail.example.com>`,
          inReplyTo: reply.body.threading.messageId as string,
          text: "Thanks, I see it.",
        }),
      ),
      pmHeaders,
    );
    expect(back.status).toBe(200);
    expect(back.body.journeyId).toBe(journeyId);
    const last = (await eventsOf(key, journeyId)).at(-1);
    expect(last?.data).toMatchObject({
      messageId: `<answer-${RUN}@mail.example.com>`,
      inReplyTo: reply.body.threading.messageId,
    });
  });

  it("a Twilio MessageSid whose hex holds a card-like run is stored as Twilio sent it", async () => {
    const { ws, key } = await setup();
    const messageSid = `SM${RUN}abcdefabcdefabcd`;
    const res = await twilio(
      ws,
      "sms",
      inboundSms("+14155550166", "my card 4111 1111 1111 1111 was declined", {
        MessageSid: messageSid,
      }),
    );
    expect(res.status).toBe(200);
    const [first] = await eventsOf(key, res.journey ?? "");
    expect(first?.data.messageSid).toBe(messageSid);
    expect(first?.text).toBe("my card [card ••••1111] was declined");
  });
});
