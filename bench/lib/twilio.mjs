// Pre-signed Twilio inbound SMS requests: every request wrk sends carries its own valid
// X-Twilio-Signature (base64 HMAC-SHA1 of the URL followed by the sorted parameters) and a
// distinct MessageSid, so none is a replay.
import { createHmac, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { URLSearchParams } from "node:url";

export function twilioSignature(authToken, url, params) {
  let data = url;
  for (const name of Object.keys(params).sort()) data += name + params[name];
  return createHmac("sha1", authToken).update(data).digest("base64");
}

const hex = (bytes) => randomBytes(bytes).toString("hex");
const ACCOUNT = `AC${hex(16)}`;

/** The phone numbers of the SMS senders (a fixed pool, so the run measures steady state). */
export function senderPhones(count) {
  return Array.from({ length: count }, (_, i) => `+1415300${String(i).padStart(4, "0")}`);
}

/** One inbound SMS as Twilio posts it. */
export function smsParams(from, text) {
  return {
    ToCountry: "US",
    SmsMessageSid: "",
    NumMedia: "0",
    MessageSid: `SM${hex(16)}`,
    AccountSid: ACCOUNT,
    From: from,
    To: "+14155550000",
    Body: text,
    NumSegments: "1",
    SmsStatus: "received",
    ApiVersion: "2010-04-01",
  };
}

/**
 * Writes `count` signed requests, one per line: "<signature>\t<form body>", senders taken in
 * turn from `phones`. `signedUrl` is the URL the relay verifies against (publicBaseUrl + path).
 */
export function writeSignedSms(file, { count, phones, authToken, signedUrl, label }) {
  const lines = [];
  for (let i = 0; i < count; i++) {
    const params = smsParams(phones[i % phones.length], `bench ${label} sms ${i}`);
    params.SmsMessageSid = params.MessageSid;
    const sig = twilioSignature(authToken, signedUrl, params);
    lines.push(`${sig}\t${new URLSearchParams(params).toString()}`);
  }
  writeFileSync(file, `${lines.join("\n")}\n`);
  return count;
}
