import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv, Principal } from "../env";
import { fail } from "./problem";

/**
 * Rate limits (docs/api.md, "Rate limits"), counted by the Workers rate-limiting binding.
 * Three limiters, each its own `[[ratelimits]]` binding in wrangler.toml:
 *
 * - `key`: requests per API key (`${workspace}/${keyId}`), on every key-authenticated route;
 * - `workspace`: requests per workspace over all its keys, a larger budget;
 * - `hooks`: provider webhooks per workspace, separate and larger again. Providers that retry
 *   (Postmark, Mailgun, SendGrid inbound email) are refused past it and come back later; those
 *   that do not retry (Twilio, the call-start lookups, delivery reports) are only counted, and
 *   an isolate logs once per period that the workspace is over.
 *
 * The binding cannot say how long a window has left, so `Retry-After` is the binding's period
 * (an upper bound). The numbers live in wrangler.toml; the periods are repeated here (the code
 * cannot read them from the binding) and test/rate-limits.test.ts checks the two agree.
 *
 * **Hot path.** In production `limit()` answers from a counter cached on the machine. Locally
 * (`./baton dev`, `pnpm bench`) it is a Durable Object round trip with a SQLite write, so
 * asking it per request would cost about one object hop on every request. Each isolate
 * therefore asks at most once per `RATE_LIMIT_CHECK_MS` (default 1000) per limiter and key,
 * reporting the requests it let through since the last ask as the call's `delta`, and applies
 * the answer to the requests until the next ask. A key that goes over is refused at most one
 * interval late, per isolate; the binding itself is per location and approximate. With
 * `RATE_LIMIT_CHECK_MS=0` (the tests) every request is checked exactly, one call each.
 */

export type LimiterKind = "key" | "workspace" | "hooks";

/** The period of each limiter's binding, in seconds (must equal wrangler.toml's). */
export const LIMIT_PERIOD_SECONDS: Record<LimiterKind, 10 | 60> = {
  key: 10,
  workspace: 10,
  hooks: 60,
};

declare global {
  interface Env {
    /** Milliseconds between an isolate's checks per limiter and key (default 1000; 0: every request). */
    RATE_LIMIT_CHECK_MS?: string;
    /**
     * Test-only: workspaces whose id starts with this use the RATE_LIMIT_TEST_* bindings
     * (small limits, set in vitest.config.ts). Never in wrangler.toml.
     */
    RATE_LIMIT_TEST_PREFIX?: string;
    RATE_LIMIT_TEST_KEY?: RateLimit;
    RATE_LIMIT_TEST_WORKSPACE?: RateLimit;
    RATE_LIMIT_TEST_HOOKS?: RateLimit;
  }
  // eslint-disable-next-line @typescript-eslint/no-namespace -- the runtime's Env lives in this namespace
  namespace Cloudflare {
    interface Env {
      RATE_LIMIT_CHECK_MS?: string;
      RATE_LIMIT_TEST_PREFIX?: string;
      RATE_LIMIT_TEST_KEY?: RateLimit;
      RATE_LIMIT_TEST_WORKSPACE?: RateLimit;
      RATE_LIMIT_TEST_HOOKS?: RateLimit;
    }
  }
}

const DEFAULT_CHECK_MS = 1000;

function limiter(env: Env, kind: LimiterKind, workspace: string): RateLimit | undefined {
  const prefix = env.RATE_LIMIT_TEST_PREFIX;
  if (prefix && workspace.startsWith(prefix)) {
    if (kind === "key") return env.RATE_LIMIT_TEST_KEY;
    if (kind === "workspace") return env.RATE_LIMIT_TEST_WORKSPACE;
    return env.RATE_LIMIT_TEST_HOOKS;
  }
  if (kind === "key") return env.RATE_LIMIT_KEY;
  if (kind === "workspace") return env.RATE_LIMIT_WORKSPACE;
  return env.RATE_LIMIT_HOOKS;
}

function checkInterval(env: Env): number {
  const raw = env.RATE_LIMIT_CHECK_MS;
  if (raw === undefined || raw === "") return DEFAULT_CHECK_MS;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : DEFAULT_CHECK_MS;
}

/** One isolate's view of one limiter and key. */
interface Slot {
  /** Requests let through since the last call, reported as the next call's delta. */
  pending: number;
  /** When the last call started (ms). */
  checkedAt: number;
  /** The last answer: within the limit. */
  ok: boolean;
  /** A call is under way: other requests use the last answer instead of waiting. */
  busy: boolean;
}

const slots = new Map<string, Slot>();
const SLOTS_MAX = 10_000;

/** The binding's answer; a binding that throws lets the request through (logged), never a 500. */
async function ask(binding: RateLimit, key: string, delta: number): Promise<boolean> {
  try {
    const out = await binding.limit(delta > 1 ? { key, delta } : { key });
    return out.success;
  } catch (e) {
    console.error(`rate limit check failed for ${key}; letting the request through:`, String(e));
    return true;
  }
}

/**
 * Counts one request against `key` and answers whether it is within the limit: a boolean when
 * this isolate's last answer is fresh (no I/O), else a promise of the binding's answer.
 */
function admit(
  env: Env,
  kind: LimiterKind,
  workspace: string,
  key: string,
): boolean | Promise<boolean> {
  const binding = limiter(env, kind, workspace);
  if (!binding) return true; // no binding configured: no limit
  const interval = checkInterval(env);
  if (interval === 0) return ask(binding, key, 1);
  const id = `${kind}:${key}`;
  const now = Date.now();
  let slot = slots.get(id);
  if (slot && (slot.busy || now - slot.checkedAt < interval)) {
    if (slot.ok) slot.pending++;
    return slot.ok;
  }
  if (!slot) {
    if (slots.size >= SLOTS_MAX) slots.clear();
    slot = { pending: 0, checkedAt: now, ok: true, busy: false };
    slots.set(id, slot);
  }
  const s = slot;
  const delta = s.pending + 1;
  s.pending = 0;
  s.checkedAt = now;
  s.busy = true;
  return ask(binding, key, delta).then((ok) => {
    s.ok = ok;
    s.busy = false;
    return ok;
  });
}

function refuse(kind: LimiterKind, status: 429 | 503 = 429): never {
  const period = LIMIT_PERIOD_SECONDS[kind];
  const what =
    kind === "key"
      ? "this API key"
      : kind === "workspace"
        ? "this workspace's API keys together"
        : "this workspace's provider webhooks";
  fail(
    status,
    "rate_limited",
    "Rate limit exceeded",
    `${what} sent more requests than the limit allows in ${period} s; retry after ${period} s`,
    { limit: kind, retryAfter: period },
  );
}

/**
 * The per-key and per-workspace limits of a verified key (http/auth.ts calls this right after
 * verifying it). Throws the 429 `rate_limited` problem naming the limit that was exceeded.
 */
export async function enforceKeyLimits(env: Env, principal: Principal): Promise<void> {
  const ws = principal.workspace;
  // The key first: a request its own key refuses does not spend the workspace's budget, so
  // one key over its limit cannot starve the workspace's other keys.
  const key = admit(env, "key", ws, `${ws}/${principal.keyId}`);
  if (!(typeof key === "boolean" ? key : await key)) refuse("key");
  const all = admit(env, "workspace", ws, ws);
  if (!(typeof all === "boolean" ? all : await all)) refuse("workspace");
}

/** How a provider webhook treats the `hooks` limit (docs/api.md, "Rate limits"). */
export type HookPolicy =
  /** refuse past the limit with 429 + Retry-After (the provider retries 4xx other than its own stop codes) */
  | "refuse"
  /** refuse with 503 + Retry-After (the provider retries only 5xx: SendGrid Inbound Parse) */
  | "refuse-503"
  /** never refuse: count, and log once per period while over (Twilio, call-start lookups, delivery reports) */
  | "count";

/** Counts one provider webhook for `workspace` and applies `policy`. */
export async function limitHook(
  env: Env,
  workspace: string,
  policy: HookPolicy,
  waitUntil?: (p: Promise<unknown>) => void,
): Promise<void> {
  const verdict = admit(env, "hooks", workspace, workspace);
  if (policy === "count") {
    // Never on the request's path: the answer only decides whether to log.
    if (typeof verdict === "boolean") noteOver(workspace, verdict);
    else if (waitUntil) waitUntil(verdict.then((ok) => noteOver(workspace, ok)));
    else noteOver(workspace, await verdict);
    return;
  }
  const ok = typeof verdict === "boolean" ? verdict : await verdict;
  if (!ok) refuse("hooks", policy === "refuse-503" ? 503 : 429);
}

/** When this isolate last logged that a workspace is over its webhook limit. */
const logged = new Map<string, number>();

function noteOver(workspace: string, ok: boolean): void {
  if (ok) return;
  const now = Date.now();
  if (now - (logged.get(workspace) ?? 0) < LIMIT_PERIOD_SECONDS.hooks * 1000) return;
  if (logged.size >= SLOTS_MAX) logged.clear();
  logged.set(workspace, now);
  console.warn(
    `rate limit: workspace ${workspace} is over its provider webhook limit; requests from providers that do not retry are accepted anyway`,
  );
}

/**
 * The policy of a signature-checked provider webhook by its path under /hooks/:workspace:
 * inbound email from Postmark and Mailgun is refused with 429, from SendGrid with 503 (it
 * retries only 5xx); Twilio and every delivery report (`…/events`; Mailgun does not retry
 * those) are only counted.
 */
export function hookPolicy(path: string): HookPolicy {
  const m = /^\/hooks\/[^/]+\/([^/]+)(\/[^/]+)?\/?$/.exec(path);
  const provider = m?.[1];
  if (!provider || m[2] !== undefined) return "count";
  if (provider === "postmark" || provider === "mailgun") return "refuse";
  if (provider === "sendgrid") return "refuse-503";
  return "count";
}

/** Middleware for the signature-checked provider webhooks (routes/hooks.ts). */
/**
 * The request's `waitUntil`, or undefined when it runs without an execution context (Hono's
 * `app.request` in tests, or an embedder that passes none): `c.executionCtx` throws there, and a
 * rate-limit count must never turn a call-start lookup into a 503.
 */
function waitUntilOf(c: Context<AppEnv>): ((p: Promise<unknown>) => void) | undefined {
  try {
    const ctx = c.executionCtx;
    return (p) => ctx.waitUntil(p);
  } catch {
    return undefined;
  }
}

export const providerHookLimit = createMiddleware<AppEnv>(async (c, next) => {
  const ws = c.req.param("workspace") ?? "";
  await limitHook(c.env, ws, hookPolicy(c.req.path), waitUntilOf(c));
  await next();
});
