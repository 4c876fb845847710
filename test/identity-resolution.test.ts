import { describe, expect, it } from "vitest";
import { api, smsFrom, workspace } from "./helpers";

const email = (value: string, text: string, extra: Record<string, unknown> = {}) => ({
  identifiers: [{ type: "email", value }],
  channel: "email",
  direction: "inbound",
  actor: { kind: "customer" },
  text,
  ...extra,
});

describe("journey resolution (docs/architecture.md §3), one test per rule", () => {
  it("rule 1a: an explicit journey id decides", async () => {
    const { key } = await workspace();
    const a = await api("POST", "/v1/events", smsFrom("+14155550150", "one"), key);
    const b = await api(
      "POST",
      "/v1/events",
      {
        journeyId: a.body.journeyId,
        channel: "voice",
        direction: "inbound",
        actor: { kind: "customer" },
        type: "call",
      },
      key,
    );
    expect(b.body.resolution).toEqual({ rule: "explicit", alternatives: [] });
    expect(b.body.journeyId).toBe(a.body.journeyId);
  });

  it("rule 1b: a thread reference already seen decides, before identifiers", async () => {
    const { key } = await workspace();
    const a = await api(
      "POST",
      "/v1/events",
      { ...email("a@example.com", "first"), threadRefs: ["email:<m1@x>"] },
      key,
    );
    const b = await api(
      "POST",
      "/v1/events",
      { ...email("someone-else@example.com", "reply"), threadRefs: ["email:<m1@x>"] },
      key,
    );
    expect(b.body.resolution.rule).toBe("thread");
    expect(b.body.journeyId).toBe(a.body.journeyId);
  });

  it("rule 2: exactly one open journey of the customer takes the event", async () => {
    const { key } = await workspace();
    const a = await api("POST", "/v1/events", smsFrom("(415) 555-0151", "first"), key);
    const b = await api("POST", "/v1/events", smsFrom("+1 415 555 0151", "second"), key);
    expect(b.body.resolution).toEqual({ rule: "customer_open_journey", alternatives: [] });
    expect(b.body.journeyId).toBe(a.body.journeyId);
  });

  it("rule 2: with several open journeys the most recently active wins and the others are listed", async () => {
    const { key } = await workspace();
    const billing = await api("POST", "/v1/events", smsFrom("+14155550152", "bill"), key);
    const outage = await api(
      "POST",
      "/v1/events",
      smsFrom("+14155550152", "outage", { newJourney: true }),
      key,
    );
    expect(outage.body.resolution.rule).toBe("new_journey");
    expect(outage.body.resolution.alternatives).toEqual([billing.body.journeyId]);
    // Activity on the billing journey makes it the most recent.
    await api(
      "POST",
      `/v1/journeys/${billing.body.journeyId}/actions`,
      { text: "looked at bill", actor: { kind: "agent", id: "dana" } },
      key,
    );
    await api(
      "PUT",
      `/v1/journeys/${billing.body.journeyId}/status`,
      { status: "waiting_on_company" },
      key,
    );
    const next = await api("POST", "/v1/events", smsFrom("+14155550152", "any news?"), key);
    expect(next.body.resolution.rule).toBe("customer_open_journey");
    expect(next.body.journeyId).toBe(billing.body.journeyId);
    expect(next.body.resolution.alternatives).toEqual([outage.body.journeyId]);
  });

  it("rule 3: within the reopen window the last resolved journey continues", async () => {
    const { key } = await workspace();
    const a = await api("POST", "/v1/events", email("kim@example.com", "router"), key);
    await api("PUT", `/v1/journeys/${a.body.journeyId}/status`, { status: "resolved" }, key);
    const b = await api("POST", "/v1/events", email("KIM@example.com", "still broken"), key);
    expect(b.body.resolution).toEqual({ rule: "reopened", alternatives: [] });
    expect(b.body.journeyId).toBe(a.body.journeyId);
  });

  it("rule 4: a customer never seen before gets a new journey", async () => {
    const { key } = await workspace();
    const a = await api("POST", "/v1/events", smsFrom("+442079460958", "hello from London"), key);
    expect(a.body.resolution).toEqual({ rule: "new_journey", alternatives: [] });
    expect(a.body.created).toBe(true);
    expect(a.body.verification).toBe("asserted");
  });
});

describe("concurrent first contacts", () => {
  it.each([
    [
      "a phone number",
      (i: number) => smsFrom(i % 2 ? "+1 (415) 555-0160" : "+14155550160", `hello ${i}`),
    ],
    [
      "an email address",
      (i: number) =>
        email(i % 2 ? "New.Person@Example.com" : "new.person@example.com", `hello ${i}`),
    ],
  ])(
    "fifty simultaneous first contacts from %s create one customer and one journey",
    async (_what, body) => {
      const { key } = await workspace();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => api("POST", "/v1/events", body(i), key)),
      );
      expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
      expect(new Set(results.map((r) => r.body.customerId)).size).toBe(1);
      expect(new Set(results.map((r) => r.body.journeyId)).size).toBe(1);
      expect(results.filter((r) => r.body.created)).toHaveLength(1);
      const ctx = await api("GET", `/v1/journeys/${results[0]?.body.journeyId}`, undefined, key);
      expect(ctx.body.history.total).toBe(50);
      const customer = await api(
        "GET",
        `/v1/customers/${results[0]?.body.customerId}`,
        undefined,
        key,
      );
      expect(customer.body.journeys).toHaveLength(1);
    },
  );
});
