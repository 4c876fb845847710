import { JourneyId } from "@baton/core";
import * as z from "zod";
import type { RouteDoc } from "./table";

/*
 * Outreach (docs/outreach.md): what Baton sends on its own — owner nudges before a promise
 * falls due and updates to the customer — and the providers' delivery reports for them.
 */

const at = z.string().describe("RFC 3339, UTC");
const workspace = { workspace: z.string().describe("the workspace id") };

export const OutreachItem = z
  .looseObject({
    id: z.string().describe("otr_…"),
    audience: z.enum(["customer", "owner"]),
    trigger: z.enum([
      "promise.at_risk",
      "promise.renegotiated",
      "promise.kept",
      "promise.broken",
      "exception.raised",
    ]),
    promiseId: z.string().nullable(),
    exceptionId: z.string().nullable(),
    leadMinutes: z.number().int().nullable().describe("owner nudges: the lead time it fired for"),
    channel: z.enum(["sms", "email"]).nullable(),
    recipient: z.string().nullable(),
    status: z
      .enum([
        "pending",
        "skipped",
        "queued",
        "held",
        "sending",
        "sent",
        "delivered",
        "failed",
        "dead",
        "suppressed",
        "unknown",
      ])
      .describe('docs/outreach.md "Delivery states"'),
    reason: z.string().nullable().describe("why it is held, suppressed or skipped"),
    notBefore: at,
    attempts: z.number().int(),
    provider: z.string().nullable(),
    providerId: z.string().nullable().describe("Twilio MessageSid, or the email provider's id"),
    messageSeq: z
      .number()
      .int()
      .nullable()
      .describe("the outbound message event it was recorded as"),
    lastError: z.string().nullable(),
    createdAt: at,
    updatedAt: at,
  })
  .describe("one message Baton sent or will send (docs/outreach.md)");

const DeliveryAnswer = z.looseObject({
  received: z.number().int().describe("delivery events in the request"),
  applied: z.number().int().describe("those that matched a message Baton sent and changed it"),
});

const providerEvents = (name: string, auth: RouteDoc["auth"], what: string): RouteDoc => ({
  method: "post",
  path: `/hooks/:workspace/${name}/events`,
  operationId: `${name}DeliveryEvents`,
  tag: "Provider webhooks",
  summary: `${name[0]?.toUpperCase()}${name.slice(1)}: delivery events for what Baton sent`,
  description: `${what} Events for messages Baton did not send are counted and ignored; a repeat changes nothing.`,
  auth,
  params: workspace,
  rawBody: {
    contentTypes: ["application/json"],
    description: `${name}'s event JSON (docs/outreach.md)`,
  },
  responses: { 200: { description: "received", schema: DeliveryAnswer, name: "DeliveryAnswer" } },
});

export const OUTREACH_ROUTES: RouteDoc[] = [
  {
    method: "get",
    path: "/v1/journeys/:id/outreach",
    operationId: "listOutreach",
    tag: "Journeys",
    summary: "What Baton sent or will send on this journey",
    description:
      "Owner nudges and customer updates, oldest first, each with its delivery state: held (a contact window or quiet hours; notBefore says until when), suppressed (a legal hold, an opt-out, no channel left; reason says which), sent, delivered, failed or dead (an undeliverable exception is raised). Unknown journey: 404 journey_not_found.",
    auth: { kind: "key", scope: "journeys:read" },
    params: { id: JourneyId },
    responses: {
      200: {
        description: "the journey's outreach",
        schema: z.looseObject({ items: z.array(OutreachItem) }),
        name: "OutreachList",
      },
    },
  },
  providerEvents(
    "postmark",
    { kind: "none", why: "HTTP Basic credentials of the workspace's Postmark settings" },
    "Postmark's Delivery, Bounce and SpamComplaint webhooks: a hard bounce raises an undeliverable exception.",
  ),
  providerEvents(
    "mailgun",
    {
      kind: "none",
      why: "Mailgun's HMAC signature (the webhook signing key), at most 15 minutes old",
    },
    "Mailgun's event webhook (delivered, failed, complained, unsubscribed).",
  ),
  providerEvents(
    "sendgrid",
    {
      kind: "none",
      why: "SendGrid's signed Event Webhook (ECDSA; providers.sendgrid.eventPublicKey)",
    },
    "SendGrid's Event Webhook, a JSON array (delivered, bounce, dropped, spamreport, unsubscribe).",
  ),
];
