import { describe, expect, it } from "vitest";
import { api, expectProblem, smsFrom, workspace } from "./helpers";

describe("thread references", () => {
  it("a reply carrying a known thread reference lands in that journey, even from another address", async () => {
    const { key } = await workspace();
    const first = await api(
      "POST",
      "/v1/events",
      {
        ...smsFrom("+14155550130", "invoice question"),
        channel: "email",
        threadRefs: ["email:<a1@mail.example>"],
      },
      key,
    );
    const reply = await api(
      "POST",
      "/v1/events",
      {
        identifiers: [{ type: "email", value: "other@example.com" }],
        channel: "email",
        direction: "inbound",
        actor: { kind: "customer" },
        text: "re: invoice question",
        threadRefs: ["email:<b2@mail.example>", "email:<a1@mail.example>"],
      },
      key,
    );
    expect(reply.status).toBe(201);
    expect(reply.body.journeyId).toBe(first.body.journeyId);
    expect(reply.body.resolution.rule).toBe("thread");
    // The reply's own reference is remembered too, so the next reply finds the journey by it alone.
    const next = await api(
      "POST",
      "/v1/events",
      {
        channel: "email",
        direction: "inbound",
        actor: { kind: "customer" },
        text: "re: re:",
        threadRefs: ["email:<b2@mail.example>"],
      },
      key,
    );
    expect(next.body.journeyId).toBe(first.body.journeyId);
  });

  it("an unknown thread reference without identifiers is a 422 and stores nothing", async () => {
    const { key } = await workspace();
    const res = await api(
      "POST",
      "/v1/events",
      {
        channel: "email",
        direction: "inbound",
        actor: { kind: "customer" },
        text: "hi",
        threadRefs: ["email:<nobody@x>"],
      },
      key,
    );
    expectProblem(res, 422, "unresolvable_event");
  });

  it("thread references are scoped by workspace", async () => {
    const a = await workspace();
    const b = await workspace();
    const first = await api(
      "POST",
      "/v1/events",
      { ...smsFrom("+14155550131", "x"), threadRefs: ["chat:conv-1"] },
      a.key,
    );
    const other = await api(
      "POST",
      "/v1/events",
      { ...smsFrom("+14155550131", "y"), threadRefs: ["chat:conv-1"] },
      b.key,
    );
    expect(other.body.journeyId).not.toBe(first.body.journeyId);
    expect(other.body.resolution.rule).toBe("new_journey");
  });
});
