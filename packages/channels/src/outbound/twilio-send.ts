/**
 * Sending an SMS (or WhatsApp message) through Twilio's Messages API:
 * `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded, HTTP Basic auth
 * with the Account SID and auth token. Twilio answers 201 with the message resource (`sid`,
 * `status`: usually "queued", or "accepted" behind a Messaging Service) or an error object
 * `{ code, message, status, more_info }`.
 *
 * How Twilio's error codes are classified (anything else: a 4xx is "rejected", not retried):
 *   21211 invalid 'To' number .................................. invalid_recipient
 *   21614 'To' is not a mobile number (cannot receive SMS) ...... undeliverable
 *   30003 unreachable handset, 30005 unknown destination,
 *   30006 landline or unreachable carrier ....................... undeliverable
 *   21610 recipient replied STOP (unsubscribed) ................. opted_out
 *   20003 / HTTP 401 authentication failed ...................... auth
 *   HTTP 429 (20429), 5xx, timeout, network error ............... retryable
 */
import {
  baseUrl,
  basicAuth,
  callProvider,
  excerpt,
  failure,
  isRetryableStatus,
  jsonObject,
  str,
  unreadableSuccess,
  type FetchLike,
  type PermanentReason,
  type SendResult,
} from "./send-common";

export const TWILIO_API_BASE = "https://api.twilio.com";

export interface TwilioSendConfig {
  accountSid: string;
  authToken: string;
  /** Another base URL (a regional edge, or a stand-in in tests); default api.twilio.com. */
  apiBaseUrl?: string;
  /** Default 10 s. */
  timeoutMs?: number;
}

export interface TwilioSms {
  /** E.164 number (or `whatsapp:+…`) the account owns. */
  from: string;
  /** E.164 number (or `whatsapp:+…`). */
  to: string;
  body: string;
  /** Where Twilio posts the message's status callbacks. */
  statusCallback?: string;
}

/** Twilio error codes that say the recipient can never get this message. */
export const TWILIO_PERMANENT_CODES: Readonly<Record<string, PermanentReason>> = {
  "21211": "invalid_recipient",
  "21614": "undeliverable",
  "30003": "undeliverable",
  "30005": "undeliverable",
  "30006": "undeliverable",
  "21610": "opted_out",
  "20003": "auth",
};

/** Sends one message. Never throws: every outcome is a SendResult. */
export async function sendTwilioSms(
  cfg: TwilioSendConfig,
  msg: TwilioSms,
  f: FetchLike = fetch,
): Promise<SendResult> {
  const form = new URLSearchParams({ To: msg.to, From: msg.from, Body: msg.body });
  if (msg.statusCallback) form.set("StatusCallback", msg.statusCallback);
  const url =
    `${baseUrl(cfg.apiBaseUrl, TWILIO_API_BASE)}/2010-04-01/Accounts/` +
    `${encodeURIComponent(cfg.accountSid)}/Messages.json`;
  const answer = await callProvider(
    f,
    url,
    {
      method: "POST",
      headers: {
        authorization: basicAuth(cfg.accountSid, cfg.authToken),
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: form.toString(),
    },
    cfg.timeoutMs,
  );
  if (answer.kind === "failed") return answer.result;
  const { status, text } = answer;
  const json = jsonObject(text);
  if (status >= 200 && status < 300) {
    const sid = str(json?.sid);
    if (!sid) return unreadableSuccess(status, "a message sid");
    return { ok: true, providerId: sid, providerStatus: str(json?.status) ?? "queued" };
  }
  return twilioFailure(status, json, text);
}

function twilioFailure(
  status: number,
  json: Record<string, unknown> | null,
  text: string,
): SendResult {
  const code = str(json?.code);
  const message = str(json?.message) ?? (excerpt(text) || `HTTP ${status}`);
  const known = code === null ? undefined : TWILIO_PERMANENT_CODES[code];
  if (known) return failure(false, known, status, code, message);
  if (status === 401) return failure(false, "auth", status, code, message);
  if (isRetryableStatus(status)) return failure(true, null, status, code, message);
  return failure(false, "rejected", status, code, message);
}
