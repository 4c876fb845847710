import { describe, expect, it } from "vitest";
import { ADMIN, api, smsFrom, workspace } from "./helpers";

const inbound = (journeyId: string, channel: string, text: string) => ({
  journeyId,
  channel,
  direction: "inbound",
  actor: { kind: "customer" },
  text,
});

describe("journey lifecycle", () => {
  it("the channel switch: SMS then email then chat from one number stays one journey", async () => {
    const { key } = await workspace();
    const a = await api("POST", "/v1/events", smsFrom("+14155550120", "router broken"), key);
    const b = await api(
      "POST",
      "/v1/events",
      {
        ...smsFrom("+1 (415) 555-0120", "still broken"),
        channel: "email",
        identifiers: [
          { type: "phone", value: "+1 (415) 555-0120" },
          { type: "email", value: "Kim@Example.com" },
        ],
      },
      key,
    );
    expect(b.body.journeyId).toBe(a.body.journeyId);
    expect(b.body.resolution.rule).toBe("customer_open_journey");
    // The email address was linked by that event, so it now finds the same journey alone.
    const c = await api(
      "POST",
      "/v1/events",
      {
        identifiers: [{ type: "email", value: "kim@example.com" }],
        channel: "chat",
        direction: "inbound",
        actor: { kind: "customer" },
        text: "hello?",
      },
      key,
    );
    expect(c.body.journeyId).toBe(a.body.journeyId);
    expect(c.body.customerId).toBe(a.body.customerId);
    expect(c.body.context.effort).toMatchObject({
      channels: ["sms", "email", "chat"],
      channelSwitches: 2,
      contacts: 3,
    });
  });

  it("a customer reply moves waiting_on_customer to waiting_on_company", async () => {
    const { key } = await workspace();
    const a = await api("POST", "/v1/events", smsFrom("+14155550121", "help"), key);
    const id = a.body.journeyId as string;
    const s = await api(
      "PUT",
      `/v1/journeys/${id}/status`,
      { status: "waiting_on_customer", actor: { kind: "agent", id: "dana" } },
      key,
    );
    expect(s.body.context.status).toBe("waiting_on_customer");
    expect(s.body.context.lastAction.text).toBe("status set to waiting_on_customer");
    const r = await api("POST", "/v1/events", inbound(id, "sms", "here is the photo"), key);
    expect(r.body.context.status).toBe("waiting_on_company");
  });

  it("after the reopen window, the same number starts a new journey for the same customer", async () => {
    const { ws, key } = await workspace();
    await api("PATCH", `/v1/admin/workspaces/${ws}/settings`, { reopenWindowHours: 0 }, ADMIN);
    const a = await api("POST", "/v1/events", smsFrom("+14155550122", "bill wrong"), key);
    await api("PUT", `/v1/journeys/${a.body.journeyId}/status`, { status: "resolved" }, key);
    const b = await api(
      "POST",
      "/v1/events",
      smsFrom("+14155550122", "new problem: no signal"),
      key,
    );
    expect(b.status).toBe(201);
    expect(b.body.journeyId).not.toBe(a.body.journeyId);
    expect(b.body.customerId).toBe(a.body.customerId);
    expect(b.body.resolution.rule).toBe("new_journey");
    expect(b.body.context.reason.text).toBe("new problem: no signal");
    const old = await api("GET", `/v1/journeys/${a.body.journeyId}`, undefined, key);
    expect(old.body.status).toBe("resolved");
  });

  it('within the reopen window, "it\'s still broken" reopens the resolved journey', async () => {
    const { key } = await workspace();
    const a = await api("POST", "/v1/events", smsFrom("+14155550127", "no dial tone"), key);
    await api("PUT", `/v1/journeys/${a.body.journeyId}/status`, { status: "resolved" }, key);
    const b = await api("POST", "/v1/events", smsFrom("+14155550127", "it's still broken"), key);
    expect(b.body.journeyId).toBe(a.body.journeyId);
    expect(b.body.resolution.rule).toBe("reopened");
    expect(b.body.context.status).toBe("open");
    expect(b.body.context.reason.text).toBe("no dial tone");
  });

  it("an event sent with the resolved journey's id reopens it", async () => {
    const { key } = await workspace();
    const a = await api("POST", "/v1/events", smsFrom("+14155550123", "tv no picture"), key);
    const id = a.body.journeyId as string;
    await api("PUT", `/v1/journeys/${id}/status`, { status: "resolved" }, key);
    const r = await api("POST", "/v1/events", inbound(id, "sms", "it's still broken"), key);
    expect(r.body.context.status).toBe("open");
    expect(r.body.resolution.rule).toBe("explicit");
  });

  it("the late payment: a broken promise is counted, settled promises cannot be settled again", async () => {
    const { key } = await workspace();
    const a = await api("POST", "/v1/events", smsFrom("+14155550124", "where is my refund"), key);
    const id = a.body.journeyId as string;
    const p = await api(
      "POST",
      `/v1/journeys/${id}/promises`,
      {
        text: "refund by Friday",
        dueAt: "2099-03-06T17:00:00Z",
        madeBy: { kind: "agent", id: "dana" },
      },
      key,
    );
    const broken = await api(
      "PATCH",
      `/v1/journeys/${id}/promises/${p.body.id}`,
      { status: "broken", note: "payment run missed" },
      key,
    );
    expect(broken.status).toBe(200);
    expect(broken.body.context.promises[0]).toMatchObject({
      status: "broken",
      note: "payment run missed",
    });
    expect(broken.body.context.effort.brokenPromises).toBe(1);
    const again = await api(
      "PATCH",
      `/v1/journeys/${id}/promises/${p.body.id}`,
      { status: "kept" },
      key,
    );
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("promise_settled");
  });

  it("handoffs count owner changes, facts can be set and removed, constraints removed", async () => {
    const { key } = await workspace();
    const a = await api("POST", "/v1/events", smsFrom("+14155550125", "missed visit"), key);
    const id = a.body.journeyId as string;
    await api("PUT", `/v1/journeys/${id}/owner`, { kind: "bot", id: "triage-bot" }, key);
    await api(
      "PUT",
      `/v1/journeys/${id}/owner`,
      { kind: "team", id: "field-ops", name: "Field operations" },
      key,
    );
    const third = await api(
      "PUT",
      `/v1/journeys/${id}/owner`,
      { id: "sam", name: "Sam Lee", team: "field-ops" },
      key,
    );
    expect(third.body.context.effort.handoffs).toBe(2);
    expect(third.body.context.owner).toMatchObject({ id: "sam", kind: "person" });
    const f = await api(
      "PATCH",
      `/v1/journeys/${id}`,
      { facts: { order_id: "A-1", postcode: "94107" }, reason: { topic: "field.missed_visit" } },
      key,
    );
    expect(f.body.context.facts.map((x: { key: string }) => x.key)).toEqual([
      "order_id",
      "postcode",
    ]);
    expect(f.body.context.reason).toMatchObject({
      text: "missed visit",
      topic: "field.missed_visit",
    });
    const g = await api("PATCH", `/v1/journeys/${id}`, { facts: { postcode: null } }, key);
    expect(g.body.context.facts.map((x: { key: string }) => x.key)).toEqual(["order_id"]);
    const c = await api(
      "POST",
      `/v1/journeys/${id}/constraints`,
      { text: "legal hold", kind: "legal" },
      key,
    );
    const removed = await api(
      "DELETE",
      `/v1/journeys/${id}/constraints/${c.body.id}`,
      undefined,
      key,
    );
    expect(removed.status).toBe(200);
    expect(removed.body.context.constraints).toEqual([]);
  });

  it("the half-finished chat: a repeat is counted and the bot's reply is the last action", async () => {
    const { key } = await workspace();
    const a = await api(
      "POST",
      "/v1/events",
      { ...smsFrom("+14155550126", "cancel my plan"), channel: "chat" },
      key,
    );
    const id = a.body.journeyId as string;
    const bot = await api(
      "POST",
      "/v1/events",
      {
        journeyId: id,
        channel: "chat",
        direction: "outbound",
        actor: { kind: "bot", id: "helper" },
        text: "Which plan?",
      },
      key,
    );
    expect(bot.body.context.lastAction).toMatchObject({
      text: "chat reply: Which plan?",
      actor: { kind: "bot" },
    });
    const rep = await api(
      "POST",
      "/v1/events",
      { ...inbound(id, "chat", "I said: cancel my plan"), repeated: true },
      key,
    );
    expect(rep.body.context.effort.repeats).toBe(1);
  });
});
