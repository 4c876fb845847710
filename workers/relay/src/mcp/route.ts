import {
  hostHeaderValidationResponse,
  localhostAllowedHostnames,
  originValidationResponse,
} from "@modelcontextprotocol/server";
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { authenticate } from "../http/auth";
import type { Principal } from "../env";
import { ProblemError, problemResponse } from "../http/problem";
import { serveMcp } from "./serve";

declare global {
  interface Env {
    /**
     * The Worker's own public hostnames, comma-separated (e.g. `baton.example.com`). Host and
     * Origin headers must name one of them or localhost; unset, only localhost is served.
     */
    MCP_ALLOWED_HOSTS?: string;
  }
}

/** Hostnames /mcp answers for: localhost (dev, tests) plus the configured public ones. */
export function allowedHosts(env: Env): string[] {
  const own = (env.MCP_ALLOWED_HOSTS ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h.length > 0);
  return [...localhostAllowedHostnames(), ...own];
}

/**
 * The SDK's DNS-rebinding and cross-site guards. A request built in-process (the test
 * runner's `SELF.fetch`) may carry no Host header: its URL's host stands in, which is what
 * the runtime derives the URL from on a real connection anyway.
 */
export function guard(req: Request, hosts: string[]): Response | undefined {
  const checked = req.headers.has("host")
    ? req
    : new Request(req.url, { headers: { host: new URL(req.url).host } });
  return hostHeaderValidationResponse(checked, hosts) ?? originValidationResponse(req, hosts);
}

/** `/mcp`: Streamable HTTP, stateless, one fresh server per request, Baton API keys. */
export const mcp = new Hono<AppEnv>();

mcp.all("/", async (c) => {
  const refused = guard(c.req.raw, allowedHosts(c.env));
  if (refused) return refused;
  let principal: Principal;
  try {
    principal = await authenticate(c.env, c.req.header("authorization"));
  } catch (e) {
    if (!(e instanceof ProblemError)) throw e;
    const res = problemResponse(c, e.problem);
    res.headers.set("www-authenticate", 'Bearer realm="baton"');
    return res;
  }
  return serveMcp(c.req.raw, { env: c.env, principal });
});
