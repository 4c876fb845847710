import {
  createScheduledController,
  env,
  runDurableObjectAlarm,
  runInDurableObject,
} from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../workers/relay/src/index";
import { blankBodies, deleteEvents } from "../workers/relay/src/objects/journey/retention";
import { EXPIRED } from "../workers/relay/src/retention-policy";
import { api, expectProblem, flushJourney, smsFrom, workspace } from "./helpers";
import { deliver, journeyRecords, waitFor } from "./history-helpers";

/**
 * Retention (docs/privacy.md, "Retention"): message bodies blanked, events deleted, resolved
 * journeys deleted whole, in the journey objects (their alarm) and in D1 (the cron), each
 * after the workspace's own number of days; audit entries keep their own retention.
 *
 * Time: events are written with a past `occurredAt`, which the API accepts. A journey's
 * `resolved_at` is stamped by the object's clock, so the one test that needs an old resolution
 * moves it back in the object's storage and in its D1 row (no fake clock).
 */

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();

const journeyStub = (ws: string, id: string) =>
  env.JOURNEY.get(env.JOURNEY.idFromName(`${ws}/${id}`));

async function admin(retention?: Record<string, number>) {
  const w = await workspace(["admin"]);
  if (retention) {
    const set = await api("PATCH", "/v1/settings", { retention }, w.key);
    expect(set.status).toBe(200);
    expect(set.body.retention).toEqual(retention);
  }
  return w;
}

/** Runs the Worker's scheduled() handler as the cron trigger would. */
async function cron(): Promise<void> {
  // The handler awaits the whole run (no waitUntil), so its promise is the run.
  await worker.scheduled(createScheduledController({ cron: "17 * * * *" }), env);
}

interface D1Event {
  seq: number;
  type: string;
  channel: string | null;
  text: string | null;
  data: string | null;
  occurred_at: string;
}

async function d1Events(ws: string, journeyId: string): Promise<D1Event[]> {
  const { results } = await env.DB.prepare(
    "SELECT seq, type, channel, text, data, occurred_at FROM events WHERE workspace_id = ? AND journey_id = ? ORDER BY seq",
  )
    .bind(ws, journeyId)
    .all<D1Event>();
  return results;
}

async function d1Count(table: string, ws: string, journeyId: string): Promise<number> {
  const column = table === "journeys" ? "id" : "journey_id";
  const row = await env.DB.prepare(
    `SELECT count(*) AS n FROM ${table} WHERE workspace_id = ? AND ${column} = ?`,
  )
    .bind(ws, journeyId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** Waits until D1's snapshot of the journey says resolved (the queue's consumer may trail). */
async function d1Resolved(ws: string, journeyId: string): Promise<void> {
  await waitFor(async () => {
    const row = await env.DB.prepare(
      "SELECT status FROM journeys WHERE workspace_id = ? AND id = ?",
    )
      .bind(ws, journeyId)
      .first<{ status: string }>();
    return row?.status === "resolved" ? true : null;
  });
}

describe("retention settings", () => {
  it("has documented defaults, and refuses bad values with 422, changing nothing", async () => {
    const { key } = await admin();
    const before = await api("GET", "/v1/settings", undefined, key);
    expect(before.body.retention).toEqual({
      messageBodyDays: 365,
      eventDays: 730,
      resolvedJourneyDays: 365,
    });
    const bad: Record<string, unknown>[] = [
      { messageBodyDays: 800, eventDays: 730, resolvedJourneyDays: 365 }, // body outlives event
      { messageBodyDays: 400 }, // eventDays defaults to 730: fine; resolved too, see below
      { eventDays: 0 },
      { eventDays: 30.5 },
      { resolvedJourneyDays: 3651 },
      { messageBodyDays: -1 },
      { eventDays: "30" },
      { keepForever: true },
    ];
    for (const retention of bad) {
      const res = await api("PATCH", "/v1/settings", { retention }, key);
      if (retention.messageBodyDays === 400) {
        // Not bad: the block is replaced whole, missing values take their defaults.
        expect(res.status).toBe(200);
        continue;
      }
      expectProblem(res, 422, "validation_failed");
    }
    // A body cannot outlive its event: with eventDays 100 the default 365 is refused too.
    const outlives = await api("PATCH", "/v1/settings", { retention: { eventDays: 100 } }, key);
    expectProblem(outlives, 422, "validation_failed");
    expect(JSON.stringify(outlives.body)).toContain("messageBodyDays");
    const after = await api("GET", "/v1/settings", undefined, key);
    expect(after.body.retention).toEqual({
      messageBodyDays: 400,
      eventDays: 730,
      resolvedJourneyDays: 365,
    });
    const ok = await api(
      "PATCH",
      "/v1/settings",
      { retention: { messageBodyDays: 1, eventDays: 1, resolvedJourneyDays: 3650 } },
      key,
    );
    expect(ok.status).toBe(200);
    expect(ok.body.retention).toEqual({
      messageBodyDays: 1,
      eventDays: 1,
      resolvedJourneyDays: 3650,
    });
  });
});

describe("retention: bodies and events", () => {
  it("blanks bodies past messageBodyDays and deletes events past eventDays, in the object and in D1, and nothing else", async () => {
    const { ws, key } = await admin({
      messageBodyDays: 10,
      eventDays: 20,
      resolvedJourneyDays: 30,
    });
    const audit = (await api("GET", "/v1/audit?limit=100", undefined, key)).body.items as unknown[];

    // seq 1: past eventDays; seq 2: past messageBodyDays; seq 3: a note of the same age (not a
    // body); seq 4: an email of the same age with data; seq 5: fresh.
    const first = await api(
      "POST",
      "/v1/events",
      smsFrom("+14155550301", "a very old message", { occurredAt: ago(25) }),
      key,
    );
    expect(first.status).toBe(201);
    const journeyId = first.body.journeyId as string;
    const write = async (body: Record<string, unknown>) => {
      const res = await api("POST", "/v1/events", { journeyId, ...body }, key);
      expect(res.status).toBe(201);
      return res.body.event.seq as number;
    };
    await write({
      channel: "sms",
      direction: "inbound",
      actor: { kind: "customer" },
      text: "my card was charged twice",
      occurredAt: ago(15),
    });
    await write({
      type: "note",
      channel: "voice",
      direction: "internal",
      actor: { kind: "agent", id: "dana" },
      text: "customer sounded upset",
      occurredAt: ago(15),
    });
    await write({
      channel: "email",
      direction: "inbound",
      actor: { kind: "customer" },
      text: "see the attached statement",
      data: { subject: "Statement", attachments: [{ name: "statement-march.pdf" }] },
      occurredAt: ago(12),
    });
    await write({
      channel: "sms",
      direction: "inbound",
      actor: { kind: "customer" },
      text: "any news on my refund?",
      occurredAt: ago(1),
    });

    const expected = (events: { seq: number; type: string; text: string | null }[]) => {
      const bySeq = new Map(events.map((e) => [e.seq, e]));
      return bySeq.get(1) === undefined && bySeq.get(2)?.text === "[expired]";
    };

    // The object: its alarm (armed by the writes) runs the pass; it may also fire on its own.
    await flushJourney(ws, journeyId);
    const events = await waitFor(async () => {
      await runDurableObjectAlarm(journeyStub(ws, journeyId));
      const res = await api("GET", `/v1/journeys/${journeyId}/events?limit=100`, undefined, key);
      const items = res.body.items as { seq: number; type: string; text: string | null }[];
      return expected(items) ? items : null;
    });
    const bySeq = new Map(
      (
        events as {
          seq: number;
          type: string;
          channel: string | null;
          direction: string;
          text: string | null;
          data: unknown;
          occurredAt: string;
        }[]
      ).map((e) => [e.seq, e]),
    );
    expect(bySeq.has(1)).toBe(false);
    // The body is gone; the event, its type, channel, direction and time stay.
    expect(bySeq.get(2)).toMatchObject({
      type: "message",
      channel: "sms",
      direction: "inbound",
      text: "[expired]",
      data: null,
    });
    expect(Date.now() - Date.parse(bySeq.get(2)?.occurredAt ?? "")).toBeGreaterThan(14 * DAY);
    expect(bySeq.get(3)).toMatchObject({ type: "note", text: "customer sounded upset" });
    expect(bySeq.get(4)).toMatchObject({
      type: "message",
      channel: "email",
      text: "[expired]",
      data: null,
    });
    expect(bySeq.get(5)).toMatchObject({ text: "any news on my refund?" });
    // Sequence numbers are kept: the journey still counts every event written.
    const journey = await api("GET", `/v1/journeys/${journeyId}`, undefined, key);
    expect(journey.status).toBe(200);
    expect(journey.body.seq).toBeGreaterThanOrEqual(5);
    // The journey's state is not an event: the reason written with the first message stays.
    expect(journey.body.status).toBe("open");
    // No text of an expired body is left anywhere in the object's storage.
    const leftovers = await runInDurableObject(journeyStub(ws, journeyId), (_o, state) => {
      const found: string[] = [];
      for (const { name } of state.storage.sql
        .exec<{ name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf%'",
        )
        .toArray()) {
        for (const row of state.storage.sql.exec(`SELECT * FROM "${name}"`).toArray()) {
          const s = JSON.stringify(row);
          for (const needle of ["charged twice", "statement-march.pdf", "a very old message"]) {
            if (s.includes(needle)) found.push(`${name}: ${needle}`);
          }
        }
      }
      return found;
    });
    // The journey's reason is derived state and is kept (docs/privacy.md): only it may hold
    // the first message's words.
    expect(leftovers.filter((l) => !l.startsWith("journey:"))).toEqual([]);

    // The alarm is armed for the next thing due: the note (15 days old) reaches eventDays (20)
    // in 5 days, before the fresh body reaches messageBodyDays (10) in 9.
    const alarm = await runInDurableObject(journeyStub(ws, journeyId), (_o, s) =>
      s.storage.getAlarm(),
    );
    expect(Math.abs((alarm ?? 0) - (Date.now() + 5 * DAY))).toBeLessThan(10 * 60_000);

    // D1 still has what the outbox handed over before the pass (a body still in the outbox when
    // the pass ran went out blanked, so only the deleted event is certain to be there); the
    // cron applies the same rules.
    const seq = journey.body.seq as number;
    await waitFor(async () => ((await d1Events(ws, journeyId)).length >= seq ? true : null));
    expect((await d1Events(ws, journeyId))[0]).toMatchObject({
      seq: 1,
      text: "a very old message",
    });
    await cron();
    const rows = await d1Events(ws, journeyId);
    const d1 = new Map(rows.map((r) => [r.seq, r]));
    expect(d1.has(1)).toBe(false);
    expect(d1.get(2)).toMatchObject({
      type: "message",
      channel: "sms",
      text: "[expired]",
      data: null,
    });
    expect(d1.get(3)).toMatchObject({ type: "note", text: "customer sounded upset" });
    expect(d1.get(4)).toMatchObject({ channel: "email", text: "[expired]", data: null });
    expect(d1.get(5)).toMatchObject({ text: "any news on my refund?" });
    expect(rows.map((r) => r.seq)).toEqual(events.map((e) => e.seq));
    // The journey's D1 row stays (it is open).
    expect(await d1Count("journeys", ws, journeyId)).toBe(1);
    // Audit entries are their own class: none went.
    const auditAfter = (await api("GET", "/v1/audit?limit=100", undefined, key)).body
      .items as unknown[];
    expect(auditAfter.length).toBe(audit.length);
  });

  it("leaves another workspace with default retention untouched", async () => {
    const short = await admin({ messageBodyDays: 1, eventDays: 2, resolvedJourneyDays: 1 });
    const normal = await admin();
    const ids: Record<string, string> = {};
    for (const [name, w] of [
      ["short", short],
      ["normal", normal],
    ] as const) {
      const res = await api(
        "POST",
        "/v1/events",
        smsFrom("+14155550302", "three days old", { occurredAt: ago(3) }),
        w.key,
      );
      expect(res.status).toBe(201);
      const id = res.body.journeyId as string;
      ids[name] = id;
      await flushJourney(w.ws, id);
      await waitFor(async () => ((await d1Events(w.ws, id)).length > 0 ? true : null));
    }
    await cron();
    const shortId = ids.short ?? "";
    const normalId = ids.normal ?? "";
    expect((await d1Events(short.ws, shortId)).map((e) => e.seq)).not.toContain(1);
    expect((await d1Events(normal.ws, normalId)).find((e) => e.seq === 1)?.text).toBe(
      "three days old",
    );
    // The cron woke the short workspace's journey, whose object deleted the event too.
    const left = await waitFor(async () => {
      const res = await api("GET", `/v1/journeys/${shortId}/events`, undefined, short.key);
      const items = res.body.items as { seq: number }[];
      return items.some((e) => e.seq === 1) ? null : items;
    });
    expect(left.map((e) => e.seq)).not.toContain(1);
    const kept = await api("GET", `/v1/journeys/${normalId}/events`, undefined, normal.key);
    expect((kept.body.items as { seq: number; text: string }[])[0]).toMatchObject({
      seq: 1,
      text: "three days old",
    });
  });
});

describe("retention: resolved journeys", () => {
  it("deletes a journey resolved longer ago than resolvedJourneyDays from its object, D1 and the customer; an open one of the same age stays", async () => {
    const { ws, key } = await admin({
      messageBodyDays: 300,
      eventDays: 300,
      resolvedJourneyDays: 5,
    });
    const a = await api(
      "POST",
      "/v1/events",
      smsFrom("+14155550311", "router broken", { occurredAt: ago(9) }),
      key,
    );
    const b = await api(
      "POST",
      "/v1/events",
      smsFrom("+14155550312", "router broken too", { occurredAt: ago(9) }),
      key,
    );
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    const resolved = a.body.journeyId as string;
    const open = b.body.journeyId as string;
    const customer = a.body.customerId as string;
    // A promise and an owner give the resolved journey rows in every D1 table.
    await api("PUT", `/v1/journeys/${resolved}/owner`, { id: "dana", name: "Dana" }, key);
    const promise = await api(
      "POST",
      `/v1/journeys/${resolved}/promises`,
      {
        text: "new router by Friday",
        dueAt: new Date(Date.now() + 3 * DAY).toISOString(),
        madeBy: { kind: "agent", id: "dana" },
      },
      key,
    );
    expect(promise.status).toBe(201);
    const status = await api("PUT", `/v1/journeys/${resolved}/status`, { status: "resolved" }, key);
    expect(status.status).toBe(200);
    await flushJourney(ws, resolved);
    await flushJourney(ws, open);
    await d1Resolved(ws, resolved);
    await waitFor(async () => ((await d1Count("promises", ws, resolved)) === 1 ? true : null));
    await waitFor(async () => ((await d1Count("owners", ws, resolved)) === 1 ? true : null));
    await waitFor(async () => ((await d1Count("journeys", ws, open)) === 1 ? true : null));
    const cards = async () =>
      (
        (await api("GET", `/v1/customers/${customer}`, undefined, key)).body.journeys as {
          id: string;
        }[]
      ).map((j) => j.id);
    expect(await cards()).toEqual([resolved]);

    // Resolved six days ago: moved back in the object and in D1 (the API stamps the object's clock).
    const sixDaysAgo = ago(6);
    await runInDurableObject(journeyStub(ws, resolved), (_o, state) => {
      state.storage.sql.exec(
        "UPDATE journey SET resolved_at = ?, status_since = ?",
        sixDaysAgo,
        sixDaysAgo,
      );
    });
    await env.DB.prepare("UPDATE journeys SET resolved_at = ? WHERE workspace_id = ? AND id = ?")
      .bind(sixDaysAgo, ws, resolved)
      .run();
    // The open journey is as old, and older than the resolved one's resolution.
    await runInDurableObject(journeyStub(ws, open), (_o, state) => {
      state.storage.sql.exec("UPDATE journey SET created_at = ?, status_since = ?", ago(9), ago(9));
    });

    // The journey's alarm (armed for its resolution's expiry) deletes it whole.
    await runDurableObjectAlarm(journeyStub(ws, resolved));
    const gone = await waitFor(async () => {
      const res = await api("GET", `/v1/journeys/${resolved}`, undefined, key);
      return res.status === 404 ? res : null;
    });
    expectProblem(gone, 404, "journey_not_found");
    const tables = await runInDurableObject(journeyStub(ws, resolved), (_o, state) => {
      const sql = state.storage.sql;
      return {
        journey: sql.exec<{ n: number }>("SELECT count(*) AS n FROM journey").one().n,
        events: sql.exec<{ n: number }>("SELECT count(*) AS n FROM events").one().n,
        promises: sql.exec<{ n: number }>("SELECT count(*) AS n FROM promises").one().n,
      };
    });
    expect(tables).toEqual({ journey: 0, events: 0, promises: 0 });
    expect(
      await runInDurableObject(journeyStub(ws, resolved), (_o, s) => s.storage.getAlarm()),
    ).toBeNull();
    // The customer no longer lists it, so it can never be picked or reopened.
    expect(await cards()).toEqual([]);
    // A new message from the same customer starts a new journey.
    const again = await api("POST", "/v1/events", smsFrom("+14155550311", "hello again"), key);
    expect(again.status).toBe(201);
    expect(again.body.journeyId).not.toBe(resolved);
    expect(again.body.resolution.rule).toBe("new_journey");
    await flushJourney(ws, again.body.journeyId as string);

    // A history record of the deleted journey still in the queue lands late: the consumer drops
    // it at once (the deletion wrote the journey's guard row), without waiting for the cron.
    const late = journeyRecords(ws, resolved).base(1, "message");
    late.event.text = "router broken (late)";
    const delivered = await deliver("baton-history", [late]);
    expect(delivered.result.explicitAcks).toEqual(delivered.ids);
    for (const table of ["events", "journeys"]) {
      expect([table, await d1Count(table, ws, resolved)]).toEqual([table, 0]);
    }
    // D1: the object deleted its rows; the cron sweeps whatever reached D1 after that.
    await cron();
    for (const table of ["events", "journeys", "promises", "owners"]) {
      expect([table, await d1Count(table, ws, resolved)]).toEqual([table, 0]);
    }
    // The open journey of the same age keeps everything.
    const stillOpen = await api("GET", `/v1/journeys/${open}`, undefined, key);
    expect(stillOpen.status).toBe(200);
    expect(await d1Count("journeys", ws, open)).toBe(1);
    expect((await d1Events(ws, open)).find((e) => e.seq === 1)?.text).toBe("router broken too");
  });

  it("the cron finds a resolved journey whose object has not run its pass, and both delete it", async () => {
    const { ws, key } = await admin({
      messageBodyDays: 300,
      eventDays: 300,
      resolvedJourneyDays: 2,
    });
    const a = await api("POST", "/v1/events", smsFrom("+14155550321", "no signal"), key);
    const id = a.body.journeyId as string;
    expect(
      (await api("PUT", `/v1/journeys/${id}/status`, { status: "resolved" }, key)).status,
    ).toBe(200);
    await flushJourney(ws, id);
    await d1Resolved(ws, id);
    const threeDaysAgo = ago(3);
    await runInDurableObject(journeyStub(ws, id), (_o, state) => {
      state.storage.sql.exec("UPDATE journey SET resolved_at = ?", threeDaysAgo);
    });
    await env.DB.prepare("UPDATE journeys SET resolved_at = ? WHERE workspace_id = ? AND id = ?")
      .bind(threeDaysAgo, ws, id)
      .run();
    await cron();
    expectProblem(await api("GET", `/v1/journeys/${id}`, undefined, key), 404, "journey_not_found");
    for (const table of ["events", "journeys"]) {
      expect([table, await d1Count(table, ws, id)]).toEqual([table, 0]);
    }
  });
});

describe("retention: guard rows", () => {
  it("the cron deletes guard rows older than 30 days and keeps younger ones", async () => {
    const { ws } = await admin();
    const put = (journeyId: string, at: string) =>
      env.DB.prepare(
        "INSERT INTO erased_journeys (workspace_id, journey_id, erasure_id, erased_at) VALUES (?, ?, 'retention', ?)",
      )
        .bind(ws, journeyId, at)
        .run();
    await put("jrn_guardold0000000000000", ago(31));
    await put("jrn_guardnew0000000000000", ago(29));
    await cron();
    const left = await env.DB.prepare(
      "SELECT journey_id AS j FROM erased_journeys WHERE workspace_id = ? ORDER BY j",
    )
      .bind(ws)
      .all<{ j: string }>();
    expect(left.results.map((r) => r.j)).toEqual(["jrn_guardnew0000000000000"]);
  });
});

describe("retention: batches", () => {
  it("changes at most the batch size per call, oldest first, and the next call goes on", async () => {
    const { ws, key } = await admin();
    const first = await api(
      "POST",
      "/v1/events",
      smsFrom("+14155550331", "one", { occurredAt: ago(50) }),
      key,
    );
    const journeyId = first.body.journeyId as string;
    for (const text of ["two", "three", "four"]) {
      const res = await api(
        "POST",
        "/v1/events",
        {
          journeyId,
          channel: "sms",
          direction: "inbound",
          actor: { kind: "customer" },
          text,
          occurredAt: ago(40),
        },
        key,
      );
      expect(res.status).toBe(201);
    }
    await flushJourney(ws, journeyId);
    const steps = await runInDurableObject(journeyStub(ws, journeyId), (_o, state) => {
      const sql = state.storage.sql;
      const texts = () =>
        sql
          .exec<{ seq: number; text: string | null }>("SELECT seq, text FROM events ORDER BY seq")
          .toArray();
      return [
        blankBodies(sql, ago(30), 2),
        texts(),
        blankBodies(sql, ago(30), 2),
        blankBodies(sql, ago(30), 2),
        deleteEvents(sql, ago(45), 1),
        texts(),
      ];
    });
    expect(steps[0]).toBe(2);
    expect(steps[1]).toEqual([
      { seq: 1, text: EXPIRED },
      { seq: 2, text: EXPIRED },
      { seq: 3, text: "three" },
      { seq: 4, text: "four" },
    ]);
    expect(steps[2]).toBe(2);
    expect(steps[3]).toBe(0);
    expect(steps[4]).toBe(1);
    expect(steps[5]).toEqual([
      { seq: 2, text: EXPIRED },
      { seq: 3, text: EXPIRED },
      { seq: 4, text: EXPIRED },
    ]);
  });
});
