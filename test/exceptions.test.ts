import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { JourneyObject } from "../workers/relay/src/objects/journey/object";
import { ADMIN, api, expectProblem, flushJourney, workspace } from "./helpers";
import { payloadOf, receiver, succeeded, until } from "./webhooks-helpers";

const DANA = { kind: "agent", id: "dana", name: "Dana Reyes" } as const;
const HOUR = 3_600_000;
const iso = (msFromNow: number) => new Date(Date.now() + msFromNow).toISOString();

const RECOVERY = {
  recovery: {
    fallbacks: {
      dana: { kind: "team", id: "billing-leads", name: "Billing leads", team: "billing" },
    },
    defaultFallback: { kind: "team", id: "care-leads", name: "Care leads" },
  },
  ivr: { defaultQueue: "front-desk", timeZone: "America/New_York", budgetMs: 800 },
};

/**
 * A workspace with recovery settings and a journey owned by Dana, from a verified number.
 * `before` runs after the settings and before the first event (e.g. to subscribe a webhook).
 */
async function setup(
  phone: string,
  settings: Record<string, unknown> = RECOVERY,
  owner = true,
  before?: (key: string) => Promise<void>,
) {
  const { ws, key } = await workspace([
    "events:write",
    "journeys:read",
    "journeys:write",
    "context:read",
    "caller:assert",
    "webhooks:manage",
  ]);
  const patched = await api("PATCH", `/v1/admin/workspaces/${ws}/settings`, settings, ADMIN);
  expect(patched.status).toBe(200);
  await before?.(key);
  const first = await api(
    "POST",
    "/v1/events",
    {
      identifiers: [{ type: "phone", value: phone, verification: "verified" }],
      channel: "sms",
      direction: "inbound",
      actor: { kind: "customer" },
      text: "my card payment failed twice",
    },
    key,
  );
  const id = first.body.journeyId as string;
  if (owner) {
    const o = await api(
      "PUT",
      `/v1/journeys/${id}/owner`,
      { kind: "person", id: "dana", name: "Dana Reyes", team: "billing" },
      key,
    );
    expect(o.status).toBe(200);
  }
  return { ws, key, id };
}

describe("recovery: exceptions surface first and escalate to the owner's fallback", () => {
  it("a promise broken by the alarm escalates the journey to Dana's fallback, once", async () => {
    const { ws, key, id } = await setup("+14155550401");
    await api(
      "POST",
      `/v1/journeys/${id}/promises`,
      {
        text: "callback at 17:00",
        dueAt: iso(-2 * HOUR),
        verifyBy: iso(-HOUR),
        madeBy: DANA,
        madeAt: iso(-3 * HOUR),
      },
      key,
    );
    const stub = env.JOURNEY.get(env.JOURNEY.idFromName(`${ws}/${id}`));
    await runInDurableObject(stub, async (o: JourneyObject) => {
      await Promise.all([o.alarm(), o.alarm()]);
    });
    const j = await api("GET", `/v1/journeys/${id}`, undefined, key);
    expect(j.body.owner).toMatchObject({
      kind: "team",
      id: "billing-leads",
      name: "Billing leads",
    });
    expect(j.body.effort.handoffs).toBe(1);
    expect(j.body.exceptions).toHaveLength(1);
    expect(j.body.exceptions[0]).toMatchObject({
      kind: "broken_promise",
      status: "open",
      escalatedTo: { id: "billing-leads" },
    });
    // The exception names the due time in the workspace's zone (America/New_York).
    expect(j.body.exceptions[0].text).toMatch(
      /we missed "callback at 17:00" \(due \w{3} \d\d:\d\d\)/,
    );
    const events = await api("GET", `/v1/journeys/${id}/events?limit=100`, undefined, key);
    const types = (events.body.items as { type: string }[]).map((e) => e.type);
    expect(types.filter((t) => t === "exception.escalated")).toHaveLength(1);
    type Escalation = { handoff: { reason: string }; from: { id: string } };
    const escalated = (events.body.items as { type: string; data: Escalation }[]).find(
      (e) => e.type === "exception.escalated",
    );
    expect(escalated?.data.handoff.reason).toContain("broken promise");
    expect(escalated?.data.from.id).toBe("dana");
  });

  it("a failed payment is surfaced first in the bot, agent and IVR packs, and resolves", async () => {
    const { ws, key, id } = await setup("+14155550402");
    const raised = await api(
      "POST",
      `/v1/journeys/${id}/exceptions`,
      {
        kind: "failed_payment",
        text: "card payment for invoice 1042 failed",
        guidance: "apologise, then offer a payment link",
        actor: { kind: "system", id: "billing-system" },
      },
      key,
    );
    expect(raised.status).toBe(201);
    const eid = raised.body.id as string;
    expect(eid).toMatch(/^exc_/);
    expect(raised.body.context.owner.id).toBe("billing-leads");

    const bot = await api(
      "GET",
      `/v1/context?journey=${id}&audience=bot&format=text`,
      undefined,
      key,
    );
    expect(bot.status).toBe(200);
    const text = String(bot.body.raw ?? bot.body.text ?? "");
    const first = text.indexOf("OPEN EXCEPTIONS");
    expect(first).toBeGreaterThanOrEqual(0);
    const payment = text.indexOf("card payment for invoice 1042 failed");
    expect(payment).toBeGreaterThan(first);
    expect(text).toContain("what to do: apologise, then offer a payment link");
    // The exceptions section is the first section of the pack.
    const headings = text.split("\n").filter((l) => l.startsWith("## "));
    expect(headings[0]).toBe("## OPEN EXCEPTIONS (address these first)");
    expect(headings.length).toBeGreaterThan(1);

    const agent = await api("GET", `/v1/context?journey=${id}&audience=agent`, undefined, key);
    expect(agent.body.recovery).toBe(
      "card payment for invoice 1042 failed: apologise, then offer a payment link",
    );
    expect(agent.body.openExceptions.map((e: { id: string }) => e.id)).toEqual([eid]);

    await flushJourney(ws, id); // pushes the card and the call brief
    // An authenticated caller (the flow checked a PIN) hears the exception first.
    const ivrPath = "/v1/context?phone=%2B14155550402&audience=ivr&authenticated=pin";
    const ivr = await api("GET", ivrPath, undefined, key);
    expect(ivr.status).toBe(200);
    expect(ivr.body).toMatchObject({ match: "single", exception: "failed_payment" });
    expect(String(ivr.body.recovery)).toContain("card payment for invoice 1042 failed");

    const resolved = await api(
      "POST",
      `/v1/journeys/${id}/exceptions/${eid}/resolve`,
      { note: "paid by link", actor: DANA },
      key,
    );
    expect(resolved.status).toBe(200);
    expect(resolved.body.context.exceptions[0]).toMatchObject({
      id: eid,
      status: "resolved",
      note: "paid by link",
    });
    const again = await api("POST", `/v1/journeys/${id}/exceptions/${eid}/resolve`, {}, key);
    expectProblem(again, 409, "exception_resolved");
    await flushJourney(ws, id);
    const after = await api("GET", ivrPath, undefined, key);
    expect(after.body.exception).toBeUndefined();
  });

  it("an owner away goes to the default fallback when the owner has none; escalate=false keeps the owner", async () => {
    const { key, id } = await setup("+14155550403", {
      recovery: { defaultFallback: { kind: "person", id: "sam", name: "Sam Ortiz" } },
    });
    const kept = await api(
      "POST",
      `/v1/journeys/${id}/exceptions`,
      { kind: "moved_appointment", text: "visit moved to Friday", escalate: false },
      key,
    );
    expect(kept.status).toBe(201);
    expect(kept.body.context.owner.id).toBe("dana");
    const away = await api(
      "POST",
      `/v1/journeys/${id}/exceptions`,
      { kind: "owner_away", text: "Dana is on leave until Monday" },
      key,
    );
    expect(away.status).toBe(201);
    expect(away.body.context.owner).toMatchObject({ kind: "person", id: "sam" });
    expect(away.body.context.exceptions.map((e: { kind: string }) => e.kind)).toEqual([
      "moved_appointment",
      "owner_away",
    ]);
  });

  it("kinds outside recovery.escalate and workspaces without a fallback record the exception only", async () => {
    const limited = await setup("+14155550404", {
      recovery: {
        defaultFallback: { kind: "team", id: "care-leads" },
        escalate: ["broken_promise"],
      },
    });
    const r1 = await api(
      "POST",
      `/v1/journeys/${limited.id}/exceptions`,
      { kind: "misrouted", text: "sent to sales by mistake" },
      limited.key,
    );
    expect(r1.status).toBe(201);
    expect(r1.body.context.owner.id).toBe("dana");
    const plain = await setup("+14155550405", {}, false);
    const r2 = await api(
      "POST",
      `/v1/journeys/${plain.id}/exceptions`,
      { kind: "other", text: "system outage delayed the refund" },
      plain.key,
    );
    expect(r2.status).toBe(201);
    expect(r2.body.context.owner).toBeNull();
    expect(r2.body.context.exceptions[0].escalatedTo).toBeNull();
  });

  it("bad exception input is a 4xx and changes nothing", async () => {
    const { key, id } = await setup("+14155550406", {}, false);
    expectProblem(
      await api("POST", `/v1/journeys/${id}/exceptions`, { kind: "volcano", text: "x" }, key),
      422,
      "validation_failed",
    );
    expectProblem(
      await api("POST", `/v1/journeys/${id}/exceptions`, { kind: "other" }, key),
      422,
      "validation_failed",
    );
    expectProblem(
      await api("POST", `/v1/journeys/${id}/exceptions/exc_missing/resolve`, {}, key),
      404,
      "exception_not_found",
    );
    expectProblem(
      await api(
        "PATCH",
        `/v1/admin/workspaces/nope/settings`,
        { recovery: { fallbacks: { dana: { id: "" } } } },
        ADMIN,
      ),
      422,
      "validation_failed",
    );
    const j = await api("GET", `/v1/journeys/${id}`, undefined, key);
    expect(j.body.exceptions).toEqual([]);
    expect(j.body.history.total).toBe(1);
  });
});

describe("recovery is announced to webhook subscribers", () => {
  it("a broken promise, its exception and the escalation reach a promise.*/exception.* subscriber, signed and in order", async () => {
    const r = receiver();
    const { ws, key, id } = await setup("+14155550407", RECOVERY, true, async (key) => {
      const sub = await api(
        "POST",
        "/v1/webhooks",
        { url: r.url, eventTypes: ["promise.*", "exception.*"] },
        key,
      );
      expect(sub.status).toBe(201);
      await r.set({ secrets: [sub.body.secret as string] });
    });
    await api(
      "POST",
      `/v1/journeys/${id}/promises`,
      {
        text: "callback at 17:00",
        dueAt: iso(-2 * HOUR),
        verifyBy: iso(-HOUR),
        madeBy: DANA,
        madeAt: iso(-3 * HOUR),
      },
      key,
    );
    const stub = env.JOURNEY.get(env.JOURNEY.idFromName(`${ws}/${id}`));
    // The journey's alarm breaks the promise and hands the events to the webhooks object.
    await runInDurableObject(stub, async (o: JourneyObject) => o.alarm());
    const want = [
      "promise.made",
      "promise.overdue",
      "promise.broken",
      "exception.raised",
      "exception.escalated",
    ];
    const got = await until(
      ws,
      () => r.requests(),
      (list) => succeeded(list).length >= want.length,
      "recovery deliveries",
    );
    const ok = succeeded(got);
    expect(ok.every((q) => q.verifications[0]?.ok === true)).toBe(true);
    const payloads = ok.map(payloadOf);
    expect(payloads.map((p) => p.type)).toEqual(want);
    const seqs = payloads.map((p) => p.data.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const raised = payloads.find((p) => p.type === "exception.raised");
    expect(raised?.data.event.data).toMatchObject({ kind: "broken_promise" });
    const escalated = payloads.find((p) => p.type === "exception.escalated");
    expect(escalated?.data.event.data).toMatchObject({ to: { id: "billing-leads" } });
  });
});

describe("webhooks cost the ingest path one outbox row without a subscriber", () => {
  it("without a subscription the hook_outbox row is still written, and dropped after the hand-off", async () => {
    const { ws, key, id } = await setup("+14155550408", {}, false);
    await flushJourney(ws, id); // the first hand-off learns there is no subscription
    const stub = env.JOURNEY.get(env.JOURNEY.idFromName(`${ws}/${id}`));
    const again = await api(
      "POST",
      "/v1/events",
      {
        journeyId: id,
        channel: "sms",
        direction: "inbound",
        actor: { kind: "customer" },
        text: "any news?",
      },
      key,
    );
    expect(again.status).toBe(201);
    // Written whatever the last answer was (a subscription may exist by now), and dropped only
    // once the webhooks object itself answers that nobody wants it (test/webhooks-out.test.ts).
    const hooks = await runInDurableObject(stub, (o: JourneyObject) => o.hooks());
    expect(hooks.pending).toBe(1);
    const outbox = await runInDurableObject(stub, (o: JourneyObject) => o.outbox());
    expect(outbox.pending).toBeGreaterThan(0);
    await flushJourney(ws, id);
    expect((await runInDurableObject(stub, (o: JourneyObject) => o.hooks())).pending).toBe(0);
  });
});
