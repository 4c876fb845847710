/**
 * Chat session tokens: what a browser presents to open the journey's WebSocket. A token names
 * the workspace, the journey and the visitor, expires, and is signed with a key derived from
 * the Worker's ADMIN_SECRET (so no extra secret must be provisioned); rotating ADMIN_SECRET
 * ends every open chat session.
 */
export interface ChatSession {
  ws: string;
  journeyId: string;
  visitorId: string;
  exp: number;
}

/** Sessions last this long; the widget starts a new one when its token expires. */
export const SESSION_TTL_SECONDS = 12 * 3600;

const enc = new TextEncoder();
const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
const fromB64url = (s: string) =>
  Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

async function key(adminSecret: string): Promise<CryptoKey> {
  const root = await crypto.subtle.importKey(
    "raw",
    enc.encode(adminSecret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const derived = new Uint8Array(
    await crypto.subtle.sign("HMAC", root, enc.encode("baton chat session v1")),
  );
  return crypto.subtle.importKey("raw", derived, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
}

/** Signs a session for the journey's socket. */
export async function signSession(
  adminSecret: string,
  s: Omit<ChatSession, "exp">,
  now = Date.now(),
): Promise<string> {
  const body: ChatSession = { ...s, exp: Math.floor(now / 1000) + SESSION_TTL_SECONDS };
  const payload = b64url(enc.encode(JSON.stringify(body)));
  const sig = new Uint8Array(
    await crypto.subtle.sign("HMAC", await key(adminSecret), enc.encode(payload)),
  );
  return `${payload}.${b64url(sig)}`;
}

/** The session a token carries, or null when it is forged, malformed or expired. */
export async function verifySession(
  adminSecret: string,
  token: string,
  now = Date.now(),
): Promise<ChatSession | null> {
  const [payload, sig, extra] = token.split(".");
  if (!payload || !sig || extra !== undefined || token.length > 2048) return null;
  try {
    const valid = await crypto.subtle.verify(
      "HMAC",
      await key(adminSecret),
      fromB64url(sig),
      enc.encode(payload),
    );
    if (!valid) return null;
    const s = JSON.parse(new TextDecoder().decode(fromB64url(payload))) as ChatSession;
    if (typeof s.exp !== "number" || s.exp * 1000 < now) return null;
    if (typeof s.ws !== "string" || typeof s.journeyId !== "string") return null;
    if (typeof s.visitorId !== "string") return null;
    return s;
  } catch {
    return null;
  }
}
