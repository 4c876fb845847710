import { JourneyId } from "@baton/core";
import * as z from "zod";
import { consoleApp } from "../console";
import { EmbedLinkInput } from "../console/embed";
import type { Method, RouteDoc } from "./table";

/*
 * The console (docs/console.md): the one API route, POST /v1/console/embed-links, and the
 * console's HTML pages under /console, which a browser reaches with a console session
 * (Cloudflare Access or the local sign-in), never with an API key. The pages are listed from
 * the console app's own routes, so a new page is documented as soon as it is served.
 */

export const EmbedLink = z.looseObject({
  url: z.string().describe("/console/pop?journey=…&t=…: open it in the desktop's iframe"),
  journeyId: JourneyId,
  expiresAt: z.string().describe("RFC 3339, UTC: the link opens a session until then"),
});

const EMBED_ROUTE: RouteDoc = {
  method: "post",
  path: "/v1/console/embed-links",
  operationId: "createEmbedLink",
  tag: "Console",
  summary: "Mint a short-lived screen-pop link for an agent desktop's iframe",
  description:
    "A signed link to one journey's screen pop (docs/console.md, \"Screen pop and embedding\"). Opening it starts a console session scoped to that journey only, without Cloudflare Access; it lives `ttlSeconds` (default 300, at most 900). Needs `journeys:write` and `context:read` (the pop shows the context and acts on the journey): 403 `insufficient_scope` names the one missing. 404 `journey_not_found` for a journey not in the key's workspace; 503 `console_not_configured` without CONSOLE_SESSION_SECRET.",
  auth: { kind: "key", scope: "journeys:write" },
  body: {
    name: "EmbedLinkInput",
    schema: EmbedLinkInput,
    examples: {
      default: {
        summary: "A link for the journey on the agent's current call, valid 5 minutes",
        value: { journeyId: "jrn_0123456789abcdefghijkl" },
      },
      longer: {
        summary: "Valid 15 minutes (the most)",
        value: { journeyId: "jrn_0123456789abcdefghijkl", ttlSeconds: 900 },
      },
    },
  },
  responses: {
    201: { description: "{ url, journeyId, expiresAt }", schema: EmbedLink, name: "EmbedLink" },
  },
};

const session = {
  kind: "none",
  why: "a console session cookie (Cloudflare Access or the local sign-in; docs/console.md), or an embed link",
} as const;

/** `/pop/panel` → `PopPanel`; `/journeys/:id` → `JourneysId`. */
function pascal(path: string): string {
  const words = path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return words.map((w) => w[0]?.toUpperCase() + w.slice(1)).join("") || "Root";
}

/** One entry per page or form handler the console serves (middleware left out). */
function consolePages(): RouteDoc[] {
  const seen = new Map<string, RouteDoc>();
  for (const r of consoleApp.routes) {
    if (r.method === "ALL") continue;
    const method = r.method.toLowerCase() as Method;
    const sub = r.path === "/" ? "" : r.path;
    const path = `/console${sub}`;
    const key = `${method} ${path}`;
    if (seen.has(key)) continue;
    const isAsset = sub.startsWith("/assets");
    const isSocket = sub.endsWith("/socket");
    seen.set(key, {
      method,
      path,
      operationId: `console${method === "get" ? "" : pascal(method)}${pascal(sub)}`,
      tag: "Console",
      summary: isAsset
        ? "A console asset (script or stylesheet), cached for a year"
        : isSocket
          ? "The screen pop's live socket (WebSocket upgrade)"
          : method === "get"
            ? `Console page ${path}`
            : `Console form ${path} (needs the session's CSRF token)`,
      auth: isAsset ? { kind: "none", why: "public asset" } : session,
      responses:
        method === "get"
          ? isSocket
            ? { 101: { description: "switching to the WebSocket" } }
            : {
                200: {
                  description: isAsset ? "the asset" : "an HTML page",
                  contentType: isAsset ? "text/javascript" : "text/html",
                },
              }
          : { 303: { description: "done: back to the page that sent the form" } },
    });
  }
  return [...seen.values()];
}

export const CONSOLE_ROUTES: RouteDoc[] = [EMBED_ROUTE, ...consolePages()];
