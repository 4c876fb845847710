/**
 * Speakable text for the IVR pack: plain words a text-to-speech engine reads well, and
 * instants spoken the way a person would say them in the caller's time zone
 * ("tomorrow at 5 PM", "Thursday at 4:05 PM", "March 12 at noon").
 */
import { flatten } from "./context-pack-text";
import { redactText } from "./redact";
import { isValidTimeZone } from "./time";

const WORDS: Array<[RegExp, string]> = [
  [/&/g, " and "],
  [/%/g, " percent "],
  [/@/g, " at "],
  [/\+/g, " plus "],
  [/#/g, " number "],
];

/**
 * Plain words only: card numbers redacted, a few symbols spoken as words, every other symbol
 * (brackets, slashes, quotes, emoji, hyphens…) turned into a space; letters, digits, spaces,
 * apostrophes and . , ? are kept. Trailing punctuation is dropped so callers can end the clause.
 */
export function speakable(text: string): string {
  let s = redactText(flatten(text.normalize("NFKC"))).text;
  for (const [re, word] of WORDS) s = s.replace(re, word);
  return s
    .replace(/[^\p{L}\p{M}\p{N} .,'?]+/gu, " ")
    .replace(/\s+([.,?])/g, "$1")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/[\s.,?']+$/u, "");
}

/** Longest spoken phrase, in characters: a caller cannot take in more. */
const PHRASE_MAX_CHARS = 100;

/**
 * At most `maxWords` words (and about 100 characters) of speakable text, or null when nothing
 * speakable is left. A leading capital is lowered so the phrase reads well mid-sentence.
 */
export function spokenPhrase(text: string | null | undefined, maxWords: number): string | null {
  if (text === null || text === undefined) return null;
  const words = speakable(text).split(" ").filter(Boolean).slice(0, maxWords);
  const first = words[0];
  if (first === undefined) return null;
  let phrase = first.slice(0, PHRASE_MAX_CHARS);
  for (const w of words.slice(1)) {
    if (phrase.length + 1 + w.length > PHRASE_MAX_CHARS) break;
    phrase += ` ${w}`;
  }
  phrase = phrase.replace(/[.,?']+$/u, "");
  // "Internet outage" reads better mid-sentence as "internet outage"; "I" and "TV" stay as they are.
  return /^\p{Lu}\p{Ll}/u.test(phrase) ? phrase.charAt(0).toLowerCase() + phrase.slice(1) : phrase;
}

/** "billing.double_charge" → "billing double charge". */
export function spokenTopic(topic: string | null | undefined): string | null {
  if (!topic) return null;
  const s = speakable(topic.replace(/[._]+/g, " "));
  return s === "" ? null : s;
}

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      hourCycle: "h23",
      weekday: "long",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function localParts(d: Date, timeZone: string): LocalParts {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(d)) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
    weekday: parts.weekday ?? "",
  };
}

/** "5 PM", "4:05 PM", "noon", "midnight". */
function spokenClock(hour: number, minute: number): string {
  if (minute === 0 && hour === 12) return "noon";
  if (minute === 0 && hour === 0) return "midnight";
  const h12 = hour % 12 === 0 ? 12 : hour % 12;
  const mm = minute === 0 ? "" : `:${String(minute).padStart(2, "0")}`;
  return `${h12}${mm} ${hour < 12 ? "AM" : "PM"}`;
}

/**
 * An instant as a person would say it relative to `now` in `timeZone` (UTC when missing or
 * unknown): "5 PM today", "tomorrow at 5 PM", "Thursday at 5 PM" (within the coming week),
 * "yesterday at 4:05 PM", "last Tuesday at 9 AM", else "March 12 at noon" (with the year
 * when it differs). Null for an unparseable instant.
 */
export function spokenInstant(iso: string, now: Date, timeZone = "UTC"): string | null {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime()) || Number.isNaN(now.getTime())) return null;
  const tz = isValidTimeZone(timeZone) ? timeZone : "UTC";
  const t = localParts(at, tz);
  const n = localParts(now, tz);
  const days = Math.round(
    (Date.UTC(t.year, t.month - 1, t.day) - Date.UTC(n.year, n.month - 1, n.day)) / 86_400_000,
  );
  const clock = spokenClock(t.hour, t.minute);
  if (days === 0) return `${clock} today`;
  if (days === 1) return `tomorrow at ${clock}`;
  if (days === -1) return `yesterday at ${clock}`;
  if (days > 1 && days < 7) return `${t.weekday} at ${clock}`;
  if (days < -1 && days > -7) return `last ${t.weekday} at ${clock}`;
  const year = t.year === n.year ? "" : `, ${t.year}`;
  return `${MONTHS[t.month - 1] ?? ""} ${t.day}${year} at ${clock}`;
}
