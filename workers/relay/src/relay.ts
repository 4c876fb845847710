import {
  err,
  ok,
  type EventInput,
  type Identifier,
  type Result,
  type Verification,
} from "@baton/core";
import { fail } from "./http/problem";
import { matchCustomer } from "./identity/resolve-customer";
import type { MergeOutcome } from "./identity/merge";
import { normalizeAll } from "./identity/normalize";
import { customerStub, identityStub, journeyStub } from "./identity/stubs";
import type { CustomerObject } from "./objects/customer";
import type { PendingLinkView } from "./objects/customer-types";
import type { IdentityObject } from "./objects/identity";
import type { JourneyObject } from "./objects/journey";
import { redactEvent } from "./redact-fields";
import { redactionPatterns, workspaceSettings } from "./settings";
import type { Idempotency, JourneyError, NewEvent, WriteOutcome } from "./objects/journey-types";
import { rpc } from "./objects/rpc";

/** Which rule of DESIGN.md §3 picked the journey. */
export type ResolutionRule =
  "explicit" | "thread" | "customer_open_journey" | "reopened" | "new_journey";

export interface IngestResult extends WriteOutcome {
  journeyId: string;
  customerId: string | null;
  resolution: { rule: ResolutionRule; alternatives: string[] };
  /** How the event's identifiers tie it to the customer; null for explicit/thread routing. */
  verification: Verification | null;
  merges: MergeOutcome[];
  pendingLinks: PendingLinkView[];
}

/** Where identifiers came from, recorded on every link (e.g. "api", "twilio", "postmark"). */
export interface IngestOptions {
  source?: string;
  actor?: unknown;
}

export { journeyStub };

/** Resolves the customer and journey for an event, then appends it (one journey write). */
export async function ingestEvent(
  env: Env,
  workspace: string,
  input: EventInput,
  idempotency: Idempotency | undefined,
  options: IngestOptions = {},
): Promise<Result<IngestResult, JourneyError>> {
  const { journeyId, identifiers, threadRefs, newJourney, idempotencyKey: _k, ...raw } = input;
  // Identifiers and thread references stay as given (they route); everything stored is redacted.
  const event = redactEvent(raw, redactionPatterns(await workspaceSettings(env, workspace)));
  const refs = [...new Set(threadRefs ?? [])];
  const result = journeyId
    ? await appendTo(env, workspace, journeyId, "explicit", event, idempotency)
    : await resolveAndAppend(env, workspace, {
        identifiers: identifiers ?? [],
        refs,
        event,
        idempotency,
        forceNew: newJourney ?? false,
        source: options.source ?? "api",
        actor: options.actor ?? event.actor,
      });
  if (result.ok && refs.length > 0) {
    const { journeyId: jid, customerId } = result.value;
    await Promise.all(
      refs.map(async (r) =>
        identityStub(env, workspace, `thread:${r}`).claimThread(workspace, r, jid, customerId),
      ),
    );
  }
  return result;
}

/** Appends to a known journey (explicit id or thread match); a resolved journey reopens. */
async function appendTo(
  env: Env,
  workspace: string,
  journeyId: string,
  rule: ResolutionRule,
  event: NewEvent,
  idempotency: Idempotency | undefined,
): Promise<Result<IngestResult, JourneyError>> {
  const res = rpc<JourneyObject["ingest"]>(
    await journeyStub(env, workspace, journeyId).ingest({
      workspace,
      journeyId,
      customerId: null,
      create: false,
      whenResolved: "reopen",
      idempotency,
      event,
    }),
  );
  if (!res.ok) return res;
  return ok({
    ...res.value,
    journeyId,
    customerId: res.value.context.customerId,
    resolution: { rule, alternatives: [] },
    verification: null,
    merges: [],
    pendingLinks: [],
  });
}

interface ResolveInput {
  identifiers: Identifier[];
  refs: string[];
  event: NewEvent;
  idempotency: Idempotency | undefined;
  forceNew: boolean;
  source: string;
  actor: unknown;
}

async function threadMatch(env: Env, workspace: string, refs: string[]) {
  const threads = await Promise.all(
    refs.map(async (r) =>
      rpc<IdentityObject["thread"]>(
        await identityStub(env, workspace, `thread:${r}`).thread(workspace),
      ),
    ),
  );
  return threads.find((t) => t !== null) ?? null;
}

/** DESIGN.md §3: thread reference, then the customer's open journey, reopen window, or new. */
async function resolveAndAppend(
  env: Env,
  workspace: string,
  input: ResolveInput,
): Promise<Result<IngestResult, JourneyError>> {
  const { event, idempotency } = input;
  const hit = input.refs.length > 0 ? await threadMatch(env, workspace, input.refs) : null;
  if (hit) return appendTo(env, workspace, hit.journeyId, "thread", event, idempotency);
  const settings = await workspaceSettings(env, workspace);
  const { linked, anonymous } = normalizeAll(input.identifiers, settings, input.source);
  if (linked.length === 0) {
    const why = anonymous > 0 ? "the caller is anonymous or withheld" : "no identifiers";
    return fail(
      422,
      "unresolvable_event",
      "Cannot tell which journey this is",
      `no known thread reference and ${why}`,
      {
        errors: [{ path: "identifiers", message: "needed when no thread reference is known" }],
      },
    );
  }
  const match = await matchCustomer(env, workspace, linked, input.actor);
  let customerId = match.customerId;
  const reopenWindowMs = (settings?.reopenWindowHours ?? 72) * 3_600_000;
  for (let attempt = 0; attempt < 4; attempt++) {
    const customer = customerStub(env, workspace, customerId);
    const pick = rpc<CustomerObject["resolve"]>(
      await customer.resolve({
        workspace,
        customerId,
        identifiers: match.linked,
        reopenWindowMs,
        forceNew: input.forceNew,
        requestKey: idempotency?.key,
      }),
    );
    if (pick.kind === "redirect") {
      customerId = pick.customerId;
      continue;
    }
    const res = rpc<JourneyObject["ingest"]>(
      await journeyStub(env, workspace, pick.journeyId).ingest({
        workspace,
        journeyId: pick.journeyId,
        customerId,
        create: true,
        whenResolved: pick.rule === "reopened" ? "reopen" : "reject",
        idempotency,
        event,
      }),
    );
    if (res.ok) {
      return ok({
        ...res.value,
        journeyId: pick.journeyId,
        customerId,
        resolution: { rule: pick.rule, alternatives: pick.alternatives },
        verification: match.verification,
        merges: match.merges,
        pendingLinks: match.pendingLinks,
      });
    }
    if (res.error.code !== "journey_resolved") return res;
    // The card was stale: record the resolution and ask again.
    await customer.closed(pick.journeyId, res.error.resolvedAt ?? new Date().toISOString());
  }
  return err({ code: "journey_resolved", resolvedAt: null });
}
