import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { requireScope } from "../http/auth";
import { fail } from "../http/problem";
import { jsonBody, query } from "../http/validate";
import { workspaceSettings } from "../settings";
import { ivrAnswer } from "./context";

/**
 * Call-start lookups for contact-center platforms. Each takes the platform's own request
 * shape and answers the flat string map of the `ivr` audience (at most 1 KB). They
 * authenticate with a Baton API key with `context:read` (the platform stores it as a
 * credential / header), and the key's workspace must be the one in the path.
 */
export const ivrHooks = new Hono<AppEnv>();
// Per route, not `use("*")`: this sub-app shares /hooks/:workspace with signature-checked hooks.
const auth = requireScope("context:read");

async function settingsFor(c: Context<AppEnv>) {
  const ws = c.req.param("workspace") ?? "";
  if (c.get("principal").workspace !== ws) fail(404, "workspace_not_found", "Workspace not found");
  const settings = await workspaceSettings(c.env, ws);
  if (!settings) fail(404, "workspace_not_found", "Workspace not found");
  return { ws, settings };
}

/** Amazon Connect's Lambda event, as the forwarding Lambda in docs/ivr.md passes it on. */
const ConnectEvent = z.object({
  Name: z.string().optional(),
  Details: z.object({
    ContactData: z.object({
      CustomerEndpoint: z
        .object({ Address: z.string().max(120), Type: z.string().max(40).optional() })
        .nullable()
        .optional(),
      ContactId: z.string().max(200).optional(),
    }),
    Parameters: z.record(z.string(), z.string()).optional(),
  }),
});

ivrHooks.post("/connect", auth, async (c) => {
  const { ws, settings } = await settingsFor(c);
  const event = await jsonBody(c, ConnectEvent);
  const endpoint = event.Details.ContactData.CustomerEndpoint;
  const phone =
    endpoint && (endpoint.Type ?? "TELEPHONE_NUMBER") === "TELEPHONE_NUMBER"
      ? endpoint.Address
      : "";
  return c.json(
    await ivrAnswer(c.env, ws, settings, { type: "phone", value: phone || "anonymous" }, undefined),
  );
});

/** Genesys Cloud data action: the request template sends {"phone": "${input.phone}"}. */
const GenesysInput = z.strictObject({
  phone: z.string().max(120),
  attestation: z.enum(["A", "B", "C", "none"]).optional(),
});

ivrHooks.post("/genesys", auth, async (c) => {
  const { ws, settings } = await settingsFor(c);
  const input = await jsonBody(c, GenesysInput);
  return c.json(
    await ivrAnswer(
      c.env,
      ws,
      settings,
      { type: "phone", value: input.phone || "anonymous" },
      input.attestation,
    ),
  );
});

/**
 * Twilio Studio's HTTP Request widget: `?phone={{trigger.call.From}}` and, for calls,
 * `&stirVerstat={{trigger.call.StirVerstat}}`. Full attestation is TN-Validation-Passed-A.
 */
const StudioQuery = z.strictObject({
  phone: z.string().max(120),
  stirVerstat: z.string().max(80).optional(),
});

ivrHooks.get("/studio", auth, async (c) => {
  const { ws, settings } = await settingsFor(c);
  const q = query(c, StudioQuery);
  const attestation = q.stirVerstat === undefined ? undefined : stirToAttestation(q.stirVerstat);
  return c.json(
    await ivrAnswer(
      c.env,
      ws,
      settings,
      { type: "phone", value: q.phone || "anonymous" },
      attestation,
    ),
  );
});

/** Maps Twilio's StirVerstat to an attestation level (anything but a passed A is below full). */
export function stirToAttestation(v: string): "A" | "B" | "C" | "none" {
  const m = /^TN-Validation-Passed-([ABC])$/.exec(v);
  return m?.[1] === "A" || m?.[1] === "B" || m?.[1] === "C" ? m[1] : "none";
}
