import type { Client } from "openapi-fetch";
import type { paths } from "./schema.js";

/*
 * LLM tool definitions from the OpenAPI document. The document is generated from the zod
 * schemas the relay validates with, so a tool's parameters are exactly what the route
 * accepts: one source for the API, the typed client and the tools.
 */

type Json = { [key: string]: unknown };

/** The OpenAPI document: GET /openapi.json, or the package's openapi.json. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown> };
}

interface Operation {
  method: string;
  path: string;
  description: string;
  pathParams: string[];
  queryParams: string[];
  hasBody: boolean;
  parameters: Json;
}

export interface Toolset {
  /** For OpenAI-style APIs: `tools: [{ type: "function", function: {…} }]`. */
  openai: { type: "function"; function: { name: string; description: string; parameters: Json } }[];
  /** For Anthropic-style APIs: `tools: [{ name, description, input_schema }]`. */
  anthropic: { name: string; description: string; input_schema: Json }[];
  /**
   * Runs one tool call through the client: Baton's answer, or `{ error }` with the problem
   * (so the model sees why a call was refused instead of the loop failing).
   */
  call(client: { api: Client<paths> }, name: string, args: Json): Promise<unknown>;
}

const METHODS = ["get", "post", "put", "patch", "delete"];
const asObject = (v: unknown): Json =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {};

/** Rewrites component references to local `$defs` and collects what they need. */
function localize(value: unknown, schemas: Json, defs: Json): unknown {
  if (Array.isArray(value)) return value.map((v) => localize(v, schemas, defs));
  if (value === null || typeof value !== "object") return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    const m =
      k === "$ref" && typeof v === "string" ? /^#\/components\/schemas\/(.+)$/.exec(v) : null;
    if (m?.[1]) {
      const name = m[1];
      out.$ref = `#/$defs/${name}`;
      if (!(name in defs)) {
        defs[name] = {};
        defs[name] = localize(schemas[name], schemas, defs);
      }
    } else out[k] = localize(v, schemas, defs);
  }
  return out;
}

function operation(doc: OpenApiDocument, operationId: string): Operation {
  const schemas = asObject(doc.components?.schemas);
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = asObject(item[method]);
      if (op.operationId !== operationId) continue;
      const defs: Json = {};
      const properties: Json = {};
      const required: string[] = [];
      const pathParams: string[] = [];
      const queryParams: string[] = [];
      for (const p of Array.isArray(op.parameters) ? op.parameters.map(asObject) : []) {
        if (typeof p.name !== "string" || (p.in !== "path" && p.in !== "query")) continue;
        (p.in === "path" ? pathParams : queryParams).push(p.name);
        const schema = asObject(localize(p.schema, schemas, defs));
        properties[p.name] = p.description ? { ...schema, description: p.description } : schema;
        if (p.required === true) required.push(p.name);
      }
      const body = asObject(asObject(asObject(op.requestBody).content)["application/json"]);
      if (body.schema) {
        properties.body = localize(body.schema, schemas, defs);
        if (asObject(op.requestBody).required === true) required.push("body");
      }
      const parameters: Json = {
        type: "object",
        properties,
        required,
        additionalProperties: false,
      };
      if (Object.keys(defs).length > 0) parameters.$defs = defs;
      const text = [op.summary, op.description].filter((t) => typeof t === "string").join(". ");
      return {
        method,
        path,
        description: text,
        pathParams,
        queryParams,
        hasBody: !!body.schema,
        parameters,
      };
    }
  }
  throw new Error(`no operation ${operationId} in the document`);
}

type LooseRequest = (
  method: string,
  url: string,
  init: { params: { path: Json; query: Json }; body?: unknown },
) => Promise<{ data?: unknown; error?: unknown; response: Response }>;

/**
 * Tool definitions for the named operations (their operationIds become the tool names), in
 * both formats, plus a runner for the calls a model makes.
 */
export function toolsFromDocument(doc: OpenApiDocument, operationIds: string[]): Toolset {
  const ops = new Map(operationIds.map((id) => [id, operation(doc, id)]));
  const list = [...ops.entries()];
  return {
    openai: list.map(([name, op]) => ({
      type: "function",
      function: { name, description: op.description, parameters: op.parameters },
    })),
    anthropic: list.map(([name, op]) => ({
      name,
      description: op.description,
      input_schema: op.parameters,
    })),
    async call(client, name, args) {
      const op = ops.get(name);
      if (!op) return { error: { code: "unknown_tool", detail: `no tool named ${name}` } };
      const pick = (keys: string[]) =>
        Object.fromEntries(keys.filter((k) => args[k] !== undefined).map((k) => [k, args[k]]));
      // The tool's name and arguments are only known at run time: the typed client's
      // generic request is called untyped here, the document having described the shape.
      const request = client.api.request as unknown as LooseRequest;
      const init = { params: { path: pick(op.pathParams), query: pick(op.queryParams) } };
      const { data, error } = await request(
        op.method.toUpperCase(),
        op.path,
        op.hasBody ? { ...init, body: args.body ?? {} } : init,
      );
      return error !== undefined ? { error } : data;
    },
  };
}
