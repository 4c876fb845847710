import { err, ok, type EventInput, type Identifier, type Result } from "@baton/core";
import { fail } from "./http/problem";
import type { CustomerObject } from "./objects/customer";
import type { IdentityObject } from "./objects/identity";
import type { JourneyObject } from "./objects/journey";
import type { Idempotency, JourneyError, NewEvent, WriteOutcome } from "./objects/journey-types";
import { rpc } from "./objects/rpc";

/** Which rule of DESIGN.md §3 picked the journey. */
export type ResolutionRule = "explicit" | "thread" | "customer_open_journey" | "new_journey";

export interface IngestResult extends WriteOutcome {
  journeyId: string;
  customerId: string | null;
  resolution: { rule: ResolutionRule; alternatives: string[] };
}

/** The journey object for (workspace, journey id). Another workspace's id names another object. */
export function journeyStub(env: Env, workspace: string, journeyId: string) {
  return env.JOURNEY.get(env.JOURNEY.idFromName(`${workspace}/${journeyId}`));
}

function identityStub(env: Env, workspace: string, key: string) {
  return env.IDENTITY.get(env.IDENTITY.idFromName(`${workspace}/${key}`));
}

function customerStub(env: Env, workspace: string, customerId: string) {
  return env.CUSTOMER.get(env.CUSTOMER.idFromName(`${workspace}/${customerId}`));
}

/**
 * Exact-match normalization until the identity issue brings libphonenumber: emails are
 * trimmed and case-folded; phone numbers lose spacing and punctuation and must then be
 * 3–15 digits with an optional leading +. Anything else is a 422 naming the identifier.
 */
export function identifierKey(id: Identifier, index: number): string {
  const value = id.value.trim();
  switch (id.type) {
    case "email": {
      const v = value.toLowerCase();
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) badIdentifier(index, "not an email address");
      return `email:${v}`;
    }
    case "phone": {
      const v = value.replace(/[\s().-]/g, "");
      if (!/^\+?\d{3,15}$/.test(v)) badIdentifier(index, "not a phone number");
      return `phone:${v}`;
    }
    default:
      return `${id.type}:${value}`;
  }
}

function badIdentifier(index: number, message: string): never {
  return fail(
    422,
    "invalid_identifier",
    "An identifier cannot be used",
    `identifiers.${index}.value: ${message}`,
    {
      errors: [{ path: `identifiers.${index}.value`, message }],
    },
  );
}

/** Resolves the customer and journey for an event, then appends it (one journey write). */
export async function ingestEvent(
  env: Env,
  workspace: string,
  input: EventInput,
  idempotency: Idempotency | undefined,
): Promise<Result<IngestResult, JourneyError>> {
  const { journeyId, identifiers, threadRefs, idempotencyKey: _k, ...event } = input;
  const refs = [...new Set(threadRefs ?? [])];
  const result = journeyId
    ? await appendTo(env, workspace, journeyId, "explicit", event, idempotency)
    : await resolveAndAppend(env, workspace, identifiers ?? [], refs, event, idempotency);
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
  });
}

async function resolveAndAppend(
  env: Env,
  workspace: string,
  identifiers: Identifier[],
  refs: string[],
  event: NewEvent,
  idempotency: Idempotency | undefined,
): Promise<Result<IngestResult, JourneyError>> {
  if (refs.length > 0) {
    const threads = await Promise.all(
      refs.map(async (r) =>
        rpc<IdentityObject["thread"]>(
          await identityStub(env, workspace, `thread:${r}`).thread(workspace),
        ),
      ),
    );
    const hit = threads.find((t) => t !== null);
    if (hit) return appendTo(env, workspace, hit.journeyId, "thread", event, idempotency);
  }
  if (identifiers.length === 0) {
    return fail(
      422,
      "unresolvable_event",
      "Cannot tell which journey this is",
      "no known thread reference and no identifiers",
      {
        errors: [{ path: "identifiers", message: "needed when no thread reference is known" }],
      },
    );
  }
  const keys = [...new Set(identifiers.map(identifierKey))];
  const customerId = await resolveCustomer(env, workspace, keys);
  const customer = customerStub(env, workspace, customerId);
  let current = rpc<CustomerObject["current"]>(await customer.current(workspace, customerId, keys));
  for (let attempt = 0; attempt < 3; attempt++) {
    const res = rpc<JourneyObject["ingest"]>(
      await journeyStub(env, workspace, current.journeyId).ingest({
        workspace,
        journeyId: current.journeyId,
        customerId,
        create: true,
        whenResolved: "reject",
        idempotency,
        event,
      }),
    );
    if (res.ok) {
      return ok({
        ...res.value,
        journeyId: current.journeyId,
        customerId,
        resolution: {
          rule: res.value.created ? "new_journey" : "customer_open_journey",
          alternatives: [],
        },
      });
    }
    if (res.error.code !== "journey_resolved") return res;
    current = rpc<CustomerObject["roll"]>(await customer.roll(current.journeyId));
  }
  return err({ code: "journey_resolved" });
}

/**
 * Finds the customer behind the identifiers (the first one already linked wins), or creates
 * one through the first identifier's object, which serializes concurrent first contacts.
 * Identifiers not yet linked are linked to that customer.
 */
async function resolveCustomer(env: Env, workspace: string, keys: string[]): Promise<string> {
  const links = await Promise.all(
    keys.map(async (k) =>
      rpc<IdentityObject["lookup"]>(await identityStub(env, workspace, k).lookup(workspace)),
    ),
  );
  let customerId = links.find((l) => l !== null)?.customerId ?? null;
  const unlinked = keys.filter((_, i) => links[i] === null);
  const [first, ...rest] = unlinked;
  if (customerId === null && first !== undefined) {
    const claimed = rpc<IdentityObject["claim"]>(
      await identityStub(env, workspace, first).claim(workspace, first, null, "api", "asserted"),
    );
    customerId = claimed.customerId;
  } else if (first !== undefined) {
    rest.unshift(first);
  }
  if (customerId === null) throw new Error("no identifier to resolve");
  const owner = customerId;
  await Promise.all(
    rest.map((k) => identityStub(env, workspace, k).claim(workspace, k, owner, "api", "asserted")),
  );
  return owner;
}
