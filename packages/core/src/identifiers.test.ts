import { describe, expect, it } from "vitest";
import {
  isAnonymousCaller,
  isSupportedRegion,
  normalizeIdentifier,
  type CountryCode,
  type NormalizeOptions,
} from "./identifiers";

const phone = (value: string, defaultRegion?: CountryCode) =>
  normalizeIdentifier({ type: "phone", value }, defaultRegion ? { defaultRegion } : {});

const email = (value: string, opts: NormalizeOptions = {}) =>
  normalizeIdentifier({ type: "email", value }, opts);

describe("phone numbers → E.164", () => {
  // [input, default region (US when omitted), expected E.164, expected extension]
  it.each<[string, CountryCode | undefined, string, string?]>([
    // United States, national forms
    ["(415) 555-2671", undefined, "+14155552671"],
    ["415.555.2671", undefined, "+14155552671"],
    ["415-555-2671", undefined, "+14155552671"],
    ["415 555 2671", undefined, "+14155552671"],
    ["4155552671", undefined, "+14155552671"],
    ["1 (415) 555-2671", undefined, "+14155552671"],
    ["14155552671", undefined, "+14155552671"],
    // United States, international forms
    ["+14155552671", undefined, "+14155552671"],
    ["+1 415 555 2671", undefined, "+14155552671"],
    ["+1-415-555-2671", undefined, "+14155552671"],
    ["001 415 555 2671", undefined, "+14155552671"],
    ["011 1 415 555 2671", undefined, "+14155552671"],
    ["＋１ ４１５ ５５５ ２６７１", undefined, "+14155552671"],
    ["+1 415–555–2671", undefined, "+14155552671"],
    // URIs
    ["tel:+14155552671", undefined, "+14155552671"],
    ["tel:+1-415-555-2671;ext=123", undefined, "+14155552671", "123"],
    ["tel:7946-0958;phone-context=+44-20", undefined, "+442079460958"],
    ["sip:+14155552671@pstn.example.com;user=phone", undefined, "+14155552671"],
    // Extensions
    ["415-555-2671 x123", undefined, "+14155552671", "123"],
    ["(415) 555-2671 ext. 12", undefined, "+14155552671", "12"],
    ["415.555.2671 extension 7", undefined, "+14155552671", "7"],
    ["+1 415 555 2671 #123", undefined, "+14155552671", "123"],
    ["4155552671x9", undefined, "+14155552671", "9"],
    ["+44 20 7946 0958 ext. 12", undefined, "+442079460958", "12"],
    // United Kingdom
    ["020 7946 0958", "GB", "+442079460958"],
    ["+44 20 7946 0958", undefined, "+442079460958"],
    ["0044 20 7946 0958", undefined, "+442079460958"],
    ["00 44 20 7946 0958", "GB", "+442079460958"],
    ["+44 7911 123456", undefined, "+447911123456"],
    // Germany
    ["030 123456", "DE", "+4930123456"],
    ["030/123456", "DE", "+4930123456"],
    ["+49 30 123456", undefined, "+4930123456"],
    ["0151 23456789", "DE", "+4915123456789"],
    // France
    ["01 23 45 67 89", "FR", "+33123456789"],
    ["06 12 34 56 78", "FR", "+33612345678"],
    ["+33 6 12 34 56 78", undefined, "+33612345678"],
    // India
    ["+91 98765 43210", undefined, "+919876543210"],
    ["098765 43210", "IN", "+919876543210"],
    // Brazil (mobile, with the ninth digit)
    ["+55 11 91234-5678", undefined, "+5511912345678"],
    ["(11) 91234-5678", "BR", "+5511912345678"],
    // Japan
    ["03-1234-5678", "JP", "+81312345678"],
    ["090-1234-5678", "JP", "+819012345678"],
    ["+81 90 1234 5678", undefined, "+819012345678"],
    // Australia
    ["(02) 9876 5432", "AU", "+61298765432"],
    ["0412 345 678", "AU", "+61412345678"],
    ["+61 412 345 678", undefined, "+61412345678"],
    ["0011 1 415 555 2671", "AU", "+14155552671"],
    // Not a Twilio anonymous number: 737 is an Austin area code.
    ["7378742833", undefined, "+17378742833"],
  ])("%s (%s) → %s", (input, region, e164, extension) => {
    const r = phone(input, region);
    expect(r).toMatchObject({
      ok: true,
      value: { type: "phone", value: e164, key: `phone:${e164}` },
    });
    if (r.ok) expect(r.value.extension).toBe(extension);
  });

  it.each<[string, CountryCode | undefined, RegExp]>([
    ["12345", undefined, /short code/],
    ["123456", undefined, /short code/],
    ["5552671", undefined, /short code/],
    ["555-2671", undefined, /too short/],
    ["415 555 267", undefined, /too short/],
    ["+12345", undefined, /too short/],
    ["+1 415 555 26711", undefined, /too long/],
    ["+999 123 4567", undefined, /country/],
    ["hello", undefined, /letters/],
    ["1-800-FLOWERS", undefined, /letters/],
    ["call me 415 555 2671", undefined, /letters/],
    ["+1 415 555 2671 ext. abc", undefined, /letters/],
    ["sip:alice@example.com", undefined, /letters/],
    ["++14155552671", undefined, /leading \+/],
    ["415,555,2671", undefined, /only digits/],
    ["1".repeat(121), undefined, /too long/],
    ["+1 415 555 2671", "XX" as CountryCode, /default region/],
  ])("%s (%s) is invalid_identifier", (input, region, reason) => {
    const r = phone(input, region);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe("invalid_identifier");
      if (r.error.code === "invalid_identifier") expect(r.error.reason).toMatch(reason);
    }
  });

  it.each([
    // Twilio's keypad spellings of ANONYMOUS, RESTRICTED, UNKNOWN, PRIVATE
    "+266696687",
    "+86282452253",
    "+8656696",
    "+7378742833",
    "tel:+266696687",
    "+7 378 742 833",
    // Literal values from Twilio, Amazon Connect, Genesys and SIP trunks
    "anonymous",
    "Anonymous",
    "ANONYMOUS",
    "restricted",
    "unknown",
    "private",
    "unavailable",
    "blocked",
    "Withheld",
    "",
    "   ",
    "sip:anonymous@anonymous.invalid",
    '"Anonymous" <sip:anonymous@anonymous.invalid>',
    "sip:+14155552671@anonymous.invalid",
  ])("%j is an anonymous caller", (input) => {
    expect(isAnonymousCaller(input)).toBe(true);
    expect(phone(input)).toEqual({ ok: false, error: { code: "anonymous_caller" } });
    expect(phone(input, "GB")).toEqual({ ok: false, error: { code: "anonymous_caller" } });
  });

  it("does not treat real numbers as anonymous", () => {
    for (const n of ["+14155552671", "7378742833", "+17378742833", "266696687x", "anonymous1"]) {
      expect(isAnonymousCaller(n)).toBe(false);
    }
  });

  it("keeps the extension out of the key and in display", () => {
    const r = phone("415-555-2671 x123");
    expect(r).toEqual({
      ok: true,
      value: {
        type: "phone",
        value: "+14155552671",
        key: "phone:+14155552671",
        display: "+1 415 555 2671 ext. 123",
        extension: "123",
        country: "US",
        knownRange: true,
      },
    });
  });

  it("gives one key for every spelling of one number", () => {
    const keys = new Set(
      [
        "(415) 555-2671",
        "+1 415 555 2671",
        "001 415 555 2671",
        "tel:+14155552671",
        "415.555.2671 ext. 9",
      ].map((v) => {
        const r = phone(v);
        return r.ok ? r.value.key : r.error.code;
      }),
    );
    expect([...keys]).toEqual(["phone:+14155552671"]);
  });

  it("accepts possible numbers outside known ranges, and says so", () => {
    // Ofcom's drama range and the fictional 555 area code: right length, no known allocation.
    expect(phone("+44 7700 900123")).toMatchObject({
      ok: true,
      value: { value: "+447700900123", knownRange: false },
    });
    expect(phone("07700 900123", "GB")).toMatchObject({
      ok: true,
      value: { value: "+447700900123", knownRange: false, country: "GB" },
    });
    expect(phone("+1 (555) 555-0100")).toMatchObject({
      ok: true,
      value: { value: "+15555550100", knownRange: false },
    });
    expect(phone("+1 415 555 2671")).toMatchObject({ ok: true, value: { knownRange: true } });
  });

  it("knows which default regions are supported", () => {
    expect(isSupportedRegion("GB")).toBe(true);
    expect(isSupportedRegion("US")).toBe(true);
    expect(isSupportedRegion("XX")).toBe(false);
    expect(isSupportedRegion("gb")).toBe(false);
  });

  it("formats display internationally", () => {
    expect(phone("020 7946 0958", "GB")).toMatchObject({
      ok: true,
      value: { display: "+44 20 7946 0958", country: "GB" },
    });
  });
});

describe("email addresses", () => {
  it.each<[string, string, Partial<{ display: string; name: string }>?]>([
    ["Dana.Reyes@Example.COM", "dana.reyes@example.com", { display: "Dana.Reyes@Example.COM" }],
    ["  dana@x.com ", "dana@x.com"],
    ["mailto:Dana@X.com", "dana@x.com"],
    ["MAILTO:dana@x.com", "dana@x.com"],
    ["mailto:dana%40x.com?subject=hi", "dana@x.com"],
    ['"Dana Reyes" <Dana@X.com>', "dana@x.com", { name: "Dana Reyes", display: "Dana@X.com" }],
    ["Dana Reyes <dana@x.com>", "dana@x.com", { name: "Dana Reyes" }],
    ['"Reyes, Dana \\"DR\\"" <dana@x.com>', "dana@x.com", { name: 'Reyes, Dana "DR"' }],
    ["<dana@x.com>", "dana@x.com"],
    ["d.a.n.a+billing@gmail.com", "d.a.n.a+billing@gmail.com"],
    ["D.A.N.A+billing@GoogleMail.com", "d.a.n.a+billing@googlemail.com"],
    ["dana+billing@example.com", "dana+billing@example.com"],
    ["taro..yamada.@docomo.ne.jp", "taro..yamada.@docomo.ne.jp"],
    ["dana@bücher.de", "dana@xn--bcher-kva.de", { display: "dana@bücher.de" }],
    ["DANA@BÜCHER.DE", "dana@xn--bcher-kva.de"],
    ["dana@xn--bcher-kva.de", "dana@xn--bcher-kva.de"],
    ["o'brien@mail.example.co.uk", "o'brien@mail.example.co.uk"],
  ])("%s → %s", (input, expected, extra) => {
    expect(email(input)).toMatchObject({
      ok: true,
      value: { type: "email", value: expected, key: `email:${expected}`, ...extra },
    });
  });

  it.each<[string, string]>([
    ["d.a.n.a+billing@gmail.com", "dana@gmail.com"],
    ["D.A.N.A+billing@GoogleMail.com", "dana@gmail.com"],
    ["dana@gmail.com", "dana@gmail.com"],
    ["Dana.Reyes@gmail.com", "danareyes@gmail.com"],
    // Only Gmail folds: other providers' dots and tags are meaningful.
    ["d.a.n.a+billing@example.com", "d.a.n.a+billing@example.com"],
    ["dana.reyes@outlook.com", "dana.reyes@outlook.com"],
  ])("with gmailDots, %s → %s", (input, expected) => {
    expect(email(input, { gmailDots: true })).toMatchObject({
      ok: true,
      value: { value: expected, key: `email:${expected}` },
    });
  });

  it.each<[string, RegExp, NormalizeOptions?]>([
    ["", /empty/],
    ["   ", /empty/],
    ["dana", /one @/],
    ["dana@@x.com", /one @/],
    ["dana@x.com@y.com", /one @/],
    ["@x.com", /before the @ is empty/],
    ["dana@", /dotted/],
    ["dana@x", /dotted/],
    ["dana@x..com", /dotted/],
    ["dana@-x.com", /dotted/],
    ["dana@x.com.", /dotted/],
    ["dana@1.2.3.4", /name, not a number/],
    ["dana@[1.2.3.4]", /cannot contain/],
    ["dana x@y.com", /cannot contain/],
    ["dana\n@x.com", /cannot contain/],
    ["da\u0000na@x.com", /cannot contain/],
    ["dana@x.com, bob@y.com", /one @/],
    ["mailto:dana%ZZ@x.com", /percent-encoded/],
    [`${"a".repeat(65)}@x.com`, /at most 64/],
    [`a@${["b", "c", "d", "e"].map((c) => c.repeat(63)).join(".")}.com`, /at most 254/],
    ["+tag@gmail.com", /no mailbox/, { gmailDots: true }],
  ])("%j is invalid_identifier", (input, reason, opts) => {
    const r = email(input, opts);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe("invalid_identifier");
      if (r.error.code === "invalid_identifier") expect(r.error.reason).toMatch(reason);
    }
  });

  it("never returns anonymous_caller for an email", () => {
    expect(email("anonymous")).toMatchObject({ ok: false, error: { code: "invalid_identifier" } });
  });
});

describe("chat, user and external ids", () => {
  const types = ["chat", "user", "external"] as const;

  it.each(types)("%s ids are trimmed and keep their case", (type) => {
    expect(normalizeIdentifier({ type, value: "  Visitor_8F3a-XY  " })).toEqual({
      ok: true,
      value: { type, value: "Visitor_8F3a-XY", key: `${type}:Visitor_8F3a-XY` },
    });
    expect(normalizeIdentifier({ type, value: "ünïcode✓" })).toMatchObject({
      ok: true,
      value: { value: "ünïcode✓" },
    });
    expect(normalizeIdentifier({ type, value: "x".repeat(200) })).toMatchObject({ ok: true });
  });

  it.each(
    types.flatMap((type) =>
      (
        [
          ["", /empty/],
          ["   ", /empty/],
          ["x".repeat(201), /longer than 200/],
          ["a b", /whitespace/],
          ["tab\there", /whitespace/],
          ["a\u0000b", /control/],
          ["a\u200bb", /control/],
          ["a\u202eb", /control/],
          ["line\nbreak", /whitespace/],
        ] as const
      ).map(([value, reason]) => [type, value, reason] as const),
    ),
  )("%s id %j is invalid_identifier", (type, value, reason) => {
    const r = normalizeIdentifier({ type, value });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe("invalid_identifier");
      if (r.error.code === "invalid_identifier") expect(r.error.reason).toMatch(reason);
    }
  });
});
