import { CustomerId } from "@baton/core";
import * as z from "zod";
import { ErasureListQuery, ErasureRequest } from "../routes/erasure";
import type { RouteDoc } from "./table";

/*
 * Erasure of a customer (docs/privacy.md "Erasure", docs/api.md "Erasure"): a job that runs in
 * the background, with a status resource.
 */

const at = z.string().describe("RFC 3339, UTC");

const Counts = z.looseObject({
  customers: z.number().int(),
  journeys: z.number().int(),
  events: z.number().int(),
  identifiers: z.number().int(),
  threads: z.number().int(),
  tombstones: z.number().int(),
  socketsClosed: z.number().int(),
  historyRows: z.number().int(),
  webhookMessages: z.number().int(),
  webhooksQueued: z.number().int(),
});

export const Erasure = z
  .looseObject({
    id: z.string().describe("era_…"),
    customerId: CustomerId.describe("the customer erased (after following merges)"),
    status: z.enum(["running", "failed_retrying", "completed"]),
    step: z
      .enum([
        "material",
        "identities",
        "threads",
        "customers",
        "journeys",
        "history",
        "webhooks",
        "notify",
        "done",
      ])
      .describe("the step the job is in; done once completed"),
    requestedAt: at,
    updatedAt: at,
    completedAt: at.nullable(),
    attempts: z.number().int().describe("failed runs so far; each is retried with backoff"),
    lastError: z.string().nullable(),
    nextAttemptAt: at.nullable().describe("when a failed job runs again"),
    counts: Counts,
    notes: z
      .array(z.string())
      .describe("what the job met and finished first: live chat sockets, pending links, merges"),
    requestedBy: z.unknown(),
  })
  .describe("an erasure job");

const ErasurePage = z.looseObject({ items: z.array(Erasure), nextCursor: z.string().nullable() });

const job = (description: string) => ({ description, schema: Erasure, name: "Erasure" });

const common =
  "Erasure removes the customer, the customers merged into it, every journey of theirs (events, facts, promises, constraints, outboxes; live chat sockets are closed first), their identifier and thread objects, their D1 history rows, and the outbound webhook messages, deliveries and dead letters about them. It leaves only tombstones (hashes of the provider message ids), so a late provider retry stores nothing and a new contact from the same address starts a new customer. The job runs in the background and resumes after a failure; `customer.erased` is sent to webhook subscribers when it completes. A second request for the same customer (by id or by any of its identifiers) answers the first job with 200.";

export const ERASURE_ROUTES: RouteDoc[] = [
  {
    method: "post",
    path: "/v1/customers/:id/erasure",
    operationId: "eraseCustomer",
    tag: "Customers",
    summary: "Erase a customer",
    description: common,
    auth: { kind: "key", scope: "customers:erase" },
    params: { id: CustomerId },
    responses: {
      202: job("the job started (Location: /v1/erasures/:id)"),
      200: job("the job that already erased, or is erasing, this customer"),
    },
  },
  {
    method: "get",
    path: "/v1/customers/:id/erasure",
    operationId: "getCustomerErasure",
    tag: "Customers",
    summary: "The erasure of a customer",
    auth: { kind: "key", scope: "customers:read" },
    params: { id: CustomerId },
    responses: { 200: job("the job that erased, or is erasing, this customer") },
  },
  {
    method: "post",
    path: "/v1/erasures",
    operationId: "requestErasure",
    tag: "Customers",
    summary: "Erase a customer by id or by identifier",
    description: `${common} By identifier, the value is normalized as everywhere else ("(415) 555-0100" finds +14155550100).`,
    auth: { kind: "key", scope: "customers:erase" },
    body: {
      name: "ErasureRequest",
      schema: ErasureRequest,
      examples: {
        phone: {
          summary: "A request that arrived as 'my phone is …'",
          value: { identifier: { type: "phone", value: "+14155550100" } },
        },
      },
    },
    responses: {
      202: job("the job started (Location: /v1/erasures/:id)"),
      200: job("the job that already erased, or is erasing, this customer"),
    },
  },
  {
    method: "get",
    path: "/v1/erasures",
    operationId: "listErasures",
    tag: "Customers",
    summary: "List erasure jobs, newest first",
    auth: { kind: "key", scope: "customers:read" },
    query: ErasureListQuery,
    queryExamples: {
      first: { summary: "The 20 newest jobs", value: { limit: "20" } },
    },
    responses: {
      200: { description: "{ items, nextCursor }", schema: ErasurePage, name: "ErasurePage" },
    },
  },
  {
    method: "get",
    path: "/v1/erasures/:id",
    operationId: "getErasure",
    tag: "Customers",
    summary: "An erasure job's status",
    auth: { kind: "key", scope: "customers:read" },
    responses: { 200: job("the job") },
  },
];
