// The outbound senders (packages/channels/src/outbound) against the provider stand-ins
// (test/providers/fake-providers.mjs), over real loopback HTTP from workerd. Each test uses its
// own namespace on the stand-in, so its requests and injected failures are its own.
import {
  sendEmail,
  sendTwilioSms,
  twilioDeliveryEvent,
  verifyTwilioSignature,
  type EmailSendConfig,
  type OutboundEmail,
} from "../packages/channels/src";
import { describe, expect, inject, it } from "vitest";
import { receiver } from "./webhooks-helpers";
import { space } from "./provider-helpers";

const creds = inject("fakeProviderCredentials");

describe("sendTwilioSms", () => {
  const sms = { from: "+15005550006", to: "+14155550100", body: "Your technician arrives at 3pm" };

  it("sends, and the stand-in saw Twilio's form with the right credentials", async () => {
    const s = space();
    const r = await sendTwilioSms(
      { ...creds.twilio, apiBaseUrl: s.base },
      { ...sms, statusCallback: "https://relay.test/hooks/ws/twilio/status?o=out_1" },
    );
    expect(r).toMatchObject({ ok: true, providerStatus: "queued" });
    expect(r.ok && r.providerId).toMatch(/^SM[0-9a-f]{32}$/);
    const [req, ...rest] = await s.requests("twilio");
    expect(rest).toHaveLength(0);
    expect(req?.authOk).toBe(true);
    expect(req?.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(req?.fields).toEqual({
      To: sms.to,
      From: sms.from,
      Body: sms.body,
      StatusCallback: "https://relay.test/hooks/ws/twilio/status?o=out_1",
    });
  });

  it.each([
    ["+15005550001", "invalid_recipient", "21211"],
    ["+15005550009", "undeliverable", "21614"],
    ["+15005550004", "opted_out", "21610"],
  ])("magic number %s is permanent %s", async (to, permanent, code) => {
    const s = space();
    const r = await sendTwilioSms({ ...creds.twilio, apiBaseUrl: s.base }, { ...sms, to });
    expect(r).toMatchObject({ ok: false, retryable: false, permanent, httpStatus: 400, code });
  });

  it("a wrong auth token is a permanent auth failure", async () => {
    const s = space();
    const r = await sendTwilioSms(
      { ...creds.twilio, authToken: "0".repeat(32), apiBaseUrl: s.base },
      sms,
    );
    expect(r).toMatchObject({
      ok: false,
      retryable: false,
      permanent: "auth",
      httpStatus: 401,
      code: "20003",
    });
    expect((await s.requests("twilio"))[0]?.authOk).toBe(false);
  });

  it("a number that is not E.164 is refused by the provider, not retried", async () => {
    const s = space();
    const r = await sendTwilioSms(
      { ...creds.twilio, apiBaseUrl: s.base },
      { ...sms, to: "4155550100" },
    );
    expect(r).toMatchObject({
      ok: false,
      retryable: false,
      permanent: "invalid_recipient",
      code: "21211",
    });
  });

  it("500 and 429 are retryable; the next attempt succeeds", async () => {
    const s = space();
    const cfg = { ...creds.twilio, apiBaseUrl: s.base };
    await s.fail("twilio", 500);
    expect(await sendTwilioSms(cfg, sms)).toMatchObject({
      ok: false,
      retryable: true,
      permanent: null,
      httpStatus: 500,
    });
    await s.fail("twilio", 429);
    expect(await sendTwilioSms(cfg, sms)).toMatchObject({
      ok: false,
      retryable: true,
      httpStatus: 429,
      code: "20429",
    });
    expect(await sendTwilioSms(cfg, sms)).toMatchObject({ ok: true });
    expect((await s.requests("twilio")).map((r) => [r.answered, r.injected])).toEqual([
      [500, true],
      [429, true],
      [201, false],
    ]);
  });

  it("a reset connection is a retryable network error", async () => {
    const s = space();
    await s.fail("twilio", 0);
    const r = await sendTwilioSms({ ...creds.twilio, apiBaseUrl: s.base }, sms);
    expect(r).toMatchObject({
      ok: false,
      retryable: true,
      permanent: null,
      httpStatus: null,
      code: "network",
    });
  });
});

describe("Twilio status callback from the stand-in", () => {
  it("is signed so Baton's verifier accepts it, and parses to a delivery event", async () => {
    const hook = receiver();
    const sid = "SM" + "c".repeat(32);
    const res = await fetch(`${inject("fakeProviders")}/_control/twilio-status`, {
      method: "POST",
      body: JSON.stringify({
        url: `${hook.url}?o=out_9`,
        fields: {
          MessageSid: sid,
          MessageStatus: "undelivered",
          ErrorCode: "30006",
          To: "+14155550100",
          From: "+15005550006",
        },
      }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: number }).status).toBe(204);
    const [got] = await hook.requests();
    const form = new URLSearchParams(got?.body ?? "");
    const signature = got?.headers["x-twilio-signature"] ?? "";
    expect(
      await verifyTwilioSignature(creds.twilio.authToken, signature, `${hook.url}?o=out_9`, form),
    ).toBe(true);
    expect(
      await verifyTwilioSignature("f".repeat(32), signature, `${hook.url}?o=out_9`, form),
    ).toBe(false);
    expect(
      await verifyTwilioSignature(creds.twilio.authToken, signature, `${hook.url}?o=out_8`, form),
    ).toBe(false);
    const event = twilioDeliveryEvent(form, { outreachId: "out_9" });
    expect(event.ok && event.value).toMatchObject({
      provider: "twilio",
      outreachId: "out_9",
      providerId: sid,
      status: "failed",
      permanent: true,
      reason: "undeliverable",
    });
  });
});

const email: OutboundEmail = {
  from: "support@acme.test",
  fromName: "Acme Support",
  to: "jane@example.com",
  subject: "Your refund",
  text: "It is on its way.",
  messageId: "<out_7.1@acme.test>",
  replyTo: "reply+tok7@acme.test",
  inReplyTo: "<cust_1@example.com>",
  references: ["<cust_1@example.com>"],
  listUnsubscribe: "<https://acme.test/u/7>",
  tag: "out_7",
};

describe("sendEmail: postmark", () => {
  const cfg = (base: string, serverToken = creds.postmark.serverToken): EmailSendConfig => ({
    provider: "postmark",
    serverToken,
    apiBaseUrl: base,
  });

  it("sends; the stand-in saw the token, headers and metadata", async () => {
    const s = space();
    const r = await sendEmail(cfg(s.base), email);
    expect(r).toMatchObject({ ok: true, providerStatus: "OK" });
    expect(r.ok && r.providerId).toMatch(/^[0-9a-f-]{36}$/);
    const [req] = await s.requests("postmark");
    expect(req?.authOk).toBe(true);
    expect(req?.fields).toMatchObject({
      From: '"Acme Support" <support@acme.test>',
      To: "jane@example.com",
      ReplyTo: "reply+tok7@acme.test",
      Metadata: { outreachId: "out_7" },
      MessageStream: "outbound",
    });
    expect(req?.fields.Headers).toContainEqual({
      Name: "Message-ID",
      Value: "<out_7.1@acme.test>",
    });
  });

  it("an inactive recipient is permanent undeliverable; a wrong token is auth; 503 is retryable", async () => {
    const s = space();
    expect(await sendEmail(cfg(s.base), { ...email, to: "inactive@example.com" })).toMatchObject({
      ok: false,
      permanent: "undeliverable",
      httpStatus: 422,
      code: "406",
    });
    expect(await sendEmail(cfg(s.base, "wrong-token"), email)).toMatchObject({
      ok: false,
      permanent: "auth",
      httpStatus: 401,
      code: "10",
    });
    await s.fail("postmark", 503);
    expect(await sendEmail(cfg(s.base), email)).toMatchObject({
      ok: false,
      retryable: true,
      httpStatus: 503,
    });
  });
});

describe("sendEmail: mailgun", () => {
  const cfg = (
    base: string,
    over: Partial<{ apiKey: string; domain: string }> = {},
  ): EmailSendConfig => ({
    provider: "mailgun",
    ...creds.mailgun,
    ...over,
    apiBaseUrl: base,
  });

  it("sends multipart; the stand-in saw the h: headers and the v: variable", async () => {
    const s = space();
    const r = await sendEmail(cfg(s.base), email);
    expect(r).toMatchObject({ ok: true, providerStatus: "Queued. Thank you." });
    expect(r.ok && r.providerId).toMatch(/^<[^@]+@mg\.baton\.test>$/);
    const [req] = await s.requests("mailgun");
    expect(req?.authOk).toBe(true);
    expect(req?.contentType).toMatch(/^multipart\/form-data/);
    expect(req?.fields).toMatchObject({
      from: '"Acme Support" <support@acme.test>',
      to: "jane@example.com",
      "h:Message-Id": "<out_7.1@acme.test>",
      "h:In-Reply-To": "<cust_1@example.com>",
      "h:Reply-To": "reply+tok7@acme.test",
      "v:outreachId": "out_7",
    });
  });

  it("a wrong key is auth, an unknown domain rejected, 500 retryable", async () => {
    const s = space();
    expect(await sendEmail(cfg(s.base, { apiKey: "key-wrong" }), email)).toMatchObject({
      ok: false,
      permanent: "auth",
      httpStatus: 401,
      message: "Forbidden",
    });
    expect(await sendEmail(cfg(s.base, { domain: "other.test" }), email)).toMatchObject({
      ok: false,
      permanent: "rejected",
      httpStatus: 404,
    });
    await s.fail("mailgun", 500);
    expect(await sendEmail(cfg(s.base), email)).toMatchObject({
      ok: false,
      retryable: true,
      httpStatus: 500,
    });
  });
});

describe("sendEmail: sendgrid", () => {
  const cfg = (base: string, apiKey = creds.sendgrid.apiKey): EmailSendConfig => ({
    provider: "sendgrid",
    apiKey,
    apiBaseUrl: base,
  });

  it("sends; 202 with the X-Message-Id as provider id", async () => {
    const s = space();
    const r = await sendEmail(cfg(s.base), email);
    expect(r).toMatchObject({ ok: true, providerStatus: "accepted" });
    const [req] = await s.requests("sendgrid");
    expect(r.ok && r.providerId).toBe(
      (req as unknown as { response: Record<string, string> }).response["x-message-id"],
    );
    expect(req?.authOk).toBe(true);
    expect(req?.fields).toMatchObject({
      from: { email: "support@acme.test", name: "Acme Support" },
      custom_args: { outreachId: "out_7" },
      headers: {
        "Message-ID": "<out_7.1@acme.test>",
        "List-Unsubscribe": "<https://acme.test/u/7>",
      },
    });
  });

  it("a wrong key is auth; 429 is retryable", async () => {
    const s = space();
    expect(await sendEmail(cfg(s.base, "SG.wrong"), email)).toMatchObject({
      ok: false,
      retryable: false,
      permanent: "auth",
      httpStatus: 401,
    });
    await s.fail("sendgrid", 429);
    expect(await sendEmail(cfg(s.base), email)).toMatchObject({
      ok: false,
      retryable: true,
      httpStatus: 429,
    });
  });

  it("a message refused locally never reaches the provider", async () => {
    const s = space();
    const r = await sendEmail(cfg(s.base), { ...email, subject: "x\r\nBcc: evil@example.com" });
    expect(r).toMatchObject({ ok: false, permanent: "rejected", httpStatus: null });
    expect(await s.requests("sendgrid")).toHaveLength(0);
  });
});
