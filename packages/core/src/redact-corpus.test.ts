import { describe, expect, it } from "vitest";
import { luhnValid, redactText } from "./redact";

/**
 * Real-world forms of card numbers as customers and agents type them. Every test number is a
 * published processor test card; the first test proves each one passes Luhn, so a typo here
 * cannot make a case pass for the wrong reason.
 */
const CARDS = {
  visa: "4111111111111111",
  visa2: "4012888888881881",
  visa13: "4222222222222",
  visa4242: "4242424242424242",
  mastercard: "5555555555554444",
  mastercard2: "5105105105105100",
  mastercard2series: "2223003122003222",
  amex: "378282246310005",
  amex2: "371449635398431",
  discover: "6011111111111117",
  diners: "30569309025904",
  diners2: "38520000023237",
  jcb: "3530111333300000",
  unionpay: "6200000000000005",
  unionpay19: "6205500000000000004",
  maestro: "6759649826438453",
  maestro19: "6799990100000000019",
  laser19: "6304000000000000000",
} as const;

const m = (last4: string) => `[card ••••${last4}]`;

/** [input, expected output, how many cards]. */
const REDACTED: [string, string, number][] = [
  // Expiry and CVV right after the card: they must survive.
  ["4111111111111111 12/25", `${m("1111")} 12/25`, 1],
  ["4111 1111 1111 1111 12/25", `${m("1111")} 12/25`, 1],
  ["4111-1111-1111-1111 exp 12/25 cvv 123", `${m("1111")} exp 12/25 cvv 123`, 1],
  ["4111 1111 1111 1111 123", `${m("1111")} 123`, 1],
  ["5555555555554444 123", `${m("4444")} 123`, 1],
  ["4012888888881881 09/27 321", `${m("1881")} 09/27 321`, 1],
  ["4111111111111111-123", `${m("1111")}-123`, 1],
  ["4111111111111111/12/25", `${m("1111")}/12/25`, 1],
  ["3782 822463 10005 1234", `${m("0005")} 1234`, 1], // Amex and its 4-digit CID
  ["3852 000002 3237 987", `${m("3237")} 987`, 1], // Diners and CVV
  // Neighbouring numbers before the card: room, reference, expiry, amount.
  ["room 1204 4111 1111 1111 1111", `room 1204 ${m("1111")}`, 1],
  ["ref 7-4111111111111111", `ref 7-${m("1111")}`, 1],
  ["Order 12-5555555555554444 please", `Order 12-${m("4444")} please`, 1],
  ["ticket 2024-4111111111111111", `ticket 2024-${m("1111")}`, 1],
  ["exp 12/25 4111 1111 1111 1111", `exp 12/25 ${m("1111")}`, 1],
  ["paid 12.50 4111 1111 1111 1111", `paid 12.50 ${m("1111")}`, 1],
  // Card schemes and their groupings.
  ["3782 822463 10005", m("0005"), 1], // Amex 4-6-5
  ["3714 496353 98431 exp 04/28", `${m("8431")} exp 04/28`, 1],
  [CARDS.amex, m("0005"), 1],
  ["3056 930902 5904", m("5904"), 1], // Diners 4-6-4
  [CARDS.diners, m("5904"), 1],
  ["6205 5000 0000 0000 004", m("0004"), 1], // 19 digits, 4-4-4-4-3
  [CARDS.maestro19, m("0019"), 1],
  ["6304 0000 0000 0000 000", m("0000"), 1],
  ["6759 6498 2643 8453", m("8453"), 1],
  ["6011 1111 1111 1117", m("1117"), 1],
  ["3530 1113 3330 0000", m("0000"), 1],
  ["6200 0000 0000 0005", m("0005"), 1],
  ["2223 0031 2200 3222", m("3222"), 1],
  [CARDS.visa13, m("2222"), 1],
  // Separators: dashes, dots, spaces, mixed.
  ["4111.1111.1111.1111", m("1111"), 1],
  ["4111-1111 1111.1111", m("1111"), 1],
  ["5105-1051-0510-5100", m("5100"), 1],
  // Punctuation, brackets, quotes, position in the text.
  ["(4111111111111111)", `(${m("1111")})`, 1],
  ['"5555 5555 5555 4444"', `"${m("4444")}"`, 1],
  ["[5105-1051-0510-5100 08/26]", `[${m("5100")} 08/26]`, 1],
  ["4111111111111111 is my card", `${m("1111")} is my card`, 1],
  ["my card is 4111111111111111", `my card is ${m("1111")}`, 1],
  [CARDS.visa, m("1111"), 1],
  ["Charge 4242 4242 4242 4242.", `Charge ${m("4242")}.`, 1],
  ["4242424242424242, exp 12/26", `${m("4242")}, exp 12/26`, 1],
  ["card:4111111111111111", `card:${m("1111")}`, 1],
  ["PAN#4111111111111111", `PAN#${m("1111")}`, 1],
  ["カード4111111111111111です", `カード${m("1111")}です`, 1],
  ["Card:\n4111 1111 1111 1111\nExp: 12/25", `Card:\n${m("1111")}\nExp: 12/25`, 1],
  [
    "https://pay.example/?pan=4111111111111111&cvv=123",
    `https://pay.example/?pan=${m("1111")}&cvv=123`,
    1,
  ],
  // Two cards in one text, including two runs joined by a single space.
  ["4111 1111 1111 1111 and 5555 5555 5555 4444", `${m("1111")} and ${m("4444")}`, 2],
  ["4111111111111111 5555555555554444", `${m("1111")} ${m("4444")}`, 2],
  // JSON-ish strings.
  ['{"card":"4111111111111111","exp":"12/25"}', `{"card":"${m("1111")}","exp":"12/25"}`, 1],
  ['{"pan": "4111 1111 1111 1111", "cvv": "123"}', `{"pan": "${m("1111")}", "cvv": "123"}`, 1],
];

/** Digits that are not card numbers: they must come out exactly as they went in. */
const KEPT: [string, string][] = [
  ["order 4111111111111112", "16 digits failing Luhn"],
  ["Order 1234-5678-9012-3456", "grouped order number failing Luhn in every window"],
  ["ref 41111111111111111234567", "23 unbroken digits, a Luhn-valid card inside is not searched"],
  ["12345678901234567890", "20 unbroken digits"],
  ["ref 4111111111111111111111", "a 22-digit reference"],
  ["+14155552671", "E.164 phone"],
  ["+1 415 555 2671", "US phone, international format"],
  ["(415) 555-2671", "US phone, national format"],
  ["+44 20 7946 0958", "UK phone"],
  ["020 7946 0958", "UK phone, national format"],
  ["+33 1 23 45 67 89", "French phone"],
  ["+86 138 0013 8000", "Chinese mobile, 13 digits failing Luhn"],
  ["+91 98765 43210", "Indian mobile"],
  ["2024-01-15", "ISO date"],
  ["15.01.2024", "European date"],
  ["2024-01-15 10:30:00", "date and time"],
  ["23:59:59", "time"],
  ["$1,234.56", "amount"],
  ["1.234.567,89 €", "European amount"],
  ["USD 12345.67", "amount with decimals"],
  ["192.168.100.200", "IPv4 address"],
  ["10.0.0.1", "short IPv4 address"],
  ["2001:db8::1", "IPv6 address"],
  ["1Z999AA10123456784", "UPS tracking number"],
  ["7749 1234 5678", "FedEx tracking number (12 digits)"],
  ["9405 5036 9930 0154 9812 72", "USPS tracking number failing Luhn in every window"],
  ["978-3-16-148410-0", "ISBN-13"],
  ["123e4567-e89b-12d3-a456-426614174000", "UUID"],
  ["already redacted [card ••••1111]", "a marker is not redacted again"],
  ["4111  1111  1111  1111", "double spaces are not a single separator"],
];

describe("card number corpus", () => {
  it("uses test numbers that really pass Luhn", () => {
    for (const [name, digits] of Object.entries(CARDS)) {
      expect(luhnValid(digits), name).toBe(true);
      expect(digits.length, name).toBeGreaterThanOrEqual(13);
      expect(digits.length, name).toBeLessThanOrEqual(19);
    }
  });

  it("has at least 40 forms to redact", () => {
    expect(REDACTED.length).toBeGreaterThanOrEqual(40);
  });

  it.each(REDACTED)("redacts %j, keeping the neighbouring digits", (input, expected, count) => {
    expect(redactText(input)).toEqual({ text: expected, count });
  });

  it.each(KEPT)("keeps %j untouched (%s)", (input) => {
    expect(redactText(input)).toEqual({ text: input, count: 0 });
  });

  it("keeps no card digits in any redacted form", () => {
    for (const [input] of REDACTED) {
      const out = redactText(input).text;
      for (const digits of Object.values(CARDS)) {
        expect(out.replace(/[ .-]/g, ""), input).not.toContain(digits);
      }
    }
  });
});
