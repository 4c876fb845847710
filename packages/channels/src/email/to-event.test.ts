import { EventInput, LIMITS } from "@baton/core";
import { describe, expect, it } from "vitest";
import { emailToEvent } from "./to-event";
import type { CanonicalEmail } from "./types";

const NOW = new Date("2026-03-03T10:00:00Z");

function email(over: Partial<CanonicalEmail> = {}): CanonicalEmail {
  return {
    source: "postmark",
    messageId: "<m2@mail.example.com>",
    inReplyTo: "<m1@help.example.com>",
    references: ["<m0@help.example.com>", "<m1@help.example.com>"],
    from: { address: "jane@example.com", name: "Jane Doe" },
    to: [{ address: "support@help.example.com" }, { address: "reply+acme.Tok9@help.example.com" }],
    subject: "Re: Double charge",
    text: "Still broken.\n\nOn Mon, 2 Mar 2026, Support <s@help.example.com> wrote:\n> Fixed?",
    date: "2026-03-03T09:59:00.000Z",
    attachments: [{ name: "bill.pdf", type: "application/pdf", size: 1234 }],
    fallbackId: "postmark:abc",
    ...over,
  };
}

describe("email → event", () => {
  it("threads on Message-ID, In-Reply-To, References and reply tokens", async () => {
    const { input, idempotencyKey } = await emailToEvent(email(), NOW);
    expect(input.threadRefs).toEqual([
      "email:<m2@mail.example.com>",
      "email:<m1@help.example.com>",
      "reply:acme.tok9",
      "email:<m0@help.example.com>",
    ]);
    expect(idempotencyKey).toBe("email:<m2@mail.example.com>");
    expect(EventInput.safeParse(input).success).toBe(true);
  });

  it("is an inbound customer message from the sender, with the stripped text and the original kept", async () => {
    const { input } = await emailToEvent(email(), NOW);
    expect(input).toMatchObject({
      channel: "email",
      direction: "inbound",
      type: "message",
      actor: { kind: "customer", name: "Jane Doe" },
      identifiers: [{ type: "email", value: "jane@example.com" }],
      text: "Still broken.",
      occurredAt: "2026-03-03T09:59:00.000Z",
      data: {
        subject: "Re: Double charge",
        originalText: email().text,
        attachments: [{ name: "bill.pdf", type: "application/pdf", size: 1234 }],
      },
    });
  });

  it("falls back to a hash-based key without a Message-ID, and ignores a Date far off", async () => {
    const { input, idempotencyKey } = await emailToEvent(
      email({ messageId: null, date: "2020-01-01T00:00:00.000Z" }),
      NOW,
    );
    expect(idempotencyKey).toBe("email-postmark:abc");
    expect(input.occurredAt).toBeUndefined();
    expect(input.threadRefs?.[0]).toBe("email:<m1@help.example.com>");
  });

  it("bounds a huge email: text truncated and flagged, data within its byte budget", async () => {
    const huge = `${"é".repeat(20_000)} 4111 1111 1111 1111\n> quoted`;
    const { input } = await emailToEvent(email({ text: huge, subject: "x".repeat(5000) }), NOW);
    expect(input.text?.length).toBeLessThanOrEqual(LIMITS.textChars);
    expect(input.data).toMatchObject({ textTruncated: true, originalTextTruncated: true });
    expect(new TextEncoder().encode(JSON.stringify(input.data)).length).toBeLessThanOrEqual(
      LIMITS.dataBytes,
    );
    expect(EventInput.safeParse(input).success).toBe(true);
  });

  it("never keeps half a card number at a truncation point", async () => {
    const text = `${"a".repeat(LIMITS.textChars - 10)} 4111 1111 1111 1111`;
    const { input } = await emailToEvent(email({ text }), NOW);
    expect(input.text).not.toMatch(/\d/);
  });

  it("uses the subject when the body is empty, and keeps at most 50 thread refs", async () => {
    const references = Array.from({ length: 80 }, (_, i) => `<r${i}@x.example>`);
    const { input } = await emailToEvent(email({ text: "", references }), NOW);
    expect(input.text).toBe("Re: Double charge");
    expect(input.threadRefs).toHaveLength(LIMITS.threadRefs);
    expect(input.threadRefs).toContain("email:<r0@x.example>");
    expect(input.threadRefs).toContain("email:<r79@x.example>");
  });
});
