import { JourneyId } from "@baton/core";
import * as z from "zod";
import { MessageInput } from "../ingest/command";
import type { Reply, RouteDoc } from "./table";

const EventRef = z.object({ seq: z.number().int(), id: z.string() });

/** The answer of POST /v1/journeys/:id/messages (ingest/command.ts `MessageOutcome`). */
export const MessageRecorded = z.looseObject({
  journeyId: JourneyId,
  event: EventRef,
  replayed: z.boolean(),
  channel: z.enum(["email", "sms", "chat"]),
  to: z
    .looseObject({ type: z.enum(["email", "phone"]), value: z.string(), verification: z.string() })
    .nullable()
    .describe("the customer's identifier the message went to; null for chat"),
  threading: z
    .discriminatedUnion("kind", [
      z.looseObject({
        kind: z.literal("email"),
        messageId: z.string(),
        replyTo: z.string(),
        inReplyTo: z.string().nullable(),
        references: z.array(z.string()),
        headers: z.record(z.string(), z.string()),
      }),
      z.looseObject({
        kind: z.literal("sms"),
        to: z.string(),
        from: z.string(),
        journeyId: JourneyId,
        expiresAt: z.string(),
        providerMessageId: z.string().nullable(),
        statusCallback: z.string().nullable(),
      }),
      z.looseObject({ kind: z.literal("chat"), journeyId: JourneyId }),
    ])
    .describe("what the sender puts on the message so that the customer's answer threads back"),
});

const recorded = (description: string): Reply => ({
  description,
  schema: MessageRecorded,
  name: "MessageRecorded",
});

/** Company messages: what an agent or bot sent, and the threading for the answer. */
export const MESSAGE_ROUTES: RouteDoc[] = [
  {
    method: "post",
    path: "/v1/journeys/:id/messages",
    operationId: "recordMessage",
    tag: "Journeys",
    summary: "Record a message sent to the customer",
    description:
      "Records what an agent or bot sent on email, SMS or chat as an outbound event, and answers what makes the customer's answer come back to this journey: for email a Message-ID, a reply+token Reply-To and the References to set; for SMS the binding of the number pair to this journey. Refused with 422 (nothing stored) when the journey's customer has no address on that channel or `to` is not one of theirs.",
    auth: { kind: "key", scope: "journeys:write" },
    params: { id: JourneyId },
    idempotent: true,
    body: {
      name: "MessageInput",
      schema: MessageInput,
      examples: {
        sms: {
          summary: "An agent's SMS from the company number",
          value: {
            channel: "sms",
            text: "Your refund was issued today; reply here if it has not arrived by Friday.",
            actor: { kind: "agent", id: "dana", name: "Dana Reyes" },
            from: "+14155550199",
          },
        },
      },
    },
    responses: {
      201: recorded("stored: the event and the threading"),
      200: recorded("a replay of an earlier message with the same Idempotency-Key"),
    },
  },
];
