/**
 * Effort analytics, the pure half (docs/analytics.md): replays each journey's status changes
 * and inbound customer events, finds start-overs among the customer's earlier journeys, and
 * adds journeys up per workspace, topic, owner or period. The relay's analytics route reads
 * the rows from D1 and hands them here; nothing in this file does I/O.
 */
import * as z from "zod";
import { JourneyStatus } from "./journey";

/** Repeat detection: token Jaccard similarity with the reason, on lower-cased words. */
export const REPEAT_SIMILARITY = 0.6;
/** Messages or reasons with fewer distinct words than this are never called repeats. */
const REPEAT_MIN_WORDS = 2;
/** Start-over fallback when a topic is missing: the normalized reason texts share a prefix. */
const PREFIX_CHARS = 32;
const PREFIX_MIN_CHARS = 8;

const DAY_MS = 86_400_000;

export const EffortGroupBy = z.enum(["workspace", "topic", "owner", "day", "week", "month"]);
export type EffortGroupBy = z.infer<typeof EffortGroupBy>;

/** A selected journey as the history holds it: its counters and its promise outcomes. */
export interface EffortJourneyRow {
  id: string;
  customerId: string | null;
  status: string;
  reasonText: string | null;
  reasonTopic: string | null;
  ownerId: string | null;
  contacts: number;
  /** A JSON array of channel names. */
  channels: string;
  channelSwitches: number;
  handoffs: number;
  /** Repeats recorded on events (`repeated: true`). */
  repeats: number;
  createdAt: string;
  resolvedAt: string | null;
  promisesKept: number;
  promisesBroken: number;
}

/** A resolved journey of one of the selected journeys' customers: a start-over candidate. */
export interface EarlierJourneyRow {
  id: string;
  customerId: string | null;
  reasonText: string | null;
  reasonTopic: string | null;
  createdAt: string;
  resolvedAt: string | null;
}

/**
 * An event to replay: a `status.changed` (with its JSON `data`) or, of any other type, an
 * inbound customer event that has a channel. Replayed in (journey, seq) order.
 */
export interface EffortEventRow {
  journeyId: string;
  type: string;
  text: string | null;
  data: string | null;
  recordedAt: string;
}

/** One journey's effort, as `journey=<id>` returns it and as the groups add it up. */
export interface JourneyEffort {
  id: string;
  customerId: string | null;
  status: string;
  reasonTopic: string | null;
  reasonText: string | null;
  ownerId: string | null;
  createdAt: string;
  resolvedAt: string | null;
  contacts: number;
  channels: string[];
  channelSwitches: number;
  handoffs: number;
  /** max(recordedRepeats, detectedRepeats): see docs/analytics.md. */
  repeats: number;
  recordedRepeats: number;
  detectedRepeats: number;
  startOver: boolean;
  /** The earlier journey this one started over from. */
  startOverOf: string | null;
  promisesKept: number;
  promisesBroken: number;
  waitingOnCompanySeconds: number;
  waitingOnCompany: { from: string; to: string; open: boolean }[];
}

/** One journey's status timeline and repeat detection, as far as it has been replayed. */
interface Replay {
  status: string;
  since: number;
  waitingMs: number;
  intervals: JourneyEffort["waitingOnCompany"];
  reasonWords: Set<string>;
  seenFirstMessage: boolean;
  detected: number;
}

/** Lower-cased words (letters and digits), as a set. */
export function words(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
}

/** Token Jaccard similarity |A ∩ B| / |A ∪ B|. */
export function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let both = 0;
  for (const w of a) if (b.has(w)) both++;
  return both / (a.size + b.size - both);
}

function normalizedPrefix(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim()
    .slice(0, PREFIX_CHARS);
}

interface ReasonOf {
  reasonTopic: string | null;
  reasonText: string | null;
}

/** Same reason: equal topics when both have one; else a shared normalized text prefix. */
export function sameReason(x: ReasonOf, y: ReasonOf): boolean {
  if (x.reasonTopic !== null && y.reasonTopic !== null) return x.reasonTopic === y.reasonTopic;
  if (x.reasonText === null || y.reasonText === null) return false;
  const px = normalizedPrefix(x.reasonText);
  const py = normalizedPrefix(y.reasonText);
  const n = Math.min(px.length, py.length);
  return n >= PREFIX_MIN_CHARS && px.slice(0, n) === py.slice(0, n);
}

function statusTo(data: string | null): string | null {
  if (data === null) return null;
  try {
    const parsed: unknown = JSON.parse(data);
    if (parsed !== null && typeof parsed === "object" && "to" in parsed) {
      const to = JourneyStatus.safeParse(parsed.to);
      return to.success ? to.data : null;
    }
  } catch {
    // not JSON: ignore the event
  }
  return null;
}

function newReplay(row: EffortJourneyRow): Replay {
  return {
    status: "open",
    since: Date.parse(row.createdAt),
    waitingMs: 0,
    intervals: [],
    reasonWords: words(row.reasonText ?? ""),
    seenFirstMessage: false,
    detected: 0,
  };
}

/** Adds the waiting interval [since, at), clipped at the horizon, when leaving waiting_on_company. */
function closeWaiting(r: Replay, at: number, horizon: number): void {
  if (r.status !== "waiting_on_company" || r.since >= horizon) return;
  const end = Math.min(at, horizon);
  if (end <= r.since) return;
  r.waitingMs += end - r.since;
  r.intervals.push({
    from: new Date(r.since).toISOString(),
    to: new Date(end).toISOString(),
    open: at > horizon,
  });
}

/** Replays one event into a journey's status timeline and repeat detection. */
function replay(r: Replay, ev: EffortEventRow, horizon: number): void {
  const at = Date.parse(ev.recordedAt);
  let next = r.status;
  if (ev.type === "status.changed") {
    next = statusTo(ev.data) ?? r.status;
  } else {
    // An inbound customer event: the journey object reopens a resolved journey and moves
    // waiting_on_customer to waiting_on_company without a status.changed event.
    if (r.status === "resolved") next = "open";
    else if (r.status === "waiting_on_customer") next = "waiting_on_company";
    if (ev.type === "message" && ev.text !== null && ev.text.trim() !== "") {
      if (!r.seenFirstMessage) r.seenFirstMessage = true;
      else if (r.reasonWords.size >= REPEAT_MIN_WORDS) {
        const said = words(ev.text);
        if (said.size >= REPEAT_MIN_WORDS && jaccard(said, r.reasonWords) >= REPEAT_SIMILARITY)
          r.detected++;
      }
    }
  }
  if (next !== r.status) {
    closeWaiting(r, at, horizon);
    r.status = next;
    r.since = at;
  }
}

function parseChannels(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((c): c is string => typeof c === "string") : [];
  } catch {
    return [];
  }
}

/** The most recently resolved earlier journey this one started over from, or null. */
function startOverOf(
  row: EffortJourneyRow,
  candidates: readonly EarlierJourneyRow[],
  days: number,
): string | null {
  const created = Date.parse(row.createdAt);
  let best: EarlierJourneyRow | null = null;
  for (const c of candidates) {
    if (c.id === row.id || c.resolvedAt === null || c.createdAt >= row.createdAt) continue;
    const resolved = Date.parse(c.resolvedAt);
    if (resolved > created || resolved < created - days * DAY_MS) continue;
    if (!sameReason(c, row)) continue;
    if (!best || (best.resolvedAt ?? "") < c.resolvedAt) best = c;
  }
  return best?.id ?? null;
}

/**
 * The effort replay of a set of journeys. Feed it their events with `add`, in (journey, seq)
 * order and in as many chunks as needed; `efforts` then reads every journey's effort.
 * `horizon` (epoch ms) ends the waiting intervals still open, and clips the others.
 */
export class EffortReplay {
  readonly #rows: readonly EffortJourneyRow[];
  readonly #byId: ReadonlyMap<string, EffortJourneyRow>;
  readonly #horizon: number;
  readonly #replays = new Map<string, Replay>();

  constructor(journeys: readonly EffortJourneyRow[], horizon: number) {
    this.#rows = journeys;
    this.#byId = new Map(journeys.map((r) => [r.id, r]));
    this.#horizon = horizon;
  }

  /** Replays the next events; events of journeys not given to the constructor are skipped. */
  add(events: Iterable<EffortEventRow>): void {
    for (const ev of events) {
      let r = this.#replays.get(ev.journeyId);
      if (!r) {
        const row = this.#byId.get(ev.journeyId);
        if (!row) continue;
        r = newReplay(row);
        this.#replays.set(ev.journeyId, r);
      }
      replay(r, ev, this.#horizon);
    }
  }

  /**
   * Every journey's effort, in the order the journeys were given. `earlier` are the start-over
   * candidates: resolved journeys of the same customers (any order).
   */
  efforts(earlier: readonly EarlierJourneyRow[], startOverDays: number): JourneyEffort[] {
    const byCustomer = new Map<string, EarlierJourneyRow[]>();
    for (const r of earlier) {
      if (r.customerId === null) continue;
      const list = byCustomer.get(r.customerId) ?? [];
      list.push(r);
      byCustomer.set(r.customerId, list);
    }
    return this.#rows.map((row) => {
      const replayed = this.#replays.get(row.id);
      // A copy: closing the open interval at the horizon leaves the replay as it was.
      const r = replayed ? { ...replayed, intervals: [...replayed.intervals] } : newReplay(row);
      closeWaiting(r, Number.POSITIVE_INFINITY, this.#horizon);
      const of = startOverOf(row, byCustomer.get(row.customerId ?? "") ?? [], startOverDays);
      const recorded = row.repeats;
      return {
        id: row.id,
        customerId: row.customerId,
        status: row.status,
        reasonTopic: row.reasonTopic,
        reasonText: row.reasonText,
        ownerId: row.ownerId,
        createdAt: row.createdAt,
        resolvedAt: row.resolvedAt,
        contacts: row.contacts,
        channels: parseChannels(row.channels),
        channelSwitches: row.channelSwitches,
        handoffs: row.handoffs,
        repeats: Math.max(recorded, r.detected),
        recordedRepeats: recorded,
        detectedRepeats: r.detected,
        startOver: of !== null,
        startOverOf: of,
        promisesKept: Number(row.promisesKept),
        promisesBroken: Number(row.promisesBroken),
        waitingOnCompanySeconds: r.waitingMs / 1000,
        waitingOnCompany: r.intervals,
      };
    });
  }
}

/** One group's numbers. Means are per journey, rounded to 3 decimals (null for no journeys). */
export interface EffortGroup {
  key: string | null;
  journeys: number;
  contacts: { sum: number; mean: number | null };
  channelSwitches: number;
  handoffs: number;
  repeats: number;
  recordedRepeats: number;
  detectedRepeats: number;
  startOvers: number;
  promisesKept: number;
  promisesBroken: number;
  waitingOnCompanySeconds: { sum: number; mean: number | null };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Adds up journeys into one group. */
export function summarizeEfforts(key: string | null, list: readonly JourneyEffort[]): EffortGroup {
  const n = list.length;
  const sum = (f: (x: JourneyEffort) => number) => list.reduce((s, x) => s + f(x), 0);
  const contacts = sum((x) => x.contacts);
  const waitingMs = sum((x) => Math.round(x.waitingOnCompanySeconds * 1000));
  return {
    key,
    journeys: n,
    contacts: { sum: contacts, mean: n ? round3(contacts / n) : null },
    channelSwitches: sum((x) => x.channelSwitches),
    handoffs: sum((x) => x.handoffs),
    repeats: sum((x) => x.repeats),
    recordedRepeats: sum((x) => x.recordedRepeats),
    detectedRepeats: sum((x) => x.detectedRepeats),
    startOvers: sum((x) => (x.startOver ? 1 : 0)),
    promisesKept: sum((x) => x.promisesKept),
    promisesBroken: sum((x) => x.promisesBroken),
    waitingOnCompanySeconds: {
      sum: waitingMs / 1000,
      mean: n ? round3(waitingMs / 1000 / n) : null,
    },
  };
}

/** The group a journey falls in. Periods are UTC calendar days, ISO weeks (Monday) and months. */
export function effortGroupKey(
  by: EffortGroupBy,
  workspace: string,
  x: JourneyEffort,
): string | null {
  switch (by) {
    case "workspace":
      return workspace;
    case "topic":
      return x.reasonTopic;
    case "owner":
      return x.ownerId;
    case "day":
      return x.createdAt.slice(0, 10);
    case "week": {
      const day = new Date(`${x.createdAt.slice(0, 10)}T00:00:00.000Z`);
      const sinceMonday = (day.getUTCDay() + 6) % 7;
      return new Date(day.getTime() - sinceMonday * DAY_MS).toISOString().slice(0, 10);
    }
    case "month":
      return x.createdAt.slice(0, 7);
  }
}

/** Groups sorted by key, the "none" group (no topic, no owner) last. */
export function groupEfforts(
  by: EffortGroupBy,
  workspace: string,
  list: readonly JourneyEffort[],
): EffortGroup[] {
  const groups = new Map<string | null, JourneyEffort[]>();
  for (const x of list) {
    const k = effortGroupKey(by, workspace, x);
    const g = groups.get(k) ?? [];
    g.push(x);
    groups.set(k, g);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1))
    .map(([k, g]) => summarizeEfforts(k, g));
}
