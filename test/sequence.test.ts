import { describe, expect, it } from "vitest";
import { api, smsFrom, workspace } from "./helpers";

describe("sequence numbers", () => {
  it("stay gapless and ordered under 100 concurrent appends to one journey", async () => {
    const { key } = await workspace();
    const first = await api("POST", "/v1/events", smsFrom("+14155550101", "hello"), key);
    const journeyId = first.body.journeyId as string;
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        api(
          "POST",
          "/v1/events",
          {
            journeyId,
            channel: "chat",
            direction: "inbound",
            actor: { kind: "customer" },
            text: `message ${i}`,
          },
          key,
        ),
      ),
    );
    expect(results.every((r) => r.status === 201)).toBe(true);
    const seqs = results.map((r) => r.body.event.seq as number).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i + 2));

    const items: { seq: number; text: string }[] = [];
    let after = 0;
    for (;;) {
      const page = await api(
        "GET",
        `/v1/journeys/${journeyId}/events?after=${after}&limit=30`,
        undefined,
        key,
      );
      expect(page.status).toBe(200);
      items.push(...page.body.items);
      if (page.body.nextAfter === null) break;
      after = page.body.nextAfter;
    }
    expect(items.map((e) => e.seq)).toEqual(Array.from({ length: 101 }, (_, i) => i + 1));
    // Each acknowledged write is in the log under the sequence number it was given.
    for (const r of results) {
      const logged = items.find((e) => e.seq === r.body.event.seq);
      expect(logged?.text).toBe(r.body.context.history.recent.at(-1).text);
    }
  });

  it("a read after an acknowledged write sees that write", async () => {
    const { key } = await workspace();
    const first = await api("POST", "/v1/events", smsFrom("+14155550102", "first"), key);
    const id = first.body.journeyId as string;
    const second = await api(
      "POST",
      "/v1/events",
      {
        journeyId: id,
        channel: "email",
        direction: "inbound",
        actor: { kind: "customer" },
        text: "second",
      },
      key,
    );
    const read = await api("GET", `/v1/journeys/${id}`, undefined, key);
    expect(read.body.seq).toBe(second.body.event.seq);
    expect(read.body.history.recent.at(-1).text).toBe("second");
    expect(read.body.effort).toMatchObject({
      channels: ["sms", "email"],
      channelSwitches: 1,
      contacts: 2,
    });
  });
});
