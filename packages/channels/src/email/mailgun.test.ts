import { describe, expect, it } from "vitest";
import { fromMailgun, verifyMailgun } from "./mailgun";

// An independent SHA-256 + HMAC (FIPS 180-4, RFC 2104) in plain JS, so the test does not check
// the adapter's WebCrypto call against itself.
const PRIMES: number[] = [];
for (let n = 2; PRIMES.length < 64; n++) if (PRIMES.every((p) => n % p !== 0)) PRIMES.push(n);
// Round constants: the first 32 bits of the fractional parts of the primes' cube roots.
const K = PRIMES.map((p) => Math.floor((Math.cbrt(p) % 1) * 2 ** 32) >>> 0);
const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));

function sha256(msg: Uint8Array): Uint8Array {
  const len = msg.length;
  const padded = new Uint8Array(Math.ceil((len + 9) / 64) * 64);
  padded.set(msg);
  padded[len] = 0x80;
  new DataView(padded.buffer).setUint32(padded.length - 4, len * 8);
  const h = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ];
  const w = new Array<number>(64);
  const view = new DataView(padded.buffer);
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 64; i++) {
      if (i < 16) w[i] = view.getUint32(off + i * 4);
      else {
        const a = w[i - 15] ?? 0;
        const b = w[i - 2] ?? 0;
        const s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3);
        const s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10);
        w[i] = ((w[i - 16] ?? 0) + s0 + (w[i - 7] ?? 0) + s1) >>> 0;
      }
    }
    let [a, b, c, d, e, f, g, hh] = h as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    for (let i = 0; i < 64; i++) {
      const t1 =
        (hh +
          (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) +
          ((e & f) ^ (~e & g)) +
          (K[i] ?? 0) +
          (w[i] ?? 0)) >>>
        0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      [hh, g, f, e, d, c, b, a] = [g, f, e, (d + t1) >>> 0, c, b, a, (t1 + t2) >>> 0];
    }
    [a, b, c, d, e, f, g, hh].forEach((v, i) => (h[i] = ((h[i] ?? 0) + v) >>> 0));
  }
  const out = new Uint8Array(32);
  h.forEach((v, i) => new DataView(out.buffer).setUint32(i * 4, v));
  return out;
}

function hmacHex(key: string, message: string): string {
  const enc = new TextEncoder();
  let k = enc.encode(key);
  if (k.length > 64) k = sha256(k);
  const block = new Uint8Array(64);
  block.set(k);
  const pad = (x: number) => block.map((b) => b ^ x);
  const inner = sha256(new Uint8Array([...pad(0x36), ...enc.encode(message)]));
  const outer = sha256(new Uint8Array([...pad(0x5c), ...inner]));
  return [...outer].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0";

function signed(timestamp: number, token: string, extra: Record<string, string> = {}) {
  return new Map(
    Object.entries({
      timestamp: String(timestamp),
      token,
      signature: hmacHex(KEY, `${timestamp}${token}`),
      ...extra,
    }),
  );
}

describe("Mailgun signatures", () => {
  const now = 1_772_470_000;

  it("the independent SHA-256 matches a published test vector", () => {
    const abc = sha256(new TextEncoder().encode("abc"));
    expect([...abc].map((b) => b.toString(16).padStart(2, "0")).join("")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  it("accepts hex HMAC-SHA256(signingKey, timestamp + token)", async () => {
    const res = await verifyMailgun(signed(now - 10, "a".repeat(50)), KEY, now);
    expect(res).toEqual({ ok: true, value: { token: "a".repeat(50), timestamp: now - 10 } });
  });

  it("rejects a wrong signature, a wrong key and missing fields", async () => {
    const fields = signed(now, "b".repeat(50));
    fields.set("signature", hmacHex(KEY, `${now}${"c".repeat(50)}`));
    expect(await verifyMailgun(fields, KEY, now)).toMatchObject({
      error: { code: "invalid_signature" },
    });
    expect(
      await verifyMailgun(signed(now, "d".repeat(50)), "key-other-key-xyz", now),
    ).toMatchObject({
      error: { code: "invalid_signature" },
    });
    expect(await verifyMailgun(new Map([["token", "x"]]), KEY, now)).toMatchObject({
      error: { code: "missing_signature" },
    });
  });

  it("accepts a signature up to 9 hours old (Mailgun's retries) and 5 minutes ahead, no more", async () => {
    const nine = 9 * 3600;
    expect(await verifyMailgun(signed(now - nine - 1, "e".repeat(50)), KEY, now)).toMatchObject({
      error: { code: "stale_timestamp" },
    });
    expect(await verifyMailgun(signed(now + 301, "f".repeat(50)), KEY, now)).toMatchObject({
      error: { code: "stale_timestamp" },
    });
    expect((await verifyMailgun(signed(now + 300, "g".repeat(50)), KEY, now)).ok).toBe(true);
    // Mailgun's last retry, about 7.5 h after a first attempt, with the first signature.
    expect((await verifyMailgun(signed(now - 7.5 * 3600, "h".repeat(50)), KEY, now)).ok).toBe(true);
    expect((await verifyMailgun(signed(now - nine, "i".repeat(50)), KEY, now)).ok).toBe(true);
  });
});

describe("Mailgun fields", () => {
  it("reads threading headers from fields or from message-headers", async () => {
    const fromFields = await fromMailgun(
      new Map([
        ["from", "Jane Doe <jane@example.com>"],
        ["recipient", "reply+acme.tok1@mg.example.com"],
        ["subject", "Re: refund"],
        ["body-plain", "Thanks!\n\nOn Mon, Support wrote:\n> hi"],
        ["Message-Id", "<m2@mail.example.com>"],
        ["In-Reply-To", "<m1@help.example.com>"],
        ["References", "<m0@help.example.com> <m1@help.example.com>"],
      ]),
    );
    expect(fromFields).toMatchObject({
      ok: true,
      value: {
        messageId: "<m2@mail.example.com>",
        inReplyTo: "<m1@help.example.com>",
        references: ["<m0@help.example.com>", "<m1@help.example.com>"],
        from: { address: "jane@example.com", name: "Jane Doe" },
        to: [{ address: "reply+acme.tok1@mg.example.com" }],
      },
    });
    const fromJson = await fromMailgun(
      new Map([
        ["from", "jane@example.com"],
        [
          "message-headers",
          JSON.stringify([
            ["Message-Id", "<m3@mail.example.com>"],
            ["In-Reply-To", "<m2@help.example.com>"],
          ]),
        ],
      ]),
    );
    expect(fromJson).toMatchObject({
      value: { messageId: "<m3@mail.example.com>", inReplyTo: "<m2@help.example.com>" },
    });
  });
});
