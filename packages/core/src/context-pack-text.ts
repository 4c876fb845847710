/**
 * Text helpers shared by the context packs (docs/architecture.md §5): UTF-8 sizes, code-point-safe
 * clipping, whitespace flattening, contact masking and fence-marker neutralization.
 * Everything here is pure and allocation-light so a pack over a long journey stays fast.
 */

/** UTF-8 byte length of `s` without allocating (a lone surrogate counts 3, as TextEncoder writes U+FFFD). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/**
 * Token estimate used for every budget in the bot pack: `ceil(UTF-8 bytes / 4)`.
 * About right for English with GPT- and Claude-style tokenizers; it can undercount text
 * that is mostly CJK or emoji, so callers should leave some headroom in the model's window.
 */
export function estimateTokens(s: string): number {
  return Math.ceil(utf8Length(s) / 4);
}

/** Bytes `ch` (one code point) takes inside a JSON string literal. */
export function jsonCharBytes(ch: string): number {
  if (ch === '"' || ch === "\\") return 2;
  const c = ch.charCodeAt(0);
  if (c < 0x20) return 6;
  if (ch.length === 1 && c >= 0xd800 && c <= 0xdfff) return 6; // lone surrogate: \udxxx
  return utf8Length(ch);
}

/** Bytes of `s` inside a JSON string literal, without the quotes. */
export function jsonStringBytes(s: string): number {
  let n = 0;
  for (const ch of s) n += jsonCharBytes(ch);
  return n;
}

/**
 * Shortens `s` so that it measures at most `max` (by `measure`, per code point), never
 * splitting a code point, and ends it with `tail` when something was cut. Returns "" when
 * not even the tail fits.
 */
export function clipMeasured(
  s: string,
  max: number,
  tail = "…",
  measure: (ch: string) => number = utf8Length,
): string {
  let total = 0;
  for (const ch of s) total += measure(ch);
  if (total <= max) return s;
  let tailSize = 0;
  for (const ch of tail) tailSize += measure(ch);
  const room = max - tailSize;
  if (room < 0) return "";
  let used = 0;
  let out = "";
  for (const ch of s) {
    const size = measure(ch);
    if (used + size > room) break;
    used += size;
    out += ch;
  }
  return out.trimEnd() + tail;
}

/** Clips to at most `maxBytes` UTF-8 bytes, adding "…" when cut. */
export function clipUtf8(s: string, maxBytes: number): string {
  return clipMeasured(s, maxBytes);
}

const INVISIBLE = /[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;
// eslint-disable-next-line no-control-regex
const SPACE_RUN = /[\s\u0000-\u001f\u007f-\u009f]+/g;

/** Removes invisible and bidi-control characters and collapses every whitespace run (newlines too) to one space. */
export function flatten(s: string): string {
  return s.replace(INVISIBLE, "").replace(SPACE_RUN, " ").trim();
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const PHONE = /(?<![\w+@.])\+?\(?\d[\d ().-]{5,22}\d(?![\w@:])/g;
const DATE_LIKE = /^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})$/;

function maskPhone(match: string): string {
  if (DATE_LIKE.test(match)) return match;
  const digits = match.replace(/\D/g, "");
  if (digits.length < 7 || digits.length > 15) return match;
  return `[phone ••••${digits.slice(digits.length >= 10 ? -4 : -2)}]`;
}

/**
 * Masks email addresses and phone numbers in free text, keeping only the last 2–4 characters:
 * `dana.reyes@example.com` → `[email ••••es@•••]`, `+1 (415) 555-2671` → `[phone ••••2671]`.
 * A phone is a run of 7–15 digits with optional `+`, spaces, dots, dashes and parentheses
 * (so long order numbers are masked too; dates like 2026-03-01 are not). Run card redaction
 * first: a card number is also a long run of digits.
 */
export function maskContact(text: string): string {
  return maskEmails(text).replace(PHONE, maskPhone);
}

/** Masks email addresses only (for facts, whose digits are ids the customer gave on purpose). */
export function maskEmails(text: string): string {
  return text.replace(EMAIL, (m) => {
    const local = m.slice(0, m.indexOf("@"));
    return `[email ••••${local.slice(-2)}@•••]`;
  });
}

/**
 * Makes fence markers impossible inside data: runs of three or more angle brackets become
 * guillemets and any spelling of BATON_CONTEXT is replaced, whatever id follows it.
 */
export function neutralizeMarkers(s: string): string {
  return s
    .replace(/(?:<\s*){3,}/g, "‹‹‹")
    .replace(/(?:>\s*){3,}/g, "›››")
    .replace(/baton[\s_-]*context/gi, "[marker removed]");
}

/** 64 bits of FNV-1a (two seeds) as 16 hex digits: stable, random-looking, not a secret. */
export function stableHex(s: string): string {
  const fnv = (seed: number): string => {
    let h = seed >>> 0;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h.toString(16).padStart(8, "0");
  };
  return fnv(0x811c9dc5) + fnv(0x9747b28c);
}
