import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { jaccard, sameReason, words } from "@baton/core";
import {
  ANALYTICS_LIMITS,
  effortQueries,
  journeyEfforts,
} from "../workers/relay/src/routes/analytics";
import {
  ADMIN,
  api,
  expectProblem,
  flushJourney,
  smsFrom,
  workspace,
  type ApiResponse,
} from "./helpers";
import { waitForD1Seqs } from "./worklist-helpers";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const inbound = (
  journeyId: string,
  channel: string,
  text: string,
  extra: Record<string, unknown> = {},
) => ({
  journeyId,
  channel,
  direction: "inbound",
  actor: { kind: "customer" },
  text,
  ...extra,
});

interface EventTime {
  seq: number;
  type: string;
  text: string | null;
  data: string | null;
  recorded_at: string;
}

/** The journey's events as D1 holds them, to compute the expected waiting intervals. */
async function d1Events(ws: string, journeyId: string): Promise<EventTime[]> {
  const rows = await env.DB.prepare(
    "SELECT seq, type, text, data, recorded_at FROM events WHERE workspace_id = ? AND journey_id = ? ORDER BY seq",
  )
    .bind(ws, journeyId)
    .all<EventTime>();
  return rows.results;
}

/** recorded_at of the first status.changed event to `to` at or after seq `after`. */
function statusAt(events: EventTime[], to: string, after = 0): EventTime {
  const ev = events.find(
    (e) =>
      e.seq > after &&
      e.type === "status.changed" &&
      (JSON.parse(e.data ?? "{}") as { to?: string }).to === to,
  );
  if (!ev) throw new Error(`no status change to ${to}`);
  return ev;
}

const ms = (iso: string) => Date.parse(iso);

describe("GET /v1/analytics/effort: a scripted set of journeys", () => {
  let ws = "";
  let key = "";
  const ids: Record<string, string> = {};
  let from = "";
  let to = "";
  const waiting: Record<string, { from: string; to: string; open: boolean }[]> = {};

  async function post(body: unknown): Promise<ApiResponse> {
    const res = await api("POST", "/v1/events", body, key);
    expect(res.status).toBe(201);
    return res;
  }
  async function put(path: string, body: unknown): Promise<ApiResponse> {
    const res = await api("PUT", path, body, key);
    expect(res.status).toBeLessThan(300);
    return res;
  }
  async function status(id: string, s: string): Promise<void> {
    await put(`/v1/journeys/${id}/status`, { status: s, actor: { kind: "agent", id: "ops" } });
  }
  async function promise(id: string, settle: "kept" | "broken" | null): Promise<void> {
    const made = await api(
      "POST",
      `/v1/journeys/${id}/promises`,
      {
        text: "we will fix it",
        dueAt: "2099-01-01T17:00:00Z",
        madeBy: { kind: "agent", id: "ben" },
      },
      key,
    );
    expect(made.status).toBe(201);
    if (settle) {
      const s = await api(
        "PATCH",
        `/v1/journeys/${id}/promises/${made.body.id}`,
        { status: settle },
        key,
      );
      expect(s.status).toBe(200);
    }
  }

  beforeAll(async () => {
    ({ ws, key } = await workspace());
    // A customer coming back after resolution starts a new journey (no reopen window).
    const settings = await api(
      "PATCH",
      `/v1/admin/workspaces/${ws}/settings`,
      { reopenWindowHours: 0 },
      ADMIN,
    );
    expect(settings.status).toBe(200);
    from = new Date(Date.now() - 1000).toISOString();
    const alice = "+14155550301";
    const bob = "+14155550302";
    const dave = "+14155550304";

    // A1, Alice: sms → email → chat, a restatement on chat, dana → ben, a promise kept and one
    // broken, waiting on the company, then waiting on the customer, then resolved.
    const a1 = await post(
      smsFrom(alice, "I was charged twice for March on my card", {
        reason: { topic: "billing.double_charge" },
      }),
    );
    ids.A1 = a1.body.journeyId as string;
    const A1 = ids.A1;
    await post(inbound(A1, "email", "Following up by email about my bill"));
    await post(inbound(A1, "chat", "I was charged twice for March on my card!"));
    await put(`/v1/journeys/${A1}/owner`, { id: "dana", name: "Dana", team: "billing" });
    await put(`/v1/journeys/${A1}/owner`, { id: "ben", name: "Ben", team: "billing" });
    await promise(A1, "kept");
    await promise(A1, "broken");
    await status(A1, "waiting_on_company");
    await sleep(30);
    await status(A1, "waiting_on_customer");
    await status(A1, "resolved");

    // A2, Alice again on the same topic: a start-over. A recorded repeat, then waiting on the
    // customer, and the customer's reply puts it back on the company until the horizon.
    const a2 = await post(
      smsFrom(alice, "Charged twice again this month", {
        reason: { topic: "billing.double_charge" },
      }),
    );
    ids.A2 = a2.body.journeyId as string;
    const A2 = ids.A2;
    expect(A2).not.toBe(A1);
    expect(a2.body.customerId).toBe(a1.body.customerId);
    await post(inbound(A2, "sms", "I told you already, charged twice", { repeated: true }));
    await put(`/v1/journeys/${A2}/owner`, { id: "dana" });
    await status(A2, "waiting_on_customer");
    await post(inbound(A2, "sms", "any update?"));

    // B1, Bob: a bot then erin, two restatements detected, one recorded repeat, sms → voice,
    // a promise kept, waiting on the company and back to open, then resolved.
    const b1 = await post(
      smsFrom(bob, "My internet is down since Monday", { reason: { topic: "internet.outage" } }),
    );
    ids.B1 = b1.body.journeyId as string;
    const B1 = ids.B1;
    await put(`/v1/journeys/${B1}/owner`, { kind: "bot", id: "bot-1" });
    await put(`/v1/journeys/${B1}/owner`, { id: "erin" });
    await post(inbound(B1, "sms", "my internet is down since monday"));
    await post(inbound(B1, "sms", "still down since Monday, my internet"));
    await post(
      inbound(B1, "sms", "please stop asking me to restart the router", { repeated: true }),
    );
    await post({ ...inbound(B1, "voice", ""), type: "call", text: undefined });
    await promise(B1, "kept");
    await status(B1, "waiting_on_company");
    await sleep(30);
    await status(B1, "open");
    await status(B1, "resolved");

    // B2, Bob on another topic: not a start-over.
    const b2 = await post(
      smsFrom(bob, "Question about my bill", { reason: { topic: "billing.question" } }),
    );
    ids.B2 = b2.body.journeyId as string;
    expect(ids.B2).not.toBe(B1);

    // C1 and C2, Carol by email with no topic: the same reason text prefix, a start-over.
    const carol = (text: string) => ({
      identifiers: [{ type: "email", value: "carol@example.com" }],
      channel: "email",
      direction: "inbound",
      actor: { kind: "customer" },
      text,
    });
    const c1 = await post(carol("Cannot log into my account"));
    ids.C1 = c1.body.journeyId as string;
    await status(ids.C1, "resolved");
    const c2 = await post(carol("Cannot log into my account, since yesterday!"));
    ids.C2 = c2.body.journeyId as string;
    expect(ids.C2).not.toBe(ids.C1);
    await put(`/v1/journeys/${ids.C2}/owner`, { id: "dana" });
    await promise(ids.C2, null);

    // D1, Dave: Bob's topic and words, another customer: not a start-over.
    const d1 = await post(
      smsFrom(dave, "My internet is down since Monday", { reason: { topic: "internet.outage" } }),
    );
    ids.D1 = d1.body.journeyId as string;

    // Flush every journey to D1 (its own alarm may already have run during the sleeps).
    for (const id of Object.values(ids)) {
      const stub = env.JOURNEY.get(env.JOURNEY.idFromName(`${ws}/${id}`));
      for (let i = 0; i < 20 && (await stub.outbox()).pending > 0; i++) {
        await flushJourney(ws, id);
        await sleep(10);
      }
      expect((await stub.outbox()).pending).toBe(0);
    }
    // Handed to the queue is not yet in D1: wait until D1 holds every journey at its last
    // event (the consumer may run late on a loaded machine).
    const seqs = new Map<string, number>();
    for (const id of Object.values(ids)) {
      const j = await api("GET", `/v1/journeys/${id}`, undefined, key);
      seqs.set(id, Number(j.body.context?.seq ?? j.body.seq));
    }
    await waitForD1Seqs(ws, seqs);
    await sleep(5);
    to = new Date().toISOString();

    // The expected waiting intervals, from the times D1 recorded.
    const a1e = await d1Events(ws, A1);
    const a1w = statusAt(a1e, "waiting_on_company");
    waiting.A1 = [
      {
        from: a1w.recorded_at,
        to: statusAt(a1e, "waiting_on_customer", a1w.seq).recorded_at,
        open: false,
      },
    ];
    const a2e = await d1Events(ws, A2);
    const reply = a2e.find((e) => e.text === "any update?");
    if (!reply) throw new Error("reply missing");
    waiting.A2 = [{ from: reply.recorded_at, to, open: true }];
    const b1e = await d1Events(ws, B1);
    const b1w = statusAt(b1e, "waiting_on_company");
    waiting.B1 = [
      { from: b1w.recorded_at, to: statusAt(b1e, "open", b1w.seq).recorded_at, open: false },
    ];
  });

  /** Waiting time in whole milliseconds, as D1's recorded times give it. */
  const waitMs = (...lists: ({ from: string; to: string }[] | undefined)[]) =>
    lists.flat().reduce((sum, w) => sum + (w ? ms(w.to) - ms(w.from) : 0), 0);
  const seconds = (list: { from: string; to: string }[] | undefined) => waitMs(list) / 1000;
  /** What the API reports for a group: the sum in seconds and the mean rounded to 3 decimals. */
  const waitingOf = (n: number, ...lists: ({ from: string; to: string }[] | undefined)[]) => {
    const sum = waitMs(...lists) / 1000;
    return { sum, mean: Math.round((sum / n) * 1000) / 1000 };
  };

  const effort = (params: string) =>
    api("GET", `/v1/analytics/effort?from=${from}&to=${to}&${params}`, undefined, key);

  it("groupBy=workspace adds up every journey in the window", async () => {
    const res = await effort("groupBy=workspace");
    expect(res.status).toBe(200);
    expect(seconds(waiting.A1)).toBeGreaterThan(0.02);
    expect(seconds(waiting.B1)).toBeGreaterThan(0.02);
    expect(res.body).toMatchObject({
      workspace: ws,
      groupBy: "workspace",
      from,
      to,
      horizon: to,
      startOverDays: 7,
    });
    const expected = {
      key: ws,
      journeys: 7,
      contacts: { sum: 10, mean: 1.429 },
      channelSwitches: 3,
      handoffs: 2,
      repeats: 4,
      recordedRepeats: 2,
      detectedRepeats: 3,
      startOvers: 2,
      promisesKept: 2,
      promisesBroken: 1,
    };
    expect(res.body.groups).toHaveLength(1);
    const [g] = res.body.groups;
    expect(g).toMatchObject(expected);
    expect(g.waitingOnCompanySeconds).toEqual(waitingOf(7, waiting.A1, waiting.A2, waiting.B1));
    expect(res.body.totals).toMatchObject({ ...expected, key: null });
  });

  it("groupBy=topic: one group per reason topic, journeys without one last", async () => {
    const res = await effort("groupBy=topic");
    expect(res.status).toBe(200);
    const groups = res.body.groups as { key: string | null }[];
    expect(groups.map((g) => g.key)).toEqual([
      "billing.double_charge",
      "billing.question",
      "internet.outage",
      null,
    ]);
    expect(groups).toMatchObject([
      {
        journeys: 2,
        contacts: { sum: 4, mean: 2 },
        channelSwitches: 2,
        handoffs: 1,
        repeats: 2,
        recordedRepeats: 1,
        detectedRepeats: 1,
        startOvers: 1,
        promisesKept: 1,
        promisesBroken: 1,
      },
      {
        journeys: 1,
        contacts: { sum: 1, mean: 1 },
        channelSwitches: 0,
        handoffs: 0,
        repeats: 0,
        startOvers: 0,
        promisesKept: 0,
        promisesBroken: 0,
        waitingOnCompanySeconds: { sum: 0, mean: 0 },
      },
      {
        journeys: 2,
        contacts: { sum: 3, mean: 1.5 },
        channelSwitches: 1,
        handoffs: 1,
        repeats: 2,
        recordedRepeats: 1,
        detectedRepeats: 2,
        startOvers: 0,
        promisesKept: 1,
        promisesBroken: 0,
      },
      {
        journeys: 2,
        contacts: { sum: 2, mean: 1 },
        channelSwitches: 0,
        handoffs: 0,
        repeats: 0,
        startOvers: 1,
        promisesKept: 0,
        promisesBroken: 0,
        waitingOnCompanySeconds: { sum: 0, mean: 0 },
      },
    ]);
    const [billing, , internet] = res.body.groups;
    expect(billing.waitingOnCompanySeconds).toEqual(waitingOf(2, waiting.A1, waiting.A2));
    expect(internet.waitingOnCompanySeconds).toEqual(waitingOf(2, waiting.B1));
  });

  it("groupBy=owner: by the journey's current owner", async () => {
    const res = await effort("groupBy=owner");
    expect(res.status).toBe(200);
    const groups = res.body.groups as { key: string | null }[];
    expect(groups.map((g) => g.key)).toEqual(["ben", "dana", "erin", null]);
    expect(groups).toMatchObject([
      {
        journeys: 1,
        contacts: { sum: 3, mean: 3 },
        channelSwitches: 2,
        handoffs: 1,
        repeats: 1,
        recordedRepeats: 0,
        detectedRepeats: 1,
        startOvers: 0,
        promisesKept: 1,
        promisesBroken: 1,
      },
      {
        journeys: 2,
        contacts: { sum: 2, mean: 1 },
        channelSwitches: 0,
        handoffs: 0,
        repeats: 1,
        recordedRepeats: 1,
        detectedRepeats: 0,
        startOvers: 2,
        promisesKept: 0,
        promisesBroken: 0,
      },
      {
        journeys: 1,
        contacts: { sum: 2, mean: 2 },
        channelSwitches: 1,
        handoffs: 1,
        repeats: 2,
        recordedRepeats: 1,
        detectedRepeats: 2,
        startOvers: 0,
        promisesKept: 1,
        promisesBroken: 0,
      },
      {
        journeys: 3,
        contacts: { sum: 3, mean: 1 },
        channelSwitches: 0,
        handoffs: 0,
        repeats: 0,
        startOvers: 0,
        promisesKept: 0,
        promisesBroken: 0,
        waitingOnCompanySeconds: { sum: 0, mean: 0 },
      },
    ]);
    const [ben, dana, erin] = res.body.groups;
    expect(ben.waitingOnCompanySeconds).toEqual(waitingOf(1, waiting.A1));
    expect(dana.waitingOnCompanySeconds).toEqual(waitingOf(2, waiting.A2));
    expect(erin.waitingOnCompanySeconds).toEqual(waitingOf(1, waiting.B1));
  });

  it("groupBy=day, week and month use the UTC creation date", async () => {
    const day = to.slice(0, 10);
    const res = await effort("groupBy=day");
    // The window is a few seconds wide; it can only straddle midnight in a rare run.
    const keys = (res.body.groups as { key: string }[]).map((g) => g.key);
    expect(keys[keys.length - 1]).toBe(day);
    const month = await effort("groupBy=month");
    expect(month.body.groups.at(-1).key).toBe(to.slice(0, 7));
    const week = await effort("groupBy=week");
    const monday = new Date(week.body.groups.at(-1).key as string);
    expect(monday.getUTCDay()).toBe(1);
    expect(ms(day) - monday.getTime()).toBeLessThan(7 * 86_400_000);
    for (const r of [res, month, week]) {
      const total = (r.body.groups as { journeys: number }[]).reduce((s, g) => s + g.journeys, 0);
      expect(total).toBe(7);
    }
  });

  it("journey=<id> gives one journey's breakdown", async () => {
    const a2 = await api("GET", `/v1/analytics/effort?journey=${ids.A2}&to=${to}`, undefined, key);
    expect(a2.status).toBe(200);
    expect(a2.body).toMatchObject({ workspace: ws, horizon: to, startOverDays: 7 });
    expect(a2.body.journey).toEqual({
      id: ids.A2,
      customerId: expect.stringMatching(/^cus_/),
      status: "waiting_on_company",
      reasonTopic: "billing.double_charge",
      reasonText: "Charged twice again this month",
      ownerId: "dana",
      createdAt: expect.any(String),
      resolvedAt: null,
      contacts: 1,
      channels: ["sms"],
      channelSwitches: 0,
      handoffs: 0,
      repeats: 1,
      recordedRepeats: 1,
      detectedRepeats: 0,
      startOver: true,
      startOverOf: ids.A1,
      promisesKept: 0,
      promisesBroken: 0,
      waitingOnCompanySeconds: seconds(waiting.A2),
      waitingOnCompany: waiting.A2,
    });

    const a1 = await api("GET", `/v1/analytics/effort?journey=${ids.A1}`, undefined, key);
    expect(a1.body.journey).toMatchObject({
      status: "resolved",
      contacts: 3,
      channels: ["sms", "email", "chat"],
      channelSwitches: 2,
      handoffs: 1,
      repeats: 1,
      recordedRepeats: 0,
      detectedRepeats: 1,
      startOver: false,
      startOverOf: null,
      promisesKept: 1,
      promisesBroken: 1,
      waitingOnCompany: waiting.A1,
      waitingOnCompanySeconds: seconds(waiting.A1),
    });

    const b1 = await api("GET", `/v1/analytics/effort?journey=${ids.B1}`, undefined, key);
    expect(b1.body.journey).toMatchObject({
      channels: ["sms", "voice"],
      contacts: 2,
      channelSwitches: 1,
      handoffs: 1,
      repeats: 2,
      recordedRepeats: 1,
      detectedRepeats: 2,
      waitingOnCompany: waiting.B1,
    });

    const c2 = await api("GET", `/v1/analytics/effort?journey=${ids.C2}`, undefined, key);
    expect(c2.body.journey).toMatchObject({
      reasonTopic: null,
      startOver: true,
      startOverOf: ids.C1,
    });

    // No start-over for another customer on the same topic, nor for a different topic.
    for (const id of [ids.D1, ids.B2]) {
      const r = await api("GET", `/v1/analytics/effort?journey=${id}`, undefined, key);
      expect(r.body.journey).toMatchObject({ startOver: false, startOverOf: null });
    }

    // Without `to`, the open interval runs until now: at least what it was at `to`.
    const live = await api("GET", `/v1/analytics/effort?journey=${ids.A2}`, undefined, key);
    expect(live.body.journey.waitingOnCompanySeconds).toBeGreaterThanOrEqual(seconds(waiting.A2));
    expect(live.body.journey.waitingOnCompany[0].open).toBe(true);
  });

  it("startOverDays=0 finds no start-over here; the default window includes the journeys", async () => {
    // A 0-day window only counts an earlier journey resolved at the very instant of creation.
    const none = await effort("startOverDays=0");
    expect(none.body.totals.startOvers).toBe(0);
    const dflt = await api("GET", "/v1/analytics/effort", undefined, key);
    expect(dflt.status).toBe(200);
    expect(dflt.body.groupBy).toBe("workspace");
    expect(ms(dflt.body.to) - ms(dflt.body.from)).toBe(30 * 86_400_000);
    expect(dflt.body.totals).toMatchObject({ journeys: 7, startOvers: 2 });
    expect(dflt.body.totals.waitingOnCompanySeconds.sum).toBeGreaterThanOrEqual(
      seconds(waiting.A1) + seconds(waiting.A2) + seconds(waiting.B1) - 0.001,
    );
  });

  it("a window with no journeys answers zeros and no groups", async () => {
    const res = await api(
      "GET",
      "/v1/analytics/effort?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00%2B01:00&groupBy=owner",
      undefined,
      key,
    );
    expect(res.status).toBe(200);
    expect(res.body.to).toBe("2020-01-31T23:00:00.000Z");
    expect(res.body.groups).toEqual([]);
    expect(res.body.totals).toMatchObject({
      journeys: 0,
      contacts: { sum: 0, mean: null },
      waitingOnCompanySeconds: { sum: 0, mean: null },
    });
  });

  it("every query is keyed by workspace and uses an index", async () => {
    const q = effortQueries(env.DB, ws, { kind: "window", from, to });
    const plans: Record<string, string[]> = {};
    const explain = async (
      name: string,
      built: { toSQL(): { sql: string; params: unknown[] } },
    ) => {
      const { sql, params } = built.toSQL();
      const rows = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(...params)
        .all<{ detail: string }>();
      plans[name] = rows.results.map((r) => r.detail);
    };
    await explain("journeys", q.journeys);
    await explain("earlier", q.earlier(from, to));
    await explain("events", q.events(null));
    await explain("events-next", q.events({ createdAt: from, journeyId: ids.A1 ?? "", seq: 3 }));
    const one = effortQueries(env.DB, ws, { kind: "journey", id: ids.A1 ?? "" });
    await explain("one", one.journeys);
    await explain("one-events", one.events(null));

    for (const [name, details] of Object.entries(plans)) {
      // Never a full scan: every table is searched through an index or its primary key.
      expect(
        details.filter((d) => /^SCAN\b/.test(d)),
        name,
      ).toEqual([]);
    }
    expect(plans.journeys?.join("\n")).toMatch(/SEARCH journeys USING INDEX journeys_created/);
    expect(plans.journeys?.join("\n")).toMatch(
      /SEARCH p USING INDEX promises_journey \(workspace_id=\? AND journey_id=\?\)/,
    );
    expect(plans.journeys?.join("\n")).not.toMatch(/TEMP B-TREE/);
    // journeys_customer (by customer) or journeys_resolved (the retention index, by resolution
    // time): either ranges within the workspace; SQLite picks by the statistics it has.
    expect(plans.earlier?.join("\n")).toMatch(
      /SEARCH earlier USING INDEX journeys_(customer|resolved) \(workspace_id=/,
    );
    expect(plans.events?.join("\n")).toMatch(
      /SEARCH events USING PRIMARY KEY|sqlite_autoindex_events/,
    );
    expect(plans.one?.join("\n")).toMatch(/USING (INDEX sqlite_autoindex_journeys|PRIMARY KEY)/);
  });
});

describe("the bounds on one request", () => {
  it("reading events in small chunks gives the same numbers; too many journeys is a 400", async () => {
    const { ws, key } = await workspace();
    const from = new Date(Date.now() - 1000).toISOString();
    const ids: string[] = [];
    for (const phone of ["+14155550311", "+14155550312", "+14155550313"]) {
      const r = await api("POST", "/v1/events", smsFrom(phone, "my parcel never arrived"), key);
      const id = r.body.journeyId as string;
      ids.push(id);
      await api("POST", "/v1/events", inbound(id, "email", "My parcel never arrived!"), key);
      await api("PUT", `/v1/journeys/${id}/status`, { status: "waiting_on_company" }, key);
      await api("POST", "/v1/events", inbound(id, "chat", "where is my parcel"), key);
      await api("PUT", `/v1/journeys/${id}/status`, { status: "resolved" }, key);
    }
    for (const id of ids) await flushJourney(ws, id);
    const to = new Date().toISOString();
    const sel = { kind: "window", from, to } as const;
    const horizon = Date.parse(to);
    const whole = await journeyEfforts(env.DB, ws, sel, 7, horizon);
    expect(whole.map((j) => j.id).sort()).toEqual([...ids].sort());
    expect(whole.map((j) => j.detectedRepeats)).toEqual([1, 1, 1]);
    expect(whole.every((j) => j.waitingOnCompany.length === 1)).toBe(true);
    for (const eventChunk of [1, 2, 3, 5]) {
      const chunked = await journeyEfforts(env.DB, ws, sel, 7, horizon, {
        ...ANALYTICS_LIMITS,
        eventChunk,
      });
      expect(chunked).toEqual(whole);
    }
    const small = { ...ANALYTICS_LIMITS, maxJourneys: 2 };
    await expect(journeyEfforts(env.DB, ws, sel, 7, horizon, small)).rejects.toMatchObject({
      problem: { status: 400, code: "window_too_large", max: 2 },
    });
    const fewEvents = { ...ANALYTICS_LIMITS, maxEvents: 4, eventChunk: 2 };
    await expect(journeyEfforts(env.DB, ws, sel, 7, horizon, fewEvents)).rejects.toMatchObject({
      problem: { status: 400, code: "window_too_large", errors: [{ path: "from" }] },
    });
  });
});

describe("GET /v1/analytics/effort: bad input", () => {
  const cases: [string, string][] = [
    ["groupBy=team", "groupBy"],
    ["from=2026-03-01T00:00:00", "from"],
    ["to=yesterday", "to"],
    ["from=2026-02-30T00:00:00Z", "from"],
    ["startOverDays=-1", "startOverDays"],
    ["startOverDays=1.5", "startOverDays"],
    ["startOverDays=999", "startOverDays"],
    ["startOverDays=", "startOverDays"],
    ["journey=abc", "journey"],
    ["foo=1", "(query)"],
    ["from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z", "from"],
    ["from=2026-03-01T00:00:00Z&to=2026-03-01T00:00:00Z", "from"],
    ["from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from"],
    ["journey=jrn_0000000000000000000000&groupBy=owner", "groupBy"],
    ["journey=jrn_0000000000000000000000&from=2026-03-01T00:00:00Z", "from"],
  ];

  it.each(cases)("?%s → 400 naming %s", async (qs, path) => {
    const { key } = await workspace(["journeys:read"]);
    const res = await api("GET", `/v1/analytics/effort?${qs}`, undefined, key);
    expectProblem(res, 400, "invalid_query");
    expect(res.body.errors[0].path).toBe(path);
    expect(res.body.detail).toContain(path);
  });

  it("an unknown journey is 404; no key is 401; a key without journeys:read is 403", async () => {
    const { key } = await workspace(["journeys:read"]);
    const missing = await api(
      "GET",
      "/v1/analytics/effort?journey=jrn_0000000000000000000000",
      undefined,
      key,
    );
    expectProblem(missing, 404, "journey_not_found");
    expectProblem(await api("GET", "/v1/analytics/effort"), 401, "unauthenticated");
    const { key: writer } = await workspace(["events:write"]);
    expectProblem(
      await api("GET", "/v1/analytics/effort", undefined, writer),
      403,
      "insufficient_scope",
    );
  });
});

describe("repeat and start-over rules", () => {
  it("token Jaccard on lower-cased words", () => {
    expect(jaccard(words("My internet is down"), words("my INTERNET is down!"))).toBe(1);
    expect(jaccard(words("a b c d e"), words("a b c"))).toBe(0.6);
    expect(jaccard(words(""), words(""))).toBe(0);
  });

  it("same topic when both have one, else a shared normalized text prefix", () => {
    const r = (reasonTopic: string | null, reasonText: string | null) => ({
      reasonTopic,
      reasonText,
    });
    expect(sameReason(r("a.b", "x"), r("a.b", "y"))).toBe(true);
    expect(sameReason(r("a.b", "same words here"), r("a.c", "same words here"))).toBe(false);
    expect(sameReason(r(null, "Cannot log in!"), r("a.b", "cannot  log in, again"))).toBe(true);
    expect(sameReason(r(null, "Bill"), r(null, "Bill"))).toBe(false); // shorter than 8 characters
    expect(sameReason(r(null, null), r(null, "cannot log in"))).toBe(false);
  });
});
