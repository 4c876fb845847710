import { err, ok, type Result } from "@baton/core";
import { messageIds, parseAddress, parseAddresses, parseDate, uniqueAddresses } from "./addresses";
import { hmacSha256Hex, sha256Hex, timingSafeEqual } from "./crypto";
import { htmlToText } from "./html";
import type { AttachmentMeta, CanonicalEmail, EmailResult } from "./types";

/**
 * Mailgun signs only `timestamp + token`, and does not document whether a retry is signed again.
 * It retries for about 8 hours (5, 10, 15 min, 1, 2, 4 h), so a signature up to 9 hours old is
 * accepted: a retry carrying the first attempt's signature must not be refused. A replay inside
 * that window stores nothing, because each token is bound to its one message and settled with
 * the stored event (workers/relay/src/ingest/email-hooks.ts). A timestamp ahead of our clock is
 * clock skew only.
 */
export const MAILGUN_REPLAY_WINDOW_SECONDS = 9 * 3600;
/** How far ahead of our clock a signed timestamp may be. */
export const MAILGUN_MAX_AHEAD_SECONDS = 300;

export type MailgunAuthError =
  | { code: "missing_signature" }
  | { code: "invalid_signature" }
  | { code: "stale_timestamp"; skewSeconds: number };

/**
 * Verifies a Mailgun webhook signature: hex HMAC-SHA256 of `timestamp + token` under the
 * domain's HTTP webhook signing key, and a timestamp at most 9 hours before `nowSeconds` and 5
 * minutes after it.
 * The token must then be claimed once (see workers/relay/src/ingest/email-hooks.ts), which this
 * pure check cannot do.
 */
export async function verifyMailgun(
  fields: ReadonlyMap<string, string>,
  signingKey: string,
  nowSeconds: number,
): Promise<Result<{ token: string; timestamp: number }, MailgunAuthError>> {
  const timestamp = fields.get("timestamp") ?? "";
  const token = fields.get("token") ?? "";
  const signature = fields.get("signature") ?? "";
  if (!/^\d{1,12}$/.test(timestamp) || !/^[\x21-\x7e]{1,256}$/.test(token) || !signature) {
    return err({ code: "missing_signature" });
  }
  const expected = await hmacSha256Hex(signingKey, timestamp + token);
  if (!(await timingSafeEqual(expected, signature.toLowerCase()))) {
    return err({ code: "invalid_signature" });
  }
  const skew = nowSeconds - Number(timestamp);
  if (skew > MAILGUN_REPLAY_WINDOW_SECONDS || -skew > MAILGUN_MAX_AHEAD_SECONDS) {
    return err({ code: "stale_timestamp", skewSeconds: skew });
  }
  return ok({ token, timestamp: Number(timestamp) });
}

/**
 * A header Mailgun posted: as its own field (Mailgun posts every MIME header as a field, with
 * the header's own capitalization), else from the `message-headers` JSON list of pairs.
 */
function mailgunHeader(fields: ReadonlyMap<string, string>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of fields) if (k.toLowerCase() === wanted) return v;
  let pairs: unknown;
  try {
    pairs = JSON.parse(fields.get("message-headers") ?? "[]");
  } catch {
    return undefined;
  }
  if (!Array.isArray(pairs)) return undefined;
  for (const pair of pairs) {
    if (Array.isArray(pair) && String(pair[0]).toLowerCase() === wanted) {
      return typeof pair[1] === "string" ? pair[1] : undefined;
    }
  }
  return undefined;
}

/**
 * A Mailgun route's "forward" POST (fully parsed mode) → canonical email. `attachments` are
 * the file parts' metadata when the POST was multipart. Mailgun has no stable delivery id (each
 * retry carries a new token), so the idempotency fallback hashes the message's own fields.
 */
export async function fromMailgun(
  fields: ReadonlyMap<string, string>,
  attachments: AttachmentMeta[] = [],
): Promise<EmailResult<CanonicalEmail>> {
  const from = parseAddress(fields.get("from")) ?? parseAddress(fields.get("sender"));
  if (!from) return err({ code: "invalid_email", detail: "from: missing" });
  const [inReplyTo = null, ...moreParents] = messageIds(mailgunHeader(fields, "In-Reply-To"));
  const html = fields.get("body-html") ?? fields.get("stripped-html");
  const plain = fields.get("body-plain") ?? "";
  const stripped = fields.get("stripped-text");
  const dateHeader = mailgunHeader(fields, "Date");
  const stable = [from.address, fields.get("subject"), dateHeader, plain, fields.get("recipient")];
  return ok({
    source: "mailgun",
    messageId: messageIds(mailgunHeader(fields, "Message-Id"))[0] ?? null,
    inReplyTo,
    references: [...new Set([...messageIds(mailgunHeader(fields, "References")), ...moreParents])],
    from,
    to: uniqueAddresses(
      parseAddresses(mailgunHeader(fields, "To")),
      parseAddresses(mailgunHeader(fields, "Cc")),
      parseAddresses(fields.get("recipient")),
    ),
    subject: fields.get("subject") ?? mailgunHeader(fields, "Subject") ?? "",
    text: plain.trim() || !html ? plain : htmlToText(html),
    ...(stripped ? { providerStripped: stripped } : {}),
    ...(html ? { html } : {}),
    date: parseDate(dateHeader) ?? parseDate(timestampDate(fields.get("timestamp"))),
    attachments,
    fallbackId: `sha256:${await sha256Hex(JSON.stringify(stable))}`,
  });
}

function timestampDate(ts: string | undefined): string | null {
  return ts && /^\d{1,12}$/.test(ts) ? new Date(Number(ts) * 1000).toISOString() : null;
}
