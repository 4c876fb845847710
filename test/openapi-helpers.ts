import { SELF } from "cloudflare:test";
import { expect } from "vitest";
import type { RouteDoc } from "../workers/relay/src/openapi/table";
import { ADMIN, api, smsFrom, workspace } from "./helpers";

/** The served document, read as a client reads it. */
export type Doc = { paths: Record<string, Record<string, Operation>>; [k: string]: unknown };
export interface Operation {
  operationId: string;
  parameters?: { name?: string; in?: string; examples?: Record<string, { value: unknown }> }[];
  requestBody?: { content: Record<string, { examples?: Record<string, { value: unknown }> }> };
  [k: string]: unknown;
}

export async function servedDocument(): Promise<Doc> {
  const res = await SELF.fetch("https://baton.test/openapi.json");
  expect(res.status).toBe(200);
  return (await res.json()) as Doc;
}

/** Request examples as the document states them: whole bodies, and queries rebuilt per name. */
export function examplesOf(
  op: Operation,
): { name: string; body?: unknown; query?: Record<string, string> }[] {
  const out: { name: string; body?: unknown; query?: Record<string, string> }[] = [];
  for (const [name, ex] of Object.entries(
    op.requestBody?.content["application/json"]?.examples ?? {},
  )) {
    out.push({ name, body: ex.value });
  }
  const queries = new Map<string, Record<string, string>>();
  for (const p of op.parameters ?? []) {
    if (p.in !== "query" || !p.name) continue;
    for (const [name, ex] of Object.entries(p.examples ?? {})) {
      const q = queries.get(name) ?? {};
      q[p.name] = String(ex.value);
      queries.set(name, q);
    }
  }
  for (const [name, query] of queries) out.push({ name, query });
  return out;
}

const CALLER = "+14155550100";
let phone = 0;

/**
 * A workspace where every documented example can succeed: the example caller has a journey,
 * and a second workspace holds the webhook subscription (it never receives events, so no
 * delivery leaves the test).
 */
export async function exampleFixture() {
  const main = await workspace(["admin"]);
  const hooks = await workspace(["webhooks:manage"]);
  const first = await api("POST", "/v1/events", smsFrom(CALLER, "I was charged twice"), main.key);
  expect(first.status).toBe(201);
  const sub = await api(
    "POST",
    "/v1/webhooks",
    { url: "https://crm.example.com/baton" },
    hooks.key,
  );
  expect(sub.status).toBe(201);
  return {
    main,
    hooks,
    customerId: first.body.customerId as string,
    subscription: sub.body.id as string,
  };
}
export type Fixture = Awaited<ReturnType<typeof exampleFixture>>;

/** A new journey (its own caller), so one example's write never stands in another's way. */
async function freshJourney(key: string): Promise<string> {
  const caller = `+1415555${String(2000 + phone++).padStart(4, "0")}`;
  const res = await api("POST", "/v1/events", smsFrom(caller, "the refund never came"), key);
  expect(res.status).toBe(201);
  return res.body.journeyId as string;
}

async function created(path: string, body: unknown, key: string): Promise<string> {
  const res = await api("POST", path, body, key);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

const dana = { kind: "agent", id: "dana" };

/** The path values and the credential one example request runs with. */
export async function target(r: RouteDoc, fx: Fixture): Promise<{ path: string; auth?: string }> {
  const key = r.tag === "Webhooks" ? fx.hooks.key : fx.main.key;
  const values: Record<string, string> = {
    ws: fx.main.ws,
    workspace: fx.main.ws,
    keyId: "000000000000",
    pid: "pl_unknown",
    eid: "exc_unknown",
  };
  if (r.path === "/v1/admin/workspaces/:ws" && r.method === "put") {
    values.ws = `ws-oa-${Date.now().toString(36)}`;
  }
  if (r.path.startsWith("/v1/journeys/:id")) {
    const id = await freshJourney(key);
    values.id = id;
    const base = `/v1/journeys/${id}`;
    const promise = { text: "refund by Friday", dueAt: "2099-03-06T17:00:00Z", madeBy: dana };
    if (r.path.includes(":pid")) values.pid = await created(`${base}/promises`, promise, key);
    if (r.path.includes(":eid")) {
      const exception = { kind: "other", text: "parcel lost", escalate: false };
      values.eid = await created(`${base}/exceptions`, exception, key);
    }
  }
  if (r.path.startsWith("/v1/customers/:id")) {
    values.id = fx.customerId;
    if (r.path.includes(":vid")) {
      const identifier = { type: "email", value: "check@example.com" };
      values.vid = await created(
        `/v1/customers/${fx.customerId}/verifications`,
        { identifier },
        key,
      );
    }
  }
  if (r.path.startsWith("/v1/webhooks/:id")) values.id = fx.subscription;
  const path = r.path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`no example value for :${name} in ${r.path}`);
    return encodeURIComponent(v);
  });
  const auth = r.auth.kind === "key" ? key : r.auth.kind === "admin" ? ADMIN : undefined;
  return auth === undefined ? { path } : { path, auth };
}
