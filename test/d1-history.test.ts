import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { flushToD1, type OutboxRecord } from "@baton/db";
import { describe, expect, it } from "vitest";
import { api, flushJourney, smsFrom, workspace } from "./helpers";
import { journeyRecords, waitFor } from "./history-helpers";

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
  it("the outbox reaches D1 through the queue after the alarm, and a second delivery adds nothing", async () => {
    const { ws, key } = await workspace();
    const first = await api("POST", "/v1/events", smsFrom("+14155550106", "charged twice"), key);
    const id = first.body.journeyId as string;
    const stub = env.JOURNEY.get(env.JOURNEY.idFromName(`${ws}/${id}`));
    // Hold the hand-off back (its alarm fires 100 ms after a write) to keep a copy of the records.
    await runInDurableObject(stub, async (_o, state) => {
      const later = Date.now() + 3_600_000;
      state.storage.sql.exec("UPDATE outbox_state SET next_at = ?", later);
      await state.storage.setAlarm(later);
    });
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

    // A second delivery of the same records (queues and alarms deliver at least once), through
    // the queue and straight to flushToD1, adds nothing.
    await env.HISTORY.sendBatch(
      records.map((r) => ({ body: JSON.stringify(r), contentType: "text" as const })),
    );
    await flushToD1(env.DB, records);
    await new Promise((r) => setTimeout(r, 1_000));
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

  it("D1 failing loses nothing: the journey never sees it, the consumer retries, each event lands once", async () => {
    const { ws, key } = await workspace();
    const first = await api(
      "POST",
      "/v1/events",
      smsFrom("+14155550107", "my internet is down"),
      key,
    );
    const id = first.body.journeyId as string;
    const stub = env.JOURNEY.get(env.JOURNEY.idFromName(`${ws}/${id}`));
    // Make D1 really fail: take the events table away for a moment.
    await env.DB.exec("ALTER TABLE events RENAME TO events_offline");
    try {
      await runDurableObjectAlarm(stub);
      // The hand-off to the queue worked: the journey's outbox is empty and healthy.
      expect(await outbox(ws, id)).toMatchObject({ pending: 0, failures: 0, lastError: null });
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
      await runDurableObjectAlarm(stub);
      expect((await outbox(ws, id)).pending).toBe(0);
      // The consumer has had its batches (0.25 s batching) and written nothing: a D1 batch is
      // all or nothing, and the journeys table is still there.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await d1Count("journeys", ws)).toBe(0);
    } finally {
      await env.DB.exec("ALTER TABLE events_offline RENAME TO events");
    }
    // The consumer's retries (2 s, then 4 s) deliver both events, each once.
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && (await d1Count("events", ws)) < 2) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const rows = await env.DB.prepare(
      "SELECT seq, text FROM events WHERE workspace_id = ? ORDER BY seq",
    )
      .bind(ws)
      .all();
    expect(rows.results).toEqual([
      { seq: 1, text: "my internet is down" },
      { seq: 2, text: "still down" },
    ]);
    expect(await d1Count("journeys", ws)).toBe(1);
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
  it("goes to the dead-letter queue and history_dead, the records around it still reach D1, and it can be replayed", async () => {
    const { ws, key } = await workspace();
    const first = await api("POST", "/v1/events", smsFrom("+14155550190", "first"), key);
    const id = first.body.journeyId as string;
    const stub = env.JOURNEY.get(env.JOURNEY.idFromName(`${ws}/${id}`));
    // A record D1 can never accept (NOT NULL violation), queued ahead of the good ones.
    const bad = journeyRecords(ws, id).base(999, "message");
    (bad.event as unknown as Record<string, unknown>).type = null;
    await runInDurableObject(stub, (_o, state) => {
      state.storage.sql.exec("UPDATE outbox SET id = 1000 + id");
      state.storage.sql.exec("INSERT INTO outbox (id, record) VALUES (1, ?)", JSON.stringify(bad));
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
    // The journey hands all three to the queue at once: it never sees D1's refusal.
    await flushJourney(ws, id);
    expect(await outbox(ws, id)).toMatchObject({ pending: 0, dead: 0 });
    const rows = await env.DB.prepare("SELECT seq FROM events WHERE workspace_id = ? ORDER BY seq")
      .bind(ws)
      .all();
    expect(rows.results).toEqual([{ seq: 1 }, { seq: 2 }]);
    // After three attempts the consumer forwards the refused record to the dead-letter queue,
    // whose consumer keeps it whole in history_dead.
    const dead = await waitFor(() =>
      env.DB.prepare("SELECT seq, record, error FROM history_dead WHERE workspace_id = ?")
        .bind(ws)
        .first<{ seq: number; record: string; error: string }>(),
    );
    expect(dead.seq).toBe(999);
    expect(dead.error).toMatch(/NOT NULL/);
    // Replay once the cause is fixed (here: the record itself) moves it back through the queue.
    const fixed = JSON.parse(dead.record) as OutboxRecord;
    fixed.event.type = "note";
    await env.DB.prepare("UPDATE history_dead SET record = ? WHERE workspace_id = ?")
      .bind(JSON.stringify(fixed), ws)
      .run();
    await env.HISTORY.send({ replayDead: true }, { contentType: "json" });
    await waitFor(async () => ((await d1Count("events", ws)) === 3 ? true : null));
    expect(await d1Count("history_dead", ws)).toBe(0);
  });
});
