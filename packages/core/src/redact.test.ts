import { describe, expect, it } from "vitest";
import { compileRules, ibanValid, luhnValid, redactDeep, redactText } from "./redact";

describe("card redaction", () => {
  it.each([
    ["4111111111111111", "[card ••••1111]"],
    ["4111 1111 1111 1111", "[card ••••1111]"],
    ["4111-1111-1111-1111", "[card ••••1111]"],
    ["5500 0000 0000 0004", "[card ••••0004]"],
    ["3782 822463 10005", "[card ••••0005]"], // Amex grouping 4-6-5
  ])("redacts the Luhn-valid card %s", (card, expected) => {
    expect(redactText(`my card is ${card}, thanks`)).toEqual({
      text: `my card is ${expected}, thanks`,
      count: 1,
    });
  });

  it.each([
    ["4111111111111112", "fails Luhn"],
    ["order 123456789012", "12 digits is too short"],
    ["+1 415 555 2671", "a phone number"],
    ["12345678901234567890", "20 digits is too long"],
  ])("leaves %s alone (%s)", (text) => {
    expect(redactText(text)).toEqual({ text, count: 0 });
  });

  it("redacts every string inside nested data and counts them", () => {
    const out = redactDeep({
      a: "4111111111111111",
      b: [{ c: "x 5500000000000004 y" }],
      n: 4111111111111111,
    });
    expect(out.count).toBe(2);
    expect(out.value).toEqual({
      a: "[card ••••1111]",
      b: [{ c: "x [card ••••0004] y" }],
      n: 4111111111111111,
    });
  });

  it("computes Luhn", () => {
    expect(luhnValid("79927398713")).toBe(true);
    expect(luhnValid("79927398710")).toBe(false);
  });
});

describe("card windows", () => {
  it("redacts the whole span when a neighbour completes a second Luhn-valid window", () => {
    // 1202 4111 1111 1111 passes Luhn as well as the card: taking either window alone would
    // leave card digits behind, so both go (the room number with them).
    expect(luhnValid("1202411111111111")).toBe(true);
    expect(redactText("room 1202 4111 1111 1111 1111")).toEqual({
      text: "room [card ••••1111]",
      count: 1,
    });
  });

  it("prefers the longest passing window over a shorter one inside it", () => {
    // "4111111111111111 18" is 18 digits that pass Luhn too: the longer window wins.
    expect(luhnValid("411111111111111118")).toBe(true);
    expect(redactText("x 4111111111111111 18 y")).toEqual({
      text: "x [card ••••1118] y",
      count: 1,
    });
  });

  it("does not search inside an unbroken run, but does next to it", () => {
    expect(redactText("12345678901234567890 4111 1111 1111 1111")).toEqual({
      text: "12345678901234567890 [card ••••1111]",
      count: 1,
    });
  });

  it("stays linear on long runs of short groups and on one huge run of digits", () => {
    const groups = "1 ".repeat(30_000);
    const digits = "7".repeat(60_000);
    const dotted = "12.".repeat(20_000);
    const started = performance.now();
    for (const text of [groups, digits, dotted]) redactText(text);
    // A quadratic scan of 60,000 characters takes seconds; the linear one a few milliseconds.
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe("built-in detectors", () => {
  const rules = compileRules({ patterns: [], builtins: ["iban", "us_ssn", "uk_nino"] });
  const r = (text: string) => redactText(text, rules);

  it.each([
    ["GB82WEST12345698765432", "[iban]"],
    ["pay to GB82 WEST 1234 5698 7654 32 THANKS", "pay to [iban] THANKS"],
    ["DE89 3704 0044 0532 0130 00, then 12", "[iban], then 12"],
    ["fr14 2004 1010 0505 0001 3m02 606", "[iban]"],
    ["NL91ABNA0417164300 and DE89370400440532013000", "[iban] and [iban]"],
    ["ssn 123-45-6789.", "ssn [us_ssn]."],
    ["NI AB123456C", "NI [uk_nino]"],
    ["NI ab 12 34 56 c", "NI [uk_nino]"],
  ])("redacts %j", (text, expected) => {
    expect(r(text).text).toBe(expected);
  });

  it.each([
    ["GB82WEST12345698765433", "fails mod-97"],
    ["GB82WEST123456987654", "too short for GB"],
    ["GB82WEST12345698765432X", "longer token"],
    ["ZZ82WEST12345698765432", "no such country"],
    ["000-12-3456", "area 000"],
    ["666-12-3456", "area 666"],
    ["912-12-3456", "area 9xx"],
    ["123-00-4567", "group 00"],
    ["123-45-0000", "serial 0000"],
    ["1-123-45-6789", "part of a longer dashed number"],
    ["123-45-6789-1", "part of a longer dashed number"],
    ["123456789", "nine digits without dashes"],
    ["QQ123456C", "Q is never a first letter"],
    ["AO123456C", "O is never a second letter"],
    ["GB123456A", "GB is never a prefix"],
    ["AB123456E", "suffix is A–D"],
    ["XAB123456C", "inside a longer word"],
  ])("leaves %j alone (%s)", (text) => {
    expect(r(text)).toEqual({ text, count: 0 });
  });

  it("checks IBANs with mod-97", () => {
    expect(ibanValid("GB82WEST12345698765432")).toBe(true);
    expect(ibanValid("GB82WEST12345698765433")).toBe(false);
  });

  it("are off unless switched on, and run before cards and workspace patterns", () => {
    expect(redactText("123-45-6789 AB123456C GB82WEST12345698765432").count).toBe(0);
    const both = compileRules({
      patterns: [{ name: "account", pattern: "AC-\\d+" }],
      builtins: ["us_ssn"],
    });
    expect(redactText("123-45-6789 and 4111111111111111 and AC-42", both).text).toBe(
      "[us_ssn] and [card ••••1111] and [account]",
    );
  });

  it("redact object keys as well as values", () => {
    const out = redactDeep({ "4111111111111111": "x", ok: ["123-45-6789"] }, rules);
    expect(out).toEqual({ value: { "[card ••••1111]": "x", ok: ["[us_ssn]"] }, count: 2 });
  });
});
