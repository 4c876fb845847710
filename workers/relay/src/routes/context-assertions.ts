import { Identifier } from "@baton/core";
import type { Context } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env";
import {
  ASSERTION_METHODS,
  ASSERTION_TTL,
  assertionSecret,
  signAssertion,
} from "../context/assertion";
import { fail } from "../http/problem";
import { jsonBody } from "../http/validate";
import { normalizeIdentifiers } from "../ingest/normalize";
import { unwrap } from "../http/errors";
import { workspaceSettings } from "../objects/workspace/settings";

/** `POST /v1/context/assertions`: what the flow vouches for. */
export const AssertionInput = z.strictObject({
  /** The caller, as the lookup will name it (normalized the same way). */
  identifier: Identifier.pick({ type: true, value: true }),
  /** How the flow authenticated the caller. */
  method: z.enum(ASSERTION_METHODS),
  ttlSeconds: z
    .number()
    .int()
    .min(ASSERTION_TTL.min)
    .max(ASSERTION_TTL.max)
    .default(ASSERTION_TTL.default),
});

/**
 * Mints a caller assertion (scope `caller:assert`) for the key's own workspace: the flow has
 * checked a PIN, a one-time code or a session and passes the token on its next lookup, which
 * then reaches the personal tier for that identifier only, until it expires. Nothing is
 * stored and no object is called: the token carries everything and is checked by its HMAC.
 */
export async function mintAssertion(c: Context<AppEnv>) {
  const ws = c.get("principal").workspace;
  const input = await jsonBody(c, AssertionInput);
  const secret = assertionSecret(c.env);
  if (!secret)
    fail(
      503,
      "assertions_not_configured",
      "Caller assertions are not configured",
      "set the CALLER_ASSERTION_SECRET Worker secret (at least 32 characters)",
    );
  const settings = await workspaceSettings(c.env, ws);
  if (!settings) fail(404, "workspace_not_found", "Workspace not found");
  const { linked } = unwrap(
    normalizeIdentifiers(
      [input.identifier],
      settings,
      "assertion",
      "asserted",
      () => "identifier.value",
    ),
  );
  const id = linked[0];
  if (!id) {
    const message = "a withheld or anonymous caller cannot be vouched for";
    fail(
      422,
      "invalid_identifier",
      "An identifier cannot be used",
      `identifier.value: ${message}`,
      {
        errors: [{ path: "identifier.value", message }],
      },
    );
  }
  const now = Date.now();
  const assertion = await signAssertion(
    secret,
    { ws, id: id.key, m: input.method },
    input.ttlSeconds,
    now,
  );
  const expiresAt = new Date((Math.floor(now / 1000) + input.ttlSeconds) * 1000).toISOString();
  return c.json(
    {
      assertion,
      identifier: { type: id.type, value: id.value },
      method: input.method,
      expiresAt,
    },
    201,
  );
}
