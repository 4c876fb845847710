import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, test } from "vitest";
import { app } from "../workers/relay/src/app";
import { ROUTES, openapiPath } from "../workers/relay/src/openapi/document";
import { Problem } from "../workers/relay/src/openapi/responses";
import { api, workspace } from "./helpers";
import {
  examplesOf,
  exampleFixture,
  servedDocument,
  target,
  type Doc,
  type Fixture,
} from "./openapi-helpers";

/**
 * Routes deliberately left out of the document, with the reason. Empty: every route the app
 * serves is documented, admin and provider hooks included.
 */
const UNDOCUMENTED: Record<string, string> = {};

/** Refusals an example may legitimately get once its body passed validation, and why. */
const EXPECTED_REFUSALS: Record<string, string> = {
  // The example names another customer by a made-up id: validated, then not found.
  mergeCustomers: "customer_not_found",
  // The example's code is not the one Baton generated for the fixture's check.
  confirmVerification: "verification_failed",
  // Pending links only arise from conflicting channel evidence; the example's id is made up.
  confirmPendingLink: "pending_link_not_found",
  rejectPendingLink: "pending_link_not_found",
  // The example links a made-up journey id: validated, then not found.
  linkPredecessor: "predecessor_not_found",
  // The embed link names a made-up journey: validated, then not found.
  createEmbedLink: "journey_not_found",
  // Erasure examples name a made-up customer, identifier and job.
  eraseCustomer: "customer_not_found",
  getCustomerErasure: "erasure_not_found",
  requestErasure: "customer_not_found",
  getErasure: "erasure_not_found",
};

/** Problem codes that mean the request itself was refused as malformed. */
const VALIDATION = [
  "validation_failed",
  "invalid_query",
  "malformed_json",
  "unsupported_media_type",
  "payload_too_large",
];

/** The app's handlers (method, path), without middleware mounted on `/*`. */
function servedRoutes(): { method: string; path: string }[] {
  const seen = new Map<string, { method: string; path: string }>();
  for (const r of app.routes) {
    if (r.method === "ALL" && r.path.endsWith("*")) continue;
    seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path });
  }
  return [...seen.values()];
}

let doc: Doc;
beforeAll(async () => {
  doc = await servedDocument();
});

describe("the OpenAPI document", () => {
  test("documents every route the app serves, with its method, and nothing it does not serve", () => {
    const served = servedRoutes();
    expect(served.length).toBeGreaterThan(60);
    const missing = served.filter((r) => {
      if (`${r.method} ${r.path}` in UNDOCUMENTED) return false;
      const item = doc.paths[openapiPath(r.path)];
      return r.method === "ALL" ? !item : !item?.[r.method.toLowerCase()];
    });
    expect(missing, "routes missing from the document").toEqual([]);
    const servedKeys = new Set(served.map((r) => `${r.method} ${r.path}`));
    const phantom = ROUTES.filter(
      (r) =>
        !servedKeys.has(`${r.method.toUpperCase()} ${r.path}`) && !servedKeys.has(`ALL ${r.path}`),
    ).map((r) => `${r.method} ${r.path}`);
    expect(phantom, "documented routes the app does not serve").toEqual([]);
  });

  test("every route with a body or a query schema carries at least one example", () => {
    const bare = ROUTES.filter((r) => {
      const needs = (r.body && !r.body.optional) || r.query;
      return needs && examplesOf(operationOf(r.method, r.path)).length === 0;
    }).map((r) => r.operationId);
    expect(bare).toEqual([]);
  });

  test("every example in the document passes the zod schema its route validates with", () => {
    let checked = 0;
    for (const r of ROUTES) {
      for (const ex of examplesOf(operationOf(r.method, r.path))) {
        // Query values arrive as strings, exactly as the route's query() sees them.
        const schema = ex.body !== undefined ? r.body?.schema : r.query;
        const parsed = schema?.safeParse(ex.body ?? ex.query);
        expect(
          parsed?.success,
          `${r.operationId} example ${ex.name}: ${JSON.stringify(parsed?.error?.issues)}`,
        ).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  test("the document states the route's required fields and refuses unknown ones (EventInput)", () => {
    const create = ROUTES.find((r) => r.operationId === "postEvent");
    const schema = doc.components as {
      schemas: Record<string, { required?: string[]; additionalProperties?: unknown }>;
    };
    const eventInput = schema.schemas.EventInput;
    expect(eventInput?.required).toEqual(["channel", "direction", "actor"]);
    expect(eventInput?.additionalProperties).toBe(false);
    expect(create?.body?.schema.safeParse({ channel: "pigeon" }).success).toBe(false);
  });
});

describe("the live routes", () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await exampleFixture();
  });

  test("accept a request built from every documented example and answer as documented", async () => {
    const wrong: string[] = [];
    let sent = 0;
    for (const r of ROUTES) {
      for (const ex of examplesOf(operationOf(r.method, r.path))) {
        const { path, auth } = await target(r, fx);
        const qs = ex.query ? `?${new URLSearchParams(ex.query)}` : "";
        const res = await api(r.method.toUpperCase(), `${path}${qs}`, ex.body, auth);
        const what = `${r.operationId} example ${ex.name}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
        sent++;
        if (res.status >= 200 && res.status < 300) {
          const reply = r.responses[res.status];
          const parsed = reply?.schema?.safeParse(res.body);
          if (!reply) wrong.push(`${what}: status not documented`);
          else if (parsed && !parsed.success)
            wrong.push(`${what}: ${JSON.stringify(parsed.error.issues)}`);
        } else if (
          !Problem.safeParse(res.body).success ||
          VALIDATION.includes(String(res.body.code)) ||
          res.body.code !== EXPECTED_REFUSALS[r.operationId]
        ) {
          wrong.push(`${what}: refused`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(sent).toBeGreaterThan(40);
  });

  test("every key-authenticated route enforces the scope the document names", async () => {
    const a = await workspace(["events:write"]);
    const b = await workspace(["journeys:read"]);
    for (const r of ROUTES) {
      const path = r.path.replace(/:([A-Za-z]+)/g, "x");
      if (r.auth.kind === "key") {
        const key = r.auth.scope === "events:write" ? b.key : a.key;
        const res = await api(r.method.toUpperCase(), path, undefined, key);
        expect(res.status, `${r.operationId}`).toBe(403);
        expect(res.body.required, `${r.operationId}`).toBe(r.auth.scope);
        const documented = (operationOf(r.method, r.path).security ?? []) as Record<
          string,
          string[]
        >[];
        expect(documented[0]?.apiKey).toEqual([r.auth.scope]);
      } else if (r.auth.kind === "admin" || r.auth.kind === "anyKey") {
        // localhost: /mcp checks Host before the key (DNS-rebinding guard).
        const res = await SELF.fetch(`http://localhost${path}`, { method: r.method.toUpperCase() });
        expect(res.status, `${r.operationId}`).toBe(401);
      }
    }
  });
});

describe("the reference page", () => {
  test("renders every operation from the document under a CSP that allows only its own style", async () => {
    const res = await SELF.fetch("https://baton.test/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("unsafe-inline");
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? "";
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(style));
    const hash = btoa(String.fromCharCode(...new Uint8Array(digest)));
    expect(csp).toContain(`style-src 'sha256-${hash}'`);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|url\(/i);
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1] ?? "");
    expect(hrefs.filter((h) => !h.startsWith("#") && h !== "/openapi.json")).toEqual([]);
    for (const r of ROUTES) expect(html).toContain(`id="op-${r.operationId}"`);
  });
});

function operationOf(method: string, path: string) {
  const op = doc.paths[openapiPath(path)]?.[method];
  if (!op) throw new Error(`${method} ${path} is not in the document`);
  return op;
}
