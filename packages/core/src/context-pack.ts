/**
 * The context pack (docs/architecture.md §5): one journey context, shaped for each touchpoint.
 * - `ivrMap` (from the customer's call brief, `call-brief.ts`): a flat string map of at most 1 KB for Amazon Connect.
 * - `botPack`: a token-budgeted, redacted, fenced pack for an LLM.
 * - `agentPack`: the full structured context for a screen pop, with derived fields.
 * All of it is pure: no bindings, no I/O.
 */
import type {
  ConstraintView,
  ExceptionView,
  JourneyContext,
  PredecessorView,
  PromiseView,
  SinceLastTouch,
} from "./context";
import { isOpenPromise } from "./journey";
import { isAtRisk } from "./context-pack-risk";

export * from "./context-pack-bot";
export * from "./context-pack-brief";
export * from "./context-pack-ivr";
export { isAtRisk } from "./context-pack-risk";
export { spokenInstant } from "./context-pack-speech";
export { estimateTokens, maskContact, utf8Length } from "./context-pack-text";

/** The agent's screen pop: the whole context plus what an agent looks for first. */
export interface AgentPack extends JourneyContext {
  /** The instant the derived fields were computed for. */
  asOf: string;
  /** Open exceptions, oldest first: what to recover from before anything else. */
  openExceptions: ExceptionView[];
  /** One line for the top of the screen pop, e.g. "we missed … : apologise first, then …". */
  recovery: string | null;
  /** The pending promise due soonest that is not yet overdue. */
  nextDuePromise: PromiseView | null;
  /** Open promises whose due time has passed (status overdue, or pending and late), earliest first. */
  overduePromises: PromiseView[];
  /** Broken promises, most recently settled first. */
  brokenPromises: PromiseView[];
  /**
   * Pending promises Baton marked at risk (`atRiskAt` set: the owner was nudged before the due
   * time) and not yet due, earliest due first: after exceptions, overdue and broken promises,
   * before the reason, they are what to act on next.
   */
  atRiskPromises: PromiseView[];
  /** Constraints still in force (no `until`, or `until` in the future). */
  openConstraints: ConstraintView[];
  /** Earlier journeys this one may continue (docs/continuity.md), start-overs first. */
  predecessors: PredecessorView[];
  /** The customer is starting over on a resolved journey: what to say about it. */
  startOver: StartOverItem | null;
  /** What changed since this audience's last touch, when the caller gave no `since`. */
  sinceLastTouch: SinceLastTouch | null;
}

/** The start-over item: enough for "I see you wrote about this on Tuesday". */
export interface StartOverItem {
  journeyId: string;
  /** When the customer first wrote about it (the predecessor's start). */
  wroteAt: string;
  resolvedAt: string | null;
  reason: string | null;
  /** A sentence an agent may say, dated in UTC. */
  say: string;
}

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** The start-over item of the first start-over predecessor, or null. */
export function startOverItem(predecessors: readonly PredecessorView[]): StartOverItem | null {
  const p = predecessors.find((x) => x.startOver);
  if (!p) return null;
  const d = new Date(p.createdAt);
  const day = Number.isNaN(d.getTime())
    ? ""
    : ` on ${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
  const topic = p.reason?.topic ?? null;
  return {
    journeyId: p.journeyId,
    wroteAt: p.createdAt,
    resolvedAt: p.resolvedAt,
    reason: p.reason?.text ?? topic,
    say: `I see you wrote to us about this${day}.`,
  };
}

/** The full structured context plus derived fields, as of `now`. */
export function agentPack(
  ctx: JourneyContext,
  now: Date = new Date(),
  opts: { sinceLastTouch?: SinceLastTouch | null } = {},
): AgentPack {
  const t = now.getTime();
  const due = (p: PromiseView): number => Date.parse(p.dueAt);
  const pending = ctx.promises
    .filter((p) => isOpenPromise(p.status))
    .sort((a, b) => due(a) - due(b));
  const settled = (p: PromiseView): string => p.settledAt ?? p.dueAt;
  const openExceptions = ctx.exceptions.filter((e) => e.status === "open");
  const first = openExceptions[0];
  return {
    ...ctx,
    asOf: now.toISOString(),
    openExceptions,
    recovery: first ? `${first.text}${first.guidance ? `: ${first.guidance}` : ""}` : null,
    nextDuePromise: pending.find((p) => due(p) >= t) ?? null,
    overduePromises: pending.filter((p) => due(p) < t),
    brokenPromises: ctx.promises
      .filter((p) => p.status === "broken")
      .sort((a, b) => settled(b).localeCompare(settled(a))),
    atRiskPromises: pending.filter((p) => isAtRisk(p, t)),
    openConstraints: ctx.constraints.filter((c) => c.until === null || Date.parse(c.until) > t),
    predecessors: ctx.predecessors ?? [],
    startOver: startOverItem(ctx.predecessors ?? []),
    sinceLastTouch: opts.sinceLastTouch ?? null,
  };
}
