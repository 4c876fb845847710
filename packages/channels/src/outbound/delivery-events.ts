/**
 * Provider delivery callbacks → one DeliveryEvent shape. Each parser checks what it can check
 * alone (a signature over the body, a timestamp's age, the payload's shape); the route does
 * the rest (Postmark's HTTP basic auth, Twilio's request signature) before calling it.
 *
 * `status`:
 *   sent        handed to the carrier (Twilio "sent")
 *   delivered   the recipient's server or handset took it (Twilio "delivered" / "read")
 *   deferred    a temporary failure; the provider keeps trying (Mailgun temporary failure,
 *               SendGrid deferred)
 *   bounced     the recipient's server refused it; `permanent` when the address is dead
 *   failed      the provider gave up or never tried (Twilio failed/undelivered, SendGrid dropped)
 *   complained  the recipient marked it as spam or unsubscribed: send them nothing more
 * `permanent` is true when sending to this recipient again cannot work, and `reason` then says
 * why, in the same words a send failure uses (SendResult.permanent).
 *
 * Events that say nothing about delivery (queued, opened, clicked, processed…) parse to null.
 * `providerId` is in the form the sender returned: Twilio's message SID, Postmark's MessageID,
 * Mailgun's id with angle brackets, SendGrid's X-Message-Id (the part of `sg_message_id`
 * before the first dot).
 */
import { err, ok, type Result } from "@baton/core";
import { verifyMailgun, type MailgunAuthError } from "../email/mailgun";
import { parseTwilioMessageStatus } from "../twilio/parse";
import type { TwilioFieldError, TwilioForm } from "../twilio/fields";
import type { PermanentReason } from "./send-common";

export type DeliveryStatus =
  "delivered" | "bounced" | "failed" | "deferred" | "complained" | "sent";

export interface DeliveryEvent {
  provider: string;
  outreachId: string | null;
  providerId: string | null;
  status: DeliveryStatus;
  permanent: boolean;
  /** Why it is permanent; null when `permanent` is false. */
  reason: PermanentReason | null;
  /** The provider's own words (error code, bounce description), for people. */
  detail: string;
  /** ISO instant the provider gives for the event, else when it was parsed. */
  at: string;
}

export interface PayloadError {
  code: "invalid_payload";
  errors: { path: string; message: string }[];
}

function payloadError(path: string, message: string): PayloadError {
  return { code: "invalid_payload", errors: [{ path, message }] };
}

function record(v: unknown): Record<string, unknown> | null {
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : null;
}

function text(v: unknown, max = 1000): string | null {
  if (typeof v === "string") return v.slice(0, max);
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return null;
}

/** An outreach id as sent: a short token; anything else is treated as absent. */
function outreachIdOf(v: unknown): string | null {
  return typeof v === "string" && /^[\w.:-]{1,200}$/.test(v) ? v : null;
}

function isoFrom(v: unknown, fallback: Date): string {
  if (typeof v === "number" && Number.isFinite(v)) return new Date(v * 1000).toISOString();
  if (typeof v === "string") {
    const ms = /^\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : Date.parse(v);
    if (Number.isFinite(ms)) return new Date(ms).toISOString();
  }
  return fallback.toISOString();
}

// ---------------------------------------------------------------------------------------------
// Twilio

/** ErrorCodes on a failed/undelivered message that make the recipient permanently unreachable. */
const TWILIO_DELIVERY_PERMANENT: Readonly<Record<string, PermanentReason>> = {
  "30003": "undeliverable",
  "30005": "undeliverable",
  "30006": "undeliverable",
  "21610": "opted_out",
  "21211": "invalid_recipient",
  "21614": "undeliverable",
};

/**
 * A Twilio message status callback (verified by the route with its X-Twilio-Signature) →
 * DeliveryEvent, or null for statuses that are not a delivery outcome (queued, accepted,
 * sending, scheduled, canceled, receiving, received). The fields are validated by
 * `parseTwilioMessageStatus`. Twilio's callback does not carry the outreach id: pass the one
 * the StatusCallback URL named.
 */
export function twilioDeliveryEvent(
  fields: TwilioForm,
  opts: { outreachId?: string | null; now?: Date } = {},
): Result<DeliveryEvent | null, TwilioFieldError[]> {
  const parsed = parseTwilioMessageStatus(fields);
  if (!parsed.ok) return parsed;
  const status = fields.get("MessageStatus") ?? "";
  const errorCode = fields.get("ErrorCode");
  const base = {
    provider: "twilio",
    outreachId: opts.outreachId ?? null,
    providerId: parsed.value.sid,
    at: (opts.now ?? new Date()).toISOString(),
  };
  switch (status) {
    case "sent":
      return ok({ ...base, status: "sent", permanent: false, reason: null, detail: "sent" });
    case "delivered":
    case "read":
      return ok({ ...base, status: "delivered", permanent: false, reason: null, detail: status });
    case "failed":
    case "undelivered": {
      const reason = errorCode ? (TWILIO_DELIVERY_PERMANENT[errorCode] ?? null) : null;
      const detail = errorCode ? `${status} (error ${errorCode})` : status;
      return ok({ ...base, status: "failed", permanent: reason !== null, reason, detail });
    }
    default:
      return ok(null);
  }
}

// ---------------------------------------------------------------------------------------------
// Postmark

/** Bounce types that mean the address will not take mail (Postmark also sets `Inactive`). */
const POSTMARK_PERMANENT_BOUNCES: Readonly<Record<string, PermanentReason>> = {
  HardBounce: "undeliverable",
  BadEmailAddress: "invalid_recipient",
  ManuallyDeactivated: "undeliverable",
  Unsubscribe: "opted_out",
  SpamNotification: "undeliverable",
  Blocked: "undeliverable",
};
/** Bounce records that are replies, not delivery failures. */
const POSTMARK_NOT_FAILURES = new Set([
  "AutoResponder",
  "Subscribe",
  "ChallengeVerification",
  "OpenRelayTest",
  "SMTPApiError",
]);

/**
 * A Postmark webhook body (Delivery, Bounce or SpamComplaint; the route checked its basic auth)
 * → DeliveryEvent; other record types (Open, Click, SubscriptionChange) → null. The outreach id
 * is `Metadata.outreachId`, which Postmark copies from the sent message.
 */
export function parsePostmarkEvent(
  json: unknown,
  now: Date = new Date(),
): Result<DeliveryEvent | null, PayloadError> {
  const body = record(json);
  if (!body) return err(payloadError("", "not a JSON object"));
  const recordType = text(body.RecordType, 64);
  if (!recordType) return err(payloadError("RecordType", "required"));
  if (!["Delivery", "Bounce", "SpamComplaint"].includes(recordType)) return ok(null);
  const providerId = text(body.MessageID, 200);
  if (!providerId) return err(payloadError("MessageID", "required"));
  const base = {
    provider: "postmark",
    outreachId: outreachIdOf(record(body.Metadata)?.outreachId),
    providerId,
  };
  if (recordType === "Delivery") {
    return ok({
      ...base,
      status: "delivered",
      permanent: false,
      reason: null,
      detail: text(body.Details) ?? "delivered",
      at: isoFrom(body.DeliveredAt, now),
    });
  }
  const type = text(body.Type, 64) ?? "";
  const at = isoFrom(body.BouncedAt ?? body.ReceivedAt, now);
  const detail = [type, text(body.Description), text(body.Details)].filter(Boolean).join(": ");
  if (recordType === "SpamComplaint") {
    return ok({ ...base, status: "complained", permanent: true, reason: "opted_out", detail, at });
  }
  if (POSTMARK_NOT_FAILURES.has(type)) return ok(null);
  const reason =
    POSTMARK_PERMANENT_BOUNCES[type] ?? (body.Inactive === true ? "undeliverable" : null);
  return ok({ ...base, status: "bounced", permanent: reason !== null, reason, detail, at });
}

// ---------------------------------------------------------------------------------------------
// Mailgun

/**
 * Delivery events are refused once their signature is older than this (the inbound route
 * accepts 9 hours, see MAILGUN_REPLAY_WINDOW_SECONDS): a replayed delivery event could change
 * an outcome. Mailgun does not document whether a retried webhook is signed again; if it is
 * not, a retry more than 15 minutes after the first attempt is refused and that event is lost.
 */
export const MAILGUN_EVENT_MAX_AGE_SECONDS = 15 * 60;

export type MailgunEventError = MailgunAuthError | PayloadError;

/** Mailgun's id with angle brackets, whichever way it came. */
function bracketed(id: string | null): string | null {
  if (!id) return null;
  const bare = id.replace(/^<|>$/g, "");
  return bare ? `<${bare}>` : null;
}

/**
 * A Mailgun webhook (JSON: `signature` + `event-data`) → DeliveryEvent after checking the
 * signature with `verifyMailgun` (hex HMAC-SHA256 of timestamp + token under the webhook
 * signing key; at most 5 minutes ahead for clock skew) and that it is at most 15 minutes old.
 * The token is not claimed here: a replay inside the window repeats an event already stored. Events: delivered, failed
 * (severity permanent → bounced and permanent, temporary → deferred), complained, unsubscribed
 * (→ complained, opted out); others → null.
 */
export async function parseMailgunEvent(
  json: unknown,
  signingKey: string,
  nowSeconds: number,
): Promise<Result<DeliveryEvent | null, MailgunEventError>> {
  const body = record(json);
  const sig = record(body?.signature);
  const fields = new Map<string, string>();
  for (const name of ["timestamp", "token", "signature"]) {
    const v = text(sig?.[name], 300);
    if (v !== null) fields.set(name, v);
  }
  const verified = await verifyMailgun(fields, signingKey, nowSeconds);
  if (!verified.ok) return verified;
  const skew = nowSeconds - verified.value.timestamp;
  if (skew > MAILGUN_EVENT_MAX_AGE_SECONDS)
    return err({ code: "stale_timestamp", skewSeconds: skew });
  const data = record(body?.["event-data"]);
  if (!data) return err(payloadError("event-data", "required"));
  const event = text(data.event, 64);
  if (!event) return err(payloadError("event-data.event", "required"));
  const headers = record(record(data.message)?.headers);
  const base = {
    provider: "mailgun",
    outreachId: outreachIdOf(record(data["user-variables"])?.outreachId),
    providerId: bracketed(text(headers?.["message-id"], 1000)),
    at: isoFrom(data.timestamp, new Date(nowSeconds * 1000)),
  };
  const status = record(data["delivery-status"]);
  const said = [text(status?.code), text(status?.message) || text(status?.description)]
    .filter(Boolean)
    .join(" ");
  switch (event) {
    case "delivered":
      return ok({ ...base, status: "delivered", permanent: false, reason: null, detail: said });
    case "failed": {
      const severity = text(data.severity, 32);
      const why = text(data.reason, 64) ?? "";
      const detail = [severity, why, said].filter(Boolean).join(": ");
      if (severity !== "permanent") {
        return ok({ ...base, status: "deferred", permanent: false, reason: null, detail });
      }
      // Mailgun's reason says why: a suppression list hit or a bounce from the recipient.
      const reason: PermanentReason =
        why === "suppress-unsubscribe" || why === "suppress-complaint"
          ? "opted_out"
          : "undeliverable";
      return ok({ ...base, status: "bounced", permanent: true, reason, detail });
    }
    case "complained":
    case "unsubscribed":
      return ok({
        ...base,
        status: "complained",
        permanent: true,
        reason: "opted_out",
        detail: event,
      });
    default:
      return ok(null);
  }
}

// ---------------------------------------------------------------------------------------------
// SendGrid

export type SendgridEventError =
  { code: "missing_signature" } | { code: "invalid_signature" } | PayloadError;

const SIGNATURE_HEADER = "x-twilio-email-event-webhook-signature";
const TIMESTAMP_HEADER = "x-twilio-email-event-webhook-timestamp";

function base64Bytes(b64: string): Uint8Array | null {
  try {
    const bin = atob(b64.replace(/\s+/g, ""));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/**
 * An ASN.1 DER ECDSA signature (`SEQUENCE { INTEGER r, INTEGER s }`) → the IEEE P1363 form
 * WebCrypto verifies (r || s, each `size` bytes, big-endian). Null when it is not one.
 */
export function derToP1363(der: Uint8Array, size = 32): Uint8Array | null {
  let i = 0;
  const byte = () => der[i++] ?? -1;
  const length = (): number => {
    const first = byte();
    if (first < 0x80) return first;
    const n = first & 0x7f;
    if (n < 1 || n > 2) return -1;
    let len = 0;
    for (let k = 0; k < n; k++) len = (len << 8) | byte();
    return len;
  };
  if (byte() !== 0x30) return null;
  const seqLen = length();
  if (seqLen < 0 || i + seqLen !== der.length) return null;
  const out = new Uint8Array(size * 2);
  for (let part = 0; part < 2; part++) {
    if (byte() !== 0x02) return null;
    const len = length();
    if (len < 1 || i + len > der.length) return null;
    let int = der.subarray(i, i + len);
    i += len;
    while (int.length > 1 && int[0] === 0) int = int.subarray(1);
    if (int.length > size) return null;
    out.set(int, part * size + (size - int.length));
  }
  return i === der.length ? out : null;
}

function header(headers: Headers | Readonly<Record<string, string>>, name: string): string | null {
  if (headers instanceof Headers) return headers.get(name);
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return null;
}

/**
 * Verifies SendGrid's Signed Event Webhook: ECDSA P-256 / SHA-256 over the timestamp header
 * followed by the raw body, the signature base64 DER in X-Twilio-Email-Event-Webhook-Signature,
 * checked against the verification key SendGrid shows (base64 SPKI).
 */
export async function verifySendgridSignature(
  raw: string | Uint8Array,
  headers: Headers | Readonly<Record<string, string>>,
  publicKey: string,
): Promise<Result<true, { code: "missing_signature" } | { code: "invalid_signature" }>> {
  const sigB64 = header(headers, SIGNATURE_HEADER);
  const timestamp = header(headers, TIMESTAMP_HEADER);
  if (!sigB64 || !timestamp) return err({ code: "missing_signature" });
  const der = base64Bytes(sigB64);
  const sig = der ? derToP1363(der) : null;
  const spki = base64Bytes(publicKey);
  if (!sig || !spki) return err({ code: "invalid_signature" });
  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey(
      "spki",
      spki,
      { name: "ECDSA", namedCurve: "P-256" },
      false,
      ["verify"],
    );
  } catch {
    return err({ code: "invalid_signature" });
  }
  const enc = new TextEncoder();
  const body = typeof raw === "string" ? enc.encode(raw) : raw;
  const ts = enc.encode(timestamp);
  const signed = new Uint8Array(ts.length + body.length);
  signed.set(ts);
  signed.set(body, ts.length);
  const valid = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, sig, signed);
  return valid ? ok(true) : err({ code: "invalid_signature" });
}

function sendgridReason(text: string): PermanentReason {
  if (/unsubscribe|spam/i.test(text)) return "opted_out";
  if (/invalid/i.test(text)) return "invalid_recipient";
  if (/bounce/i.test(text)) return "undeliverable";
  return "rejected";
}

/**
 * A SendGrid Event Webhook POST (a JSON array, signed) → its delivery events, in order:
 * delivered; bounce (type "bounce" → bounced, permanent; "blocked" → bounced, not permanent);
 * dropped (SendGrid never tried: failed, permanent, the reason from its text); deferred;
 * spamreport, unsubscribe, group_unsubscribe (→ complained, opted out). Others are left out.
 * The outreach id is the `outreachId` custom argument SendGrid copies onto each event.
 */
export async function parseSendgridEvents(
  raw: string,
  headers: Headers | Readonly<Record<string, string>>,
  publicKey: string,
  now: Date = new Date(),
): Promise<Result<DeliveryEvent[], SendgridEventError>> {
  const verified = await verifySendgridSignature(raw, headers, publicKey);
  if (!verified.ok) return verified;
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    return err(payloadError("", "not JSON"));
  }
  if (!Array.isArray(list)) return err(payloadError("", "not a JSON array"));
  const out: DeliveryEvent[] = [];
  for (const [i, item] of list.entries()) {
    const e = record(item);
    const event = text(e?.event, 64);
    if (!e || !event) return err(payloadError(`${i}.event`, "required"));
    const sgId = text(e.sg_message_id, 500);
    const base = {
      provider: "sendgrid",
      outreachId: outreachIdOf(e.outreachId),
      providerId: sgId ? (sgId.split(".")[0] ?? null) : null,
      at: isoFrom(e.timestamp, now),
    };
    const said = [text(e.status, 32), text(e.reason) ?? text(e.response)].filter(Boolean).join(" ");
    switch (event) {
      case "delivered":
        out.push({ ...base, status: "delivered", permanent: false, reason: null, detail: said });
        break;
      case "bounce": {
        const blocked = text(e.type, 32) === "blocked";
        out.push({
          ...base,
          status: "bounced",
          permanent: !blocked,
          reason: blocked ? null : "undeliverable",
          detail: [text(e.type, 32) ?? "bounce", said].filter(Boolean).join(": "),
        });
        break;
      }
      case "dropped":
        out.push({
          ...base,
          status: "failed",
          permanent: true,
          reason: sendgridReason(said),
          detail: said || "dropped",
        });
        break;
      case "deferred":
        out.push({ ...base, status: "deferred", permanent: false, reason: null, detail: said });
        break;
      case "spamreport":
      case "unsubscribe":
      case "group_unsubscribe":
        out.push({
          ...base,
          status: "complained",
          permanent: true,
          reason: "opted_out",
          detail: event,
        });
        break;
      default:
        break;
    }
  }
  return ok(out);
}
