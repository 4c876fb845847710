import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { JourneyObject } from "../workers/relay/src/objects/journey/object";
import { ADMIN, api, expectProblem, flushJourney, smsFrom, workspace } from "./helpers";
import { waitFor } from "./history-helpers";

const DANA = { kind: "agent", id: "dana", name: "Dana Reyes" } as const;
const iso = (msFromNow: number) => new Date(Date.now() + msFromNow).toISOString();
const HOUR = 3_600_000;

async function journeyWithOwner(phone: string, settings?: Record<string, unknown>) {
  const { ws, key } = await workspace();
  if (settings) {
    const res = await api("PATCH", `/v1/admin/workspaces/${ws}/settings`, settings, ADMIN);
    expect(res.status).toBe(200);
  }
  const first = await api("POST", "/v1/events", smsFrom(phone, "my refund never came"), key);
  expect(first.status).toBe(201);
  const id = first.body.journeyId as string;
  const owner = await api(
    "PUT",
    `/v1/journeys/${id}/owner`,
    { kind: "person", id: "dana", name: "Dana Reyes", team: "billing" },
    key,
  );
  expect(owner.status).toBe(200);
  return { ws, key, id };
}

const stubOf = (ws: string, id: string) => env.JOURNEY.get(env.JOURNEY.idFromName(`${ws}/${id}`));

/** Runs the journey's alarm handler `times` times at once, as a double-fired alarm would. */
async function fireAlarm(ws: string, id: string, times = 1): Promise<void> {
  await runInDurableObject(stubOf(ws, id), async (o: JourneyObject) => {
    await Promise.all(Array.from({ length: times }, () => o.alarm()));
  });
}

async function eventsOf(key: string, id: string) {
  const res = await api("GET", `/v1/journeys/${id}/events?limit=200`, undefined, key);
  expect(res.status).toBe(200);
  return res.body.items as { seq: number; type: string; text: string; data: any }[]; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe("the promise ledger", () => {
  it("a promise past due becomes overdue, then broken at verify-by, each step once under double-fired alarms", async () => {
    const { ws, key, id } = await journeyWithOwner("+14155550301");
    const made = await api(
      "POST",
      `/v1/journeys/${id}/promises`,
      {
        text: "call back about the refund",
        dueAt: iso(-2 * HOUR),
        verifyBy: iso(-HOUR),
        madeBy: DANA,
        madeAt: iso(-3 * HOUR),
      },
      key,
    );
    expect(made.status).toBe(201);
    const pid = made.body.id as string;
    // The alarm is armed for the past due time; fire it three times at once, then twice more.
    await fireAlarm(ws, id, 3);
    await fireAlarm(ws, id, 2);
    await flushJourney(ws, id);
    const events = await eventsOf(key, id);
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === "promise.overdue")).toHaveLength(1);
    expect(types.filter((t) => t === "promise.broken")).toHaveLength(1);
    expect(types.filter((t) => t === "exception.raised")).toHaveLength(1);
    // In order: overdue before broken before the exception.
    expect(types.indexOf("promise.overdue")).toBeLessThan(types.indexOf("promise.broken"));
    expect(types.indexOf("promise.broken")).toBeLessThan(types.indexOf("exception.raised"));
    const j = await api("GET", `/v1/journeys/${id}`, undefined, key);
    const p = (
      j.body.promises as {
        id: string;
        status: string;
        history: { from: string | null; to: string }[];
      }[]
    ).find((x) => x.id === pid);
    expect(p?.status).toBe("broken");
    expect(p?.history.map((h) => `${h.from ?? "∅"}→${h.to}`)).toEqual([
      "∅→pending",
      "pending→overdue",
      "overdue→broken",
    ]);
    expect(j.body.effort.brokenPromises).toBe(1);
    expect(j.body.exceptions).toHaveLength(1);
    expect(j.body.exceptions[0]).toMatchObject({
      kind: "broken_promise",
      status: "open",
      promiseId: pid,
    });
    expect(j.body.exceptions[0].text).toContain("call back about the refund");
    expect(j.body.exceptions[0].guidance).toMatch(/^apologise/);
    // D1 history counts the clock's break like a broken settle (analytics read D1).
    const a = await api("GET", `/v1/analytics/effort?journey=${id}`, undefined, key);
    expect(a.status).toBe(200);
    expect(a.body.journey).toMatchObject({ promisesBroken: 1, promisesKept: 0 });
  });

  it("the alarm is armed for the earliest promise, even when it is days away", async () => {
    const { ws, key, id } = await journeyWithOwner("+14155550302");
    await flushJourney(ws, id);
    const dueAt = iso(3 * 24 * HOUR);
    const made = await api(
      "POST",
      `/v1/journeys/${id}/promises`,
      { text: "technician visit", dueAt, madeBy: DANA },
      key,
    );
    expect(made.status).toBe(201);
    // The alarm fires on its own (the outbox flush 100 ms after a write, a nudge at once);
    // what matters is what it arms next. Poll the armed time until it settles on `expected`.
    const armedAt = (expected: number) =>
      waitFor(async () => {
        const at = await runInDurableObject(stubOf(ws, id), (_o, state) =>
          state.storage.getAlarm(),
        );
        return at === expected ? at : null;
      }, 10_000);
    // The owner's first nudge comes first: 60 minutes before (outreach.nudges.leadMinutes).
    expect(await armedAt(Date.parse(dueAt) - HOUR)).toBe(Date.parse(dueAt) - HOUR);
    // An earlier promise moves the alarm earlier. Due in an hour: its 60-minute nudge is due
    // at once and fires; next comes the 15-minute one.
    const sooner = iso(HOUR);
    await api(
      "POST",
      `/v1/journeys/${id}/promises`,
      { text: "send the form", dueAt: sooner, madeBy: DANA },
      key,
    );
    const afterNudge = Date.parse(sooner) - 15 * 60_000;
    expect(await armedAt(afterNudge)).toBe(afterNudge);
    // Nothing due yet: both still pending.
    const j = await api("GET", `/v1/journeys/${id}/promises`, undefined, key);
    expect((j.body.items as { status: string }[]).map((p) => p.status)).toEqual([
      "pending",
      "pending",
    ]);
  });

  it("a customer's thanks, or any new message, never cancels a pending promise", async () => {
    const { ws, key, id } = await journeyWithOwner("+14155550303");
    const made = await api(
      "POST",
      `/v1/journeys/${id}/promises`,
      { text: "refund within 3 days", dueAt: iso(72 * HOUR), madeBy: DANA },
      key,
    );
    for (const text of ["thanks!", "ok great, thank you", "never mind, all sorted", "cancel"]) {
      const r = await api("POST", "/v1/events", smsFrom("+14155550303", text), key);
      expect(r.status).toBe(201);
      expect(r.body.journeyId).toBe(id);
    }
    await fireAlarm(ws, id);
    const j = await api("GET", `/v1/journeys/${id}`, undefined, key);
    const p = (j.body.promises as { id: string; status: string }[]).find(
      (x) => x.id === made.body.id,
    );
    expect(p?.status).toBe("pending");
  });

  it("renegotiation closes the old promise, links the new one, and recovers a broken one", async () => {
    const { ws, key, id } = await journeyWithOwner("+14155550304");
    const first = await api(
      "POST",
      `/v1/journeys/${id}/promises`,
      { text: "callback at 17:00", dueAt: iso(HOUR), madeBy: DANA },
      key,
    );
    const newDue = iso(26 * HOUR);
    const moved = await api(
      "POST",
      `/v1/journeys/${id}/promises/${first.body.id}/renegotiate`,
      { dueAt: newDue, note: "customer asked for tomorrow", actor: DANA },
      key,
    );
    expect(moved.status).toBe(201);
    const second = moved.body.id as string;
    expect(second).not.toBe(first.body.id);
    let list = (await api("GET", `/v1/journeys/${id}/promises`, undefined, key)).body.items as {
      id: string;
      status: string;
      dueAt: string;
      replaces: string | null;
      replacedBy: string | null;
      text: string;
    }[];
    const old = list.find((p) => p.id === first.body.id);
    const fresh = list.find((p) => p.id === second);
    expect(old).toMatchObject({ status: "renegotiated", replacedBy: second });
    expect(fresh).toMatchObject({ status: "pending", replaces: first.body.id, dueAt: newDue });
    expect(fresh?.text).toBe("callback at 17:00");
    // A renegotiated promise cannot be settled again.
    const settleOld = await api(
      "PATCH",
      `/v1/journeys/${id}/promises/${first.body.id}`,
      { status: "kept" },
      key,
    );
    expectProblem(settleOld, 409, "promise_settled");

    // The new one breaks by hand; renegotiating it recovers: it stays broken, the exception resolves.
    const broke = await api(
      "PATCH",
      `/v1/journeys/${id}/promises/${second}`,
      { status: "broken", note: "missed it", actor: DANA },
      key,
    );
    expect(broke.status).toBe(200);
    expect(broke.body.context.exceptions[0]).toMatchObject({
      kind: "broken_promise",
      status: "open",
    });
    const third = await api(
      "POST",
      `/v1/journeys/${id}/promises/${second}/renegotiate`,
      { dueAt: iso(2 * HOUR), text: "callback today by 15:00", actor: DANA },
      key,
    );
    expect(third.status).toBe(201);
    list = third.body.context.promises;
    expect(list.find((p) => p.id === second)?.status).toBe("broken");
    expect(list.find((p) => p.id === third.body.id)).toMatchObject({
      status: "pending",
      replaces: second,
      text: "callback today by 15:00",
    });
    expect(third.body.context.exceptions[0]).toMatchObject({ status: "resolved" });
    expect(third.body.context.effort.brokenPromises).toBe(1);
    await flushJourney(ws, id);
    const types = (await eventsOf(key, id)).map((e) => e.type);
    expect(types.filter((t) => t === "promise.renegotiated")).toHaveLength(2);
  });

  it("with autoBreak off, an overdue promise waits for a person instead of breaking", async () => {
    const { ws, key, id } = await journeyWithOwner("+14155550305", {
      promises: { graceMinutes: 0, autoBreak: false },
    });
    const made = await api(
      "POST",
      `/v1/journeys/${id}/promises`,
      { text: "send the contract", dueAt: iso(-HOUR), madeBy: DANA, madeAt: iso(-2 * HOUR) },
      key,
    );
    await fireAlarm(ws, id, 2);
    let p = (await api("GET", `/v1/journeys/${id}/promises`, undefined, key)).body.items[0];
    expect(p).toMatchObject({ id: made.body.id, status: "overdue" });
    // Once the outbox is flushed nothing is left for the alarm: no loop on the overdue promise.
    // (Only retention's pass is armed, a year out: docs/privacy.md "Retention".)
    await runDurableObjectAlarm(stubOf(ws, id));
    const alarm = await runInDurableObject(stubOf(ws, id), (_o, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThan(Date.now() + 300 * 24 * HOUR);
    const kept = await api(
      "PATCH",
      `/v1/journeys/${id}/promises/${made.body.id}`,
      { status: "kept", actor: DANA },
      key,
    );
    expect(kept.status).toBe(200);
    p = kept.body.context.promises[0];
    expect(p.status).toBe("kept");
    expect(kept.body.context.exceptions).toEqual([]);
  });

  it("rejects verifyBy before dueAt, unknown promises and bad renegotiations, changing nothing", async () => {
    const { key, id } = await journeyWithOwner("+14155550306");
    const bad = await api(
      "POST",
      `/v1/journeys/${id}/promises`,
      { text: "x", dueAt: iso(2 * HOUR), verifyBy: iso(HOUR), madeBy: DANA },
      key,
    );
    expectProblem(bad, 422, "validation_failed");
    const missing = await api(
      "POST",
      `/v1/journeys/${id}/promises/prm_missing/renegotiate`,
      { dueAt: iso(HOUR) },
      key,
    );
    expectProblem(missing, 404, "promise_not_found");
    const noDue = await api(
      "POST",
      `/v1/journeys/${id}/promises/prm_missing/renegotiate`,
      { text: "later" },
      key,
    );
    expectProblem(noDue, 422, "validation_failed");
    const j = await api("GET", `/v1/journeys/${id}`, undefined, key);
    expect(j.body.promises).toEqual([]);
    expect(j.body.history.total).toBe(2);
  });
});
