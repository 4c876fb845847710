import { env } from "cloudflare:test";
import { flushToD1, type OutboxRecord } from "@baton/db";
import { beforeAll, describe, expect, it } from "vitest";
import { api, expectProblem, workspace } from "./helpers";
import { worklistSql } from "../workers/relay/src/routes/worklist";
import { agentReply, breakPromise, failedPayment, ownedJourney, settle } from "./worklist-helpers";

const DANA = { kind: "person", id: "dana", name: "Dana Reyes", team: "billing" } as const;
const ERIN = { kind: "person", id: "erin", name: "Erin Moss", team: "billing" } as const;
const AGENT = { kind: "agent", id: "dana", name: "Dana Reyes" } as const;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const iso = (msFromNow: number) => new Date(Date.now() + msFromNow).toISOString();

let phones = 0;
const phone = () => `+1415555${String(7000 + phones++).padStart(4, "0")}`;

interface Item {
  journeyId: string;
  problem: string | null;
  counts: { broken: number; overdue: number; atRisk: number; exceptions: number };
  waitingOnUs: boolean;
  nextDueAt: string | null;
  status: string;
  reason: { text: string | null; topic: string | null } | null;
  customerId: string | null;
}

/** A journey of a new customer, opened by an inbound SMS and owned by `owner`. */
const journey = (key: string, owner: Record<string, string>, text: string) =>
  ownedJourney(key, phone(), owner, text);

async function promise(key: string, id: string, dueAt: string, late?: { verifyBy: string }) {
  // A promise already past due is recorded as made an hour ago.
  const made = late ? { verifyBy: late.verifyBy, madeAt: iso(-HOUR) } : {};
  const res = await api(
    "POST",
    `/v1/journeys/${id}/promises`,
    { text: "refund the double charge", dueAt, madeBy: AGENT, ...made },
    key,
  );
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/** The agent answers the customer: the latest message is then ours. */
const reply = (key: string, id: string) => agentReply(key, id, AGENT, "on it");

async function worklist(key: string, qs: string) {
  const res = await api("GET", `/v1/worklist?${qs}`, undefined, key);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as {
    owner: { id: string | null; team: string | null };
    counts: Record<string, number>;
    items: Item[];
    nextCursor: string | null;
  };
}

describe("the owner's worklist", () => {
  let ws: string;
  let key: string;
  type Name =
    | "broken"
    | "overdue"
    | "atRisk"
    | "exception"
    | "waiting"
    | "nextDue"
    | "none"
    | "resolved"
    | "erin";
  const j = {} as Record<Name, string>;

  beforeAll(async () => {
    ({ ws, key } = await workspace());
    // Created in the reverse of the expected order, so that creation order cannot explain it.
    j.none = await journey(key, DANA, "question about my plan");
    await reply(key, j.none);
    j.nextDue = await journey(key, DANA, "when does my refund arrive");
    await promise(key, j.nextDue, iso(3 * HOUR));
    await reply(key, j.nextDue);
    j.waiting = await journey(key, DANA, "my router keeps dropping");
    j.exception = await journey(key, DANA, "my card payment failed");
    await failedPayment(key, j.exception);
    await reply(key, j.exception);
    j.atRisk = await journey(key, DANA, "refund for the double charge");
    const risky = await promise(key, j.atRisk, iso(30 * MINUTE));
    await reply(key, j.atRisk);
    j.overdue = await journey(key, DANA, "technician never came");
    await promise(key, j.overdue, iso(-MINUTE), { verifyBy: iso(5 * HOUR) });
    await reply(key, j.overdue);
    j.broken = await journey(key, DANA, "you said you would call me back");
    await breakPromise(key, j.broken, await promise(key, j.broken, iso(2 * HOUR)));
    await reply(key, j.broken);
    // Not in Dana's list: resolved, or owned by Erin (same team).
    j.resolved = await journey(key, DANA, "all good now");
    const done = await api("PUT", `/v1/journeys/${j.resolved}/status`, { status: "resolved" }, key);
    expect(done.status).toBe(200);
    j.erin = await journey(key, ERIN, "billing address change");
    await settle(ws, key, Object.values(j));
    // The journey object marks a promise at risk when it nudges the owner; D1 gets the stamp
    // with the promise row (packages/db/src/flush.ts). Here the row is stamped directly.
    const stamped = await env.DB.prepare(
      "UPDATE promises SET at_risk_at = ? WHERE workspace_id = ? AND id = ?",
    )
      .bind(iso(-MINUTE), ws, risky)
      .run();
    expect(stamped.meta.changes).toBe(1);
  });

  it("orders the owner's open journeys by what breaks first, with counts and labels", async () => {
    const list = await worklist(key, "owner=dana");
    expect(list.owner).toEqual({ id: "dana", team: null });
    expect(list.items.map((i) => i.journeyId)).toEqual([
      j.broken,
      j.overdue,
      j.atRisk,
      j.exception,
      j.waiting,
      j.nextDue,
      j.none,
    ]);
    expect(list.items.map((i) => i.problem)).toEqual([
      "promise broken",
      "promise overdue",
      "promise at risk",
      "exception open",
      "waiting on us",
      null,
      null,
    ]);
    // Breaking a promise raised a broken_promise exception on its journey: two open in all.
    expect(list.counts).toEqual({
      broken: 1,
      overdue: 1,
      atRisk: 1,
      exceptions: 2,
      waitingOnUs: 1,
      journeys: 7,
    });
    const byId = new Map(list.items.map((i) => [i.journeyId, i]));
    expect(byId.get(j.broken)?.counts).toEqual({ broken: 1, overdue: 0, atRisk: 0, exceptions: 1 });
    expect(byId.get(j.atRisk)?.counts).toEqual({ broken: 0, overdue: 0, atRisk: 1, exceptions: 0 });
    expect(byId.get(j.exception)?.counts.exceptions).toBe(1);
    expect(byId.get(j.waiting)?.waitingOnUs).toBe(true);
    expect(byId.get(j.none)?.waitingOnUs).toBe(false);
    expect(byId.get(j.nextDue)?.nextDueAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(byId.get(j.none)?.nextDueAt).toBeNull();
    expect(byId.get(j.overdue)?.nextDueAt).toBeNull(); // its only promise is past due
    expect(byId.get(j.waiting)).toMatchObject({
      status: "open",
      reason: { text: "my router keeps dropping" },
    });
    expect(byId.get(j.waiting)?.customerId).toMatch(/^cus_/);
  });

  it("a team's list holds its members' journeys; resolved ones never appear", async () => {
    const team = await worklist(key, "team=billing");
    expect(team.owner).toEqual({ id: null, team: "billing" });
    const ids = team.items.map((i) => i.journeyId);
    expect(ids).toHaveLength(8);
    expect(ids).toContain(j.erin);
    expect(ids).not.toContain(j.resolved);
    expect(ids.slice(0, 4)).toEqual([j.broken, j.overdue, j.atRisk, j.exception]);
    // Erin's journey was never answered: waiting on us, ranked with Dana's waiting one.
    expect(new Set(ids.slice(4, 6))).toEqual(new Set([j.waiting, j.erin]));
    expect(team.counts.journeys).toBe(8);
    expect(team.counts.waitingOnUs).toBe(2);
    const erin = await worklist(key, "owner=erin");
    expect(erin.items.map((i) => i.journeyId)).toEqual([j.erin]);
  });

  it("pages with limit and nextCursor, in the same order, totals on every page", async () => {
    const all = (await worklist(key, "owner=dana")).items.map((i) => i.journeyId);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const qs: string = `owner=dana&limit=3${cursor ? `&cursor=${cursor}` : ""}`;
      const page = await worklist(key, qs);
      expect(page.items.length).toBeLessThanOrEqual(3);
      expect(page.counts.journeys).toBe(7);
      seen.push(...page.items.map((i) => i.journeyId));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(all);
  });

  it("an owner with nothing open gets an empty list", async () => {
    const list = await worklist(key, "owner=nobody");
    expect(list.items).toEqual([]);
    expect(list.counts).toEqual({
      broken: 0,
      overdue: 0,
      atRisk: 0,
      exceptions: 0,
      waitingOnUs: 0,
      journeys: 0,
    });
    expect(list.nextCursor).toBeNull();
  });

  it("another workspace's journeys never appear, even for the same owner id", async () => {
    const other = await workspace();
    const theirs = await journey(other.key, DANA, "a different tenant's problem");
    await settle(other.ws, other.key, [theirs]);
    const mine = await worklist(key, "owner=dana");
    expect(mine.items.map((i) => i.journeyId)).not.toContain(theirs);
    expect(mine.counts.journeys).toBe(7);
    const their = await worklist(other.key, "owner=dana");
    expect(their.items.map((i) => i.journeyId)).toEqual([theirs]);
    expect((await worklist(other.key, "team=billing")).counts.journeys).toBe(1);
  });

  it("refuses bad queries with 400 problem+json", async () => {
    const bad = async (qs: string, code = "invalid_query") =>
      expectProblem(await api("GET", `/v1/worklist${qs}`, undefined, key), 400, code);
    await bad("");
    await bad("?limit=10");
    await bad("?owner=dana&team=billing");
    await bad("?owner=");
    await bad("?owner=dana&limit=0");
    await bad("?owner=dana&limit=201");
    await bad("?owner=dana&limit=ten");
    await bad("?owner=dana&status=open");
    await bad(`?owner=${"x".repeat(500)}`);
    await bad("?owner=dana&cursor=not-a-cursor", "invalid_cursor");
    await bad(`?owner=dana&cursor=${btoa(JSON.stringify([-3]))}`, "invalid_cursor");
    const none = await api("GET", "/v1/worklist?owner=dana");
    expect(none.status).toBe(401);
    const writer = await workspace(["events:write"]);
    expectProblem(
      await api("GET", "/v1/worklist?owner=dana", undefined, writer.key),
      403,
      "insufficient_scope",
    );
  });
});

describe("the D1 columns behind the worklist", () => {
  it("reads through indexes only: no full scan of journeys, promises or events", async () => {
    for (const selector of ["owner", "team"] as const) {
      const sql = worklistSql(selector);
      for (const [name, text, args] of [
        ["page", sql.page, ["ws", "2026-01-01T00:00:00.000Z", "dana", 51, 0]],
        ["totals", sql.totals, ["ws", "2026-01-01T00:00:00.000Z", "dana"]],
      ] as const) {
        const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${text}`)
          .bind(...args)
          .all<{ detail: string }>();
        const plan = results.map((r) => r.detail);
        const scans = plan.filter((d) => /^SCAN (journeys|promises|events|e)\b(?! USING)/u.test(d));
        expect(scans, `${selector} ${name}: ${plan.join(" | ")}`).toEqual([]);
        const uses = (index: string, column: string) =>
          plan.some((d) => d.includes(`${index} (workspace_id=? AND ${column}=?)`));
        expect(uses("journeys_owner", "owner_id"), plan.join(" | ")).toBe(true);
        if (selector === "team") expect(uses("journeys_team", "owner_team")).toBe(true);
      }
    }
  });

  it("the flush keeps a promise's at_risk_at and a journey's open_exceptions, newest seq wins", async () => {
    const { ws } = await workspace();
    const at = (s: number) => `2026-03-01T10:00:${String(s).padStart(2, "0")}.000Z`;
    const record = (seq: number, atRiskAt: string | null, openExceptions?: number) =>
      ({
        event: {
          workspaceId: ws,
          journeyId: "jrn_w",
          seq,
          id: `evt_w_${seq}`,
          type: "note",
          channel: null,
          direction: "internal",
          actorKind: null,
          actorId: null,
          actorName: null,
          text: null,
          data: null,
          occurredAt: at(seq),
          recordedAt: at(seq),
        },
        journey: {
          workspaceId: ws,
          id: "jrn_w",
          customerId: null,
          status: "open",
          reasonText: null,
          reasonTopic: null,
          ownerKind: "person",
          ownerId: "dana",
          ownerName: null,
          ownerTeam: null,
          lastSeq: seq,
          contacts: 1,
          channels: "[]",
          channelSwitches: 0,
          handoffs: 0,
          repeats: 0,
          brokenPromises: 0,
          pendingPromises: 1,
          ...(openExceptions === undefined ? {} : { openExceptions }),
          createdAt: at(1),
          updatedAt: at(seq),
          resolvedAt: null,
        },
        promise: {
          workspaceId: ws,
          id: "prm_w",
          journeyId: "jrn_w",
          text: "refund",
          dueAt: "2026-03-01T12:00:00.000Z",
          madeByKind: "agent",
          madeById: "dana",
          madeByName: null,
          status: "pending",
          createdAt: at(1),
          settledAt: null,
          lastSeq: seq,
          atRiskAt,
        },
      }) satisfies OutboxRecord;
    const read = async () => ({
      p: await env.DB.prepare("SELECT at_risk_at FROM promises WHERE workspace_id = ?")
        .bind(ws)
        .first<{ at_risk_at: string | null }>(),
      j: await env.DB.prepare("SELECT open_exceptions FROM journeys WHERE workspace_id = ?")
        .bind(ws)
        .first<{ open_exceptions: number }>(),
    });
    // A record written before the column existed: the default.
    await flushToD1(env.DB, [record(1, null)]);
    expect(await read()).toEqual({ p: { at_risk_at: null }, j: { open_exceptions: 0 } });
    await flushToD1(env.DB, [record(3, at(3), 2)]);
    expect(await read()).toEqual({ p: { at_risk_at: at(3) }, j: { open_exceptions: 2 } });
    // An older record arriving late changes nothing.
    await flushToD1(env.DB, [record(2, null, 0)]);
    expect(await read()).toEqual({ p: { at_risk_at: at(3) }, j: { open_exceptions: 2 } });
  });

  it("views.ts counts the journey object's open exceptions into the D1 row", async () => {
    const { ws, key } = await workspace();
    const id = await journey(key, DANA, "payment failed twice");
    for (const text of ["first payment failed", "second payment failed"]) {
      const ex = await api(
        "POST",
        `/v1/journeys/${id}/exceptions`,
        { kind: "failed_payment", text, escalate: false },
        key,
      );
      expect(ex.status).toBe(201);
    }
    const ctx = await api("GET", `/v1/journeys/${id}`, undefined, key);
    const first = (ctx.body.exceptions as { id: string }[])[0]?.id;
    const resolved = await api(
      "POST",
      `/v1/journeys/${id}/exceptions/${first}/resolve`,
      { note: "paid by card" },
      key,
    );
    expect(resolved.status).toBe(200);
    await settle(ws, key, [id]);
    const row = await env.DB.prepare(
      "SELECT open_exceptions FROM journeys WHERE workspace_id = ? AND id = ?",
    )
      .bind(ws, id)
      .first<{ open_exceptions: number }>();
    expect(row?.open_exceptions).toBe(1);
  });
});
