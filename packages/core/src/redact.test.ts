import { describe, expect, it } from "vitest";
import { luhnValid, redactDeep, redactText } from "./redact";

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
