import { describe, expect, it } from "vitest";
import {
  callBrief,
  cardBrief,
  NO_MATCH_BRIEF,
  type CardBrief,
  type JourneyCard,
} from "./call-brief";
import type { ExceptionView, JourneyContext, PromiseView } from "./context";

const CID = "cus_bbbbbbbbbbbbbbbbbbbbbb";
const dana = { kind: "agent" as const, id: "agt_dana", name: "Dana", team: "billing" };

function promise(over: Partial<PromiseView>): PromiseView {
  return {
    id: "prm_1",
    text: "a refund",
    dueAt: "2026-03-05T22:00:00.000Z",
    madeBy: dana,
    status: "pending",
    createdAt: "2026-03-01T16:05:00.000Z",
    settledAt: null,
    note: null,
    verifyBy: "2026-03-05T22:00:00.000Z",
    channel: null,
    replaces: null,
    replacedBy: null,
    history: [],
    ...over,
  };
}

function exception(over: Partial<ExceptionView>): ExceptionView {
  return {
    id: "exc_1",
    kind: "broken_promise",
    text: "we missed the promised call back",
    guidance: "apologise first",
    status: "open",
    promiseId: "prm_2",
    raisedAt: "2026-03-01T18:00:00.000Z",
    raisedBy: null,
    escalatedTo: null,
    resolvedAt: null,
    note: null,
    ...over,
  };
}

function context(over: Partial<JourneyContext> = {}): JourneyContext {
  return {
    id: "jrn_aaaaaaaaaaaaaaaaaaaaaa",
    workspace: "acme",
    customerId: CID,
    status: "waiting_on_company",
    statusSince: "2026-03-01T16:05:00.000Z",
    reason: { text: "charged twice", topic: "billing.double_charge", at: "2026-03-01T15:00:00Z" },
    owner: {
      kind: "person",
      id: "agt_dana",
      name: "Dana",
      team: "billing",
      since: "2026-03-01T16:00:00.000Z",
    },
    lastAction: { text: "refund requested", actor: dana, at: "2026-03-02T21:05:00.000Z", seq: 4 },
    constraints: [],
    promises: [],
    exceptions: [],
    facts: [],
    history: { total: 0, recent: [] },
    effort: {
      contacts: 1,
      channels: ["sms"],
      channelSwitches: 0,
      handoffs: 0,
      repeats: 0,
      brokenPromises: 0,
    },
    flags: [],
    seq: 4,
    createdAt: "2026-03-01T15:00:00.000Z",
    updatedAt: "2026-03-02T21:05:00.000Z",
    ...over,
  };
}

describe("card brief", () => {
  it("carries owner, last action, constraints, and no promise or exception when there are none", () => {
    const constraint = (id: string, text: string) => ({
      id,
      text,
      kind: "other",
      window: null,
      channel: null,
      until: null,
      createdAt: "2026-03-01T15:10:00.000Z",
    });
    const b = cardBrief(
      context({
        constraints: [constraint("con_1", "no calls"), constraint("con_2", "email only")],
      }),
    );
    expect(b).toEqual({
      owner: { id: "agt_dana", name: "Dana", team: "billing", kind: "person" },
      lastAction: { text: "refund requested", at: "2026-03-02T21:05:00.000Z", actorName: "Dana" },
      promise: null,
      constraints: ["no calls", "email only"],
      constraintItems: [
        { text: "no calls", kind: "other", window: null, channel: null, until: null },
        { text: "email only", kind: "other", window: null, channel: null, until: null },
      ],
      history: {
        contacts: 1,
        channels: ["sms"],
        firstContactAt: "2026-03-01T15:00:00.000Z",
        handoffs: 0,
      },
      exception: null,
    } satisfies CardBrief);
  });

  it("carries what a router needs of each constraint, and the history in numbers", () => {
    const window = { from: "12:00", to: "17:00", timeZone: "Europe/Paris" };
    const b = cardBrief(
      context({
        constraints: [
          {
            id: "con_1",
            text: "Afternoons only",
            kind: "contact_window",
            window,
            channel: null,
            until: null,
            createdAt: "2026-03-01T15:10:00.000Z",
          },
          {
            id: "con_2",
            text: "SMS only",
            kind: "channel_only",
            window: null,
            channel: "sms",
            until: "2026-04-01T00:00:00.000Z",
            createdAt: "2026-03-01T15:10:00.000Z",
          },
        ],
        effort: {
          contacts: 3,
          channels: ["sms", "voice", "email"],
          channelSwitches: 2,
          handoffs: 1,
          repeats: 0,
          brokenPromises: 0,
        },
      }),
    );
    expect(b.constraintItems).toEqual([
      { text: "Afternoons only", kind: "contact_window", window, channel: null, until: null },
      {
        text: "SMS only",
        kind: "channel_only",
        window: null,
        channel: "sms",
        until: "2026-04-01T00:00:00.000Z",
      },
    ]);
    expect(b.history).toEqual({
      contacts: 3,
      channels: ["sms", "voice", "email"],
      firstContactAt: "2026-03-01T15:00:00.000Z",
      handoffs: 1,
    });
    // The brief carries at most 10 constraints (the map has 1 KB for all of them anyway).
    const many = Array.from({ length: 14 }, (_, i) => ({
      id: `con_${i}`,
      text: `rule ${i}`,
      kind: "other",
      window: null,
      channel: null,
      until: null,
      createdAt: "2026-03-01T15:10:00.000Z",
    }));
    const capped = cardBrief(context({ constraints: many }));
    expect(capped.constraints).toHaveLength(10);
    expect(capped.constraintItems).toHaveLength(10);
  });

  it("has no owner or last action on a fresh journey, and names actors by id without a name", () => {
    expect(cardBrief(context({ owner: null, lastAction: null }))).toMatchObject({
      owner: null,
      lastAction: null,
    });
    const byId = cardBrief(
      context({
        lastAction: { text: "x", actor: { kind: "bot", id: "bot_max" }, at: "t", seq: 1 },
      }),
    );
    expect(byId.lastAction?.actorName).toBe("bot_max");
    const nobody = cardBrief(
      context({ lastAction: { text: "x", actor: null, at: "2026-03-01T00:00:00Z", seq: 1 } }),
    );
    expect(nobody.lastAction?.actorName).toBeNull();
  });

  it("picks the earliest open promise (pending or overdue) over any broken one", () => {
    const b = cardBrief(
      context({
        promises: [
          promise({ id: "p1", text: "later", dueAt: "2026-03-09T00:00:00.000Z" }),
          promise({
            id: "p2",
            text: "broken",
            status: "broken",
            dueAt: "2026-03-01T00:00:00.000Z",
            settledAt: "2026-03-02T00:00:00.000Z",
          }),
          promise({
            id: "p3",
            text: "overdue",
            status: "overdue",
            dueAt: "2026-03-03T00:00:00.000Z",
          }),
          promise({ id: "p4", text: "kept", status: "kept", dueAt: "2026-03-02T00:00:00.000Z" }),
        ],
      }),
    );
    expect(b.promise).toEqual({
      text: "overdue",
      dueAt: "2026-03-03T00:00:00.000Z",
      status: "overdue",
      madeByName: "Dana",
    });
  });

  it("carries when the promise was marked at risk, and nothing when it was not", () => {
    const nudged = "2026-03-05T21:00:00.000Z";
    const b = cardBrief(
      context({
        promises: [
          promise({ id: "p1", text: "soon", dueAt: "2026-03-05T22:00:00.000Z", atRiskAt: nudged }),
          promise({ id: "p2", text: "later", dueAt: "2026-03-09T00:00:00.000Z" }),
        ],
      }),
    );
    expect(b.promise).toEqual({
      text: "soon",
      dueAt: "2026-03-05T22:00:00.000Z",
      status: "pending",
      madeByName: "Dana",
      atRiskAt: nudged,
    });
    const plain = cardBrief(context({ promises: [promise({ atRiskAt: null })] }));
    expect(plain.promise).not.toHaveProperty("atRiskAt");
    // Passed on by the customer's call brief.
    const card = {
      id: "jrn_aaaaaaaaaaaaaaaaaaaaaa",
      status: "open" as const,
      reasonText: null,
      reasonTopic: null,
      seq: 4,
      createdAt: "2026-03-01T15:00:00.000Z",
      updatedAt: "2026-03-02T21:05:00.000Z",
      resolvedAt: null,
      brief: b,
    };
    expect(callBrief(CID, [card]).promise?.atRiskAt).toBe(nudged);
  });

  it("falls back to the most recently settled broken promise; kept and cancelled ones never show", () => {
    const b = cardBrief(
      context({
        promises: [
          promise({
            id: "p1",
            text: "old break",
            status: "broken",
            settledAt: "2026-03-02T00:00:00Z",
          }),
          promise({
            id: "p2",
            text: "new break",
            status: "broken",
            settledAt: "2026-03-04T00:00:00Z",
            madeBy: { kind: "bot", id: "bot_max" },
          }),
          promise({ id: "p3", text: "kept", status: "kept", settledAt: "2026-03-05T00:00:00Z" }),
        ],
      }),
    );
    expect(b.promise).toMatchObject({ text: "new break", status: "broken", madeByName: "bot_max" });
    const settledOnly = cardBrief(
      context({
        promises: [
          promise({ status: "kept" }),
          promise({ status: "cancelled", madeBy: { kind: "system" } }),
        ],
      }),
    );
    expect(settledOnly.promise).toBeNull();
  });

  it("carries the oldest open exception, never a resolved one", () => {
    const b = cardBrief(
      context({
        exceptions: [
          exception({ id: "e1", kind: "failed_payment", text: "payment failed", guidance: null }),
          exception({ id: "e2", text: "second" }),
          exception({ id: "e0", text: "already fixed", status: "resolved" }),
        ],
      }),
    );
    expect(b.exception).toEqual({ kind: "failed_payment", text: "payment failed", guidance: null });
    const resolvedOnly = cardBrief(context({ exceptions: [exception({ status: "resolved" })] }));
    expect(resolvedOnly.exception).toBeNull();
  });
});

describe("call brief", () => {
  const brief = (over: Partial<CardBrief> = {}): CardBrief => ({
    owner: { id: "agt_dana", name: "Dana", team: "billing", kind: "person" },
    lastAction: { text: "refund requested", at: "2026-03-02T21:05:00.000Z", actorName: "Dana" },
    promise: null,
    constraints: ["no calls before 17:00"],
    exception: null,
    ...over,
  });
  const card = (
    id: string,
    status: JourneyCard["status"],
    b: CardBrief | null = brief(),
    over: Partial<JourneyCard> = {},
  ): JourneyCard & { brief: CardBrief | null } => ({
    id,
    status,
    reasonText: `reason of ${id}`,
    reasonTopic: `topic.${id}`,
    seq: id.length,
    createdAt: "2026-03-01T00:00:00.000Z",
    updatedAt: `2026-03-0${id.length}T00:00:00.000Z`,
    resolvedAt: status === "resolved" ? "2026-03-01T12:00:00.000Z" : null,
    brief: b,
    ...over,
  });

  it("is the no-match brief, with the customer, when the customer has no journeys", () => {
    expect(callBrief(CID, [])).toEqual({ ...NO_MATCH_BRIEF, customerId: CID });
    expect(NO_MATCH_BRIEF).toMatchObject({
      match: "none",
      journeyId: null,
      customerId: null,
      openJourneys: 0,
      journeys: [],
      updatedAt: "1970-01-01T00:00:00.000Z",
      seq: 0,
    });
  });

  it("describes a single open journey from its card", () => {
    const promised = brief({
      promise: {
        text: "a refund",
        dueAt: "2026-03-05T22:00:00Z",
        status: "pending",
        madeByName: "Dana",
      },
    });
    expect(callBrief(CID, [card("j1", "waiting_on_company", promised)])).toEqual({
      match: "single",
      journeyId: "j1",
      customerId: CID,
      openJourneys: 1,
      journeys: [
        {
          id: "j1",
          reasonText: "reason of j1",
          reasonTopic: "topic.j1",
          status: "waiting_on_company",
          updatedAt: "2026-03-02T00:00:00.000Z",
        },
      ],
      reason: { text: "reason of j1", topic: "topic.j1" },
      lastAction: promised.lastAction,
      promise: promised.promise,
      owner: promised.owner,
      constraints: ["no calls before 17:00"],
      history: null,
      exception: null,
      updatedAt: "2026-03-02T00:00:00.000Z",
      seq: 2,
    });
  });

  it("passes the leading card's constraint details and history on, and omits them for older cards", () => {
    const items = [
      { text: "Afternoons only", kind: "contact_window", window: null, channel: null, until: null },
    ];
    const history = {
      contacts: 2,
      channels: ["sms", "voice"],
      firstContactAt: "2026-03-01T00:00:00.000Z",
      handoffs: 0,
    };
    const b = callBrief(CID, [card("j1", "open", brief({ constraintItems: items, history }))]);
    expect(b.constraintItems).toEqual(items);
    expect(b.history).toEqual(history);
    const old = callBrief(CID, [card("j1", "open", brief({}))]);
    expect(old).not.toHaveProperty("constraintItems");
    expect(old.history).toBeNull();
  });

  it("leads with the first open journey and lists at most 3 open ones when there are several", () => {
    const cards = [
      card("r1", "resolved"),
      card("o1", "open", brief({ owner: null })),
      card("o2", "waiting_on_customer"),
      card("o3", "waiting_on_company"),
      card("o4", "open"),
    ];
    const b = callBrief(CID, cards);
    expect(b).toMatchObject({ match: "multiple", journeyId: "o1", openJourneys: 4, owner: null });
    expect(b.journeys.map((j) => j.id)).toEqual(["o1", "o2", "o3"]);
  });

  it("leads with the latest resolved journey when none is open", () => {
    const b = callBrief(CID, [card("r1", "resolved"), card("r2", "resolved")]);
    expect(b).toMatchObject({ match: "single", journeyId: "r1", openJourneys: 0 });
    expect(b.journeys.map((j) => [j.id, j.status])).toEqual([
      ["r1", "resolved"],
      ["r2", "resolved"],
    ]);
  });

  it("carries the leading journey's exception and promise, not another journey's", () => {
    const broken = {
      text: "a call back",
      dueAt: "2026-03-01T17:00:00.000Z",
      status: "broken",
      madeByName: "Sam",
    };
    const missed = {
      kind: "broken_promise",
      text: "we missed the call back",
      guidance: "apologise",
    };
    const withException = card("e1", "open", brief({ promise: broken, exception: missed }));
    const withPromise = card(
      "p1",
      "open",
      brief({ promise: { ...broken, text: "a refund", status: "pending" }, exception: null }),
    );
    expect(callBrief(CID, [withException, withPromise])).toMatchObject({
      journeyId: "e1",
      promise: broken,
      exception: missed,
    });
    expect(callBrief(CID, [withPromise, withException])).toMatchObject({
      journeyId: "p1",
      promise: { text: "a refund", status: "pending" },
      exception: null,
    });
  });

  it("reads cards without a brief, or pushed before exceptions existed, as empty", () => {
    const bare = callBrief(CID, [
      card("j1", "open", null, { reasonText: null, reasonTopic: null }),
    ]);
    expect(bare).toMatchObject({
      match: "single",
      reason: null,
      lastAction: null,
      promise: null,
      owner: null,
      constraints: [],
      exception: null,
    });
    const { exception: _, ...old } = brief();
    expect(callBrief(CID, [card("j1", "open", old)]).exception).toBeNull();
    const topicOnly = callBrief(CID, [card("j1", "open", null, { reasonText: null })]);
    expect(topicOnly.reason).toEqual({ text: null, topic: "topic.j1" });
  });
});
