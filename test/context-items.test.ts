import { describe, expect, it } from "vitest";
import { api, smsFrom, workspace } from "./helpers";

describe("the six context items round-trip through the API", () => {
  it("reason, history, last action, constraints, promises and owner come back as written", async () => {
    const { key } = await workspace();
    const first = await api(
      "POST",
      "/v1/events",
      smsFrom("+14155550100", "I was charged twice for March", {
        reason: { topic: "billing.double_charge" },
        facts: { account_number: "AC-99812" },
      }),
      key,
    );
    expect(first.status).toBe(201);
    expect(first.body.resolution.rule).toBe("new_journey");
    const id = first.body.journeyId as string;
    expect(id).toMatch(/^jrn_/);

    const owner = await api(
      "PUT",
      `/v1/journeys/${id}/owner`,
      { kind: "person", id: "dana", name: "Dana Reyes", team: "billing" },
      key,
    );
    expect(owner.status).toBe(200);
    const promise = await api(
      "POST",
      `/v1/journeys/${id}/promises`,
      {
        text: "refund within 3 business days",
        dueAt: "2099-03-05T17:00:00-05:00",
        madeBy: { kind: "agent", id: "dana", name: "Dana Reyes" },
      },
      key,
    );
    expect(promise.status).toBe(201);
    expect(promise.body.id).toMatch(/^prm_/);
    const constraint = await api(
      "POST",
      `/v1/journeys/${id}/constraints`,
      {
        text: "no calls before 17:00",
        kind: "contact_window",
        window: { from: "17:00", to: "21:00", timeZone: "America/New_York" },
      },
      key,
    );
    expect(constraint.status).toBe(201);
    const action = await api(
      "POST",
      `/v1/journeys/${id}/actions`,
      {
        text: "refund requested",
        actor: { kind: "agent", id: "dana", name: "Dana Reyes" },
      },
      key,
    );
    expect(action.status).toBe(201);

    const got = await api("GET", `/v1/journeys/${id}`, undefined, key);
    expect(got.status).toBe(200);
    const ctx = got.body;
    expect(ctx.reason).toMatchObject({
      text: "I was charged twice for March",
      topic: "billing.double_charge",
    });
    expect(ctx.owner).toMatchObject({
      id: "dana",
      name: "Dana Reyes",
      team: "billing",
      kind: "person",
    });
    expect(ctx.lastAction).toMatchObject({
      text: "refund requested",
      actor: { name: "Dana Reyes" },
    });
    expect(ctx.constraints).toHaveLength(1);
    expect(ctx.constraints[0]).toMatchObject({
      text: "no calls before 17:00",
      window: { timeZone: "America/New_York" },
    });
    expect(ctx.promises).toHaveLength(1);
    expect(ctx.promises[0]).toMatchObject({
      text: "refund within 3 business days",
      status: "pending",
      dueAt: "2099-03-05T22:00:00.000Z",
    });
    expect(ctx.facts).toEqual([
      expect.objectContaining({ key: "account_number", value: "AC-99812" }),
    ]);
    expect(ctx.history.total).toBe(5);
    expect(ctx.history.recent.map((e: { type: string }) => e.type)).toEqual([
      "message",
      "owner.changed",
      "promise.made",
      "constraint.added",
      "action",
    ]);
    expect(ctx.effort).toMatchObject({ contacts: 1, channels: ["sms"], channelSwitches: 0 });
    expect(ctx.status).toBe("open");
  });
});
