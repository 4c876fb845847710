/**
 * Speakable text for the IVR pack: plain words a text-to-speech engine reads well, and
 * instants spoken the way a person would say them in the caller's time zone
 * ("tomorrow at 5 PM", "Thursday at 4:05 PM", "March 12 at noon").
 */
import { flatten } from "./context-pack-text";
import { redactText } from "./redact";
import type { SpeechLanguage } from "./speech-lang";
import { speakTimesInText, spokenInstantIn, type SpokenTextTimes } from "./speech-time";

/** How times inside the text are spoken: in which language, relative to when, where. */
export interface SpeakTimes extends SpokenTextTimes {
  lang: SpeechLanguage;
}

/** Symbols spoken as words, per language: & % @ + #. */
const SYMBOL_WORDS: Record<SpeechLanguage, [string, string, string, string, string]> = {
  en: ["and", "percent", "at", "plus", "number"],
  es: ["y", "por ciento", "arroba", "más", "número"],
  fr: ["et", "pour cent", "arobase", "plus", "numéro"],
  de: ["und", "Prozent", "at", "plus", "Nummer"],
};
const SYMBOLS = [/&/g, /%/g, /@/g, /\+/g, /#/g];

/**
 * Plain words only: card numbers redacted, times and dates spoken (`times`: "14:00-17:00" →
 * "2 to 5 PM"), a few symbols spoken as words, every other symbol (brackets, slashes, quotes,
 * emoji, hyphens, markup, bidi controls…) turned into a space; letters, digits, spaces,
 * apostrophes and . , ? are kept, and a colon only inside a spoken English time ("9:30 AM").
 * Nothing SSML reads as markup (< > & ") survives. Trailing punctuation is dropped so callers
 * can end the clause.
 */
export function speakable(text: string, times?: SpeakTimes): string {
  let s = redactText(flatten(text.normalize("NFKC"))).text;
  if (times) s = speakTimesInText(s, times.lang, times);
  const words = SYMBOL_WORDS[times?.lang ?? "en"];
  SYMBOLS.forEach((re, i) => {
    s = s.replace(re, ` ${words[i] ?? ""} `);
  });
  return s
    .replace(/[^\p{L}\p{M}\p{N} .,'?:]+/gu, " ")
    .replace(/:(?!\d\d [AP]M\b)/g, " ")
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
export function spokenPhrase(
  text: string | null | undefined,
  maxWords: number,
  times?: SpeakTimes,
): string | null {
  if (text === null || text === undefined) return null;
  const words = speakable(text, times).split(" ").filter(Boolean).slice(0, maxWords);
  const first = words[0];
  if (first === undefined) return null;
  let phrase = first.slice(0, PHRASE_MAX_CHARS);
  for (const w of words.slice(1)) {
    if (phrase.length + 1 + w.length > PHRASE_MAX_CHARS) break;
    phrase += ` ${w}`;
  }
  // A cut that split "9:30 AM" would leave a bare clock: drop it rather than misread it.
  phrase = phrase.replace(/\s*\d{1,2}:\d\d$/u, "").replace(/[.,?']+$/u, "");
  if (phrase === "") return null;
  // "Internet outage" reads better mid-sentence as "internet outage"; "I" and "TV" stay as they are.
  return /^\p{Lu}\p{Ll}/u.test(phrase) ? phrase.charAt(0).toLowerCase() + phrase.slice(1) : phrase;
}

/**
 * A topic slug as words, its most specific segment: "billing.double_charge" → "double
 * charge" (the whole slug when its last segment has nothing speakable).
 */
export function spokenTopic(topic: string | null | undefined): string | null {
  if (!topic) return null;
  const last =
    topic
      .split(".")
      .filter((p) => p.trim() !== "")
      .pop() ?? topic;
  const s = speakable(last.replace(/[_]+/g, " ")) || speakable(topic.replace(/[._]+/g, " "));
  return s === "" ? null : s;
}

/**
 * An instant as a person would say it relative to `now` in `timeZone` (UTC when missing or
 * unknown), in `lang` (English by default): "5 PM today", "tomorrow at 5 PM", "Thursday at
 * 5 PM" (within the coming week), "yesterday at 4:05 PM", "last Tuesday at 9 AM", else
 * "March 12 at noon" (with the year when it differs). Null for an unparseable instant.
 */
export function spokenInstant(
  iso: string,
  now: Date,
  timeZone = "UTC",
  lang: SpeechLanguage = "en",
): string | null {
  return spokenInstantIn(lang, iso, now, timeZone);
}
