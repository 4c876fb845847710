import type { Result } from "@baton/core";

/** One mailbox: the address, and the display name when the message gave one. */
export interface EmailAddress {
  address: string;
  name?: string;
}

/** What Baton keeps about an attachment: never its content. */
export interface AttachmentMeta {
  name: string | null;
  type: string;
  size: number;
}

/** Which of the four ways in delivered the message. */
export type EmailSource = "postmark" | "mailgun" | "sendgrid" | "email-routing";

/**
 * One inbound email, whichever way it arrived. Every provider adapter produces this shape and
 * `emailToEvent` turns it into an event, so threading, quote stripping and bounds are the same
 * for all four ways in.
 */
export interface CanonicalEmail {
  source: EmailSource;
  /** The Message-ID header with its angle brackets, e.g. `<abc@mail.example>`; null when absent. */
  messageId: string | null;
  /** The first id of In-Reply-To; further ids there are appended to `references`. */
  inReplyTo: string | null;
  references: string[];
  from: EmailAddress;
  /** Header To and Cc plus the envelope recipients: where Baton's reply+TOKEN addresses show up. */
  to: EmailAddress[];
  subject: string;
  /** The full plain text, quoted history included (derived from the HTML when there is no text part). */
  text: string;
  /** The provider's own quote-stripped text, used only when our stripping leaves nothing. */
  providerStripped?: string;
  html?: string;
  /** The Date header as an ISO instant, or null when absent or unreadable. */
  date: string | null;
  attachments: AttachmentMeta[];
  /**
   * A stable id for the message when it has no Message-ID (the provider's id or a hash of the
   * raw message), so a retried delivery still maps to the same idempotency key.
   */
  fallbackId: string;
}

/** Why a payload could not become an email. `malformed` is unreadable; `invalid` lacks something. */
export interface EmailInputError {
  code: "malformed_payload" | "invalid_email" | "payload_too_large";
  detail: string;
}

export type EmailResult<T> = Result<T, EmailInputError>;

/** Largest webhook body or raw message accepted, in bytes (see docs/channels/email.md). */
export const EMAIL_MAX_BYTES = 10 * 1024 * 1024;
