import { fromBase64Url, signWithDerivedKey, toBase64Url, verifyWithDerivedKey } from "@baton/core";

/**
 * Chat session tokens: what a browser presents to open the journey's WebSocket. A token names
 * the workspace, the journey and the visitor, expires, and is signed with a key derived from
 * the Worker secret CHAT_SESSION_SECRET, which signs nothing else (docs/privacy.md "Secrets").
 * Rotating it ends every open chat session; the widget starts a new one. Tokens signed before
 * this secret existed (with a key derived from ADMIN_SECRET) no longer verify.
 */
export interface ChatSession {
  ws: string;
  journeyId: string;
  visitorId: string;
  exp: number;
}

/** Sessions last this long; the widget starts a new one when its token expires. */
export const SESSION_TTL_SECONDS = 12 * 3600;

/** v2: v1 tokens were signed under ADMIN_SECRET; a new purpose keeps them out even if the values match. */
const PURPOSE = "baton chat session v2";

/** The shortest CHAT_SESSION_SECRET accepted: 32 characters (a random 24-byte base64 string). */
export const MIN_SECRET_CHARS = 32;

/** The secret that signs chat sessions, or null when it is unset or too short to use. */
export function chatSessionSecret(env: Env): string | null {
  const s = env.CHAT_SESSION_SECRET;
  return s !== undefined && s.length >= MIN_SECRET_CHARS ? s : null;
}

/** Signs a session for the journey's socket. */
export async function signSession(
  secret: string,
  s: Omit<ChatSession, "exp">,
  now = Date.now(),
): Promise<string> {
  const body: ChatSession = { ...s, exp: Math.floor(now / 1000) + SESSION_TTL_SECONDS };
  const payload = toBase64Url(new TextEncoder().encode(JSON.stringify(body)));
  return `${payload}.${await signWithDerivedKey(secret, PURPOSE, payload)}`;
}

/** The session a token carries, or null when it is forged, malformed or expired. */
export async function verifySession(
  secret: string,
  token: string,
  now = Date.now(),
): Promise<ChatSession | null> {
  const [payload, sig, extra] = token.split(".");
  if (!payload || !sig || extra !== undefined || token.length > 2048) return null;
  try {
    if (!(await verifyWithDerivedKey(secret, PURPOSE, sig, payload))) return null;
    const s = JSON.parse(new TextDecoder().decode(fromBase64Url(payload))) as ChatSession;
    if (typeof s.exp !== "number" || s.exp * 1000 < now) return null;
    if (typeof s.ws !== "string" || typeof s.journeyId !== "string") return null;
    if (typeof s.visitorId !== "string") return null;
    return s;
  } catch {
    return null;
  }
}
