import { Hono } from "hono";
import type { AppEnv } from "../env";
import { documentJson } from "./document";
import { PAGE_CSS, renderPage } from "./page";
import type { Json } from "./schemas";

/** `GET /openapi.json` and `GET /docs`: the API's own description, public, no key. */
export const reference = new Hono<AppEnv>();

reference.get("/openapi.json", (c) =>
  c.body(documentJson(), 200, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "public, max-age=300",
    // Tools (editors, code generators, the reference page of another origin) may read it.
    "access-control-allow-origin": "*",
  }),
);

let page: { html: string; csp: string } | null = null;

async function referencePage(): Promise<{ html: string; csp: string }> {
  if (page) return page;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(PAGE_CSS));
  const hash = btoa(String.fromCharCode(...new Uint8Array(digest)));
  page = {
    html: renderPage(JSON.parse(documentJson()) as Json),
    // Nothing but the page's own style sheet: no script, no remote asset, no framing.
    csp: `default-src 'none'; style-src 'sha256-${hash}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  };
  return page;
}

reference.get("/docs", async (c) => {
  const { html, csp } = await referencePage();
  return c.html(html, 200, {
    "content-security-policy": csp,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "public, max-age=300",
  });
});
