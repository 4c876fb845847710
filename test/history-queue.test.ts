import { env, runInDurableObject } from "cloudflare:test";
import type { OutboxRecord } from "@baton/db";
import { describe, expect, it } from "vitest";
import { armFault, faultPlanStub } from "../workers/relay/src/faults";
import type { IdentityObject } from "../workers/relay/src/objects/identity/object";
import { ADMIN, api, flushJourney, smsFrom, workspace } from "./helpers";
import { d1Rows, deliver, journeyRecords, waitFor } from "./history-helpers";

const HISTORY = "baton-history";
const DLQ = "baton-history-dlq";
const text = (r: OutboxRecord) => JSON.stringify(r);
const stubOf = (ws: string, id: string) => env.JOURNEY.get(env.JOURNEY.idFromName(`${ws}/${id}`));
const inbound = (journeyId: string, t: string) => ({
  journeyId,
  channel: "sms",
  direction: "inbound",
  actor: { kind: "customer" },
  text: t,
});

describe("history through the queue", () => {
  it("events of many journeys reach D1 on their own: alarm → queue → consumer", async () => {
    const { ws, key } = await workspace();
    const ids: string[] = [];
    for (const phone of ["+14155550301", "+14155550302", "+14155550303"]) {
      const res = await api("POST", "/v1/events", smsFrom(phone, "hello"), key);
      ids.push(res.body.journeyId as string);
      expect(
        (await api("POST", "/v1/events", inbound(ids.at(-1) ?? "", "again"), key)).status,
      ).toBe(201);
    }
    // No alarm is run by the test: the journeys' own alarms hand off, the consumer writes.
    await waitFor(async () => ((await d1Rows("events", ws)).length === 6 ? true : null));
    expect((await d1Rows("journeys", ws, "id")).map((j) => j.last_seq)).toEqual([2, 2, 2]);
    for (const id of ids) expect((await stubOf(ws, id).outbox()).pending).toBe(0);
  });

  it("records delivered twice and out of order write each event once, keep the newest snapshot and close every owner interval", async () => {
    const ws = `ws-order-${Date.now()}`;
    const { base, owner, at } = journeyRecords(ws);
    const r1 = base(1, "message");
    const r2 = owner(2, "ana", null);
    const r3 = owner(3, "ben", 2);
    const r4 = owner(4, "cy", 3);
    const expectHistory = async () => {
      expect((await d1Rows("events", ws)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      const journeys = await d1Rows("journeys", ws, "id");
      expect(journeys).toHaveLength(1);
      expect(journeys[0]).toMatchObject({ last_seq: 4, owner_id: "cy" });
      expect((await d1Rows("owners", ws)).map((o) => [o.seq, o.owner_id, o.until])).toEqual([
        [2, "ana", at(3)],
        [3, "ben", at(4)],
        [4, "cy", null],
      ]);
    };
    // Each record once, newest first: every interval-closing record (4, 3) arrives before the
    // interval it closes (3, 2), the order in which an update by seq alone loses `until`.
    for (const batch of [[r4], [r3], [r2, r1]]) {
      const { ids, result } = await deliver(HISTORY, batch.map(text));
      expect(result.explicitAcks.sort()).toEqual([...ids].sort());
    }
    await expectHistory();
    // Then again: duplicates inside one batch, across batches, and through the real queue.
    for (const batch of [
      [r3, r4, r3],
      [r1, r2],
    ])
      await deliver(HISTORY, batch.map(text));
    await env.HISTORY.sendBatch(
      [r4, r3, r2, r1].map((r) => ({ body: text(r), contentType: "text" })),
    );
    await new Promise((r) => setTimeout(r, 1_000));
    await expectHistory();
  });

  it("a batch D1 cannot take at all is retried whole, and nothing is acknowledged", async () => {
    const ws = `ws-down-${Date.now()}`;
    const { base } = journeyRecords(ws);
    await env.DB.exec("ALTER TABLE events RENAME TO events_offline");
    try {
      const { result } = await deliver(HISTORY, [
        text(base(1, "message")),
        text(base(2, "message")),
      ]);
      expect(result.retryBatch.retry).toBe(true);
      expect(result.explicitAcks).toEqual([]);
    } finally {
      await env.DB.exec("ALTER TABLE events_offline RENAME TO events");
    }
    expect(await d1Rows("journeys", ws, "id")).toEqual([]);
  });

  it("a record D1 refuses is retried alone while the rest of its batch is written, and from its third attempt goes to the dead-letter queue", async () => {
    const ws = `ws-poison-${Date.now()}`;
    const { base } = journeyRecords(ws);
    const bad = base(3, "message");
    (bad.event as unknown as Record<string, unknown>).type = null; // NOT NULL in D1
    const first = await deliver(HISTORY, [
      text(base(1, "message")),
      text(bad),
      text(base(2, "message")),
    ]);
    const [good1, poisoned, good2] = first.ids;
    expect(first.result.retryBatch.retry).toBe(false);
    expect(first.result.explicitAcks.sort()).toEqual([good1, good2].sort());
    expect(first.result.retryMessages).toEqual([{ msgId: poisoned }]);
    expect((await d1Rows("events", ws)).map((e) => e.seq)).toEqual([1, 2]);
    // Third attempt: acknowledged here and handed to the DLQ, whose consumer keeps it.
    const third = await deliver(HISTORY, [text(bad), text(base(4, "message"))], 3);
    expect(third.result.explicitAcks).toHaveLength(2);
    const dead = await waitFor(() =>
      env.DB.prepare("SELECT seq, error, record FROM history_dead WHERE workspace_id = ?")
        .bind(ws)
        .first<{ seq: number; error: string; record: string }>(),
    );
    expect(dead).toMatchObject({ seq: 3, record: text(bad) });
    expect(dead.error).toMatch(/NOT NULL constraint failed: events\.type/);
    expect((await d1Rows("events", ws)).map((e) => e.seq)).toEqual([1, 2, 4]);
  });

  it("a message that is not a record goes straight to the dead-letter queue and is kept as it came", async () => {
    const body = `not a record ${Date.now()}`;
    const { result } = await deliver(HISTORY, [body]);
    expect(result.explicitAcks).toHaveLength(1);
    const row = await waitFor(() =>
      env.DB.prepare("SELECT workspace_id, error FROM history_dead WHERE record = ?")
        .bind(body)
        .first<{ workspace_id: string | null; error: string }>(),
    );
    expect(row).toEqual({ workspace_id: null, error: "the message is not JSON" });
  });

  it("the dead-letter consumer keeps a message in the queue while D1 takes neither the record nor history_dead", async () => {
    const ws = `ws-dlq-down-${Date.now()}`;
    const { base } = journeyRecords(ws);
    await env.DB.exec("ALTER TABLE events RENAME TO events_offline");
    await env.DB.exec("ALTER TABLE history_dead RENAME TO history_dead_offline");
    try {
      const { ids, result } = await deliver(DLQ, [text(base(1, "message"))]);
      expect(result.retryMessages).toEqual([{ msgId: ids[0] }]);
      expect(result.explicitAcks).toEqual([]);
    } finally {
      await env.DB.exec("ALTER TABLE history_dead_offline RENAME TO history_dead");
      await env.DB.exec("ALTER TABLE events_offline RENAME TO events");
    }
    // Once D1 is back, the same message is written where it belongs, not set aside.
    const again = await deliver(DLQ, [text(base(1, "message"))], 2);
    expect(again.result.explicitAcks).toEqual(again.ids);
    expect((await d1Rows("events", ws)).map((e) => e.seq)).toEqual([1]);
    expect(await d1Rows("history_dead", ws)).toEqual([]);
  });
});

/** A workspace named fault-…: its requests consult the test fault plan (src/faults.ts). */
async function faultWorkspace(): Promise<{ ws: string; key: string }> {
  const ws = `fault-hq-${Date.now().toString(36)}`;
  expect((await api("PUT", `/v1/admin/workspaces/${ws}`, { name: ws }, ADMIN)).status).toBe(201);
  const scopes = ["events:write", "journeys:read"];
  const key = await api("POST", `/v1/admin/workspaces/${ws}/keys`, { name: "t", scopes }, ADMIN);
  expect(key.status).toBe(201);
  return { ws, key: key.body.key as string };
}

describe("the journey's hand-off to the queue", () => {
  it("a send that fails keeps the rows and backs off; the next alarm delivers each event once", async () => {
    const { ws, key } = await faultWorkspace();
    const arm = (mode: "before" | "after") =>
      runInDurableObject(faultPlanStub(env, ws), (_o: IdentityObject, state) =>
        armFault(state.storage, "history.sendBatch", mode),
      );
    // The queue refuses the first send (injected before the call reaches the queue).
    await arm("before");
    const res = await api("POST", "/v1/events", smsFrom("+14155550311", "no signal"), key);
    const id = res.body.journeyId as string;
    const stub = stubOf(ws, id);
    const status = await waitFor(async () => {
      const s = await stub.outbox(); // the journey's own alarm runs 100 ms after the write
      return s.failures >= 1 ? s : null;
    });
    expect(status).toMatchObject({ pending: 1, failures: 1 });
    expect(status.lastError).toMatch(/injected fault at history\.sendBatch \(before\)/);
    expect(status.nextAt).toBeGreaterThan(Date.now() - 100);
    expect(await d1Rows("events", ws)).toEqual([]);
    // The retry (about 1 s later) reaches the queue, but its answer is lost: the row stays.
    await arm("after");
    const second = await waitFor(async () => {
      const s = await stub.outbox();
      return s.failures >= 2 ? s : null;
    });
    expect(second).toMatchObject({ pending: 1, failures: 2 });
    await waitFor(async () => ((await d1Rows("events", ws)).length > 0 ? true : null));
    // The next alarm sends it again and clears the backoff; D1 still holds the event once.
    await flushJourney(ws, id);
    expect(await stub.outbox()).toMatchObject({ pending: 0, failures: 0, lastError: null });
    await new Promise((r) => setTimeout(r, 500)); // the second delivery lands
    expect((await d1Rows("events", ws)).map((e) => e.seq)).toEqual([1]);
  });

  it("a record too large for a queue message goes straight to D1", async () => {
    // The local queue enforces the platform's 128 KB message limit.
    await expect(env.HISTORY.send("x".repeat(130_000), { contentType: "text" })).rejects.toThrow();
    const { ws, key } = await workspace();
    const res = await api("POST", "/v1/events", smsFrom("+14155550312", "short"), key);
    const id = res.body.journeyId as string;
    const big = journeyRecords(ws, id).base(2, "message");
    big.event.text = "x".repeat(130_000);
    await runInDurableObject(stubOf(ws, id), async (_o, state) => {
      state.storage.sql.exec("INSERT INTO outbox (record) VALUES (?)", text(big));
      await state.storage.setAlarm(Date.now() + 60_000); // flushJourney runs it now
    });
    await flushJourney(ws, id);
    expect(await stubOf(ws, id).outbox()).toMatchObject({ pending: 0, failures: 0 });
    // Event 1 took the queue, event 2 went straight to D1.
    const events = await waitFor(async () => {
      const rows = await d1Rows("events", ws);
      return rows.length === 2 ? rows : null;
    });
    expect(events.map((e) => e.seq)).toEqual([1, 2]);
    expect(String(events[1]?.text)).toHaveLength(130_000);
  });

  it("a record that fails alone at every hand-off is set aside in outbox_dead, the records behind it go on, and replayOutbox puts it back", async () => {
    const { ws, key } = await workspace();
    const res = await api("POST", "/v1/events", smsFrom("+14155550313", "first"), key);
    const id = res.body.journeyId as string;
    const stub = stubOf(ws, id);
    // Too large for the queue (so written to D1 directly) and refused by D1 (NOT NULL),
    // put first in line.
    const bad = journeyRecords(ws, id).base(999, "message");
    (bad.event as unknown as Record<string, unknown>).type = null;
    bad.event.text = "x".repeat(130_000);
    await runInDurableObject(stub, (_o, state) => {
      state.storage.sql.exec("UPDATE outbox SET id = 1000 + id");
      state.storage.sql.exec("INSERT INTO outbox (id, record) VALUES (1, ?)", text(bad));
    });
    await api("POST", "/v1/events", inbound(id, "second"), key);
    for (let i = 0; i < 12 && (await stub.outbox()).pending > 0; i++) await flushJourney(ws, id);
    expect(await stub.outbox()).toMatchObject({ pending: 0, dead: 1 });
    expect((await d1Rows("events", ws)).map((e) => e.seq)).toEqual([1, 2]);
    expect(await stub.replayOutbox()).toBe(1);
    expect((await stub.outbox()).pending).toBe(1);
  });
});
