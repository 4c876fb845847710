import { describe, expect, it } from "vitest";
import { ADMIN, api, expectProblem, smsFrom, workspace } from "./helpers";

describe("owner lease and handoffs", () => {
  it("a change that names a stale owner is refused (compare-and-swap)", async () => {
    const { key } = await workspace();
    const a = await api("POST", "/v1/events", smsFrom("+14155550200", "help"), key);
    const id = a.body.journeyId as string;
    const first = await api(
      "PUT",
      `/v1/journeys/${id}/owner`,
      { kind: "bot", id: "helper-bot", expectedOwnerId: null },
      key,
    );
    expect(first.status).toBe(200);
    // Two agents grab the journey at once, both believing the bot holds it.
    const [x, y] = await Promise.all([
      api("PUT", `/v1/journeys/${id}/owner`, { id: "dana", expectedOwnerId: "helper-bot" }, key),
      api("PUT", `/v1/journeys/${id}/owner`, { id: "sam", expectedOwnerId: "helper-bot" }, key),
    ]);
    const statuses = [x.status, y.status].sort();
    expect(statuses).toEqual([200, 409]);
    const loser = x.status === 409 ? x : y;
    expectProblem(loser, 409, "owner_conflict");
    const winner = x.status === 200 ? "dana" : "sam";
    expect(loser.body.currentOwnerId).toBe(winner);
    const ctx = await api("GET", `/v1/journeys/${id}`, undefined, key);
    expect(ctx.body.owner.id).toBe(winner);
    expect(ctx.body.effort.handoffs).toBe(1);
  });

  it("a handoff packet travels with the change: reason, summary and the open promises", async () => {
    const { key } = await workspace();
    const a = await api("POST", "/v1/events", smsFrom("+14155550201", "refund please"), key);
    const id = a.body.journeyId as string;
    await api("PUT", `/v1/journeys/${id}/owner`, { kind: "bot", id: "helper-bot" }, key);
    await api(
      "POST",
      `/v1/journeys/${id}/promises`,
      {
        text: "a human will call back today",
        dueAt: "2099-12-01T17:00:00Z",
        madeBy: { kind: "bot", id: "helper-bot" },
      },
      key,
    );
    const handoff = await api(
      "PUT",
      `/v1/journeys/${id}/owner`,
      {
        id: "dana",
        name: "Dana Reyes",
        team: "billing",
        expectedOwnerId: "helper-bot",
        handoff: {
          reason: "refund above the bot's limit",
          summary: "Charged twice for March; card 4111 1111 1111 1111.",
        },
        actor: { kind: "bot", id: "helper-bot" },
      },
      key,
    );
    expect(handoff.status).toBe(200);
    const events = await api("GET", `/v1/journeys/${id}/events`, undefined, key);
    const change = events.body.items.at(-1);
    expect(change.type).toBe("owner.changed");
    expect(change.data.handoff).toMatchObject({
      reason: "refund above the bot's limit",
      openPromises: [expect.objectContaining({ text: "a human will call back today" })],
    });
    expect(change.data.handoff.summary).toContain("[card ••••1111]");
    // Handing back to the bot keeps the context.
    const back = await api(
      "PUT",
      `/v1/journeys/${id}/owner`,
      { kind: "bot", id: "helper-bot", expectedOwnerId: "dana" },
      key,
    );
    expect(back.body.context.promises).toHaveLength(1);
    expect(back.body.context.reason.text).toBe("refund please");
  });

  it("too many bot↔human handoffs: the handback to the bot is refused and the journey flagged", async () => {
    const { ws, key } = await workspace();
    await api(
      "PATCH",
      `/v1/admin/workspaces/${ws}/settings`,
      { handoff: { maxBotHumanSwitches: 3, windowMinutes: 30 } },
      ADMIN,
    );
    const a = await api("POST", "/v1/events", smsFrom("+14155550202", "cancel"), key);
    const id = a.body.journeyId as string;
    const bot = { kind: "bot", id: "helper-bot" };
    const human = { kind: "person", id: "dana", name: "Dana" };
    await api("PUT", `/v1/journeys/${id}/owner`, bot, key); // first owner: not a switch
    await api("PUT", `/v1/journeys/${id}/owner`, human, key); // 1
    await api("PUT", `/v1/journeys/${id}/owner`, bot, key); // 2
    const third = await api("PUT", `/v1/journeys/${id}/owner`, human, key); // 3
    expect(third.body.context.flags).toEqual([]);
    const fourth = await api("PUT", `/v1/journeys/${id}/owner`, bot, key); // 4 > 3: refused
    expect(fourth.status).toBe(200);
    expect(fourth.body.context.owner.id).toBe("dana");
    expect(fourth.body.context.flags).toEqual(["handoff_loop"]);
    expect(fourth.body.context.history.recent.at(-1).type).toBe("journey.flagged");
    expect(fourth.body.context.lastAction.text).toContain("escalated to Dana");
  });
});
