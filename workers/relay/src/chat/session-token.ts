import { fromBase64Url, signWithDerivedKey, toBase64Url, verifyWithDerivedKey } from "@baton/core";

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

const PURPOSE = "baton chat session v1";

/** Signs a session for the journey's socket. */
export async function signSession(
  adminSecret: string,
  s: Omit<ChatSession, "exp">,
  now = Date.now(),
): Promise<string> {
  const body: ChatSession = { ...s, exp: Math.floor(now / 1000) + SESSION_TTL_SECONDS };
  const payload = toBase64Url(new TextEncoder().encode(JSON.stringify(body)));
  return `${payload}.${await signWithDerivedKey(adminSecret, PURPOSE, payload)}`;
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
    if (!(await verifyWithDerivedKey(adminSecret, PURPOSE, sig, payload))) return null;
    const s = JSON.parse(new TextDecoder().decode(fromBase64Url(payload))) as ChatSession;
    if (typeof s.exp !== "number" || s.exp * 1000 < now) return null;
    if (typeof s.ws !== "string" || typeof s.journeyId !== "string") return null;
    if (typeof s.visitorId !== "string") return null;
    return s;
  } catch {
    return null;
  }
}
