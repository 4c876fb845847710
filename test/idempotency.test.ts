import { describe, expect, it } from "vitest";
import { api, smsFrom, workspace } from "./helpers";

describe("idempotent writes", () => {
  it("a repeated idempotency key stores one event and returns the original result", async () => {
    const { key } = await workspace();
    const body = smsFrom("+14155550103", "is my refund coming?", { idempotencyKey: "SM123" });
    const first = await api("POST", "/v1/events", body, key);
    expect(first.status).toBe(201);
    const again = await api("POST", "/v1/events", body, key);
    expect(again.status).toBe(200);
    expect(again.body.replayed).toBe(true);
    expect(again.body.event).toEqual(first.body.event);
    expect(again.body.journeyId).toBe(first.body.journeyId);
    expect(again.body.context.history.total).toBe(1);
  });

  it("concurrent retries with one Idempotency-Key header store one event", async () => {
    const { key } = await workspace();
    const first = await api("POST", "/v1/events", smsFrom("+14155550104", "hi"), key);
    const id = first.body.journeyId as string;
    const body = {
      journeyId: id,
      channel: "sms",
      direction: "inbound",
      actor: { kind: "customer" },
      text: "retry me",
    };
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        api("POST", "/v1/events", body, key, { "idempotency-key": "SM-retry-1" }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200)).toHaveLength(9);
    expect(new Set(results.map((r) => r.body.event.seq)).size).toBe(1);
    const ctx = await api("GET", `/v1/journeys/${id}`, undefined, key);
    expect(ctx.body.history.total).toBe(2);
  });

  it("a repeated key on a sub-resource creates one promise", async () => {
    const { key } = await workspace();
    const first = await api("POST", "/v1/events", smsFrom("+14155550105", "hi"), key);
    const id = first.body.journeyId as string;
    const promise = {
      text: "call back today",
      dueAt: "2099-03-01T17:00:00Z",
      madeBy: { kind: "agent", id: "dana" },
    };
    const a = await api("POST", `/v1/journeys/${id}/promises`, promise, key, {
      "idempotency-key": "p-1",
    });
    const b = await api("POST", `/v1/journeys/${id}/promises`, promise, key, {
      "idempotency-key": "p-1",
    });
    expect(a.status).toBe(201);
    expect(b.status).toBe(200);
    expect(b.body.id).toBe(a.body.id);
    expect(b.body.context.promises).toHaveLength(1);
  });
});
