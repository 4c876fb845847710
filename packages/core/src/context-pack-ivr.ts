/**
 * The IVR context pack (docs/architecture.md §5): Amazon Connect's Lambda contract is a flat map of
 * string values, and the serialized map must stay within 1 KB. The map carries the match kind, the
 * journey and queue to route to, the disclosure tier and why, and one speakable sentence for the
 * caller. Only the items the tier allows go into the map or the sentence.
 */
import type { BriefHistory, CallBrief, CallBriefJourney } from "./context-pack-brief";
import { allows, type Disclosure, type DisclosureItem } from "./context-pack-disclosure";
import { fitIvrMap } from "./context-pack-ivr-fit";
import {
  spokenInstant,
  spokenPhrase,
  spokenTopic,
  speakable,
  type SpeakTimes,
} from "./context-pack-speech";
import { isAtRisk } from "./context-pack-risk";
import { flatten } from "./context-pack-text";
import { redactText } from "./redact";
import type { ResolvedLanguage } from "./speech-lang";
import { PHRASES, type SpeechPhrases } from "./speech-phrases";
import { isValidTimeZone } from "./time";

export * from "./context-pack-disclosure";
export { fitIvrMap, IVR_MAX_BYTES, IVR_NEUTRAL_SENTENCE } from "./context-pack-ivr-fit";

export interface IvrOptions {
  /** Where to route when the journey has no owner team (and for callers with no match). */
  defaultQueue: string;
  /** The tier that applies to this caller, why, and the workspace's per-item policy. */
  disclosure: Disclosure;
  now: Date;
  /** IANA zone for spoken times; UTC when missing or unknown. */
  timeZone?: string;
  /** The language to speak (`resolveLanguage`); English (en-US) when missing. */
  language?: ResolvedLanguage | undefined;
}

const ENGLISH: ResolvedLanguage = { lang: "en", tag: "en-US", fallbackFrom: null };

/** Matters offered to a caller with several open journeys. */
const MAX_CHOICES = 3;
/** Words of customer or agent text spoken in one clause. */
const CLAUSE_WORDS = 14;

/** One-line display text: no newlines or invisible characters, card numbers redacted. */
const display = (s: string | null | undefined): string | null => {
  if (s === null || s === undefined) return null;
  const v = redactText(flatten(s)).text;
  return v === "" ? null : v;
};

function queueOf(owner: CallBrief["owner"], defaultQueue: string): string {
  const team = display(owner?.team) ?? (owner?.kind === "team" ? display(owner.id) : null);
  return team ?? display(defaultQueue) ?? defaultQueue;
}

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const spokenName = (s: string | null | undefined): string | null =>
  s ? speakable(s).split(" ").slice(0, 4).join(" ").slice(0, 40).trim() || null : null;

/** "Dana from billing", "our billing team", or null for a bot or an anonymous owner. */
function ownerPhrase(owner: CallBrief["owner"], P: SpeechPhrases): string | null {
  if (!owner || owner.kind === "bot") return null;
  const team = spokenName(owner.team);
  const name = spokenName(owner.name);
  if (owner.kind === "person" && name) return team ? P.personFrom(name, team) : name;
  const label = (owner.kind === "team" ? (name ?? team ?? spokenName(owner.id)) : team) ?? null;
  return label ? P.ourTeam(label.replace(/\s+team$/i, "")) : null;
}

/**
 * The customer's own words for "You told us: …", kept a question when they asked one and
 * nothing was cut.
 */
function customerWords(text: string | null | undefined, times: SpeakTimes): string | null {
  const phrase = spokenPhrase(text, CLAUSE_WORDS, times);
  if (phrase === null || text === null || text === undefined) return phrase;
  const whole = speakable(text, times).split(" ").filter(Boolean).length;
  const asked = /\?[^\p{L}\p{N}]*$/u.test(text);
  return asked && phrase.split(" ").length === whole ? `${phrase}?` : phrase;
}

/** The spoken language and the times context of one answer. */
interface Speech {
  P: SpeechPhrases;
  times: SpeakTimes;
}

function speechOf(o: IvrOptions): Speech {
  const lang = (o.language ?? ENGLISH).lang;
  return { P: PHRASES[lang], times: { lang, now: o.now, timeZone: o.timeZone } };
}

function promiseClause(
  b: CallBrief,
  owner: string | null,
  o: IvrOptions,
  s: Speech,
): { text: string; ownerSpoken: boolean } | null {
  const p = b.promise;
  if (!p || (p.status !== "pending" && p.status !== "overdue" && p.status !== "broken"))
    return null;
  const maker = spokenName(p.madeByName);
  const ownerName = spokenName(b.owner?.name);
  const same =
    owner !== null && b.owner?.kind === "person" && maker !== null && ownerName === maker;
  const who = same && owner ? capitalize(owner) : maker ? capitalize(maker) : null;
  const what = spokenPhrase(p.text, CLAUSE_WORDS, s.times) ?? s.P.followUp;
  const when = spokenInstant(p.dueAt, o.now, o.timeZone, s.times.lang);
  const base = s.P.promised(who, what, when);
  if (p.status === "broken") return { text: `${base}${s.P.broken}.`, ownerSpoken: false };
  if (p.status === "overdue") return { text: `${base}${s.P.overdue}.`, ownerSpoken: false };
  if (promiseAtRisk(b, o.now)) return { text: `${base}${s.P.atRisk}.`, ownerSpoken: false };
  return { text: `${base}${same ? s.P.andHandling : ""}.`, ownerSpoken: same };
}

/** The brief's promise is at risk at `now` (docs/api.md#worklist): pending, nudged, not due. */
function promiseAtRisk(b: CallBrief, now: Date): boolean {
  const p = b.promise;
  return (
    p !== null &&
    isAtRisk({ status: p.status, dueAt: p.dueAt, atRiskAt: p.atRiskAt }, now.getTime())
  );
}

/**
 * The spoken parts of a single match, most urgent first (a caller who hangs up early, or a
 * map clipped to 1 KB, keeps the head): an open exception (the apology, then the promise that
 * recovers from it), an overdue or broken promise, a promise at risk ("…, and we are on it"),
 * the reason, a pending promise or else the last action, and who is on it.
 */
function spokenParts(b: CallBrief, o: IvrOptions): string[] {
  const s = speechOf(o);
  const { P, times } = s;
  const urgent: string[] = [];
  const rest: string[] = [];
  const e = b.exception ?? null;
  if (e) {
    const what = spokenPhrase(e.text, CLAUSE_WORDS + 2, times);
    if (what) urgent.push(P.sorry(what));
  }
  const owner = ownerPhrase(b.owner, P);
  const promise = promiseClause(b, owner, o, s);
  const promiseUrgent =
    promise !== null && (e !== null || b.promise?.status !== "pending" || promiseAtRisk(b, o.now));
  if (promise && promiseUrgent) urgent.push(promise.text);
  const topic = spokenTopic(b.reason?.topic);
  const words = customerWords(b.reason?.text, times);
  if (topic) rest.push(P.aboutTopic(topic));
  else if (words) rest.push(P.toldUs(words));
  if (promise && !promiseUrgent) rest.push(promise.text);
  else if (!promise && b.lastAction) {
    const what = spokenPhrase(b.lastAction.text, CLAUSE_WORDS, times);
    const when = spokenInstant(b.lastAction.at, o.now, o.timeZone, times.lang);
    if (what) rest.push(P.lastAction(what, when));
  }
  if (owner && !promise?.ownerSpoken) rest.push(P.handling(capitalize(owner)));
  return [...urgent, ...rest];
}

/** The sentence for one match, from the items `b` still holds (see `disclosed`). */
export function singleSentence(b: CallBrief, o: IvrOptions): string {
  const parts = spokenParts(b, o);
  if (parts.length > 0) return parts.join(" ");
  // "Welcome back" tells the caller the number is known: said only to an authenticated caller.
  const { P } = speechOf(o);
  const tier = o.disclosure.tier;
  if (tier === "personal") return P.welcomeBack;
  return tier === "prompt" ? P.prompt : P.neutral;
}

/** "Are you calling about your March bill, or about your internet outage?" */
export function whichMatterSentence(
  journeys: CallBriefJourney[],
  language: ResolvedLanguage = ENGLISH,
): string {
  const seen = new Set<string>();
  const options: string[] = [];
  for (const j of journeys.slice(0, MAX_CHOICES)) {
    const o = spokenTopic(j.reasonTopic) ?? spokenPhrase(j.reasonText, 8);
    if (o && !seen.has(o.toLowerCase())) {
      seen.add(o.toLowerCase());
      options.push(o);
    }
  }
  return PHRASES[language.lang].whichOf(options);
}

const historyDates = new Map<string, Intl.DateTimeFormat>();
const historyYears = new Map<string, Intl.DateTimeFormat>();

/** "Tue Dec 1" (with the year when it is not this year's) in `timeZone`. */
function shortDate(iso: string, now: Date, timeZone: string): string | null {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return null;
  const tz = isValidTimeZone(timeZone) ? timeZone : "UTC";
  // Building an Intl.DateTimeFormat costs far more than formatting with one: cache them all.
  let years = historyYears.get(tz);
  if (!years) {
    years = new Intl.DateTimeFormat("en-US", { timeZone: tz, year: "numeric" });
    historyYears.set(tz, years);
  }
  const year = (d: Date): string => years.format(d);
  const withYear = Number.isNaN(now.getTime()) || year(at) !== year(now);
  const key = `${tz}:${withYear}`;
  let f = historyDates.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      weekday: "short",
      month: "short",
      day: "numeric",
      ...(withYear ? { year: "numeric" } : {}),
    });
    historyDates.set(key, f);
  }
  return f.format(at).replace(/,/g, "");
}

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? "" : "s"}`;

/**
 * The `history` line: "3 contacts since Tue Dec 1: sms, voice, email; 1 handoff". Display
 * text for the flow and the agent, in English whatever the spoken language.
 */
export function historyLine(h: BriefHistory | null | undefined, o: IvrOptions): string | null {
  if (!h) return null;
  const contacts = Math.max(0, Math.floor(Number(h.contacts) || 0));
  const handoffs = Math.max(0, Math.floor(Number(h.handoffs) || 0));
  const since = shortDate(h.firstContactAt, o.now, o.timeZone ?? "UTC");
  const channels = (h.channels ?? []).map((c) => display(c)).filter((c) => c !== null);
  let line = `${plural(contacts, "contact")}${since ? ` since ${since}` : ""}`;
  if (channels.length > 0) line += `: ${channels.join(", ")}`;
  if (handoffs > 0) line += `; ${plural(handoffs, "handoff")}`;
  return line;
}

/**
 * The `constraints` line: the texts of the constraints still in force, "; "-separated
 * ("Afternoons only; SMS only"). Cards stored before constraint details existed give the
 * texts alone (none of them then known to have lapsed).
 */
export function constraintsLine(b: CallBrief, now: Date): string | null {
  const t = now.getTime();
  const items =
    b.constraintItems ?? b.constraints.map((text) => ({ text, until: null as string | null }));
  const texts = items
    .filter((c) => c.until === null || Number.isNaN(t) || !(Date.parse(c.until) <= t))
    .map((c) => display(c.text)?.replace(/[;.\s]+$/u, ""))
    .filter((c): c is string => c !== null && c !== undefined && c !== "");
  return texts.length > 0 ? texts.join("; ") : null;
}

/** Caller-supplied tags are echoed back only as tag characters, at most 35 of them. */
const echoTag = (s: string): string => s.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 35) || "invalid";

function compact(entries: Array<[string, string | null | undefined]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of entries) if (v !== null && v !== undefined && v !== "") out[k] = v;
  return out;
}

/**
 * The brief with only what `d` allows: the items below the tier are gone, and so are names
 * that would give them away (the promise maker's name goes with the owner's).
 */
export function disclosed(b: CallBrief, d: Disclosure): CallBrief {
  const may = (i: DisclosureItem): boolean => allows(d, i);
  const o = b.owner;
  let owner: CallBrief["owner"] = null;
  if (o && may("owner")) owner = { ...o, team: may("ownerTeam") ? o.team : null };
  else if (o?.team && may("ownerTeam"))
    owner = { id: o.team, name: null, team: o.team, kind: "team" };
  const p = b.promise;
  return {
    ...b,
    customerId: may("customerId") ? b.customerId : null,
    reason: may("reason") ? b.reason : null,
    journeys: may("reason")
      ? b.journeys
      : b.journeys.map((j) => ({ ...j, reasonText: null, reasonTopic: null })),
    lastAction: may("lastAction") ? b.lastAction : null,
    promise: p && may("promise") ? { ...p, madeByName: may("owner") ? p.madeByName : null } : null,
    owner,
    exception: may("exception") ? (b.exception ?? null) : null,
    constraints: may("constraints") ? b.constraints : [],
    ...(b.constraintItems ? { constraintItems: may("constraints") ? b.constraintItems : [] } : {}),
    history: may("history") ? (b.history ?? null) : null,
  };
}

/**
 * The flat IVR map for a call, at the tier in `opts.disclosure`. `match=none` gets the default
 * queue; `match=multiple` gets a sentence asking which matter (naming them only when the
 * reason may be said). The routing keys (match, journeyId, queue, knownCaller, verified,
 * tier, tierReason) and `language` are always there; `verified` is "true" only at the
 * personal tier; `languageFallback` names a caller's language Baton does not speak. Always
 * at most IVR_MAX_BYTES serialized; every value is a string; the sentence is SSML-safe.
 */
export function ivrMap(brief: CallBrief, opts: IvrOptions): Record<string, string> {
  const d = opts.disclosure;
  const may = (i: DisclosureItem): boolean => allows(d, i);
  const language = opts.language ?? ENGLISH;
  const P = PHRASES[language.lang];
  const fit = (m: Record<string, string>): Record<string, string> => fitIvrMap(m, P.neutral);
  const trust: Array<[string, string | null]> = [
    ["verified", d.tier === "personal" ? "true" : "false"],
    ["tier", d.tier],
    ["tierReason", d.reason],
    ["language", language.tag],
    ["languageFallback", language.fallbackFrom === null ? null : echoTag(language.fallbackFrom)],
  ];
  const journeyId = brief.journeyId ?? brief.journeys[0]?.id ?? null;
  if (brief.match === "none" || journeyId === null) {
    const queue = display(opts.defaultQueue) ?? opts.defaultQueue;
    return fit(
      compact([
        ["match", "none"],
        ["queue", queue],
        ["knownCaller", "false"],
        ...trust,
        ["sentence", P.neutral],
      ]),
    );
  }
  const b = disclosed(brief, d);
  const o = brief.owner;
  const head: Array<[string, string | null]> = [
    ["match", brief.match],
    ["journeyId", journeyId],
    ["customerId", display(b.customerId)],
  ];
  // Routing tier by default (context-pack-disclosure.ts): lines a flow routes on, never spoken.
  const notes: Array<[string, string | null]> = [
    ["constraints", may("constraints") ? constraintsLine(b, opts.now) : null],
    ["history", may("history") ? historyLine(b.history, opts) : null],
  ];
  const routing: Array<[string, string | null]> = [
    ["queue", queueOf(o, opts.defaultQueue)],
    ["ownerId", may("ownerId") ? display(o?.id) : null],
    [
      "openJourneys",
      may("openJourneys") ? String(Math.max(0, Math.floor(brief.openJourneys))) : null,
    ],
    ["knownCaller", "true"],
    ...trust,
  ];
  if (brief.match === "multiple") {
    const ids = may("journeyIds") ? brief.journeys.map((j) => j.id).join(",") : null;
    const sentence = may("reason")
      ? whichMatterSentence(b.journeys, language)
      : d.tier === "routing"
        ? P.neutral
        : P.promptMultiple;
    return fit(
      compact([...head, ...notes, ...routing, ["journeyIds", ids], ["sentence", sentence]]),
    );
  }
  const { reason, lastAction: la, promise: p } = b;
  const e = b.exception ?? null;
  return fit(
    compact([
      ...head,
      // First what went wrong and how to recover: a flow can branch on it (priority queue).
      ["exception", e?.kind],
      ["recovery", display(e ? `${e.text}${e.guidance ? `: ${e.guidance}` : ""}` : null)],
      ["reason", display(reason?.text)],
      ["reasonTopic", display(reason?.topic)],
      ["lastAction", display(la?.text)],
      ["lastActionAt", display(la?.at)],
      ["promise", display(p?.text)],
      ["promiseDue", display(p?.dueAt)],
      ["promiseStatus", p?.status],
      ["owner", may("owner") ? display(o?.name ?? o?.id) : null],
      ["ownerTeam", may("ownerTeam") ? display(o?.team) : null],
      ...notes,
      ...routing,
      ["sentence", singleSentence(b, opts)],
    ]),
  );
}
