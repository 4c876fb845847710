/**
 * Twilio webhook parameters → Baton's canonical EventInput. Pure: the route verifies the
 * signature first, then calls one of these, then ingests the result.
 *
 * Field names are the ones Twilio documents for Messaging webhooks, message status
 * callbacks, Voice webhooks and call status callbacks. Twilio adds parameters without
 * notice, so unknown ones are ignored (they are still covered by the signature).
 */
import type { EventInput, Result } from "@baton/core";
import {
  ACCOUNT_SID,
  CALL_SID,
  CALL_STATUSES,
  MAX_BODY_CHARS,
  MAX_MEDIA,
  MAX_URL_CHARS,
  MESSAGE_SID,
  Reader,
  STIR_FULL_ATTESTATION,
  WORD,
  party,
  type TwilioFieldError,
  type TwilioForm,
  type TwilioParseOptions,
} from "./fields";

export type { TwilioFieldError, TwilioForm, TwilioParseOptions } from "./fields";
export { STIR_FULL_ATTESTATION, isTwilioSid } from "./fields";

/** The parsed event, plus what the TwiML reply needs to know about the caller. */
export interface TwilioEvent {
  event: EventInput;
  /** The MessageSid or CallSid. */
  sid: string;
  /** The customer's address was withheld or unrecognisable: it matches nobody. */
  anonymous: boolean;
  /** Voice only: the carrier attested the caller id (STIR/SHAKEN level A). */
  callerVerified: boolean;
}

export type TwilioParseResult = Result<TwilioEvent, TwilioFieldError[]>;

function media(r: Reader): { url: string; contentType: string | null }[] {
  const raw = r.optional("NumMedia", /^\d{1,2}$/) ?? "0";
  const count = Number(raw);
  if (count > MAX_MEDIA) {
    r.errors.push({ path: "NumMedia", message: `at most ${MAX_MEDIA}` });
    return [];
  }
  const out: { url: string; contentType: string | null }[] = [];
  for (let i = 0; i < count; i++) {
    const url = r.required(`MediaUrl${i}`, /^https:\/\/\S+$/, MAX_URL_CHARS);
    const type = r.optional(`MediaContentType${i}`, /^[\w.+-]+\/[\w.+-]+$/, 200);
    // Kept as references only: the bytes stay with Twilio (fetching needs account credentials).
    if (url !== "") out.push({ url, contentType: type });
  }
  return out;
}

/**
 * An inbound SMS, MMS or WhatsApp message (the number's "A message comes in" webhook):
 * one `message` event from the customer, de-duplicated on the MessageSid.
 */
export function parseTwilioMessage(
  form: TwilioForm,
  opts: TwilioParseOptions = {},
): TwilioParseResult {
  const r = new Reader(form);
  const sid = r.required("MessageSid", MESSAGE_SID);
  const from = r.required("From", undefined, 320);
  const to = r.optional("To", undefined, 320);
  const body = r.optional("Body", undefined, MAX_BODY_CHARS) ?? "";
  const account = r.optional("AccountSid", ACCOUNT_SID);
  const items = media(r);
  return r.done(() => {
    const who = party(from, `twilio-sms:${sid}`, opts);
    const event: EventInput = {
      identifiers: who.identifiers,
      channel: who.whatsapp ? "whatsapp" : "sms",
      direction: "inbound",
      actor: { kind: "customer" },
      type: "message",
      data: {
        provider: "twilio",
        messageSid: sid,
        accountSid: account,
        to,
        media: items,
        ...(who.anonymous ? { anonymousSender: true } : {}),
      },
      idempotencyKey: `twilio:${sid}`,
    };
    if (body !== "") event.text = body;
    return { event, sid, anonymous: who.anonymous, callerVerified: false };
  });
}

/**
 * A message status callback (queued, sent, delivered, undelivered, failed, read…) for a
 * message the company sent: a `custom` event on the message's journey (found by its
 * `twilio-sms:<MessageSid>` thread reference, else by the recipient). Each status of a message
 * is stored once.
 */
export function parseTwilioMessageStatus(
  form: TwilioForm,
  opts: TwilioParseOptions = {},
): TwilioParseResult {
  const r = new Reader(form);
  const sid = r.required("MessageSid", MESSAGE_SID);
  const status = r.required("MessageStatus", WORD);
  const to = r.required("To", undefined, 320);
  const errorCode = r.optional("ErrorCode", /^\d{1,10}$/);
  return r.done(() => {
    const who = party(to, `twilio-sms:${sid}`, opts);
    return {
      event: {
        identifiers: who.identifiers,
        channel: who.whatsapp ? "whatsapp" : "sms",
        direction: "outbound",
        actor: { kind: "system", id: "twilio" },
        type: "custom",
        data: { messageSid: sid, status, errorCode },
        // The message's journey, when the sender recorded it (POST /v1/journeys/:id/messages
        // with providerMessageId) or an earlier status of it claimed the reference.
        threadRefs: [`twilio-sms:${sid}`],
        idempotencyKey: `twilio:${sid}:${status}`,
      },
      sid,
      anonymous: who.anonymous,
      callerVerified: false,
    };
  });
}

interface CallFields {
  sid: string;
  status: string;
  outbound: boolean;
  stir: string | null;
  who: ReturnType<typeof party>;
}

function readCall(r: Reader, opts: TwilioParseOptions): () => CallFields {
  const sid = r.required("CallSid", CALL_SID);
  const stir = r.optional("StirVerstat", WORD);
  const status = r.required("CallStatus");
  if (status !== "" && !CALL_STATUSES.has(status)) {
    r.errors.push({ path: "CallStatus", message: "not a Twilio call status" });
  }
  const direction = r.optional("Direction", WORD) ?? "inbound";
  const from = r.required("From", undefined, 320);
  const to = r.optional("To", undefined, 320) ?? "";
  // On calls the company places (outbound-api, outbound-dial) the customer is the callee.
  const outbound = direction.startsWith("outbound");
  // Only an inbound caller's id can be spoofed; a callee is the number the company dialled.
  const verified = outbound || stir === STIR_FULL_ATTESTATION;
  return () => ({
    sid,
    status,
    outbound,
    stir,
    who: party(
      outbound ? to : from,
      `twilio-call:${sid}`,
      opts,
      verified ? "verified" : "asserted",
    ),
  });
}

/**
 * A call reaching the number's Voice webhook ("A call comes in"): a `call` event with
 * phase "started", threaded by the CallSid so every later callback of this call finds the
 * same journey. `callerVerified` is true only for STIR/SHAKEN full attestation.
 */
export function parseTwilioCall(
  form: TwilioForm,
  opts: TwilioParseOptions = {},
): TwilioParseResult {
  const r = new Reader(form);
  const call = readCall(r, opts);
  return r.done(() => {
    const { sid, outbound, stir, who } = call();
    // A callee is the number the company dialled; an inbound caller id needs attestation.
    const callerVerified = !who.anonymous && (outbound || stir === STIR_FULL_ATTESTATION);
    return {
      event: {
        identifiers: who.identifiers,
        channel: "voice",
        direction: outbound ? "outbound" : "inbound",
        actor: outbound ? { kind: "system", id: "twilio" } : { kind: "customer" },
        type: "call",
        data: {
          phase: "started",
          callSid: sid,
          stirVerstat: stir,
          ...(who.anonymous ? { anonymousCaller: true } : {}),
        },
        threadRefs: [`twilio-call:${sid}`],
        idempotencyKey: `twilio:${sid}:started`,
      },
      sid,
      anonymous: who.anonymous,
      callerVerified,
    };
  });
}

/**
 * A call status callback (ringing, in-progress, completed, busy, no-answer…): a `call` event
 * whose phase is the CallStatus, routed by the call's thread reference (the identifiers are
 * the fallback when the call never reached the Voice webhook). Recorded as the system, so it
 * does not count as another customer contact.
 */
export function parseTwilioCallStatus(
  form: TwilioForm,
  opts: TwilioParseOptions = {},
): TwilioParseResult {
  const r = new Reader(form);
  const call = readCall(r, opts);
  const duration = r.optional("CallDuration", /^\d{1,7}$/);
  return r.done(() => {
    const { sid, status, outbound, who } = call();
    return {
      event: {
        identifiers: who.identifiers,
        channel: "voice",
        direction: outbound ? "outbound" : "inbound",
        actor: { kind: "system", id: "twilio" },
        type: "call",
        data: {
          phase: status,
          callSid: sid,
          durationSeconds: duration === null ? null : Number(duration),
        },
        threadRefs: [`twilio-call:${sid}`],
        idempotencyKey: `twilio:${sid}:${status}`,
      },
      sid,
      anonymous: who.anonymous,
      callerVerified: false,
    };
  });
}
