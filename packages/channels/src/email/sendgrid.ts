import { err, ok } from "@baton/core";
import { messageIds, parseAddress, parseAddresses, parseDate, uniqueAddresses } from "./addresses";
import { decodeCharset } from "./charset";
import { sha256Hex } from "./crypto";
import { htmlToText } from "./html";
import { parseHeaderBlock, parseRawEmail, type Envelope } from "./mime";
import type { FormPart } from "./multipart";
import type { CanonicalEmail, EmailResult } from "./types";

const utf8 = new TextDecoder();

function jsonObject(text: string | undefined): Record<string, unknown> | null {
  if (!text) return null;
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** SendGrid's `envelope` field: `{"to":["…"],"from":"…"}`, the SMTP envelope. */
function envelopeOf(text: string | undefined): Envelope {
  const v = jsonObject(text);
  if (!v) return {};
  const to = Array.isArray(v.to) ? v.to.filter((t): t is string => typeof t === "string") : [];
  return { to, ...(typeof v.from === "string" ? { from: v.from } : {}) };
}

/**
 * SendGrid Inbound Parse (multipart/form-data) → canonical email.
 *
 * In the default parsed mode each text field arrives in the sender's charset, and the
 * `charsets` field (`{"text":"iso-8859-1","subject":"UTF-8",…}`) names it per field; every
 * field is decoded from its raw bytes with that charset. With "POST the raw, full MIME
 * message" on, the `email` field holds the whole message and postal-mime parses it.
 */
export async function fromSendGrid(
  parts: readonly FormPart[],
): Promise<EmailResult<CanonicalEmail>> {
  const fields = new Map<string, Uint8Array>();
  for (const p of parts)
    if (p.filename === null && !fields.has(p.name)) fields.set(p.name, p.bytes);
  const charsets = jsonObject(utf8.decode(fields.get("charsets") ?? new Uint8Array()));
  const field = (name: string): string | undefined => {
    const bytes = fields.get(name);
    if (!bytes) return undefined;
    const cs = charsets?.[name];
    return decodeCharset(bytes, typeof cs === "string" ? cs : "utf-8");
  };
  const envelope = envelopeOf(field("envelope"));
  const raw = fields.get("email");
  if (raw) return parseRawEmail(raw, "sendgrid", envelope);

  const headers = field("headers") ?? "";
  const parsed = await parseHeaderBlock(headers);
  const from = parseAddress(field("from")) ?? parseAddress(envelope.from);
  if (!from) return err({ code: "invalid_email", detail: "from: missing" });
  const [inReplyTo = null, ...moreParents] = messageIds(parsed?.inReplyTo);
  const html = field("html");
  const text = field("text") ?? "";
  const fallback = await sha256Hex(`${headers}\n\n${text}`);
  return ok({
    source: "sendgrid",
    messageId: messageIds(parsed?.messageId)[0] ?? null,
    inReplyTo,
    references: [...new Set([...messageIds(parsed?.references), ...moreParents])],
    from,
    to: uniqueAddresses(
      parseAddresses(field("to")),
      parseAddresses(field("cc")),
      (envelope.to ?? []).flatMap((t) => parseAddresses(t)),
    ),
    subject: field("subject") ?? parsed?.subject ?? "",
    text: text.trim() || !html ? text : htmlToText(html),
    ...(html ? { html } : {}),
    date: parseDate(parsed?.date),
    attachments: parts
      .filter((p) => p.filename !== null)
      .map((p) => ({
        name: p.filename,
        type: p.contentType ?? "application/octet-stream",
        size: p.bytes.byteLength,
      })),
    fallbackId: `sha256:${fallback}`,
  });
}
