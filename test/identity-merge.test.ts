import { describe, expect, it } from "vitest";
import { api, smsFrom, workspace } from "./helpers";

const chat = (identifiers: unknown[], text: string) => ({
  identifiers,
  channel: "chat",
  direction: "inbound",
  actor: { kind: "customer" },
  text,
});

async function customer(key: string, id: string) {
  const res = await api("GET", `/v1/customers/${id}`, undefined, key);
  expect(res.status).toBe(200);
  return res.body;
}

describe("linking and merging", () => {
  it("an event carrying two identifiers links them to one customer", async () => {
    const { key } = await workspace();
    const a = await api(
      "POST",
      "/v1/events",
      {
        ...smsFrom("+14155550170", "hi"),
        identifiers: [
          { type: "phone", value: "+14155550170" },
          { type: "email", value: "lee@example.com" },
        ],
      },
      key,
    );
    const c = await customer(key, a.body.customerId);
    const links = c.identifiers.map((i: { key: string; verification: string; source: string }) => [
      i.key,
      i.verification,
      i.source,
    ]);
    expect(links.sort()).toEqual([
      ["email:lee@example.com", "asserted", "api"],
      ["phone:+14155550170", "asserted", "api"],
    ]);
  });

  it("a trusted link between two customers merges them, and unmerge restores both exactly", async () => {
    const { key } = await workspace();
    const sms = await api("POST", "/v1/events", smsFrom("+14155550171", "bill is wrong"), key);
    const mail = await api(
      "POST",
      "/v1/events",
      {
        identifiers: [{ type: "email", value: "ana@example.com" }],
        channel: "email",
        direction: "inbound",
        actor: { kind: "customer" },
        text: "about my bill",
      },
      key,
    );
    expect(mail.body.customerId).not.toBe(sms.body.customerId);
    const beforeA = await customer(key, sms.body.customerId);
    const beforeB = await customer(key, mail.body.customerId);

    // A CRM (trusted, asserted) says both belong to one person.
    const both = await api(
      "POST",
      "/v1/events",
      {
        identifiers: [
          { type: "phone", value: "+14155550171" },
          { type: "email", value: "ana@example.com" },
        ],
        channel: "api",
        direction: "internal",
        actor: { kind: "system", id: "crm" },
        type: "note",
        text: "CRM sync",
      },
      key,
    );
    expect(both.body.merges).toHaveLength(1);
    const merge = both.body.merges[0];
    expect(merge).toMatchObject({
      survivorId: sms.body.customerId,
      absorbedId: mail.body.customerId,
      identifiers: 1,
      journeys: 1,
    });
    const merged = await customer(key, sms.body.customerId);
    expect(merged.identifiers.map((i: { key: string }) => i.key).sort()).toEqual([
      "email:ana@example.com",
      "phone:+14155550171",
    ]);
    expect(merged.journeys.map((j: { id: string }) => j.id).sort()).toEqual(
      [sms.body.journeyId, mail.body.journeyId].sort(),
    );
    expect(merged.merges[0]).toMatchObject({
      id: merge.mergeId,
      role: "survivor",
      otherCustomerId: mail.body.customerId,
    });
    expect((await customer(key, mail.body.customerId)).mergedInto).toBe(sms.body.customerId);
    // The email now resolves to the survivor, and the moved journey knows its new customer.
    const after = await api(
      "POST",
      "/v1/events",
      {
        identifiers: [{ type: "email", value: "ana@example.com" }],
        channel: "email",
        direction: "inbound",
        actor: { kind: "customer" },
        text: "any news?",
        journeyId: undefined,
      },
      key,
    );
    expect(after.body.customerId).toBe(sms.body.customerId);
    const moved = await api("GET", `/v1/journeys/${mail.body.journeyId}`, undefined, key);
    expect(moved.body.customerId).toBe(sms.body.customerId);

    const undo = await api(
      "POST",
      `/v1/customers/${sms.body.customerId}/merges/${merge.mergeId}/undo`,
      {},
      key,
    );
    expect(undo.status).toBe(200);
    const restoredA = await customer(key, sms.body.customerId);
    const restoredB = await customer(key, mail.body.customerId);
    const strip = (c: Record<string, unknown>) => ({
      ...c,
      merges: undefined,
      journeys: (c.journeys as { id: string }[]).map((j) => j.id).sort(),
    });
    expect(strip(restoredA)).toEqual(strip(beforeA));
    expect(strip(restoredB)).toEqual(strip(beforeB));
    expect(restoredA.merges[0].undoneAt).not.toBeNull();
    const back = await api("GET", `/v1/journeys/${mail.body.journeyId}`, undefined, key);
    expect(back.body.customerId).toBe(mail.body.customerId);
    const again = await api(
      "POST",
      `/v1/customers/${sms.body.customerId}/merges/${merge.mergeId}/undo`,
      {},
      key,
    );
    expect(again.status).toBe(409);
  });

  it("a merge through the API, then its undo, restores identifier resolution", async () => {
    const { key } = await workspace();
    const a = await api("POST", "/v1/events", smsFrom("+14155550172", "a"), key);
    const b = await api("POST", "/v1/events", smsFrom("+14155550173", "b"), key);
    const m = await api(
      "POST",
      `/v1/customers/${a.body.customerId}/merges`,
      { customerId: b.body.customerId, reason: "same person, confirmed on a call" },
      key,
    );
    expect(m.status).toBe(201);
    const viaB = await api("POST", "/v1/events", smsFrom("+14155550173", "b again"), key);
    expect(viaB.body.customerId).toBe(a.body.customerId);
    await api(
      "POST",
      `/v1/customers/${a.body.customerId}/merges/${m.body.merge.mergeId}/undo`,
      {},
      key,
    );
    const viaB2 = await api("POST", "/v1/events", smsFrom("+14155550173", "b after undo"), key);
    expect(viaB2.body.customerId).toBe(b.body.customerId);
  });
});

describe("claimed identifiers", () => {
  it("a claimed identifier never yields another customer's context; it waits as a pending link", async () => {
    const { key } = await workspace();
    const owner = await api(
      "POST",
      "/v1/events",
      {
        ...smsFrom("+14155550174", "my account number is AC-1"),
        identifiers: [
          { type: "phone", value: "+14155550174" },
          { type: "email", value: "vip@example.com", verification: "verified" },
        ],
      },
      key,
    );
    // A web chat visitor types that email address: a claim.
    const visitor = await api(
      "POST",
      "/v1/events",
      chat(
        [{ type: "email", value: "vip@example.com", verification: "claimed" }],
        "hi, what's my balance?",
      ),
      key,
    );
    expect(visitor.status).toBe(201);
    expect(visitor.body.journeyId).not.toBe(owner.body.journeyId);
    expect(visitor.body.verification).toBe("claimed");
    expect(visitor.body.unverified).toBe(true);
    expect(visitor.body.context).toBeNull();
    expect(visitor.body.customerId).toBeNull();
    expect(JSON.stringify(visitor.body)).not.toContain("AC-1");
    expect(JSON.stringify(visitor.body)).not.toContain("4155550174");
    // The owner's journey did not get the visitor's message.
    const ownerCtx = await api("GET", `/v1/journeys/${owner.body.journeyId}`, undefined, key);
    expect(ownerCtx.body.history.total).toBe(1);
  });

  it("a chat visitor id plus a claimed email of an existing customer gives a pending link, confirmed by a one-time code", async () => {
    const { key } = await workspace();
    const known = await api(
      "POST",
      "/v1/events",
      {
        identifiers: [{ type: "email", value: "sam@example.com", verification: "verified" }],
        channel: "email",
        direction: "inbound",
        actor: { kind: "customer" },
        text: "order late",
      },
      key,
    );
    const visit = await api(
      "POST",
      "/v1/events",
      chat(
        [
          { type: "chat", value: "visitor-9" },
          { type: "email", value: "sam@example.com", verification: "claimed" },
        ],
        "I'm Sam",
      ),
      key,
    );
    expect(visit.body.customerId).not.toBe(known.body.customerId);
    expect(visit.body.pendingLinks).toEqual([
      expect.objectContaining({
        identifier: { type: "email", value: "sam@example.com" },
        status: "pending",
      }),
    ]);
    expect(JSON.stringify(visit.body.context)).not.toContain("order late");

    const visitorCustomer = visit.body.customerId as string;
    const start = await api(
      "POST",
      `/v1/customers/${visitorCustomer}/verifications`,
      { identifier: { type: "email", value: "sam@example.com" } },
      key,
    );
    expect(start.status).toBe(201);
    expect(start.body.code).toMatch(/^\d{6}$/);
    const wrong = await api(
      "POST",
      `/v1/customers/${visitorCustomer}/verifications/${start.body.id}/confirm`,
      { code: start.body.code === "000000" ? "111111" : "000000" },
      key,
    );
    expect(wrong.status).toBe(422);
    expect(wrong.body.attemptsLeft).toBe(4);
    const ok = await api(
      "POST",
      `/v1/customers/${visitorCustomer}/verifications/${start.body.id}/confirm`,
      { code: start.body.code },
      key,
    );
    expect(ok.status).toBe(200);
    expect(ok.body.merge).toMatchObject({
      survivorId: visitorCustomer,
      absorbedId: known.body.customerId,
    });
    expect(ok.body.customer.pendingLinks[0].status).toBe("confirmed");
    expect(
      ok.body.customer.identifiers.find((i: { key: string }) => i.key === "email:sam@example.com")
        .verification,
    ).toBe("verified");
  });

  it("an agent can confirm or reject a pending link", async () => {
    const { key } = await workspace();
    await api(
      "POST",
      "/v1/events",
      {
        identifiers: [{ type: "email", value: "jo@example.com" }],
        channel: "email",
        direction: "inbound",
        actor: { kind: "customer" },
        text: "x",
      },
      key,
    );
    const v = await api(
      "POST",
      "/v1/events",
      chat(
        [
          { type: "chat", value: "visitor-10" },
          { type: "email", value: "jo@example.com", verification: "claimed" },
        ],
        "I'm Jo",
      ),
      key,
    );
    const pid = v.body.pendingLinks[0].id as string;
    const rejected = await api(
      "POST",
      `/v1/customers/${v.body.customerId}/pending-links/${pid}/reject`,
      {},
      key,
    );
    expect(rejected.body.pendingLinks[0].status).toBe("rejected");
    const again = await api(
      "POST",
      `/v1/customers/${v.body.customerId}/pending-links/${pid}/confirm`,
      {},
      key,
    );
    expect(again.status).toBe(409);
  });
});

describe("review fixes", () => {
  it("a claimed link does not capture the real owner's later trusted contact", async () => {
    const { key } = await workspace();
    // A visitor types an address nobody uses yet: a claimed link to the visitor's customer.
    const visitor = await api(
      "POST",
      "/v1/events",
      chat(
        [
          { type: "chat", value: "visitor-claim-1" },
          { type: "email", value: "owner@example.com", verification: "claimed" },
        ],
        "hi",
      ),
      key,
    );
    // The real owner writes from that address (provider-verified).
    const owner = await api(
      "POST",
      "/v1/events",
      {
        identifiers: [{ type: "email", value: "owner@example.com", verification: "verified" }],
        channel: "email",
        direction: "inbound",
        actor: { kind: "customer" },
        text: "my secret order 998",
      },
      key,
    );
    expect(owner.body.customerId).not.toBe(visitor.body.customerId);
    expect(owner.body.journeyId).not.toBe(visitor.body.journeyId);
    // The visitor's next message shows nothing of the owner's.
    const again = await api(
      "POST",
      "/v1/events",
      chat([{ type: "chat", value: "visitor-claim-1" }], "what did I order?"),
      key,
    );
    expect(again.body.journeyId).toBe(visitor.body.journeyId);
    expect(JSON.stringify(again.body)).not.toContain("998");
  });

  it("a confirmed one-time code does not accept another code afterwards", async () => {
    const { key } = await workspace();
    const a = await api("POST", "/v1/events", smsFrom("+14155550175", "x"), key);
    const start = await api(
      "POST",
      `/v1/customers/${a.body.customerId}/verifications`,
      { identifier: { type: "email", value: "otp@example.com" } },
      key,
    );
    const ok = await api(
      "POST",
      `/v1/customers/${a.body.customerId}/verifications/${start.body.id}/confirm`,
      { code: start.body.code },
      key,
    );
    expect(ok.status).toBe(200);
    const wrong = start.body.code === "123456" ? "654321" : "123456";
    const replay = await api(
      "POST",
      `/v1/customers/${a.body.customerId}/verifications/${start.body.id}/confirm`,
      { code: wrong },
      key,
    );
    expect(replay.status).toBe(422);
    const same = await api(
      "POST",
      `/v1/customers/${a.body.customerId}/verifications/${start.body.id}/confirm`,
      { code: start.body.code },
      key,
    );
    expect(same.status).toBe(200);
  });

  it("undoing a merge that came from a confirmed pending link restores the identifier's owner", async () => {
    const { key } = await workspace();
    const known = await api(
      "POST",
      "/v1/events",
      {
        identifiers: [{ type: "email", value: "kay@example.com", verification: "verified" }],
        channel: "email",
        direction: "inbound",
        actor: { kind: "customer" },
        text: "hello",
      },
      key,
    );
    const visit = await api(
      "POST",
      "/v1/events",
      chat(
        [
          { type: "chat", value: "visitor-kay-1" },
          { type: "email", value: "kay@example.com", verification: "claimed" },
        ],
        "I'm Kay",
      ),
      key,
    );
    const pid = visit.body.pendingLinks[0].id as string;
    const confirmed = await api(
      "POST",
      `/v1/customers/${visit.body.customerId}/pending-links/${pid}/confirm`,
      {},
      key,
    );
    expect(confirmed.body.merge.absorbedId).toBe(known.body.customerId);
    await api(
      "POST",
      `/v1/customers/${visit.body.customerId}/merges/${confirmed.body.merge.mergeId}/undo`,
      {},
      key,
    );
    const after = await api(
      "POST",
      "/v1/events",
      {
        identifiers: [{ type: "email", value: "kay@example.com", verification: "verified" }],
        channel: "email",
        direction: "inbound",
        actor: { kind: "customer" },
        text: "again",
      },
      key,
    );
    expect(after.body.customerId).toBe(known.body.customerId);
    const visitorView = await api("GET", `/v1/customers/${visit.body.customerId}`, undefined, key);
    expect(visitorView.body.identifiers.map((i: { key: string }) => i.key)).toEqual([
      "chat:visitor-kay-1",
    ]);
  });

  it("a merge is written to the moved journey's log", async () => {
    const { key } = await workspace();
    const a = await api("POST", "/v1/events", smsFrom("+14155550176", "a"), key);
    const b = await api("POST", "/v1/events", smsFrom("+14155550177", "b"), key);
    await api(
      "POST",
      `/v1/customers/${a.body.customerId}/merges`,
      { customerId: b.body.customerId, reason: "same person" },
      key,
    );
    const events = await api("GET", `/v1/journeys/${b.body.journeyId}/events`, undefined, key);
    expect(events.body.items.at(-1)).toMatchObject({
      type: "customer.changed",
      data: { from: b.body.customerId, to: a.body.customerId },
    });
  });
});

describe("customer API errors", () => {
  it("name the body field and refuse settling a pending link twice", async () => {
    const { key } = await workspace();
    const a = await api("POST", "/v1/events", smsFrom("+14155550178", "x"), key);
    const bad = await api(
      "POST",
      `/v1/customers/${a.body.customerId}/identifiers`,
      { identifier: { type: "phone", value: "call me" } },
      key,
    );
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].path).toBe("identifier.value");
    await api(
      "POST",
      "/v1/events",
      {
        identifiers: [{ type: "email", value: "zed@example.com" }],
        channel: "email",
        direction: "inbound",
        actor: { kind: "customer" },
        text: "x",
      },
      key,
    );
    const v = await api(
      "POST",
      "/v1/events",
      chat(
        [
          { type: "chat", value: "visitor-zed-1" },
          { type: "email", value: "zed@example.com", verification: "claimed" },
        ],
        "I'm Zed",
      ),
      key,
    );
    const pid = v.body.pendingLinks[0].id as string;
    expect(
      (await api("POST", `/v1/customers/${v.body.customerId}/pending-links/${pid}/reject`, {}, key))
        .status,
    ).toBe(200);
    expect(
      (await api("POST", `/v1/customers/${v.body.customerId}/pending-links/${pid}/reject`, {}, key))
        .status,
    ).toBe(409);
  });
});
