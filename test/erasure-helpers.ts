import { env, runInDurableObject, SELF } from "cloudflare:test";
import { expect } from "vitest";
import { ADMIN, api, signTwilio, workspace } from "./helpers";
import { waitFor } from "./history-helpers";

export const TWILIO_TOKEN = "twilio-auth-token-for-erasure-tests";
export const SCOPES = [
  "events:write",
  "journeys:read",
  "journeys:write",
  "context:read",
  "customers:read",
  "customers:write",
  "customers:erase",
  "webhooks:manage",
  "audit:read",
];

/** A workspace (named `prefix-…`) with Twilio configured and a key that may erase. */
export async function erasureWorkspace(prefix = "er"): Promise<{ ws: string; key: string }> {
  const made = await workspace(SCOPES, prefix);
  const providers = { twilio: { authToken: TWILIO_TOKEN } };
  const set = await api("PATCH", `/v1/admin/workspaces/${made.ws}/settings`, { providers }, ADMIN);
  expect(set.status).toBe(200);
  return made;
}

export const sid = (prefix: string) => prefix + crypto.randomUUID().replace(/-/g, "");

/** A signed inbound SMS through the Twilio hook, as Twilio sends it (and retries it). */
export async function twilioSms(ws: string, fields: Record<string, string>) {
  const url = `https://baton.test/hooks/${ws}/twilio/sms`;
  const res = await SELF.fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-twilio-signature": await signTwilio(TWILIO_TOKEN, url, fields),
    },
    body: new URLSearchParams(fields).toString(),
  });
  return {
    status: res.status,
    journeyId: res.headers.get("x-baton-journey-id"),
    text: await res.text(),
  };
}

export const smsFields = (from: string, body: string, messageSid = sid("SM")) => ({
  MessageSid: messageSid,
  AccountSid: "AC" + "0".repeat(32),
  From: from,
  To: "+18005550199",
  Body: body,
  NumMedia: "0",
});

/** Polls the erasure until it completed (or `ms` passed). */
export async function completed(key: string, id: string, ms = 30_000) {
  return waitFor(async () => {
    const r = await api("GET", `/v1/erasures/${id}`, undefined, key);
    return r.body.status === "completed" ? r.body : null;
  }, ms);
}

/** Every row of every D1 history table, as text, for searching raw bytes. */
export async function d1Dump(): Promise<string> {
  const tables = ["events", "journeys", "owners", "promises", "history_dead"];
  const parts: string[] = [];
  for (const t of tables) {
    const { results } = await env.DB.prepare(`SELECT * FROM ${t}`).all();
    parts.push(JSON.stringify(results));
  }
  return parts.join("\n");
}

/** Every row of an object's tables, as text. */
export async function objectDump<T extends Rpc.DurableObjectBranded | undefined>(
  ns: DurableObjectNamespace<T>,
  name: string,
): Promise<string> {
  const stub = ns.get(ns.idFromName(name));
  return runInDurableObject(stub, (_o, state) => {
    const sql = state.storage.sql;
    const tables = sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'",
      )
      .toArray();
    return tables
      .map((t) => JSON.stringify(sql.exec(`SELECT * FROM "${t.name}"`).toArray()))
      .join("\n");
  });
}
