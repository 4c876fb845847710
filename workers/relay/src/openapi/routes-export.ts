import { CustomerId } from "@baton/core";
import * as z from "zod";
import { Customer, JourneyContext, PromiseView } from "./responses";
import type { RouteDoc } from "./table";

/*
 * The export of everything Baton holds about one customer (docs/privacy.md "Export",
 * docs/api.md "Customer export"). The answer is streamed; its shape is described here as the
 * whole document a client ends up with.
 */

const at = z.string().describe("RFC 3339, UTC");
const Loose = z.looseObject({});

export const CustomerExport = z
  .looseObject({
    exportedAt: at,
    workspace: z.string(),
    requestedId: CustomerId.describe("the id in the path"),
    mergePath: z
      .array(CustomerId)
      .describe(
        "empty, or the ids followed from the requested customer to the customer that absorbed it",
      ),
    customer: Customer.describe("the customer as GET /v1/customers/:id shows it"),
    identifiers: z
      .array(
        z.looseObject({
          type: z.string(),
          value: z.string(),
          source: z.string(),
          verification: z.string(),
          createdAt: at,
        }),
      )
      .describe("every identifier linked to the customer, with its provenance"),
    mergedCustomers: z
      .array(Customer)
      .describe(
        "customers merged into this one (merges not undone), as their own records keep them",
      ),
    journeys: z.array(
      z.looseObject({
        journey: JourneyContext.describe("as GET /v1/journeys/:id shows it"),
        events: z
          .array(Loose)
          .describe("every event up to the journey's seq, in order (GET /v1/journeys/:id/events)"),
        promises: z.array(PromiseView),
        outreach: z.array(Loose).describe("as GET /v1/journeys/:id/outreach shows it"),
      }),
    ),
    audit: z
      .array(Loose)
      .nullable()
      .describe(
        "audit log entries about this customer, oldest first (as GET /v1/audit?customer= shows them); null unless the key has audit:read",
      ),
  })
  .describe("everything Baton holds about one customer");

export const EXPORT_ROUTES: RouteDoc[] = [
  {
    method: "get",
    path: "/v1/customers/:id/export",
    operationId: "exportCustomer",
    tag: "Customers",
    summary: "Export everything held about a customer",
    description:
      "Streams one JSON document (content-disposition: attachment): the customer with its identifiers and their provenance, merges and pending links, the customers merged into it, every journey with all its events, promises and outreach, and the audit entries about the customer. A customer merged into another is exported as the customer that absorbed it (`mergePath` says so). The key needs journeys:read as well as customers:read; `audit` is null unless it also has audit:read. Each export is recorded in the audit log (`customer.exported`) before the body starts. If reading fails after the answer started, the body ends early and is not valid JSON.",
    auth: { kind: "key", scope: "customers:read" },
    params: { id: CustomerId },
    responses: {
      200: { description: "the export", schema: CustomerExport, name: "CustomerExport" },
    },
  },
];
