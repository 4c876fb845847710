import { redactDeep, redactText, type CompiledPattern } from "@baton/core";
import type { JourneyCommand, NewEvent } from "./objects/journey-types";

/**
 * Workspace patterns apply to free text only — never to ids, enums or timestamps, which a
 * broad pattern could otherwise corrupt after validation.
 */
const t = (s: string | undefined, p: readonly CompiledPattern[]) =>
  s === undefined ? undefined : redactText(s, p).text;

function facts<F extends Record<string, string | number | boolean | null> | undefined>(
  f: F,
  p: readonly CompiledPattern[],
): F {
  if (!f) return f;
  const out: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(f))
    out[k] = typeof v === "string" ? redactText(v, p).text : v;
  return out as F;
}

/** The event with its text, data, reason text and fact values redacted. */
export function redactEvent(e: NewEvent, p: readonly CompiledPattern[]): NewEvent {
  if (p.length === 0) return e;
  return {
    ...e,
    text: t(e.text, p),
    data: e.data ? redactDeep(e.data, p).value : e.data,
    reason: e.reason ? { ...e.reason, text: t(e.reason.text, p) } : e.reason,
    facts: facts(e.facts, p),
  };
}

/** The command with its sentences, notes and free-form data redacted. */
export function redactCommand(c: JourneyCommand, p: readonly CompiledPattern[]): JourneyCommand {
  if (p.length === 0) return c;
  switch (c.kind) {
    case "patch":
      return {
        ...c,
        patch: {
          ...c.patch,
          reason: c.patch.reason
            ? { ...c.patch.reason, text: t(c.patch.reason.text, p) }
            : undefined,
          facts: facts(c.patch.facts, p),
        },
      };
    case "owner":
      return {
        ...c,
        owner: {
          ...c.owner,
          note: t(c.owner.note, p),
          handoff: c.owner.handoff
            ? {
                reason: redactText(c.owner.handoff.reason, p).text,
                summary: redactText(c.owner.handoff.summary, p).text,
              }
            : undefined,
        },
      };
    case "promise.add":
      return { ...c, promise: { ...c.promise, text: redactText(c.promise.text, p).text } };
    case "promise.settle":
      return { ...c, settle: { ...c.settle, note: t(c.settle.note, p) } };
    case "promise.renegotiate":
      return {
        ...c,
        renegotiate: {
          ...c.renegotiate,
          text: t(c.renegotiate.text, p),
          note: t(c.renegotiate.note, p),
        },
      };
    case "exception.raise":
      return {
        ...c,
        exception: {
          ...c.exception,
          text: redactText(c.exception.text, p).text,
          guidance: t(c.exception.guidance, p),
          data: c.exception.data ? redactDeep(c.exception.data, p).value : c.exception.data,
        },
      };
    case "exception.resolve":
      return { ...c, resolve: { ...c.resolve, note: t(c.resolve.note, p) } };
    case "constraint.add":
      return { ...c, constraint: { ...c.constraint, text: redactText(c.constraint.text, p).text } };
    case "constraint.remove":
      return c;
    case "action":
      return {
        ...c,
        action: {
          ...c.action,
          text: redactText(c.action.text, p).text,
          data: c.action.data ? redactDeep(c.action.data, p).value : c.action.data,
        },
      };
    case "status":
      return { ...c, status: { ...c.status, note: t(c.status.note, p) } };
  }
}
