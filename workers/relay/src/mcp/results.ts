import { redactText, sha256Hex } from "@baton/core";
import type { CallToolResult, StandardSchemaWithJSON } from "@modelcontextprotocol/server";
import type { z } from "zod";
import { checkScope } from "../http/auth";
import type { Principal } from "../env";
import { problem, ProblemError, type Problem } from "../http/problem";
import { MAX_JSON_DEPTH, stableStringify, tooDeep } from "../http/validate";
import type { Scope } from "../objects/workspace/object";

/** Who calls the tools: the Worker's bindings and the verified API key. */
export interface Caller {
  env: Env;
  principal: Principal;
}

/** A tool's answer: `data` as structured content, and as the JSON text a model reads. */
export function answer(data: Record<string, unknown>, text = JSON.stringify(data)): CallToolResult {
  return { content: [{ type: "text", text }], structuredContent: data };
}

/** A tool error carrying the problem the REST API would answer for the same failure. */
export function refusal(p: Problem): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(p) }], isError: true };
}

/**
 * Runs a tool's body for a key that must carry `scope`. A missing scope, an object's expected
 * failure (journey not found, promise settled, owner conflict…) or a value refused late becomes
 * a tool error naming it. Anything else is logged and answered like the REST API's 503, so a
 * bug or an outage never surfaces as a protocol error or leaks internals.
 */
export async function guarded(
  caller: Caller,
  scope: Scope,
  body: () => Promise<CallToolResult>,
): Promise<CallToolResult> {
  try {
    checkScope(caller.principal, scope);
    return await body();
  } catch (e) {
    if (e instanceof ProblemError) return refusal(e.problem);
    // Like the app's onError: a message may quote what the caller sent, card numbers included.
    console.error("MCP tool failed:", redactText(String(e instanceof Error ? e.stack : e)).text);
    return refusal(
      problem(
        503,
        "temporarily_unavailable",
        "Temporarily unavailable",
        "nothing was changed by this failure unless it says otherwise; retry with the same idempotencyKey",
      ),
    );
  }
}

type JsonSchemaOptions = Parameters<StandardSchemaWithJSON["~standard"]["jsonSchema"]["input"]>[0];

/**
 * A zod schema of the REST API as a tool's input schema, with two additions. Arguments nested
 * deeper than a REST body may be are refused first, naming the field (the schemas and the
 * object's walkers recurse). And the JSON Schema is converted once per isolate: the server is
 * built per request, and the SDK converts the called tool's schema on every `tools/call`.
 */
export function toolInput<S extends z.ZodType>(
  schema: S,
): StandardSchemaWithJSON<z.input<S>, z.output<S>> {
  const std = schema["~standard"];
  const memo = new Map<string, Record<string, unknown>>();
  const cached = (io: "input" | "output") => (options: JsonSchemaOptions) => {
    const key = `${io}:${options.target}`;
    let json = memo.get(key);
    if (!json) {
      json = std.jsonSchema[io](options);
      memo.set(key, json);
    }
    return json;
  };
  return {
    "~standard": {
      ...std,
      validate: (value: unknown) => {
        const deep = tooDeep(value, MAX_JSON_DEPTH);
        if (deep === null) return std.validate(value);
        return {
          issues: [{ message: `nested deeper than ${MAX_JSON_DEPTH} levels`, path: [deep] }],
        };
      },
      jsonSchema: { input: cached("input"), output: cached("output") },
    },
  };
}

/**
 * The idempotency key of a write: the caller's, or one derived from the tool and its validated
 * arguments, so an agent's retry of the same call is stored once even without a key. Two
 * calls with identical arguments on one journey are then one write (docs/agents.md).
 */
export async function keyFor(
  tool: string,
  args: { idempotencyKey?: string | undefined },
): Promise<string> {
  if (args.idempotencyKey !== undefined) return args.idempotencyKey;
  const { idempotencyKey: _k, ...rest } = args;
  return `mcp:${tool}:${(await sha256Hex(stableStringify(rest))).slice(0, 32)}`;
}
