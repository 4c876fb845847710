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
  JourneyId,
  LIMITS,
  ok,
  type Result,
  TwilioVoiceSettings,
  isSupportedRegion,
  type Disclosure,
  type WorkspaceSettings,
} from "@baton/core";
import { Hono, type Context } from "hono";
import { noteTwilioDelivery } from "../outreach/delivery";
import type { AppEnv } from "../env";
import { unwrap } from "../http/errors";
import { bodyBytes } from "../http/validate";
import { ingestEvent } from "./pipeline";
import { refuse, type IngestResult, type ProviderRefusal } from "./types";
import { workspaceSettings } from "../objects/workspace/settings";
import { WorkspaceIdPattern } from "../http/validate";
import { disclosureHeaders } from "../context/disclosure";
import {
  greetingMayReveal,
  voiceDisclosure,
  voiceLanguage,
  withDisclosure,
} from "../context/voice";

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

/** The workspace's Twilio settings, or `webhook_not_found` (unknown workspace or not set up). */
async function twilioConfig(
  env: Env,
  ws: string,
): Promise<Result<{ settings: WorkspaceSettings; cfg: TwilioConfig }, ProviderRefusal>> {
  // One answer for "no such workspace" and "Twilio not set up": a caller learns neither.
  const notConfigured = refuse("webhook_not_found", "Twilio is not configured for this workspace");
  if (!WorkspaceIdPattern.test(ws)) return notConfigured;
  const settings = await workspaceSettings(env, ws);
  const cfg = settings?.providers.twilio;
  if (!settings || !cfg) return notConfigured;
  return ok({ settings, cfg });
}

function utf8(body: Uint8Array): Result<string, ProviderRefusal> {
  try {
    return ok(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body));
  } catch {
    return refuse("malformed_body", "The body is not UTF-8");
  }
}

/** A JSON body (the bodySHA256 variant) as form parameters: strings, numbers, booleans. */
function jsonParams(body: Uint8Array): Result<URLSearchParams, ProviderRefusal> {
  const text = utf8(body);
  if (!text.ok) return text;
  let value: unknown;
  try {
    value = JSON.parse(text.value);
  } catch {
    return refuse("malformed_body", "The body is not valid JSON");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return refuse("malformed_body", "The JSON body must be an object of parameters");
  }
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
      params.append(k, String(v));
    }
  }
  return ok(params);
}

/** What the verify step needs of the request. */
interface SignedRequest {
  url: string;
  signature: string | undefined;
  contentType: string;
  body: Uint8Array;
}

/**
 * Step 1, verify: the signature over the URL Twilio called and the parameters (or the body's
 * SHA-256 for JSON bodies). Missing is `missing_signature` (401), wrong `invalid_signature`
 * (403); nothing is stored either way.
 */
async function verify(
  req: SignedRequest,
  cfg: TwilioConfig,
): Promise<Result<URLSearchParams, ProviderRefusal>> {
  const { url, signature, body } = req;
  if (signature === undefined || signature.trim() === "") {
    return refuse("missing_signature", "X-Twilio-Signature is missing");
  }
  if (bodySha256Param(url) !== null) {
    if (!(await verifyTwilioBodySignature(cfg.authToken, signature, url, body))) {
      return refuse("invalid_signature", "The Twilio signature does not match");
    }
    return jsonParams(body);
  }
  if (!/^application\/x-www-form-urlencoded\b/i.test(req.contentType)) {
    return refuse("unsupported_media_type", "Send a form", "Twilio webhooks are form-encoded");
  }
  const text = utf8(body);
  if (!text.ok) return text;
  const params = new URLSearchParams(text.value);
  let valid = await verifyTwilioSignature(cfg.authToken, signature, url, params);
  // Twilio has been reported to add StirVerstat after computing the signature, so a
  // signature over the other parameters is accepted too. The attestation can then earn no
  // more than the neutral prompt tier (docs/ivr.md); every other parameter stays signed.
  if (!valid && params.has("StirVerstat")) {
    const signed = new URLSearchParams(params);
    signed.delete("StirVerstat");
    valid = await verifyTwilioSignature(cfg.authToken, signature, url, signed);
  }
  return valid ? ok(params) : refuse("invalid_signature", "The Twilio signature does not match");
}

/**
 * Step 2, parse: the adapter turns the parameters into an event (identifiers normalized with
 * the workspace's region), and the event schema enforces every bound before storage.
 */
function parse(
  parser: Parser,
  form: TwilioForm,
  settings: WorkspaceSettings,
): Result<TwilioEvent, ProviderRefusal> {
  const region = settings.defaultRegion;
  const out = parser(form, isSupportedRegion(region) ? { defaultRegion: region } : {});
  if (!out.ok) {
    const first = out.error[0];
    return refuse(
      "invalid_webhook",
      "The Twilio request is missing or has malformed fields",
      first ? `${first.path}: ${first.message}` : undefined,
      out.error,
    );
  }
  const checked = EventInput.safeParse(out.value.event);
  if (!checked.success) {
    const errors = checked.error.issues.slice(0, 20).map((i) => ({
      path: i.path.map(String).join(".") || "(event)",
      message: i.message,
    }));
    return refuse("invalid_webhook", "The Twilio request cannot be stored", undefined, errors);
  }
  return ok({ ...out.value, event: checked.data });
}

function twiml(c: Context<AppEnv>, xml: string): Response {
  return c.body(xml, 200, { "content-type": "text/xml; charset=utf-8" });
}

/** What `prepare` may use to amend the parsed event before it is stored. */
type Prepare = (
  parsed: TwilioEvent,
  at: { ws: string; settings: WorkspaceSettings; form: URLSearchParams },
) => Promise<TwilioEvent>;

/** What the verify and parse steps made of one request. */
interface Received {
  ws: string;
  settings: WorkspaceSettings;
  cfg: TwilioConfig;
  form: URLSearchParams;
  event: TwilioEvent;
}

/** The workspace's Twilio settings, then verify, then parse: the first refusal ends it. */
async function receive(
  c: Context<AppEnv>,
  pick: (form: URLSearchParams) => Parser,
): Promise<Result<Received, ProviderRefusal>> {
  const ws = c.req.param("workspace") ?? "";
  const config = await twilioConfig(c.env, ws);
  if (!config.ok) return config;
  const { settings, cfg } = config.value;
  const signed = {
    url: signedUrl(c.req.url, settings.publicBaseUrl),
    signature: c.req.header("x-twilio-signature"),
    contentType: c.req.header("content-type") ?? "",
    // At most LIMITS.bodyBytes (413), streamed; a body that cannot be read is a 400.
    body: await bodyBytes(c, LIMITS.bodyBytes),
  };
  const form = await verify(signed, cfg);
  if (!form.ok) return form;
  const event = parse(pick(form.value), form.value, settings);
  if (!event.ok) return event;
  return ok({ ws, settings, cfg, form: form.value, event: event.value });
}

/**
 * The whole flow, top to bottom: settings (read once) → verify → parse → `prepare` (voice:
 * the disclosure tier) → ingest (normalize, redact, resolve, append) → TwiML. `pick` chooses
 * the parser once the verified parameters are known. Refusals become problems here, at the edge.
 */
async function handle(
  c: Context<AppEnv>,
  pick: (form: URLSearchParams) => Parser,
  reply: Reply,
  prepare?: Prepare,
): Promise<Response> {
  const received = await receive(c, pick);
  const { ws, settings, cfg, form, event: first } = unwrap(received);
  const twilioEvent = prepare ? await prepare(first, { ws, settings, form }) : first;
  const key = twilioEvent.event.idempotencyKey ?? `twilio:${twilioEvent.sid}`;
  // Fingerprint the provider id alone: a redelivery of one message is the same event even
  // if Twilio adds or reorders parameters, so it replays instead of failing as "reused".
  const idempotency = { key, fingerprint: await sha256Hex(key) };
  const options = { source: "twilio", settings };
  const res = await ingestEvent(c.env, ws, twilioEvent.event, idempotency, options);
  // A late retry of a message whose customer was erased: acknowledged, nothing stored.
  if (!res.ok && res.error.code === "customer_erased") return twiml(c, emptyTwiml());
  const result = unwrap(res);
  // Which journey the request went to (a redelivery replays to the same one): docs/channels/twilio.md.
  c.header(JOURNEY_HEADER, result.journeyId);
  return twiml(c, reply(cfg, twilioEvent, result));
}

const ack: Reply = () => emptyTwiml();

/** The response header naming the journey a Twilio request was stored on. */
export const JOURNEY_HEADER = "x-baton-journey-id";

/**
 * A status callback URL may name the message's journey (`?journeyId=jrn_…`, as
 * POST /v1/journeys/:id/messages answers it in `statusCallback`); the URL is signed by Twilio,
 * so the journey is the one the sender configured. Anything else there is a 400.
 */
const statusJourney =
  (c: Context<AppEnv>): Prepare =>
  async (p) => {
    const journeyId = c.req.query("journeyId");
    if (journeyId === undefined) return p;
    if (!JourneyId.safeParse(journeyId).success) {
      unwrap(refuse("invalid_webhook", "journeyId in the status URL is not a journey id"));
    }
    return { ...p, event: { ...p.event, journeyId } };
  };

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
twilio.post("/status", async (c) => {
  let verified: { ws: string; form: URLSearchParams } | null = null;
  const journeyOf = statusJourney(c);
  const res = await handle(
    c,
    (form) =>
      form.get("MessageSid") === null && form.get("CallSid") !== null
        ? parseTwilioCallStatus
        : parseTwilioMessageStatus,
    ack,
    (p, at) => {
      verified = { ws: at.ws, form: at.form };
      return journeyOf(p, at);
    },
  );
  // A message Baton sent itself (docs/outreach.md): the report updates its outreach row.
  // Only a callback URL Baton gave (it names the outreach row) costs the extra object call.
  const journeyId = res.headers.get(JOURNEY_HEADER);
  const outreachId = c.req.query("outreachId");
  const v = verified as { ws: string; form: URLSearchParams } | null;
  if (v && journeyId && outreachId && v.form.get("MessageSid") !== null) {
    await noteTwilioDelivery(c.env, v.ws, journeyId, v.form, outreachId);
  }
  return res;
});

/**
 * "A call comes in": record the call with its disclosure tier, greet, and route to the
 * journey's owner. The greeting names the owner or the reason only at a tier that allows
 * them (an `assertion` query parameter, from a flow that authenticated the caller, reaches
 * the personal tier); routing always uses the journey.
 */
twilio.post("/voice", (c) => {
  let disclosure: Disclosure = { tier: "routing", reason: "attestation_absent" };
  let language: string | undefined;
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
        language,
      });
    },
    async (p, at) => {
      // The greeting is the workspace's text: <Say> it in the workspace's language.
      language = voiceLanguage(at.settings);
      disclosure = await voiceDisclosure(c.env, at, p, c.req.query("assertion"));
      return withDisclosure(p, disclosure);
    },
  );
});

/** Call status callbacks (the number's "Call status changes" URL). */
twilio.post("/voice-status", (c) => handle(c, () => parseTwilioCallStatus, ack));
