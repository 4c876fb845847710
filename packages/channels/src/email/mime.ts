import PostalMime, { type Address, type Email } from "postal-mime";
import { err, ok } from "@baton/core";
import { messageIds, parseAddresses, parseDate, uniqueAddresses } from "./addresses";
import { sha256Hex } from "./crypto";
import { htmlToText } from "./html";
import type { CanonicalEmail, EmailAddress, EmailResult, EmailSource } from "./types";

/** The SMTP envelope, when the way in reports it (it can differ from the headers). */
export interface Envelope {
  from?: string | undefined;
  to?: readonly string[] | undefined;
}

const PARSE_OPTIONS = { attachmentEncoding: "arraybuffer", maxNestingDepth: 32 } as const;

function mailbox(a: Address | undefined): EmailAddress | null {
  const box = a?.group ? a.group[0] : a;
  const address = box?.address?.trim();
  if (!box || !address) return null;
  const name = box.name.trim();
  return name ? { address, name } : { address };
}

const flatten = (list: Address[] | undefined): EmailAddress[] =>
  (list ?? []).flatMap((a) => (a.group ? a.group : [a])).flatMap((a) => mailbox(a) ?? []);

/**
 * Maps postal-mime's parsed message to the canonical email. The From header names the
 * customer; the envelope sender is only a fallback because it is often a bounce address.
 */
export function fromParsedEmail(
  parsed: Email,
  source: EmailSource,
  fallbackId: string,
  envelope: Envelope = {},
): EmailResult<CanonicalEmail> {
  const from = mailbox(parsed.from) ?? parseAddresses(envelope.from)[0] ?? null;
  if (!from) return err({ code: "invalid_email", detail: "the message has no From address" });
  const [inReplyTo = null, ...moreParents] = messageIds(parsed.inReplyTo);
  const envelopeTo = (envelope.to ?? []).flatMap((t) => parseAddresses(t));
  return ok({
    source,
    messageId: messageIds(parsed.messageId)[0] ?? null,
    inReplyTo,
    references: [...new Set([...messageIds(parsed.references), ...moreParents])],
    from,
    to: uniqueAddresses(flatten(parsed.to), flatten(parsed.cc), envelopeTo),
    subject: parsed.subject ?? "",
    text: parsed.text ?? (parsed.html ? htmlToText(parsed.html) : ""),
    ...(parsed.html !== undefined ? { html: parsed.html } : {}),
    date: parseDate(parsed.date),
    attachments: parsed.attachments.map((a) => ({
      name: a.filename,
      type: a.mimeType,
      size: typeof a.content === "string" ? a.content.length : a.content.byteLength,
    })),
    fallbackId,
  });
}

/**
 * Parses a raw RFC 5322 message (Cloudflare Email Routing, SendGrid's "raw" mode) with
 * postal-mime. Idempotency falls back to a hash of the raw bytes when there is no Message-ID.
 */
export async function parseRawEmail(
  raw: Uint8Array,
  source: EmailSource,
  envelope: Envelope = {},
): Promise<EmailResult<CanonicalEmail>> {
  let parsed: Email;
  try {
    parsed = await PostalMime.parse(raw, PARSE_OPTIONS);
  } catch (e) {
    const detail = e instanceof Error ? e.message : "unreadable MIME message";
    return err({ code: "malformed_payload", detail: `MIME: ${detail}`.slice(0, 300) });
  }
  return fromParsedEmail(parsed, source, `sha256:${await sha256Hex(raw)}`, envelope);
}

/**
 * Threading headers from a raw header block (SendGrid's parsed mode sends the headers as one
 * text field), parsed by postal-mime rather than by hand so folding and encoded words work.
 */
export async function parseHeaderBlock(headers: string): Promise<Email | null> {
  try {
    return await PostalMime.parse(`${headers.replace(/\s+$/, "")}\r\n\r\n`, PARSE_OPTIONS);
  } catch {
    return null;
  }
}

/**
 * Reads a stream up to `max` bytes. Returns null (and cancels the stream) as soon as it grows
 * past the bound, so an oversized message never sits in memory whole.
 */
export async function readLimited(
  stream: ReadableStream<Uint8Array>,
  max: number,
): Promise<Uint8Array | null> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel("too large");
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
