import {
  isSupportedRegion,
  normalizeIdentifier,
  timingSafeEqual,
  toHex,
  type Identifier,
  type WorkspaceSettings,
} from "@baton/core";
import { verify } from "hono/jwt";

/** Who a web chat user is, once their site proved it. */
export interface ChatUser {
  userId: string;
  email: string | null;
  name: string | null;
  method: "hmac" | "jwt";
}

export type ChatIdentityError =
  | { code: "chat_identity_not_configured" }
  | { code: "invalid_user_hash" }
  | { code: "invalid_token"; reason: string };

/** Hex HMAC-SHA256 of the user id with the workspace secret (the Intercom/Chatwoot scheme). */
export async function userHash(secret: string, userId: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return toHex(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(userId)));
}

/**
 * Verifies a web chat user: either `userId` + `userHash` (hex HMAC-SHA256 of the id with the
 * workspace's chatIdentitySecret, computed by the customer's own backend), or an HS256 JWT
 * signed with the same secret (`sub` = user id; optional `email`, `name`; `exp` honoured).
 * Returns null when the request carries no identity proof (an anonymous visitor).
 */
export async function verifyChatUser(
  settings: WorkspaceSettings,
  proof: { userId?: string | undefined; userHash?: string | undefined; token?: string | undefined },
): Promise<{ ok: true; user: ChatUser | null } | { ok: false; error: ChatIdentityError }> {
  if (proof.userHash === undefined && proof.token === undefined) return { ok: true, user: null };
  const secret = settings.chatIdentitySecret;
  if (!secret) return { ok: false, error: { code: "chat_identity_not_configured" } };
  if (proof.token !== undefined) {
    try {
      const claims = await verify(proof.token, secret, "HS256");
      if (typeof claims.exp !== "number") {
        return { ok: false, error: { code: "invalid_token", reason: "exp is required" } };
      }
      const sub = claims.sub;
      if (typeof sub !== "string" || sub.length === 0 || sub.length > 200) {
        return { ok: false, error: { code: "invalid_token", reason: "sub must be the user id" } };
      }
      return {
        ok: true,
        user: {
          userId: sub,
          email: typeof claims.email === "string" ? claims.email : null,
          name: typeof claims.name === "string" ? claims.name : null,
          method: "jwt",
        },
      };
    } catch (e) {
      return {
        ok: false,
        error: { code: "invalid_token", reason: e instanceof Error ? e.name : "invalid" },
      };
    }
  }
  if (!proof.userId || !proof.userHash) return { ok: false, error: { code: "invalid_user_hash" } };
  const expected = await userHash(secret, proof.userId);
  if (!timingSafeEqual(expected, proof.userHash.toLowerCase()))
    return { ok: false, error: { code: "invalid_user_hash" } };
  return { ok: true, user: { userId: proof.userId, email: null, name: null, method: "hmac" } };
}

/**
 * A phone number the visitor typed into the chat: normalized to E.164 with the workspace's
 * region and recorded as `claimed` (typed in, never checked), like a typed email. It never
 * earns more trust than that: it links only as a claim, and a claim never unlocks another
 * customer's context or a caller's personal tier (docs/channels/webchat.md).
 */
export function typedPhone(
  value: string,
  settings: WorkspaceSettings,
): { ok: true; identifier: Identifier } | { ok: false; reason: string } {
  const region = isSupportedRegion(settings.defaultRegion) ? settings.defaultRegion : "US";
  const r = normalizeIdentifier({ type: "phone", value }, { defaultRegion: region });
  if (!r.ok) {
    const reason = r.error.code === "anonymous_caller" ? "not a phone number" : r.error.reason;
    return { ok: false, reason: `phone: ${reason}` };
  }
  return { ok: true, identifier: { type: "phone", value: r.value.value, verification: "claimed" } };
}
