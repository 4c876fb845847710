/**
 * The IVR context pack (docs/architecture.md §5): Amazon Connect's Lambda contract is a flat map of
 * string values, and the serialized map must stay within 1 KB. The map carries the match kind, the
 * journey and queue to route to, the disclosure tier and why, and one speakable sentence for the
 * caller. Only the items the tier allows go into the map or the sentence.
 */
import type { CallBrief, CallBriefJourney } from "./context-pack-brief";
import {
  allows,
  IVR_PROMPT_SENTENCE,
  IVR_PROMPT_SENTENCE_MULTIPLE,
  type Disclosure,
  type DisclosureItem,
} from "./context-pack-disclosure";
import { fitIvrMap, IVR_NEUTRAL_SENTENCE } from "./context-pack-ivr-fit";
import { spokenInstant, spokenPhrase, spokenTopic, speakable } from "./context-pack-speech";
import { flatten } from "./context-pack-text";
import { redactText } from "./redact";

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
}

/** Matters offered to a caller with several open journeys. */
const MAX_CHOICES = 3;

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

/** The spoken parts of a single match: reason, promise (or last action), and who is on it. */
function spokenParts(b: CallBrief, o: IvrOptions): string[] {
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
  return parts;
}

/** The sentence for one match, from the items `b` still holds (see `disclosed`). */
export function singleSentence(b: CallBrief, o: IvrOptions): string {
  const parts = spokenParts(b, o);
  if (parts.length > 0) return parts.join(" ");
  // "Welcome back" tells the caller the number is known: said only to an authenticated caller.
  const tier = o.disclosure.tier;
  if (tier === "personal") return "Welcome back. Let me connect you.";
  return tier === "prompt" ? IVR_PROMPT_SENTENCE : IVR_NEUTRAL_SENTENCE;
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
    constraints: [],
  };
}

/**
 * The flat IVR map for a call, at the tier in `opts.disclosure`. `match=none` gets the default
 * queue; `match=multiple` gets a sentence asking which matter (naming them only when the
 * reason may be said). The routing keys (match, journeyId, queue, knownCaller, verified,
 * tier, tierReason) are always there; `verified` is "true" only at the personal tier. Always
 * at most IVR_MAX_BYTES serialized; every value is a string.
 */
export function ivrMap(brief: CallBrief, opts: IvrOptions): Record<string, string> {
  const d = opts.disclosure;
  const may = (i: DisclosureItem): boolean => allows(d, i);
  const trust: Array<[string, string]> = [
    ["verified", d.tier === "personal" ? "true" : "false"],
    ["tier", d.tier],
    ["tierReason", d.reason],
  ];
  const journeyId = brief.journeyId ?? brief.journeys[0]?.id ?? null;
  if (brief.match === "none" || journeyId === null) {
    const queue = display(opts.defaultQueue) ?? opts.defaultQueue;
    return fitIvrMap(
      compact([
        ["match", "none"],
        ["queue", queue],
        ["knownCaller", "false"],
        ...trust,
        ["sentence", IVR_NEUTRAL_SENTENCE],
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
      ? whichMatterSentence(b.journeys)
      : d.tier === "routing"
        ? IVR_NEUTRAL_SENTENCE
        : IVR_PROMPT_SENTENCE_MULTIPLE;
    return fitIvrMap(compact([...head, ...routing, ["journeyIds", ids], ["sentence", sentence]]));
  }
  const { reason, lastAction: la, promise: p } = b;
  const e = b.exception ?? null;
  return fitIvrMap(
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
      ...routing,
      ["sentence", singleSentence(b, opts)],
    ]),
  );
}
