import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN, api, expectProblem, smsFrom, workspace } from "./helpers";

/*
 * Journey continuity (docs/continuity.md): a returning customer's new journey links the earlier
 * one it continues, the pack shows it and flags start_over, agents link and unlink, and a pack
 * read without `since` answers what changed since the audience's last touch. Real objects.
 */

const dana = { kind: "agent", id: "dana", name: "Dana Reyes" };
let phones = 0;
const phone = () => `+1415555${String(7000 + phones++).padStart(4, "0")}`;

async function noReopen(ws: string): Promise<void> {
  const r = await api(
    "PATCH",
    `/v1/admin/workspaces/${ws}/settings`,
    { reopenWindowHours: 0 },
    ADMIN,
  );
  expect(r.status).toBe(200);
}

/** A journey with an owner, a pending promise, a constraint and a fact, then resolved. */
async function resolvedJourney(key: string, from: string, text: string, read?: boolean) {
  const first = await api(
    "POST",
    "/v1/events",
    smsFrom(from, text, { facts: { account_number: "A-1042" } }),
    key,
  );
  expect(first.status).toBe(201);
  const id = first.body.journeyId as string;
  expect(
    (await api("PUT", `/v1/journeys/${id}/owner`, { ...dana, kind: "person" }, key)).status,
  ).toBe(200);
  if (read) {
    const pop = await api("GET", `/v1/context?journey=${id}&audience=agent`, undefined, key);
    expect(pop.status).toBe(200);
  }
  const due = new Date(Date.now() + 3 * 86_400_000).toISOString();
  const promise = await api(
    "POST",
    `/v1/journeys/${id}/promises`,
    { text: "an engineer calls back within 3 days", dueAt: due, madeBy: dana },
    key,
  );
  expect(promise.status).toBe(201);
  const constraint = await api(
    "POST",
    `/v1/journeys/${id}/constraints`,
    { text: "SMS only, no calls", kind: "channel_only", channel: "sms" },
    key,
  );
  expect(constraint.status).toBe(201);
  const done = await api(
    "PUT",
    `/v1/journeys/${id}/status`,
    { status: "resolved", note: "replaced the router", actor: dana },
    key,
  );
  expect(done.status).toBe(200);
  return { id, customerId: first.body.customerId as string };
}

const seqOf = async (key: string, id: string) =>
  (await api("GET", `/v1/journeys/${id}`, undefined, key)).body.seq as number;

describe("continuity: a returning customer", () => {
  it("gets a new journey whose pack lists the predecessor and flags start_over", async () => {
    const { ws, key } = await workspace();
    await noReopen(ws);
    const from = phone();
    const p = await resolvedJourney(
      key,
      from,
      "my router keeps dropping the connection every evening",
    );
    const back = await api(
      "POST",
      "/v1/events",
      smsFrom(from, "the router is dropping the connection again in the evening"),
      key,
    );
    expect(back.status).toBe(201);
    expect(back.body.resolution.rule).toBe("new_journey");
    const id = back.body.journeyId as string;
    expect(id).not.toBe(p.id);
    expect(back.body.context.flags).toContain("start_over");

    const pop = await api("GET", `/v1/context?journey=${id}&audience=agent`, undefined, key);
    expect(pop.status).toBe(200);
    expect(pop.body.flags).toContain("start_over");
    expect(pop.body.predecessors).toHaveLength(1);
    const pred = pop.body.predecessors[0];
    expect(pred).toMatchObject({
      journeyId: p.id,
      status: "resolved",
      resolutionNote: "replaced the router",
      owner: { id: "dana", name: "Dana Reyes" },
      rule: "text",
      linkedBy: "baton",
      startOver: true,
      reason: { text: "my router keeps dropping the connection every evening" },
    });
    expect(pred.resolvedAt).toEqual(expect.any(String));
    expect(pred.score).toBeGreaterThanOrEqual(0.3);
    expect(pred.promises).toEqual([
      expect.objectContaining({ text: "an engineer calls back within 3 days", status: "pending" }),
    ]);
    expect(pred.constraints).toEqual([expect.objectContaining({ text: "SMS only, no calls" })]);
    expect(pred.facts).toEqual([
      expect.objectContaining({ key: "account_number", value: "A-1042" }),
    ]);
    expect(pop.body.startOver).toMatchObject({ journeyId: p.id });
    expect(pop.body.startOver.say).toMatch(
      /^I see you wrote to us about this on \w+day \d+ \w{3}\.$/,
    );

    // The history says so too (D1, analytics and outbound webhooks see this event).
    const events = await api("GET", `/v1/journeys/${id}/events`, undefined, key);
    const flagged = events.body.items.filter((e: { type: string }) => e.type === "journey.flagged");
    expect(flagged).toHaveLength(1);
    expect(flagged[0].data).toMatchObject({
      flag: "start_over",
      predecessors: [{ journeyId: p.id, rule: "text", startOver: true, linkedBy: "baton" }],
    });
    // The customer's message is the journey's first event and its reason.
    expect(events.body.items[0]).toMatchObject({ seq: 1, type: "message" });
    expect(pop.body.reason.text).toBe("the router is dropping the connection again in the evening");

    // The bot pack carries it as data, start-over first.
    const bot = await api(
      "GET",
      `/v1/context?journey=${id}&audience=bot&format=json`,
      undefined,
      key,
    );
    expect(bot.status).toBe(200);
    const earlier = bot.body.sections.find((s: { id: string }) => s.id === "earlier_journeys");
    expect(earlier.items[0].kind).toBe("start over");
    expect(earlier.items.map((i: { kind: string }) => i.kind)).toEqual(
      expect.arrayContaining([
        "earlier promise pending",
        "earlier constraint channel_only",
        "earlier fact",
      ]),
    );
  });

  it("an unrelated message links nothing, and never another customer's journey", async () => {
    const { ws, key } = await workspace();
    await noReopen(ws);
    const ana = phone();
    const ben = phone();
    await resolvedJourney(key, ana, "my router keeps dropping the connection every evening");
    const other = await api(
      "POST",
      "/v1/events",
      smsFrom(ana, "what are your opening hours on sunday"),
      key,
    );
    expect(other.body.resolution.rule).toBe("new_journey");
    expect(other.body.context.predecessors).toEqual([]);
    expect(other.body.context.flags).not.toContain("start_over");
    // Ben writes the very same words: Ana's journey is not his.
    const same = await api(
      "POST",
      "/v1/events",
      smsFrom(ben, "my router keeps dropping the connection every evening"),
      key,
    );
    expect(same.status).toBe(201);
    expect(same.body.customerId).not.toBe(other.body.customerId);
    expect(same.body.context.predecessors).toEqual([]);
  });

  it("a topic match and the customer's own reference link too; an open journey is no start-over", async () => {
    const { ws, key } = await workspace();
    await noReopen(ws);
    const from = phone();
    const first = await api(
      "POST",
      "/v1/events",
      smsFrom(from, "charged twice", { reason: { topic: "billing.double_charge" } }),
      key,
    );
    const a = first.body.journeyId as string;
    // A second journey while the first is still open (newJourney): linked, not a start-over.
    const second = await api(
      "POST",
      "/v1/events",
      smsFrom(from, "another charge appeared", {
        reason: { topic: "billing.double_charge" },
        newJourney: true,
      }),
      key,
    );
    expect(second.body.journeyId).not.toBe(a);
    expect(second.body.context.predecessors).toEqual([
      expect.objectContaining({ journeyId: a, rule: "topic", startOver: false }),
    ]);
    expect(second.body.context.flags).not.toContain("start_over");
    const events = await api("GET", `/v1/journeys/${second.body.journeyId}/events`, undefined, key);
    expect(events.body.items.map((e: { type: string }) => e.type)).toEqual([
      "message",
      "context.updated",
    ]);
    // The customer names the journey: a reference.
    const third = await api(
      "POST",
      "/v1/events",
      smsFrom(from, `about ${a} once more`, { newJourney: true }),
      key,
    );
    expect(third.body.context.predecessors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ journeyId: a, rule: "reference", score: 1 }),
      ]),
    );
  });
});

describe("continuity: agents link and unlink", () => {
  it("links, answers 200 for a repeat, unlinks, and refuses every bad input without changing anything", async () => {
    const { ws, key } = await workspace();
    await noReopen(ws);
    const from = phone();
    const p = await resolvedJourney(key, from, "billing question about the march invoice");
    const now = await api("POST", "/v1/events", smsFrom(from, "my parcel never arrived"), key);
    const id = now.body.journeyId as string;
    expect(now.body.context.predecessors).toEqual([]);
    const path = `/v1/journeys/${id}/predecessors`;
    const before = await seqOf(key, id);

    const linked = await api(
      "POST",
      path,
      { journeyId: p.id, note: "same account, card 4111 1111 1111 1111", actor: dana },
      key,
    );
    expect(linked.status).toBe(201);
    expect(linked.body.changed).toBe(true);
    expect(linked.body.event.seq).toBe(before + 1);
    expect(linked.body.predecessor).toMatchObject({
      journeyId: p.id,
      rule: "agent",
      linkedBy: "dana",
      startOver: true,
      owner: { id: "dana" },
    });
    expect(linked.body.predecessor.note).not.toContain("4111 1111 1111 1111");
    expect(linked.body.context.flags).toContain("start_over");
    const after = await seqOf(key, id);

    // Already linked: 200, nothing written.
    const again = await api("POST", path, { journeyId: p.id }, key);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ changed: false, event: null });
    expect(await seqOf(key, id)).toBe(after);

    // Bad input: each a 4xx problem, nothing written on either journey.
    const { key: otherKey } = await workspace();
    const elsewhere = await api(
      "POST",
      "/v1/events",
      smsFrom(phone(), "my parcel never arrived"),
      otherKey,
    );
    const stranger = await api(
      "POST",
      "/v1/events",
      smsFrom(phone(), "my parcel never arrived"),
      key,
    );
    const pBefore = await seqOf(key, p.id);
    expectProblem(await api("POST", path, { journeyId: id }, key), 422, "predecessor_self");
    expectProblem(
      await api("POST", path, { journeyId: stranger.body.journeyId }, key),
      422,
      "predecessor_other_customer",
    );
    expectProblem(
      await api("POST", path, { journeyId: elsewhere.body.journeyId }, key),
      404,
      "predecessor_not_found",
    );
    expectProblem(
      await api("POST", path, { journeyId: `jrn_${"0".repeat(22)}` }, key),
      404,
      "predecessor_not_found",
    );
    // The other workspace's key cannot reach this journey at all.
    expectProblem(await api("POST", path, { journeyId: p.id }, otherKey), 404, "journey_not_found");
    // A cycle: the predecessor would continue the journey that continues it.
    expectProblem(
      await api("POST", `/v1/journeys/${p.id}/predecessors`, { journeyId: id }, key),
      422,
      "predecessor_cycle",
    );
    expectProblem(await api("POST", path, { journeyId: "nope" }, key), 422, "validation_failed");
    expectProblem(
      await api("POST", path, { journeyId: p.id, extra: 1 }, key),
      422,
      "validation_failed",
    );
    expect(await seqOf(key, id)).toBe(after);
    expect(await seqOf(key, p.id)).toBe(pBefore);
    expect(await seqOf(key, stranger.body.journeyId)).toBe(1);
    const pop = await api("GET", `/v1/context?journey=${id}&audience=agent`, undefined, key);
    expect(pop.body.predecessors.map((x: { journeyId: string }) => x.journeyId)).toEqual([p.id]);

    // Unlink: the start_over flag goes with the last start-over link.
    const un = await api("DELETE", `${path}/${p.id}`, undefined, key);
    expect(un.status).toBe(200);
    expect(un.body.changed).toBe(true);
    expect(un.body.context.predecessors).toEqual([]);
    expect(un.body.context.flags).not.toContain("start_over");
    const gone = await seqOf(key, id);
    expectProblem(
      await api("DELETE", `${path}/${p.id}`, undefined, key),
      404,
      "predecessor_not_found",
    );
    expectProblem(
      await api("DELETE", `${path}/not-a-journey`, undefined, key),
      404,
      "predecessor_not_found",
    );
    expectProblem(
      await api("DELETE", `${path}/${p.id}`, undefined, otherKey),
      404,
      "journey_not_found",
    );
    expect(await seqOf(key, id)).toBe(gone);
    // A read-only key may not link.
    const reader = await api(
      "POST",
      `/v1/admin/workspaces/${ws}/keys`,
      { name: "reader", scopes: ["journeys:read"] },
      ADMIN,
    );
    const denied = await api("POST", path, { journeyId: p.id }, reader.body.key as string);
    expect(denied.status).toBe(403);
    expect(await seqOf(key, id)).toBe(gone);
  });
});

describe("continuity: what changed since the last touch", () => {
  it("a returning customer's pack opens with what happened since the last touch of the earlier journey", async () => {
    const { ws, key } = await workspace();
    await noReopen(ws);
    const from = phone();
    // The agent read the first journey's pack before the promise, the constraint and the
    // resolution: those are what changed since.
    const p = await resolvedJourney(
      key,
      from,
      "my router keeps dropping the connection every evening",
      true,
    );
    const back = await api(
      "POST",
      "/v1/events",
      smsFrom(from, "the router is dropping the connection again in the evening"),
      key,
    );
    const id = back.body.journeyId as string;
    const agent = await api("GET", `/v1/context?journey=${id}&audience=agent`, undefined, key);
    const s = agent.body.sinceLastTouch;
    expect(s).toMatchObject({ audience: "agent", journeyId: p.id, truncated: false });
    const types = s.changes.map((c: { type: string }) => c.type);
    // Newest first: this journey's flag and message, then the earlier journey's resolution, …
    expect(types).toEqual([
      "journey.flagged",
      "message",
      "status.changed",
      "constraint.added",
      "promise.made",
    ]);
    expect(s.changes[2]).toMatchObject({ journeyId: p.id, kind: "status" });
    expect(s.changes[4]).toMatchObject({ kind: "promise" });
    expect(s.total).toBe(5);

    // The bot never touched the earlier journey: since the customer's last contact there.
    const bot = await api(
      "GET",
      `/v1/context?journey=${id}&audience=bot&format=json`,
      undefined,
      key,
    );
    expect(bot.body.sinceLastTouch).toMatchObject({ audience: "customer", journeyId: p.id });
    expect(bot.body.sinceLastTouch.changes.map((c: { type: string }) => c.type)).toContain(
      "owner.changed",
    );
    const changed = bot.body.sections.find(
      (x: { id: string }) => x.id === "changed_since_last_contact",
    );
    expect(changed.title).toContain("THE CUSTOMER'S LAST CONTACT");
    expect(changed.title).toContain(`earlier journey ${p.id}`);
  });

  it("an agent's second read shows what changed since the first; a read that changes nothing writes nothing; since wins", async () => {
    const { key, ws } = await workspace();
    const first = await api(
      "POST",
      "/v1/events",
      smsFrom(phone(), "no dial tone since monday"),
      key,
    );
    const id = first.body.journeyId as string;
    const read = () => api("GET", `/v1/context?journey=${id}&audience=agent`, undefined, key);
    const one = await read();
    expect(one.body.sinceLastTouch).toBeNull();
    const atOne = await touchAt(ws, id, "agent", 1);
    await api("POST", `/v1/journeys/${id}/actions`, { text: "line test booked", actor: dana }, key);
    await api("PUT", `/v1/journeys/${id}/owner`, { ...dana, kind: "person" }, key);
    const two = await read();
    expect(two.body.sinceLastTouch).toMatchObject({ audience: "agent", journeyId: id, total: 2 });
    expect(two.body.sinceLastTouch.since).toBe(atOne);
    expect(two.body.sinceLastTouch.changes.map((c: { kind: string }) => c.kind)).toEqual([
      "owner",
      "event",
    ]);
    const at = await touchAt(ws, id, "agent", 3);
    // Nothing happened: the delta is empty and the touch is not written again.
    const three = await read();
    expect(three.body.sinceLastTouch).toMatchObject({ total: 0, changes: [], since: at });
    expect(await touchAt(ws, id, "agent", 3)).toBe(at);
    // Each audience keeps its own touch.
    const bot = await api(
      "GET",
      `/v1/context?journey=${id}&audience=bot&format=json`,
      undefined,
      key,
    );
    expect(bot.body.sinceLastTouch).toBeNull();
    // An explicit since wins over the touch.
    await api(
      "POST",
      `/v1/journeys/${id}/actions`,
      { text: "engineer dispatched", actor: dana },
      key,
    );
    const since = "2020-01-01T00:00:00Z";
    const explicit = await api(
      "GET",
      `/v1/context?journey=${id}&audience=bot&format=json&since=${since}`,
      undefined,
      key,
    );
    expect(explicit.body.sinceLastTouch).toBeNull();
    expect(explicit.body.since).toBe("2020-01-01T00:00:00.000Z");
    const agentSince = await api(
      "GET",
      `/v1/context?journey=${id}&audience=agent&since=${since}`,
      undefined,
      key,
    );
    expect(agentSince.body.sinceLastTouch).toBeNull();
  });
});

/** The stored touch of an audience, checked at the journey's sequence number. */
async function touchAt(ws: string, journeyId: string, audience: string, seq: number) {
  const stub = env.JOURNEY.get(env.JOURNEY.idFromName(`${ws}/${journeyId}`));
  return runInDurableObject(stub, (_o, state) => {
    const row = state.storage.sql
      .exec<{ seq: number; at: string }>("SELECT seq, at FROM touches WHERE audience = ?", audience)
      .toArray()[0];
    expect(row?.seq).toBe(seq);
    return row?.at ?? null;
  });
}
