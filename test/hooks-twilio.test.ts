import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, smsFrom, workspace, signTwilio } from "./helpers";

const TOKEN = "twilio-auth-token-for-tests";
const PHONE = "+14155550142";
const SCOPES = ["admin", "events:write", "journeys:read", "journeys:write", "context:read"];

const twilioSign = signTwilio;

interface HookOptions {
  /** null: send no header; a string: send it as is; absent: sign correctly. */
  signature?: string | null;
  signedUrl?: string;
  token?: string;
  query?: string;
}

async function hook(ws: string, path: string, fields: Record<string, string>, o: HookOptions = {}) {
  const url = `https://baton.test/hooks/${ws}/twilio/${path}${o.query ?? ""}`;
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  const signature =
    o.signature === undefined
      ? await twilioSign(o.token ?? TOKEN, o.signedUrl ?? url, fields)
      : o.signature;
  if (signature !== null) headers["x-twilio-signature"] = signature;
  const body = new URLSearchParams(fields).toString();
  const res = await SELF.fetch(url, { method: "POST", headers, body });
  return {
    status: res.status,
    type: res.headers.get("content-type") ?? "",
    text: await res.text(),
  };
}

const sid = (prefix: string) => prefix + crypto.randomUUID().replace(/-/g, "");

const sms = (over: Record<string, string> = {}) => ({
  MessageSid: sid("SM"),
  AccountSid: sid("AC"),
  From: PHONE,
  To: "+18005550199",
  Body: "my bill is wrong",
  NumMedia: "0",
  ...over,
});

const call = (over: Record<string, string> = {}) => ({
  CallSid: sid("CA"),
  From: PHONE,
  To: "+18005550199",
  CallStatus: "ringing",
  Direction: "inbound",
  StirVerstat: "TN-Validation-Passed-A",
  ...over,
});

/** A workspace with Twilio configured, and a journey for PHONE (optionally owned by Dana). */
async function setup(twilio: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const { ws, key } = await workspace(SCOPES);
  const patched = await api(
    "PATCH",
    "/v1/settings",
    { ...extra, providers: { twilio: { authToken: TOKEN, ...twilio } } },
    key,
  );
  expect(patched.status).toBe(200);
  expect(JSON.stringify(patched.body)).not.toContain(TOKEN); // the secret is write-only
  const first = await api("POST", "/v1/events", smsFrom(PHONE, "first contact"), key);
  expect(first.status).toBe(201);
  const journeyId = first.body.journeyId as string;
  const owned = async () => {
    const owner = { id: "dana", name: "Dana Reyes", team: "billing" };
    expect((await api("PUT", `/v1/journeys/${journeyId}/owner`, owner, key)).status).toBe(200);
  };
  const events = async () =>
    (await api("GET", `/v1/journeys/${journeyId}/events?limit=500`, undefined, key)).body.items as {
      type: string;
      text: string | null;
      data: Record<string, unknown> | null;
    }[];
  return { ws, key, journeyId, owned, events };
}

/** A caller assertion for PHONE (the setup's admin key may mint one), as a voice URL query. */
async function asserted(key: string): Promise<string> {
  const identifier = { type: "phone", value: PHONE };
  const res = await api("POST", "/v1/context/assertions", { identifier, method: "pin" }, key);
  expect(res.status).toBe(201);
  return `?assertion=${encodeURIComponent(res.body.assertion as string)}`;
}

const say = (xml: string) => /<Say>(.*?)<\/Say>/s.exec(xml)?.[1] ?? "";
const task = (xml: string) =>
  JSON.parse((/<Task>(.*?)<\/Task>/s.exec(xml)?.[1] ?? "{}").replace(/&quot;/g, '"')) as {
    batonJourneyId: string;
    owner: unknown;
  };

describe("Twilio SMS webhook", () => {
  it("stores an inbound SMS in the customer's journey and answers TwiML", async () => {
    const s = await setup({ smsAck: "Thanks! {owner} will reply {due}." });
    await s.owned();
    const res = await hook(s.ws, "sms", sms());
    expect(res.status).toBe(200);
    expect(res.type).toContain("text/xml");
    expect(res.text).toContain("<Response><Message>Thanks! Dana Reyes will reply soon.</Message>");
    const last = (await s.events()).at(-1);
    expect(last).toMatchObject({ type: "message", channel: "sms", text: "my bill is wrong" });
  });

  it("a retried Twilio webhook stores one event", async () => {
    const s = await setup();
    const fields = sms();
    const first = await hook(s.ws, "sms", fields);
    const retry = await hook(s.ws, "sms", fields);
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect(retry.text).toBe(first.text);
    expect(first.text).toContain("<Response/>");
    const stored = (await s.events()).filter((e) => e.data?.messageSid === fields.MessageSid);
    expect(stored).toHaveLength(1);
  });

  it("records a message status callback on the recipient's journey", async () => {
    const s = await setup();
    const fields = { MessageSid: sid("SM"), MessageStatus: "undelivered", ErrorCode: "30003" };
    const res = await hook(s.ws, "status", { ...fields, To: PHONE, From: "+18005550199" });
    expect(res.status).toBe(200);
    expect(res.text).toContain("<Response/>");
    expect((await s.events()).at(-1)).toMatchObject({
      type: "custom",
      data: { messageSid: fields.MessageSid, status: "undelivered", errorCode: "30003" },
    });
  });

  it("never lets a card number through unredacted, in the reply or the journey", async () => {
    const s = await setup({ smsAck: "Got it: {owner} will reply." });
    const res = await hook(s.ws, "sms", sms({ Body: "charge card 4111 1111 1111 1111 please" }));
    expect(res.status).toBe(200);
    const events = JSON.stringify(await s.events());
    for (const text of [res.text, events]) {
      expect(text).not.toContain("4111 1111 1111 1111");
      expect(text).not.toContain("4111111111111111");
    }
    expect(events).toContain("[card ••••1111]");
  });

  it("answers 400 naming the fields when a signed request lacks them, storing nothing", async () => {
    const s = await setup();
    const before = (await s.events()).length;
    const res = await hook(s.ws, "sms", { MessageSid: "SM123", Body: "hi" });
    expect(res.status).toBe(400);
    const problem = JSON.parse(res.text) as { code: string; errors: { path: string }[] };
    expect(problem.code).toBe("invalid_webhook");
    expect(problem.errors.map((e) => e.path)).toEqual(["MessageSid", "From"]);
    expect(await s.events()).toHaveLength(before);
  });
});

describe("Twilio signatures", () => {
  it("a missing signature is 401, a bad one 403, and neither stores anything", async () => {
    const s = await setup();
    const before = (await s.events()).length;
    const missing = await hook(s.ws, "sms", sms(), { signature: null });
    expect(missing.status).toBe(401);
    expect(JSON.parse(missing.text)).toMatchObject({ code: "missing_signature" });
    for (const o of [
      { signature: "AAAAAAAAAAAAAAAAAAAAAAAAAAA=" },
      { token: "another-token-123" },
    ]) {
      const bad = await hook(s.ws, "sms", sms(), o);
      expect(bad.status).toBe(403);
      expect(bad.type).toContain("application/problem+json");
      expect(JSON.parse(bad.text)).toMatchObject({ code: "invalid_signature" });
    }
    // A valid signature over different parameters (a tampered body) fails too.
    const fields = sms();
    const signature = await twilioSign(
      TOKEN,
      `https://baton.test/hooks/${s.ws}/twilio/sms`,
      fields,
    );
    const tampered = await hook(s.ws, "sms", { ...fields, Body: "changed" }, { signature });
    expect(tampered.status).toBe(403);
    expect(await s.events()).toHaveLength(before);
  });

  it("an unknown workspace or one without Twilio is a 404", async () => {
    const bare = await workspace(SCOPES);
    for (const ws of ["no-such-workspace-x1", bare.ws]) {
      const res = await hook(ws, "sms", sms());
      expect(res.status).toBe(404);
      expect(JSON.parse(res.text)).toMatchObject({ code: "webhook_not_found" });
    }
  });

  it("verifies against publicBaseUrl when a proxy changes the URL the Worker sees", async () => {
    const base = "https://support.example.com/baton";
    const s = await setup({}, { publicBaseUrl: base });
    const path = `/hooks/${s.ws}/twilio/sms`;
    const ok = await hook(s.ws, "sms", sms(), { signedUrl: `${base}${path}` });
    expect(ok.status).toBe(200);
    // The Worker's own URL is not what Twilio signed once a public URL is configured.
    const direct = await hook(s.ws, "sms", sms(), { signedUrl: `https://baton.test${path}` });
    expect(direct.status).toBe(403);
  });

  it("accepts a query string with an apostrophe, signed as Twilio writes it", async () => {
    const s = await setup();
    const query = "?source=O'Brien%20Street";
    const signedUrl = `https://baton.test/hooks/${s.ws}/twilio/sms${query}`;
    expect((await hook(s.ws, "sms", sms(), { query, signedUrl })).status).toBe(200);
  });

  it("accepts a signature over the URL with the default port", async () => {
    const s = await setup();
    const signedUrl = `https://baton.test:443/hooks/${s.ws}/twilio/sms`;
    expect((await hook(s.ws, "sms", sms(), { signedUrl })).status).toBe(200);
  });
});

describe("Twilio voice webhook", () => {
  it("greets an attested caller neutrally, an authenticated one by the owner's name, and routes both to the owner", async () => {
    const s = await setup();
    await s.owned();
    const fields = call();
    const res = await hook(s.ws, "voice", fields);
    expect(res.status).toBe(200);
    // Attestation A says the number was not spoofed, not who is calling: nothing personal.
    expect(say(res.text)).toBe(
      "Thanks for calling. Connecting you to our team about your request.",
    );
    expect(res.text).toContain("<Enqueue>dana</Enqueue>");
    // After the flow checked a PIN it redirects here with a caller assertion. The journey
    // took the customer's first message as its reason.
    const query = await asserted(s.key);
    const known = await hook(s.ws, "voice", call(), { query });
    expect(say(known.text)).toBe(
      "Thanks for calling. Connecting you to Dana Reyes about first contact.",
    );
    // The completion callback finds the journey through the call's thread reference.
    const done = {
      CallSid: fields.CallSid,
      From: PHONE,
      CallStatus: "completed",
      CallDuration: "93",
    };
    expect((await hook(s.ws, "voice-status", done)).status).toBe(200);
    const calls = (await s.events()).filter((e) => e.type === "call").map((e) => e.data);
    expect(calls).toMatchObject([
      { phase: "started", callSid: fields.CallSid, disclosureTier: "prompt" },
      { phase: "started", disclosureTier: "personal" },
      { phase: "completed", durationSeconds: 93 },
    ]);
  });

  it("sends a caller whose journey has no owner to the default queue", async () => {
    const s = await setup({ voice: { defaultQueue: "front-desk" } });
    const res = await hook(s.ws, "voice", call(), { query: await asserted(s.key) });
    expect(res.text).toContain("<Enqueue>front-desk</Enqueue>");
    expect(say(res.text)).toBe(
      "Thanks for calling. Connecting you to our team about first contact.",
    );
    // A number never seen before: a new journey, still the default queue.
    const stranger = await hook(s.ws, "voice", call({ From: "+14155550177" }));
    expect(stranger.text).toContain("<Enqueue>front-desk</Enqueue>");
    expect(say(stranger.text)).toBe(
      "Thanks for calling. Connecting you to our team about your request.",
    );
  });

  it("speaks no personal data to a caller who is not authenticated, attested or not", async () => {
    const s = await setup();
    await s.owned();
    const reason = { reason: { text: "double charge on the March invoice" } };
    expect((await api("PATCH", `/v1/journeys/${s.journeyId}`, reason, s.key)).status).toBe(200);
    const query = await asserted(s.key);
    const verified = await hook(s.ws, "voice", call(), { query });
    expect(say(verified.text)).toContain("Dana Reyes about double charge on the March invoice");
    for (const stir of ["TN-Validation-Passed-A", "TN-Validation-Passed-B", "No-TN-Validation"]) {
      const res = await hook(s.ws, "voice", call({ StirVerstat: stir }));
      expect(res.status).toBe(200);
      expect(say(res.text)).toBe(
        "Thanks for calling. Connecting you to our team about your request.",
      );
      expect(res.text).not.toContain("March");
    }
  });

  it("never matches an anonymous caller to an existing customer", async () => {
    const s = await setup({ voice: { workflowSid: "WW" + "0".repeat(32) } });
    await s.owned();
    const before = (await s.events()).length;
    const journeys = new Set<string>();
    for (const from of ["+266696687", "anonymous", "+7378742833", ""]) {
      const res = await hook(s.ws, "voice", call({ From: from }));
      expect(res.status).toBe(200);
      const t = task(res.text);
      expect(t.owner).toBeNull();
      expect(t.batonJourneyId).not.toBe(s.journeyId);
      journeys.add(t.batonJourneyId);
      expect(say(res.text)).not.toContain("Dana");
    }
    // Each withheld call is its own journey: withheld callers are not one shared customer.
    expect(journeys.size).toBe(4);
    expect(await s.events()).toHaveLength(before);
  });
});
