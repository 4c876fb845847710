import { describe, expect, it } from "vitest";
import {
  derToP1363,
  parseMailgunEvent,
  parsePostmarkEvent,
  parseSendgridEvents,
  twilioDeliveryEvent,
  type DeliveryEvent,
} from "./delivery-events";

const NOW = new Date("2026-03-01T12:00:00.000Z");
const SID = "SM" + "ab".repeat(16);

describe("twilioDeliveryEvent", () => {
  const form = (fields: Record<string, string>) =>
    new URLSearchParams({ MessageSid: SID, To: "+14155550100", From: "+15005550006", ...fields });

  it.each<[Record<string, string>, Partial<DeliveryEvent>]>([
    [{ MessageStatus: "sent" }, { status: "sent", permanent: false, reason: null }],
    [{ MessageStatus: "delivered" }, { status: "delivered", permanent: false }],
    [{ MessageStatus: "read" }, { status: "delivered", detail: "read" }],
    [
      { MessageStatus: "undelivered", ErrorCode: "30006" },
      {
        status: "failed",
        permanent: true,
        reason: "undeliverable",
        detail: "undelivered (error 30006)",
      },
    ],
    [
      { MessageStatus: "failed", ErrorCode: "30003" },
      { permanent: true, reason: "undeliverable" },
    ],
    [
      { MessageStatus: "failed", ErrorCode: "30005" },
      { permanent: true, reason: "undeliverable" },
    ],
    [
      { MessageStatus: "failed", ErrorCode: "21610" },
      { permanent: true, reason: "opted_out" },
    ],
    [
      { MessageStatus: "undelivered", ErrorCode: "30008" },
      { status: "failed", permanent: false, reason: null },
    ],
    [{ MessageStatus: "failed" }, { status: "failed", permanent: false, detail: "failed" }],
  ])("%j", (fields, expected) => {
    const r = twilioDeliveryEvent(form(fields), { outreachId: "out_1", now: NOW });
    expect(r.ok && r.value).toMatchObject({
      provider: "twilio",
      outreachId: "out_1",
      providerId: SID,
      at: NOW.toISOString(),
      ...expected,
    });
  });

  it("statuses that are not an outcome are null", () => {
    for (const s of ["queued", "accepted", "sending", "scheduled", "canceled"]) {
      expect(twilioDeliveryEvent(form({ MessageStatus: s }))).toEqual({ ok: true, value: null });
    }
  });

  it("bad fields are refused with the parser's errors", () => {
    const r = twilioDeliveryEvent(
      new URLSearchParams({ MessageSid: "nope", MessageStatus: "sent" }),
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.map((e) => e.path).sort()).toEqual(["MessageSid", "To"]);
  });
});

describe("parsePostmarkEvent", () => {
  const meta = {
    Metadata: { outreachId: "out_2" },
    MessageID: "883953f4-6105-42a2-a16a-77a8eac79483",
  };

  it("Delivery → delivered", () => {
    const r = parsePostmarkEvent({
      RecordType: "Delivery",
      ...meta,
      Recipient: "jane@example.com",
      DeliveredAt: "2026-03-01T11:59:00Z",
      Details: "Test delivery webhook details",
    });
    expect(r).toEqual({
      ok: true,
      value: {
        provider: "postmark",
        outreachId: "out_2",
        providerId: meta.MessageID,
        status: "delivered",
        permanent: false,
        reason: null,
        detail: "Test delivery webhook details",
        at: "2026-03-01T11:59:00.000Z",
      },
    });
  });

  it.each<[Record<string, unknown>, Partial<DeliveryEvent>]>([
    [
      { Type: "HardBounce", Inactive: true },
      { permanent: true, reason: "undeliverable" },
    ],
    [{ Type: "BadEmailAddress" }, { permanent: true, reason: "invalid_recipient" }],
    [
      { Type: "SoftBounce", Inactive: false },
      { permanent: false, reason: null },
    ],
    [{ Type: "Transient" }, { permanent: false, reason: null }],
    [
      { Type: "SoftBounce", Inactive: true },
      { permanent: true, reason: "undeliverable" },
    ],
  ])("Bounce %j", (fields, expected) => {
    const r = parsePostmarkEvent(
      {
        RecordType: "Bounce",
        ...meta,
        Description: "d",
        BouncedAt: "2026-03-01T11:00:00Z",
        ...fields,
      },
      NOW,
    );
    expect(r.ok && r.value).toMatchObject({
      status: "bounced",
      at: "2026-03-01T11:00:00.000Z",
      ...expected,
    });
  });

  it("SpamComplaint → complained, opted out; auto-replies and opens → null", () => {
    const spam = parsePostmarkEvent({
      RecordType: "SpamComplaint",
      ...meta,
      Type: "SpamComplaint",
    });
    expect(spam.ok && spam.value).toMatchObject({
      status: "complained",
      permanent: true,
      reason: "opted_out",
    });
    expect(parsePostmarkEvent({ RecordType: "Bounce", ...meta, Type: "AutoResponder" })).toEqual({
      ok: true,
      value: null,
    });
    expect(parsePostmarkEvent({ RecordType: "Open", ...meta })).toEqual({ ok: true, value: null });
  });

  it("a missing outreach id is null; malformed bodies are refused", () => {
    const r = parsePostmarkEvent(
      { RecordType: "Delivery", MessageID: "m", Metadata: { outreachId: "a b" } },
      NOW,
    );
    expect(r.ok && r.value?.outreachId).toBe(null);
    expect(r.ok && r.value?.at).toBe(NOW.toISOString());
    for (const bad of [null, [], "x", {}, { RecordType: "Delivery" }]) {
      expect(parsePostmarkEvent(bad).ok).toBe(false);
    }
  });
});

async function hmacHex(key: string, message: string): Promise<string> {
  const enc = new TextEncoder();
  const k = await crypto.subtle.importKey(
    "raw",
    enc.encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", k, enc.encode(message)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("parseMailgunEvent", () => {
  const KEY = "mailgun-signing-key";
  const nowS = Math.floor(NOW.getTime() / 1000);

  async function hook(eventData: Record<string, unknown>, timestamp = nowS, key = KEY) {
    const token = "a".repeat(50);
    return {
      signature: {
        timestamp: String(timestamp),
        token,
        signature: await hmacHex(key, `${timestamp}${token}`),
      },
      "event-data": eventData,
    };
  }
  const base = {
    timestamp: nowS - 30,
    "user-variables": { outreachId: "out_3" },
    message: { headers: { "message-id": "20260301.1@mg.acme.test" } },
  };

  it("delivered, with the id in brackets and the event's own time", async () => {
    const r = await parseMailgunEvent(
      await hook({ ...base, event: "delivered", "delivery-status": { code: 250, message: "OK" } }),
      KEY,
      nowS,
    );
    expect(r).toEqual({
      ok: true,
      value: {
        provider: "mailgun",
        outreachId: "out_3",
        providerId: "<20260301.1@mg.acme.test>",
        status: "delivered",
        permanent: false,
        reason: null,
        detail: "250 OK",
        at: new Date((nowS - 30) * 1000).toISOString(),
      },
    });
  });

  it.each<[Record<string, unknown>, Partial<DeliveryEvent> | null]>([
    [
      { event: "failed", severity: "permanent", reason: "bounce" },
      { status: "bounced", permanent: true, reason: "undeliverable" },
    ],
    [
      { event: "failed", severity: "permanent", reason: "suppress-unsubscribe" },
      { status: "bounced", reason: "opted_out" },
    ],
    [
      { event: "failed", severity: "temporary", reason: "generic" },
      { status: "deferred", permanent: false, reason: null },
    ],
    [{ event: "complained" }, { status: "complained", permanent: true, reason: "opted_out" }],
    [{ event: "unsubscribed" }, { status: "complained", reason: "opted_out" }],
    [{ event: "opened" }, null],
    [{ event: "accepted" }, null],
  ])("%j", async (data, expected) => {
    const r = await parseMailgunEvent(await hook({ ...base, ...data }), KEY, nowS);
    expect(r.ok).toBe(true);
    if (r.ok)
      expect(r.value === null ? null : r.value).toEqual(
        expected === null ? null : expect.objectContaining(expected),
      );
  });

  it("refuses a wrong key, a missing signature, a stale or future timestamp, a bad payload", async () => {
    const good = { ...base, event: "delivered" };
    expect(await parseMailgunEvent(await hook(good, nowS, "other-key"), KEY, nowS)).toEqual({
      ok: false,
      error: { code: "invalid_signature" },
    });
    expect(await parseMailgunEvent({ "event-data": good }, KEY, nowS)).toEqual({
      ok: false,
      error: { code: "missing_signature" },
    });
    expect(await parseMailgunEvent(await hook(good, nowS - 15 * 60 - 1), KEY, nowS)).toEqual({
      ok: false,
      error: { code: "stale_timestamp", skewSeconds: 15 * 60 + 1 },
    });
    expect((await parseMailgunEvent(await hook(good, nowS - 15 * 60), KEY, nowS)).ok).toBe(true);
    expect(await parseMailgunEvent(await hook(good, nowS + 301), KEY, nowS)).toMatchObject({
      ok: false,
      error: { code: "stale_timestamp" },
    });
    const tampered = await hook(good);
    tampered.signature.token = "b".repeat(50);
    expect((await parseMailgunEvent(tampered, KEY, nowS)).ok).toBe(false);
    const noData = await hook(good);
    delete (noData as Record<string, unknown>)["event-data"];
    expect(await parseMailgunEvent(noData, KEY, nowS)).toMatchObject({
      ok: false,
      error: { code: "invalid_payload" },
    });
  });
});

// --- SendGrid: real P-256 keys generated here; signatures converted to DER by this test's own
// encoder, so the adapter's DER reader is checked against an independent writer.

function b64(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

function derInt(bytes: Uint8Array): number[] {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const v = [...bytes.subarray(i)];
  if ((v[0] ?? 0) & 0x80) v.unshift(0);
  return [0x02, v.length, ...v];
}

function p1363ToDer(sig: Uint8Array): Uint8Array {
  const body = [...derInt(sig.subarray(0, 32)), ...derInt(sig.subarray(32))];
  return new Uint8Array([0x30, body.length, ...body]);
}

async function keyPair() {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const spki = new Uint8Array(
    (await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer,
  );
  return { privateKey: pair.privateKey, publicKey: b64(spki) };
}

async function signSendgrid(privateKey: CryptoKey, timestamp: string, body: string) {
  const data = new TextEncoder().encode(timestamp + body);
  const sig = new Uint8Array(
    await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, privateKey, data),
  );
  return {
    "X-Twilio-Email-Event-Webhook-Signature": b64(p1363ToDer(sig)),
    "X-Twilio-Email-Event-Webhook-Timestamp": timestamp,
  };
}

describe("derToP1363", () => {
  it("pads short integers and strips sign bytes", () => {
    const r = new Uint8Array(32).fill(0x01);
    r[0] = 0; // a 31-byte r once leading zeros are dropped
    const s = new Uint8Array(32).fill(0xff); // high bit set: DER adds a 0x00
    const der = p1363ToDer(new Uint8Array([...r, ...s]));
    expect(der[3]).toBe(31);
    expect([...(derToP1363(der) ?? [])]).toEqual([...r, ...s]);
  });

  it("rejects what is not a DER signature", () => {
    for (const bad of [
      [],
      [0x30, 0x00],
      [0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01],
      [0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00],
    ]) {
      expect(derToP1363(new Uint8Array(bad))).toBe(null);
    }
    // An integer longer than the curve's 32 bytes.
    const long = [0x02, 33, 0x01, ...new Array<number>(32).fill(1)];
    expect(derToP1363(new Uint8Array([0x30, long.length * 2, ...long, ...long]))).toBe(null);
  });
});

describe("parseSendgridEvents", () => {
  const events = [
    {
      email: "jane@example.com",
      timestamp: 1772366000,
      event: "processed",
      sg_message_id: "abc123.filter0001.1.2",
      outreachId: "out_4",
    },
    {
      email: "jane@example.com",
      timestamp: 1772366400,
      event: "delivered",
      response: "250 OK",
      sg_message_id: "abc123.filter0001.1.2",
      outreachId: "out_4",
    },
    {
      email: "x@example.com",
      timestamp: 1772366400,
      event: "bounce",
      type: "bounce",
      status: "5.1.1",
      reason: "550 no such user",
      sg_message_id: "def.f.1",
    },
    {
      email: "x@example.com",
      timestamp: 1772366400,
      event: "bounce",
      type: "blocked",
      reason: "blocked by policy",
      sg_message_id: "def.f.1",
    },
    {
      email: "x@example.com",
      timestamp: 1772366400,
      event: "dropped",
      reason: "Unsubscribed Address",
      sg_message_id: "ghi.f.1",
    },
    {
      email: "x@example.com",
      timestamp: 1772366400,
      event: "dropped",
      reason: "Invalid",
      sg_message_id: "ghi.f.1",
    },
    {
      email: "x@example.com",
      timestamp: 1772366400,
      event: "deferred",
      response: "400 try again later",
      attempt: "1",
    },
    {
      email: "x@example.com",
      timestamp: 1772366400,
      event: "spamreport",
      sg_message_id: "jkl.f.1",
    },
    { email: "x@example.com", timestamp: 1772366400, event: "open", sg_message_id: "jkl.f.1" },
  ];
  const raw = JSON.stringify(events);

  it("verifies the signature and maps each delivery event", async () => {
    const { privateKey, publicKey } = await keyPair();
    const headers = new Headers(await signSendgrid(privateKey, "1772366401", raw));
    const r = await parseSendgridEvents(raw, headers, publicKey, NOW);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.map((e) => [e.status, e.permanent, e.reason, e.providerId])).toEqual([
      ["delivered", false, null, "abc123"],
      ["bounced", true, "undeliverable", "def"],
      ["bounced", false, null, "def"],
      ["failed", true, "opted_out", "ghi"],
      ["failed", true, "invalid_recipient", "ghi"],
      ["deferred", false, null, null],
      ["complained", true, "opted_out", "jkl"],
    ]);
    expect(r.value[0]).toEqual({
      provider: "sendgrid",
      outreachId: "out_4",
      providerId: "abc123",
      status: "delivered",
      permanent: false,
      reason: null,
      detail: "250 OK",
      at: new Date(1772366400 * 1000).toISOString(),
    });
  });

  it("verifies many signatures (both DER integer shapes) and accepts a plain header record", async () => {
    const { privateKey, publicKey } = await keyPair();
    for (let i = 0; i < 12; i++) {
      const body = JSON.stringify([{ event: "delivered", sg_message_id: `m${i}.x`, timestamp: i }]);
      const headers = await signSendgrid(privateKey, String(1772366000 + i), body);
      const r = await parseSendgridEvents(body, headers, publicKey);
      expect(r.ok, `signature ${i}`).toBe(true);
    }
  });

  it("refuses a tampered body or timestamp, another key, missing or garbage signatures", async () => {
    const { privateKey, publicKey } = await keyPair();
    const other = await keyPair();
    const headers = await signSendgrid(privateKey, "1772366401", raw);
    const invalid = { ok: false, error: { code: "invalid_signature" } };
    expect(
      await parseSendgridEvents(raw.replace("delivered", "deferred"), headers, publicKey),
    ).toEqual(invalid);
    expect(
      await parseSendgridEvents(
        raw,
        { ...headers, "X-Twilio-Email-Event-Webhook-Timestamp": "1772366402" },
        publicKey,
      ),
    ).toEqual(invalid);
    expect(await parseSendgridEvents(raw, headers, other.publicKey)).toEqual(invalid);
    expect(await parseSendgridEvents(raw, headers, "not a key")).toEqual(invalid);
    expect(
      await parseSendgridEvents(
        raw,
        { ...headers, "X-Twilio-Email-Event-Webhook-Signature": "AAAA" },
        publicKey,
      ),
    ).toEqual(invalid);
    expect(await parseSendgridEvents(raw, {}, publicKey)).toEqual({
      ok: false,
      error: { code: "missing_signature" },
    });
  });

  it("a signed body that is not an array of events is a payload error", async () => {
    const { privateKey, publicKey } = await keyPair();
    for (const body of ['{"event":"delivered"}', "[{}]", "not json"]) {
      const r = await parseSendgridEvents(
        body,
        await signSendgrid(privateKey, "1", body),
        publicKey,
      );
      expect(r).toMatchObject({ ok: false, error: { code: "invalid_payload" } });
    }
  });
});
