import { describe, expect, it } from "vitest";
import { api, expectProblem, smsFrom, workspace } from "./helpers";

const DANA = { kind: "agent", id: "dana", name: "Dana Reyes" } as const;
const iso = (msFromNow: number) => new Date(Date.now() + msFromNow).toISOString();
const HOUR = 3_600_000;

async function journey(phone: string) {
  const { key } = await workspace();
  const first = await api("POST", "/v1/events", smsFrom(phone, "my refund never came"), key);
  expect(first.status).toBe(201);
  return { key, id: first.body.journeyId as string };
}

async function promisesOf(key: string, id: string) {
  const res = await api("GET", `/v1/journeys/${id}/promises`, undefined, key);
  expect(res.status).toBe(200);
  return res.body.items as { id: string; status: string; dueAt: string }[];
}

async function eventCount(key: string, id: string): Promise<number> {
  const res = await api("GET", `/v1/journeys/${id}/events?limit=200`, undefined, key);
  expect(res.status).toBe(200);
  return (res.body.items as unknown[]).length;
}

describe("a promise due in the past", () => {
  it("is refused with a 422 naming dueAt, and nothing is stored", async () => {
    const { key, id } = await journey("+14155550801");
    const before = await eventCount(key, id);
    const res = await api(
      "POST",
      `/v1/journeys/${id}/promises`,
      { text: "refund within 3 business days", dueAt: iso(-HOUR), madeBy: DANA },
      key,
    );
    expectProblem(res, 422, "promise_due_in_past");
    expect(res.body.field).toBe("dueAt");
    expect(res.body.detail).toContain("madeAt");
    expect(await promisesOf(key, id)).toEqual([]);
    expect(await eventCount(key, id)).toBe(before);
  });

  it("is recorded when the request says it was made earlier (madeAt), and is overdue at once", async () => {
    const { key, id } = await journey("+14155550802");
    const madeAt = iso(-26 * HOUR);
    const res = await api(
      "POST",
      `/v1/journeys/${id}/promises`,
      { text: "call back yesterday", dueAt: iso(-2 * HOUR), madeBy: DANA, madeAt },
      key,
    );
    expect(res.status).toBe(201);
    const [p] = await promisesOf(key, id);
    expect(p?.id).toBe(res.body.id);
    // The view reads the clock: a pending promise past due shows as overdue before the alarm
    // runs; its verify-by time (dueAt + 60 min) passed an hour ago, so the alarm, which runs at
    // once, may already have broken it.
    expect(["pending", "overdue", "broken"]).toContain(p?.status);
    const events = await api("GET", `/v1/journeys/${id}/events?limit=200`, undefined, key);
    const made = (
      events.body.items as { type: string; occurredAt: string; data: { madeAt?: string } }[]
    ).find((e) => e.type === "promise.made");
    expect(made?.data.madeAt).toBe(madeAt);
    expect(made?.occurredAt).toBe(madeAt);
  });

  it("a madeAt in the future is a 422 naming madeAt", async () => {
    const { key, id } = await journey("+14155550803");
    const res = await api(
      "POST",
      `/v1/journeys/${id}/promises`,
      { text: "call back", dueAt: iso(2 * HOUR), madeBy: DANA, madeAt: iso(HOUR) },
      key,
    );
    expectProblem(res, 422, "promise_made_in_future");
    expect(res.body.field).toBe("madeAt");
    expect(await promisesOf(key, id)).toEqual([]);
  });

  it("a renegotiation to a past time is refused and leaves the promise as it was", async () => {
    const { key, id } = await journey("+14155550804");
    const made = await api(
      "POST",
      `/v1/journeys/${id}/promises`,
      { text: "technician visit", dueAt: iso(4 * HOUR), madeBy: DANA },
      key,
    );
    expect(made.status).toBe(201);
    const res = await api(
      "POST",
      `/v1/journeys/${id}/promises/${made.body.id}/renegotiate`,
      { dueAt: iso(-HOUR), note: "moved", actor: DANA },
      key,
    );
    expectProblem(res, 422, "promise_due_in_past");
    const items = await promisesOf(key, id);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ id: made.body.id, status: "pending" });
  });

  it("an idempotent retry of an accepted promise is answered after its due time passed", async () => {
    const { key, id } = await journey("+14155550805");
    // Due in 4 s (room for a slow first POST); the retry comes after that and must replay, not
    // be refused.
    const body = { text: "call back shortly", dueAt: iso(4_000), madeBy: DANA };
    const headers = { "idempotency-key": `timing-${id}` };
    const first = await api("POST", `/v1/journeys/${id}/promises`, body, key, headers);
    expect(first.status).toBe(201);
    const due = Date.parse(body.dueAt);
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now()) + 300));
    expect(Date.now()).toBeGreaterThan(due);
    const again = await api("POST", `/v1/journeys/${id}/promises`, body, key, headers);
    // A replay answers 200 with `replayed: true` (docs/api.md, idempotency).
    expect(again.status).toBe(200);
    expect(again.body.replayed).toBe(true);
    expect(again.body.id).toBe(first.body.id);
    expect(await promisesOf(key, id)).toHaveLength(1);
  });
});
