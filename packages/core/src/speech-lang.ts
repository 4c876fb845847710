/**
 * Languages the IVR sentence is spoken in (docs/ivr.md, "Languages"): which ones Baton speaks,
 * how a caller's BCP-47 tag maps onto one, and the tag handed to the platform's text-to-speech.
 */
import * as z from "zod";

/** The languages every sentence template and spoken time exists in. */
export const SPEECH_LANGUAGES = ["en", "es", "fr", "de"] as const;
export type SpeechLanguage = (typeof SPEECH_LANGUAGES)[number];

/** A workspace's `ivr.language`: a BCP-47 tag of a language Baton speaks ("en", "es-MX"). */
export const SpeechLanguageTag = z
  .string()
  .trim()
  .min(2)
  .max(35)
  .refine((t) => speechLanguageOf(t) !== null, {
    message: `must be a BCP-47 tag of ${SPEECH_LANGUAGES.join(", ")} (e.g. "es" or "es-MX")`,
  });

/** The region used when a tag names none: what Polly, Twilio and Genesys voices expect. */
const DEFAULT_REGION: Record<SpeechLanguage, string> = {
  en: "US",
  es: "ES",
  fr: "FR",
  de: "DE",
};

/** A BCP-47 language tag, loosely: a 2–3 letter language, then subtags of 1–8 letters/digits. */
const TAG = /^([a-z]{2,3})(?:[-_]([a-z0-9]{1,8}))*$/i;
const REGION = /^(?:[a-z]{2}|\d{3})$/i;

const isSpeechLanguage = (s: string): s is SpeechLanguage =>
  (SPEECH_LANGUAGES as readonly string[]).includes(s);

/** The language of a tag Baton speaks ("es-MX" → es), or null ("pt-BR", "klingon", ""). */
export function speechLanguageOf(tag: string | null | undefined): SpeechLanguage | null {
  const m = TAG.exec((tag ?? "").trim());
  const lang = m?.[1]?.toLowerCase() ?? "";
  return isSpeechLanguage(lang) ? lang : null;
}

/** "es-mx" → "es-MX", "fr" → "fr-FR", "de-CH-1996" → "de-CH": the tag a TTS voice takes. */
export function ttsTag(tag: string, lang: SpeechLanguage): string {
  const parts = tag.trim().split(/[-_]/).slice(1);
  const region = parts.find((p) => REGION.test(p));
  return `${lang}-${region ? region.toUpperCase() : DEFAULT_REGION[lang]}`;
}

/** The language a call is spoken in, and why. */
export interface ResolvedLanguage {
  lang: SpeechLanguage;
  /** The tag for the platform's TTS voice, e.g. "es-MX", "fr-FR". */
  tag: string;
  /** The caller's tag when it was not a language Baton speaks (the workspace's was used). */
  fallbackFrom: string | null;
}

/**
 * The caller's language when Baton speaks it, else the workspace's (itself validated by the
 * settings; "en" if it somehow is not a speech language). An empty or missing `requested` is
 * no request at all, not a fallback.
 */
export function resolveLanguage(
  requested: string | null | undefined,
  workspace: string | null | undefined,
): ResolvedLanguage {
  const asked = (requested ?? "").trim();
  const callerLang = asked === "" ? null : speechLanguageOf(asked);
  if (callerLang) return { lang: callerLang, tag: ttsTag(asked, callerLang), fallbackFrom: null };
  const ws = (workspace ?? "").trim();
  const wsLang = speechLanguageOf(ws) ?? "en";
  return {
    lang: wsLang,
    tag: ttsTag(speechLanguageOf(ws) ? ws : wsLang, wsLang),
    fallbackFrom: asked === "" ? null : asked,
  };
}
