/**
 * Fixtures of the tests that read open journeys from the D1 history (test/worklist.test.ts,
 * test/console-lists.test.ts, test/analytics.test.ts): owned journeys, agent replies,
 * exceptions and broken promises made through the API, and waiting until D1 has caught up
 * with the live journeys (handed to the history queue is not yet in D1, and the consumer may
 * run late on a loaded machine).
 */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { api, flushJourney, smsFrom } from "./helpers";
import { waitFor } from "./history-helpers";

/**
 * Polls until D1 holds every journey of `seqs` (journey id → its last sequence number) at that
 * number; `behind` runs for the first journey still behind on each poll (e.g. flush it again).
 */
export async function waitForD1Seqs(
  ws: string,
  seqs: Map<string, number>,
  behind?: (journeyId: string) => Promise<unknown>,
): Promise<void> {
  await waitFor(async () => {
    for (const [id, seq] of seqs) {
      const row = await env.DB.prepare(
        "SELECT last_seq FROM journeys WHERE workspace_id = ? AND id = ?",
      )
        .bind(ws, id)
        .first<{ last_seq: number }>();
      if (row?.last_seq !== seq) {
        await behind?.(id);
        return null;
      }
    }
    return true;
  });
}

/** Flushes every journey and waits until D1 holds each at its last sequence number. */
export async function settle(ws: string, key: string, ids: string[]): Promise<void> {
  const seqs = new Map<string, number>();
  for (const id of ids) {
    const j = await api("GET", `/v1/journeys/${id}`, undefined, key);
    expect(j.status).toBe(200);
    seqs.set(id, Number(j.body.seq));
    await flushJourney(ws, id);
  }
  await waitForD1Seqs(ws, seqs, (id) => flushJourney(ws, id));
}

/** A journey of a new customer (`phone`), opened by an inbound SMS and owned by `owner`. */
export async function ownedJourney(
  key: string,
  phone: string,
  owner: Record<string, string>,
  text: string,
): Promise<string> {
  const first = await api("POST", "/v1/events", smsFrom(phone, text), key);
  expect(first.status).toBe(201);
  const id = first.body.journeyId as string;
  const o = await api("PUT", `/v1/journeys/${id}/owner`, owner, key);
  expect(o.status, JSON.stringify(o.body)).toBe(200);
  return id;
}

/** `actor` answers the customer by SMS: the latest message of the journey is then ours. */
export async function agentReply(
  key: string,
  id: string,
  actor: Record<string, string>,
  text: string,
): Promise<void> {
  const res = await api(
    "POST",
    "/v1/events",
    { journeyId: id, channel: "sms", direction: "outbound", actor, text },
    key,
  );
  expect(res.status).toBe(201);
}

/** An open failed-payment exception on the journey, not escalated. */
export async function failedPayment(key: string, id: string): Promise<void> {
  const ex = await api(
    "POST",
    `/v1/journeys/${id}/exceptions`,
    { kind: "failed_payment", text: "card payment for invoice 1042 failed", escalate: false },
    key,
  );
  expect(ex.status).toBe(201);
}

/** The promise `promiseId` of the journey is marked broken ("nobody called"). */
export async function breakPromise(key: string, id: string, promiseId: string): Promise<void> {
  const broke = await api(
    "PATCH",
    `/v1/journeys/${id}/promises/${promiseId}`,
    { status: "broken", note: "nobody called" },
    key,
  );
  expect(broke.status).toBe(200);
}
