import type { Scope } from "./objects/workspace/object";

declare global {
  interface Env {
    /** Bootstrap secret for /v1/admin (a wrangler secret; never in wrangler.toml). */
    ADMIN_SECRET?: string;
    /**
     * Signs web chat session tokens (chat/session-token.ts): a wrangler secret of at least 32
     * characters. Unset, chat answers 503 `chat_not_configured`; rotating it ends every session.
     */
    CHAT_SESSION_SECRET?: string;
    /**
     * Signs caller assertions (context/assertion.ts): a wrangler secret of at least 32
     * characters. Unset, minting answers 503 `assertions_not_configured` and every assertion
     * on a lookup is refused (`assertion_disabled`).
     */
    CALLER_ASSERTION_SECRET?: string;
    /**
     * Derives the Message-ID and `reply+…@` token of an outbound email sent with an
     * Idempotency-Key (ingest/binding.ts): a wrangler secret of its own.
     */
    REPLY_TOKEN_SECRET?: string;
    /**
     * AES-256-GCM keys for the secrets in workspace settings (secrets/keyring.ts):
     * `<id>:<base64 32 bytes>[,<id>:<base64>…]`, the current key first. A wrangler secret.
     */
    SETTINGS_KEYS?: string;
  }
}

/** The caller behind a verified API key (http/auth.ts puts it on the context). */
export interface Principal {
  workspace: string;
  keyId: string;
  scopes: Scope[];
}

/** Hono's environment: the Worker bindings plus what middleware puts on the context. */
export interface AppEnv {
  Bindings: Env;
  Variables: { principal: Principal };
}
