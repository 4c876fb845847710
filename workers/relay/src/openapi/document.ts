import {
  Actor,
  Channel,
  CustomerId,
  Direction,
  EventData,
  Facts,
  Identifier,
  IdentifierType,
  Instant,
  JourneyId,
  JourneyStatus,
  LIMITS,
  Reason,
  ThreadRef,
  TimeZone,
  Verification,
} from "@baton/core";
import type { z } from "zod";
import { Problem } from "./responses";
import { ADMIN_ROUTES } from "./routes-admin";
import { AUDIT_ROUTES } from "./routes-audit";
import { CUSTOMER_ROUTES } from "./routes-customers";
import { ERASURE_ROUTES } from "./routes-erasure";
import { EXPORT_ROUTES } from "./routes-export";
import { EDGE_ROUTES } from "./routes-edge";
import { EVENT_ROUTES } from "./routes-events";
import { JOURNEY_ROUTES } from "./routes-journeys";
import { CONTINUITY_ROUTES } from "./routes-continuity";
import { MESSAGE_ROUTES } from "./routes-messages";
import { WEBHOOK_ROUTES } from "./routes-webhooks";
import { WORKLIST_ROUTES } from "./routes-worklist";
import { OUTREACH_ROUTES } from "./routes-outreach";
import { CONSOLE_ROUTES } from "./routes-console";
import { convert, ref, type Json } from "./schemas";
import { TAGS, type RouteDoc } from "./table";

/** Every documented route, in the order of the reference page. */
export const ROUTES: readonly RouteDoc[] = [
  ...EVENT_ROUTES,
  ...JOURNEY_ROUTES,
  ...CONTINUITY_ROUTES,
  ...WORKLIST_ROUTES,
  ...OUTREACH_ROUTES,
  ...MESSAGE_ROUTES,
  ...CUSTOMER_ROUTES,
  ...EXPORT_ROUTES,
  ...ERASURE_ROUTES,
  ...WEBHOOK_ROUTES,
  ...AUDIT_ROUTES,
  ...ADMIN_ROUTES,
  ...EDGE_ROUTES,
  ...CONSOLE_ROUTES,
];

/** Building blocks of packages/core that many bodies share: one component each. */
const SHARED: [string, z.ZodType, Json?][] = [
  [
    "Instant",
    Instant,
    { format: "date-time", description: "RFC 3339 with an offset; answered in UTC" },
  ],
  ["TimeZone", TimeZone, { description: "an IANA time-zone name, e.g. America/New_York" }],
  ["JourneyId", JourneyId, {}],
  ["CustomerId", CustomerId, {}],
  ["Channel", Channel, {}],
  ["Direction", Direction, {}],
  ["JourneyStatus", JourneyStatus, {}],
  ["IdentifierType", IdentifierType, {}],
  ["Verification", Verification, {}],
  ["Identifier", Identifier, {}],
  ["Actor", Actor, {}],
  ["Reason", Reason, { description: "text or topic (at least one)" }],
  [
    "Facts",
    Facts,
    {
      description: `"do not ask again" facts; null removes one; at most ${LIMITS.factsPerRequest}`,
    },
  ],
  ["EventData", EventData, { description: `a JSON object of at most ${LIMITS.dataBytes} bytes` }],
  ["JsonValue", EventData.valueType, {}],
  ["ThreadRef", ThreadRef, {}],
];

/** The OpenAPI form of a hono path: /v1/journeys/:id → /v1/journeys/{id}. */
export const openapiPath = (path: string): string => path.replace(/:([A-Za-z]+)/g, "{$1}");
const pathParams = (path: string): string[] =>
  [...path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1] ?? "");

const problem = { $ref: "#/components/responses/Problem" };
const JSON_TYPE = "application/json";

/** Names the request-side schemas: shared blocks, bodies, and (temporarily) queries and params. */
function requestSchemas(routes: readonly RouteDoc[]): Map<string, z.ZodType> {
  const named = new Map<string, z.ZodType>();
  const byObject = new Map<z.ZodType, string>();
  const add = (name: string, schema: z.ZodType) => {
    const had = byObject.get(schema);
    if (had !== undefined) return had;
    if (named.has(name)) throw new Error(`openapi: two different schemas named ${name}`);
    named.set(name, schema);
    byObject.set(schema, name);
    return name;
  };
  for (const [name, schema] of SHARED) add(name, schema);
  for (const r of routes) {
    if (r.body) add(r.body.name, r.body.schema);
    if (r.query) add(`query:${r.operationId}`, r.query);
    for (const [p, schema] of Object.entries(r.params ?? {}))
      add(`param:${r.operationId}:${p}`, schema);
  }
  return named;
}

/** Names the answers' schemas (responses.ts, and settings from packages/core). */
function responseSchemas(routes: readonly RouteDoc[]): Map<string, z.ZodType> {
  const named = new Map<string, z.ZodType>([["Problem", Problem]]);
  for (const r of routes) {
    for (const reply of Object.values(r.responses)) {
      if (!reply.schema || !reply.name) continue;
      const had = named.get(reply.name);
      if (had !== undefined && had !== reply.schema)
        throw new Error(`openapi: two answers named ${reply.name}`);
      named.set(reply.name, reply.schema);
    }
  }
  return named;
}

function authText(r: RouteDoc): string {
  switch (r.auth.kind) {
    case "key":
      return `Needs an API key with scope \`${r.auth.scope}\` (or \`admin\`).`;
    case "anyKey":
      return `Needs an API key of the workspace: ${r.auth.why}.`;
    case "admin":
      return "Needs the bootstrap ADMIN_SECRET.";
    case "none":
      return `No API key: ${r.auth.why}.`;
  }
}

function operation(r: RouteDoc, components: Map<string, Json>, replyNames: Set<string>): Json {
  const parameters: Json[] = [];
  for (const p of pathParams(r.path)) {
    const schema = r.params?.[p]
      ? paramSchema(components, `param:${r.operationId}:${p}`, r.params[p])
      : { type: "string" };
    parameters.push({ name: p, in: "path", required: true, schema });
  }
  if (r.query) {
    const q = components.get(`query:${r.operationId}`) ?? {};
    const required = new Set((q.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((q.properties ?? {}) as Record<string, Json>)) {
      const { description, ...rest } = schema;
      const examples = Object.entries(r.queryExamples ?? {})
        .filter(([, ex]) => name in ex.value)
        .map(([id, ex]) => [id, { summary: ex.summary, value: ex.value[name] }]);
      parameters.push({
        name,
        in: "query",
        required: required.has(name),
        schema: rest,
        ...(description !== undefined ? { description } : {}),
        ...(examples.length > 0 ? { examples: Object.fromEntries(examples) } : {}),
      });
    }
  }
  for (const [name, description] of Object.entries(r.rawQuery ?? {})) {
    parameters.push({ name, in: "query", required: true, description, schema: { type: "string" } });
  }
  if (r.idempotent) parameters.push({ $ref: "#/components/parameters/IdempotencyKey" });

  const responses: Json = {};
  for (const [status, reply] of Object.entries(r.responses)) {
    if (reply.name !== undefined && !replyNames.has(reply.name))
      throw new Error(`openapi: ${reply.name}`);
    const content: Json = {};
    if (reply.schema && reply.name) content[JSON_TYPE] = { schema: ref(reply.name) };
    if (reply.contentType) content[reply.contentType] = { schema: { type: "string" } };
    responses[status] = {
      description: reply.description,
      ...(Object.keys(content).length ? { content } : {}),
    };
  }
  responses["4XX"] = problem;
  responses["503"] = { $ref: "#/components/responses/Unavailable" };

  const op: Json = {
    operationId: r.operationId,
    tags: [r.tag],
    summary: r.summary,
    description: [r.description, authText(r)].filter(Boolean).join("\n\n"),
  };
  if (r.auth.kind === "key")
    op.security = [{ apiKey: [r.auth.scope] }, { apiKeyBasic: [r.auth.scope] }];
  if (r.auth.kind === "anyKey") op.security = [{ apiKey: [] }, { apiKeyBasic: [] }];
  if (r.auth.kind === "admin") op.security = [{ adminSecret: [] }];
  if (parameters.length > 0) op.parameters = parameters;
  if (r.body) {
    const examples = r.body.examples ? { examples: r.body.examples } : {};
    op.requestBody = {
      required: !r.body.optional,
      content: { [JSON_TYPE]: { schema: ref(r.body.name), ...examples } },
    };
  } else if (r.rawBody) {
    const schema = { type: "object", description: r.rawBody.description };
    op.requestBody = {
      required: true,
      description: r.rawBody.description,
      content: Object.fromEntries(r.rawBody.contentTypes.map((t) => [t, { schema }])),
    };
  }
  op.responses = responses;
  return op;
}

/** A path parameter's schema: a shared component by reference, or its own converted schema. */
function paramSchema(components: Map<string, Json>, temp: string, schema: z.ZodType): Json {
  const shared = SHARED.find(([, s]) => s === schema);
  return shared ? ref(shared[0]) : (components.get(temp) ?? { type: "string" });
}

/** Builds the OpenAPI 3.1 document from the route table and the zod schemas it names. */
export function buildDocument(routes: readonly RouteDoc[] = ROUTES): Json {
  const input = convert(requestSchemas(routes), "input");
  const output = convert(responseSchemas(routes), "output");
  const schemas: Record<string, Json> = {};
  for (const [name, s] of input) {
    if (name.startsWith("query:") || name.startsWith("param:")) continue;
    const extra = SHARED.find(([n]) => n === name)?.[2] ?? {};
    schemas[name] = { ...s, ...extra };
  }
  for (const [name, s] of output) {
    if (name in schemas) throw new Error(`openapi: ${name} names a request and an answer schema`);
    schemas[name] = s;
  }
  const paths: Record<string, Json> = {};
  const ids = new Set<string>();
  for (const r of routes) {
    if (ids.has(r.operationId)) throw new Error(`openapi: operationId ${r.operationId} twice`);
    ids.add(r.operationId);
    const item = (paths[openapiPath(r.path)] ??= {});
    item[r.method] = operation(r, input, new Set(output.keys()));
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Baton API",
      version: "1.0.0",
      description:
        "Baton relays a customer's context across channels: one journey per customer problem, read and written by every channel, bot and agent desktop. Errors are application/problem+json (RFC 9457) with a stable `code`. The explanations live in docs/api.md of the repository; this document is generated from the zod schemas the routes validate with.",
    },
    servers: [{ url: "/", description: "the Worker that serves this document" }],
    tags: TAGS,
    paths,
    components: {
      schemas,
      parameters: {
        IdempotencyKey: {
          name: "Idempotency-Key",
          in: "header",
          required: false,
          description:
            "A retry with the same key and body replays the first answer (docs/api.md §3).",
          schema: { type: "string", minLength: 1, maxLength: LIMITS.idempotencyKeyChars },
        },
      },
      responses: {
        Problem: {
          description:
            "The caller's mistake (or a missing credential), as application/problem+json",
          content: { "application/problem+json": { schema: ref("Problem") } },
        },
        Unavailable: {
          description: "temporarily_unavailable: retry with the same Idempotency-Key",
          content: { "application/problem+json": { schema: ref("Problem") } },
        },
      },
      securitySchemes: {
        apiKey: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "bk_<workspace>.<keyId>.<secret>",
          description:
            "A workspace API key. The scopes listed per operation are the key scopes it needs (admin implies all).",
        },
        apiKeyBasic: {
          type: "http",
          scheme: "basic",
          description:
            "The same API key as the password of HTTP Basic (any user name), for platforms that only put credentials in URLs.",
        },
        adminSecret: {
          type: "http",
          scheme: "bearer",
          description: "The Worker's ADMIN_SECRET (bootstrap).",
        },
      },
    },
  };
}

let cached: string | null = null;

/** The document as served, built once per isolate. */
export function documentJson(): string {
  cached ??= JSON.stringify(buildDocument(), null, 2);
  return cached;
}
