import {
  Actor,
  Instant,
  LIMITS,
  WorkspaceSettings,
  type EventInput,
  type JourneyContext,
} from "@baton/core";
import * as z from "zod";
import { unwrap } from "../http/errors";
import { fail } from "../http/problem";
import { idempotencyOf } from "../http/validate";
import type { LinkedIdentifier } from "../objects/customer/types";
import type { JourneyCommand, WriteOutcome } from "../objects/journey/types";
import { customerStub, journeyStub } from "../objects/access";
import { bindPair, e164, mintEmailThreading } from "./binding";
import { normalizeIdentifiers } from "./normalize";
import { ingestEvent } from "./pipeline";
import { workspaceSettings } from "../objects/workspace/settings";
import { redactCommand, redactionPatterns } from "./redact";

/*
 * The second way into a journey: a command (owner, action, promise, exception, constraint,
 * status) from the REST routes or the MCP tools. Settings are read once, the command is
 * redacted once, and the journey object writes it once.
 */

/** Fields a command takes from the workspace settings rather than from its caller. */
type FromSettings = "guard" | "policy" | "recovery" | "timeZone";
/** A journey command as its caller sends it; `runCommand` adds what the settings decide. */
export type CommandInput = Sent<JourneyCommand>;
type Sent<C> = C extends JourneyCommand ? Omit<C, FromSettings> : never;

/** Used when the workspace has no settings row yet: the schema's own defaults. */
const DEFAULT_POLICY = WorkspaceSettings.parse({}).promises;

/** Adds the workspace's handoff guard, promise policy, recovery fallbacks and time zone. */
function withSettings(input: CommandInput, settings: WorkspaceSettings | null): JourneyCommand {
  switch (input.kind) {
    case "owner":
      return { ...input, guard: settings?.handoff };
    case "promise.add":
    case "promise.renegotiate":
      return {
        ...input,
        policy: {
          ...(settings?.promises ?? DEFAULT_POLICY),
          nudgeLeadMinutes: settings?.outreach.nudges.leadMinutes ?? [],
        },
      };
    case "promise.settle":
      return { ...input, recovery: settings?.recovery, timeZone: settings?.ivr.timeZone };
    case "exception.raise":
      return { ...input, recovery: settings?.recovery };
    default:
      return input;
  }
}

/**
 * Sends one command to a journey: fingerprints what the caller sent (so a retry matches even
 * if the settings changed meanwhile), adds the settings, applies the workspace's redaction
 * patterns, and writes once. Shared by the REST routes below and the MCP tools.
 */
export async function runCommand(
  env: Env,
  ws: string,
  journeyId: string,
  input: CommandInput,
  idempotencyKey: string | undefined,
): Promise<WriteOutcome> {
  const idempotency = await idempotencyOf(idempotencyKey, undefined, input);
  const settings = await workspaceSettings(env, ws);
  const command = redactCommand(withSettings(input, settings), redactionPatterns(settings));
  const stub = journeyStub(env, ws, journeyId);
  return unwrap(await stub.command({ workspace: ws, journeyId, idempotency, command }));
}

/*
 * The third way: a message the company sent (POST /v1/journeys/:id/messages, the MCP tool
 * record_message). It is checked against what the journey can reach, stored as an outbound
 * event through the ingest pipeline (so redaction, history, D1 and webhooks see it), and
 * answered with what the sender needs so the customer's answer threads back (binding.ts).
 */

const messageActor = z.strictObject({
  kind: z.enum(["agent", "bot"]),
  id: Actor.shape.id.unwrap(),
  name: Actor.shape.name,
  team: Actor.shape.team,
});

/** A message an agent or bot sent (or is about to send) on one of the journey's channels. */
export const MessageInput = z
  .strictObject({
    channel: z.enum(["email", "sms", "chat"]),
    text: z.string().trim().min(1).max(LIMITS.textChars),
    /** Who sent it: an agent or a bot, with its id. */
    actor: messageActor,
    /**
     * Which of the customer's identifiers it goes to (an email address or a phone number);
     * default: the customer's most recently linked one of the channel's type.
     */
    to: z.string().trim().min(1).max(320).optional(),
    /** Email only. */
    subject: z.string().trim().min(1).max(LIMITS.sentenceChars).optional(),
    /** Email only: the Message-ID answered; default: the journey's latest email's. */
    inReplyTo: z
      .string()
      .regex(/^<[^<>\s]{1,900}>$/, "a Message-ID in angle brackets, e.g. <abc@mail.example>")
      .optional(),
    /** SMS only: the company number it is sent from; default: settings replies.smsFrom. */
    from: z.string().trim().min(3).max(32).optional(),
    /**
     * The provider's id of the sent message. SMS: the Twilio MessageSid, whose status
     * callbacks are then recorded on this journey.
     */
    providerMessageId: z
      .string()
      .regex(/^[A-Za-z0-9._:@<>+-]{1,200}$/, "the provider's message id")
      .optional(),
    occurredAt: Instant.optional(),
    idempotencyKey: z.string().min(1).max(LIMITS.idempotencyKeyChars).optional(),
  })
  .superRefine((m, ctx) => {
    const only = (field: "subject" | "inReplyTo" | "from", channel: string) => {
      if (m[field] !== undefined && m.channel !== channel) {
        ctx.addIssue({ code: "custom", path: [field], message: `only for channel ${channel}` });
      }
    };
    only("subject", "email");
    only("inReplyTo", "email");
    only("from", "sms");
    if (
      m.channel === "sms" &&
      m.providerMessageId &&
      !/^(SM|MM)[0-9a-f]{32}$/i.test(m.providerMessageId)
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["providerMessageId"],
        message: "a Twilio MessageSid (SM… or MM…) for channel sms",
      });
    }
    if (m.channel === "chat" && m.to !== undefined) {
      ctx.addIssue({ code: "custom", path: ["to"], message: "chat goes to the journey's chat" });
    }
  });
export type MessageInput = z.output<typeof MessageInput>;

/** What the sender puts on the message so that the answer threads back. */
export type Threading =
  | {
      kind: "email";
      messageId: string;
      replyTo: string;
      inReplyTo: string | null;
      references: string[];
      /** The headers to set on the mail, as named. */
      headers: Record<string, string>;
    }
  | {
      kind: "sms";
      /** The customer's and the company's numbers (E.164): the pair now bound. */
      to: string;
      from: string;
      journeyId: string;
      expiresAt: string;
      providerMessageId: string | null;
      /** Give this to Twilio as StatusCallback: its callbacks land on this journey. */
      statusCallback: string | null;
    }
  | { kind: "chat"; journeyId: string };

export interface MessageOutcome {
  journeyId: string;
  event: { seq: number; id: string };
  replayed: boolean;
  channel: MessageInput["channel"];
  to: { type: "email" | "phone"; value: string; verification: string } | null;
  threading: Threading;
}

/** A message the journey cannot take: 422, nothing stored. */
function unreachable(code: string, title: string, detail: string): never {
  return fail(422, code, title, detail);
}

/** The identifiers of the journey's customer (following a merge once). */
export async function customerIdentifiers(env: Env, ws: string, customerId: string | null) {
  if (!customerId) return [];
  let view = await customerStub(env, ws, customerId).view(ws, customerId);
  if (view.ok && view.value.mergedInto) {
    const into = view.value.mergedInto;
    view = await customerStub(env, ws, into).view(ws, into);
  }
  return view.ok ? view.value.identifiers : [];
}

/** The customer's identifier the message goes to, or a 422 saying why there is none. */
function recipient(
  input: MessageInput,
  ids: LinkedIdentifier[],
  settings: WorkspaceSettings | null,
): LinkedIdentifier {
  const type = input.channel === "email" ? "email" : "phone";
  const own = ids
    .filter((i) => i.type === type)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  if (input.to !== undefined) {
    const n = normalizeIdentifiers([{ type, value: input.to }], settings, "api");
    const key = n.ok ? n.value.linked[0]?.key : undefined;
    if (!key) {
      unreachable("invalid_recipient", "Recipient cannot be read", `to: not a valid ${type}`);
    }
    const hit = own.find((i) => i.key === key);
    if (!hit) {
      unreachable(
        "recipient_not_customer",
        "Recipient is not the customer's",
        `to: ${input.to} is not one of this journey's customer's identifiers`,
      );
    }
    return hit;
  }
  const first = own[0];
  if (!first) {
    unreachable(
      "channel_unreachable",
      "The journey cannot be reached on this channel",
      `the journey's customer has no ${type === "email" ? "email address" : "phone number"}`,
    );
  }
  return first;
}

/**
 * The latest email of the journey that has a Message-ID: what a reply answers by default.
 * `own` (this message's Message-ID) is skipped, so a retry answers what the first try did.
 */
function latestEmail(
  context: JourneyContext,
  own: string,
): { messageId: string; references: string[] } | null {
  for (const e of [...context.history.recent].reverse()) {
    const id = e.channel === "email" ? e.data?.messageId : undefined;
    if (typeof id !== "string" || id === own || !/^<[^<>\s]+>$/.test(id)) continue;
    const refs = e.data?.references;
    const prior = Array.isArray(refs) ? refs.filter((r) => typeof r === "string") : [];
    return { messageId: id, references: prior as string[] };
  }
  return null;
}

/**
 * Records one message the company sent and answers the threading the sender needs. Refusals
 * (journey not found, channel not reachable, recipient not the customer's) happen before
 * anything is stored. A retry with the same idempotency key answers the same.
 */
export async function recordMessage(
  env: Env,
  ws: string,
  journeyId: string,
  input: MessageInput,
  idempotencyKey: string | undefined,
  baseUrl?: string,
): Promise<MessageOutcome> {
  const { idempotencyKey: bodyKey, ...rest } = input;
  const idempotency = await idempotencyOf(idempotencyKey, bodyKey, { journeyId, ...rest });
  const settings = await workspaceSettings(env, ws);
  const ctx = { env, workspace: ws, settings };
  const replies = settings?.replies ?? WorkspaceSettings.parse({}).replies;
  const journey = unwrap(await journeyStub(env, ws, journeyId).context(ws, journeyId));
  const ids =
    input.channel === "chat" ? [] : await customerIdentifiers(env, ws, journey.customerId);
  const to = input.channel === "chat" ? null : recipient(input, ids, settings);
  if (input.channel === "chat" && !journey.effort.channels.includes("chat")) {
    unreachable(
      "chat_not_open",
      "No chat on this journey",
      "the customer never opened a chat on this journey; send email or SMS",
    );
  }
  let from: string | null = null;
  if (input.channel === "sms") {
    const raw = input.from ?? replies.smsFrom;
    if (!raw) {
      unreachable(
        "sms_from_required",
        "Which number sends this SMS?",
        "give from (the company number), or set replies.smsFrom in the workspace settings",
      );
    }
    from = e164(raw, settings);
    if (!from)
      unreachable(
        "invalid_sender",
        "Sender number cannot be read",
        `from: ${raw} is not a phone number`,
      );
  }
  const email =
    input.channel === "email"
      ? await mintEmailThreading(env, ws, journeyId, idempotency?.key, replies.emailDomain)
      : null;
  const answered = input.inReplyTo
    ? { messageId: input.inReplyTo, references: [] }
    : email
      ? latestEmail(journey, email.messageId)
      : null;
  const references = answered
    ? [...new Set([...answered.references, answered.messageId])].slice(-20)
    : [];
  const data: NonNullable<EventInput["data"]> = {
    kind: "company_message",
    ...(to ? { to: to.value } : {}),
    ...(from ? { from } : {}),
    ...(input.subject ? { subject: input.subject } : {}),
    ...(email
      ? {
          messageId: email.messageId,
          replyTo: email.replyTo,
          inReplyTo: answered?.messageId ?? null,
          references,
        }
      : {}),
    ...(input.providerMessageId ? { providerMessageId: input.providerMessageId } : {}),
  };
  const refs = [
    ...(email?.refs ?? []),
    ...(input.channel === "sms" && input.providerMessageId
      ? [`twilio-sms:${input.providerMessageId}`]
      : []),
  ];
  const event: EventInput = {
    journeyId,
    channel: input.channel,
    direction: "outbound",
    actor: input.actor,
    type: "message",
    text: input.text,
    data,
    ...(input.occurredAt ? { occurredAt: input.occurredAt } : {}),
    ...(refs.length > 0 ? { threadRefs: refs } : {}),
  };
  const out = unwrap(
    await ingestEvent(env, ws, event, idempotency, { settings, source: "api", actor: input.actor }),
  );
  const base = {
    journeyId,
    event: { seq: out.seq, id: out.eventId },
    replayed: out.replayed,
    channel: input.channel,
    to: to
      ? { type: to.type as "email" | "phone", value: to.value, verification: to.verification }
      : null,
  };
  if (email) {
    const headers: Record<string, string> = {
      "Message-ID": email.messageId,
      "Reply-To": email.replyTo,
    };
    if (answered) {
      headers["In-Reply-To"] = answered.messageId;
      headers.References = references.join(" ");
    }
    return {
      ...base,
      threading: {
        kind: "email",
        messageId: email.messageId,
        replyTo: email.replyTo,
        inReplyTo: answered?.messageId ?? null,
        references,
        headers,
      },
    };
  }
  if (to && from) {
    const expiresAt = Date.now() + replies.smsBindingDays * 86_400_000;
    const bound = await bindPair(ctx, to.value, from, {
      journeyId,
      eventId: out.eventId,
      expiresAt,
    });
    const hookBase = settings?.publicBaseUrl ?? baseUrl;
    return {
      ...base,
      threading: {
        kind: "sms",
        to: to.value,
        from,
        journeyId: bound.journeyId,
        expiresAt: new Date(bound.expiresAt).toISOString(),
        providerMessageId: input.providerMessageId ?? null,
        statusCallback: hookBase
          ? `${hookBase}/hooks/${ws}/twilio/status?journeyId=${journeyId}`
          : null,
      },
    };
  }
  return { ...base, threading: { kind: "chat", journeyId } };
}
