import { isMessageId, isTwilioSid } from "@baton/channels";
import {
  compileRules,
  redactDeep,
  redactText,
  type Actor,
  type CompiledPattern,
  type Facts,
  type Reason,
  type WorkspaceSettings,
} from "@baton/core";
import type { JourneyCommand, NewEvent } from "../objects/journey/types";

/**
 * The one list of fields that carry caller text, and so go through redaction in the Worker
 * before anything reaches an object: every rule applies (the workspace's built-ins, card
 * numbers, the workspace's patterns). docs/privacy.md lists the same fields. Left alone:
 * identifiers and thread references (they route the event), enumerations, instants, and the
 * ids Baton issued (journey, promise, constraint, exception ids), which a broad workspace
 * pattern could otherwise rewrite after validation.
 */
type Rules = readonly CompiledPattern[];

const str = (s: string, p: Rules) => redactText(s, p).text;

const opt = <S extends string | null | undefined>(s: S, p: Rules): S =>
  (typeof s === "string" ? str(s, p) : s) as S;

/** Who did something: id, name and team are free text typed by a person or a system. */
function actor<A extends Actor | undefined>(a: A, p: Rules): A {
  if (!a) return a;
  const out: Actor = { ...a };
  for (const k of ["id", "name", "team"] as const) {
    const v = a[k];
    if (v !== undefined) out[k] = str(v, p);
  }
  return out as A;
}

/** Fact keys and string values (a key such as `card_4111…` would otherwise be stored raw). */
function facts<F extends Facts | undefined>(f: F, p: Rules): F {
  if (!f) return f;
  const out: Facts = {};
  for (const [k, v] of Object.entries(f)) out[str(k, p)] = typeof v === "string" ? str(v, p) : v;
  return out as F;
}

function reason<R extends Reason | undefined>(r: R, p: Rules): R {
  return r ? { ...r, text: opt(r.text, p) } : r;
}

function data<D extends Record<string, unknown> | undefined>(d: D, p: Rules): D {
  return d ? redactDeep(d, p).value : d;
}

/**
 * Provider references an event's `data` carries at its top level: what a reply threads on
 * (`messageId`, `inReplyTo`, `references`) and what a status callback names (`messageSid`,
 * `callSid`, `accountSid`, `providerMessageId`). A provider issues them; no person typed them.
 * Each is kept as given when it has its reference's shape, because a card rule would otherwise
 * rewrite one that happens to hold a Luhn-valid digit run (a 13-digit millisecond timestamp in
 * a Message-ID passes one time in ten) and break threading. Any other value is redacted.
 */
const REFERENCE_SHAPES: Record<string, (v: unknown) => boolean> = {
  messageId: isMessageId,
  inReplyTo: isMessageId,
  references: (v) => Array.isArray(v) && v.every(isMessageId),
  messageSid: isTwilioSid,
  callSid: isTwilioSid,
  accountSid: isTwilioSid,
  providerMessageId: (v) => isTwilioSid(v) || isMessageId(v),
};

/** `data` with every string and key redacted except the provider references above. */
function eventData(
  d: Record<string, unknown>,
  p: Rules,
): { value: Record<string, unknown>; count: number } {
  const kept = Object.keys(d).filter((k) => REFERENCE_SHAPES[k]?.(d[k]) === true);
  if (kept.length === 0) return redactDeep(d, p);
  // The references sit out of the walk as null, then go back under their own keys (same order).
  const rest = { ...d };
  for (const k of kept) rest[k] = null;
  const deep = redactDeep(rest, p);
  for (const k of kept) deep.value[k] = d[k];
  return deep;
}

/**
 * The event with its text, data, reason, facts and actor redacted. `redactions` counts what
 * was replaced in text and data (the journey object adds what it still finds, normally none).
 */
export function redactEvent(e: NewEvent, p: Rules): NewEvent {
  const text = e.text === undefined ? undefined : redactText(e.text, p);
  const deep = e.data ? eventData(e.data, p) : undefined;
  return {
    ...e,
    text: text?.text,
    data: deep?.value,
    reason: reason(e.reason, p),
    facts: facts(e.facts, p),
    actor: actor(e.actor, p),
    redactions: (text?.count ?? 0) + (deep?.count ?? 0),
  };
}

/** A merge's reason and actor (the customer object stores both with the merge). */
export function redactMerge(
  why: string,
  who: unknown,
  p: Rules,
): { reason: string; actor: unknown } {
  const isActor = typeof who === "object" && who !== null && "kind" in who;
  return { reason: str(why, p), actor: isActor ? actor(who as Actor, p) : who };
}

/** The command with every caller-written field redacted: sentences, notes, names, data. */
export function redactCommand(c: JourneyCommand, p: Rules): JourneyCommand {
  switch (c.kind) {
    case "patch": {
      const { patch } = c;
      return {
        ...c,
        patch: {
          ...patch,
          reason: reason(patch.reason, p),
          facts: facts(patch.facts, p),
          actor: actor(patch.actor, p),
        },
      };
    }
    case "owner": {
      const { owner } = c;
      return {
        ...c,
        owner: {
          ...owner,
          // The lease compares ids: the expected id is redacted like the stored one.
          id: str(owner.id, p),
          expectedOwnerId: opt(owner.expectedOwnerId, p),
          name: opt(owner.name, p),
          team: opt(owner.team, p),
          note: opt(owner.note, p),
          actor: actor(owner.actor, p),
          handoff: owner.handoff && {
            reason: str(owner.handoff.reason, p),
            summary: str(owner.handoff.summary, p),
          },
        },
      };
    }
    case "promise.add":
      return {
        ...c,
        promise: {
          ...c.promise,
          text: str(c.promise.text, p),
          madeBy: actor(c.promise.madeBy, p),
        },
      };
    case "promise.settle":
      return {
        ...c,
        settle: { ...c.settle, note: opt(c.settle.note, p), actor: actor(c.settle.actor, p) },
      };
    case "promise.renegotiate":
      return {
        ...c,
        renegotiate: {
          ...c.renegotiate,
          text: opt(c.renegotiate.text, p),
          note: opt(c.renegotiate.note, p),
          actor: actor(c.renegotiate.actor, p),
        },
      };
    case "exception.raise":
      return {
        ...c,
        exception: {
          ...c.exception,
          text: str(c.exception.text, p),
          guidance: opt(c.exception.guidance, p),
          actor: actor(c.exception.actor, p),
          data: data(c.exception.data, p),
        },
      };
    case "exception.resolve":
      return {
        ...c,
        resolve: { ...c.resolve, note: opt(c.resolve.note, p), actor: actor(c.resolve.actor, p) },
      };
    case "constraint.add":
      return {
        ...c,
        constraint: {
          ...c.constraint,
          text: str(c.constraint.text, p),
          actor: actor(c.constraint.actor, p),
        },
      };
    case "constraint.remove":
      return { ...c, actor: actor(c.actor, p) };
    case "action":
      return {
        ...c,
        action: {
          ...c.action,
          text: str(c.action.text, p),
          actor: actor(c.action.actor, p),
          data: data(c.action.data, p),
        },
      };
    case "status":
      return {
        ...c,
        status: { ...c.status, note: opt(c.status.note, p), actor: actor(c.status.actor, p) },
      };
  }
}

const compiled = new WeakMap<WorkspaceSettings, CompiledPattern[]>();

/**
 * The workspace's compiled redaction rules, its switched-on built-ins and its own patterns
 * (compiled once per cached settings object). Card numbers are always redacted on top.
 */
export function redactionPatterns(settings: WorkspaceSettings | null): CompiledPattern[] {
  if (!settings) return [];
  const rules = settings.redaction;
  if (rules.patterns.length === 0 && rules.builtins.length === 0) return [];
  let list = compiled.get(settings);
  if (!list) {
    list = compileRules(rules);
    compiled.set(settings, list);
  }
  return list;
}
