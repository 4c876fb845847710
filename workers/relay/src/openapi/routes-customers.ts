import { CustomerId, IdentifierType } from "@baton/core";
import {
  ConfirmInput,
  LinkInput,
  MergeInput,
  SettleInput,
  VerificationInput,
} from "../routes/customers";
import * as R from "./responses";
import type { Reply, RouteDoc } from "./table";

const custRead = { kind: "key", scope: "customers:read" } as const;
const custWrite = { kind: "key", scope: "customers:write" } as const;
const cust = { id: CustomerId };
const agent = { kind: "agent", id: "dana", name: "Dana Reyes" };
const customer: Reply = { description: "the customer", schema: R.Customer, name: "Customer" };
const changed = (what: string): Reply => ({
  description: `${what}, and the customer after it`,
  schema: R.CustomerChange,
  name: "CustomerChange",
});

/** Customers, identifiers, merges, one-time codes and pending links. */
export const CUSTOMER_ROUTES: RouteDoc[] = [
  {
    method: "get",
    path: "/v1/customers/:id",
    operationId: "getCustomer",
    tag: "Customers",
    summary: "Read a customer",
    auth: custRead,
    params: cust,
    responses: { 200: customer },
  },
  {
    method: "post",
    path: "/v1/customers/:id/identifiers",
    operationId: "linkIdentifier",
    tag: "Customers",
    summary: "Link an identifier (merging its other customer in)",
    auth: custWrite,
    params: cust,
    body: {
      name: "LinkInput",
      schema: LinkInput,
      examples: {
        email: {
          summary: "An email confirmed on the phone",
          value: {
            identifier: { type: "email", value: "ana@example.com" },
            verification: "asserted",
            reason: "confirmed on the phone",
            actor: agent,
          },
        },
      },
    },
    responses: { 201: changed("the normalized link and the merge it caused (or null)") },
  },
  {
    method: "delete",
    path: "/v1/customers/:id/identifiers/:type/:value",
    operationId: "unlinkIdentifier",
    tag: "Customers",
    summary: "Unlink an identifier",
    description: ":value is URL-encoded and normalized like any identifier.",
    auth: custWrite,
    params: { ...cust, type: IdentifierType },
    responses: { 200: customer },
  },
  {
    method: "post",
    path: "/v1/customers/:id/merges",
    operationId: "mergeCustomers",
    tag: "Customers",
    summary: "Merge another customer into this one",
    auth: custWrite,
    params: cust,
    body: {
      name: "MergeInput",
      schema: MergeInput,
      examples: {
        same: {
          summary: "Same person, two records",
          value: {
            customerId: "cus_0000000000000000000000",
            reason: "same person, confirmed by phone",
            actor: agent,
          },
        },
      },
    },
    responses: { 201: changed("the merge") },
  },
  {
    method: "post",
    path: "/v1/customers/:id/merges/:mergeId/undo",
    operationId: "undoMerge",
    tag: "Customers",
    summary: "Undo a merge",
    auth: custWrite,
    params: cust,
    responses: { 200: changed("the undone merge, the restored customer") },
  },
  {
    method: "post",
    path: "/v1/customers/:id/verifications",
    operationId: "startVerification",
    tag: "Customers",
    summary: "Start a one-time code check",
    description:
      "Baton returns the six-digit code for the caller to deliver; it is valid for 10 minutes.",
    auth: custWrite,
    params: cust,
    body: {
      name: "VerificationInput",
      schema: VerificationInput,
      examples: {
        email: {
          summary: "Check an email address",
          value: { identifier: { type: "email", value: "ana@example.com" } },
        },
      },
    },
    responses: {
      201: {
        description: "{ id, code, expiresAt, identifier }",
        schema: R.AnyObject,
        name: "AnyObject",
      },
    },
  },
  {
    method: "post",
    path: "/v1/customers/:id/verifications/:vid/confirm",
    operationId: "confirmVerification",
    tag: "Customers",
    summary: "Confirm a one-time code",
    auth: custWrite,
    params: cust,
    body: {
      name: "ConfirmInput",
      schema: ConfirmInput,
      examples: { code: { summary: "The code the customer read back", value: { code: "042917" } } },
    },
    responses: { 200: changed("the verified link and the merge it caused (or null)") },
  },
  {
    method: "post",
    path: "/v1/customers/:id/pending-links/:pid/confirm",
    operationId: "confirmPendingLink",
    tag: "Customers",
    summary: "Confirm a pending link",
    auth: custWrite,
    params: cust,
    body: {
      name: "SettleInput",
      schema: SettleInput,
      examples: {
        agent: {
          summary: "An agent checked it",
          value: { reason: "checked the account number", actor: agent },
        },
      },
    },
    responses: { 200: changed("the merge") },
  },
  {
    method: "post",
    path: "/v1/customers/:id/pending-links/:pid/reject",
    operationId: "rejectPendingLink",
    tag: "Customers",
    summary: "Reject a pending link",
    auth: custWrite,
    params: cust,
    body: {
      name: "SettleInput",
      schema: SettleInput,
      examples: {
        agent: {
          summary: "Not the same person",
          value: { reason: "different person", actor: agent },
        },
      },
    },
    responses: { 200: customer },
  },
];
