import { env, SELF } from "cloudflare:test";
import { expect } from "vitest";

export const ADMIN = "test-admin-secret";
let counter = 0;

/**
 * A fresh workspace (`prefix-…`, unique across test files that share a worker's storage) and a
 * key with the given scopes, made through the admin API.
 */
export async function workspace(
  scopes: string[] = [
    "events:write",
    "journeys:read",
    "journeys:write",
    "context:read",
    "customers:read",
    "customers:write",
  ],
  prefix = "ws",
): Promise<{ ws: string; key: string }> {
  const ws = `${prefix}-${Date.now().toString(36)}-${counter++}-${crypto.randomUUID().slice(0, 6)}`;
  const created = await api("PUT", `/v1/admin/workspaces/${ws}`, { name: ws }, ADMIN);
  expect(created.status).toBe(201);
  const key = await api("POST", `/v1/admin/workspaces/${ws}/keys`, { name: "test", scopes }, ADMIN);
  expect(key.status).toBe(201);
  return { ws, key: (key.body as { key: string }).key };
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { [k: string]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- test convenience for deep reads
}

/** Calls the Worker like a client: JSON in, JSON (or problem+json) out. */
export async function api(
  method: string,
  path: string,
  body?: unknown,
  key?: string,
  headers: Record<string, string> = {},
): Promise<ApiResponse> {
  const init: RequestInit = { method, headers: { ...headers } };
  const h = init.headers as Record<string, string>;
  if (key) h.authorization = `Bearer ${key}`;
  if (body !== undefined) {
    h["content-type"] ??= "application/json";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  const res = await SELF.fetch(`https://baton.test${path}`, init);
  const text = await res.text();
  let parsed: ApiResponse["body"] = {};
  try {
    parsed = text ? (JSON.parse(text) as ApiResponse["body"]) : {};
  } catch {
    parsed = { raw: text };
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** An inbound SMS-like event from a phone number. */
export function smsFrom(phone: string, text: string, extra: Record<string, unknown> = {}) {
  return {
    identifiers: [{ type: "phone", value: phone }],
    channel: "sms",
    direction: "inbound",
    actor: { kind: "customer" },
    type: "message",
    text,
    ...extra,
  };
}

/**
 * Runs the journey object's alarm (the outbox hand-off to the history queue) now. When that
 * emptied the outbox, also waits (at most 5 s) until the queue's consumer has written every
 * event of the journey to D1, so D1 can be read right after, as before the queue.
 */
export async function flushJourney(ws: string, journeyId: string): Promise<boolean> {
  const { runDurableObjectAlarm, runInDurableObject } = await import("cloudflare:test");
  const stub = env.JOURNEY.get(env.JOURNEY.idFromName(`${ws}/${journeyId}`));
  const ran = await runDurableObjectAlarm(stub);
  const seq = await runInDurableObject(stub, (_o, state) => {
    const sql = state.storage.sql;
    const pending = sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n;
    const j = sql.exec<{ seq: number }>("SELECT seq FROM journey").toArray()[0];
    return pending === 0 && j ? j.seq : null;
  });
  const deadline = Date.now() + 5_000;
  while (seq !== null && Date.now() < deadline) {
    const row = await env.DB.prepare(
      "SELECT count(*) AS n FROM events WHERE workspace_id = ? AND journey_id = ?",
    )
      .bind(ws, journeyId)
      .first<{ n: number }>()
      .catch(() => null); // a test may have taken the events table away
    if ((row?.n ?? 0) >= seq) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return ran;
}

export function expectProblem(res: ApiResponse, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  expect(res.body.code).toBe(code);
  expect(res.body.type).toBe(`urn:baton:problem:${code}`);
}

/**
 * Twilio's request signature, written from Twilio's docs rather than imported from the adapter
 * (an independent check): the URL, then each parameter name+value sorted by name, HMAC-SHA1
 * with the auth token, base64.
 */
export async function signTwilio(
  token: string,
  url: string,
  fields: Record<string, string>,
): Promise<string> {
  const data = Object.keys(fields)
    .sort()
    .reduce((acc, k) => acc + k + (fields[k] ?? ""), url);
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    enc.encode(token),
    { name: "HMAC", hash: "SHA-1" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(data)));
  return btoa(String.fromCharCode(...mac));
}
