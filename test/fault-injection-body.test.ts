import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { PM, basic } from "./email-helpers";
import { faultWorkspace, journeysOf, stored } from "./fault-injection-helpers";
import { expectProblem, type ApiResponse } from "./helpers";

/**
 * A client that declares a Content-Length and then sends fewer bytes and stops. The runtime
 * fails the Worker's body read ("Network connection lost"); Baton answers 400 unreadable_body
 * and stores nothing. The request is built with a FixedLengthStream, the runtime's own way to
 * send a body of a declared length, so the Worker sees exactly what such a client produces.
 */
async function shortBody(
  path: string,
  declared: number,
  sent: string,
  headers: Record<string, string>,
): Promise<ApiResponse> {
  const { readable, writable } = new FixedLengthStream(declared);
  const writer = writable.getWriter();
  // The stream refuses to close short of its length: that refusal is the point.
  void writer
    .write(new TextEncoder().encode(sent))
    .then(async () => writer.close())
    .catch(() => undefined);
  const res = await SELF.fetch(`https://baton.test${path}`, {
    method: "POST",
    headers,
    body: readable,
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: JSON.parse(text) as ApiResponse["body"],
  };
}

describe("a body shorter than its Content-Length", () => {
  it("POST /v1/events is a 400 unreadable_body problem, not a 5xx, and stores nothing", async () => {
    const { ws, key } = await faultWorkspace();
    const body = JSON.stringify({
      identifiers: [{ type: "phone", value: "+14155550701" }],
      channel: "sms",
      direction: "inbound",
      actor: { kind: "customer" },
      text: "cut short",
    });
    const res = await shortBody("/v1/events", body.length + 50, body, {
      "content-type": "application/json",
      authorization: `Bearer ${key}`,
    });
    expectProblem(res, 400, "unreadable_body");
    expect(JSON.stringify(res.body)).not.toMatch(/file:|\.ts|\.js/);
    expect(await stored(ws, await journeysOf(ws, "phone:+14155550701"))).toEqual({
      inJourneys: 0,
      inD1: 0,
    });
  });

  it("a provider webhook (Postmark, streamed read) is a 400 unreadable_body too", async () => {
    const { ws } = await faultWorkspace();
    const res = await shortBody(`/hooks/${ws}/postmark`, 500, '{"From":"x@example.com"', {
      "content-type": "application/json",
      authorization: basic(PM),
    });
    expectProblem(res, 400, "unreadable_body");
  });

  it("a Twilio webhook is a 400 unreadable_body too", async () => {
    const { ws } = await faultWorkspace();
    const res = await shortBody(`/hooks/${ws}/twilio/sms`, 500, "From=%2B14155550702", {
      "content-type": "application/x-www-form-urlencoded",
      "x-twilio-signature": "c2lnbmF0dXJl",
    });
    expectProblem(res, 400, "unreadable_body");
  });
});
