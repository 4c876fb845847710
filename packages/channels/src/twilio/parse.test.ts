import { describe, expect, it } from "vitest";
import {
  parseTwilioCall,
  parseTwilioCallStatus,
  parseTwilioMessage,
  parseTwilioMessageStatus,
  type TwilioParseResult,
} from "./parse";

const SM = "SM" + "a".repeat(32);
const MM = "MM" + "b".repeat(32);
const CA = "CA" + "c".repeat(32);
const AC = "AC" + "d".repeat(32);

const form = (fields: Record<string, string>) => new URLSearchParams(fields);

function value(r: TwilioParseResult) {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.error)}`);
  return r.value;
}

function paths(r: TwilioParseResult): string[] {
  return r.ok ? [] : r.error.map((e) => e.path);
}

describe("inbound messages", () => {
  it("become a customer message keyed by the MessageSid, media kept as references", () => {
    const out = value(
      parseTwilioMessage(
        form({
          MessageSid: MM,
          AccountSid: AC,
          From: "+14155550100",
          To: "+18005550199",
          Body: "my bill is wrong",
          NumMedia: "2",
          MediaUrl0: "https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME1",
          MediaContentType0: "image/jpeg",
          MediaUrl1: "https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME2",
          MediaContentType1: "application/pdf",
          SmsStatus: "received",
        }),
      ),
    );
    expect(out.anonymous).toBe(false);
    expect(out.sid).toBe(MM);
    expect(out.event).toMatchObject({
      identifiers: [{ type: "phone", value: "+14155550100", verification: "verified" }],
      channel: "sms",
      direction: "inbound",
      actor: { kind: "customer" },
      type: "message",
      text: "my bill is wrong",
      idempotencyKey: `twilio:${MM}`,
      data: {
        messageSid: MM,
        accountSid: AC,
        media: [
          { url: expect.stringContaining("ME1"), contentType: "image/jpeg" },
          { url: expect.stringContaining("ME2"), contentType: "application/pdf" },
        ],
      },
    });
    expect(out.event.threadRefs).toBeUndefined();
  });

  it("from WhatsApp use the number behind the whatsapp: prefix", () => {
    const out = value(
      parseTwilioMessage(form({ MessageSid: SM, From: "whatsapp:+447700900123", Body: "hi" })),
    );
    expect(out.event.channel).toBe("whatsapp");
    expect(out.event.identifiers).toEqual([
      { type: "phone", value: "+447700900123", verification: "verified" },
    ]);
  });

  it("from an alphanumeric sender or short code match nobody", () => {
    for (const from of ["ACMEBANK", "72345"]) {
      const out = value(parseTwilioMessage(form({ MessageSid: SM, From: from, Body: "x" })));
      expect(out.anonymous).toBe(true);
      expect(out.event.identifiers).toEqual([{ type: "external", value: `twilio-sms:${SM}` }]);
    }
  });

  it("name every missing or malformed field", () => {
    expect(paths(parseTwilioMessage(form({ Body: "x" })))).toEqual(["MessageSid", "From"]);
    expect(
      paths(parseTwilioMessage(form({ MessageSid: "SM1", From: "+14155550100", NumMedia: "1" }))),
    ).toEqual(["MessageSid", "MediaUrl0"]);
    expect(
      paths(parseTwilioMessage(form({ MessageSid: SM, From: "+14155550100", NumMedia: "11" }))),
    ).toEqual(["NumMedia"]);
    expect(
      paths(parseTwilioMessage(form({ MessageSid: SM, From: "+1", Body: "x".repeat(1601) }))),
    ).toEqual(["Body"]);
  });
});

describe("message status callbacks", () => {
  it("become a system event on the recipient's journey, one per status", () => {
    const out = value(
      parseTwilioMessageStatus(
        form({
          MessageSid: SM,
          MessageStatus: "undelivered",
          ErrorCode: "30003",
          To: "+14155550100",
          From: "+18005550199",
        }),
      ),
    );
    expect(out.event).toMatchObject({
      identifiers: [{ type: "phone", value: "+14155550100" }],
      channel: "sms",
      direction: "outbound",
      actor: { kind: "system" },
      type: "custom",
      data: { messageSid: SM, status: "undelivered", errorCode: "30003" },
      idempotencyKey: `twilio:${SM}:undelivered`,
    });
  });

  it("without an error code record null, and without a status are rejected", () => {
    const ok = value(
      parseTwilioMessageStatus(form({ MessageSid: SM, MessageStatus: "sent", To: "+14155550100" })),
    );
    expect(ok.event.data).toMatchObject({ errorCode: null });
    expect(paths(parseTwilioMessageStatus(form({ MessageSid: SM, To: "+1415" })))).toEqual([
      "MessageStatus",
    ]);
  });
});

describe("incoming calls", () => {
  const call = {
    CallSid: CA,
    From: "+14155550100",
    To: "+18005550199",
    CallStatus: "ringing",
    Direction: "inbound",
  };

  it("start a call event threaded by the CallSid", () => {
    const out = value(parseTwilioCall(form({ ...call, StirVerstat: "TN-Validation-Passed-A" })));
    expect(out.callerVerified).toBe(true);
    expect(out.event).toMatchObject({
      identifiers: [{ type: "phone", value: "+14155550100", verification: "verified" }],
      channel: "voice",
      direction: "inbound",
      actor: { kind: "customer" },
      type: "call",
      data: { phase: "started", callSid: CA, stirVerstat: "TN-Validation-Passed-A" },
      threadRefs: [`twilio-call:${CA}`],
      idempotencyKey: `twilio:${CA}:started`,
    });
  });

  it("are unverified without full STIR/SHAKEN attestation", () => {
    for (const stir of [undefined, "TN-Validation-Passed-B", "TN-Validation-Failed-A"]) {
      const out = value(parseTwilioCall(form(stir ? { ...call, StirVerstat: stir } : call)));
      expect(out.callerVerified).toBe(false);
      expect(out.event.identifiers?.[0]?.verification).toBe("asserted");
    }
  });

  it("from a withheld number never carry the number: a per-call external id instead", () => {
    const withheld = [
      "+266696687",
      "+86282452253",
      "+8656696",
      "+7378742833",
      "anonymous",
      "Restricted",
      "unknown",
      "private",
      "",
    ];
    for (const from of withheld) {
      const out = value(
        parseTwilioCall(form({ ...call, From: from, StirVerstat: "TN-Validation-Passed-A" })),
      );
      expect(out.anonymous).toBe(true);
      expect(out.callerVerified).toBe(false);
      expect(out.event.identifiers).toEqual([{ type: "external", value: `twilio-call:${CA}` }]);
      expect(out.event.threadRefs).toEqual([`twilio-call:${CA}`]);
    }
  });

  it("placed by the company identify the callee", () => {
    const out = value(parseTwilioCall(form({ ...call, Direction: "outbound-api" })));
    expect(out.event.direction).toBe("outbound");
    expect(out.event.identifiers).toEqual([
      { type: "phone", value: "+18005550199", verification: "verified" },
    ]);
  });
});

describe("call status callbacks", () => {
  it("record the phase and duration, routed by the call thread", () => {
    const out = value(
      parseTwilioCallStatus(
        form({
          CallSid: CA,
          From: "+14155550100",
          To: "+18005550199",
          CallStatus: "completed",
          CallDuration: "42",
        }),
      ),
    );
    expect(out.event).toMatchObject({
      type: "call",
      actor: { kind: "system" },
      data: { phase: "completed", callSid: CA, durationSeconds: 42 },
      threadRefs: [`twilio-call:${CA}`],
      idempotencyKey: `twilio:${CA}:completed`,
    });
  });

  it("reject an unknown status or a non-numeric duration", () => {
    const base = { CallSid: CA, From: "+14155550100" };
    expect(paths(parseTwilioCallStatus(form({ ...base, CallStatus: "exploded" })))).toEqual([
      "CallStatus",
    ]);
    expect(
      paths(parseTwilioCallStatus(form({ ...base, CallStatus: "completed", CallDuration: "1m" }))),
    ).toEqual(["CallDuration"]);
  });
});
