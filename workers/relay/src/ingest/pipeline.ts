import type { EventInput, Result } from "@baton/core";
import type { Idempotency } from "../objects/journey/types";
import { append } from "./append";
import { smsCompany } from "./binding";
import { normalizeIdentifiers } from "./normalize";
import { redactEvent, redactionPatterns } from "./redact";
import { resolve } from "./resolve";
import { tombstoneOf } from "@baton/core";
import type {
  IngestContext,
  IngestError,
  IngestOptions,
  IngestResult,
  ResolutionRule,
} from "./types";

/*
 * The ingest pipeline (docs/architecture.md, "The ingest path"). Every channel ends here, and
 * one request reads top to bottom through this folder:
 *
 *   verify, parse   at the edge that received it: twilio.ts, email.ts, routes/events.ts, routes/chat.ts
 *   normalize       normalize.ts: the identifiers, once, with the workspace's region
 *   redact          redact.ts: every caller-written field, once, with the workspace's rules
 *   resolve         resolve.ts: the explicit journey, a known thread, or the customer (an
 *                   inbound SMS on a number pair a company message bound: that journey,
 *                   read by the sender's identity lookup; binding.ts)
 *   append          append.ts: one journey write (the customer object picks the journey),
 *                   then the thread references claimed for it
 *
 * The workspace settings are read once, by the edge, and passed down. Each step
 * returns a `Result`; http/errors.ts turns the errors into problems at the edge.
 */

export type { IngestContext, IngestError, IngestOptions, IngestResult, ResolutionRule };

/** Normalizes, redacts, resolves and appends one event (one journey write). */
export async function ingestEvent(
  env: Env,
  workspace: string,
  input: EventInput,
  idempotency: Idempotency | undefined,
  options: IngestOptions,
): Promise<Result<IngestResult, IngestError>> {
  const { settings } = options;
  const ctx: IngestContext = { env, workspace, settings };
  const { journeyId, identifiers, threadRefs, newJourney, idempotencyKey: _k, ...raw } = input;
  const source = options.source ?? "api";
  // An identifier that cannot be read is an error only if the route needs the identifiers.
  const ids = normalizeIdentifiers(identifiers ?? [], settings, source);
  const patterns = redactionPatterns(settings);
  // Identifiers and thread references stay as given (they route); everything stored is redacted.
  const event = redactEvent(raw, patterns);
  const refs = [...new Set(threadRefs ?? [])];
  const how = { idempotency, forceNew: newJourney ?? false, refs };
  const route = await resolve(ctx, {
    journeyId,
    refs,
    ids,
    actor: options.actor ?? event.actor,
    patterns,
    // An inbound SMS on a number pair bound by a company message goes to that journey, unless
    // the event asks for a new one (binding.ts; no extra object call).
    pairWith: newJourney ? undefined : smsCompany(ctx, input),
    // A late retry of a message an erasure tombstoned stores nothing (docs/privacy.md).
    tombstone: idempotency ? await tombstoneOf(idempotency.key) : undefined,
  });
  if (!route.ok) return route;
  const res = await append(ctx, route.value, event, how);
  // A bound journey that is gone: the customer's journey, as the customer rules pick it.
  const orElse = route.value.kind === "journey" ? route.value.orElse : undefined;
  if (orElse && !res.ok && res.error.code === "journey_not_found") {
    return append(ctx, orElse, event, how);
  }
  return res;
}
