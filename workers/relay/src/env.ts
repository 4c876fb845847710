import type { Scope } from "./objects/workspace/object";

declare global {
  interface Env {
    /** Bootstrap secret for /v1/admin (a wrangler secret; never in wrangler.toml). */
    ADMIN_SECRET?: string;
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
