import {
  bodySha256Param,
  emptyTwiml,
  parseTwilioCall,
  parseTwilioCallStatus,
  parseTwilioMessage,
  parseTwilioMessageStatus,
  sha256Hex,
  smsAckTwiml,
  verifyTwilioBodySignature,
  verifyTwilioSignature,
  voiceTwiml,
  type TwilioEvent,
  type TwilioForm,
  type TwilioParseOptions,
  type TwilioParseResult,
} from "@baton/channels";
import {
  EventInput,
  LIMITS,
  TwilioVoiceSettings,
  isSupportedRegion,
  type Disclosure,
  type WorkspaceSettings,
} from "@baton/core";
import { Hono, type Context } from "hono";
import type { AppEnv } from "../env";
import { unwrap } from "../http/errors";
import { fail } from "../http/problem";
import { bodyBytes } from "../http/validate";
import { ingestEvent, type IngestResult } from "../relay";
import { workspaceSettings } from "../settings";
import { WorkspaceIdPattern } from "./admin";
import { disclosureHeaders } from "../context/disclosure";
import { greetingMayReveal, voiceDisclosure, withDisclosure } from "../context/voice";

/**
 * Twilio webhooks: POST /hooks/:workspace/twilio/{sms,status,voice,voice-status}.
 * settings → signature (401 missing, 403 bad; nothing stored either way) → parse (400) →
 * ingest (one journey write, de-duplicated on the provider id) → TwiML. Object or D1 outages
 * throw to app.onError's 503, which Twilio treats as a failed delivery.
 */
export const twilio = new Hono<AppEnv>();

type TwilioConfig = NonNullable<WorkspaceSettings["providers"]["twilio"]>;
type Parser = (form: TwilioForm, opts: TwilioParseOptions) => TwilioParseResult;
type Reply = (cfg: TwilioConfig, parsed: TwilioEvent, result: IngestResult) => string;

const DEFAULT_VOICE = TwilioVoiceSettings.parse({});

/** Everything after the authority, as sent: re-serializing through URL would change it. */
function pathAndQuery(url: string): string {
  return (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^#]*)/i.exec(url)?.[1] ?? "/") || "/";
}

/**
 * The URL Twilio signed: the configured public base URL plus this request's path and query
 * when the Worker sits behind a proxy or a custom domain that rewrites the host, else the
 * URL the request arrived with.
 */
function signedUrl(requestUrl: string, publicBaseUrl: string | undefined): string {
  return publicBaseUrl ? publicBaseUrl + pathAndQuery(requestUrl) : requestUrl;
}

async function twilioConfig(c: Context<AppEnv>): Promise<{
  ws: string;
  settings: WorkspaceSettings;
  cfg: TwilioConfig;
}> {
  const ws = c.req.param("workspace") ?? "";
  // One answer for "no such workspace" and "Twilio not set up": a caller learns neither.
  const notConfigured = () =>
    fail(404, "webhook_not_found", "Twilio is not configured for this workspace");
  if (!WorkspaceIdPattern.test(ws)) return notConfigured();
  const settings = await workspaceSettings(c.env, ws);
  const cfg = settings?.providers.twilio;
  if (!settings || !cfg) return notConfigured();
  return { ws, settings, cfg };
}

/** At most LIMITS.bodyBytes (413), streamed; a body that cannot be read is a 400. */
const readBody = (c: Context<AppEnv>): Promise<Uint8Array> => bodyBytes(c, LIMITS.bodyBytes);

function utf8(body: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body);
  } catch {
    return fail(400, "malformed_body", "The body is not UTF-8");
  }
}

/** A JSON body (the bodySHA256 variant) as form parameters: strings, numbers, booleans. */
function jsonParams(text: string): URLSearchParams {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail(400, "malformed_body", "The body is not valid JSON");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return fail(400, "malformed_body", "The JSON body must be an object of parameters");
  }
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
      params.append(k, String(v));
    }
  }
  return params;
}

/** Verifies the signature and returns the parameters, or throws 401/403/415. */
async function verified(c: Context<AppEnv>, settings: WorkspaceSettings, cfg: TwilioConfig) {
  const signature = c.req.header("x-twilio-signature");
  if (signature === undefined || signature.trim() === "") {
    fail(401, "missing_signature", "X-Twilio-Signature is missing");
  }
  const url = signedUrl(c.req.url, settings.publicBaseUrl);
  const body = await readBody(c);
  let params: URLSearchParams;
  let valid: boolean;
  if (bodySha256Param(url) !== null) {
    valid = await verifyTwilioBodySignature(cfg.authToken, signature, url, body);
    params = valid ? jsonParams(utf8(body)) : new URLSearchParams();
  } else {
    const type = c.req.header("content-type") ?? "";
    if (!/^application\/x-www-form-urlencoded\b/i.test(type)) {
      fail(415, "unsupported_media_type", "Send a form", "Twilio webhooks are form-encoded");
    }
    params = new URLSearchParams(utf8(body));
    valid = await verifyTwilioSignature(cfg.authToken, signature, url, params);
    // Twilio has been reported to add StirVerstat after computing the signature, so a
    // signature over the other parameters is accepted too. The attestation can then earn no
    // more than the neutral prompt tier (docs/ivr.md); every other parameter stays signed.
    if (!valid && params.has("StirVerstat")) {
      const signed = new URLSearchParams(params);
      signed.delete("StirVerstat");
      valid = await verifyTwilioSignature(cfg.authToken, signature, url, signed);
    }
  }
  if (!valid) fail(403, "invalid_signature", "The Twilio signature does not match");
  return params;
}

function parsed(parse: Parser, form: TwilioForm, settings: WorkspaceSettings): TwilioEvent {
  const region = settings.defaultRegion;
  const out = parse(form, isSupportedRegion(region) ? { defaultRegion: region } : {});
  if (!out.ok) {
    const first = out.error[0];
    return fail(
      400,
      "invalid_webhook",
      "The Twilio request is missing or has malformed fields",
      first ? `${first.path}: ${first.message}` : undefined,
      { errors: out.error },
    );
  }
  // The adapter builds the event; the schema still enforces every bound before storage.
  const checked = EventInput.safeParse(out.value.event);
  if (!checked.success) {
    const errors = checked.error.issues.slice(0, 20).map((i) => ({
      path: i.path.map(String).join(".") || "(event)",
      message: i.message,
    }));
    return fail(400, "invalid_webhook", "The Twilio request cannot be stored", undefined, {
      errors,
    });
  }
  return { ...out.value, event: checked.data };
}

function twiml(c: Context<AppEnv>, xml: string): Response {
  return c.body(xml, 200, { "content-type": "text/xml; charset=utf-8" });
}

/** What `prepare` may use to amend the parsed event before it is stored. */
type Prepare = (
  parsed: TwilioEvent,
  at: { ws: string; settings: WorkspaceSettings; form: URLSearchParams },
) => Promise<TwilioEvent>;

/**
 * The whole flow; `pick` chooses the parser once the verified parameters are known, and
 * `prepare` (voice) amends the event before the write.
 */
async function handle(
  c: Context<AppEnv>,
  pick: (form: URLSearchParams) => Parser,
  reply: Reply,
  prepare?: Prepare,
): Promise<Response> {
  const { ws, settings, cfg } = await twilioConfig(c);
  const form = await verified(c, settings, cfg);
  const first = parsed(pick(form), form, settings);
  const twilioEvent = prepare ? await prepare(first, { ws, settings, form }) : first;
  const key = twilioEvent.event.idempotencyKey ?? `twilio:${twilioEvent.sid}`;
  // Fingerprint the provider id alone: a redelivery of one message is the same event even
  // if Twilio adds or reorders parameters, so it replays instead of failing as "reused".
  const idempotency = { key, fingerprint: await sha256Hex(key) };
  const result = unwrap(
    await ingestEvent(c.env, ws, twilioEvent.event, idempotency, { source: "twilio" }),
  );
  return twiml(c, reply(cfg, twilioEvent, result));
}

const ack: Reply = () => emptyTwiml();

/** "A message comes in": store the message, reply with the configured acknowledgement. */
twilio.post("/sms", (c) =>
  handle(
    c,
    () => parseTwilioMessage,
    (cfg, _p, result) => smsAckTwiml(cfg.smsAck, result.context),
  ),
);

/**
 * Status callbacks. Message callbacks carry a MessageSid; call status callbacks sent here
 * (one status URL for both is a common console setup) are recognised by their CallSid.
 */
twilio.post("/status", (c) =>
  handle(
    c,
    (form) =>
      form.get("MessageSid") === null && form.get("CallSid") !== null
        ? parseTwilioCallStatus
        : parseTwilioMessageStatus,
    ack,
  ),
);

/**
 * "A call comes in": record the call with its disclosure tier, greet, and route to the
 * journey's owner. The greeting names the owner or the reason only at a tier that allows
 * them (an `assertion` query parameter, from a flow that authenticated the caller, reaches
 * the personal tier); routing always uses the journey.
 */
twilio.post("/voice", (c) => {
  let disclosure: Disclosure = { tier: "routing", reason: "attestation_absent" };
  return handle(
    c,
    () => parseTwilioCall,
    (cfg, p, result) => {
      for (const [k, v] of Object.entries(disclosureHeaders(disclosure))) c.header(k, v);
      const voice = cfg.voice ?? DEFAULT_VOICE;
      return voiceTwiml({
        settings: voice,
        context: result.context,
        callSid: p.sid,
        callerVerified: disclosure.tier === "personal",
        reveal: greetingMayReveal(voice.greeting, disclosure),
      });
    },
    async (p, at) => {
      disclosure = await voiceDisclosure(c.env, at, p, c.req.query("assertion"));
      return withDisclosure(p, disclosure);
    },
  );
});

/** Call status callbacks (the number's "Call status changes" URL). */
twilio.post("/voice-status", (c) => handle(c, () => parseTwilioCallStatus, ack));
