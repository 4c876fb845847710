import { describe, expect, it } from "vitest";
import type { FetchLike } from "./send-common";
import { sendTwilioSms } from "./twilio-send";

const cfg = {
  accountSid: "AC0123456789abcdef0123456789abcdef",
  authToken: "secret-token",
  apiBaseUrl: "https://twilio.test/",
};
const msg = { from: "+15005550006", to: "+14155550100", body: "On our way & early" };

interface Seen {
  url: string;
  init: RequestInit;
}

/** A stand-in for the network that records the request and answers `answer`. */
function stub(answer: () => Response | Promise<Response>): { f: FetchLike; seen: Seen[] } {
  const seen: Seen[] = [];
  return {
    seen,
    f: async (url, init) => {
      seen.push({ url, init });
      return answer();
    },
  };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

describe("sendTwilioSms: the request", () => {
  it("posts the form with basic auth to the account's Messages resource", async () => {
    const { f, seen } = stub(() => json(201, { sid: "SM" + "0".repeat(32), status: "queued" }));
    const r = await sendTwilioSms(cfg, { ...msg, statusCallback: "https://relay.test/cb?o=1" }, f);
    expect(r).toEqual({ ok: true, providerId: "SM" + "0".repeat(32), providerStatus: "queued" });
    const [req] = seen;
    expect(req?.url).toBe(
      `https://twilio.test/2010-04-01/Accounts/${cfg.accountSid}/Messages.json`,
    );
    expect(req?.init.method).toBe("POST");
    const headers = new Headers(req?.init.headers);
    expect(headers.get("authorization")).toBe(`Basic ${btoa(`${cfg.accountSid}:secret-token`)}`);
    expect(headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    const form = new URLSearchParams(String(req?.init.body));
    expect(Object.fromEntries(form)).toEqual({
      To: msg.to,
      From: msg.from,
      Body: msg.body,
      StatusCallback: "https://relay.test/cb?o=1",
    });
    expect(req?.init.signal).toBeInstanceOf(AbortSignal);
  });

  it("omits StatusCallback when none is given and defaults to api.twilio.com", async () => {
    const { f, seen } = stub(() => json(201, { sid: "SM1", status: "accepted" }));
    const r = await sendTwilioSms({ accountSid: cfg.accountSid, authToken: "t" }, msg, f);
    expect(r).toMatchObject({ ok: true, providerStatus: "accepted" });
    expect(seen[0]?.url.startsWith("https://api.twilio.com/2010-04-01/")).toBe(true);
    expect(new URLSearchParams(String(seen[0]?.init.body)).has("StatusCallback")).toBe(false);
  });
});

describe("sendTwilioSms: classifying answers", () => {
  const err = (status: number, code: number) =>
    json(status, { code, message: `error ${code}`, status, more_info: "x" });

  it.each([
    [400, 21211, "invalid_recipient"],
    [400, 21614, "undeliverable"],
    [400, 30006, "undeliverable"],
    [400, 21610, "opted_out"],
    [401, 20003, "auth"],
    [400, 21212, "rejected"],
    [403, 21408, "rejected"],
  ] as const)("HTTP %i code %i is permanent %s", async (status, code, permanent) => {
    const { f } = stub(() => err(status, code));
    expect(await sendTwilioSms(cfg, msg, f)).toEqual({
      ok: false,
      retryable: false,
      permanent,
      httpStatus: status,
      code: String(code),
      message: `error ${code}`,
    });
  });

  it.each([429, 500, 502, 503])("HTTP %i is retryable", async (status) => {
    const { f } = stub(() => err(status, 20000 + status));
    expect(await sendTwilioSms(cfg, msg, f)).toMatchObject({
      ok: false,
      retryable: true,
      permanent: null,
      httpStatus: status,
    });
  });

  it("a 401 without a JSON body is still auth", async () => {
    const { f } = stub(() => new Response("Unauthorized", { status: 401 }));
    expect(await sendTwilioSms(cfg, msg, f)).toMatchObject({
      permanent: "auth",
      retryable: false,
      message: "Unauthorized",
    });
  });

  it("a network error is retryable", async () => {
    const r = await sendTwilioSms(cfg, msg, () => Promise.reject(new TypeError("connect refused")));
    expect(r).toMatchObject({ ok: false, retryable: true, code: "network", httpStatus: null });
  });

  it("a call that outlives the timeout is aborted and retryable", async () => {
    const hang: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) => {
        init.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      });
    const r = await sendTwilioSms({ ...cfg, timeoutMs: 50 }, msg, hang);
    expect(r).toMatchObject({ ok: false, retryable: true, code: "timeout" });
  });

  it("a 2xx without a sid is not retried (it may have been sent)", async () => {
    const { f } = stub(() => new Response("<html>ok</html>", { status: 200 }));
    expect(await sendTwilioSms(cfg, msg, f)).toMatchObject({
      ok: false,
      retryable: false,
      permanent: null,
      code: "unreadable_answer",
    });
  });
});
