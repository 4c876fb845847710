import type { Context } from "hono";
import type { z } from "zod";
import { LIMITS, sha256Hex } from "@baton/core";
import type { Idempotency } from "../objects/journey/types";
import { fail } from "./problem";

function issuesToErrors(
  issues: readonly z.core.$ZodIssue[],
  root: string,
): { path: string; message: string }[] {
  return issues.slice(0, 20).map((i) => ({
    path: i.path.map(String).join(".") || root,
    message: i.code === "unrecognized_keys" ? `unknown field(s): ${i.keys.join(", ")}` : i.message,
  }));
}

/** Validates `value` against `schema` or throws a 422 problem naming every bad field. */
export function check<S extends z.ZodType>(schema: S, value: unknown, where = "body"): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const errors = issuesToErrors(parsed.error.issues, where === "query" ? "(query)" : "(body)");
  const first = errors[0];
  return fail(
    where === "query" ? 400 : 422,
    where === "query" ? "invalid_query" : "validation_failed",
    where === "query" ? "Invalid query parameters" : "The request body is not valid",
    first ? `${first.path}: ${first.message}` : undefined,
    { errors },
  );
}

/**
 * The request body, at most `maxBytes` (413 beyond), read as a stream so that neither a
 * lying Content-Length nor a body without one makes the Worker buffer more than the bound.
 * A body that cannot be read to its end is a 400 `unreadable_body`, never an outage: the
 * runtime fails the read ("Network connection lost") when the client sends fewer bytes than
 * its Content-Length and stops, and a retry of the same bytes would fail the same way.
 */
export async function bodyBytes(c: Context, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > maxBytes) tooLarge(maxBytes);
  const stream = c.req.raw.body;
  if (!stream) return new Uint8Array();
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch {
      return fail(
        400,
        "unreadable_body",
        "The request body could not be read",
        "it ended before its declared Content-Length, or the connection failed; nothing was stored",
      );
    }
    if (chunk.done) break;
    size += chunk.value.byteLength;
    if (size > maxBytes) {
      await reader.cancel("too large").catch(() => undefined);
      tooLarge(maxBytes);
    }
    chunks.push(chunk.value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of chunks) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/**
 * Reads a JSON body: checks the media type and the size bound, parses, then validates.
 */
export async function jsonBody<S extends z.ZodType>(
  c: Context,
  schema: S,
  maxBytes: number = LIMITS.bodyBytes,
): Promise<z.output<S>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/([a-z.+-]*\+)?json\b/i.test(type)) {
    fail(415, "unsupported_media_type", "Send JSON", "Content-Type must be application/json");
  }
  const buf = await bodyBytes(c, maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(buf));
  } catch (e) {
    fail(
      400,
      "malformed_json",
      "The body is not valid JSON",
      e instanceof Error ? e.message : undefined,
    );
  }
  const deep = tooDeep(value, MAX_JSON_DEPTH);
  if (deep !== null) {
    const message = `nested deeper than ${MAX_JSON_DEPTH} levels`;
    fail(422, "validation_failed", "The request body is not valid", `${deep}: ${message}`, {
      errors: [{ path: deep, message }],
    });
  }
  return check(schema, value);
}

/**
 * Deepest nesting accepted in a JSON body. The schemas (z.json() for `data`) and the
 * object-side walkers recurse, so a small but deeply nested body would overflow the stack
 * and surface as a 5xx; this bound turns it into a 422 before anything recursive runs.
 */
export const MAX_JSON_DEPTH = 64;

/** The top-level field under which `value` nests deeper than `max`, or null. Iterative. */
export function tooDeep(value: unknown, max: number): string | null {
  const stack: { v: unknown; depth: number; top: string }[] = [
    { v: value, depth: 0, top: "(body)" },
  ];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { v, depth, top } = item;
    if (v === null || typeof v !== "object") continue;
    if (depth >= max) return top;
    for (const [k, child] of Object.entries(v)) {
      stack.push({ v: child, depth: depth + 1, top: depth === 0 ? k : top });
    }
  }
  return null;
}

function tooLarge(max: number): never {
  return fail(413, "payload_too_large", "The body is too large", `at most ${max} bytes`, { max });
}

/** Validates the query string (single values only). */
export function query<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  return check(schema, c.req.query(), "query");
}

/** A stable JSON encoding (sorted keys), used to fingerprint requests for idempotency. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export { sha256Hex };

/** Reads the idempotency key from the body or the Idempotency-Key header (they must agree). */
export async function idempotencyOf(
  header: string | undefined,
  bodyKey: string | undefined,
  request: unknown,
): Promise<Idempotency | undefined> {
  if (header !== undefined && (header.length === 0 || header.length > LIMITS.idempotencyKeyChars)) {
    fail(
      400,
      "invalid_idempotency_key",
      "Invalid Idempotency-Key",
      `1–${LIMITS.idempotencyKeyChars} characters`,
    );
  }
  if (header !== undefined && bodyKey !== undefined && header !== bodyKey) {
    fail(
      400,
      "invalid_idempotency_key",
      "Conflicting idempotency keys",
      "header and body keys differ",
    );
  }
  const key = header ?? bodyKey;
  return key === undefined
    ? undefined
    : { key, fingerprint: await sha256Hex(stableStringify(request)) };
}

/** A workspace id: lower-case letters, digits and dashes, 2–63 characters. */
export const WorkspaceIdPattern = /^[a-z0-9][a-z0-9-]{1,62}$/;
