/**
 * Identifier normalization: the one place that turns what a channel delivered (a Twilio
 * `From`, an email `From:` header, a chat visitor id…) into the canonical key of the identity
 * index (docs/architecture.md §2–3). Two spellings of one address must give one key, and
 * nothing that is not an address of one customer (a withheld caller, an SMS short code) may
 * give a key.
 *
 * Pure and synchronous: no I/O, no Node built-ins, safe to bundle for Workers.
 */
// Metadata: `max`, not `min`. Both give the same E.164 result and the same length check
// (`isPossible`), but with `min` the library's `isValid()` only repeats the length check, so
// it would silently claim to validate. `max` carries the per-type number patterns, which lets
// us report honestly whether a number is in a range the metadata knows (`knownRange`). The
// cost, measured with esbuild (minified, this module alone): ~196 KB / ~53 KB gzipped with
// `max` against ~125 KB / ~32 KB with `min` — small against the Workers script size limit.
// The package is pure ESM JavaScript with no Node built-ins (bundles with platform=neutral).
import {
  parsePhoneNumberFromString,
  isSupportedCountry,
  validatePhoneNumberLength,
  type CountryCode,
} from "libphonenumber-js/max";
import type { Identifier, IdentifierType } from "./journey";
import { err, ok, type Result } from "./result";

export type { CountryCode } from "libphonenumber-js/max";

/** True when `region` is a region the phone metadata knows (use it to validate settings). */
export function isSupportedRegion(region: string): region is CountryCode {
  return isSupportedCountry(region);
}

export interface NormalizeOptions {
  /** Region used for national numbers (no `+` or international prefix). Default "US". */
  defaultRegion?: CountryCode;
  /**
   * Gmail ignores dots in the local part and everything after `+`. When true, addresses at
   * gmail.com / googlemail.com are folded to one key (and googlemail.com → gmail.com).
   * Off by default: the fold is Gmail-specific and a workspace must opt in.
   */
  gmailDots?: boolean;
}

export interface NormalizedIdentifier {
  type: IdentifierType;
  /** Canonical value: E.164 for phones, lower-case address for emails, trimmed id otherwise. */
  value: string;
  /** `${type}:${value}` — the suffix of the identity-index object name. */
  key: string;
  /** A human-friendly form: an international phone format with its extension, an email as written. */
  display?: string;
  /** Phone: the extension, kept out of `value`/`key` (an extension reaches a desk, not a customer). */
  extension?: string;
  /** Phone: the region the number belongs to, when the metadata can tell. */
  country?: CountryCode;
  /**
   * Phone: true when the number is in a range the metadata knows (`isValid`); false when only
   * its length is possible for its country (a new range, a test or fictional range).
   */
  knownRange?: boolean;
  /** Email: the display name from a `"Dana" <dana@x.com>` form. */
  name?: string;
}

export type IdentifierError =
  { code: "invalid_identifier"; reason: string } | { code: "anonymous_caller" };

const invalid = (reason: string) => err<IdentifierError>({ code: "invalid_identifier", reason });

/** Longest raw phone input looked at; real numbers with extensions and URIs are far shorter. */
const MAX_PHONE_INPUT = 120;
const MAX_EMAIL_CHARS = 254; // RFC 5321 path limit minus the angle brackets
const MAX_LOCAL_PART = 64; // RFC 5321 §4.5.3.1.1
const MAX_ID_CHARS = 200;

// ---------------------------------------------------------------------------------------------
// Anonymous / withheld callers
// ---------------------------------------------------------------------------------------------

/**
 * The numbers Twilio puts in `From`/`Caller` when the caller id is withheld: the keypad
 * spellings of ANONYMOUS, RESTRICTED, UNKNOWN and PRIVATE. Matched only with their `+`: as
 * bare national digits in the US, 7378742833 is an ordinary Austin number.
 */
const ANONYMOUS_NUMBERS = new Set(["+266696687", "+86282452253", "+8656696", "+7378742833"]);

/** Words telephony providers and SIP trunks send instead of a number (compared lower-case). */
const ANONYMOUS_WORDS = new Set([
  "anonymous",
  "restricted",
  "unknown",
  "private",
  "unavailable",
  "blocked",
  "withheld",
  "private number",
  "unknown number",
  "unknown caller",
  "no caller id",
  "not available",
]);

/**
 * True when `raw` is how a provider says "the caller withheld their number": Twilio's
 * anonymous numbers and words, an empty value, or an RFC 3323 anonymous SIP URI such as
 * `sip:anonymous@anonymous.invalid` (Amazon Connect, Genesys). Such a value never matches a
 * customer.
 */
export function isAnonymousCaller(raw: string): boolean {
  let s = raw.normalize("NFKC").trim().toLowerCase();
  if (s === "") return true;
  // `"Anonymous" <sip:anonymous@anonymous.invalid>` → the URI inside the brackets.
  const bracketed = /<([^<>]*)>\s*$/.exec(s);
  if (bracketed?.[1] !== undefined) s = bracketed[1].trim();
  s = s.replace(/^(?:sips?|tel):/, "");
  const at = s.indexOf("@");
  if (at >= 0) {
    const host = (s.slice(at + 1).split(/[;:>?]/)[0] ?? "").trim();
    if (host === "anonymous.invalid") return true;
    s = s.slice(0, at);
  }
  s = (s.split(";")[0] ?? "").trim();
  if (s === "") return true;
  if (ANONYMOUS_WORDS.has(s.replace(/[\s_-]+/g, " "))) return true;
  return ANONYMOUS_NUMBERS.has(s.replace(/[\s().-]/g, ""));
}

// ---------------------------------------------------------------------------------------------
// Phone numbers
// ---------------------------------------------------------------------------------------------

/** A number as written: an optional leading `+`, digits and visual separators. */
const PHONE_CHARS = /^\+?[\d\s().\-/]*\d[\d\s().\-/]*$/;
/** A trailing extension: `x123`, `ext. 12`, `extension 12`, `#123`, `;ext=123`. */
const EXTENSION =
  /^(.*?)\s*(?:;\s*ext\s*=\s*|,?\s*(?<![a-z])(?:ext|extn|extension|x)\.?\s*:?\s*|#\s*)(\d{1,10})\s*#?$/i;
/** Short codes are 3–8 digits written without separators or a country code. */
const SHORT_CODE = /^\d{3,8}$/;

/**
 * Phone → E.164. Accepts national numbers (in `region`), `+` and `00` international prefixes
 * (and the region's own prefix, e.g. 011 in the US, 0011 in Australia), `tel:` and `sip:` URIs,
 * and extensions. Rejects anything that is not written as a number.
 *
 * Acceptance is `isPossible` (right length for the country), not `isValid` (inside a known
 * range): providers deliver real numbers, and a number from a range allocated after this
 * metadata was built must still identify its customer. Accepting a possible-but-unknown
 * number cannot cause a false match — its E.164 form is just as deterministic — whereas
 * rejecting one silently drops a real customer. `knownRange` reports which case it was.
 *
 * Digits without `+` are always read as national numbers of `region`: guessing "maybe it was
 * E.164 without the plus" could turn a mistyped national number into someone else's valid
 * foreign number. Adapters for providers that send bare E.164 digits (Vonage `msisdn`,
 * WhatsApp `wa_id`) must add the `+` themselves.
 */
function normalizePhone(
  raw: string,
  region: CountryCode,
): Result<NormalizedIdentifier, IdentifierError> {
  if (isAnonymousCaller(raw)) return err({ code: "anonymous_caller" });
  if (!isSupportedCountry(region)) {
    return invalid(`the workspace default region "${String(region)}" is not a supported region`);
  }
  // NFKC folds full-width digits and odd spaces; Unicode dashes become "-".
  const s = raw
    .normalize("NFKC")
    .replace(/[\u2010-\u2015\u2212]/g, "-")
    .trim();
  if (s.length > MAX_PHONE_INPUT) return invalid("too long to be a phone number");

  let text: string; // what the library parses
  let main: string; // the number part, checked for stray characters
  let ext: string | undefined;

  const uri = /^(tel|sips?):(.*)$/i.exec(s);
  if (uri?.[1] !== undefined && uri[2] !== undefined) {
    const scheme = uri[1].toLowerCase();
    // sip:+14155552671@carrier.example;user=phone → the user part.
    const body = scheme === "tel" ? uri[2] : (uri[2].split("@")[0] ?? "");
    const [num = "", ...params] = body.split(";");
    main = num.trim();
    let context: string | undefined;
    for (const param of params) {
      const [name = "", value = ""] = param.split("=");
      const key = name.trim().toLowerCase();
      if (key === "ext") {
        if (!/^\d{1,10}$/.test(value.trim())) return invalid("the extension must be 1–10 digits");
        ext = value.trim();
      } else if (key === "phone-context" && value.trim().startsWith("+")) {
        context = value.trim();
      }
    }
    // RFC 3966 local number with a global context: tel:7946-0958;phone-context=+44-20
    text = context !== undefined && !main.startsWith("+") ? `${context}${main}` : main;
    if (context !== undefined && !PHONE_CHARS.test(context)) {
      return invalid("the tel: phone-context is not a number");
    }
  } else {
    const m = EXTENSION.exec(s);
    if (m?.[1] !== undefined && m[2] !== undefined && /\d/.test(m[1])) {
      main = m[1].trim();
      ext = m[2];
    } else {
      main = s;
    }
    text = main;
  }

  if (!PHONE_CHARS.test(main)) {
    return invalid(
      /[a-z]/i.test(main)
        ? "not a phone number: it contains letters"
        : "not a phone number: only digits, spaces, dots, dashes, parentheses and a leading + are allowed",
    );
  }

  let parsed = parsePhoneNumberFromString(text, { defaultCountry: region, extract: false });
  const compact = text.replace(/[\s().\-/]/g, "");
  // A leading 00 is the international prefix almost everywhere; the library only honours it
  // where it is the region's own prefix (not in the US, which dials 011). National numbers
  // never start with 00, so a second reading is safe when the first is not possible.
  if (!parsed?.isPossible() && /^00[1-9]/.test(compact)) {
    parsed = parsePhoneNumberFromString(`+${compact.slice(2)}`, { extract: false });
  }

  if (!parsed?.isPossible()) {
    if (SHORT_CODE.test(main)) {
      return invalid(
        `${main} is too short for a phone number in ${region}: it looks like an SMS short code, ` +
          "which is a business sender, not a customer",
      );
    }
    const why = validatePhoneNumberLength(text, { defaultCountry: region });
    const reasons: Record<string, string> = {
      TOO_SHORT: "too short",
      TOO_LONG: "too long",
      INVALID_LENGTH: "the wrong length",
      INVALID_COUNTRY: "not in a known country (check the country code)",
      NOT_A_NUMBER: "not a number",
    };
    const where = compact.startsWith("+") ? "" : ` in ${region}`;
    return invalid(
      `not a possible phone number${where}: ${why !== undefined ? (reasons[why] ?? why) : "the wrong length"}`,
    );
  }

  const value = parsed.number; // E.164, without the extension
  const extension = ext ?? parsed.ext;
  const out: NormalizedIdentifier = {
    type: "phone",
    value,
    key: `phone:${value}`,
    display: parsed.formatInternational() + (extension !== undefined ? ` ext. ${extension}` : ""),
    knownRange: parsed.isValid(),
  };
  if (extension !== undefined) out.extension = extension;
  if (parsed.country !== undefined) out.country = parsed.country;
  return ok(out);
}

/**
 * Phone parsing is the costliest pure step of a call-start lookup and of an inbound SMS (the
 * library's `max` metadata runs several regular expressions per number: about 35 µs per
 * lookup in workerd, docs/benchmarks.md "Profile"). The result depends only on the raw text
 * and the region, so it is remembered per isolate, for a bounded number of inputs (the oldest
 * is forgotten first). Results are frozen: every caller shares them.
 */
const PHONE_MEMO_MAX = 4096;
const phoneMemo = new Map<string, Result<NormalizedIdentifier, IdentifierError>>();

function memoPhone(
  raw: string,
  region: CountryCode,
): Result<NormalizedIdentifier, IdentifierError> {
  if (raw.length > MAX_PHONE_INPUT * 2) return normalizePhone(raw, region);
  const key = `${region}\u0000${raw}`;
  const hit = phoneMemo.get(key);
  if (hit) return hit;
  const result = normalizePhone(raw, region);
  Object.freeze(result.ok ? result.value : result.error);
  Object.freeze(result);
  if (phoneMemo.size >= PHONE_MEMO_MAX) {
    const oldest = phoneMemo.keys().next();
    if (!oldest.done) phoneMemo.delete(oldest.value);
  }
  phoneMemo.set(key, result);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Email addresses
// ---------------------------------------------------------------------------------------------

/** Characters never allowed in an unquoted address (quoted local parts are not supported). */
const EMAIL_FORBIDDEN = /[\s\p{Cc}\p{Cf}\p{Cs}<>()[\]\\,;:"]/u;
const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const GMAIL_DOMAINS = new Set(["gmail.com", "googlemail.com"]);

/**
 * Email → the whole address lower-cased. Local parts are case-sensitive in theory and never in
 * practice; one customer writing "Dana@X.com" and "dana@x.com" must be one key. Accepts a
 * `mailto:` URI and the `"Name" <addr>` header form. Dots in the local part are allowed as
 * written (including "a..b" and a trailing dot: some Japanese carriers issued such addresses).
 * Internationalized domains are converted to their ASCII (punycode) form so both spellings
 * give one key.
 */
function normalizeEmail(
  raw: string,
  gmailDots: boolean,
): Result<NormalizedIdentifier, IdentifierError> {
  let s = raw.trim();
  let name: string | undefined;

  const header = /^(.*?)<([^<>]*)>$/s.exec(s);
  if (header?.[1] !== undefined && header[2] !== undefined) {
    const n = header[1]
      .trim()
      .replace(/^"(.*)"$/s, "$1")
      .replace(/\\(.)/g, "$1")
      .trim();
    if (n !== "") name = n;
    s = header[2].trim();
  }
  if (/^mailto:/i.test(s)) {
    s = s.slice("mailto:".length).split("?")[0] ?? "";
    try {
      s = decodeURIComponent(s);
    } catch {
      return invalid("the mailto: URI is not correctly percent-encoded");
    }
    s = s.trim();
  }

  if (s === "") return invalid("empty email address");
  if (s.length > MAX_EMAIL_CHARS)
    return invalid(`an email address is at most ${MAX_EMAIL_CHARS} characters`);
  const at = s.indexOf("@");
  if (at < 0 || s.indexOf("@", at + 1) >= 0) return invalid("an email address has exactly one @");
  if (EMAIL_FORBIDDEN.test(s)) {
    return invalid('an email address cannot contain spaces, control characters or <>()[]\\,;:"');
  }
  const asWritten = s;
  let local = s.slice(0, at).toLowerCase();
  let domain = s.slice(at + 1).toLowerCase();
  if (local === "") return invalid("the part before the @ is empty");
  if (local.length > MAX_LOCAL_PART) {
    return invalid(`the part before the @ is at most ${MAX_LOCAL_PART} characters`);
  }
  if (/[^\x20-\x7e]/.test(domain)) {
    try {
      domain = new URL(`http://${domain}/`).hostname;
    } catch {
      return invalid("the domain is not a valid internationalized domain name");
    }
  }
  const labels = domain.split(".");
  if (labels.length < 2 || !labels.every((l) => DOMAIN_LABEL.test(l))) {
    return invalid("the domain must be a dotted name like example.com");
  }
  if (/^\d+$/.test(labels[labels.length - 1] ?? "")) {
    return invalid("the domain must end in a name, not a number");
  }

  if (gmailDots && GMAIL_DOMAINS.has(domain)) {
    local = (local.split("+")[0] ?? "").replace(/\./g, "");
    domain = "gmail.com";
    if (local === "") return invalid("the Gmail address has no mailbox name");
  }

  const value = `${local}@${domain}`;
  if (value.length > MAX_EMAIL_CHARS)
    return invalid(`an email address is at most ${MAX_EMAIL_CHARS} characters`);
  const out: NormalizedIdentifier = {
    type: "email",
    value,
    key: `email:${value}`,
    display: asWritten,
  };
  if (name !== undefined) out.name = name;
  return ok(out);
}

// ---------------------------------------------------------------------------------------------
// Opaque ids: chat, user, external
// ---------------------------------------------------------------------------------------------

/** Whitespace, control and format characters (zero-width, bidi overrides) and lone surrogates. */
const ID_FORBIDDEN = /[\s\p{Cc}\p{Cf}\p{Cs}\p{Z}]/u;

function normalizeOpaque(
  type: "chat" | "user" | "external",
  raw: string,
): Result<NormalizedIdentifier, IdentifierError> {
  const value = raw.trim();
  if (value === "") return invalid(`the ${type} id is empty`);
  if (value.length > MAX_ID_CHARS)
    return invalid(`the ${type} id is longer than ${MAX_ID_CHARS} characters`);
  if (ID_FORBIDDEN.test(value)) {
    return invalid(`the ${type} id contains whitespace or control characters`);
  }
  return ok({ type, value, key: `${type}:${value}` });
}

// ---------------------------------------------------------------------------------------------

/**
 * The canonical form of an identifier, or why it cannot identify a customer. A
 * `anonymous_caller` error means "a withheld number": resolve without an identifier (a new
 * anonymous journey), never by looking anything up.
 */
export function normalizeIdentifier(
  id: Identifier,
  opts: NormalizeOptions = {},
): Result<NormalizedIdentifier, IdentifierError> {
  switch (id.type) {
    case "phone":
      return memoPhone(id.value, opts.defaultRegion ?? "US");
    case "email":
      return normalizeEmail(id.value, opts.gmailDots ?? false);
    case "chat":
    case "user":
    case "external":
      return normalizeOpaque(id.type, id.value);
  }
}
