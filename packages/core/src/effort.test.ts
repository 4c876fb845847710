import { describe, expect, it } from "vitest";
import {
  EffortReplay,
  effortGroupKey,
  groupEfforts,
  jaccard,
  sameReason,
  summarizeEfforts,
  words,
  type EarlierJourneyRow,
  type EffortEventRow,
  type EffortJourneyRow,
  type JourneyEffort,
} from "./effort";

const J = "jrn_aaaaaaaaaaaaaaaaaaaaaa";
const CUS = "cus_bbbbbbbbbbbbbbbbbbbbbb";
const T0 = "2026-03-02T10:00:00.000Z";
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
const ms = (minutes: number) => Date.parse(at(minutes));
const DAY_MINUTES = 24 * 60;

function journey(over: Partial<EffortJourneyRow> = {}): EffortJourneyRow {
  return {
    id: J,
    customerId: CUS,
    status: "open",
    reasonText: "My internet is down since Monday",
    reasonTopic: "network.outage",
    ownerId: "agt_dana",
    contacts: 3,
    channels: '["sms","email","chat"]',
    channelSwitches: 2,
    handoffs: 1,
    repeats: 0,
    createdAt: T0,
    resolvedAt: null,
    promisesKept: 1,
    promisesBroken: 2,
    ...over,
  };
}

const status = (minutes: number, to: string, journeyId = J): EffortEventRow => ({
  journeyId,
  type: "status.changed",
  text: null,
  data: JSON.stringify({ from: "x", to }),
  recordedAt: at(minutes),
});

const said = (minutes: number, text: string | null, type = "message"): EffortEventRow => ({
  journeyId: J,
  type,
  text,
  data: null,
  recordedAt: at(minutes),
});

function earlier(over: Partial<EarlierJourneyRow> = {}): EarlierJourneyRow {
  return {
    id: "jrn_earlier_1",
    customerId: CUS,
    reasonText: "My internet is down",
    reasonTopic: "network.outage",
    createdAt: at(-3 * DAY_MINUTES),
    resolvedAt: at(-2 * DAY_MINUTES),
    ...over,
  };
}

/** One journey replayed to `horizon` (minutes after T0). */
function effortOf(
  events: EffortEventRow[],
  horizon: number,
  over: Partial<EffortJourneyRow> = {},
  candidates: EarlierJourneyRow[] = [],
  startOverDays = 7,
): JourneyEffort {
  const r = new EffortReplay([journey(over)], ms(horizon));
  r.add(events);
  const [e] = r.efforts(candidates, startOverDays);
  if (!e) throw new Error("no effort");
  return e;
}

describe("words and reasons", () => {
  it("compares lower-cased word sets (the docs' worked example)", () => {
    const reason = words("My internet is down since Monday");
    expect(jaccard(words("still down since Monday, my internet"), reason)).toBeCloseTo(5 / 7);
    expect(jaccard(words("any update?"), reason)).toBe(0);
    expect([...words("Ünïcode ÇA, ça 42!")]).toEqual(["ünïcode", "ça", "42"]);
  });

  it("matches reasons by topic, else by a normalized prefix of at least 8 characters", () => {
    const r = (topic: string | null, text: string | null) => ({
      reasonTopic: topic,
      reasonText: text,
    });
    expect(sameReason(r("a.b", "one thing"), r("a.b", "another"))).toBe(true);
    expect(sameReason(r("a.b", "same text here"), r("a.c", "same text here"))).toBe(false);
    expect(
      sameReason(
        r(null, "Cannot log into my account"),
        r(null, "cannot log into my account, since yesterday!"),
      ),
    ).toBe(true);
    expect(sameReason(r(null, "Bill"), r(null, "Bill"))).toBe(false);
    expect(sameReason(r("a.b", null), r(null, "cannot log in"))).toBe(false);
    // Only the first 32 normalized characters are compared.
    const long = "x".repeat(32);
    expect(sameReason(r(null, `${long} first`), r(null, `${long} second`))).toBe(true);
  });
});

describe("effort replay: counters", () => {
  it("copies the journey counters and parses its channels and promise counts", () => {
    const e = effortOf([], 60, {
      repeats: 2,
      promisesKept: "1" as unknown as number,
      promisesBroken: 2,
    });
    expect(e).toMatchObject({
      id: J,
      customerId: CUS,
      status: "open",
      contacts: 3,
      channels: ["sms", "email", "chat"],
      channelSwitches: 2,
      handoffs: 1,
      repeats: 2,
      recordedRepeats: 2,
      detectedRepeats: 0,
      startOver: false,
      startOverOf: null,
      promisesKept: 1,
      promisesBroken: 2,
      waitingOnCompanySeconds: 0,
      waitingOnCompany: [],
    });
  });

  it("reads bad channel lists as empty and drops non-strings", () => {
    expect(effortOf([], 60, { channels: "not json" }).channels).toEqual([]);
    expect(effortOf([], 60, { channels: '{"sms":1}' }).channels).toEqual([]);
    expect(effortOf([], 60, { channels: '["sms",3,null,"voice"]' }).channels).toEqual([
      "sms",
      "voice",
    ]);
  });
});

describe("effort replay: detected repeats", () => {
  it("skips the first message and counts later ones that restate the reason", () => {
    const e = effortOf(
      [
        said(1, "My internet is down since Monday"),
        said(2, "any update?"),
        said(3, "still down since Monday, my internet"),
        said(4, "MY INTERNET IS DOWN SINCE MONDAY!"),
      ],
      60,
    );
    expect(e.detectedRepeats).toBe(2);
    expect(e.repeats).toBe(2);
  });

  it("repeats is the larger of recorded and detected, not their sum", () => {
    const events = [said(1, "hello"), said(2, "my internet is down since monday")];
    expect(effortOf(events, 60, { repeats: 3 })).toMatchObject({
      repeats: 3,
      recordedRepeats: 3,
      detectedRepeats: 1,
    });
    expect(effortOf(events, 60, { repeats: 0 })).toMatchObject({ repeats: 1 });
  });

  it("ignores blank messages, other event types, short messages and one-word reasons", () => {
    // A blank message is not the first message; a call is not a message at all.
    const blank = effortOf(
      [
        said(1, "   "),
        said(2, null),
        said(3, "my internet is down since monday", "call"),
        said(4, "my internet is down since monday"),
        said(5, "internet"),
      ],
      60,
    );
    expect(blank.detectedRepeats).toBe(0);
    const oneWord = effortOf([said(1, "hi"), said(2, "hi"), said(3, "hi there")], 60, {
      reasonText: "hi",
    });
    expect(oneWord.detectedRepeats).toBe(0);
    const noReason = effortOf([said(1, "a b"), said(2, "a b")], 60, { reasonText: null });
    expect(noReason.detectedRepeats).toBe(0);
  });
});

describe("effort replay: waiting on the company", () => {
  it("measures closed intervals and closes the open one at the horizon", () => {
    const e = effortOf(
      [
        status(10, "waiting_on_company"),
        status(25, "waiting_on_customer"),
        // The customer writes back: waiting_on_customer becomes waiting_on_company.
        said(40, "any news?"),
      ],
      100,
    );
    expect(e.waitingOnCompany).toEqual([
      { from: at(10), to: at(25), open: false },
      { from: at(40), to: at(100), open: true },
    ]);
    expect(e.waitingOnCompanySeconds).toBe((15 + 60) * 60);
  });

  it("clips at the horizon: later changes and time never count", () => {
    const e = effortOf(
      [status(10, "waiting_on_company"), status(50, "resolved"), said(60, "hello?")],
      30,
    );
    // Still waiting at the horizon (it stopped only after): reported open.
    expect(e.waitingOnCompany).toEqual([{ from: at(10), to: at(30), open: true }]);
    expect(e.waitingOnCompanySeconds).toBe(20 * 60);
    // Stopped waiting exactly at the horizon: a closed interval.
    const onTime = effortOf([status(10, "waiting_on_company"), status(30, "open")], 30);
    expect(onTime.waitingOnCompany).toEqual([{ from: at(10), to: at(30), open: false }]);
    const late = effortOf([status(40, "waiting_on_company")], 30);
    expect(late.waitingOnCompany).toEqual([]);
    expect(late.waitingOnCompanySeconds).toBe(0);
  });

  it("reopens a resolved journey on a customer event and ignores unreadable status changes", () => {
    const bad = (minutes: number, data: string | null): EffortEventRow => ({
      ...status(minutes, "x"),
      data,
    });
    const e = effortOf(
      [
        status(5, "resolved"),
        said(10, "it broke again", "call"), // resolved -> open
        bad(15, "not json"),
        bad(16, JSON.stringify({ to: "sleeping" })),
        bad(17, null),
        bad(18, "[]"),
        status(20, "waiting_on_company"),
        status(20, "waiting_on_company"), // no change: the interval goes on
        status(35, "open"),
      ],
      60,
    );
    expect(e.waitingOnCompany).toEqual([{ from: at(20), to: at(35), open: false }]);
    expect(e.waitingOnCompanySeconds).toBe(15 * 60);
  });

  it("reads events in any number of chunks, skips other journeys, and can be read twice", () => {
    const other = "jrn_other";
    const events = [
      status(10, "waiting_on_company"),
      status(12, "waiting_on_company", other),
      said(20, "first"),
      said(30, "my internet is down since monday"),
    ];
    const once = new EffortReplay([journey()], ms(45));
    once.add(events);
    const chunked = new EffortReplay([journey()], ms(45));
    chunked.add(events.slice(0, 1));
    chunked.add(events.slice(1, 3));
    chunked.add([]);
    chunked.add(events.slice(3));
    const first = chunked.efforts([], 7);
    expect(first).toEqual(once.efforts([], 7));
    expect(chunked.efforts([], 7)).toEqual(first);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ detectedRepeats: 1, waitingOnCompanySeconds: 35 * 60 });
  });

  it("returns every journey in the order given, with or without events", () => {
    const a = journey({ id: "jrn_a", createdAt: at(0) });
    const b = journey({ id: "jrn_b", createdAt: at(5) });
    const r = new EffortReplay([a, b], ms(60));
    r.add([status(30, "waiting_on_company", "jrn_b")]);
    const out = r.efforts([], 7);
    expect(out.map((x) => [x.id, x.waitingOnCompanySeconds])).toEqual([
      ["jrn_a", 0],
      ["jrn_b", 30 * 60],
    ]);
    expect(new EffortReplay([], 0).efforts([earlier()], 7)).toEqual([]);
  });
});

describe("effort replay: start-overs", () => {
  it("names the most recently resolved earlier journey of the same customer and reason", () => {
    const older = earlier({ id: "jrn_older", resolvedAt: at(-4 * DAY_MINUTES) });
    const newer = earlier({ id: "jrn_newer", resolvedAt: at(-1 * DAY_MINUTES) });
    const e = effortOf([], 60, {}, [older, newer, earlier({ id: "jrn_mid" })]);
    expect(e).toMatchObject({ startOver: true, startOverOf: "jrn_newer" });
  });

  it("falls back to the reason text when a topic is missing", () => {
    const e = effortOf([], 60, { reasonTopic: null }, [
      earlier({ reasonTopic: "billing.other", reasonText: "MY internet... is down" }),
    ]);
    expect(e.startOverOf).toBe("jrn_earlier_1");
  });

  it.each<[string, Partial<EarlierJourneyRow>, number?]>([
    ["another topic", { reasonTopic: "billing.double_charge" }],
    ["another customer", { customerId: "cus_other" }],
    ["no customer", { customerId: null }],
    ["not resolved", { resolvedAt: null }],
    ["resolved after it was created", { resolvedAt: at(1) }],
    ["created after it", { createdAt: at(1), resolvedAt: at(0) }],
    ["the journey itself", { id: J, createdAt: at(-10), resolvedAt: at(-5) }],
    ["resolved too long before", { resolvedAt: at(-8 * DAY_MINUTES) }],
    ["outside a shorter window", { resolvedAt: at(-2 * DAY_MINUTES) }, 1],
  ])("is no start-over with an earlier journey of %s", (_, over, days = 7) => {
    const e = effortOf([], 60, {}, [earlier(over)], days);
    expect(e).toMatchObject({ startOver: false, startOverOf: null });
  });

  it("counts a journey resolved exactly at creation even with startOverDays = 0", () => {
    const e = effortOf([], 60, {}, [earlier({ createdAt: at(-60), resolvedAt: T0 })], 0);
    expect(e.startOver).toBe(true);
    const edge = effortOf([], 60, {}, [earlier({ resolvedAt: at(-7 * DAY_MINUTES) })], 7);
    expect(edge.startOver).toBe(true);
  });

  it("journeys without a customer never start over", () => {
    const e = effortOf([], 60, { customerId: null }, [earlier({ customerId: null })]);
    expect(e.startOver).toBe(false);
  });
});

describe("effort summaries", () => {
  const effort = (over: Partial<JourneyEffort>): JourneyEffort => ({
    ...effortOf([], 0),
    ...over,
  });

  it("adds up a group, with means per journey rounded to 3 decimals", () => {
    const list = [
      effort({
        contacts: 1,
        channelSwitches: 0,
        handoffs: 1,
        repeats: 2,
        recordedRepeats: 2,
        detectedRepeats: 1,
        startOver: true,
        promisesKept: 1,
        promisesBroken: 0,
        waitingOnCompanySeconds: 0.0004,
      }),
      effort({
        contacts: 1,
        channelSwitches: 2,
        handoffs: 0,
        repeats: 1,
        recordedRepeats: 0,
        detectedRepeats: 1,
        startOver: false,
        promisesKept: 0,
        promisesBroken: 3,
        waitingOnCompanySeconds: 10.5,
      }),
      effort({
        contacts: 2,
        channelSwitches: 1,
        handoffs: 2,
        repeats: 0,
        recordedRepeats: 0,
        detectedRepeats: 0,
        startOver: true,
        promisesKept: 2,
        promisesBroken: 1,
        waitingOnCompanySeconds: 0.001,
      }),
    ];
    expect(summarizeEfforts("k", list)).toEqual({
      key: "k",
      journeys: 3,
      contacts: { sum: 4, mean: 1.333 },
      channelSwitches: 3,
      handoffs: 3,
      repeats: 3,
      recordedRepeats: 2,
      detectedRepeats: 2,
      startOvers: 2,
      promisesKept: 3,
      promisesBroken: 4,
      // Summed in whole milliseconds: 0 + 10500 + 1.
      waitingOnCompanySeconds: { sum: 10.501, mean: 3.5 },
    });
  });

  it("gives null means, not zero, when there are no journeys", () => {
    expect(summarizeEfforts(null, [])).toEqual({
      key: null,
      journeys: 0,
      contacts: { sum: 0, mean: null },
      channelSwitches: 0,
      handoffs: 0,
      repeats: 0,
      recordedRepeats: 0,
      detectedRepeats: 0,
      startOvers: 0,
      promisesKept: 0,
      promisesBroken: 0,
      waitingOnCompanySeconds: { sum: 0, mean: null },
    });
  });

  it("keys periods by UTC day, ISO week (its Monday) and month", () => {
    const on = (createdAt: string) => effort({ createdAt });
    const key = (by: Parameters<typeof effortGroupKey>[0], createdAt: string) =>
      effortGroupKey(by, "acme", on(createdAt));
    expect(key("day", "2026-03-04T23:59:59.999Z")).toBe("2026-03-04");
    expect(key("week", "2026-03-04T12:00:00.000Z")).toBe("2026-03-02"); // Wednesday
    expect(key("week", "2026-03-08T23:00:00.000Z")).toBe("2026-03-02"); // Sunday
    expect(key("week", "2026-03-09T00:00:00.000Z")).toBe("2026-03-09"); // Monday
    expect(key("week", "2026-01-01T08:00:00.000Z")).toBe("2025-12-29"); // across a year
    expect(key("month", "2026-03-31T23:00:00.000Z")).toBe("2026-03");
    expect(key("workspace", T0)).toBe("acme");
    expect(effortGroupKey("topic", "acme", effort({ reasonTopic: null }))).toBeNull();
    expect(effortGroupKey("owner", "acme", effort({ ownerId: "agt_x" }))).toBe("agt_x");
  });

  it("sorts groups by key with the null group last", () => {
    const list = [
      effort({ reasonTopic: null, contacts: 5 }),
      effort({ reasonTopic: "billing", contacts: 1 }),
      effort({ reasonTopic: "auth", contacts: 2 }),
      effort({ reasonTopic: "billing", contacts: 3 }),
    ];
    const groups = groupEfforts("topic", "acme", list);
    expect(groups.map((g) => [g.key, g.journeys, g.contacts.sum])).toEqual([
      ["auth", 1, 2],
      ["billing", 2, 4],
      [null, 1, 5],
    ]);
    expect(groupEfforts("workspace", "acme", list).map((g) => g.key)).toEqual(["acme"]);
    expect(groupEfforts("day", "acme", [])).toEqual([]);
  });
});
