/**
 * Outreach (issue 14, docs/outreach.md): the pure parts of what Baton sends on its own — the
 * message templates (rendered at send; their keys and the checks at save are in
 * outreach-schema.ts), the due time as a customer reads it,
 * the decision whether a message may go now, later or never under the journey's constraints,
 * Twilio's opt-out keywords, and what stops a workspace's settings from sending.
 */
import type {
  OutreachTemplateKey,
  OutreachTemplates,
  OutreachTemplateSet,
  OutreachTrigger,
} from "./outreach-schema";
import { DEFAULT_TEMPLATES, NEUTRAL_WORDS } from "./outreach-templates";
import type { WorkspaceSettings } from "./settings";
import { resolveLanguage, speechLanguageOf, type SpeechLanguage } from "./speech-lang";
import { localParts, spokenClock, spokenDate } from "./speech-time";
import { isValidInstant, isValidTimeZone } from "./time";

// ---------------------------------------------------------------------------------------------
// Rendering

/** Values for a template's variables; missing, null or blank ones read as a neutral word. */
export type OutreachVars = Partial<Record<string, string | number | null | undefined>>;

/**
 * Replaces each `{name}` in `tpl` by its value, in one pass (a value's own braces are never
 * read again). A missing value becomes a neutral word in `lang` ("our team", "soon"), never a
 * literal `{name}`.
 */
export function renderTemplate(
  tpl: string,
  vars: OutreachVars,
  lang: SpeechLanguage = "en",
): string {
  return tpl.replace(/\{([A-Za-z][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const v = vars[name];
    const s = v === null || v === undefined ? "" : String(v).trim();
    if (s !== "") return s;
    const words = NEUTRAL_WORDS[lang];
    return words[name] ?? words.other ?? "";
  });
}

/** The short journey reference customers and owners see: the id's last 6 characters, upper case. */
export const journeyRef = (journeyId: string): string => journeyId.slice(-6).toUpperCase();

/** Local calendar fields of `t` in `timeZone` (speech-time.ts caches the formatter per zone). */
const localFields = (t: number, timeZone: string) => localParts(t, timeZone);

const weekdayFormatters = new Map<SpeechLanguage, Intl.DateTimeFormat>();

function weekdayName(lang: SpeechLanguage, y: number, m: number, d: number): string {
  let f = weekdayFormatters.get(lang);
  if (!f) {
    f = new Intl.DateTimeFormat(lang, { weekday: "long", timeZone: "UTC" });
    weekdayFormatters.set(lang, f);
  }
  return f.format(Date.UTC(y, m - 1, d, 12));
}

/**
 * A due time as a customer reads it, in `timeZone` (UTC when unknown): "Tuesday, December 8
 * at 2 PM", "martes 8 de diciembre a las 2 de la tarde", "mardi 8 décembre à 14 h",
 * "Dienstag, 8. Dezember um 14 Uhr". `language` is a BCP-47 tag ("es-MX" → es; one Baton does
 * not write → English). With `now`, the year is added when it differs from now's. An
 * unparseable `iso` comes back unchanged.
 */
export function formatDue(iso: string, language: string, timeZone: string, now?: number): string {
  const lang = speechLanguageOf(language) ?? "en";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const tz = isValidTimeZone(timeZone) ? timeZone : "UTC";
  const l = localFields(t, tz);
  const withYear = now !== undefined && localFields(now, tz).year !== l.year;
  const weekday = weekdayName(lang, l.year, l.month, l.day);
  const date = spokenDate(lang, l.year, l.month, l.day, withYear);
  const clock = spokenClock(lang, l.hour, l.minute);
  switch (lang) {
    case "en":
      return `${weekday}, ${date} at ${clock}`;
    case "es": {
      const at = l.hour === 0 && l.minute === 0 ? "a" : l.hour % 12 === 1 ? "a la" : "a las";
      return `${weekday} ${date} ${at} ${clock}`;
    }
    case "fr":
      return `${weekday} ${date} à ${clock}`;
    case "de":
      return `${weekday}, ${date} um ${clock}`;
  }
}

const LEAD_UNITS: Record<
  SpeechLanguage,
  { and: string; day: [string, string]; hour: [string, string]; minute: [string, string] }
> = {
  en: { and: "and", day: ["day", "days"], hour: ["hour", "hours"], minute: ["minute", "minutes"] },
  es: { and: "y", day: ["día", "días"], hour: ["hora", "horas"], minute: ["minuto", "minutos"] },
  fr: {
    and: "et",
    day: ["jour", "jours"],
    hour: ["heure", "heures"],
    minute: ["minute", "minutes"],
  },
  // Dative plural: the nudge reads "fällig in 2 Tagen".
  de: {
    and: "und",
    day: ["Tag", "Tagen"],
    hour: ["Stunde", "Stunden"],
    minute: ["Minute", "Minuten"],
  },
};

/**
 * A lead time as it follows "in" ("due in 1 hour"): "15 minutes", "1 hour", "1 hour and 30
 * minutes", "2 days"; in es, fr, de likewise. At most two units, the larger first.
 */
export function formatLead(minutes: number, lang: SpeechLanguage): string {
  const u = LEAD_UNITS[lang];
  const m = Math.max(0, Math.round(minutes));
  const unit = (n: number, [one, many]: [string, string]) => `${n} ${n === 1 ? one : many}`;
  const parts: string[] = [];
  const days = Math.floor(m / 1440);
  const hours = Math.floor((m % 1440) / 60);
  const mins = m % 60;
  if (days > 0) parts.push(unit(days, u.day));
  if (hours > 0) parts.push(unit(hours, u.hour));
  if (mins > 0 || parts.length === 0) parts.push(unit(mins, u.minute));
  return parts.slice(0, 2).join(` ${u.and} `);
}

/** What outreachMessage needs to word one message. */
export interface OutreachMessageInput {
  trigger: OutreachTrigger;
  /** `owner` uses the `owner.nudge` template whatever the trigger. */
  audience: "customer" | "owner";
  /** The recipient's language as a BCP-47 tag ("es-MX"); null or unsupported: the workspace's. */
  language?: string | null | undefined;
  channel: "sms" | "email";
  /** The workspace settings, or just their `outreach` part (templates and language). */
  settings?: WorkspaceSettings | OutreachWording | null;
  /**
   * Variable values. Convenience forms are turned into text in the chosen language: `due` and
   * `newDue` given as RFC 3339 instants (formatDue in `timeZone`), `journey` as a journey id
   * (journeyRef), `lead` as a number of minutes (formatLead).
   */
  vars: OutreachVars;
  /** Zone for `due` / `newDue` (default UTC). */
  timeZone?: string | undefined;
  /** For formatDue's year: the year is shown when it differs from now's. */
  now?: number | undefined;
}

/** The part of the `outreach` settings that words messages. */
export interface OutreachWording {
  templates?: OutreachTemplates | undefined;
  language?: string | undefined;
}

/** A worded message: the subject (email only), the body, and the language it is in. */
export interface OutreachMessage {
  subject?: string;
  body: string;
  language: SpeechLanguage;
}

/**
 * Words one message. Template choice: the workspace's template for (key, recipient language),
 * then (key, workspace language), then the default in the recipient language, then English —
 * the first that has the channel's body (`sms`, or `email`). The email subject comes from the
 * same entry, else the default subject in the body's language. The recipient language is the
 * caller's tag when Baton writes it (es-MX → es), else the workspace's, else English.
 */
export function outreachMessage(input: OutreachMessageInput): OutreachMessage {
  const key: OutreachTemplateKey = input.audience === "owner" ? "owner.nudge" : input.trigger;
  const s = input.settings;
  const wording: OutreachWording | null | undefined = s && "outreach" in s ? s.outreach : s;
  const wsLang = resolveLanguage(wording?.language, "en").lang;
  const lang = resolveLanguage(input.language, wsLang).lang;
  const custom = wording?.templates?.[key];
  const field = input.channel === "sms" ? "sms" : "email";
  const candidates: [OutreachTemplateSet | undefined, SpeechLanguage][] = [
    [custom?.[lang], lang],
    [custom?.[wsLang], wsLang],
    [DEFAULT_TEMPLATES[key][lang], lang],
    [DEFAULT_TEMPLATES[key].en, "en"],
  ];
  const [chosen, chosenLang] = candidates.find(([set]) => set?.[field] !== undefined) ?? [
    DEFAULT_TEMPLATES[key].en,
    "en" as const,
  ];
  const vars = resolveVars(input.vars, chosenLang, input.timeZone ?? "UTC", input.now);
  const body = renderTemplate(chosen?.[field] ?? "", vars, chosenLang);
  if (input.channel === "sms") return { body, language: chosenLang };
  const subjectTpl = chosen?.subject ?? DEFAULT_TEMPLATES[key][chosenLang].subject ?? "";
  // A subject is one header line, whatever the values hold.
  const subject = renderTemplate(subjectTpl, vars, chosenLang).replace(/\s+/g, " ").trim();
  return { subject, body, language: chosenLang };
}

function resolveVars(
  vars: OutreachVars,
  lang: SpeechLanguage,
  timeZone: string,
  now: number | undefined,
): OutreachVars {
  const out: OutreachVars = { ...vars };
  for (const k of ["due", "newDue"]) {
    const v = out[k];
    if (typeof v === "string" && isValidInstant(v)) out[k] = formatDue(v, lang, timeZone, now);
  }
  if (typeof out.journey === "string" && /^jrn_[0-9a-z]+$/.test(out.journey))
    out.journey = journeyRef(out.journey);
  const lead = out.lead;
  if (typeof lead === "number" || (typeof lead === "string" && /^\d+$/.test(lead)))
    out.lead = formatLead(Number(lead), lang);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Constraint decisions

/** A journey constraint as the decision reads it (the journey's constraint rows). */
export interface OutreachConstraint {
  id: string;
  kind: string;
  text: string;
  channel?: string | null;
  window?: { from: string; to: string; timeZone: string } | null;
  until?: string | null;
}

export type OutreachChannel = "sms" | "email";

export interface DecideOutreachInput {
  audience: "customer" | "owner";
  /** The channel to use when allowed (the one the customer last wrote on, say). */
  preferred: OutreachChannel | null;
  /** Channels there is an address and a sending path for, in order of preference. */
  available: OutreachChannel[];
  constraints: OutreachConstraint[];
  /** Workspace quiet hours, local times in `timeZone`; null: none. */
  quietHours: { from: string; to: string } | null;
  timeZone: string;
  now: number;
}

export type OutreachDecision =
  | { action: "send"; channel: OutreachChannel }
  | {
      action: "hold";
      channel: OutreachChannel;
      /** ISO instant: the earliest moment every window and the quiet hours allow. */
      until: string;
      reason: string;
      constraintId?: string;
    }
  | { action: "suppress"; reason: string; constraintId?: string };

/** How far ahead a hold may look before the message is suppressed instead. */
const HOLD_HORIZON_MS = 8 * 86_400_000;
const MINUTE = 60_000;

interface TimeRule {
  /** `quiet`: forbidden between from and to; `window`: allowed only between from and to. */
  kind: "quiet" | "window";
  from: number;
  to: number;
  tz: string;
  label: string;
  constraintId?: string;
}

const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(":");
  return Number(h) * 60 + Number(m);
};

/** True when minute-of-day `m` lies in [from, to), wrapping midnight when from > to. */
const inRange = (from: number, to: number, m: number): boolean =>
  from < to ? m >= from && m < to : m >= from || m < to;

const allows = (r: TimeRule, m: number): boolean =>
  r.kind === "quiet" ? !inRange(r.from, r.to, m) : inRange(r.from, r.to, m);

/** Whole minutes (local clock) until a rule that forbids minute-of-day `m` allows again. */
const minutesUntilAllowed = (r: TimeRule, m: number): number =>
  ((r.kind === "quiet" ? r.to : r.from) - m + 1440) % 1440 || 1440;

/** Local minute of day and UTC offset (minutes) of the minute holding `t`, in `tz`. */
function localClock(t: number, tz: string): { minuteOfDay: number; offset: number } {
  const base = Math.floor(t / MINUTE) * MINUTE;
  const l = localFields(base, tz);
  const local = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute);
  return { minuteOfDay: l.hour * 60 + l.minute, offset: Math.round((local - base) / MINUTE) };
}

const pad2 = (n: number): string => String(n).padStart(2, "0");

/** "08:00" within a day of `now`, else "2026-12-09 08:00", local to `tz`. */
function localLabel(t: number, now: number, tz: string): string {
  const l = localFields(t, tz);
  const hm = `${pad2(l.hour)}:${pad2(l.minute)}`;
  return t - now < 86_400_000 ? hm : `${l.year}-${pad2(l.month)}-${pad2(l.day)} ${hm}`;
}

const quoted = (c: OutreachConstraint): string => `"${c.text}"`;

/**
 * Whether an outreach message goes now, later or never.
 *
 * Owners: sent at once on `preferred` (else the first available channel); no channel →
 * suppressed ("no contact"). Constraints and quiet hours are the customer's, not the owner's.
 *
 * Customers: constraints whose `until` has passed are ignored. A `legal` hold suppresses.
 * `opted_out` removes its channel (none named: every channel); `channel_only` keeps only its
 * channel. The channel is `preferred` when still available, else the first available; none
 * left → suppressed, naming the constraints that removed them. Then the time: the quiet hours
 * (in `timeZone`) and every `contact_window` for that channel (no channel, or the same one; in
 * the window's own zone; windows and quiet hours may wrap midnight) must all allow `now`; else
 * the message is held until the earliest instant at or after now that they all allow,
 * minute-exact across daylight-saving changes. Nothing within 8 days → suppressed. A contact
 * window whose from equals its to allows the whole day; quiet hours whose from equals their to
 * forbid nothing. Reasons are sentences the journey shows as they are.
 */
export function decideOutreach(input: DecideOutreachInput): OutreachDecision {
  const { now } = input;
  if (input.audience === "owner") {
    const channel =
      input.preferred && input.available.includes(input.preferred)
        ? input.preferred
        : input.available[0];
    return channel ? { action: "send", channel } : { action: "suppress", reason: "no contact" };
  }
  if (input.available.length === 0) return { action: "suppress", reason: "no contact" };

  const active = input.constraints.filter((c) => {
    const until = c.until ? Date.parse(c.until) : NaN;
    return Number.isNaN(until) || until > now;
  });
  const legal = active.find((c) => c.kind === "legal");
  if (legal)
    return { action: "suppress", reason: `legal hold: ${legal.text}`, constraintId: legal.id };

  let available = [...new Set(input.available)];
  const removedBy: OutreachConstraint[] = [];
  const removedWhy: string[] = [];
  for (const c of active) {
    let next = available;
    let why = "";
    if (c.kind === "opted_out") {
      next = c.channel ? available.filter((ch) => ch !== c.channel) : [];
      why = c.channel
        ? `opted out of ${c.channel} (${quoted(c)})`
        : `opted out of every channel (${quoted(c)})`;
    } else if (c.kind === "channel_only" && c.channel) {
      next = available.filter((ch) => ch === c.channel);
      why = `${c.channel} only (${quoted(c)})`;
    }
    if (next.length < available.length) {
      removedBy.push(c);
      removedWhy.push(why);
      available = next;
    }
  }
  const channel =
    input.preferred && available.includes(input.preferred) ? input.preferred : available[0];
  if (!channel) {
    return {
      action: "suppress",
      reason: `no channel left: ${removedWhy.join("; ")}`,
      ...(removedBy[0] ? { constraintId: removedBy[0].id } : {}),
    };
  }

  const rules: TimeRule[] = [];
  const wsZone = isValidTimeZone(input.timeZone) ? input.timeZone : "UTC";
  if (input.quietHours && input.quietHours.from !== input.quietHours.to) {
    const { from, to } = input.quietHours;
    rules.push({
      kind: "quiet",
      from: minutesOf(from),
      to: minutesOf(to),
      tz: wsZone,
      label: `quiet hours ${from}–${to} (${wsZone})`,
    });
  }
  for (const c of active) {
    if (c.kind !== "contact_window" || !c.window) continue;
    if (c.channel && c.channel !== channel) continue;
    if (c.window.from === c.window.to) continue;
    const tz = isValidTimeZone(c.window.timeZone) ? c.window.timeZone : "UTC";
    rules.push({
      kind: "window",
      from: minutesOf(c.window.from),
      to: minutesOf(c.window.to),
      tz,
      label: `contact window ${c.window.from}–${c.window.to} (${tz}${c.channel ? `, ${c.channel}` : ""}) ${quoted(c)}`,
      constraintId: c.id,
    });
  }
  if (rules.length === 0) return { action: "send", channel };

  const zones = [...new Set(rules.map((r) => r.tz))];
  const blockers = new Set<TimeRule>();
  let t = now;
  for (;;) {
    const clocks = new Map(zones.map((z) => [z, localClock(t, z)] as const));
    const failing = rules.filter((r) => !allows(r, clocks.get(r.tz)?.minuteOfDay ?? 0));
    if (failing.length === 0) break;
    for (const r of failing) blockers.add(r);
    // Jump to the first minute a failing rule allows again, if no zone's offset changes on
    // the way; else to the offset change (found by bisection), and look again from there.
    const base = Math.floor(t / MINUTE) * MINUTE;
    const step = Math.min(
      ...failing.map((r) => minutesUntilAllowed(r, clocks.get(r.tz)?.minuteOfDay ?? 0)),
    );
    let next = base + step * MINUTE;
    const shifted = (at: number): boolean =>
      zones.some((z) => localClock(at, z).offset !== clocks.get(z)?.offset);
    if (shifted(next)) {
      let lo = base; // same offsets as base
      let hi = next; // offsets changed at or before hi
      while (hi - lo > MINUTE) {
        const mid = lo + Math.floor((hi - lo) / MINUTE / 2) * MINUTE;
        if (shifted(mid)) hi = mid;
        else lo = mid;
      }
      next = hi;
    }
    t = next;
    if (t - now > HOLD_HORIZON_MS) {
      const first = [...blockers].find((r) => r.constraintId);
      return {
        action: "suppress",
        reason: `no time satisfies the contact windows: ${[...blockers].map((r) => r.label).join(" and ")} within 8 days`,
        ...(first?.constraintId ? { constraintId: first.constraintId } : {}),
      };
    }
  }
  if (t === now) return { action: "send", channel };
  const list = [...blockers];
  const first = list[0] as TimeRule;
  const withId = list.find((r) => r.constraintId);
  return {
    action: "hold",
    channel,
    until: new Date(t).toISOString(),
    reason: `${list.map((r) => r.label).join(" and ")}: held until ${localLabel(t, now, first.tz)}`,
    ...(withId?.constraintId ? { constraintId: withId.constraintId } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Opt-out keywords

const STOP_WORDS = new Set([
  "STOP",
  "STOPALL",
  "UNSUBSCRIBE",
  "CANCEL",
  "END",
  "QUIT",
  "OPTOUT",
  "REVOKE",
]);
const START_WORDS = new Set(["START", "YES", "UNSTOP"]);

/**
 * Twilio's standard opt-out and opt-in keywords: the whole message, trimmed, any case. "STOP"
 * → stop, "start" → start; "Stop texting me" or "STOP." → null (Twilio does not act on them
 * either).
 */
export function optOutKeyword(text: string): "stop" | "start" | null {
  const word = text.trim().toUpperCase();
  if (STOP_WORDS.has(word)) return "stop";
  if (START_WORDS.has(word)) return "start";
  return null;
}

// ---------------------------------------------------------------------------------------------
// Readiness

/** The SMS sender outreach uses: outreach.sms.from, else replies.smsFrom. */
export function outreachSmsFrom(s: WorkspaceSettings): string | undefined {
  return s.outreach.sms?.from ?? s.replies.smsFrom;
}

/** True when Twilio can send SMS: an account SID (with the auth token) and a sender. */
export function canSendSms(s: WorkspaceSettings): boolean {
  return Boolean(s.providers.twilio?.accountSid && outreachSmsFrom(s));
}

/** What the `outreach.email` provider still lacks to send (empty: it can send). */
function emailMissing(s: WorkspaceSettings): string[] {
  const e = s.outreach.email;
  if (!e) return ["outreach.email"];
  switch (e.provider) {
    case "postmark": {
      const p = s.providers.postmark;
      return p?.serverToken ? [] : ["providers.postmark.serverToken"];
    }
    case "mailgun": {
      const p = s.providers.mailgun;
      return [
        ...(p?.apiKey ? [] : ["providers.mailgun.apiKey"]),
        ...(p?.domain ? [] : ["providers.mailgun.domain"]),
      ];
    }
    case "sendgrid": {
      const p = s.providers.sendgrid;
      return p?.apiKey ? [] : ["providers.sendgrid.apiKey"];
    }
  }
}

/** True when outreach.email names a provider with its sending credentials. */
export function canSendEmail(s: WorkspaceSettings): boolean {
  return emailMissing(s).length === 0;
}

const SMS_NEEDS =
  "SMS needs providers.twilio.accountSid and authToken, and outreach.sms.from or replies.smsFrom";
const EMAIL_NEEDS = "email needs outreach.email and that provider's sending credentials";

/**
 * What stops outreach from sending with these settings, as sentences naming the fields to set;
 * empty when it is ready (or nothing is switched on).
 */
export function outreachProblems(s: WorkspaceSettings): string[] {
  const o = s.outreach;
  const problems: string[] = [];
  const sms = canSendSms(s);
  const email = canSendEmail(s);
  if (o.email && !email) {
    const p = s.providers[o.email.provider];
    problems.push(
      p
        ? `outreach.email uses ${o.email.provider}, but ${emailMissing(s).join(" and ")} ${emailMissing(s).length > 1 ? "are" : "is"} not set`
        : `outreach.email uses ${o.email.provider}, but providers.${o.email.provider} is not set`,
    );
  }
  if (o.sms && !s.providers.twilio?.accountSid)
    problems.push("outreach.sms.from is set, but providers.twilio.accountSid is not set");
  if (
    s.providers.twilio?.accountSid &&
    !outreachSmsFrom(s) &&
    (o.customerUpdates.length > 0 || o.sms)
  )
    problems.push(
      "providers.twilio.accountSid is set, but there is no SMS sender: set outreach.sms.from or replies.smsFrom",
    );
  if (o.customerUpdates.length > 0 && !sms && !email)
    problems.push(
      `customerUpdates are on, but nothing can send them: ${SMS_NEEDS}; ${EMAIL_NEEDS}`,
    );
  if (o.nudges.notifyOwners && o.nudges.leadMinutes.length > 0) {
    const stuck = Object.entries(o.owners)
      .filter(([, c]) => !((c.phone && sms) || (c.email && email)))
      .map(([id]) => id);
    if (stuck.length > 0) {
      const shown = stuck.slice(0, 5).join(", ");
      const more = stuck.length > 5 ? ` (+${stuck.length - 5} more)` : "";
      problems.push(
        `owner nudges cannot reach ${shown}${more}: no sending path for their contacts (${SMS_NEEDS}; ${EMAIL_NEEDS})`,
      );
    }
  }
  return problems;
}
