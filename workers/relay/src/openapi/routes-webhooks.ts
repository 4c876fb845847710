import * as z from "zod";
import {
  CreateInput,
  DeadLettersQuery,
  DeliveriesQuery,
  Empty,
  PatchInput,
  ReplayInput,
  RotateInput,
  SUBSCRIPTION_ID,
} from "../routes/webhooks";
import * as R from "./responses";
import type { Reply, RouteDoc } from "./table";

const hooks = { kind: "key", scope: "webhooks:manage" } as const;
const sub = { id: z.string().regex(SUBSCRIPTION_ID) };
const subscription: Reply = {
  description: "the subscription",
  schema: R.Subscription,
  name: "Subscription",
};

/** Outbound webhook subscriptions (docs/webhooks-out.md). */
export const WEBHOOK_ROUTES: RouteDoc[] = [
  {
    method: "post",
    path: "/v1/webhooks",
    operationId: "createWebhook",
    tag: "Webhooks",
    summary: "Subscribe a URL to journey events",
    auth: hooks,
    body: {
      name: "WebhookCreateInput",
      schema: CreateInput,
      examples: {
        crm: {
          summary: "Messages and promise events to a CRM",
          value: {
            url: "https://crm.example.com/baton",
            eventTypes: ["message", "promise.*"],
            description: "CRM sync",
          },
        },
      },
    },
    responses: {
      201: {
        description: "the subscription with its signing secret",
        schema: R.SubscriptionCreated,
        name: "SubscriptionCreated",
      },
    },
  },
  {
    method: "get",
    path: "/v1/webhooks",
    operationId: "listWebhooks",
    tag: "Webhooks",
    summary: "List subscriptions",
    auth: hooks,
    responses: { 200: { description: "{ items }, oldest first", schema: R.Items, name: "Items" } },
  },
  {
    method: "get",
    path: "/v1/webhooks/:id",
    operationId: "getWebhook",
    tag: "Webhooks",
    summary: "Read a subscription with its backlog",
    auth: hooks,
    params: sub,
    responses: { 200: subscription },
  },
  {
    method: "patch",
    path: "/v1/webhooks/:id",
    operationId: "updateWebhook",
    tag: "Webhooks",
    summary: "Change a subscription",
    auth: hooks,
    params: sub,
    body: {
      name: "WebhookPatchInput",
      schema: PatchInput,
      examples: {
        filter: {
          summary: "Narrow the event types",
          value: { eventTypes: ["promise.*", "exception.*"] },
        },
      },
    },
    responses: { 200: subscription },
  },
  {
    method: "delete",
    path: "/v1/webhooks/:id",
    operationId: "deleteWebhook",
    tag: "Webhooks",
    summary: "Delete a subscription",
    auth: hooks,
    params: sub,
    responses: {
      200: { description: "{ id, deleted: true }", schema: R.AnyObject, name: "AnyObject" },
    },
  },
  {
    method: "get",
    path: "/v1/webhooks/:id/secret",
    operationId: "getWebhookSecret",
    tag: "Webhooks",
    summary: "Read the signing secret",
    auth: hooks,
    params: sub,
    responses: {
      200: {
        description: "{ secret, previousSecretExpiresAt }",
        schema: R.AnyObject,
        name: "AnyObject",
      },
    },
  },
  {
    method: "post",
    path: "/v1/webhooks/:id/rotate-secret",
    operationId: "rotateWebhookSecret",
    tag: "Webhooks",
    summary: "Rotate the signing secret",
    auth: hooks,
    params: sub,
    body: {
      name: "WebhookRotateInput",
      schema: RotateInput,
      optional: true,
      examples: {
        hour: {
          summary: "Keep signing with the old secret for an hour",
          value: { graceSeconds: 3600 },
        },
      },
    },
    responses: {
      200: {
        description: "{ secret, previousSecretExpiresAt }: the new secret",
        schema: R.AnyObject,
        name: "AnyObject",
      },
    },
  },
  {
    method: "get",
    path: "/v1/webhooks/:id/deliveries",
    operationId: "listWebhookDeliveries",
    tag: "Webhooks",
    summary: "The delivery log, newest first",
    auth: hooks,
    params: sub,
    query: DeliveriesQuery,
    queryExamples: {
      failed: { summary: "Failed attempts", value: { status: "failed", limit: "20" } },
    },
    responses: { 200: { description: "{ items: [attempt], next }", schema: R.Page, name: "Page" } },
  },
  {
    method: "get",
    path: "/v1/webhooks/:id/dead-letters",
    operationId: "listWebhookDeadLetters",
    tag: "Webhooks",
    summary: "Dead letters, newest first",
    auth: hooks,
    params: sub,
    query: DeadLettersQuery,
    queryExamples: { first: { summary: "The newest 20", value: { limit: "20" } } },
    responses: {
      200: { description: "{ items: [deadLetter], next }", schema: R.Page, name: "Page" },
    },
  },
  {
    method: "post",
    path: "/v1/webhooks/:id/dead-letters/replay",
    operationId: "replayWebhookDeadLetters",
    tag: "Webhooks",
    summary: "Replay dead letters",
    description: "Without ids, every dead letter is replayed.",
    auth: hooks,
    params: sub,
    body: {
      name: "WebhookReplayInput",
      schema: ReplayInput,
      optional: true,
      examples: { all: { summary: "Replay every dead letter", value: {} } },
    },
    responses: { 202: { description: "{ replayed }", schema: R.AnyObject, name: "AnyObject" } },
  },
  {
    method: "post",
    path: "/v1/webhooks/:id/retry",
    operationId: "retryWebhook",
    tag: "Webhooks",
    summary: "Make deliveries waiting out a backoff due now",
    auth: hooks,
    params: sub,
    body: { name: "Empty", schema: Empty, optional: true },
    responses: { 202: { description: "{ due }", schema: R.AnyObject, name: "AnyObject" } },
  },
  {
    method: "post",
    path: "/v1/webhooks/:id/test",
    operationId: "testWebhook",
    tag: "Webhooks",
    summary: "Send a webhook.test delivery",
    auth: hooks,
    params: sub,
    body: { name: "Empty", schema: Empty, optional: true },
    responses: { 202: { description: "{ messageId }", schema: R.AnyObject, name: "AnyObject" } },
  },
];
