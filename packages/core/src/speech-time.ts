/**
 * Times and dates spoken as a person would say them, in English, Spanish, French and German:
 * instants relative to now ("tomorrow at 5 PM", "mañana a las 5 de la tarde", "demain à 17 h",
 * "morgen um 17 Uhr"), and the clock times, ranges and ISO dates found inside free text
 * ("14:00-17:00" → "2 to 5 PM", "9:30" → "9:30 AM", "2026-12-08" → "December 8"). Month and
 * weekday names come from Intl (workerd carries the locale data; a test checks it).
 */
import type { SpeechLanguage } from "./speech-lang";
import { isValidTimeZone } from "./time";

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const partFormatters = new Map<string, Intl.DateTimeFormat>();

/** Local calendar fields of `d` in `timeZone` (the formatter is built once per zone). */
export function localParts(d: Date | number, timeZone: string): LocalParts {
  let f = partFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      hourCycle: "h23",
    });
    partFormatters.set(timeZone, f);
  }
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(d)) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
  };
}

const nameFormatters = new Map<string, Intl.DateTimeFormat>();

/** A month or weekday name in `lang` ("December", "diciembre", "décembre", "Dezember"). */
function dateName(
  lang: SpeechLanguage,
  what: "month" | "weekday",
  y: number,
  m: number,
  d: number,
): string {
  const key = `${lang}:${what}`;
  let f = nameFormatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(lang, { [what]: "long", timeZone: "UTC" });
    nameFormatters.set(key, f);
  }
  return f.format(new Date(Date.UTC(y, m - 1, d, 12)));
}

const pad = (n: number): string => String(n).padStart(2, "0");

/** English: "5 PM", "4:05 PM", "noon", "midnight". */
function clockEn(hour: number, minute: number, meridiem = true): string {
  if (minute === 0 && hour === 12) return "noon";
  if (minute === 0 && hour === 0) return "midnight";
  const h12 = hour % 12 === 0 ? 12 : hour % 12;
  const mm = minute === 0 ? "" : `:${pad(minute)}`;
  return meridiem ? `${h12}${mm} ${hour < 12 ? "AM" : "PM"}` : `${h12}${mm}`;
}

/** Spanish part of day: "de la mañana", "de la tarde"… */
function periodEs(hour: number): string {
  if (hour < 6) return "de la madrugada";
  if (hour < 12) return "de la mañana";
  if (hour < 14) return "del mediodía";
  if (hour < 21) return "de la tarde";
  return "de la noche";
}

/** Spanish: "5 de la tarde", "9 y media de la mañana", "4 y 05 de la tarde" (no article). */
function clockEs(hour: number, minute: number, period = true): string {
  if (minute === 0 && hour === 0) return "medianoche";
  const h12 = hour % 12 === 0 ? 12 : hour % 12;
  const mm =
    minute === 0
      ? ""
      : minute === 30
        ? " y media"
        : minute === 15
          ? " y cuarto"
          : ` y ${pad(minute)}`;
  return period ? `${h12}${mm} ${periodEs(hour)}` : `${h12}${mm}`;
}

/** French, 24-hour as French speakers say it: "17 h", "9 h 30", "midi", "minuit". */
function clockFr(hour: number, minute: number): string {
  if (minute === 0 && hour === 12) return "midi";
  if (minute === 0 && hour === 0) return "minuit";
  return minute === 0 ? `${hour} h` : `${hour} h ${pad(minute)}`;
}

/** German: "17 Uhr", "9 Uhr 30". */
function clockDe(hour: number, minute: number): string {
  return minute === 0 ? `${hour} Uhr` : `${hour} Uhr ${pad(minute)}`;
}

/** A clock time on its own, as it reads inside a sentence ("2 PM", "las 2 de la tarde"…). */
export function spokenClock(lang: SpeechLanguage, hour: number, minute: number): string {
  switch (lang) {
    case "en":
      return clockEn(hour, minute);
    case "es":
      return clockEs(hour, minute);
    case "fr":
      return clockFr(hour, minute);
    case "de":
      return clockDe(hour, minute);
  }
}

/** A time range: "2 to 5 PM", "de 2 a 5 de la tarde", "de 14 h à 17 h", "von 14 bis 17 Uhr". */
export function spokenRange(
  lang: SpeechLanguage,
  from: { hour: number; minute: number },
  to: { hour: number; minute: number },
): string {
  switch (lang) {
    case "en": {
      const sameHalf = from.hour < 12 === to.hour < 12 && from.hour !== 12 && to.hour !== 12;
      const a = sameHalf ? clockEn(from.hour, from.minute, false) : clockEn(from.hour, from.minute);
      return `${a} to ${clockEn(to.hour, to.minute)}`;
    }
    case "es": {
      const same = periodEs(from.hour) === periodEs(to.hour) && from.hour !== 0 && to.hour !== 0;
      const a = same ? clockEs(from.hour, from.minute, false) : clockEs(from.hour, from.minute);
      return `de ${a} a ${clockEs(to.hour, to.minute)}`;
    }
    case "fr":
      return `de ${clockFr(from.hour, from.minute)} à ${clockFr(to.hour, to.minute)}`;
    case "de": {
      const a = from.minute === 0 ? String(from.hour) : clockDe(from.hour, from.minute);
      return `von ${a} bis ${clockDe(to.hour, to.minute)}`;
    }
  }
}

/** A calendar date: "December 8" / "8 de diciembre" / "8 décembre" / "8. Dezember" (+ year). */
export function spokenDate(
  lang: SpeechLanguage,
  y: number,
  m: number,
  d: number,
  withYear: boolean,
): string {
  const month = dateName(lang, "month", y, m, d);
  switch (lang) {
    case "en":
      return `${month} ${d}${withYear ? `, ${y}` : ""}`;
    case "es":
      return `${d} de ${month}${withYear ? ` de ${y}` : ""}`;
    case "fr":
      return `${d === 1 ? "1er" : d} ${month}${withYear ? ` ${y}` : ""}`;
    case "de":
      return `${d}. ${month}${withYear ? ` ${y}` : ""}`;
  }
}

/** "at 5 PM" in each language, with the article or preposition the clock needs. */
function atClock(lang: SpeechLanguage, hour: number, minute: number): string {
  switch (lang) {
    case "en":
      return `at ${clockEn(hour, minute)}`;
    case "es":
      if (minute === 0 && hour === 0) return "a medianoche";
      return `${hour % 12 === 1 ? "a la" : "a las"} ${clockEs(hour, minute)}`;
    case "fr":
      return `à ${clockFr(hour, minute)}`;
    case "de":
      return `um ${clockDe(hour, minute)}`;
  }
}

const RELATIVE: Record<
  SpeechLanguage,
  {
    today: (at: string) => string;
    tomorrow: (at: string) => string;
    yesterday: (at: string) => string;
    next: (day: string, at: string) => string;
    last: (day: string, at: string) => string;
    date: (date: string, at: string) => string;
  }
> = {
  en: {
    today: (at) => `${at.replace(/^at /, "")} today`,
    tomorrow: (at) => `tomorrow ${at}`,
    yesterday: (at) => `yesterday ${at}`,
    next: (day, at) => `${day} ${at}`,
    last: (day, at) => `last ${day} ${at}`,
    date: (date, at) => `${date} ${at}`,
  },
  es: {
    today: (at) => `hoy ${at}`,
    tomorrow: (at) => `mañana ${at}`,
    yesterday: (at) => `ayer ${at}`,
    next: (day, at) => `el ${day} ${at}`,
    last: (day, at) => `el ${day} pasado ${at}`,
    date: (date, at) => `el ${date} ${at}`,
  },
  fr: {
    today: (at) => `aujourd'hui ${at}`,
    tomorrow: (at) => `demain ${at}`,
    yesterday: (at) => `hier ${at}`,
    next: (day, at) => `${day} ${at}`,
    last: (day, at) => `${day} dernier ${at}`,
    date: (date, at) => `le ${date} ${at}`,
  },
  de: {
    today: (at) => `heute ${at}`,
    tomorrow: (at) => `morgen ${at}`,
    yesterday: (at) => `gestern ${at}`,
    next: (day, at) => `am ${day} ${at}`,
    last: (day, at) => `letzten ${day} ${at}`,
    date: (date, at) => `am ${date} ${at}`,
  },
};

/**
 * An instant as a person would say it relative to `now` in `timeZone` (UTC when missing or
 * unknown), in `lang`: today, tomorrow, yesterday, a weekday within the coming or past week,
 * else the date (with the year when it differs). Null for an unparseable instant.
 */
export function spokenInstantIn(
  lang: SpeechLanguage,
  iso: string,
  now: Date,
  timeZone = "UTC",
): string | null {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime()) || Number.isNaN(now.getTime())) return null;
  const tz = isValidTimeZone(timeZone) ? timeZone : "UTC";
  const t = localParts(at, tz);
  const n = localParts(now, tz);
  const days = Math.round(
    (Date.UTC(t.year, t.month - 1, t.day) - Date.UTC(n.year, n.month - 1, n.day)) / 86_400_000,
  );
  const r = RELATIVE[lang];
  const clock = atClock(lang, t.hour, t.minute);
  if (days === 0) return r.today(clock);
  if (days === 1) return r.tomorrow(clock);
  if (days === -1) return r.yesterday(clock);
  const weekday = (): string => dateName(lang, "weekday", t.year, t.month, t.day);
  if (days > 1 && days < 7) return r.next(weekday(), clock);
  if (days < -1 && days > -7) return r.last(weekday(), clock);
  return r.date(spokenDate(lang, t.year, t.month, t.day, t.year !== n.year), clock);
}

const CLOCK = (n: number): string => String.raw`(?<h${n}>[01]?\d|2[0-3])[:.h](?<m${n}>[0-5]\d)`;
/**
 * One pass over the text, so a time already spoken ("4:05 PM") is never read again. Leftmost
 * match wins; at one position the alternatives are tried in order: an ISO instant, an ISO date,
 * a range, a clock time.
 */
const TIMES_RE = new RegExp(
  [
    String.raw`(?<instant>(?<!\d)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?(?![\d:]))`,
    String.raw`(?<date>(?<!\d)(?<y>\d{4})-(?<mo>0[1-9]|1[0-2])-(?<d>0[1-9]|[12]\d|3[01])(?!\d))`,
    String.raw`(?<range>(?<![\d:.])${CLOCK(1)}\s*(?:-|–|—|to |a |à |bis )\s*${CLOCK(2)}(?![\d:]))`,
    String.raw`(?<time>(?<![\d:.])(?<h>[01]?\d|2[0-3]):(?<m>[0-5]\d)(?![\d:])(?:\s*(?<ap>[AaPp])\.?[Mm]\b\.?)?)`,
  ].join("|"),
  "gu",
);

/** Options for speaking the times inside free text. */
export interface SpokenTextTimes {
  now: Date;
  timeZone?: string | undefined;
}

/**
 * Rewrites the times inside free text the way a person says them in `lang`: ISO instants
 * relative to now, ISO dates ("2026-12-08"), ranges ("14:00-17:00", "9.30 to 11.00") and clock
 * times ("9:30", "17:00"). Text without times comes back unchanged.
 */
export function speakTimesInText(text: string, lang: SpeechLanguage, o: SpokenTextTimes): string {
  const nowYear = Number.isNaN(o.now.getTime()) ? NaN : o.now.getUTCFullYear();
  return text.replace(TIMES_RE, (...args: unknown[]) => {
    const m = String(args[0]);
    const g = args[args.length - 1] as Record<string, string | undefined>;
    const num = (k: string): number => Number(g[k]);
    if (g.instant !== undefined) return spokenInstantIn(lang, m, o.now, o.timeZone) ?? m;
    if (g.date !== undefined) {
      const [year, month, day] = [num("y"), num("mo"), num("d")];
      const check = new Date(Date.UTC(year, month - 1, day));
      if (check.getUTCMonth() !== month - 1) return m;
      return spokenDate(lang, year, month, day, year !== nowYear);
    }
    if (g.range !== undefined)
      return spokenRange(
        lang,
        { hour: num("h1"), minute: num("m1") },
        { hour: num("h2"), minute: num("m2") },
      );
    // "9:30 pm" as written: a 12-hour clock, whatever the language speaks.
    const ap = g.ap?.toLowerCase();
    const h = num("h");
    const hour = ap === undefined || h > 12 ? h : (h % 12) + (ap === "p" ? 12 : 0);
    return spokenClock(lang, hour, num("m"));
  });
}
