/**
 * The settings keyring (docs/privacy.md "Secrets"): AES-256-GCM keys with ids, read from the
 * Worker secret SETTINGS_KEYS as `<id>:<base64 key>[,<id>:<base64 key>…]`. The first key is
 * current: every value is sealed with it. The others only open values sealed before a
 * rotation, until the objects have re-sealed them.
 *
 * A sealed value reads `enc:v1:<key id>:<iv>:<ciphertext>` (base64url, the 16-byte GCM tag at
 * the end of the ciphertext). The caller binds each value to where it is stored with the
 * additional data (`aad`), so a ciphertext copied to another field or workspace does not open.
 *
 * Self-contained (WebCrypto only): it runs in workerd and, for measurements, in Node.
 */

export interface Keyring {
  /** The key new values are sealed with: the first in SETTINGS_KEYS. */
  readonly current: string;
  /** Every key id, current first. */
  readonly ids: readonly string[];
  readonly keys: ReadonlyMap<string, CryptoKey>;
}

/** Why SETTINGS_KEYS cannot be used (never includes key material). */
export type KeyringProblem =
  { code: "settings_keys_not_configured" } | { code: "settings_keys_invalid"; reason: string };

export type KeyringResult = { ok: true; ring: Keyring } | { ok: false; problem: KeyringProblem };

/** A key id: 1–32 of A-Z a-z 0-9 _ - (never `:` or `,`, which separate the format's parts). */
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const PREFIX = "enc:v1:";
const utf8 = new TextEncoder();

function b64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Bytes of base64 or base64url (padding optional); null when it is neither. */
function fromB64(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(s)) return null;
  try {
    const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, ""));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** One parsed keyring per isolate: SETTINGS_KEYS only changes with a new deployment. */
let cached: { raw: string; result: Promise<KeyringResult> } | null = null;

/** The keyring SETTINGS_KEYS describes, or why it cannot be used. */
export function keyring(raw: string | undefined): Promise<KeyringResult> {
  if (raw === undefined || raw.trim() === "") {
    return Promise.resolve({ ok: false, problem: { code: "settings_keys_not_configured" } });
  }
  if (cached?.raw !== raw) cached = { raw, result: parseKeyring(raw) };
  return cached.result;
}

async function parseKeyring(raw: string): Promise<KeyringResult> {
  const invalid = (reason: string): KeyringResult => ({
    ok: false,
    problem: { code: "settings_keys_invalid", reason },
  });
  const keys = new Map<string, CryptoKey>();
  const ids: string[] = [];
  const entries = raw.split(",").map((e) => e.trim());
  for (const [i, entry] of entries.entries()) {
    const colon = entry.indexOf(":");
    const id = colon > 0 ? entry.slice(0, colon) : "";
    if (!KEY_ID.test(id)) {
      return invalid(
        `entry ${i + 1} does not start with a key id (1–32 of A-Z a-z 0-9 _ -) and ":"`,
      );
    }
    if (keys.has(id)) return invalid(`key id ${id} is listed twice`);
    const bytes = fromB64(entry.slice(colon + 1));
    if (!bytes || bytes.length !== 32) {
      return invalid(`key ${id} is not 32 bytes in base64 (AES-256)`);
    }
    const key = await crypto.subtle.importKey("raw", bytes, "AES-GCM", false, [
      "encrypt",
      "decrypt",
    ]);
    keys.set(id, key);
    ids.push(id);
  }
  const current = ids[0];
  if (current === undefined) return invalid("no key");
  return { ok: true, ring: { current, ids, keys } };
}

/** True when the value is in the sealed format (whether or not it opens). */
export function isSealed(value: string): boolean {
  return value.startsWith(PREFIX);
}

/** The key id a sealed value names, or null when the value is not sealed or malformed. */
export function sealedKeyId(value: string): string | null {
  if (!isSealed(value)) return null;
  const id = value.slice(PREFIX.length).split(":")[0] ?? "";
  return KEY_ID.test(id) ? id : null;
}

/** Seals a value with the current key; `aad` names where it is stored. */
export async function seal(ring: Keyring, plaintext: string, aad: string): Promise<string> {
  const key = ring.keys.get(ring.current);
  if (!key) throw new Error("keyring without its current key");
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: utf8.encode(aad) },
    key,
    utf8.encode(plaintext),
  );
  return `${PREFIX}${ring.current}:${b64url(iv)}:${b64url(new Uint8Array(ct))}`;
}

export type OpenResult =
  | { ok: true; value: string }
  | { ok: false; reason: "key_missing" | "key_mismatch"; keyId: string };

/**
 * Opens a sealed value. `key_missing`: its key id is not in the keyring (the key was removed
 * from SETTINGS_KEYS); `key_mismatch`: the key with that id does not open it (other key bytes
 * under the same id, another field's or workspace's value, or a damaged value).
 */
export async function open(ring: Keyring, value: string, aad: string): Promise<OpenResult> {
  const parts = value.slice(PREFIX.length).split(":");
  const keyId = parts[0] ?? "";
  const key = ring.keys.get(keyId);
  if (!key) return { ok: false, reason: "key_missing", keyId };
  const iv = parts.length === 3 ? fromB64(parts[1] ?? "") : null;
  const ct = parts.length === 3 ? fromB64(parts[2] ?? "") : null;
  if (!iv || iv.length !== 12 || !ct) return { ok: false, reason: "key_mismatch", keyId };
  try {
    const pt = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv, additionalData: utf8.encode(aad) },
      key,
      ct,
    );
    return { ok: true, value: new TextDecoder().decode(pt) };
  } catch {
    return { ok: false, reason: "key_mismatch", keyId };
  }
}
