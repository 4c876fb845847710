import { err, ok } from "@baton/core";
import { messageIds, parseAddress, parseAddresses, parseDate, uniqueAddresses } from "./addresses";
import { sha256Hex } from "./crypto";
import { htmlToText } from "./html";
import type { AttachmentMeta, CanonicalEmail, EmailAddress, EmailResult } from "./types";

// Postmark's inbound JSON is read field by field rather than through a strict schema: Postmark
// adds fields over time, and a new field must never turn a customer's email into a 4xx.

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown): Record<string, unknown>[] =>
  Array.isArray(v) ? v.filter(isObject) : [];

/** `FromFull`/`ToFull` entries: `{ Email, Name, MailboxHash }`. */
function fullAddress(v: unknown): EmailAddress | null {
  if (!isObject(v)) return null;
  const address = str(v.Email)?.trim();
  if (!address) return null;
  const name = str(v.Name)?.trim();
  return name ? { address, name } : { address };
}

/** The value of a header from Postmark's `Headers: [{ Name, Value }]` (case-insensitive). */
function header(headers: Record<string, unknown>[], name: string): string | undefined {
  const wanted = name.toLowerCase();
  return str(headers.find((h) => str(h.Name)?.toLowerCase() === wanted)?.Value);
}

/**
 * Postmark inbound webhook JSON → canonical email. The Message-ID, In-Reply-To and References
 * come from `Headers` (Postmark's own `MessageID` is its id for the delivery, used only as the
 * idempotency fallback when the message has no Message-ID header).
 */
export async function fromPostmark(payload: unknown): Promise<EmailResult<CanonicalEmail>> {
  if (!isObject(payload)) return err({ code: "invalid_email", detail: "expected a JSON object" });
  const headers = list(payload.Headers);
  const from = fullAddress(payload.FromFull) ?? parseAddress(str(payload.From));
  if (!from) return err({ code: "invalid_email", detail: "FromFull.Email: missing" });
  const postmarkId = str(payload.MessageID)?.trim();
  const [inReplyTo = null, ...moreParents] = messageIds(header(headers, "In-Reply-To"));
  const recipients = (field: string, fallback: string) => {
    const full = list(payload[field]).flatMap((a) => fullAddress(a) ?? []);
    return full.length > 0 ? full : parseAddresses(str(payload[fallback]));
  };
  const html = str(payload.HtmlBody);
  const textBody = str(payload.TextBody) ?? "";
  const attachments: AttachmentMeta[] = list(payload.Attachments).map((a) => ({
    name: str(a.Name) ?? null,
    type: str(a.ContentType) ?? "application/octet-stream",
    size: typeof a.ContentLength === "number" ? a.ContentLength : 0,
  }));
  const stripped = str(payload.StrippedTextReply);
  // A redelivery repeats the same message, so its own fields hash the same when Postmark's id
  // is missing (not the whole payload: a deeply nested extra field could make stringify throw).
  const stable = [from.address, str(payload.Subject), str(payload.Date), textBody];
  const fallbackId = postmarkId
    ? `postmark:${postmarkId.slice(0, 100)}`
    : `sha256:${await sha256Hex(JSON.stringify(stable))}`;
  return ok({
    source: "postmark",
    messageId: messageIds(header(headers, "Message-ID"))[0] ?? null,
    inReplyTo,
    references: [...new Set([...messageIds(header(headers, "References")), ...moreParents])],
    from,
    to: uniqueAddresses(
      recipients("ToFull", "To"),
      recipients("CcFull", "Cc"),
      parseAddresses(str(payload.OriginalRecipient)),
    ),
    subject: str(payload.Subject) ?? "",
    text: textBody.trim() || !html ? textBody : htmlToText(html),
    ...(stripped ? { providerStripped: stripped } : {}),
    ...(html ? { html } : {}),
    date: parseDate(str(payload.Date) ?? header(headers, "Date")),
    attachments,
    fallbackId,
  });
}
