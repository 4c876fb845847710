import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, flushJourney, smsFrom, workspace } from "./helpers";

/** The brief an identity object holds: its version and content, or null. */
async function storedBrief(ws: string, key: string) {
  const stub = env.IDENTITY.get(env.IDENTITY.idFromName(`${ws}/${key}`));
  return runInDurableObject(stub, (_o, state) => {
    const row = state.storage.sql
      .exec<{ version: number; brief: string | null }>("SELECT version, brief FROM brief")
      .toArray()[0];
    return row
      ? { version: row.version, brief: JSON.parse(row.brief ?? "null") as Record<string, unknown> }
      : null;
  });
}

describe("call brief pushes from the customer object", () => {
  it("are skipped when nothing a call-start answer reads changed, and sent when it did", async () => {
    const { ws, key } = await workspace();
    const phone = "+14155550193";
    const first = await api("POST", "/v1/events", smsFrom(phone, "my router is down"), key);
    expect(first.status).toBe(201);
    const id = first.body.journeyId as string;
    await flushJourney(ws, id);
    const v1 = await storedBrief(ws, `phone:${phone}`);
    expect(v1?.brief.journeyId).toBe(id);

    // Another message moves only seq and updatedAt: no new push.
    await api("POST", "/v1/events", smsFrom(phone, "still down"), key);
    await flushJourney(ws, id);
    expect((await storedBrief(ws, `phone:${phone}`))?.version).toBe(v1?.version);

    // A new owner is something the IVR says: pushed with the next alarm.
    await api("PUT", `/v1/journeys/${id}/owner`, { id: "dana", name: "Dana", team: "net" }, key);
    await flushJourney(ws, id);
    const v2 = await storedBrief(ws, `phone:${phone}`);
    expect(v2?.version).toBeGreaterThan(v1?.version ?? 0);
    expect(v2?.brief.owner).toMatchObject({ name: "Dana", team: "net" });
    const ivr = await api(
      "GET",
      `/v1/context?phone=${encodeURIComponent(phone)}&audience=ivr`,
      undefined,
      key,
    );
    // A caller ID alone gets the routing tier: the new owner shows as the owner id and queue.
    expect(ivr.body).toMatchObject({ match: "single", ownerId: "dana", queue: "net" });
  });

  it("reach an identifier linked later even when the brief itself did not change", async () => {
    const { ws, key } = await workspace();
    const phone = "+14155550194";
    const email = "dana.brief@example.com";
    const first = await api("POST", "/v1/events", smsFrom(phone, "billing question"), key);
    const id = first.body.journeyId as string;
    await flushJourney(ws, id);
    // The same customer writes with both identifiers: the email gets linked.
    const both = await api(
      "POST",
      "/v1/events",
      {
        ...smsFrom(phone, "also by email"),
        identifiers: [
          { type: "phone", value: phone },
          { type: "email", value: email },
        ],
      },
      key,
    );
    expect(both.body.journeyId).toBe(id);
    await flushJourney(ws, id);
    const byEmail = await storedBrief(ws, `email:${email}`);
    expect(byEmail?.brief.journeyId).toBe(id);
  });
});
