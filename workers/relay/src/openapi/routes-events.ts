import { EventInput, JourneyId } from "@baton/core";
import { EffortQuery } from "../routes/analytics";
import { ContextQuery } from "../context/target";
import { AssertionInput } from "../routes/context-assertions";
import { EventsQuery, SearchQuery } from "../routes/journeys";
import * as R from "./responses";
import type { RouteDoc } from "./table";

const read = { kind: "key", scope: "journeys:read" } as const;
const params = { id: JourneyId };

/** Events, journey reads and search, context packs and assertions, effort analytics. */
export const EVENT_ROUTES: RouteDoc[] = [
  {
    method: "post",
    path: "/v1/events",
    operationId: "postEvent",
    tag: "Events",
    summary: "Post an event",
    description:
      "Records what happened on any channel. Baton resolves the journey (explicit id → thread references → identifiers → customer → journey), appends the event and answers with the journey's context. Give a journeyId, a thread reference or at least one identifier.",
    auth: { kind: "key", scope: "events:write" },
    idempotent: true,
    body: {
      name: "EventInput",
      schema: EventInput,
      examples: {
        sms: {
          summary: "An inbound SMS from a phone number",
          value: {
            identifiers: [{ type: "phone", value: "+14155550100" }],
            channel: "sms",
            direction: "inbound",
            actor: { kind: "customer" },
            text: "I was charged twice for March",
          },
        },
        email: {
          summary: "An email with a reason and a fact",
          value: {
            identifiers: [{ type: "email", value: "ana@example.com", verification: "verified" }],
            channel: "email",
            direction: "inbound",
            actor: { kind: "customer", name: "Ana Lima" },
            text: "Still no refund for invoice 1042.",
            reason: { text: "refund for a double charge", topic: "billing.double_charge" },
            facts: { invoice: "1042" },
            threadRefs: ["email:<c3f1@mail.example.com>"],
          },
        },
      },
    },
    responses: {
      201: {
        description: "stored: the journey's id, the resolution rule and its context",
        schema: R.EventAccepted,
        name: "EventAccepted",
      },
      200: {
        description: "a replay of an earlier event with the same idempotency key",
        schema: R.EventAccepted,
        name: "EventAccepted",
      },
    },
  },
  {
    method: "get",
    path: "/v1/journeys",
    operationId: "searchJourneys",
    tag: "Journeys",
    summary: "Search journey history",
    description:
      "Searches the D1 history, newest activity first, with keyset paging. D1 trails the journey objects by about a second; read one journey's live context with GET /v1/journeys/{id}.",
    auth: read,
    query: SearchQuery,
    queryExamples: {
      open: { summary: "Open journeys, 20 per page", value: { status: "open", limit: "20" } },
    },
    responses: {
      200: {
        description: "one page of journeys",
        schema: R.JourneySearchPage,
        name: "JourneySearchPage",
      },
    },
  },
  {
    method: "get",
    path: "/v1/journeys/:id",
    operationId: "getJourney",
    tag: "Journeys",
    summary: "Read a journey's context",
    auth: read,
    params,
    responses: {
      200: {
        description: "the journey's live context",
        schema: R.JourneyContext,
        name: "JourneyContext",
      },
    },
  },
  {
    method: "get",
    path: "/v1/journeys/:id/events",
    operationId: "listJourneyEvents",
    tag: "Journeys",
    summary: "Read the event log",
    auth: read,
    params,
    query: EventsQuery,
    queryExamples: {
      first: { summary: "The first 50 events", value: { after: "0", limit: "50" } },
    },
    responses: {
      200: {
        description: "one page of events, in sequence order",
        schema: R.EventsPage,
        name: "EventsPage",
      },
    },
  },
  {
    method: "get",
    path: "/v1/context",
    operationId: "getContext",
    tag: "Context",
    summary: "The context pack for a touchpoint",
    description:
      "Give exactly one of phone, email, chat, user, external, journey. audience=ivr answers a flat string map (at most 1 KB) within the workspace's budget and never fails once authenticated; bot answers a token-budgeted pack (format json, text, openai or anthropic); agent the full context. A claimed identifier never unlocks context.",
    auth: { kind: "key", scope: "context:read" },
    query: ContextQuery,
    queryExamples: {
      ivr: {
        summary: "Call start: the IVR map for a caller",
        value: { phone: "+14155550100", audience: "ivr" },
      },
      bot: {
        summary: "A bot's pack in OpenAI message format",
        value: { phone: "+14155550100", audience: "bot", format: "openai", budget: "1500" },
      },
      agent: {
        summary: "A screen pop for an agent",
        value: { email: "ana@example.com", audience: "agent" },
      },
    },
    responses: {
      200: {
        description:
          "ivr: a flat string map; bot and agent: the pack with match, verified and journeyId (format=text answers text/plain)",
        schema: R.ContextAnswer,
        name: "ContextAnswer",
        contentType: "text/plain",
      },
    },
  },
  {
    method: "post",
    path: "/v1/context/assertions",
    operationId: "createCallerAssertion",
    tag: "Context",
    summary: "Vouch for a caller the flow authenticated",
    description:
      "Mints a short-lived signed assertion for one identifier after the flow checked a PIN, a one-time code or a session; pass it as `assertion` on GET /v1/context. Nothing is stored. 503 `assertions_not_configured` without the CALLER_ASSERTION_SECRET Worker secret.",
    auth: { kind: "key", scope: "caller:assert" },
    body: {
      name: "AssertionInput",
      schema: AssertionInput,
      examples: {
        pin: {
          summary: "The caller entered the right PIN",
          value: {
            identifier: { type: "phone", value: "+14155550100" },
            method: "pin",
            ttlSeconds: 300,
          },
        },
      },
    },
    responses: {
      201: {
        description: "{ assertion, identifier, method, expiresAt }",
        schema: R.AnyObject,
        name: "AnyObject",
      },
    },
  },
  {
    method: "get",
    path: "/v1/analytics/effort",
    operationId: "getEffort",
    tag: "Analytics",
    summary: "Customer effort over a window or for one journey",
    description:
      "Contacts, channel switches, repeats, start-overs and broken promises from the D1 history (docs/analytics.md).",
    auth: read,
    query: EffortQuery,
    queryExamples: {
      topics: {
        summary: "Effort by topic over the default window",
        value: { groupBy: "topic", startOverDays: "7" },
      },
    },
    responses: {
      200: {
        description: "totals and groups, or one journey's effort",
        schema: R.Effort,
        name: "Effort",
      },
    },
  },
];
