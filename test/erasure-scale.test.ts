import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api } from "./helpers";
import { waitFor } from "./history-helpers";
import { erasureWorkspace } from "./erasure-helpers";

/**
 * The closing figure of docs/privacy.md "Erasure": a customer with 10 journeys and 1,000
 * events, every event in D1, erased; the time from the request to the completed job. Printed,
 * not asserted (the machine's speed varies); what is asserted is that all of it is gone.
 */
describe("erasure at size", () => {
  it("erases a customer with 10 journeys and 1,000 events completely, and reports the time", async () => {
    const { ws, key } = await erasureWorkspace();
    const phone = "+14155550177";
    const journeys: string[] = [];
    for (let j = 0; j < 10; j++) {
      for (let n = 0; n < 100; n++) {
        const res = await api(
          "POST",
          "/v1/events",
          {
            identifiers: [{ type: "phone", value: phone }],
            channel: "sms",
            direction: "inbound",
            actor: { kind: "customer" },
            type: "message",
            text: `journey ${j} message ${n}: the washing machine leaks (Quillon-${j}-${n})`,
            ...(n === 0 ? { newJourney: true } : { journeyId: journeys[j] }),
          },
          key,
          { "idempotency-key": `scale-${j}-${n}` },
        );
        expect(res.status).toBe(201);
        if (n === 0) journeys.push(res.body.journeyId as string);
      }
    }
    expect(new Set(journeys).size).toBe(10);
    // Every event reaches D1 (the journeys' alarms flush on their own).
    await waitFor(async () => {
      const row = await env.DB.prepare("SELECT count(*) AS n FROM events WHERE workspace_id = ?")
        .bind(ws)
        .first<{ n: number }>();
      return (row?.n ?? 0) >= 1000 ? true : null;
    }, 60_000);
    const customerId = (await api("GET", `/v1/journeys/${journeys[0]}`, undefined, key)).body
      .customerId as string;

    const started = Date.now();
    const req = await api("POST", `/v1/customers/${customerId}/erasure`, {}, key);
    expect(req.status).toBe(202);
    const job = await waitFor(async () => {
      const r = await api("GET", `/v1/erasures/${req.body.id}`, undefined, key);
      return r.body.status === "completed" ? r.body : null;
    }, 60_000);
    const ms = Date.now() - started;
    console.log(
      `erasure: 10 journeys, ${job.counts.events} events, ${job.counts.historyRows} D1 rows, ${job.counts.tombstones} tombstones: ${ms} ms from request to completed`,
    );
    expect(job.counts).toMatchObject({ journeys: 10, tombstones: 1000 });
    // 1,000 messages plus the events Baton writes itself (continuity links between the journeys).
    expect(job.counts.events).toBeGreaterThanOrEqual(1000);
    // A history record still in flight is deleted again right after the consumer writes it.
    await waitFor(async () => {
      const left = await env.DB.prepare(
        "SELECT (SELECT count(*) FROM events WHERE workspace_id = ?1) + (SELECT count(*) FROM journeys WHERE workspace_id = ?1) AS n",
      )
        .bind(ws)
        .first<{ n: number }>();
      return left?.n === 0 ? true : null;
    }, 10_000);
    for (const j of journeys) {
      expect((await api("GET", `/v1/journeys/${j}`, undefined, key)).status).toBe(404);
    }
  });
});
