import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import type { EventType, EventView } from "@baton/core";
import { expect, inject } from "vitest";
import type { OutboundEvent } from "../workers/relay/src/objects/webhooks/outbound";
import { api, workspace } from "./helpers";

declare module "vitest" {
  export interface ProvidedContext {
    /** Base URL of the loopback receiver started by test/webhook-receiver.global.mjs. */
    webhookReceiver: string;
  }
}

export interface Received {
  headers: Record<string, string>;
  body: string;
  receivedAt: number;
  /** Per secret configured on the path: did the official standardwebhooks library accept it? */
  verifications: { secret: string; ok: boolean; error: string | null }[];
  answered: number;
}

export interface ReceiverMode {
  down?: boolean;
  status?: number;
  retryAfter?: string | null;
  secrets?: string[];
}

let receivers = 0;

/** A fresh path on the loopback receiver: its URL, a mode switch and what it received. */
export function receiver() {
  const base = inject("webhookReceiver");
  const name = `r${Date.now().toString(36)}${receivers++}`;
  return {
    url: `${base}/hook/${name}`,
    async set(mode: ReceiverMode): Promise<void> {
      const res = await fetch(`${base}/control/${name}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(mode),
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    },
    async requests(): Promise<Received[]> {
      const res = await fetch(`${base}/control/${name}`);
      return ((await res.json()) as { requests: Received[] }).requests;
    },
  };
}
export type Receiver = ReturnType<typeof receiver>;

/** A workspace whose key can manage webhooks (and nothing else unless asked). */
export function webhookWorkspace(extra: string[] = []) {
  return workspace(["webhooks:manage", ...extra]);
}

export function hooksStub(ws: string) {
  return env.WEBHOOKS.get(env.WEBHOOKS.idFromName(ws));
}

/** Creates a subscription through the API; returns its id and secret. */
export async function subscribe(
  key: string,
  url: string,
  extra: Record<string, unknown> = {},
): Promise<{ id: string; secret: string }> {
  const res = await api("POST", "/v1/webhooks", { url, ...extra }, key);
  expect(res.status).toBe(201);
  return { id: res.body.id as string, secret: res.body.secret as string };
}

let events = 0;

/** An event as the journey object hands it over (the shape of GET /v1/journeys/:id/events). */
export function outbound(
  ws: string,
  journeyId: string,
  seq: number,
  type: EventType = "message",
): OutboundEvent {
  const id = `evt_${Date.now().toString(36)}${(events++).toString(36).padStart(6, "0")}`;
  const at = new Date().toISOString();
  const event: EventView = {
    seq,
    id,
    type,
    channel: "sms",
    direction: "inbound",
    actor: { kind: "customer" },
    text: `event ${seq} of ${journeyId}`,
    data: null,
    occurredAt: at,
    recordedAt: at,
  };
  return { id, type, workspace: ws, journeyId, customerId: "cus_test", seq, event };
}

/** Runs the webhooks object's alarm now (false when none was armed, e.g. it already fired). */
export function runHooksAlarm(ws: string): Promise<boolean> {
  return runDurableObjectAlarm(hooksStub(ws));
}

/**
 * Runs the object's alarm until `probe` satisfies `done`. The alarm also fires by itself in
 * workerd, so a run may find nothing armed; the probe is what the test waits for.
 */
export async function until<T>(
  ws: string,
  probe: () => Promise<T>,
  done: (v: T) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    await runHooksAlarm(ws);
    const v = await probe();
    if (done(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Rows of the object's tables, read inside it (for assertions on state the API summarizes). */
export function sqlRows<T extends Record<string, SqlStorageValue>>(
  ws: string,
  query: string,
  ...args: SqlStorageValue[]
): Promise<T[]> {
  return runInDurableObject(hooksStub(ws), (_o, state) =>
    state.storage.sql.exec<T>(query, ...args).toArray(),
  );
}

/** Runs a write inside the object (used to stand in for hours or days passing). */
export function sqlRun(ws: string, query: string, ...args: SqlStorageValue[]): Promise<void> {
  return runInDurableObject(hooksStub(ws), (_o, state) => {
    state.storage.sql.exec(query, ...args);
  });
}

/** The parsed payload of a received delivery. */
export function payloadOf(r: Received) {
  return JSON.parse(r.body) as {
    type: string;
    timestamp: string;
    data: {
      workspace: string;
      journeyId: string;
      customerId: string | null;
      seq: number;
      event: EventView;
      subscriptionId?: string;
      reason?: string;
    };
  };
}

/** 2xx-answered requests only. */
export const succeeded = (list: Received[]) =>
  list.filter((r) => r.answered >= 200 && r.answered < 300);
