import type { z } from "zod";
import type { Scope } from "../objects/workspace/object";

/*
 * The route table: one entry per documented route, naming the very zod schema objects the
 * route validates with (imported from the route files and packages/core, never copied).
 * document.ts turns it into OpenAPI 3.1; test/openapi.test.ts checks it against the app's
 * real routes, the scopes they enforce and the examples they accept.
 */

export type Method = "get" | "post" | "put" | "patch" | "delete";

/** Who may call a route. */
export type Auth =
  /** An API key carrying `scope` (or `admin`), as Bearer or as the Basic password. */
  | { kind: "key"; scope: Scope }
  /** Any live API key of the workspace; what it may do is checked further in (`why`). */
  | { kind: "anyKey"; why: string }
  /** The bootstrap ADMIN_SECRET. */
  | { kind: "admin" }
  /** No Baton credential: `why` says what protects the route instead, if anything. */
  | { kind: "none"; why: string };

export interface Example {
  summary: string;
  value: unknown;
}

/** A JSON body validated by a zod schema. */
export interface Body {
  /** The component name under #/components/schemas. */
  name: string;
  schema: z.ZodType;
  examples?: Record<string, Example>;
  /** The route also accepts no body at all (then the schema's defaults apply). */
  optional?: boolean;
}

/** A provider's own payload that the route parses itself (no zod schema to point at). */
export interface RawBody {
  contentTypes: string[];
  description: string;
}

export interface Reply {
  description: string;
  /** The answer's zod schema (responses.ts), when it is JSON. */
  schema?: z.ZodType;
  /** The component name for `schema`. */
  name?: string;
  /** Other media types than JSON (TwiML, JavaScript, HTML, text). */
  contentType?: string;
}

export interface RouteDoc {
  method: Method;
  /** Hono's form, e.g. /v1/journeys/:id (the document writes {id}). */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  auth: Auth;
  /** Path parameters with their schema; a parameter left out is a plain string. */
  params?: Record<string, z.ZodType>;
  /** The query schema the route validates with; each property becomes a query parameter. */
  query?: z.ZodType;
  /** Whole query strings, by name; the document spreads them over the parameters. */
  queryExamples?: Record<string, { summary: string; value: Record<string, string> }>;
  /** Query parameters the route reads without a schema (name → description). */
  rawQuery?: Record<string, string>;
  body?: Body;
  rawBody?: RawBody;
  /** The route honours the Idempotency-Key header (docs/api.md §3). */
  idempotent?: boolean;
  responses: Record<number, Reply>;
}

/** Tags in the order the reference page shows them. */
export const TAGS: { name: string; description: string }[] = [
  { name: "Events", description: "Post what happened on any channel (docs/api.md §4)." },
  { name: "Journeys", description: "Read a journey and write its sub-resources (§8)." },
  { name: "Context", description: "Context packs for IVRs, bots and agents (§10)." },
  { name: "Customers", description: "Customers, identifiers, merges, one-time codes (§6)." },
  { name: "Analytics", description: "Customer effort from the D1 history (§11)." },
  { name: "Webhooks", description: "Outbound webhook subscriptions (§11c)." },
  { name: "Keys and settings", description: "A workspace's own keys and settings (§12)." },
  { name: "Admin", description: "Bootstrap with the ADMIN_SECRET: workspaces and keys (§12)." },
  { name: "Call start", description: "Contact-center call-start lookups (docs/ivr.md)." },
  { name: "Provider webhooks", description: "Twilio and email providers (§11b)." },
  { name: "Web chat", description: "Browser sessions, the socket, the widget (§7)." },
  { name: "MCP", description: "The Model Context Protocol endpoint for AI agents." },
  {
    name: "Console",
    description: "The people's console: embed links and its pages (docs/console.md).",
  },
  { name: "Meta", description: "Health, this document and its reference page." },
];
