import { describe, expect, it } from "vitest";
import { stripQuoted } from "./quotes";

describe("quote stripping", () => {
  it("drops Gmail's wrapped attribution and the quoted history under it", () => {
    const gmail = [
      "Still charged twice, see attached.",
      "",
      "Thanks,",
      "Jane",
      "",
      "On Mon, Mar 2, 2026 at 4:05 PM Baton Support <reply+acme.k3j4h5@help.example.com>",
      "wrote:",
      "",
      "> Hi Jane, we have requested a refund.",
      ">",
      "> > Original complaint here",
    ].join("\r\n");
    expect(stripQuoted(gmail)).toBe("Still charged twice, see attached.\n\nThanks,\nJane");
  });

  it("drops Outlook's From/Sent header block and everything below", () => {
    const outlook = [
      "Please call me after 5pm.",
      "",
      "________________________________",
      "From: Baton Support <support@help.example.com>",
      "Sent: Monday, March 2, 2026 4:05 PM",
      "To: Jane Doe <jane@example.com>",
      "Subject: RE: Double charge",
      "",
      "Hi Jane, we have requested a refund.",
    ].join("\r\n");
    expect(stripQuoted(outlook)).toBe("Please call me after 5pm.");
  });

  it("drops an Outlook header block without the rule line, and -----Original Message-----", () => {
    expect(
      stripQuoted("Yes.\n\nFrom: Support <s@x.example>\nSent: Tuesday\nTo: me\n\nold text"),
    ).toBe("Yes.");
    expect(stripQuoted("Got it.\n-----Original Message-----\nFrom: Support\nold text")).toBe(
      "Got it.",
    );
  });

  it("drops Apple Mail's attribution and the signature", () => {
    const apple = [
      "The technician never came.",
      "",
      "-- ",
      "Jane Doe",
      "+1 415 555 0100",
      "",
      "> On 2 Mar 2026, at 16:05, Baton Support <support@help.example.com> wrote:",
      "> ",
      "> Your visit is booked for Tuesday.",
    ].join("\n");
    expect(stripQuoted(apple)).toBe("The technician never came.");
    expect(
      stripQuoted(
        "Sounds good\n\nSent from my iPhone\n\nOn 2 Mar 2026, at 16:05, Support <s@x.example> wrote:\n\n> hi",
      ),
    ).toBe("Sounds good");
  });

  it("keeps inline answers between quotes", () => {
    const inline = [
      "On Mon, Mar 2, 2026 at 4:05 PM Support <s@x.example> wrote:",
      "> What is your account number?",
      "12345",
      "> And your postcode?",
      "SW1A 1AA",
    ].join("\n");
    expect(stripQuoted(inline)).toBe("12345\nSW1A 1AA");
  });

  it("returns the full text when everything is quoted, and leaves plain text alone", () => {
    expect(stripQuoted("> only a quote")).toBe("> only a quote");
    expect(stripQuoted("On Monday the router broke.\nIt still is.")).toBe(
      "On Monday the router broke.\nIt still is.",
    );
  });
});
