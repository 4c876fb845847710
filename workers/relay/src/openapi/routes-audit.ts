import * as z from "zod";
import { WorkspaceIdPattern } from "../http/validate";
import { AUDIT_ACTIONS } from "../objects/workspace/audit";
import { AdminAuditQuery, AuditQuery } from "../routes/audit";
import type { RouteDoc } from "./table";

/*
 * The audit log (docs/api.md, "Audit log"): who changed keys, settings, the workspace and
 * identity links, when, from where, and what before and after.
 */

const at = z.string().describe("RFC 3339, UTC");
const nullableText = z.string().nullable();

export const AuditEntry = z.looseObject({
  id: z.string().describe("increasing; the cursor of the entries after it"),
  at,
  action: z.enum(AUDIT_ACTIONS),
  actor: z
    .looseObject({
      type: z.enum(["key", "admin", "system"]),
      keyId: z.string().optional().describe("with type key"),
      name: z.string().optional().describe("with type system: the job"),
      person: z
        .looseObject({ kind: z.string(), id: z.string().optional(), name: z.string().optional() })
        .nullable()
        .describe("the body's actor, when the request named one"),
    })
    .describe("who: the API key, the ADMIN_SECRET, or Baton itself"),
  customerId: nullableText,
  otherCustomerId: nullableText.describe("the other customer of a merge, undo or pending link"),
  target: z
    .looseObject({})
    .nullable()
    .describe("what: a key id, merge id, verification id; an identifier as { type, hash }"),
  before: z.unknown().describe("the state before, where it matters; secrets never appear"),
  after: z.unknown(),
  ip: nullableText.describe("cf-connecting-ip of the request"),
  userAgent: nullableText.describe("User-Agent, at most 200 characters"),
});

export const AuditPage = z.looseObject({
  items: z.array(AuditEntry),
  nextCursor: z.string().nullable(),
});

const queryExamples = {
  customer: {
    summary: "Everything done to one customer's identity",
    value: { customer: "cus_01m850cv886m5a2qxexx6a", limit: "20" },
  },
  keys: {
    summary: "Key revocations in March 2026",
    value: { action: "key.revoked", from: "2026-03-01T00:00:00Z", to: "2026-04-01T00:00:00Z" },
  },
};

const description =
  "Newest first. `from` is inclusive and `to` exclusive; `actor` matches a key id, a person's id (the `actor.id` a request body named) or `admin`; `customer` matches either side of a merge. Entries older than the workspace's `audit.retentionDays` (default 365) are deleted.";

export const AUDIT_ROUTES: RouteDoc[] = [
  {
    method: "get",
    path: "/v1/audit",
    operationId: "listAudit",
    tag: "Keys and settings",
    summary: "Read the workspace's audit log",
    description,
    auth: { kind: "key", scope: "audit:read" },
    query: AuditQuery,
    queryExamples,
    responses: {
      200: { description: "{ items, nextCursor }", schema: AuditPage, name: "AuditPage" },
    },
  },
  {
    method: "get",
    path: "/v1/admin/workspaces/:ws/audit",
    operationId: "adminListAudit",
    tag: "Admin",
    summary: "Read a workspace's audit log",
    description,
    auth: { kind: "admin" },
    params: { ws: z.string().regex(WorkspaceIdPattern) },
    query: AdminAuditQuery,
    queryExamples,
    responses: {
      200: { description: "{ items, nextCursor }", schema: AuditPage, name: "AuditPage" },
    },
  },
];
