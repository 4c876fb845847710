import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CustomerExport } from "../workers/relay/src/openapi/routes-export";
import { ADMIN, api, expectProblem, smsFrom, workspace, type ApiResponse } from "./helpers";

/* GET /v1/customers/:id/export (docs/privacy.md "Export"). */

const DANA = { kind: "agent", id: "dana", name: "Dana Reyes" } as const;
const iso = (msFromNow: number) => new Date(Date.now() + msFromNow).toISOString();
const MINUTE = 60_000;
const SCOPES = [
  "events:write",
  "journeys:read",
  "journeys:write",
  "customers:read",
  "customers:write",
];

const emailFrom = (address: string, text: string) => ({
  identifiers: [{ type: "email", value: address }],
  channel: "email",
  direction: "inbound",
  actor: { kind: "customer" },
  text,
});

function ok(res: ApiResponse, status = 201): ApiResponse {
  expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(status);
  return res;
}

/** Every event of a journey, read through the API page by page. */
async function allEvents(key: string, id: string): Promise<{ seq: number }[]> {
  const out: { seq: number }[] = [];
  let after = 0;
  for (;;) {
    const page = ok(
      await api("GET", `/v1/journeys/${id}/events?after=${after}&limit=500`, undefined, key),
      200,
    );
    out.push(...(page.body.items as { seq: number }[]));
    if (page.body.nextAfter === null) return out;
    after = page.body.nextAfter as number;
  }
}

/**
 * Keys that only post events: seeding spreads its requests over them, so no one key reaches
 * its rate limit (docs/api.md "Rate limits"); the workspace's larger limit still holds.
 */
async function writerKeys(ws: string, n = 4): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    const made = await api(
      "POST",
      `/v1/admin/workspaces/${ws}/keys`,
      { name: `seed-${i}`, scopes: ["events:write"] },
      ADMIN,
    );
    keys.push(ok(made).body.key as string);
  }
  return keys;
}

/** Posts `n` messages to a journey, `parallel` at a time, round-robin over `keys`. */
async function fill(keys: string[], journeyId: string, n: number, parallel = 25): Promise<void> {
  for (let i = 0; i < n; i += parallel) {
    const batch = Array.from({ length: Math.min(parallel, n - i) }, (_, k) =>
      api(
        "POST",
        "/v1/events",
        {
          journeyId,
          channel: "sms",
          direction: k % 2 ? "outbound" : "inbound",
          actor: k % 2 ? DANA : { kind: "customer" },
          text: `message ${i + k}`,
        },
        keys[(i + k) % keys.length],
      ),
    );
    for (const res of await Promise.all(batch)) ok(res, 200 + (res.status === 201 ? 1 : 0));
  }
}

/** Waits (at most 5 s) until the customer's journey cards caught up with their journeys. */
async function cardsSettled(key: string, customerId: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const c = ok(await api("GET", `/v1/customers/${customerId}`, undefined, key), 200).body;
    const cards = c.journeys as { id: string; seq: number }[];
    const live = await Promise.all(
      cards.map(async (j) => ok(await api("GET", `/v1/journeys/${j.id}`, undefined, key), 200)),
    );
    if (cards.every((j, i) => live[i]?.body.seq === j.seq)) return;
    if (Date.now() > deadline) throw new Error("journey cards did not catch up");
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function exportOf(key: string, id: string): Promise<ApiResponse> {
  return api("GET", `/v1/customers/${id}/export`, undefined, key);
}

describe("customer export", () => {
  it("holds everything the API shows about a customer, across channels and a merge", async () => {
    const { key } = await workspace([...SCOPES, "audit:read"]);
    const phone = "+14155550801";
    const address = "rosa@example.com";

    // Journey 1 on SMS, journey 2 by email from an identifier not linked yet: two customers.
    const sms = ok(await api("POST", "/v1/events", smsFrom(phone, "my router is dead"), key));
    const a = sms.body.journeyId as string;
    const cusA = sms.body.customerId as string;
    ok(await api("POST", "/v1/events", smsFrom(phone, "still dead"), key));
    const mail = ok(await api("POST", "/v1/events", emailFrom(address, "refund please"), key));
    const b = mail.body.journeyId as string;
    const cusB = mail.body.customerId as string;
    expect(cusB).not.toBe(cusA);
    ok(await api("POST", "/v1/events", emailFrom(address, "any news on the refund?"), key));

    // Owner, promises (one soon due, so the alarm records an owner nudge), a constraint.
    for (const j of [a, b]) {
      ok(await api("PUT", `/v1/journeys/${j}/owner`, { kind: "person", id: "dana" }, key), 200);
    }
    ok(
      await api(
        "POST",
        `/v1/journeys/${a}/promises`,
        { text: "send a new router", dueAt: iso(10 * MINUTE), madeBy: DANA },
        key,
      ),
    );
    ok(
      await api(
        "POST",
        `/v1/journeys/${b}/promises`,
        { text: "refund by Friday", dueAt: iso(3 * 24 * 60 * MINUTE), madeBy: DANA },
        key,
      ),
    );
    ok(
      await api(
        "POST",
        `/v1/journeys/${b}/constraints`,
        { text: "email only", kind: "channel_only", channel: "email" },
        key,
      ),
    );
    const { runDurableObjectAlarm, env } = await import("cloudflare:test");
    const { ws } = await (async () => {
      const c = ok(await api("GET", `/v1/customers/${cusA}`, undefined, key), 200);
      return { ws: c.body.workspace as string };
    })();
    await runDurableObjectAlarm(env.JOURNEY.get(env.JOURNEY.idFromName(`${ws}/${a}`)));

    // The email is linked to the SMS customer: the email customer is merged into it.
    const linked = ok(
      await api(
        "POST",
        `/v1/customers/${cusA}/identifiers`,
        { identifier: { type: "email", value: address }, reason: "same person, checked" },
        key,
      ),
    );
    expect(linked.body.merge).not.toBeNull();
    await cardsSettled(key, cusA);

    const res = await exportOf(key, cusA);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="${cusA}.json"`);
    const x = res.body;
    expect(CustomerExport.safeParse(x).error).toBeUndefined(); // the documented shape

    // The customer exactly as GET /v1/customers/:id shows it, identifiers with provenance.
    const customer = ok(await api("GET", `/v1/customers/${cusA}`, undefined, key), 200).body;
    expect(x.customer).toEqual(customer);
    expect(x.identifiers).toEqual(customer.identifiers);
    expect(x.identifiers.map((i: { key: string }) => i.key).sort()).toEqual([
      `email:${address}`,
      `phone:${phone}`,
    ]);
    for (const i of x.identifiers) {
      expect(i).toMatchObject({ source: expect.any(String), verification: expect.any(String) });
    }
    expect(x.requestedId).toBe(cusA);
    expect(x.mergePath).toEqual([]);
    const absorbed = ok(await api("GET", `/v1/customers/${cusB}`, undefined, key), 200).body;
    expect(x.mergedCustomers).toEqual([absorbed]);
    // The audit entries about both customers, as GET /v1/audit shows them, this export included.
    const audited = new Map<string, { id: string; action: string }>();
    for (const c of [cusA, cusB]) {
      const log = ok(await api("GET", `/v1/audit?customer=${c}&limit=200`, undefined, key), 200);
      for (const e of log.body.items) audited.set(e.id, e);
    }
    expect([...audited.values()].sort((p, q) => p.id.localeCompare(q.id))).toEqual(
      [...x.audit].sort((p: { id: string }, q: { id: string }) => p.id.localeCompare(q.id)),
    );
    expect(x.audit.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(["customer.merged", "customer.exported"]),
    );

    // Every journey: context, every event, promises and outreach, as the journey routes show them.
    expect(x.journeys.map((j: { journey: { id: string } }) => j.journey.id).sort()).toEqual(
      [a, b].sort(),
    );
    const channels = new Set<string>();
    for (const entry of x.journeys) {
      const id = entry.journey.id as string;
      expect(entry.journey).toEqual(
        ok(await api("GET", `/v1/journeys/${id}`, undefined, key), 200).body,
      );
      const events = await allEvents(key, id);
      expect(events.length).toBeGreaterThan(2);
      expect(entry.events).toEqual(events);
      for (const e of entry.events) channels.add(e.channel);
      const promises = ok(await api("GET", `/v1/journeys/${id}/promises`, undefined, key), 200);
      expect(entry.promises).toEqual(promises.body.items);
      expect(entry.promises).toHaveLength(1);
      const outreach = ok(await api("GET", `/v1/journeys/${id}/outreach`, undefined, key), 200);
      expect(entry.outreach).toEqual(outreach.body.items);
    }
    expect([...channels]).toEqual(expect.arrayContaining(["sms", "email"]));
    const ofA = x.journeys.find((j: { journey: { id: string } }) => j.journey.id === a);
    expect(ofA.outreach.length).toBeGreaterThan(0); // the nudge the alarm recorded
    expect(
      x.journeys.find((j: { journey: { id: string } }) => j.journey.id === b).journey.customerId,
    ).toBe(cusA);

    // The absorbed customer's id exports the customer that absorbed it, and says so.
    const viaB = await exportOf(key, cusB);
    expect(viaB.status).toBe(200);
    expect(viaB.body.requestedId).toBe(cusB);
    expect(viaB.body.mergePath).toEqual([cusB, cusA]);
    expect(viaB.body.customer).toEqual(customer);
    expect(viaB.body.journeys).toHaveLength(2);
  });

  it("refuses unknown customers, other workspaces' customers and keys without the scopes", async () => {
    const one = await workspace();
    const other = await workspace();
    const first = ok(await api("POST", "/v1/events", smsFrom("+14155550802", "hello"), one.key));
    const id = first.body.customerId as string;
    const before = ok(await api("GET", `/v1/customers/${id}`, undefined, one.key), 200).body;

    expectProblem(await exportOf(one.key, "cus_0000000000000000000000"), 404, "customer_not_found");
    expectProblem(await exportOf(one.key, "not-a-customer-id"), 404, "customer_not_found");
    expectProblem(await exportOf(one.key, "cus_" + "x".repeat(300)), 404, "customer_not_found");
    expectProblem(await exportOf(other.key, id), 404, "customer_not_found");

    const noJourneys = await workspace(["customers:read"]);
    const crossKey = await exportOf(noJourneys.key, id);
    expectProblem(crossKey, 403, "insufficient_scope"); // checked before the lookup
    expect(crossKey.body.required).toBe("journeys:read");
    const noCustomers = await workspace(["journeys:read"]);
    const res = await exportOf(noCustomers.key, id);
    expectProblem(res, 403, "insufficient_scope");
    expect(res.body.required).toBe("customers:read");
    expectProblem(await exportOf("", id), 401, "unauthenticated");

    // Nothing changed.
    expect(ok(await api("GET", `/v1/customers/${id}`, undefined, one.key), 200).body).toEqual(
      before,
    );
  });

  it("a journey with more than 1,000 events exports completely, streamed in pieces", async () => {
    const { ws, key } = await workspace();
    const first = ok(await api("POST", "/v1/events", smsFrom("+14155550803", "start"), key));
    const id = first.body.journeyId as string;
    await fill(await writerKeys(ws), id, 1_050);

    const res = await SELF.fetch(
      `https://baton.test/v1/customers/${first.body.customerId}/export`,
      {
        headers: { authorization: `Bearer ${key}` },
      },
    );
    expect(res.status).toBe(200);
    const reader = res.body?.getReader();
    if (!reader) throw new Error("no body");
    const decoder = new TextDecoder();
    let text = "";
    let chunks = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks++;
      text += decoder.decode(value, { stream: true });
    }
    expect(chunks).toBeGreaterThan(3); // 1,051 events are 3 pages of 500, each its own piece
    const x = JSON.parse(text) as {
      audit: unknown;
      journeys: { journey: { seq: number }; events: { seq: number }[] }[];
    };
    expect(x.journeys).toHaveLength(1);
    expect(x.audit).toBeNull(); // this key may not read the audit log
    const [entry] = x.journeys;
    expect(entry?.journey.seq).toBe(1_051);
    expect(entry?.events.map((e) => e.seq)).toEqual(Array.from({ length: 1_051 }, (_, i) => i + 1));
    expect(entry?.events).toEqual(await allEvents(key, id));
  }, 180_000);

  it("measures the export of 10 journeys with 1,000 events in total", async () => {
    const { ws, key } = await workspace();
    const writers = await writerKeys(ws);
    const phone = "+14155550804";
    const journeys: string[] = [];
    let customerId = "";
    for (let i = 0; i < 10; i++) {
      const res = ok(
        await api("POST", "/v1/events", smsFrom(phone, `problem ${i}`, { newJourney: true }), key),
      );
      journeys.push(res.body.journeyId as string);
      customerId = res.body.customerId as string;
    }
    expect(new Set(journeys).size).toBe(10);
    await Promise.all(journeys.map((j) => fill(writers, j, 99, 10)));

    const times: number[] = [];
    let x: ApiResponse | null = null;
    for (let run = 0; run < 5; run++) {
      const t0 = performance.now();
      x = await exportOf(key, customerId);
      times.push(performance.now() - t0);
      expect(x.status).toBe(200);
    }
    const exported = x?.body.journeys as { journey: { seq: number }; events: { type: string }[] }[];
    expect(exported).toHaveLength(10);
    const events = exported.reduce((n, j) => n + j.events.length, 0);
    // 1,000 messages, plus what Baton wrote itself (a continuity link between the problems).
    expect(events).toBe(exported.reduce((n, j) => n + j.journey.seq, 0));
    const messages = exported.flatMap((j) => j.events.filter((e) => e.type === "message"));
    expect(messages).toHaveLength(1_000);
    const sorted = [...times].sort((p, q) => p - q);
    console.log(
      `export of 10 journeys / ${events} events: ${JSON.stringify(x?.body).length} bytes, ` +
        `median ${sorted[2]?.toFixed(0)} ms, min ${sorted[0]?.toFixed(0)} ms, max ${sorted[4]?.toFixed(0)} ms (5 runs)`,
    );
  }, 180_000);
});
