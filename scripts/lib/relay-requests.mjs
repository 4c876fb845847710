// Requests to a running relay from Node, shared by scripts/demo.mjs and the end-to-end tests
// (test/e2e): the API with a key, and Twilio webhooks signed as Twilio signs them.
import { createHmac } from "node:crypto";
import { URLSearchParams } from "node:url";

/** Twilio's signature: the URL, then each parameter name+value sorted by name; HMAC-SHA1. */
export function twilioSignature(token, url, fields) {
  const data = Object.keys(fields)
    .sort()
    .reduce((acc, k) => acc + k + fields[k], url);
  return createHmac("sha1", token).update(data).digest("base64");
}

/**
 * One API call with the key `key`: a JSON body when `body` is given. Answers the status, the
 * headers and the body parsed as JSON ({ text } when it is not JSON, {} when empty).
 */
export async function callApi(base, key, method, path, body, headers = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed = {};
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = { text };
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/**
 * A Twilio webhook (`sms`, `voice`, `voice-status`, `status`) of `workspace`, posted to `base`
 * and signed with `token` for the address Twilio calls: `publicBase` (the workspace's
 * publicBaseUrl), `base` unless given. Answers the fetch Response.
 */
export function postTwilio({ base, publicBase = base, workspace, token, path, fields }) {
  const hook = `/hooks/${workspace}/twilio/${path}`;
  return fetch(`${base}${hook}`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-twilio-signature": twilioSignature(token, `${publicBase}${hook}`, fields),
    },
    body: new URLSearchParams(fields).toString(),
  });
}
