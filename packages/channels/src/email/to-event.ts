import { LIMITS, type EventInput } from "@baton/core";
import { replyTokens } from "./addresses";
import { sha256Hex } from "./crypto";
import { stripQuoted } from "./quotes";
import type { CanonicalEmail } from "./types";

/** An inbound email as an event, plus the idempotency key that makes a redelivery a no-op. */
export interface EmailEvent {
  input: EventInput;
  idempotencyKey: string;
}

type EventData = NonNullable<EventInput["data"]>;

const MAX_RECIPIENTS = 10;
const MAX_ATTACHMENTS = 10;
/** A Date header further from now than this is the sender's clock, not when it happened. */
const MAX_PAST_MS = 30 * 24 * 3600 * 1000;
const MAX_FUTURE_MS = 5 * 60 * 1000;

const utf8 = new TextEncoder();
const jsonBytes = (v: unknown) => utf8.encode(JSON.stringify(v)).length;

/**
 * Cuts `s` to `max` characters without splitting a surrogate pair, and drops a trailing run
 * of digits and the separators redaction groups them by (space, dash, dot): a card number cut
 * in half no longer passes the Luhn check, so the journey's redaction would miss the half we
 * kept.
 */
function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  let out = s.slice(0, max);
  if (/[\uD800-\uDBFF]$/.test(out)) out = out.slice(0, -1);
  // A backward scan, not /\d[\d -]*$/: that regex is quadratic on a long run of digits.
  let end = out.length;
  while (end > 0 && " -.0123456789".includes(out.charAt(end - 1))) end--;
  return /\d/.test(out.slice(end)) ? out.slice(0, end) : out;
}

/** The longest prefix of `s` (≤ maxChars) whose JSON encoding takes at most `maxBytes`. */
function fitJson(s: string, maxChars: number, maxBytes: number): string {
  let out = cut(s, maxChars);
  for (let bytes = jsonBytes(out); bytes > maxBytes && out.length > 0; bytes = jsonBytes(out)) {
    out = cut(out, Math.floor((out.length * maxBytes) / bytes) - 1);
  }
  return out;
}

/** Thread references: own Message-ID, In-Reply-To, reply tokens, then References, newest kept. */
function threadRefs(email: CanonicalEmail): string[] {
  const ids = [email.messageId, email.inReplyTo].filter((x): x is string => x !== null);
  const refs = [
    ...ids.map((id) => `email:${id}`),
    ...replyTokens(email.to).map((t) => `reply:${t}`),
  ];
  // The root (first) reference and the newest ones identify the thread best; middle ones are
  // dropped when a long thread would exceed the per-event bound.
  const [root, ...rest] = email.references;
  const room = Math.max(0, LIMITS.threadRefs - refs.length - 1);
  const tail = room === 0 ? [] : rest.slice(-room);
  for (const id of [root, ...tail]) if (id) refs.push(`email:${id}`);
  return [...new Set(refs)]
    .filter((r) => r.length <= LIMITS.threadRefChars)
    .slice(0, LIMITS.threadRefs);
}

function occurredAt(date: string | null, now: Date): string | undefined {
  if (date === null) return undefined;
  const age = now.getTime() - Date.parse(date);
  return age <= MAX_PAST_MS && age >= -MAX_FUTURE_MS ? date : undefined;
}

async function idempotencyKeyOf(email: CanonicalEmail): Promise<string> {
  const key = email.messageId ? `email:${email.messageId}` : `email-${email.fallbackId}`;
  return key.length <= LIMITS.idempotencyKeyChars ? key : `email-sha256:${await sha256Hex(key)}`;
}

/**
 * Turns a canonical email into an inbound customer event: the text is the new part of the
 * reply (quoted history stripped), the full text is kept in `data.originalText` when stripping
 * removed something, and every bound of EventInput is met by truncating (flagged in `data`)
 * rather than rejecting, because a provider cannot shorten a customer's email for us.
 */
export async function emailToEvent(
  email: CanonicalEmail,
  now: Date = new Date(),
): Promise<EmailEvent> {
  const full = email.text.trim();
  const stripped = full ? stripQuoted(full) : (email.providerStripped ?? "").trim();
  // A subject-only email ("Call me about invoice 123") still says why the customer wrote.
  const reply = stripped || email.subject.trim();
  const text = cut(reply, LIMITS.textChars);
  const name = cut(email.from.name?.trim() ?? "", LIMITS.labelChars).trim();
  const data: EventData = {
    source: email.source,
    subject: cut(email.subject, LIMITS.sentenceChars),
    from: email.from.address,
    to: email.to.slice(0, MAX_RECIPIENTS).map((a) => a.address),
    messageId: email.messageId,
    inReplyTo: email.inReplyTo,
    date: email.date,
    attachments: email.attachments.slice(0, MAX_ATTACHMENTS).map((a) => ({
      name: a.name === null ? null : cut(a.name, LIMITS.labelChars),
      type: cut(a.type, LIMITS.labelChars),
      size: a.size,
    })),
    attachmentCount: email.attachments.length,
  };
  if (text.length < reply.length) data.textTruncated = true;
  if (full && full !== text) {
    // Whatever the rest of `data` leaves of its byte budget (with room for the key and flag).
    const budget = LIMITS.dataBytes - jsonBytes(data) - 64;
    const original = fitJson(full, LIMITS.textChars, Math.max(budget, 0));
    data.originalText = original;
    if (original.length < full.length) data.originalTextTruncated = true;
  }
  const at = occurredAt(email.date, now);
  const input: EventInput = {
    identifiers: [{ type: "email", value: email.from.address }],
    channel: "email",
    direction: "inbound",
    actor: name ? { kind: "customer", name } : { kind: "customer" },
    type: "message",
    ...(text ? { text } : {}),
    data,
    ...(at ? { occurredAt: at } : {}),
    threadRefs: threadRefs(email),
  };
  return { input, idempotencyKey: await idempotencyKeyOf(email) };
}
