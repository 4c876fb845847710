import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { JOURNEY_MIGRATIONS } from "../workers/relay/src/objects/journey/schema";
import { api, smsFrom, workspace } from "./helpers";

/** Puts a journey object's tables back to the v5 layout (before the promise ledger). */
function undoV6(sql: SqlStorage): void {
  undoV7(sql);
  sql.exec("DROP INDEX promises_open");
  for (const c of ["verify_by", "channel", "replaces", "replaced_by", "auto_break"])
    sql.exec(`ALTER TABLE promises DROP COLUMN ${c}`);
  for (const t of ["promise_history", "exceptions", "hook_outbox", "hook_state"])
    sql.exec(`DROP TABLE ${t}`);
}

/** Takes away the v7 continuity tables (predecessors, touches), and v8 with them. */
function undoV7(sql: SqlStorage): void {
  undoV8(sql);
  for (const t of ["predecessors", "touches"]) sql.exec(`DROP TABLE ${t}`);
}

/** Takes away the v8 outreach table and the promise columns it added, and v9 with them. */
function undoV8(sql: SqlStorage): void {
  undoV9(sql);
  sql.exec("DROP TABLE outreach");
  for (const c of ["at_risk_at", "nudge_leads", "nudge_at"])
    sql.exec(`ALTER TABLE promises DROP COLUMN ${c}`);
}

/** Takes away the v9 thread_refs table (erasure). */
function undoV9(sql: SqlStorage): void {
  sql.exec("DROP TABLE thread_refs");
}

describe("journey object schema migrations", () => {
  it("an object stored under schema v1 is migrated in its constructor and keeps its rows", async () => {
    const { ws, key } = await workspace();
    const first = await api(
      "POST",
      "/v1/events",
      smsFrom("+14155550110", "card 4111 1111 1111 1111 was charged twice"),
      key,
    );
    const id = first.body.journeyId as string;
    await api("PUT", `/v1/journeys/${id}/owner`, { id: "dana", name: "Dana Reyes" }, key);
    const stub = env.JOURNEY.get(env.JOURNEY.idFromName(`${ws}/${id}`));

    // Put the object back to the v1 layout, as an object created before v2 shipped would be.
    await runInDurableObject(stub, (_o, state) => {
      const sql = state.storage.sql;
      sql.exec("ALTER TABLE events DROP COLUMN redactions");
      sql.exec("ALTER TABLE journey DROP COLUMN card_seq");
      sql.exec("DROP TABLE outbox_dead");
      sql.exec("ALTER TABLE journey DROP COLUMN flags");
      // v6
      undoV6(sql);
      sql.exec("UPDATE _schema SET version = 1, step = NULL");
      const cols = sql
        .exec<{ name: string }>("SELECT name FROM pragma_table_info('events')")
        .toArray();
      expect(cols.map((c) => c.name)).not.toContain("redactions");
    });
    await evictDurableObject(stub);

    // The next request constructs the object again, which runs the v2 step.
    const after = await api("GET", `/v1/journeys/${id}`, undefined, key);
    expect(after.status).toBe(200);
    expect(after.body.history.total).toBe(2);
    expect(after.body.owner).toMatchObject({ id: "dana" });
    expect(after.body.history.recent[0].text).toBe("card [card ••••1111] was charged twice");
    await runInDurableObject(stub, (_o, state) => {
      const sql = state.storage.sql;
      expect(sql.exec<{ version: number }>("SELECT version FROM _schema").one().version).toBe(
        JOURNEY_MIGRATIONS.length,
      );
      const rows = sql
        .exec<{ seq: number; redactions: number }>(
          "SELECT seq, redactions FROM events ORDER BY seq",
        )
        .toArray();
      expect(rows).toEqual([
        { seq: 1, redactions: 0 },
        { seq: 2, redactions: 0 },
      ]);
    });
    // And it keeps working: new writes use the new column.
    const next = await api(
      "POST",
      "/v1/events",
      {
        journeyId: id,
        channel: "sms",
        direction: "inbound",
        actor: { kind: "customer" },
        text: "new card 5500 0000 0000 0004",
      },
      key,
    );
    expect(next.status).toBe(201);
    await runInDurableObject(stub, (_o, state) => {
      const row = state.storage.sql
        .exec<{ redactions: number; text: string }>(
          "SELECT redactions, text FROM events WHERE seq = 3",
        )
        .one();
      expect(row).toEqual({ redactions: 1, text: "new card [card ••••0004]" });
    });
  });

  it("v6 gives promises made before the ledger a verify-by time and a history, and keeps them open", async () => {
    const { ws, key } = await workspace();
    const first = await api("POST", "/v1/events", smsFrom("+14155550111", "refund?"), key);
    const id = first.body.journeyId as string;
    const madeBy = { kind: "agent", id: "dana" };
    const a = await api(
      "POST",
      `/v1/journeys/${id}/promises`,
      { text: "refund", dueAt: "2099-01-01T10:00:00Z", madeBy },
      key,
    );
    const b = await api(
      "POST",
      `/v1/journeys/${id}/promises`,
      { text: "call back", dueAt: "2099-01-02T10:00:00Z", madeBy },
      key,
    );
    await api("PATCH", `/v1/journeys/${id}/promises/${b.body.id}`, { status: "kept" }, key);
    const stub = env.JOURNEY.get(env.JOURNEY.idFromName(`${ws}/${id}`));
    await runInDurableObject(stub, (_o, state) => {
      const sql = state.storage.sql;
      undoV6(sql);
      sql.exec("UPDATE _schema SET version = 5, step = 'journey_flags'");
    });
    await evictDurableObject(stub);
    const after = await api("GET", `/v1/journeys/${id}/promises`, undefined, key);
    expect(after.status).toBe(200);
    const byId = new Map(
      (after.body.items as { id: string }[]).map((p) => [p.id, p as Record<string, unknown>]),
    );
    expect(byId.get(a.body.id)).toMatchObject({
      status: "pending",
      verifyBy: "2099-01-01T11:00:00.000Z",
      history: [{ from: null, to: "pending" }],
    });
    expect(byId.get(b.body.id)).toMatchObject({
      status: "kept",
      history: [
        { from: null, to: "pending" },
        { from: "pending", to: "kept" },
      ],
    });
    // The ledger works on the migrated object: renegotiate the open one.
    const moved = await api(
      "POST",
      `/v1/journeys/${id}/promises/${a.body.id}/renegotiate`,
      { dueAt: "2099-02-01T10:00:00Z" },
      key,
    );
    expect(moved.status).toBe(201);
  });
});
