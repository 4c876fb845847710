import { CustomerId, JourneyId, JourneyStatus, PromiseStatus, Verification } from "@baton/core";
import * as z from "zod";
import { SCOPES } from "../objects/workspace/object";

/*
 * What the routes answer. The routes build their answers from TypeScript interfaces, not from
 * zod schemas, so these schemas are deliberately minimal: every one is a loose object (other
 * fields may be present) naming the fields a client relies on. test/openapi.test.ts parses
 * the live answer of every documented example with them, so a renamed or retyped field fails
 * CI. docs/api.md lists every field.
 */

const int = z.number().int();
const at = z.string().describe("RFC 3339, UTC");
const Loose = z.looseObject({});

/** RFC 9457 problem details: every error answers with this (workers/relay/src/http/problem.ts). */
export const Problem = z
  .looseObject({
    type: z.string().describe("urn:baton:problem:<code>"),
    title: z.string(),
    status: int,
    code: z.string().describe("stable, machine-readable"),
    detail: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .describe("application/problem+json (RFC 9457); docs/api.md §13 lists every code");

const EventRef = z.object({ seq: int, id: z.string() });

export const PromiseView = z.looseObject({
  id: z.string(),
  text: z.string(),
  dueAt: at,
  verifyBy: at,
  status: PromiseStatus,
  replaces: z.string().nullable(),
  replacedBy: z.string().nullable(),
});

export const JourneyContext = z
  .looseObject({
    id: JourneyId,
    workspace: z.string(),
    customerId: CustomerId.nullable(),
    status: JourneyStatus,
    statusSince: at,
    reason: z
      .looseObject({ text: z.string().nullable(), topic: z.string().nullable(), at })
      .nullable(),
    owner: z
      .looseObject({ kind: z.string(), id: z.string(), name: z.string().nullable() })
      .nullable(),
    lastAction: z.looseObject({ text: z.string(), at, seq: int }).nullable(),
    constraints: z.array(z.looseObject({ id: z.string(), text: z.string(), kind: z.string() })),
    promises: z.array(PromiseView),
    exceptions: z.array(z.looseObject({ id: z.string(), kind: z.string(), status: z.string() })),
    facts: z.array(
      z.looseObject({ key: z.string(), value: z.union([z.string(), z.number(), z.boolean()]) }),
    ),
    history: z.looseObject({ total: int, recent: z.array(Loose) }),
    effort: Loose,
    flags: z.array(z.string()),
    seq: int,
    createdAt: at,
    updatedAt: at,
  })
  .describe("The journey's context: the six items plus status, facts and effort (docs/api.md §2)");

export const EventAccepted = z.looseObject({
  journeyId: JourneyId,
  customerId: CustomerId.nullable().describe("null when the identifier was merely claimed"),
  resolution: z
    .looseObject({ rule: z.string(), alternatives: z.array(z.string()) })
    .describe("the rule that picked the journey (docs/api.md §5)"),
  event: EventRef,
  replayed: z.boolean(),
  created: z.boolean(),
  verification: Verification,
  merges: z.array(Loose),
  pendingLinks: z.array(Loose),
  context: JourneyContext.nullable(),
});

export const CommandResult = z.looseObject({
  event: EventRef,
  id: z.string().nullable().optional().describe("the id of what the write created, if any"),
  replayed: z.boolean(),
  context: JourneyContext,
});

export const EventsPage = z.looseObject({
  items: z.array(z.looseObject({ seq: int, id: z.string(), type: z.string(), occurredAt: at })),
  nextAfter: int.nullable().describe("pass as `after` for the next page; null on the last"),
});

export const JourneySearchPage = z.looseObject({
  items: z.array(z.looseObject({ id: JourneyId, status: JourneyStatus, updatedAt: at })),
  nextCursor: z.string().nullable(),
});

export const Items = z.looseObject({ items: z.array(Loose) });

/** The flat string map of the `ivr` audience (at most 1 KB), also answered by the call-start hooks. */
export const IvrMap = z
  .record(z.string(), z.string())
  .describe("flat string map, at most 1 KB: match, queue, sentence… (docs/ivr.md)");

export const ContextAnswer = z.union([
  IvrMap,
  z.looseObject({ match: z.enum(["single", "multiple", "none"]), verified: z.boolean() }),
]);

export const Customer = z.looseObject({
  id: CustomerId,
  workspace: z.string(),
  createdAt: at,
  mergedInto: CustomerId.nullable(),
  identifiers: z.array(z.looseObject({ type: z.string(), value: z.string() })),
  journeys: z.array(Loose),
  merges: z.array(Loose),
  pendingLinks: z.array(z.looseObject({ id: z.string(), status: z.string() })),
});

export const CustomerChange = z.looseObject({ customer: Customer });

/** Settings as the API shows them (redactSettings in packages/core): secrets as "(set)" or null. */
export const Settings = z
  .looseObject({
    defaultRegion: z.string(),
    reopenWindowHours: int,
    ivr: z.looseObject({ defaultQueue: z.string(), timeZone: z.string(), budgetMs: int }),
    chatIdentitySecret: z.literal("(set)").nullable(),
    providers: z.record(z.string(), z.record(z.string(), z.unknown())),
  })
  .describe('every setting (docs/api.md §12); secrets are shown as "(set)" or null');

export const Workspace = z.looseObject({
  id: z.string(),
  name: z.string(),
  createdAt: at,
  settings: Settings,
});

export const KeyView = z.looseObject({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  createdAt: at,
  revokedAt: at.nullable(),
});

export const KeyCreated = KeyView.extend({
  workspace: z.string(),
  key: z.string().describe("the full key; shown only in this answer"),
});

export const Subscription = z.looseObject({
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  eventTypes: z.array(z.string()),
  enabled: z.boolean(),
});

export const SubscriptionCreated = Subscription.extend({
  secret: z.string().describe("whsec_…; shown in full only here and by GET …/secret"),
});

export const Page = z.looseObject({ items: z.array(Loose), next: int.nullable() });

export const ChatSession = z.looseObject({
  journeyId: JourneyId,
  sessionToken: z.string().nullable(),
  socket: z.string().nullable(),
  verified: z.boolean(),
  messages: z.array(Loose),
});

export const EmailAccepted = z.looseObject({
  journeyId: JourneyId,
  event: EventRef,
  replayed: z.boolean(),
});

export const Effort = z.looseObject({ workspace: z.string(), horizon: at, startOverDays: int });

export const Health = z.looseObject({ name: z.literal("baton"), health: z.literal("ok") });

/** Any JSON object; used where the answer is described in prose only. */
export const AnyObject = Loose;
