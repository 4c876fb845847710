import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, expectProblem, flushJourney } from "./helpers";
import { deliver, journeyRecords, waitFor } from "./history-helpers";
import {
  completed,
  d1Dump,
  erasureWorkspace,
  objectDump,
  sid,
  smsFields,
  twilioSms,
} from "./erasure-helpers";
import { arm } from "./fault-injection-helpers";
import { payloadOf, receiver, subscribe, succeeded } from "./webhooks-helpers";

const unique = () => crypto.randomUUID().slice(0, 8);

/** A customer who wrote twice by SMS and once by email, with a promise; flushed to D1. */
async function customerWithHistory(ws: string, key: string) {
  const tag = unique();
  const phone = `+1415555${String(1000 + Math.floor(Math.random() * 8999)).slice(0, 4)}`;
  const secret = `my card ends 4242 and my dog is called Zebulon-${tag}`;
  const email = `zebulon.${tag}@example.com`;
  const name = `Zebulon Quartermaine ${tag}`;
  const firstSid = sid("SM");
  const first = await twilioSms(ws, smsFields(phone, secret, firstSid));
  expect(first.status).toBe(200);
  const journeyId = first.journeyId ?? "";
  expect(journeyId).toMatch(/^jrn_/);
  const second = await twilioSms(ws, smsFields(phone, `still waiting ${tag}`));
  expect(second.journeyId).toBe(journeyId);
  // The same person by email, linked to the phone (asserted), with their name.
  const byEmail = await api(
    "POST",
    "/v1/events",
    {
      identifiers: [
        { type: "phone", value: phone, verification: "verified" },
        { type: "email", value: email },
      ],
      channel: "email",
      direction: "inbound",
      actor: { kind: "customer", name },
      type: "message",
      text: `Hello, this is ${name}`,
    },
    key,
  );
  expect(byEmail.status, JSON.stringify(byEmail.body)).toBe(201);
  const promise = await api(
    "POST",
    `/v1/journeys/${journeyId}/promises`,
    {
      text: `Refund for ${name}`,
      dueAt: new Date(Date.now() + 86_400_000).toISOString(),
      madeBy: { kind: "agent", id: "agent-7", name: "Dana" },
    },
    key,
  );
  expect(promise.status, JSON.stringify(promise.body)).toBe(201);
  const journey = await api("GET", `/v1/journeys/${journeyId}`, undefined, key);
  const customerId = journey.body.customerId as string;
  expect(customerId).toMatch(/^cus_/);
  await flushJourney(ws, journeyId);
  await waitFor(async () => ((await d1Dump()).includes(secret) ? true : null));
  return { phone, email, name, secret, journeyId, customerId, firstSid, tag };
}

describe("customer erasure", () => {
  it("erases the customer everywhere: objects, D1, webhooks, API answers; leaves an audit trail and customer.erased", async () => {
    const { ws, key } = await erasureWorkspace();
    const r = receiver();
    await subscribe(key, r.url, { eventTypes: ["message", "customer.erased"] });
    const c = await customerWithHistory(ws, key);
    // The webhook messages about the customer are stored (and delivered) before the erasure.
    await waitFor(async () => ((await r.requests()).length >= 1 ? true : null));

    const started = await api("POST", `/v1/customers/${c.customerId}/erasure`, {}, key);
    expect(started.status).toBe(202);
    expect(started.headers.get("location")).toBe(`/v1/erasures/${started.body.id}`);
    expect(started.body.customerId).toBe(c.customerId);
    const job = await completed(key, started.body.id as string);
    expect(job.step).toBe("done");
    expect(job.counts).toMatchObject({ customers: 1, journeys: 1, identifiers: 2 });
    expect(job.counts.events).toBeGreaterThanOrEqual(4);
    expect(job.counts.historyRows).toBeGreaterThan(0);
    expect(job.counts.tombstones).toBeGreaterThanOrEqual(2);

    // No API answer knows them.
    expectProblem(
      await api("GET", `/v1/customers/${c.customerId}`, undefined, key),
      404,
      "customer_not_found",
    );
    expectProblem(
      await api("GET", `/v1/journeys/${c.journeyId}`, undefined, key),
      404,
      "journey_not_found",
    );
    const ctx = await api(
      "GET",
      `/v1/context?phone=${encodeURIComponent(c.phone)}&audience=agent`,
      undefined,
      key,
    );
    expect(JSON.stringify(ctx.body)).not.toContain(c.secret);
    expect(JSON.stringify(ctx.body)).not.toContain(c.customerId);
    const search = await api("GET", `/v1/journeys?customer=${c.customerId}`, undefined, key);
    expect(search.status).toBe(200);
    expect(search.body.items).toEqual([]);

    // No D1 row, no object row holds their identifiers, name or words.
    const d1 = await d1Dump();
    for (const raw of [c.secret, c.phone, c.email, c.name, c.customerId, `Zebulon`]) {
      expect(d1).not.toContain(raw);
    }
    const dumps = [
      await objectDump(env.JOURNEY, `${ws}/${c.journeyId}`),
      await objectDump(env.CUSTOMER, `${ws}/${c.customerId}`),
      await objectDump(env.IDENTITY, `${ws}/phone:${c.phone}`),
      await objectDump(env.IDENTITY, `${ws}/email:${c.email}`),
      await objectDump(env.WEBHOOKS, ws),
    ].join("\n");
    for (const raw of [c.secret, c.phone, c.email, c.name, "Zebulon"]) {
      expect(dumps).not.toContain(raw);
    }

    // customer.erased reaches the subscriber, without personal data.
    const erased = await waitFor(async () => {
      const got = succeeded(await r.requests()).find(
        (q) => payloadOf(q).type === "customer.erased",
      );
      return got ?? null;
    });
    const payload = JSON.parse(erased.body) as { data: Record<string, unknown> };
    expect(payload.data.erasureId).toBe(job.id);
    expect(payload.data.customerIds).toEqual([c.customerId]);
    expect(erased.body).not.toContain(c.phone);
    expect(erased.body).not.toContain("Zebulon");

    // The audit log: one request entry and one completion entry, without the identifiers.
    const audit = await api("GET", `/v1/audit?customer=${c.customerId}`, undefined, key);
    const actions = (audit.body.items as { action: string }[]).map((e) => e.action);
    expect(actions.filter((a) => a === "erasure.requested")).toHaveLength(1);
    expect(actions.filter((a) => a === "customer.erased")).toHaveLength(1);
    expect(JSON.stringify(audit.body)).not.toContain(c.phone);
  });

  it("a late Twilio retry of an erased message stores nothing; a new contact from the number starts clean", async () => {
    const { ws, key } = await erasureWorkspace();
    const c = await customerWithHistory(ws, key);
    const started = await api("POST", `/v1/customers/${c.customerId}/erasure`, {}, key);
    await completed(key, started.body.id as string);

    // Twilio retries the first message, same MessageSid: acknowledged, nothing stored.
    const retry = await twilioSms(ws, smsFields(c.phone, c.secret, c.firstSid));
    expect(retry.status).toBe(200);
    expect(retry.text).toContain("<Response");
    expect(retry.journeyId).toBeNull();
    expect(await objectDump(env.IDENTITY, `${ws}/phone:${c.phone}`)).not.toContain(c.phone);
    const none = await api(
      "GET",
      `/v1/context?phone=${encodeURIComponent(c.phone)}&audience=agent`,
      undefined,
      key,
    );
    expect(JSON.stringify(none.body)).not.toContain(c.secret);
    // The API refuses an erased message's idempotency key replayed with its identifiers too.
    // A new message from the same number: a new customer, a new journey, only the new words.
    const fresh = await twilioSms(ws, smsFields(c.phone, "hello again, new problem"));
    expect(fresh.status).toBe(200);
    expect(fresh.journeyId).not.toBe(c.journeyId);
    const j = await api("GET", `/v1/journeys/${fresh.journeyId}`, undefined, key);
    expect(j.body.customerId).not.toBe(c.customerId);
    const events = await api("GET", `/v1/journeys/${fresh.journeyId}/events`, undefined, key);
    const texts = (events.body.items as { text?: string }[]).map((e) => e.text ?? "");
    expect(texts.join(" ")).not.toContain("Zebulon");
    expect(j.body.predecessors ?? []).toEqual([]);
  });

  it("a second request returns the first job, by id or by identifier, during and after the job", async () => {
    const { ws, key } = await erasureWorkspace();
    const c = await customerWithHistory(ws, key);
    const first = await api("POST", `/v1/customers/${c.customerId}/erasure`, {}, key);
    expect(first.status).toBe(202);
    const again = await api("POST", `/v1/customers/${c.customerId}/erasure`, {}, key);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    await completed(key, first.body.id as string);
    const byPhone = await api(
      "POST",
      "/v1/erasures",
      { identifier: { type: "phone", value: c.phone } },
      key,
    );
    expect(byPhone.status).toBe(200);
    expect(byPhone.body.id).toBe(first.body.id);
    const byEmail = await api(
      "POST",
      "/v1/erasures",
      { identifier: { type: "email", value: c.email.toUpperCase() } },
      key,
    );
    expect(byEmail.body.id).toBe(first.body.id);
    const byId = await api("GET", `/v1/customers/${c.customerId}/erasure`, undefined, key);
    expect(byId.body.id).toBe(first.body.id);
    const list = await api("GET", "/v1/erasures", undefined, key);
    expect((list.body.items as { id: string }[]).map((e) => e.id)).toEqual([first.body.id]);
    // A completed job keeps ids and counts, never the identifiers it erased.
    expect(JSON.stringify(list.body)).not.toContain(c.phone);
    expect(JSON.stringify(await objectDump(env.WORKSPACE, ws))).not.toContain(c.phone);
  });

  it("by identifier: finds the customer from a phone number written any way", async () => {
    const { ws, key } = await erasureWorkspace();
    const c = await customerWithHistory(ws, key);
    const national = `(415) 555-${c.phone.slice(-4)}`;
    const started = await api(
      "POST",
      "/v1/erasures",
      { identifier: { type: "phone", value: national } },
      key,
    );
    expect(started.status).toBe(202);
    expect(started.body.customerId).toBe(c.customerId);
    const job = await completed(key, started.body.id as string);
    expect(job.counts.journeys).toBe(1);
  });

  it("refuses what it cannot do, changing nothing", async () => {
    const { ws, key } = await erasureWorkspace();
    expectProblem(
      await api("POST", "/v1/customers/cus_doesnotexist00000000/erasure", {}, key),
      404,
      "customer_not_found",
    );
    expectProblem(
      await api(
        "POST",
        "/v1/erasures",
        { identifier: { type: "phone", value: "+14155550000" } },
        key,
      ),
      404,
      "customer_not_found",
    );
    expectProblem(await api("POST", "/v1/erasures", {}, key), 422, "validation_failed");
    expectProblem(
      await api(
        "POST",
        "/v1/erasures",
        { identifier: { type: "phone", value: "not a phone" } },
        key,
      ),
      422,
      "invalid_identifier",
    );
    expectProblem(
      await api("GET", "/v1/erasures/era_nope", undefined, key),
      404,
      "erasure_not_found",
    );
    // A key without customers:erase cannot start one.
    const c = await customerWithHistory(ws, key);
    const other = await erasureWorkspace();
    expectProblem(
      await api("POST", `/v1/customers/${c.customerId}/erasure`, {}, other.key),
      404,
      "customer_not_found",
    );
    const weak = await api(
      "POST",
      `/v1/admin/workspaces/${ws}/keys`,
      { name: "reader", scopes: ["customers:read", "customers:write"] },
      "test-admin-secret",
    );
    const refused = await api(
      "POST",
      `/v1/customers/${c.customerId}/erasure`,
      {},
      weak.body.key as string,
    );
    expect(refused.status).toBe(403);
    expect((await api("GET", "/v1/erasures", undefined, key)).body.items).toEqual([]);
    expect((await api("GET", `/v1/customers/${c.customerId}`, undefined, key)).status).toBe(200);
  });

  it("an erasure interrupted half-way resumes and completes", async () => {
    const { ws, key } = await erasureWorkspace("fault");
    const c = await customerWithHistory(ws, key);
    // The job fails twice after the identities and customers are gone, before the journeys.
    await arm(ws, "erasure.journeys", "before", 2);
    const started = await api("POST", `/v1/customers/${c.customerId}/erasure`, {}, key);
    const failed = await waitFor(async () => {
      const r = await api("GET", `/v1/erasures/${started.body.id}`, undefined, key);
      return r.body.attempts >= 1 ? r.body : null;
    });
    expect(failed.lastError).toContain("journeys");
    // Half-way, the job's row holds its plan, and the plan names no identifier (objects by id).
    const mid = await objectDump(env.WORKSPACE, ws);
    expect(mid).toContain(c.journeyId);
    for (const raw of [c.phone, c.email, c.name, c.tag]) expect(mid).not.toContain(raw);
    const job = await completed(key, started.body.id as string);
    expect(job.attempts).toBe(2);
    expect(job.lastError).toBeNull();
    expect(job.counts.journeys).toBe(1);
    expect(await d1Dump()).not.toContain(c.secret);
    expect(await objectDump(env.JOURNEY, `${ws}/${c.journeyId}`)).not.toContain(c.secret);
  });

  it("closes a live chat socket first, tells the browser why, and says so", async () => {
    const { ws, key } = await erasureWorkspace();
    const res = await SELF.fetch(`https://baton.test/chat/${ws}/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ visitorId: `visitor-${unique()}`, text: "chatting about Zebulon" }),
    });
    expect(res.status).toBe(201);
    const s = (await res.json()) as { journeyId: string; socket: string };
    const up = await SELF.fetch(`https://baton.test${s.socket}`, {
      headers: { upgrade: "websocket" },
    });
    const socket = up.webSocket;
    if (!socket) throw new Error("no socket");
    const frames: string[] = [];
    let closed: number | null = null;
    socket.addEventListener("message", (m) => frames.push(String(m.data)));
    socket.addEventListener("close", (e) => {
      closed = e.code;
    });
    socket.accept();
    await waitFor(async () => (frames.length > 0 ? true : null));
    const journey = await api("GET", `/v1/journeys/${s.journeyId}`, undefined, key);
    const started = await api("POST", `/v1/customers/${journey.body.customerId}/erasure`, {}, key);
    const job = await completed(key, started.body.id as string);
    expect(job.counts.socketsClosed).toBe(1);
    expect(job.notes.join(" ")).toContain("live chat socket");
    await waitFor(async () => (closed !== null ? true : null));
    expect(closed).toBe(4410);
    expect(frames.some((f) => f.includes('"erased"'))).toBe(true);
  });

  it("a history record still queued for an erased journey never comes back into D1", async () => {
    const { ws, key } = await erasureWorkspace();
    const c = await customerWithHistory(ws, key);
    const started = await api("POST", `/v1/customers/${c.customerId}/erasure`, {}, key);
    await completed(key, started.body.id as string);
    // Replay what the journey had queued, as a late queue delivery would; the same record for a
    // journey nobody erased is written: the guard is what drops the first.
    const late = journeyRecords(ws, c.journeyId).base(1, "message");
    late.event.text = c.secret;
    late.journey.reasonText = c.secret;
    late.journey.customerId = c.customerId;
    const control = journeyRecords(ws, "jrn_control000000000000").base(1, "message");
    control.event.text = `control ${c.tag}`;
    const { ids, result } = await deliver("baton-history", [late, control]);
    expect(result.explicitAcks.sort()).toEqual([...ids].sort());
    const d1 = await d1Dump();
    expect(d1).not.toContain(c.secret);
    expect(d1).toContain(`control ${c.tag}`);
  });
});
