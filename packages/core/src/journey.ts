import * as z from "zod";
import { LIMITS } from "./limits";
import { Instant, TimeZone } from "./time";

const label = z.string().trim().min(1).max(LIMITS.labelChars);
const sentence = z.string().trim().min(1).max(LIMITS.sentenceChars);

export const Channel = z.enum([
  "sms",
  "voice",
  "email",
  "chat",
  "whatsapp",
  "social",
  "web",
  "api",
  "in_person",
  "other",
]);
export type Channel = z.infer<typeof Channel>;

export const Direction = z.enum(["inbound", "outbound", "internal"]);
export type Direction = z.infer<typeof Direction>;

export const ActorKind = z.enum(["customer", "agent", "bot", "system"]);

/** Who did something: the customer, a person, a bot or a system. */
export const Actor = z.strictObject({
  kind: ActorKind,
  id: label.optional(),
  name: label.optional(),
  team: label.optional(),
});
export type Actor = z.infer<typeof Actor>;

export const JourneyStatus = z.enum([
  "open",
  "waiting_on_customer",
  "waiting_on_company",
  "resolved",
]);
export type JourneyStatus = z.infer<typeof JourneyStatus>;

/** Event types a caller may post. The journey object adds its own (see SystemEventType). */
export const ClientEventType = z.enum(["message", "call", "note", "action", "custom"]);
export type ClientEventType = z.infer<typeof ClientEventType>;

/** Events the journey object records for changes made through the sub-resources. */
export const SystemEventType = z.enum([
  "context.updated",
  "owner.changed",
  "promise.made",
  "promise.settled",
  "promise.overdue",
  "promise.broken",
  "promise.renegotiated",
  "exception.raised",
  "exception.escalated",
  "exception.resolved",
  "constraint.added",
  "constraint.removed",
  "status.changed",
  "customer.changed",
  "journey.flagged",
  /** A promise falls due soon and is still open: owners are nudged (outreach.nudges). */
  "promise.at_risk",
  /** An outreach message waits for quiet hours or a contact window to allow it. */
  "outreach.held",
  /** An outreach message will not be sent: legal hold, opted out, no channel or time left. */
  "outreach.suppressed",
  /** A provider reported what happened to an outreach message (delivered, failed, bounced). */
  "outreach.delivery",
]);
export type SystemEventType = z.infer<typeof SystemEventType>;
export type EventType = ClientEventType | SystemEventType;

export const IdentifierType = z.enum(["phone", "email", "chat", "user", "external"]);
export type IdentifierType = z.infer<typeof IdentifierType>;

/**
 * How an identifier is known to belong to the customer: `verified` (provider-verified channel
 * address, signed web user, confirmed one-time code), `asserted` (a trusted system said so
 * through the API), `claimed` (typed in by someone, e.g. into a chat).
 */
export const Verification = z.enum(["verified", "asserted", "claimed"]);
export type Verification = z.infer<typeof Verification>;

/** A way to recognise the customer: a phone number, an email address, a chat visitor id… */
export const Identifier = z.strictObject({
  type: IdentifierType,
  value: z.string().trim().min(1).max(320),
  /** Defaults to `asserted` for API callers; channel adapters set `verified` for the sender. */
  verification: Verification.optional(),
});
export type Identifier = z.infer<typeof Identifier>;

/** A thread reference, namespaced by its kind, e.g. `email:<abc@mail.example>`, `twilio-call:CA…`. */
export const ThreadRef = z
  .string()
  .min(3)
  .max(LIMITS.threadRefChars)
  .regex(/^[a-z][a-z0-9-]{0,31}:\S+$/, "must look like kind:value, e.g. email:<id@host>");

export const JourneyId = z.string().regex(/^jrn_[0-9a-z]{22}$/, "must be a journey id (jrn_…)");
export const CustomerId = z.string().regex(/^cus_[0-9a-z]{22}$/, "must be a customer id (cus_…)");

/** Why the customer got in touch, in their words and as a topic. */
export const Reason = z
  .strictObject({
    text: sentence.optional(),
    topic: z
      .string()
      .regex(
        /^[a-z0-9_]+(\.[a-z0-9_]+)*$/,
        "must be a dotted lower-case topic, e.g. billing.double_charge",
      )
      .max(LIMITS.labelChars)
      .optional(),
  })
  .refine((r) => r.text !== undefined || r.topic !== undefined, {
    message: "needs text or topic",
  });
export type Reason = z.infer<typeof Reason>;

const factKey = z
  .string()
  .regex(/^[a-zA-Z][a-zA-Z0-9_.-]{0,63}$/, "must be a fact key like account_number");
const factValue = z.union([z.string().max(LIMITS.sentenceChars), z.number(), z.boolean()]);

/** "Do not ask again" facts: what the customer already gave. `null` removes a fact. */
export const Facts = z
  .record(factKey, factValue.nullable())
  .refine((f) => Object.keys(f).length <= LIMITS.factsPerRequest, {
    message: `at most ${LIMITS.factsPerRequest} facts per request`,
  });
export type Facts = z.infer<typeof Facts>;

/** Free-form structured data on an event: a JSON object bounded in size. */
export const EventData = z
  .record(z.string().max(LIMITS.labelChars), z.json())
  .refine((d) => new TextEncoder().encode(JSON.stringify(d)).length <= LIMITS.dataBytes, {
    message: `must serialize to at most ${LIMITS.dataBytes} bytes`,
  });

export const EventInput = z
  .strictObject({
    journeyId: JourneyId.optional(),
    identifiers: z.array(Identifier).max(LIMITS.identifiers).optional(),
    channel: Channel,
    direction: Direction,
    actor: Actor,
    type: ClientEventType.default("message"),
    text: z.string().max(LIMITS.textChars).optional(),
    data: EventData.optional(),
    occurredAt: Instant.optional(),
    idempotencyKey: z.string().min(1).max(LIMITS.idempotencyKeyChars).optional(),
    reason: Reason.optional(),
    facts: Facts.optional(),
    repeated: z.boolean().optional(),
    /** Start a new journey for the customer even when one is open (a second, unrelated problem). */
    newJourney: z.boolean().optional(),
    /**
     * Thread references (email Message-ID / In-Reply-To / References, chat conversation id,
     * call SID, reply token). One already seen routes the event to its journey; all are
     * remembered for the journey afterwards.
     */
    threadRefs: z.array(ThreadRef).max(LIMITS.threadRefs).optional(),
  })
  .refine(
    (e) =>
      e.journeyId !== undefined ||
      (e.identifiers?.length ?? 0) > 0 ||
      (e.threadRefs?.length ?? 0) > 0,
    {
      message: "give a journeyId, a thread reference or at least one identifier",
      path: ["identifiers"],
    },
  );
export type EventInput = z.infer<typeof EventInput>;

export const OwnerInput = z.strictObject({
  kind: z.enum(["person", "team", "bot"]).default("person"),
  id: label,
  name: label.optional(),
  team: label.optional(),
  note: sentence.optional(),
  actor: Actor.optional(),
  /**
   * Compare-and-swap lease: the owner id the caller believes holds the journey (null = no
   * owner). When given and stale, the change is refused with 409 owner_conflict.
   */
  expectedOwnerId: label.nullable().optional(),
  /** The handoff packet: why it is handed over and a summary for the next owner. */
  handoff: z
    .strictObject({
      reason: sentence,
      summary: z.string().trim().min(1).max(4_000),
    })
    .optional(),
});
export type OwnerInput = z.infer<typeof OwnerInput>;

/** A promise's verify-by time may not come before its due time. */
const verifyByAfterDue: [
  (p: { dueAt: string; verifyBy?: string | undefined }) => boolean,
  { message: string; path: string[] },
] = [
  (p) => p.verifyBy === undefined || Date.parse(p.verifyBy) >= Date.parse(p.dueAt),
  { message: "verifyBy must not be before dueAt", path: ["verifyBy"] },
];

export const PromiseInput = z
  .strictObject({
    text: sentence,
    /** When the company must have done it: past this, an unsettled promise is overdue. */
    dueAt: Instant,
    /**
     * When to check that it was done: an overdue promise still unsettled then is broken. Defaults
     * to dueAt plus the workspace's `promises.graceMinutes`.
     */
    verifyBy: Instant.optional(),
    madeBy: Actor,
    channel: Channel.optional(),
    /**
     * When the promise was made, if earlier than now: recording a promise already given (from
     * a call log, a migration). Only then may `dueAt` lie in the past.
     */
    madeAt: Instant.optional(),
  })
  .refine(...verifyByAfterDue);
export type PromiseInput = z.infer<typeof PromiseInput>;

/**
 * pending → overdue (past dueAt) → broken (past verifyBy, by the alarm, or by hand); kept,
 * cancelled and renegotiated are settled by people. Only pending and overdue are open.
 */
export const PromiseStatus = z.enum([
  "pending",
  "overdue",
  "kept",
  "broken",
  "cancelled",
  "renegotiated",
]);
export type PromiseStatus = z.infer<typeof PromiseStatus>;

/** Pending or overdue: not settled yet, still owed to the customer. */
export const isOpenPromise = (status: string): boolean =>
  status === "pending" || status === "overdue";

export const PromiseSettleInput = z.strictObject({
  status: z.enum(["kept", "broken", "cancelled"]),
  note: sentence.optional(),
  actor: Actor.optional(),
});
export type PromiseSettleInput = z.infer<typeof PromiseSettleInput>;

/** A new time (and optionally new words) agreed with the customer: the old promise is closed. */
export const PromiseRenegotiateInput = z
  .strictObject({
    dueAt: Instant,
    verifyBy: Instant.optional(),
    text: sentence.optional(),
    note: sentence.optional(),
    actor: Actor.optional(),
  })
  .refine(...verifyByAfterDue);
export type PromiseRenegotiateInput = z.infer<typeof PromiseRenegotiateInput>;

/** How far ahead of the relay's clock a caller's `madeAt` may be (clock skew), in ms. */
export const MADE_AT_SKEW_MS = 60_000;

/** Why a promise's times cannot be accepted at `now`, or null when they can. */
export type PromiseTimingError =
  | { code: "promise_due_in_past"; field: "dueAt"; dueAt: string; now: string }
  | { code: "promise_made_in_future"; field: "madeAt"; madeAt: string; now: string };

/**
 * A promise due before it is made is already broken: refuse it, unless the caller says it
 * records a promise made earlier (`madeAt` not in the future). A renegotiation has no
 * `madeAt`: a new time agreed now must lie ahead.
 */
export function promiseTimingError(
  p: { dueAt: string; madeAt?: string | undefined },
  now: number,
): PromiseTimingError | null {
  const nowIso = new Date(now).toISOString();
  if (p.madeAt !== undefined && Date.parse(p.madeAt) > now + MADE_AT_SKEW_MS)
    return { code: "promise_made_in_future", field: "madeAt", madeAt: p.madeAt, now: nowIso };
  if (p.madeAt === undefined && Date.parse(p.dueAt) < now)
    return { code: "promise_due_in_past", field: "dueAt", dueAt: p.dueAt, now: nowIso };
  return null;
}

/** What went wrong on a journey that the next touchpoint must recover from. */
export const ExceptionKind = z.enum([
  "broken_promise",
  "failed_payment",
  "moved_appointment",
  "misrouted",
  "owner_away",
  "other",
  /** The customer cannot be reached there: a number that cannot take SMS, an address that bounces. */
  "undeliverable",
]);
export type ExceptionKind = z.infer<typeof ExceptionKind>;

export const ExceptionInput = z.strictObject({
  kind: ExceptionKind,
  /** What happened, e.g. "card payment for invoice 1042 failed". */
  text: sentence,
  /** What the next touchpoint should do, e.g. "apologise, then offer a payment link". */
  guidance: sentence.optional(),
  actor: Actor.optional(),
  /** Hand the journey to the owner's fallback (workspace `recovery` settings). Default true. */
  escalate: z.boolean().default(true),
  data: EventData.optional(),
});
export type ExceptionInput = z.input<typeof ExceptionInput>;

export const ExceptionResolveInput = z.strictObject({
  note: sentence.optional(),
  actor: Actor.optional(),
});
export type ExceptionResolveInput = z.infer<typeof ExceptionResolveInput>;

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a 24-hour time HH:MM");

export const ConstraintInput = z.strictObject({
  text: sentence,
  /**
   * `contact_window`: contact only between `window.from` and `window.to` (local times in
   * `window.timeZone`; a window may wrap midnight, e.g. 21:00–08:00). With `channel` it holds
   * for that channel only ("no calls before 17:00" = contact_window, channel voice,
   * 17:00–21:00); without, for every channel.
   * `channel_only`: contact on `channel` only ("SMS only").
   * `opted_out`: the customer opted out of `channel` (an SMS STOP, an email unsubscribe);
   * without `channel`, of every channel.
   * `legal`: a legal hold: Baton sends the customer nothing while it is in force.
   * `accessibility`, `other`: shown to the next touchpoint, not acted on by Baton.
   * `until` ends any of them.
   */
  kind: z
    .enum(["contact_window", "channel_only", "accessibility", "legal", "other", "opted_out"])
    .default("other"),
  /** For contact windows: local times between which the customer may be contacted. */
  window: z.strictObject({ from: clock, to: clock, timeZone: TimeZone }).optional(),
  /** The channel the constraint is about (channel_only, opted_out, a per-channel contact_window). */
  channel: Channel.optional(),
  until: Instant.optional(),
  actor: Actor.optional(),
});
export type ConstraintInput = z.infer<typeof ConstraintInput>;

export const ActionInput = z.strictObject({
  text: sentence,
  actor: Actor,
  occurredAt: Instant.optional(),
  data: EventData.optional(),
});
export type ActionInput = z.infer<typeof ActionInput>;

export const StatusInput = z.strictObject({
  status: JourneyStatus,
  note: sentence.optional(),
  actor: Actor.optional(),
});
export type StatusInput = z.infer<typeof StatusInput>;

export const JourneyPatch = z
  .strictObject({
    reason: Reason.optional(),
    facts: Facts.optional(),
    actor: Actor.optional(),
  })
  .refine((p) => p.reason !== undefined || p.facts !== undefined, {
    message: "give reason or facts",
  });
export type JourneyPatch = z.infer<typeof JourneyPatch>;
