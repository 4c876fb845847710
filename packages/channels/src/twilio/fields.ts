/**
 * Reading Twilio's form fields: bounds and shapes, and turning a caller's address into an
 * identifier that can never match the wrong customer.
 */
import {
  isAnonymousCaller,
  normalizeIdentifier,
  type CountryCode,
  type Identifier,
  type Result,
} from "@baton/core";

/** What the parsers read: URLSearchParams, or anything with the same `get`. */
export interface TwilioForm {
  get(name: string): string | null;
}

export interface TwilioParseOptions {
  /** Region for numbers without a country code (Twilio sends E.164, so rarely used). */
  defaultRegion?: CountryCode;
}

export interface TwilioFieldError {
  path: string;
  message: string;
}

/** STIR/SHAKEN full attestation: the carrier vouches that the caller owns the number. */
export const STIR_FULL_ATTESTATION = "TN-Validation-Passed-A";

export const MESSAGE_SID = /^(SM|MM)[0-9a-f]{32}$/i;
export const CALL_SID = /^CA[0-9a-f]{32}$/i;
export const ACCOUNT_SID = /^AC[0-9a-f]{32}$/i;

/** Whether `v` is a message, call or account SID as the parser accepts them. */
export const isTwilioSid = (v: unknown): v is string =>
  typeof v === "string" && [MESSAGE_SID, CALL_SID, ACCOUNT_SID].some((re) => re.test(v));
export const WORD = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
export const CALL_STATUSES = new Set([
  "queued",
  "initiated",
  "ringing",
  "in-progress",
  "completed",
  "busy",
  "failed",
  "no-answer",
  "canceled",
]);
/** Twilio allows at most 10 media items on one MMS. */
export const MAX_MEDIA = 10;
export const MAX_URL_CHARS = 1_000;
/** Twilio rejects bodies over 1,600 characters; anything longer was not sent by Twilio. */
export const MAX_BODY_CHARS = 1_600;

/** Collects field errors while reading, so one 400 can name every bad field. */
export class Reader {
  readonly errors: TwilioFieldError[] = [];
  constructor(private readonly form: TwilioForm) {}

  optional(name: string, pattern?: RegExp, max = 200): string | null {
    const v = this.form.get(name);
    if (v === null) return null;
    if (v.length > max) this.errors.push({ path: name, message: `at most ${max} characters` });
    else if (pattern && !pattern.test(v)) {
      this.errors.push({ path: name, message: "not in the form Twilio sends" });
    }
    return v;
  }

  required(name: string, pattern?: RegExp, max = 200): string {
    const v = this.optional(name, pattern, max);
    if (v === null) this.errors.push({ path: name, message: "required" });
    return v ?? "";
  }

  done<T>(build: () => T): Result<T, TwilioFieldError[]> {
    return this.errors.length > 0
      ? { ok: false, error: this.errors }
      : { ok: true, value: build() };
  }
}

/**
 * The customer's address as an identifier. A withheld number (Twilio's keypad spellings of
 * ANONYMOUS, RESTRICTED, UNKNOWN, PRIVATE, the words, an empty value) or anything that is not
 * a phone number (an alphanumeric sender, a short code, a `client:` or SIP identity) must never
 * match an existing customer, so it is replaced by an `external` identifier unique to this
 * message or call: the event then starts a fresh journey of its own.
 * A number Twilio delivered is `verified` (SMS) unless the caller id may be spoofed (voice
 * without full STIR/SHAKEN attestation), where it is only `asserted`.
 */
export function party(
  raw: string,
  fallback: string,
  opts: TwilioParseOptions,
  verification: "verified" | "asserted" = "verified",
): { identifiers: Identifier[]; anonymous: boolean; whatsapp: boolean } {
  const whatsapp = /^whatsapp:/i.test(raw);
  const value = whatsapp ? raw.slice("whatsapp:".length) : raw;
  const anonymousId = [{ type: "external" as const, value: fallback }];
  if (isAnonymousCaller(value)) return { identifiers: anonymousId, anonymous: true, whatsapp };
  const phone = normalizeIdentifier(
    { type: "phone", value },
    opts.defaultRegion ? { defaultRegion: opts.defaultRegion } : {},
  );
  if (!phone.ok) return { identifiers: anonymousId, anonymous: true, whatsapp };
  return {
    identifiers: [{ type: "phone", value: phone.value.value, verification }],
    anonymous: false,
    whatsapp,
  };
}
