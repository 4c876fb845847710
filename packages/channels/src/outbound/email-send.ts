/**
 * Sending one plain-text email through Postmark, Mailgun or SendGrid.
 *
 * Baton sets the threading headers itself (Message-ID, In-Reply-To, References) so a reply
 * finds its journey whichever provider carried the message, and tags every message with the
 * outreach id (Postmark `Metadata`, Mailgun `v:` user variable, SendGrid `custom_args`), which
 * the provider hands back on every delivery event (delivery-events.ts).
 *
 * Before any call the message is checked: a CR or LF in any header value (header injection), a
 * Message-ID that is not `<left@right>`, or a recipient that is not one plain address is
 * refused locally (`rejected` / `invalid_recipient`, httpStatus null), so nothing is sent.
 *
 * Classification of answers (see send-common.ts for the retry rule):
 *   Postmark  200 {ErrorCode: 0, MessageID}; 422 ErrorCode 406 inactive recipient → undeliverable,
 *             300 invalid request → invalid_recipient (rejected when it names the From/Reply-To
 *             address), 10 / HTTP 401 bad server token → auth, other codes → rejected.
 *   Mailgun   200 {id: "<…@domain>", message}; 401 → auth; a 400 naming the `to` parameter →
 *             invalid_recipient; other 4xx → rejected.
 *   SendGrid  202 with an X-Message-Id header; 401 and 403 (key lacks the permission, or the
 *             From address is not a verified sender: account set-up either way) → auth; a 400
 *             whose error names a `to` field → invalid_recipient; other 4xx → rejected.
 * 429 and 5xx are retryable for all three.
 */
import {
  baseUrl,
  basicAuth,
  callProvider,
  excerpt,
  failure,
  isRetryableStatus,
  jsonObject,
  str,
  unreadableSuccess,
  type FetchLike,
  type SendResult,
} from "./send-common";

export const POSTMARK_API_BASE = "https://api.postmarkapp.com";
export const MAILGUN_API_BASE = "https://api.mailgun.net";
export const SENDGRID_API_BASE = "https://api.sendgrid.com";

interface CommonConfig {
  /** Another base URL (Mailgun's EU region, a stand-in in tests). */
  apiBaseUrl?: string;
  /** Default 10 s. */
  timeoutMs?: number;
}

export type EmailSendConfig =
  | ({ provider: "postmark"; serverToken: string; messageStream?: string } & CommonConfig)
  | ({ provider: "mailgun"; apiKey: string; domain: string } & CommonConfig)
  | ({ provider: "sendgrid"; apiKey: string } & CommonConfig);

export interface OutboundEmail {
  /** Bare address (`updates@example.com`). */
  from: string;
  fromName?: string;
  /** One bare address. */
  to: string;
  subject: string;
  text: string;
  /** `<…@domain>`: Baton's own id, so replies thread back. */
  messageId: string;
  replyTo: string;
  inReplyTo?: string | null;
  references?: string[];
  /** The List-Unsubscribe value as written (`<https://…>, <mailto:…>`). */
  listUnsubscribe?: string;
  /** The outreach id; comes back on every delivery event. */
  tag: string;
}

const MESSAGE_ID = /^<[^<>\s@]{1,450}@[^<>\s@]{1,450}>$/;
const ADDRESS = /^[^\s@<>,;"]{1,64}@[^\s@<>,;"]{1,255}$/;
const LINE_BREAK = /[\r\n]/;

/** Sends one email. Never throws: every outcome is a SendResult. */
export async function sendEmail(
  cfg: EmailSendConfig,
  msg: OutboundEmail,
  f: FetchLike = fetch,
): Promise<SendResult> {
  const invalid = checkMessage(msg);
  if (invalid) return invalid;
  switch (cfg.provider) {
    case "postmark":
      return sendPostmark(cfg, msg, f);
    case "mailgun":
      return sendMailgun(cfg, msg, f);
    case "sendgrid":
      return sendSendgrid(cfg, msg, f);
  }
}

function checkMessage(msg: OutboundEmail): SendResult | null {
  if (!ADDRESS.test(msg.to)) {
    return failure(false, "invalid_recipient", null, "invalid_message", "to: not one address");
  }
  const headers: [string, string | null | undefined][] = [
    ["from", msg.from],
    ["fromName", msg.fromName],
    ["subject", msg.subject],
    ["replyTo", msg.replyTo],
    ["inReplyTo", msg.inReplyTo],
    ["references", msg.references?.join(" ")],
    ["listUnsubscribe", msg.listUnsubscribe],
    ["tag", msg.tag],
  ];
  for (const [name, value] of headers) {
    if (value && LINE_BREAK.test(value)) {
      return failure(false, "rejected", null, "invalid_message", `${name}: contains a line break`);
    }
  }
  if (!ADDRESS.test(msg.from) || !ADDRESS.test(msg.replyTo)) {
    return failure(false, "rejected", null, "invalid_message", "from / replyTo: not one address");
  }
  const ids = [msg.messageId, ...(msg.inReplyTo ? [msg.inReplyTo] : []), ...(msg.references ?? [])];
  if (!ids.every((id) => MESSAGE_ID.test(id))) {
    return failure(false, "rejected", null, "invalid_message", "message ids must be <left@right>");
  }
  return null;
}

/** `"Name" <address>`, the name quoted (RFC 5322 quoted-string), or the bare address. */
export function formatFrom(address: string, name?: string): string {
  if (!name) return address;
  return `"${name.replace(/[\\"]/g, (c) => `\\${c}`)}" <${address}>`;
}

/** The threading and unsubscribe headers, in order, only those that have a value. */
function extraHeaders(msg: OutboundEmail): [string, string][] {
  const out: [string, string][] = [["Message-ID", msg.messageId]];
  if (msg.inReplyTo) out.push(["In-Reply-To", msg.inReplyTo]);
  if (msg.references && msg.references.length > 0) {
    out.push(["References", msg.references.join(" ")]);
  }
  if (msg.listUnsubscribe) out.push(["List-Unsubscribe", msg.listUnsubscribe]);
  return out;
}

async function sendPostmark(
  cfg: Extract<EmailSendConfig, { provider: "postmark" }>,
  msg: OutboundEmail,
  f: FetchLike,
): Promise<SendResult> {
  const body = {
    From: formatFrom(msg.from, msg.fromName),
    To: msg.to,
    Subject: msg.subject,
    TextBody: msg.text,
    ReplyTo: msg.replyTo,
    Headers: extraHeaders(msg).map(([Name, Value]) => ({ Name, Value })),
    Metadata: { outreachId: msg.tag },
    MessageStream: cfg.messageStream ?? "outbound",
  };
  const answer = await callProvider(
    f,
    `${baseUrl(cfg.apiBaseUrl, POSTMARK_API_BASE)}/email`,
    {
      method: "POST",
      headers: {
        accept: "application/json",
        "content-type": "application/json",
        "x-postmark-server-token": cfg.serverToken,
      },
      body: JSON.stringify(body),
    },
    cfg.timeoutMs,
  );
  if (answer.kind === "failed") return answer.result;
  const { status, text } = answer;
  const json = jsonObject(text);
  const errorCode = str(json?.ErrorCode);
  if (status >= 200 && status < 300 && (errorCode === null || errorCode === "0")) {
    const id = str(json?.MessageID);
    if (!id) return unreadableSuccess(status, "a MessageID");
    return { ok: true, providerId: id, providerStatus: str(json?.Message) ?? "OK" };
  }
  const message = str(json?.Message) ?? (excerpt(text) || `HTTP ${status}`);
  if (isRetryableStatus(status)) return failure(true, null, status, errorCode, message);
  if (status === 401 || errorCode === "10")
    return failure(false, "auth", status, errorCode, message);
  if (errorCode === "406") return failure(false, "undeliverable", status, errorCode, message);
  if (errorCode === "300") {
    const sender = /\b(from|reply-?to)\b/i.test(message);
    return failure(false, sender ? "rejected" : "invalid_recipient", status, errorCode, message);
  }
  return failure(false, "rejected", status, errorCode, message);
}

async function sendMailgun(
  cfg: Extract<EmailSendConfig, { provider: "mailgun" }>,
  msg: OutboundEmail,
  f: FetchLike,
): Promise<SendResult> {
  const form = new FormData();
  form.set("from", formatFrom(msg.from, msg.fromName));
  form.set("to", msg.to);
  form.set("subject", msg.subject);
  form.set("text", msg.text);
  form.set("h:Reply-To", msg.replyTo);
  for (const [name, value] of extraHeaders(msg)) {
    // Mailgun spells the header it reports back "Message-Id"; the name is case-insensitive.
    form.set(`h:${name === "Message-ID" ? "Message-Id" : name}`, value);
  }
  form.set("v:outreachId", msg.tag);
  const answer = await callProvider(
    f,
    `${baseUrl(cfg.apiBaseUrl, MAILGUN_API_BASE)}/v3/${encodeURIComponent(cfg.domain)}/messages`,
    {
      method: "POST",
      // No content-type: fetch writes multipart/form-data with its boundary.
      headers: { authorization: basicAuth("api", cfg.apiKey), accept: "application/json" },
      body: form,
    },
    cfg.timeoutMs,
  );
  if (answer.kind === "failed") return answer.result;
  const { status, text } = answer;
  const json = jsonObject(text);
  const message = str(json?.message) ?? (excerpt(text) || `HTTP ${status}`);
  if (status >= 200 && status < 300) {
    const id = str(json?.id);
    if (!id) return unreadableSuccess(status, "a message id");
    return { ok: true, providerId: id, providerStatus: message };
  }
  if (isRetryableStatus(status)) return failure(true, null, status, null, message);
  if (status === 401) return failure(false, "auth", status, null, message);
  if (status === 400 && /^'?to'? parameter/i.test(message)) {
    return failure(false, "invalid_recipient", status, null, message);
  }
  return failure(false, "rejected", status, null, message);
}

async function sendSendgrid(
  cfg: Extract<EmailSendConfig, { provider: "sendgrid" }>,
  msg: OutboundEmail,
  f: FetchLike,
): Promise<SendResult> {
  const body = {
    personalizations: [{ to: [{ email: msg.to }] }],
    from: msg.fromName ? { email: msg.from, name: msg.fromName } : { email: msg.from },
    reply_to: { email: msg.replyTo },
    subject: msg.subject,
    content: [{ type: "text/plain", value: msg.text }],
    headers: Object.fromEntries(extraHeaders(msg)),
    custom_args: { outreachId: msg.tag },
  };
  const answer = await callProvider(
    f,
    `${baseUrl(cfg.apiBaseUrl, SENDGRID_API_BASE)}/v3/mail/send`,
    {
      method: "POST",
      headers: {
        authorization: `Bearer ${cfg.apiKey}`,
        "content-type": "application/json",
        accept: "application/json",
      },
      body: JSON.stringify(body),
    },
    cfg.timeoutMs,
  );
  if (answer.kind === "failed") return answer.result;
  const { status, headers, text } = answer;
  if (status >= 200 && status < 300) {
    const id = headers.get("x-message-id");
    if (!id) return unreadableSuccess(status, "an X-Message-Id header");
    return { ok: true, providerId: id, providerStatus: "accepted" };
  }
  const first = firstSendgridError(text);
  const message = first.message ?? (excerpt(text) || `HTTP ${status}`);
  if (isRetryableStatus(status)) return failure(true, null, status, first.field, message);
  if (status === 401 || status === 403) return failure(false, "auth", status, first.field, message);
  if (first.field !== null && /(^|\.)to(\.|$)/.test(first.field)) {
    return failure(false, "invalid_recipient", status, first.field, message);
  }
  return failure(false, "rejected", status, first.field, message);
}

/** SendGrid's `{errors: [{message, field, help}]}`: the first error's message and field. */
function firstSendgridError(text: string): { message: string | null; field: string | null } {
  const errors = jsonObject(text)?.errors;
  const first: unknown = Array.isArray(errors) ? errors[0] : null;
  if (typeof first !== "object" || first === null) return { message: null, field: null };
  const e = first as Record<string, unknown>;
  return { message: str(e.message), field: str(e.field) };
}
