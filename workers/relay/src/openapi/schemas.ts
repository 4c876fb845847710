import * as z from "zod";

/** A JSON Schema (2020-12) or OpenAPI object, as plain JSON. */
export type Json = { [key: string]: unknown };

const COMPONENTS = "#/components/schemas/";

/**
 * Converts named zod schemas with zod's own `z.toJSONSchema` into OpenAPI 3.1 components
 * (JSON Schema 2020-12). A schema named here that another one nests becomes a `$ref`, so a
 * shape shared by many routes is written once. `io` picks the request side (what a caller
 * may send: defaults optional, transforms' inputs) or the response side.
 */
export function convert(named: Map<string, z.ZodType>, io: "input" | "output"): Map<string, Json> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of named) registry.add(schema, { id });
  // "throw" (the default) for anything without a JSON Schema form: CI fails on it, rather
  // than the document quietly describing a looser shape than the route accepts.
  const { schemas } = z.toJSONSchema(registry, {
    target: "draft-2020-12",
    io,
    uri: (id) => `${COMPONENTS}${id}`,
  });
  const out = new Map<string, Json>();
  for (const [id, schema] of Object.entries(schemas)) {
    const { $schema: _s, $id: _i, ...rest } = schema as Json;
    if (id === "__shared") {
      // Recursive shapes without a name land in zod's shared $defs: give each a component.
      const defs = (rest.$defs ?? {}) as Record<string, Json>;
      for (const [def, body] of Object.entries(defs)) out.set(sharedName(io, def), body);
    } else {
      out.set(id, rest);
    }
  }
  for (const [id, schema] of out) out.set(id, fixRefs(schema, io) as Json);
  return out;
}

const sharedName = (io: string, def: string) => `Shared_${io}_${def}`;

/** Rewrites zod's `…/__shared#/$defs/x` pointers (two fragments) to the components above. */
function fixRefs(value: unknown, io: string): unknown {
  if (Array.isArray(value)) return value.map((v) => fixRefs(v, io));
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value).map(([k, v]) => {
    if (k === "$ref" && typeof v === "string") {
      const m = /^#\/components\/schemas\/__shared#\/\$defs\/(.+)$/.exec(v);
      return [k, m?.[1] ? `${COMPONENTS}${sharedName(io, m[1])}` : v];
    }
    return [k, fixRefs(v, io)];
  });
  return Object.fromEntries(entries);
}

/** Every component name a JSON value points at with `$ref`. */
export function refsOf(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) refsOf(v, into);
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string" && v.startsWith(COMPONENTS)) {
        into.add(v.slice(COMPONENTS.length));
      } else refsOf(v, into);
    }
  }
  return into;
}

export const ref = (name: string): Json => ({ $ref: `${COMPONENTS}${name}` });
