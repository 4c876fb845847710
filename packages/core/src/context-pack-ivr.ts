/**
 * The IVR context pack (DESIGN.md §5): Amazon Connect's Lambda contract is a flat map of
 * string values, and the serialized map must stay within 1 KB. The map carries the match
 * kind, the journey and queue to route to, and one speakable sentence for the caller.
 */
import type { CallBrief, CallBriefJourney } from "./context-pack-brief";
import { spokenInstant, spokenPhrase, spokenTopic, speakable } from "./context-pack-speech";
import {
  clipMeasured,
  flatten,
  jsonCharBytes,
  jsonStringBytes,
  utf8Length,
} from "./context-pack-text";
import { redactText } from "./redact";

export interface IvrOptions {
  /** Where to route when the journey has no owner team (and for callers with no match). */
  defaultQueue: string;
  /** False when the caller is not known to own the number (e.g. STIR/SHAKEN attestation below A). */
  verified: boolean;
  now: Date;
  /** IANA zone for spoken times; UTC when missing or unknown. */
  timeZone?: string;
}

/** Largest serialized IVR map, in UTF-8 bytes (Amazon Connect's Lambda response limit). */
export const IVR_MAX_BYTES = 1024;
/** Said when nothing personal may be said, or nothing is known. */
export const IVR_NEUTRAL_SENTENCE = "Thanks for calling. Let me connect you.";

/** Matters offered to a caller with several open journeys. */
const MAX_CHOICES = 3;

/** Free text, truncated longest-first when the map is too big. */
const FREE_TEXT = [
  "sentence",
  "recovery",
  "reason",
  "lastAction",
  "promise",
  "owner",
  "ownerTeam",
  "reasonTopic",
];
/** Fixed-size keys dropped, in this order, when they leave free text too little room. */
const DROP_FIXED = [
  "journeyIds",
  "exception",
  "ownerId",
  "lastActionAt",
  "promiseDue",
  "promiseStatus",
  "customerId",
  "openJourneys",
];
/** Last resort, never reached unless a single label is huge; never match, journeyId, queue, verified. */
const DROP_ORDER = [
  ...DROP_FIXED,
  "ownerTeam",
  "reasonTopic",
  "lastAction",
  "owner",
  "promise",
  "recovery",
  "reason",
  "sentence",
];
/** Free text as a whole gets at least this much room (or all it needs) before fixed keys go. */
const FREE_TEXT_ROOM = 256;
/** A free-text value cut below this many bytes is dropped instead. */
const MIN_TEXT_BYTES = 12;

const mapBytes = (m: Record<string, string>): number => utf8Length(JSON.stringify(m));

/** Largest cap c with sum(min(size, c)) <= room (-1 when even zero-length values do not fit). */
function waterLevel(sizes: number[], room: number): number {
  if (room < 0) return -1;
  let lo = 0;
  let hi = Math.max(0, ...sizes);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const used = sizes.reduce((n, s) => n + Math.min(s, mid), 0);
    if (used <= room) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Shortens the spoken sentence: to its last whole sentence that fits, else to whole words,
 * else mid-word (text without spaces), keeping at least four words; else the neutral
 * sentence; "" when not even that fits.
 */
function clipSentence(s: string, maxBytes: number): string {
  const cut = clipMeasured(s, maxBytes - 1, "", jsonCharBytes);
  const head = s.slice(0, cut.length + 1);
  const stop = Math.max(head.lastIndexOf(". "), head.lastIndexOf("? "));
  if (stop > 0) return s.slice(0, stop + 1);
  const words = cut.split(" ");
  const whole = words.slice(0, -1);
  const kept = whole.length >= 4 ? whole : words;
  if (kept.length >= 4) return `${kept.join(" ").replace(/[\s.,?']+$/u, "")}.`;
  return jsonStringBytes(IVR_NEUTRAL_SENTENCE) <= maxBytes ? IVR_NEUTRAL_SENTENCE : "";
}

/**
 * Makes `map` serialize to at most IVR_MAX_BYTES. Free text is truncated longest-first: every
 * value above a common cap is cut to it (a value cut below 12 bytes is dropped). Fixed-size
 * optional keys (ids, instants) go first only if free text would otherwise get under 256
 * bytes. Throws only when the protected keys alone are too big (a default queue name of
 * ~900 bytes: a configuration bug).
 */
export function fitIvrMap(map: Record<string, string>): Record<string, string> {
  if (mapBytes(map) <= IVR_MAX_BYTES) return map;
  const out = { ...map };
  const free = FREE_TEXT.filter((k) => out[k] !== undefined);
  const sizes = free.map((k) => jsonStringBytes(out[k] ?? ""));
  const wanted = Math.min(
    FREE_TEXT_ROOM,
    sizes.reduce((a, b) => a + b, 0),
  );
  const room = (): number => {
    const blank = { ...out };
    for (const k of free) blank[k] = "";
    return IVR_MAX_BYTES - mapBytes(blank);
  };
  for (const k of DROP_FIXED) if (room() < wanted) delete out[k];
  const cap = waterLevel(sizes, room());
  free.forEach((k, i) => {
    const v = out[k] ?? "";
    if ((sizes[i] ?? 0) <= cap) return;
    const cut =
      cap < MIN_TEXT_BYTES
        ? ""
        : k === "sentence"
          ? clipSentence(v, cap)
          : clipMeasured(v, cap, "…", jsonCharBytes);
    if (cut === "") delete out[k];
    else out[k] = cut;
  });
  for (const k of DROP_ORDER) {
    if (mapBytes(out) <= IVR_MAX_BYTES) break;
    delete out[k];
  }
  if (mapBytes(out) > IVR_MAX_BYTES)
    throw new RangeError(`IVR map exceeds ${IVR_MAX_BYTES} bytes even with only its routing keys`);
  return out;
}

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
function ownerPhrase(owner: CallBrief["owner"]): string | null {
  if (!owner || owner.kind === "bot") return null;
  const team = spokenName(owner.team);
  const name = spokenName(owner.name);
  if (owner.kind === "person" && name) return team ? `${name} from ${team}` : name;
  const label = (owner.kind === "team" ? (name ?? team ?? spokenName(owner.id)) : team) ?? null;
  return label ? `our ${label.replace(/\s+team$/i, "")} team` : null;
}

function promiseClause(
  b: CallBrief,
  owner: string | null,
  o: IvrOptions,
): { text: string; ownerSpoken: boolean } | null {
  const p = b.promise;
  if (!p || (p.status !== "pending" && p.status !== "overdue" && p.status !== "broken"))
    return null;
  const maker = spokenName(p.madeByName);
  const ownerName = spokenName(b.owner?.name);
  const same =
    owner !== null && b.owner?.kind === "person" && maker !== null && ownerName === maker;
  const who = capitalize(same && owner ? owner : (maker ?? "we"));
  const what = spokenPhrase(p.text, 14) ?? "to follow up";
  const when = spokenInstant(p.dueAt, o.now, o.timeZone);
  const by = when ? ` by ${when}` : "";
  if (p.status === "broken")
    return {
      text: `${who} promised ${what}${by}, and we did not keep that promise.`,
      ownerSpoken: false,
    };
  return {
    text: `${who} promised ${what}${by}${same ? ", and is handling it" : ""}.`,
    ownerSpoken: same,
  };
}

/** The sentence for one verified match: reason, promise (or last action), and who is on it. */
export function singleSentence(b: CallBrief, o: IvrOptions): string {
  const parts: string[] = [];
  const about = spokenPhrase(b.reason?.text, 14) ?? spokenTopic(b.reason?.topic);
  if (about) parts.push(`You called about ${about}.`);
  const owner = ownerPhrase(b.owner);
  const promise = promiseClause(b, owner, o);
  if (promise) parts.push(promise.text);
  else if (b.lastAction) {
    const what = spokenPhrase(b.lastAction.text, 14);
    const when = spokenInstant(b.lastAction.at, o.now, o.timeZone);
    if (what) parts.push(`Our last update was ${what}${when ? `, ${when}` : ""}.`);
  }
  if (owner && !promise?.ownerSpoken) parts.push(`${capitalize(owner)} is handling it.`);
  return parts.length > 0 ? parts.join(" ") : "Welcome back. Let me connect you.";
}

/** "Are you calling about your March bill, or about your internet outage?" */
export function whichMatterSentence(journeys: CallBriefJourney[]): string {
  const seen = new Set<string>();
  const options: string[] = [];
  for (const j of journeys.slice(0, MAX_CHOICES)) {
    const o = spokenPhrase(j.reasonText, 8) ?? spokenTopic(j.reasonTopic);
    if (o && !seen.has(o.toLowerCase())) {
      seen.add(o.toLowerCase());
      options.push(o);
    }
  }
  const [a, b, c] = options;
  if (a === undefined) return "Which of your open matters are you calling about today?";
  if (b === undefined) return `Are you calling about ${a}, or about something else?`;
  if (c === undefined) return `Are you calling about ${a}, or about ${b}?`;
  return `Are you calling about ${a}, about ${b}, or about ${c}?`;
}

function compact(entries: Array<[string, string | null | undefined]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of entries) if (v !== null && v !== undefined && v !== "") out[k] = v;
  return out;
}

/**
 * The flat IVR map for a call. Unverified callers get routing keys and a neutral sentence
 * only; `match=none` gets the default queue; `match=multiple` gets a sentence asking which
 * matter. Always at most IVR_MAX_BYTES serialized; every value is a string.
 */
export function ivrMap(brief: CallBrief, opts: IvrOptions): Record<string, string> {
  const verified = opts.verified ? "true" : "false";
  const journeyId = brief.journeyId ?? brief.journeys[0]?.id ?? null;
  if (brief.match === "none" || journeyId === null) {
    const queue = display(opts.defaultQueue) ?? opts.defaultQueue;
    return fitIvrMap({ match: "none", queue, verified, sentence: IVR_NEUTRAL_SENTENCE });
  }
  const queue = queueOf(brief.owner, opts.defaultQueue);
  const openJourneys = String(Math.max(0, Math.floor(brief.openJourneys)));
  const head: Array<[string, string | null]> = [
    ["match", brief.match],
    ["journeyId", journeyId],
  ];
  const routing: Array<[string, string | null]> = [
    ["queue", queue],
    ["openJourneys", openJourneys],
    ["verified", verified],
  ];
  if (!opts.verified)
    return fitIvrMap(compact([...head, ...routing, ["sentence", IVR_NEUTRAL_SENTENCE]]));
  const customer: [string, string | null] = ["customerId", display(brief.customerId)];
  if (brief.match === "multiple") {
    const ids = brief.journeys.map((j) => j.id).join(",");
    const sentence = whichMatterSentence(brief.journeys);
    return fitIvrMap(
      compact([...head, customer, ...routing, ["journeyIds", ids], ["sentence", sentence]]),
    );
  }
  const { reason, lastAction: la, promise: p, owner: o } = brief;
  const e = brief.exception ?? null;
  return fitIvrMap(
    compact([
      ...head,
      customer,
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
      ["owner", display(o?.name ?? o?.id)],
      ["ownerId", display(o?.id)],
      ["ownerTeam", display(o?.team)],
      ...routing,
      ["sentence", singleSentence(brief, opts)],
    ]),
  );
}
