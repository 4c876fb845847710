/**
 * The audit log (docs/api.md, "Audit log"): GET /v1/audit for keys with `audit:read` (or
 * `admin`); the bootstrap admin API reads it at GET /v1/admin/workspaces/:ws/audit (admin.ts).
 * Entries are written by the WorkspaceObject (keys, settings, workspace) and by the identity
 * routes through `recordAudit` (objects/workspace/audit.ts).
 */
import { CustomerId, Instant, LIMITS } from "@baton/core";
import { Hono, type Context } from "hono";
import * as z from "zod";
import type { AppEnv, Principal } from "../env";
import { requireScope } from "../http/auth";
import { fail } from "../http/problem";
import { query } from "../http/validate";
import { workspaceStub } from "../objects/access";
import {
  AUDIT_ACTIONS,
  USER_AGENT_CHARS,
  personOf,
  type AuditQuery as AuditQueryInput,
  type AuditSource,
} from "../objects/workspace/audit";

export const AuditQuery = z.strictObject({
  from: Instant.optional().describe("entries at or after this instant"),
  to: Instant.optional().describe("entries before this instant"),
  actor: z
    .string()
    .min(1)
    .max(LIMITS.labelChars)
    .optional()
    .describe("a key id, a person's id (a body's actor.id), or `admin` for the ADMIN_SECRET"),
  customer: CustomerId.optional().describe("entries about this customer (either side of a merge)"),
  action: z.enum(AUDIT_ACTIONS).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .regex(/^[0-9]{1,15}$/, "the nextCursor of the previous page")
    .optional()
    .describe("the nextCursor of the previous page"),
});

/**
 * The same query for GET /v1/admin/workspaces/:ws/audit: its own object, because the OpenAPI
 * document names one query component per schema object (openapi/document.ts).
 */
export const AdminAuditQuery = AuditQuery.extend({});

/** Who is calling and from where, for the audit log; `actor` is a body's actor, if any. */
export function auditSource(c: Context<AppEnv>, actor?: unknown): AuditSource {
  const principal = c.var.principal as Principal | undefined;
  return {
    actor: principal ? { type: "key", keyId: principal.keyId } : { type: "admin" },
    person: personOf(actor),
    ip: c.req.header("cf-connecting-ip") ?? null,
    userAgent: c.req.header("user-agent")?.slice(0, USER_AGENT_CHARS) ?? null,
  };
}

/** The validated query, or a 400 invalid_query problem. */
export function auditQuery(
  c: Context<AppEnv>,
  schema: typeof AuditQuery = AuditQuery,
): AuditQueryInput {
  const q = query(c, schema);
  if (q.from !== undefined && q.to !== undefined && q.from > q.to) {
    fail(400, "invalid_query", "Invalid query parameters", "to: must not be before from", {
      errors: [{ path: "to", message: "must not be before from" }],
    });
  }
  return q;
}

export const audit = new Hono<AppEnv>();
audit.get("/", requireScope("audit:read"), async (c) =>
  c.json(await workspaceStub(c.env, c.get("principal").workspace).audit(auditQuery(c))),
);
