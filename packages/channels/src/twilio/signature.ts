/**
 * Twilio's request signature (`X-Twilio-Signature`): base64 HMAC-SHA1, keyed with the
 * account's auth token, over the full URL Twilio requested followed by every POST parameter
 * name and value, parameters sorted by name. For JSON bodies the URL carries a `bodySHA256`
 * query parameter, the signature covers the URL only, and the body must hash to that value.
 *
 * Which URL forms to try follows Twilio's own helper libraries (twilio-node
 * `webhooks.ts` validateRequest / validateRequestWithBody, twilio-python
 * `RequestValidator`): the URL with and without a port, because Twilio's signing is
 * inconsistent about it (HTTPS TwiML requests were signed without the port, callbacks with
 * it), and the query's apostrophes both as written and percent-encoded, because Twilio signs
 * `'` unescaped while WHATWG URL parsers (workerd's `request.url`) rewrite it to `%27`
 * (twilio-node issues #1059, #1183).
 *
 * WebCrypto only: no bindings, no Node built-ins.
 */

/** POST parameters: pairs in body order (URLSearchParams works) or a name → value(s) record. */
export type TwilioParams =
  Iterable<readonly [string, string]> | Readonly<Record<string, string | readonly string[]>>;

const encoder = new TextEncoder();

function isIterable(p: TwilioParams): p is Iterable<readonly [string, string]> {
  return typeof (p as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function";
}

/**
 * The string Twilio signs: the URL, then each parameter name followed by its value, names in
 * code-unit order. A repeated name contributes each distinct value, values sorted — exactly
 * what twilio-node (`Array.from(new Set(values)).sort()`) and twilio-python
 * (`sorted(set(values))`) compute.
 */
export function twilioSigningString(url: string, params: TwilioParams): string {
  const byName = new Map<string, Set<string>>();
  const entries: Iterable<readonly [string, string | readonly string[]]> = isIterable(params)
    ? params
    : Object.entries(params);
  for (const [name, value] of entries) {
    const set = byName.get(name) ?? new Set<string>();
    for (const v of typeof value === "string" ? [value] : value) set.add(v);
    byName.set(name, set);
  }
  let out = url;
  for (const name of [...byName.keys()].sort(byCodeUnit)) {
    for (const value of [...(byName.get(name) ?? [])].sort(byCodeUnit)) out += name + value;
  }
  return out;
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function hmacKey(authToken: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    encoder.encode(authToken),
    { name: "HMAC", hash: "SHA-1" },
    false,
    ["sign"],
  );
}

async function sign(key: CryptoKey, data: string): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(data)));
  let binary = "";
  for (const byte of mac) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The base64 HMAC-SHA1 signature Twilio sends for `url` and `params` (URL used as given). */
export async function twilioSignature(
  authToken: string,
  url: string,
  params: TwilioParams,
): Promise<string> {
  return sign(await hmacKey(authToken), twilioSigningString(url, params));
}

/**
 * Compares two strings without an early exit, so the time taken does not reveal how many
 * leading characters of a forged signature were right. Lengths are public (base64 of 20 bytes).
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  if (x.length !== y.length) return false;
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

const URL_PARTS = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^#]*)/i;

/**
 * Every spelling of `url` Twilio may have signed. Built by string surgery, never by
 * re-serializing through `new URL()`, which would itself drop default ports and escape `'`.
 * - apostrophes: as given, `%27` decoded to `'`, and `'` encoded to `%27`;
 * - port: as given, any explicit port removed (twilio-node `removePort`), and the scheme's
 *   default port added when none is given (`addPort`: :443 for https, :80 for http).
 * - credentials: a `user:password@` is tried as given and dropped (Twilio's docs say it is
 *   dropped before signing).
 * The fragment is dropped: it is never sent, so it cannot be signed.
 */
export function twilioUrlCandidates(url: string): string[] {
  const m = URL_PARTS.exec(url);
  if (!m) return [url];
  const [, scheme = "", authority = "", rest = ""] = m;
  const quoteForms = [rest, rest.replace(/%27/gi, "'"), rest.replace(/'/g, "%27")];
  const at = authority.lastIndexOf("@");
  const hostPort = authority.slice(at + 1);
  // Twilio drops any user:password@ before signing; try the URL with it too, as configured.
  const userinfos = at >= 0 ? [authority.slice(0, at + 1), ""] : [""];
  // Bracketed IPv6 hosts contain colons; the port is whatever follows the closing bracket.
  const pm = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostPort);
  const host = pm?.[1] ?? hostPort;
  const port = pm?.[2];
  const defaultPort = scheme.toLowerCase() === "https" ? "443" : "80";
  const authorities = userinfos.flatMap((u) => [
    `${u}${hostPort}`,
    `${u}${host}`,
    port === undefined ? `${u}${host}:${defaultPort}` : `${u}${hostPort}`,
  ]);
  const out = new Set<string>();
  for (const a of authorities) for (const r of quoteForms) out.add(`${scheme}://${a}${r}`);
  return [...out];
}

/**
 * True when `signature` is Twilio's signature of `url` (in any form Twilio is known to sign,
 * see `twilioUrlCandidates`) and `params`. Use for form-encoded webhooks; for a URL with a
 * `bodySHA256` parameter use `verifyTwilioBodySignature`.
 */
export async function verifyTwilioSignature(
  authToken: string,
  signature: string,
  url: string,
  params: TwilioParams,
): Promise<boolean> {
  if (signature === "") return false;
  const key = await hmacKey(authToken);
  let valid = false;
  for (const candidate of twilioUrlCandidates(url)) {
    const expected = await sign(key, twilioSigningString(candidate, params));
    // No early return: every candidate costs the same whichever one matches.
    if (constantTimeEqual(expected, signature)) valid = true;
  }
  return valid;
}

/** Lower-case hex SHA-256 of a UTF-8 string or raw bytes. */
export async function sha256Hex(body: string | Uint8Array): Promise<string> {
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The `bodySHA256` query parameter of `url`, or null when the URL has none. */
export function bodySha256Param(url: string): string | null {
  const q = url.indexOf("?");
  if (q < 0) return null;
  const query = url.slice(q + 1).split("#")[0] ?? "";
  return new URLSearchParams(query).get("bodySHA256");
}

/**
 * The JSON-body variant (validateRequestWithBody): the signature covers the URL alone (no
 * parameters) and the hex SHA-256 of the raw body must equal the URL's `bodySHA256`.
 * Both checks always run, so a tampered body and a forged signature cost the same.
 */
export async function verifyTwilioBodySignature(
  authToken: string,
  signature: string,
  url: string,
  rawBody: string | Uint8Array,
): Promise<boolean> {
  const declared = bodySha256Param(url);
  if (declared === null) return false;
  const urlOk = await verifyTwilioSignature(authToken, signature, url, []);
  const bodyOk = constantTimeEqual(await sha256Hex(rawBody), declared.toLowerCase());
  return urlOk && bodyOk;
}
