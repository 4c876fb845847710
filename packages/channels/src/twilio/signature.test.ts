import { describe, expect, it } from "vitest";
import {
  constantTimeEqual,
  sha256Hex,
  twilioSignature,
  twilioSigningString,
  twilioUrlCandidates,
  verifyTwilioBodySignature,
  verifyTwilioSignature,
} from "./signature";

// The worked example of Twilio's webhook security docs (twilio.com/docs/usage/security):
// auth token 12345, this URL and these POST fields. Cross-checked against node's crypto
// and several public test suites that pin it against Twilio's own helper library.
const TOKEN = "12345";
const URL_ = "https://mycompany.com/myapp.php?foo=1&bar=2";
const PARAMS = {
  CallSid: "CA1234567890ABCDE",
  Caller: "+14158675310",
  Digits: "1234",
  From: "+14158675310",
  To: "+18005551212",
};
const EXPECTED = "GvWf1cFY/Q7PnoempGyD5oXAezc=";

describe("twilioSignature", () => {
  it("reproduces Twilio's documented example signature", async () => {
    expect(await twilioSignature(TOKEN, URL_, PARAMS)).toBe(EXPECTED);
  });

  it("takes parameters as body-ordered pairs too (URLSearchParams)", async () => {
    const body = new URLSearchParams([
      ["To", "+18005551212"],
      ["From", "+14158675310"],
      ["Digits", "1234"],
      ["Caller", "+14158675310"],
      ["CallSid", "CA1234567890ABCDE"],
    ]);
    expect(await twilioSignature(TOKEN, URL_, body)).toBe(EXPECTED);
  });

  it("signs repeated parameters with each distinct value, sorted, as Twilio's libraries do", () => {
    const pairs: [string, string][] = [
      ["b", "2"],
      ["A", "z"],
      ["b", "1"],
      ["b", "2"],
    ];
    expect(twilioSigningString("https://x.test/h", pairs)).toBe("https://x.test/hAzb1b2");
    expect(twilioSigningString("https://x.test/h", { b: ["2", "1"], A: "z" })).toBe(
      "https://x.test/hAzb1b2",
    );
  });
});

describe("verifyTwilioSignature", () => {
  it("accepts the documented example", async () => {
    expect(await verifyTwilioSignature(TOKEN, EXPECTED, URL_, PARAMS)).toBe(true);
  });

  it("rejects a tampered parameter, an added or dropped one, another token, an empty header", async () => {
    expect(await verifyTwilioSignature(TOKEN, EXPECTED, URL_, { ...PARAMS, Digits: "9999" })).toBe(
      false,
    );
    expect(await verifyTwilioSignature(TOKEN, EXPECTED, URL_, { ...PARAMS, Body: "hi" })).toBe(
      false,
    );
    const { Digits: _d, ...fewer } = PARAMS;
    expect(await verifyTwilioSignature(TOKEN, EXPECTED, URL_, fewer)).toBe(false);
    expect(await verifyTwilioSignature("54321", EXPECTED, URL_, PARAMS)).toBe(false);
    expect(await verifyTwilioSignature(TOKEN, "", URL_, PARAMS)).toBe(false);
  });

  it("covers the query string: another query, or none, fails", async () => {
    const other = "https://mycompany.com/myapp.php?foo=1&bar=3";
    expect(await verifyTwilioSignature(TOKEN, EXPECTED, other, PARAMS)).toBe(false);
    const none = "https://mycompany.com/myapp.php";
    expect(await verifyTwilioSignature(TOKEN, EXPECTED, none, PARAMS)).toBe(false);
  });

  it("accepts a signature over the URL with the default port when the request has none", async () => {
    const signed = await twilioSignature(
      TOKEN,
      "https://mycompany.com:443/myapp.php?foo=1",
      PARAMS,
    );
    expect(
      await verifyTwilioSignature(TOKEN, signed, "https://mycompany.com/myapp.php?foo=1", PARAMS),
    ).toBe(true);
    const http = await twilioSignature(TOKEN, "http://mycompany.com:80/hook", PARAMS);
    expect(await verifyTwilioSignature(TOKEN, http, "http://mycompany.com/hook", PARAMS)).toBe(
      true,
    );
  });

  it("accepts a signature without the port when the configured URL has one", async () => {
    const signed = await twilioSignature(TOKEN, "https://mycompany.com/myapp.php?foo=1", PARAMS);
    for (const url of [
      "https://mycompany.com:443/myapp.php?foo=1",
      // twilio-node's removePort drops any port, as Twilio once signed without it.
      "https://mycompany.com:8443/myapp.php?foo=1",
    ]) {
      expect(await verifyTwilioSignature(TOKEN, signed, url, PARAMS)).toBe(true);
    }
  });

  it("never swaps the scheme or the host", async () => {
    const signed = await twilioSignature(TOKEN, "https://mycompany.com/hook", PARAMS);
    expect(await verifyTwilioSignature(TOKEN, signed, "http://mycompany.com/hook", PARAMS)).toBe(
      false,
    );
    expect(await verifyTwilioSignature(TOKEN, signed, "https://evil.test/hook", PARAMS)).toBe(
      false,
    );
  });

  it("accepts apostrophes in the query whether the request URL shows them escaped or not", async () => {
    // Twilio signs the apostrophe as written; WHATWG URL parsing (workerd) escapes it to %27.
    const raw = "https://mycompany.com/hook?city=Trezzo%20Sull'Adda";
    const escaped = "https://mycompany.com/hook?city=Trezzo%20Sull%27Adda";
    const signedRaw = await twilioSignature(TOKEN, raw, PARAMS);
    const signedEscaped = await twilioSignature(TOKEN, escaped, PARAMS);
    for (const sig of [signedRaw, signedEscaped]) {
      for (const url of [raw, escaped]) {
        expect(await verifyTwilioSignature(TOKEN, sig, url, PARAMS)).toBe(true);
      }
    }
  });
});

describe("twilioUrlCandidates", () => {
  it("lists the URL as given, with and without the default port, never re-serialized", () => {
    expect(twilioUrlCandidates("https://h.test/p?q=1")).toEqual([
      "https://h.test/p?q=1",
      "https://h.test:443/p?q=1",
    ]);
    expect(twilioUrlCandidates("http://h.test:80/p")).toEqual([
      "http://h.test:80/p",
      "http://h.test/p",
    ]);
  });

  it("keeps bracketed IPv6 hosts intact and drops the fragment", () => {
    expect(twilioUrlCandidates("https://[::1]:8443/p#frag")).toEqual([
      "https://[::1]:8443/p",
      "https://[::1]/p",
    ]);
  });
});

describe("verifyTwilioBodySignature (JSON bodies)", () => {
  // Twilio's JSON example body and its bodySHA256 (from Twilio's signature snippets).
  const body = '{"CallSid":"CA1234567890ABCDE","Caller":"+12349013030"}';
  const hash = "5ccde7145dfb8f56479710896586cb9d5911809d83afbe34627818790db0aec9";
  const url = `https://example.com/myapp?bodySHA256=${hash}`;

  it("hashes the example body to the example bodySHA256", async () => {
    expect(await sha256Hex(body)).toBe(hash);
  });

  it("accepts a signature over the URL alone when the body matches", async () => {
    // Computed independently with node:crypto createHmac("sha1", "12345").
    const signature = "hPXmLwIy3Fgqv1i9KPmH/HhQ6zo=";
    expect(await twilioSignature(TOKEN, url, [])).toBe(signature);
    expect(await verifyTwilioBodySignature(TOKEN, signature, url, body)).toBe(true);
    expect(
      await verifyTwilioBodySignature(TOKEN, signature, url, new TextEncoder().encode(body)),
    ).toBe(true);
  });

  it("rejects a tampered body, a tampered URL hash, and a URL without bodySHA256", async () => {
    const signature = await twilioSignature(TOKEN, url, []);
    const tampered = body.replace("+12349013030", "+12349013031");
    expect(await verifyTwilioBodySignature(TOKEN, signature, url, tampered)).toBe(false);
    const otherHash = url.replace("5ccde", "5ccdf");
    expect(await verifyTwilioBodySignature(TOKEN, signature, otherHash, body)).toBe(false);
    const plain = await twilioSignature(TOKEN, "https://example.com/myapp", []);
    expect(await verifyTwilioBodySignature(TOKEN, plain, "https://example.com/myapp", body)).toBe(
      false,
    );
  });
});

describe("constantTimeEqual", () => {
  it("compares exactly", () => {
    expect(constantTimeEqual("abc", "abc")).toBe(true);
    expect(constantTimeEqual("abc", "abd")).toBe(false);
    expect(constantTimeEqual("abc", "ab")).toBe(false);
    expect(constantTimeEqual("", "")).toBe(true);
  });
});
