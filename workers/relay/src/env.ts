import type { Principal } from "./http/auth";

declare global {
  interface Env {
    /** Bootstrap secret for /v1/admin (a wrangler secret; never in wrangler.toml). */
    ADMIN_SECRET?: string;
  }
}

/** Hono's environment: the Worker bindings plus what middleware puts on the context. */
export interface AppEnv {
  Bindings: Env;
  Variables: { principal: Principal };
}
