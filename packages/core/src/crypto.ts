/** Lower-case hex of bytes. */
export function toHex(buf: ArrayBuffer | Uint8Array): string {
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Hex SHA-256 of a string. */
export async function sha256Hex(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** Compares two strings in time independent of where they differ. */
export function timingSafeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

const utf8 = new TextEncoder();

/** base64url without padding (RFC 4648 §5), as signed tokens carry it. */
export function toBase64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** Bytes of a base64url string; throws when it is not base64url. */
export function fromBase64Url(s: string): Uint8Array {
  return Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
}

/** One derived key per (secret, purpose) per isolate: importing costs more than verifying. */
const derivedKeys = new Map<string, Promise<CryptoKey>>();

/**
 * An HMAC-SHA256 key for one purpose, derived from a root secret (HMAC of the purpose under
 * the secret), so one provisioned secret serves several token kinds without one kind's
 * signature being valid as another's.
 */
export function derivedHmacKey(secret: string, purpose: string): Promise<CryptoKey> {
  const id = `${purpose}\u0000${secret}`;
  let k = derivedKeys.get(id);
  if (!k) {
    k = (async () => {
      const root = await crypto.subtle.importKey(
        "raw",
        utf8.encode(secret),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["sign"],
      );
      const derived = new Uint8Array(await crypto.subtle.sign("HMAC", root, utf8.encode(purpose)));
      return crypto.subtle.importKey("raw", derived, { name: "HMAC", hash: "SHA-256" }, false, [
        "sign",
        "verify",
      ]);
    })();
    // A rotated secret leaves old entries behind; a handful is plenty.
    if (derivedKeys.size >= 8) derivedKeys.clear();
    derivedKeys.set(id, k);
  }
  return k;
}

/** base64url HMAC-SHA256 of `data` under the purpose's derived key. */
export async function signWithDerivedKey(
  secret: string,
  purpose: string,
  data: string,
): Promise<string> {
  const key = await derivedHmacKey(secret, purpose);
  return toBase64Url(new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8.encode(data))));
}

/** True when `signature` (base64url) signs `data`; throws when it is not base64url. */
export async function verifyWithDerivedKey(
  secret: string,
  purpose: string,
  signature: string,
  data: string,
): Promise<boolean> {
  const key = await derivedHmacKey(secret, purpose);
  return crypto.subtle.verify("HMAC", key, fromBase64Url(signature), utf8.encode(data));
}

/**
 * The tombstone of a message (docs/privacy.md "Erasure"): a hash of its idempotency key (a
 * provider's message id such as `twilio:SM…`, an email's Message-ID, or an API caller's key).
 * An erasure leaves these, and nothing else, in the objects of the erased identifiers, so a
 * provider retrying an erased message stores nothing. The prefix keeps it distinct from the
 * idempotency fingerprints stored elsewhere.
 */
export async function tombstoneOf(idempotencyKey: string): Promise<string> {
  return (await sha256Hex(`baton-erased:${idempotencyKey}`)).slice(0, 32);
}
