/**
 * Sections of the bot pack (docs/architecture.md §5): which items each section holds, in
 * which order, and how each item is cleaned (one line, cards redacted, contacts masked, fence
 * markers neutralized) and tagged with its source and time.
 */
import type {
  EventView,
  ExceptionView,
  JourneyContext,
  PredecessorView,
  PromiseView,
  SinceLastTouch,
} from "./context";
import type { BotPackItem, BotPackOptions, BotSectionId } from "./context-pack-bot-types";
import { clipUtf8, flatten, maskContact, maskEmails, neutralizeMarkers } from "./context-pack-text";
import { isOpenPromise, type Actor } from "./journey";
import { isAtRisk } from "./context-pack-risk";
import { redactText } from "./redact";

/** Longest item text, in bytes, before the budget is even considered. */
const ITEM_MAX_BYTES = 1000;
const EVENT_MAX_BYTES = 600;
/** An item cut to fit must keep at least this much text, or it is left out. */
export const MIN_CLIPPED_BYTES = 32;

/** Every string that reaches the pack: one line, cards redacted, contacts masked, markers neutralized. */
function clean(s: string, maxBytes = ITEM_MAX_BYTES): string {
  // The same journey's items are cleaned on every pack read: NFKC, card redaction and masking
  // are pure, so their results are kept per isolate (bounded; measured +87 % on bot reads).
  const key = `${maxBytes}|${s}`;
  let out = cleaned.get(key);
  if (out === undefined) {
    if (cleaned.size >= CLEANED_MAX) cleaned.clear();
    out = cleanUncached(s, maxBytes);
    cleaned.set(key, out);
  }
  return out;
}

const CLEANED_MAX = 2048;
const cleaned = new Map<string, string>();

function cleanUncached(s: string, maxBytes: number): string {
  const redacted = redactText(flatten(s.normalize("NFKC"))).text;
  return clipUtf8(neutralizeMarkers(maskContact(redacted)), maxBytes);
}

/**
 * Facts are values the customer gave on purpose so nobody asks again (an order id, an account
 * number): cards are still redacted, but digits are not masked as if they were phone numbers.
 */
function cleanFact(s: string, maxBytes = ITEM_MAX_BYTES): string {
  const redacted = redactText(flatten(s.normalize("NFKC"))).text;
  return clipUtf8(neutralizeMarkers(maskEmails(redacted)), maxBytes);
}

/** Text safe inside a tag: no brackets or separators. */
const tagSafe = (s: string): string =>
  clean(s, 120)
    .replace(/[[\]·]/g, " ")
    .replace(/\s+/g, " ")
    .trim() || "unknown";

function source(actor: Actor | null | undefined, fallback: string): string {
  if (!actor) return fallback;
  const who = actor.name ?? actor.id;
  return tagSafe(who ? `${actor.kind} ${who}` : actor.kind);
}

/** 2026-03-01T16:05:00.000Z → 2026-03-01T16:05Z. */
function minute(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? tagSafe(iso) : `${new Date(t).toISOString().slice(0, 16)}Z`;
}

/** One line of the pack. */
export const render = (i: BotPackItem): string => `- [${i.kind} · ${i.source} · ${i.at}] ${i.text}`;

function promiseItem(p: PromiseView, kind: string): BotPackItem {
  const note = p.note ? `; note: ${p.note}` : "";
  const ahead = kind === "promise pending" || kind === "promise at risk";
  const due = ahead ? `due ${minute(p.dueAt)}` : `was due ${minute(p.dueAt)}`;
  const state =
    kind === "promise overdue"
      ? ", not yet kept"
      : kind === "promise at risk"
        ? ", not kept yet: make sure it is, or tell the customer when it will be"
        : "";
  return {
    kind,
    source: source(p.madeBy, "journey"),
    at: minute(
      kind === "promise broken"
        ? (p.settledAt ?? p.dueAt)
        : kind === "promise at risk"
          ? (p.atRiskAt ?? p.createdAt)
          : p.createdAt,
    ),
    text: clean(`${p.text} (${due}${state}${note})`),
  };
}

function eventItem(e: EventView): BotPackItem {
  const kind = [e.type, e.channel, e.direction].filter(Boolean).join(" ");
  return {
    kind: tagSafe(kind),
    source: source(e.actor, "system"),
    at: minute(e.occurredAt),
    text: e.text === null || e.text.trim() === "" ? "(no text)" : clean(e.text, EVENT_MAX_BYTES),
  };
}

export interface SectionPlan {
  id: BotSectionId;
  title: (hidden: number) => string;
  items: { length: number; at: (i: number) => BotPackItem };
  /** clip: cut an item that does not fit and go on; stop: cut it and stop (history). */
  mode: "clip" | "stop";
  /** Items the title counts as hidden even when everything fits (events not in the context). */
  hiddenBeyond: number;
}

const listOf = (items: BotPackItem[]): SectionPlan["items"] => ({
  length: items.length,
  at: (i) => items[i] ?? { kind: "", source: "", at: "", text: "" },
});

function exceptionItem(e: ExceptionView): BotPackItem {
  const escalated = e.escalatedTo
    ? ` (escalated to ${e.escalatedTo.name ?? e.escalatedTo.id})`
    : "";
  return {
    kind: tagSafe(`exception ${e.kind}`),
    source: source(e.raisedBy, "journey"),
    at: minute(e.raisedAt),
    text: clean(`${e.text}${e.guidance ? ` — what to do: ${e.guidance}` : ""}${escalated}`),
  };
}

function promiseSections(ctx: JourneyContext, now: number): SectionPlan[] {
  const due = (p: PromiseView): number => Date.parse(p.dueAt);
  const pending = ctx.promises
    .filter((p) => isOpenPromise(p.status))
    .sort((a, b) => due(a) - due(b));
  // A broken promise with an exception record is covered by it (open) or recovered (resolved).
  const recorded = new Set(ctx.exceptions.map((e) => e.promiseId).filter((id) => id !== null));
  const broken = ctx.promises
    .filter((p) => p.status === "broken" && !recorded.has(p.id))
    .sort((a, b) => (b.settledAt ?? b.dueAt).localeCompare(a.settledAt ?? a.dueAt));
  const exceptions = [
    ...ctx.exceptions.filter((e) => e.status === "open").map(exceptionItem),
    ...broken.map((p) => promiseItem(p, "promise broken")),
    ...pending
      .filter((p) => p.status === "overdue" || due(p) < now)
      .map((p) => promiseItem(p, "promise overdue")),
  ];
  const constraints = ctx.constraints
    .filter((c) => c.until === null || Date.parse(c.until) > now)
    .map((c): BotPackItem => {
      const w = c.window
        ? ` (contact window ${c.window.from}–${c.window.to} ${c.window.timeZone})`
        : "";
      const ch = c.channel ? ` (channel ${c.channel})` : "";
      const until = c.until ? ` (until ${minute(c.until)})` : "";
      return {
        kind: tagSafe(`constraint ${c.kind}`),
        source: "journey",
        at: minute(c.createdAt),
        text: clean(`${c.text}${w}${ch}${until}`),
      };
    });
  // At risk (the owner was nudged before the due time): its own section, not repeated below.
  const risky = (p: PromiseView): boolean => isAtRisk(p, now);
  const atRisk = pending.filter(risky).map((p) => promiseItem(p, "promise at risk"));
  const binding = [
    ...pending
      .filter((p) => p.status === "pending" && due(p) >= now && !risky(p))
      .map((p) => promiseItem(p, "promise pending")),
    ...constraints,
  ];
  const fixed = (title: string) => () => title;
  return [
    {
      id: "exceptions",
      title: fixed("OPEN EXCEPTIONS (address these first)"),
      items: listOf(exceptions),
      mode: "clip",
      hiddenBeyond: 0,
    },
    {
      id: "at_risk",
      title: fixed("PROMISE AT RISK (due soon, not kept yet; do not contradict it)"),
      items: listOf(atRisk),
      mode: "clip",
      hiddenBeyond: 0,
    },
    {
      id: "must_not_contradict",
      title: fixed("MUST NOT CONTRADICT"),
      items: listOf(binding),
      mode: "clip",
      hiddenBeyond: 0,
    },
  ];
}

function factsSection(ctx: JourneyContext): SectionPlan {
  const items = ctx.facts.map((f): BotPackItem => ({
    kind: "fact",
    source: tagSafe(f.source),
    at: minute(f.at),
    text: cleanFact(`${f.key}: ${String(f.value)}`),
  }));
  return {
    id: "do_not_ask_again",
    title: () => "DO NOT ASK AGAIN (the customer already gave these)",
    items: listOf(items),
    mode: "clip",
    hiddenBeyond: 0,
  };
}

function journeyItems(ctx: JourneyContext): BotPackItem[] {
  const items: BotPackItem[] = [];
  const r = ctx.reason;
  if (r) {
    const topic = r.topic ? ` (topic ${r.topic})` : "";
    items.push({
      kind: "reason",
      source: "journey",
      at: minute(r.at),
      text: clean(`${r.text ?? ""}${topic}`.trim()),
    });
  }
  const o = ctx.owner;
  if (o) {
    const team = o.team ? `, team ${o.team}` : "";
    items.push({
      kind: "owner",
      source: "journey",
      at: minute(o.since),
      text: clean(`${o.name ?? o.id} (${o.kind}${team})`),
    });
  }
  items.push({ kind: "status", source: "journey", at: minute(ctx.statusSince), text: ctx.status });
  const la = ctx.lastAction;
  if (la)
    items.push({
      kind: "last action",
      source: source(la.actor, "journey"),
      at: minute(la.at),
      text: clean(la.text),
    });
  const e = ctx.effort;
  items.push({
    kind: "effort",
    source: "journey",
    at: minute(ctx.updatedAt),
    text: clean(
      `contacts ${e.contacts}; channels ${e.channels.join(", ") || "none"}; channel switches ${e.channelSwitches}; handoffs ${e.handoffs}; times the customer repeated themselves ${e.repeats}; broken promises ${e.brokenPromises}`,
    ),
  });
  return items;
}

function eventSections(
  ctx: JourneyContext,
  since: number | null,
): { changed: SectionPlan | null; history: SectionPlan } {
  const events = [...ctx.history.recent].sort((a, b) => b.seq - a.seq);
  const changed = since === null ? [] : events.filter((e) => Date.parse(e.occurredAt) > since);
  const older = since === null ? events : events.filter((e) => !(Date.parse(e.occurredAt) > since));
  const eventList = (list: EventView[]): SectionPlan["items"] => ({
    length: list.length,
    at: (i) => eventItem(list[i] ?? { ...emptyEvent }),
  });
  let changedPlan: SectionPlan | null = null;
  if (since !== null) {
    const sinceIso = minute(new Date(since).toISOString());
    const none: BotPackItem = {
      kind: "note",
      source: "baton",
      at: sinceIso,
      text: "nothing new since the customer's last contact",
    };
    changedPlan = {
      id: "changed_since_last_contact",
      title: () => `WHAT CHANGED SINCE LAST CONTACT (${sinceIso}, newest first)`,
      items: changed.length > 0 ? eventList(changed) : listOf([none]),
      mode: "stop",
      hiddenBeyond: 0,
    };
  }
  const history: SectionPlan = {
    id: "history",
    title: (h) =>
      h > 0
        ? `RECENT HISTORY (newest first; ${h} older events not shown)`
        : "RECENT HISTORY (newest first)",
    items: eventList(older),
    mode: "stop",
    hiddenBeyond: Math.max(0, ctx.history.total - ctx.history.recent.length),
  };
  return { changed: changedPlan, history };
}

/** The changes since the bot's last touch (docs/continuity.md), newest first. */
function touchSection(t: SinceLastTouch, ctx: JourneyContext): SectionPlan {
  const sinceIso = minute(t.since);
  const where = t.journeyId === ctx.id ? "" : ` on earlier journey ${t.journeyId}`;
  const who = t.audience === "customer" ? "the customer's last contact" : `last ${t.audience} read`;
  const items = t.changes.map((c): BotPackItem => ({
    kind: tagSafe(c.type),
    source: source(c.actor, "system"),
    at: minute(c.at),
    text: c.text === null || c.text.trim() === "" ? "(no text)" : clean(c.text, EVENT_MAX_BYTES),
  }));
  const none: BotPackItem = {
    kind: "note",
    source: "baton",
    at: sinceIso,
    text: "nothing new since the last touch",
  };
  return {
    id: "changed_since_last_contact",
    title: (h) =>
      `WHAT CHANGED SINCE ${who.toUpperCase()} (${sinceIso}${where}, newest first${h > 0 ? `; ${h} more not shown` : ""})`,
    items: listOf(items.length > 0 ? items : [none]),
    mode: "stop",
    hiddenBeyond: Math.max(0, t.total - t.changes.length),
  };
}

function predecessorItems(p: PredecessorView): BotPackItem[] {
  const items: BotPackItem[] = [];
  const at = minute(p.createdAt);
  if (p.startOver) {
    items.push({
      kind: "start over",
      source: "baton",
      at,
      text: clean(
        `the customer wrote about this before (journey ${p.journeyId}, resolved ${p.resolvedAt ? minute(p.resolvedAt) : ""}): say you see it, do not make them explain again`,
      ),
    });
  }
  const reason = p.reason
    ? `${p.reason.text ?? ""}${p.reason.topic ? ` (topic ${p.reason.topic})` : ""}`
    : "";
  const owner = p.owner ? `; owner ${p.owner.name ?? p.owner.id}` : "";
  const note = p.resolutionNote ? `; resolution: ${p.resolutionNote}` : "";
  items.push({
    kind: tagSafe(`earlier journey ${p.status}`),
    source: "journey",
    at,
    text: clean(`${p.journeyId}: ${reason.trim() || "no reason recorded"}${owner}${note}`),
  });
  for (const pr of p.promises) {
    items.push({
      kind: tagSafe(`earlier promise ${pr.status}`),
      source: source(pr.madeBy, "journey"),
      at: minute(pr.dueAt),
      text: clean(`${pr.text} (due ${minute(pr.dueAt)})`),
    });
  }
  for (const c of p.constraints) {
    items.push({
      kind: tagSafe(`earlier constraint ${c.kind}`),
      source: "journey",
      at: minute(c.createdAt),
      text: clean(c.text),
    });
  }
  for (const f of p.facts) {
    items.push({
      kind: "earlier fact",
      source: tagSafe(f.source),
      at: minute(f.at),
      text: cleanFact(`${f.key}: ${String(f.value)}`),
    });
  }
  return items;
}

/** Earlier journeys this one may continue: start-over first, then what still holds there. */
function earlierSection(ctx: JourneyContext): SectionPlan | null {
  const list = ctx.predecessors ?? [];
  if (list.length === 0) return null;
  return {
    id: "earlier_journeys",
    title: () => "EARLIER JOURNEYS OF THIS CUSTOMER (this may continue one)",
    items: listOf(list.flatMap(predecessorItems)),
    mode: "clip",
    hiddenBeyond: 0,
  };
}

/** The `since` instant in milliseconds, or null when absent or unparseable. */
export function sinceOf(opts: BotPackOptions): number | null {
  const ms = opts.since === undefined ? NaN : Date.parse(opts.since);
  return Number.isNaN(ms) ? null : ms;
}

const emptyEvent: EventView = {
  seq: 0,
  id: "",
  type: "note",
  channel: null,
  direction: null,
  actor: null,
  text: null,
  data: null,
  occurredAt: "",
  recordedAt: "",
};

/** The sections for `ctx`, most binding first; an unverified customer gets the reason topic only. */
export function plansFor(ctx: JourneyContext, opts: BotPackOptions): SectionPlan[] {
  if (!opts.verified) {
    // Not even the topic: a topic such as health.* can be personal.
    const item: BotPackItem = {
      kind: "status",
      source: "journey",
      at: minute(ctx.createdAt),
      text: "an open journey exists; verify the customer before using it",
    };
    return [
      {
        id: "journey",
        title: () => "JOURNEY (customer not verified)",
        items: listOf([item]),
        mode: "clip",
        hiddenBeyond: 0,
      },
    ];
  }
  const since = sinceOf(opts);
  const { changed: byTime, history } = eventSections(ctx, since);
  const changed =
    since === null && opts.sinceLastTouch ? touchSection(opts.sinceLastTouch, ctx) : byTime;
  const earlier = earlierSection(ctx);
  const journey: SectionPlan = {
    id: "journey",
    title: () => "JOURNEY",
    items: listOf(journeyItems(ctx)),
    mode: "clip",
    hiddenBeyond: 0,
  };
  return [
    ...promiseSections(ctx, opts.now.getTime()),
    factsSection(ctx),
    ...(earlier ? [earlier] : []),
    ...(changed ? [changed] : []),
    journey,
    history,
  ];
}
