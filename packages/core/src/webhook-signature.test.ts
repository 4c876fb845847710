import { describe, expect, it } from "vitest";
import {
  newWebhookSecret,
  signWebhook,
  signWebhookHeader,
  verifyWebhook,
  webhookSecretKey,
} from "./webhook-signature";

// The Standard Webhooks specification's published test vector, as used by its reference
// implementation's own test ("sign function works" in
// standard-webhooks/standard-webhooks libraries/javascript/src/webhook.test.ts).
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  msgId: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};
const AT_VECTOR = VECTOR.timestamp * 1000;

function headersFor(signature: string, msgId = VECTOR.msgId, ts = String(VECTOR.timestamp)) {
  return { "webhook-id": msgId, "webhook-timestamp": ts, "webhook-signature": signature };
}

describe("Standard Webhooks signatures", () => {
  it("reproduces the specification's test vector", async () => {
    expect(await signWebhook(VECTOR.secret, VECTOR.msgId, VECTOR.timestamp, VECTOR.body)).toBe(
      VECTOR.signature,
    );
  });

  it("verifies the test vector, as a Headers object or a plain record of any case", async () => {
    const h = headersFor(VECTOR.signature);
    expect(await verifyWebhook([VECTOR.secret], h, VECTOR.body, 300, AT_VECTOR)).toEqual({
      ok: true,
      value: { msgId: VECTOR.msgId, timestamp: VECTOR.timestamp },
    });
    const upper = Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toUpperCase(), v]));
    expect((await verifyWebhook([VECTOR.secret], upper, VECTOR.body, 300, AT_VECTOR)).ok).toBe(
      true,
    );
    const headers = new Headers(h);
    expect((await verifyWebhook([VECTOR.secret], headers, VECTOR.body, 300, AT_VECTOR)).ok).toBe(
      true,
    );
  });

  it("accepts the secret without its whsec_ prefix, like the reference libraries", async () => {
    const bare = VECTOR.secret.slice("whsec_".length);
    expect(await signWebhook(bare, VECTOR.msgId, VECTOR.timestamp, VECTOR.body)).toBe(
      VECTOR.signature,
    );
  });

  it("refuses a tampered body, id or timestamp, and a wrong secret", async () => {
    const fail = async (h: Record<string, string>, body = VECTOR.body, secret = VECTOR.secret) =>
      verifyWebhook([secret], h, body, 300, AT_VECTOR);
    expect(await fail(headersFor(VECTOR.signature), '{"test": 2432232315}')).toEqual({
      ok: false,
      error: "no_matching_signature",
    });
    expect((await fail(headersFor(VECTOR.signature, "msg_other"))).ok).toBe(false);
    // One second later is inside the window, but the timestamp is part of what is signed.
    expect(
      await fail(headersFor(VECTOR.signature, VECTOR.msgId, String(VECTOR.timestamp + 1))),
    ).toEqual({ ok: false, error: "no_matching_signature" });
    expect((await fail(headersFor(VECTOR.signature), VECTOR.body, newWebhookSecret())).ok).toBe(
      false,
    );
    // A truncated signature and another version's prefix do not match either.
    expect((await fail(headersFor(VECTOR.signature.slice(0, 12)))).ok).toBe(false);
    expect((await fail(headersFor(VECTOR.signature.replace("v1,", "v2,")))).ok).toBe(false);
  });

  it("refuses missing headers and malformed timestamps", async () => {
    const { "webhook-id": _drop, ...noId } = headersFor(VECTOR.signature);
    expect(await verifyWebhook([VECTOR.secret], noId, VECTOR.body, 300, AT_VECTOR)).toEqual({
      ok: false,
      error: "missing_headers",
    });
    const bad = headersFor(VECTOR.signature, VECTOR.msgId, "soon");
    expect(await verifyWebhook([VECTOR.secret], bad, VECTOR.body, 300, AT_VECTOR)).toEqual({
      ok: false,
      error: "invalid_timestamp",
    });
  });

  it("refuses timestamps outside the tolerance, both ways", async () => {
    const h = headersFor(VECTOR.signature);
    const at = (deltaSeconds: number, tolerance = 300) =>
      verifyWebhook([VECTOR.secret], h, VECTOR.body, tolerance, AT_VECTOR + deltaSeconds * 1000);
    expect((await at(300)).ok).toBe(true);
    expect(await at(301)).toEqual({ ok: false, error: "timestamp_too_old" });
    expect((await at(-300)).ok).toBe(true);
    expect(await at(-301)).toEqual({ ok: false, error: "timestamp_too_new" });
    expect((await at(3600, 7200)).ok).toBe(true);
    // Default tolerance and clock: the vector is years old.
    expect(await verifyWebhook([VECTOR.secret], h, VECTOR.body)).toEqual({
      ok: false,
      error: "timestamp_too_old",
    });
  });

  it("rotation: a header signed with two secrets verifies with either one alone", async () => {
    const old = VECTOR.secret;
    const fresh = newWebhookSecret();
    const ts = Math.floor(Date.now() / 1000);
    const body = '{"type":"message"}';
    const header = await signWebhookHeader([fresh, old], "msg_rotation", ts, body);
    const parts = header.split(" ");
    expect(parts).toHaveLength(2);
    expect(parts[0]).toBe(await signWebhook(fresh, "msg_rotation", ts, body));
    expect(parts[1]).toBe(await signWebhook(old, "msg_rotation", ts, body));
    const h = {
      "webhook-id": "msg_rotation",
      "webhook-timestamp": String(ts),
      "webhook-signature": header,
    };
    expect((await verifyWebhook([old], h, body)).ok).toBe(true);
    expect((await verifyWebhook([fresh], h, body)).ok).toBe(true);
    expect((await verifyWebhook([newWebhookSecret()], h, body)).ok).toBe(false);
    // A receiver that already switched but still lists the old secret accepts it too.
    const onlyNew = await signWebhookHeader([fresh], "msg_rotation", ts, body);
    expect(
      (await verifyWebhook([old, fresh], { ...h, "webhook-signature": onlyNew }, body)).ok,
    ).toBe(true);
    expect((await verifyWebhook([old], { ...h, "webhook-signature": onlyNew }, body)).ok).toBe(
      false,
    );
  });

  it("makes secrets of 32 random bytes behind whsec_", () => {
    const a = newWebhookSecret();
    const b = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(a).not.toBe(b);
    expect(webhookSecretKey(a)?.length).toBe(32);
    expect(webhookSecretKey("whsec_not base64!")).toBeNull();
    expect(webhookSecretKey("whsec_")).toBeNull();
  });

  it("refuses to sign with a bad secret or an id containing a dot", async () => {
    await expect(signWebhook("whsec_%%%", "msg_1", 1, "{}")).rejects.toThrow(/secret/);
    await expect(signWebhook(VECTOR.secret, "msg.1", 1, "{}")).rejects.toThrow(/id/);
  });
});
