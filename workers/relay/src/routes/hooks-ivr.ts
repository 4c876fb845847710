import { Hono, type Context } from "hono";
import { every } from "hono/combine";
import * as z from "zod";
import type { AppEnv } from "../env";
import { requireScope } from "../http/auth";
import { fail } from "../http/problem";
import { providerHookLimit } from "../http/ratelimit";
import { jsonBody, query } from "../http/validate";
import { workspaceSettings } from "../objects/workspace/settings";
import { ASSERTION_MAX_CHARS } from "../context/assertion";
import { disclosureHeaders, stirToAttestation, type RequestEvidence } from "../context/disclosure";
import { ivrAnswer } from "../context/ivr";

/**
 * Call-start lookups for contact-center platforms. Each takes the platform's own request
 * shape and answers the flat string map of the `ivr` audience (at most 1 KB). They
 * authenticate with a Baton API key with `context:read` (the platform stores it as a
 * credential / header), and the key's workspace must be the one in the path.
 *
 * Caller ID is context, not identity: a matched number gets the routing tier, STIR/SHAKEN
 * attestation A the prompt tier, and only a caller assertion the personal tier. A refused
 * assertion never fails the call: the answer falls back to routing and `tierReason` says why.
 */
export const ivrHooks = new Hono<AppEnv>();
// Per route, not `use("*")`: this sub-app shares /hooks/:workspace with signature-checked hooks.
// A call-start lookup is never refused for rate: it counts as a provider webhook, not per key.
const auth = every(requireScope("context:read", { keyLimits: false }), providerHookLimit);

async function settingsFor(c: Context<AppEnv>) {
  const ws = c.req.param("workspace") ?? "";
  if (c.get("principal").workspace !== ws) fail(404, "workspace_not_found", "Workspace not found");
  const settings = await workspaceSettings(c.env, ws);
  if (!settings) fail(404, "workspace_not_found", "Workspace not found");
  return { ws, settings };
}

/**
 * Answers the IVR map for `phone`, with the disclosure tier in the map and in headers, spoken
 * in `language` when Baton speaks it (else the workspace's `ivr.language`, and the map says so).
 */
async function answer(
  c: Context<AppEnv>,
  { ws, settings }: Awaited<ReturnType<typeof settingsFor>>,
  phone: string,
  evidence: RequestEvidence,
  language: string | undefined,
) {
  const caller = { type: "phone" as const, value: phone || "anonymous" };
  const out = await ivrAnswer(c.env, ws, settings, caller, evidence, "fallback", language);
  return c.json(out.map, 200, disclosureHeaders(out.disclosure));
}

const AssertionParam = z.string().max(ASSERTION_MAX_CHARS);

/**
 * The caller's language, a BCP-47 tag ("es-MX"). An empty value is no preference; a tag of a
 * language Baton does not speak falls back to the workspace's (not an error); only an
 * oversized value is refused.
 */
export const LanguageParam = z.string().trim().max(64);

/** `?language=` on any lookup, validated like the platform's own parameters. */
const LanguageQuery = z.looseObject({ language: LanguageParam.optional() });
const queryLanguage = (c: Context<AppEnv>): string | undefined =>
  query(c, LanguageQuery).language || undefined;

/** Amazon Connect's Lambda event, as the forwarding Lambda in docs/ivr.md passes it on. */
export const ConnectEvent = z.object({
  Name: z.string().optional(),
  Details: z.object({
    ContactData: z.object({
      CustomerEndpoint: z
        .object({ Address: z.string().max(120), Type: z.string().max(40).optional() })
        .nullable()
        .optional(),
      ContactId: z.string().max(200).optional(),
    }),
    Parameters: z
      .record(z.string(), z.string())
      .refine((p) => (p.language ?? "").length <= 64, {
        message: "language: at most 64 characters",
        path: ["language"],
      })
      .optional(),
  }),
});

/**
 * Connect passes no inbound STIR/SHAKEN attestation, so none is read from the event, whatever
 * its Parameters say. A flow that authenticated the caller passes the assertion it got from
 * Baton as the Lambda parameter `batonAssertion`, and the caller's language (say
 * `$.LanguageCode`, or what the caller chose) as `language`; `?language=` on the URL works too.
 */
ivrHooks.post("/connect", auth, async (c) => {
  const target = await settingsFor(c);
  const event = await jsonBody(c, ConnectEvent);
  const endpoint = event.Details.ContactData.CustomerEndpoint;
  const phone =
    endpoint && (endpoint.Type ?? "TELEPHONE_NUMBER") === "TELEPHONE_NUMBER"
      ? endpoint.Address
      : "";
  const assertion = event.Details.Parameters?.batonAssertion;
  const language = event.Details.Parameters?.language?.trim() || queryLanguage(c);
  return answer(
    c,
    target,
    phone,
    { assertion: assertion === "" ? undefined : assertion },
    language,
  );
});

/**
 * Genesys Cloud data action: the request template sends {"phone": "${input.phone}"}, plus
 * whatever attestation the flow has, the assertion of an authenticated caller and the
 * caller's `language` (`${Call.Language}`-style tags; also accepted as `?language=`).
 */
export const GenesysInput = z.strictObject({
  phone: z.string().max(120),
  attestation: z.enum(["A", "B", "C", "none"]).optional(),
  assertion: AssertionParam.optional(),
  language: LanguageParam.optional(),
});

ivrHooks.post("/genesys", auth, async (c) => {
  const target = await settingsFor(c);
  const input = await jsonBody(c, GenesysInput);
  return answer(
    c,
    target,
    input.phone,
    { attestation: input.attestation, assertion: input.assertion || undefined },
    input.language || queryLanguage(c),
  );
});

/**
 * Twilio Studio's HTTP Request widget: `?phone={{trigger.call.From}}` and, for calls,
 * `&stirVerstat={{trigger.call.StirVerstat}}`. Full attestation is TN-Validation-Passed-A;
 * an empty value (Studio's rendering of a missing parameter) is no attestation. `assertion`
 * carries a caller assertion after the flow authenticated the caller; `language` the
 * caller's language (a BCP-47 tag such as "es-MX").
 */
export const StudioQuery = z.strictObject({
  phone: z.string().max(120),
  stirVerstat: z.string().max(80).optional(),
  assertion: AssertionParam.optional(),
  language: LanguageParam.optional(),
});

ivrHooks.get("/studio", auth, async (c) => {
  const target = await settingsFor(c);
  const q = query(c, StudioQuery);
  const attestation = q.stirVerstat ? stirToAttestation(q.stirVerstat) : undefined;
  return answer(
    c,
    target,
    q.phone,
    { attestation, assertion: q.assertion || undefined },
    q.language || undefined,
  );
});
