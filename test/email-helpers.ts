import { SELF } from "cloudflare:test";
import { expect } from "vitest";
import { ADMIN, api, workspace, type ApiResponse } from "./helpers";

export const PM = { username: "postmark-user", password: "postmark-pass-1" };
export const SG = { username: "sendgrid-user", password: "sendgrid-pass-1" };
export const MG_KEY = "mailgun-signing-key-1";

export const basic = (u: { username: string; password: string }) =>
  `Basic ${btoa(`${u.username}:${u.password}`)}`;

/** A workspace with Postmark, Mailgun and SendGrid configured, and a key to read journeys. */
export async function emailWorkspace(): Promise<{ ws: string; key: string }> {
  const w = await workspace();
  const res = await api(
    "PATCH",
    `/v1/admin/workspaces/${w.ws}/settings`,
    { providers: { postmark: PM, mailgun: { signingKey: MG_KEY }, sendgrid: SG } },
    ADMIN,
  );
  expect(res.status).toBe(200);
  return w;
}

/** POSTs a raw body to a webhook, as the provider would. */
export async function hook(
  path: string,
  body: BodyInit,
  headers: Record<string, string>,
): Promise<ApiResponse> {
  const res = await SELF.fetch(`https://baton.test${path}`, { method: "POST", body, headers });
  const text = await res.text();
  let parsed: ApiResponse["body"] = {};
  try {
    parsed = text ? (JSON.parse(text) as ApiResponse["body"]) : {};
  } catch {
    parsed = { raw: text };
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** The journey's events, as an agent desktop would read them. */
export async function eventsOf(key: string, journeyId: string): Promise<ApiResponse["body"][]> {
  const res = await api("GET", `/v1/journeys/${journeyId}/events`, undefined, key);
  expect(res.status).toBe(200);
  return res.body.items as ApiResponse["body"][];
}

/** A Postmark inbound webhook body, shaped as Postmark documents it. */
export function postmarkPayload(over: {
  from?: string;
  name?: string;
  messageId: string;
  inReplyTo?: string;
  subject?: string;
  text: string;
  postmarkId?: string;
}) {
  const from = over.from ?? "jane@example.com";
  const headers = [
    { Name: "Return-Path", Value: `<${from}>` },
    { Name: "Message-ID", Value: over.messageId },
    { Name: "Date", Value: "Tue, 3 Mar 2026 09:59:00 +0000" },
  ];
  if (over.inReplyTo) {
    headers.push({ Name: "In-Reply-To", Value: over.inReplyTo });
    headers.push({ Name: "References", Value: over.inReplyTo });
  }
  return {
    FromName: over.name ?? "Jane Doe",
    MessageStream: "inbound",
    From: from,
    FromFull: { Email: from, Name: over.name ?? "Jane Doe", MailboxHash: "" },
    To: '"Support" <support@help.example.com>',
    ToFull: [{ Email: "support@help.example.com", Name: "Support", MailboxHash: "" }],
    Cc: "",
    CcFull: [],
    Bcc: "",
    BccFull: [],
    OriginalRecipient: "support@help.example.com",
    Subject: over.subject ?? "Double charge",
    MessageID: over.postmarkId ?? crypto.randomUUID(),
    ReplyTo: "",
    MailboxHash: "",
    Date: "Tue, 3 Mar 2026 09:59:00 +0000",
    TextBody: over.text,
    HtmlBody: `<p>${over.text}</p>`,
    StrippedTextReply: "",
    Tag: "",
    Headers: headers,
    Attachments: [],
  };
}

/** Hex HMAC-SHA256, as Mailgun signs `timestamp + token`. */
export async function mailgunSign(timestamp: number, token: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    enc.encode(MG_KEY),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const sig = await crypto.subtle.sign("HMAC", key, enc.encode(`${timestamp}${token}`));
  return [...new Uint8Array(sig)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A Mailgun route "forward" POST (urlencoded), signed unless told otherwise. */
export async function mailgunForm(
  over: { token?: string; timestamp?: number; signature?: string; messageId?: string } = {},
): Promise<URLSearchParams> {
  const timestamp = over.timestamp ?? Math.floor(Date.now() / 1000);
  const token = over.token ?? crypto.randomUUID().replace(/-/g, "").padEnd(50, "0");
  const messageId = over.messageId ?? `<mg-${crypto.randomUUID()}@mail.example.com>`;
  return new URLSearchParams({
    recipient: "support@mg.example.com",
    sender: "bob@example.com",
    from: "Bob Stone <bob@example.com>",
    subject: "Router still down",
    "body-plain":
      "Router still down.\r\n\r\nOn Mon, Support <s@mg.example.com> wrote:\r\n> Try again",
    "stripped-text": "Router still down.",
    "stripped-signature": "",
    "body-html": "<p>Router still down.</p>",
    "stripped-html": "<p>Router still down.</p>",
    "attachment-count": "0",
    timestamp: String(timestamp),
    token,
    signature: over.signature ?? (await mailgunSign(timestamp, token)),
    "message-headers": JSON.stringify([
      ["Received", "by mxa.mailgun.org"],
      ["Message-Id", messageId],
      ["Date", "Tue, 03 Mar 2026 09:59:00 +0000"],
      ["From", "Bob Stone <bob@example.com>"],
      ["To", "support@mg.example.com"],
      ["Subject", "Router still down"],
    ]),
    "Message-Id": messageId,
    From: "Bob Stone <bob@example.com>",
    To: "support@mg.example.com",
    Date: "Tue, 03 Mar 2026 09:59:00 +0000",
  });
}

/** A multipart/form-data body with the boundary SendGrid uses; values may be raw bytes. */
export function formData(fields: [string, string | number[]][]): {
  body: Uint8Array;
  type: string;
} {
  const enc = new TextEncoder();
  const chunks: Uint8Array[] = [];
  for (const [name, value] of fields) {
    chunks.push(enc.encode(`--xYzZY\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`));
    chunks.push(typeof value === "string" ? enc.encode(value) : Uint8Array.from(value));
    chunks.push(enc.encode("\r\n"));
  }
  chunks.push(enc.encode("--xYzZY--\r\n"));
  const body = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.length;
  }
  return { body, type: "multipart/form-data; boundary=xYzZY" };
}
