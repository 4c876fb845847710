import { env, runInDurableObject } from "cloudflare:test";
import { flushToD1, type OutboxRecord } from "@baton/db";
import { describe, expect, it } from "vitest";
import { api, flushJourney, smsFrom, workspace } from "./helpers";

async function d1Count(table: string, ws: string): Promise<number> {
  const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE workspace_id = ?`)
    .bind(ws)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

function outbox(ws: string, journeyId: string) {
  return env.JOURNEY.get(env.JOURNEY.idFromName(`${ws}/${journeyId}`)).outbox();
}

describe("D1 history", () => {
  it("the outbox reaches D1 after the alarm and a second flush adds nothing", async () => {
    const { ws, key } = await workspace();
    const first = await api("POST", "/v1/events", smsFrom("+14155550106", "charged twice"), key);
    const id = first.body.journeyId as string;
    await api(
      "PUT",
      `/v1/journeys/${id}/owner`,
      { id: "dana", name: "Dana Reyes", team: "billing" },
      key,
    );
    await api(
      "POST",
      `/v1/journeys/${id}/promises`,
      {
        text: "refund in 3 days",
        dueAt: "2099-03-05T17:00:00Z",
        madeBy: { kind: "agent", id: "dana" },
      },
      key,
    );
    expect(await d1Count("events", ws)).toBe(0);
    // Keep a copy of what the alarm is about to send, to send it again afterwards.
    const stub = env.JOURNEY.get(env.JOURNEY.idFromName(`${ws}/${id}`));
    const records = await runInDurableObject(stub, (_o, state) =>
      state.storage.sql
        .exec<{ record: string }>("SELECT record FROM outbox ORDER BY id")
        .toArray()
        .map((r) => JSON.parse(r.record) as OutboxRecord),
    );
    expect(records).toHaveLength(3);

    expect(await flushJourney(ws, id)).toBe(true);
    expect(await d1Count("events", ws)).toBe(3);
    expect(await d1Count("journeys", ws)).toBe(1);
    expect(await d1Count("promises", ws)).toBe(1);
    expect(await d1Count("owners", ws)).toBe(1);
    expect((await outbox(ws, id)).pending).toBe(0);
    const row = await env.DB.prepare("SELECT * FROM journeys WHERE workspace_id = ? AND id = ?")
      .bind(ws, id)
      .first<Record<string, unknown>>();
    expect(row).toMatchObject({
      owner_id: "dana",
      last_seq: 3,
      reason_text: "charged twice",
      pending_promises: 1,
    });

    // A second flush of the same records (a double-fired alarm) adds nothing.
    await flushToD1(env.DB, records);
    expect(await d1Count("events", ws)).toBe(3);
    expect(await d1Count("promises", ws)).toBe(1);
    expect(await d1Count("owners", ws)).toBe(1);
    expect(await d1Count("journeys", ws)).toBe(1);
  });

  it("flushing the same batch twice creates no duplicate rows and never rolls a journey back", async () => {
    const ws = `ws-dup-${Date.now()}`;
    const journey = {
      workspaceId: ws,
      id: "jrn_x",
      customerId: null,
      status: "open",
      reasonText: null,
      reasonTopic: null,
      ownerKind: null,
      ownerId: null,
      ownerName: null,
      ownerTeam: null,
      lastSeq: 2,
      contacts: 1,
      channels: "[]",
      channelSwitches: 0,
      handoffs: 0,
      repeats: 0,
      brokenPromises: 0,
      pendingPromises: 0,
      createdAt: "2026-01-01T00:00:00.000Z",
      updatedAt: "2026-01-01T00:00:02.000Z",
      resolvedAt: null,
    };
    const event = (seq: number) => ({
      workspaceId: ws,
      journeyId: "jrn_x",
      seq,
      id: `evt_${seq}`,
      type: "message",
      channel: "sms",
      direction: "inbound",
      actorKind: "customer",
      actorId: null,
      actorName: null,
      text: `m${seq}`,
      data: null,
      occurredAt: "2026-01-01T00:00:00.000Z",
      recordedAt: "2026-01-01T00:00:00.000Z",
    });
    const batch = [
      { event: event(1), journey: { ...journey, lastSeq: 1, status: "open" } },
      { event: event(2), journey: { ...journey, lastSeq: 2, status: "resolved" } },
    ];
    await flushToD1(env.DB, batch);
    await flushToD1(env.DB, batch);
    await flushToD1(env.DB, [batch[0] as (typeof batch)[number]]); // a stale, older record arrives late
    expect(await d1Count("events", ws)).toBe(2);
    const row = await env.DB.prepare("SELECT status, last_seq FROM journeys WHERE workspace_id = ?")
      .bind(ws)
      .first();
    expect(row).toEqual({ status: "resolved", last_seq: 2 });
  });

  it("D1 failing during a flush loses nothing and the next alarm delivers", async () => {
    const { ws, key } = await workspace();
    const first = await api(
      "POST",
      "/v1/events",
      smsFrom("+14155550107", "my internet is down"),
      key,
    );
    const id = first.body.journeyId as string;
    // Make D1 really fail: take the events table away for a moment.
    await env.DB.exec("ALTER TABLE events RENAME TO events_offline");
    try {
      await flushJourney(ws, id);
      const status = await outbox(ws, id);
      expect(status.pending).toBe(1);
      expect(status.failures).toBe(1);
      expect(status.lastError).toMatch(/events/);
      expect(status.nextAt).toBeGreaterThan(Date.now());
      // Writes keep working while D1 is down.
      const more = await api(
        "POST",
        "/v1/events",
        {
          journeyId: id,
          channel: "sms",
          direction: "inbound",
          actor: { kind: "customer" },
          text: "still down",
        },
        key,
      );
      expect(more.status).toBe(201);
      await flushJourney(ws, id);
      expect((await outbox(ws, id)).failures).toBe(2);
    } finally {
      await env.DB.exec("ALTER TABLE events_offline RENAME TO events");
    }
    await flushJourney(ws, id);
    const status = await outbox(ws, id);
    expect(status).toMatchObject({ pending: 0, failures: 0, lastError: null });
    const rows = await env.DB.prepare(
      "SELECT seq, text FROM events WHERE workspace_id = ? ORDER BY seq",
    )
      .bind(ws)
      .all();
    expect(rows.results).toEqual([
      { seq: 1, text: "my internet is down" },
      { seq: 2, text: "still down" },
    ]);
  });

  it("GET /v1/journeys searches D1 history by customer, status, owner and updatedSince", async () => {
    const { ws, key } = await workspace();
    const a = await api("POST", "/v1/events", smsFrom("+14155550108", "a"), key);
    const b = await api("POST", "/v1/events", smsFrom("+14155550109", "b"), key);
    await api("PUT", `/v1/journeys/${a.body.journeyId}/owner`, { id: "dana" }, key);
    await api("PUT", `/v1/journeys/${b.body.journeyId}/status`, { status: "resolved" }, key);
    await flushJourney(ws, a.body.journeyId);
    await flushJourney(ws, b.body.journeyId);

    const byOwner = await api("GET", "/v1/journeys?owner=dana", undefined, key);
    expect(byOwner.body.items.map((j: { id: string }) => j.id)).toEqual([a.body.journeyId]);
    const resolved = await api("GET", "/v1/journeys?status=resolved", undefined, key);
    expect(resolved.body.items.map((j: { id: string }) => j.id)).toEqual([b.body.journeyId]);
    const byCustomer = await api(
      "GET",
      `/v1/journeys?customer=${b.body.customerId}`,
      undefined,
      key,
    );
    expect(byCustomer.body.items).toHaveLength(1);
    const future = await api(
      "GET",
      "/v1/journeys?updatedSince=2999-01-01T00:00:00Z",
      undefined,
      key,
    );
    expect(future.body.items).toEqual([]);
    const page1 = await api("GET", "/v1/journeys?limit=1", undefined, key);
    expect(page1.body.items).toHaveLength(1);
    const page2 = await api(
      "GET",
      `/v1/journeys?limit=1&cursor=${page1.body.nextCursor}`,
      undefined,
      key,
    );
    expect(page2.body.items).toHaveLength(1);
    expect(page2.body.items[0].id).not.toBe(page1.body.items[0].id);
    expect(page2.body.nextCursor).toBeNull();
  });
});

describe("a record D1 keeps refusing", () => {
  it("is isolated and set aside, so the records behind it still reach D1, and nothing is lost", async () => {
    const { ws, key } = await workspace();
    const first = await api("POST", "/v1/events", smsFrom("+14155550190", "first"), key);
    const id = first.body.journeyId as string;
    const stub = env.JOURNEY.get(env.JOURNEY.idFromName(`${ws}/${id}`));
    // A record D1 can never accept (NOT NULL violation), queued ahead of the good ones.
    await runInDurableObject(stub, (_o, state) => {
      const sql = state.storage.sql;
      const good = sql.exec<{ id: number; record: string }>("SELECT id, record FROM outbox").one();
      const bad = JSON.parse(good.record) as OutboxRecord;
      (bad.event as unknown as Record<string, unknown>).type = null;
      bad.event.seq = 999;
      sql.exec("UPDATE outbox SET id = 1000 + id");
      sql.exec("INSERT INTO outbox (id, record) VALUES (1, ?)", JSON.stringify(bad));
    });
    await api(
      "POST",
      "/v1/events",
      {
        journeyId: id,
        channel: "sms",
        direction: "inbound",
        actor: { kind: "customer" },
        text: "second",
      },
      key,
    );
    for (let i = 0; i < 12 && (await outbox(ws, id)).pending > 0; i++) await flushJourney(ws, id);
    const status = await outbox(ws, id);
    expect(status).toMatchObject({ pending: 0, dead: 1 });
    const rows = await env.DB.prepare("SELECT seq FROM events WHERE workspace_id = ? ORDER BY seq")
      .bind(ws)
      .all();
    expect(rows.results).toEqual([{ seq: 1 }, { seq: 2 }]);
    // The set-aside record is still stored and can be replayed once the cause is fixed.
    expect(await stub.replayOutbox()).toBe(1);
    expect((await outbox(ws, id)).pending).toBe(1);
  });
});
