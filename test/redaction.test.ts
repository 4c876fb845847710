import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, flushJourney, smsFrom, workspace } from "./helpers";

const CARD = "4111 1111 1111 1111";
const RAW = /4111[ -]?1111[ -]?1111[ -]?1111/;

describe("card numbers are redacted before the first durable write", () => {
  it("on every path that stores caller text: event, reason, facts, last action, promises, constraints, notes", async () => {
    const { ws, key } = await workspace();
    const first = await api(
      "POST",
      "/v1/events",
      smsFrom("+14155550140", `charge on ${CARD} twice`, { facts: { card: CARD } }),
      key,
    );
    const id = first.body.journeyId as string;
    const writes = [
      await api(
        "POST",
        "/v1/events",
        {
          journeyId: id,
          channel: "sms",
          direction: "outbound",
          actor: { kind: "agent", id: "dana" },
          text: `refunding ${CARD}`,
        },
        key,
      ),
      await api(
        "POST",
        `/v1/journeys/${id}/promises`,
        {
          text: `refund to ${CARD}`,
          dueAt: "2099-03-01T00:00:00Z",
          madeBy: { kind: "agent", id: "dana" },
        },
        key,
      ),
      await api(
        "POST",
        `/v1/journeys/${id}/constraints`,
        { text: `never charge ${CARD} again` },
        key,
      ),
      await api(
        "POST",
        `/v1/journeys/${id}/actions`,
        { text: `voided ${CARD}`, actor: { kind: "agent", id: "dana" } },
        key,
      ),
      await api(
        "PUT",
        `/v1/journeys/${id}/status`,
        { status: "waiting_on_customer", note: `asked about ${CARD}` },
        key,
      ),
      await api(
        "PATCH",
        `/v1/journeys/${id}`,
        { reason: { text: `double charge on ${CARD}` } },
        key,
      ),
    ];
    const promiseId = writes[1]?.body.id as string;
    writes.push(
      await api(
        "PATCH",
        `/v1/journeys/${id}/promises/${promiseId}`,
        { status: "kept", note: `paid back to ${CARD}` },
        key,
      ),
    );
    for (const w of [first, ...writes]) {
      expect(w.status).toBeLessThan(300);
      expect(JSON.stringify(w.body)).not.toMatch(RAW);
    }
    const ctx = await api("GET", `/v1/journeys/${id}`, undefined, key);
    const events = await api("GET", `/v1/journeys/${id}/events?limit=500`, undefined, key);
    expect(JSON.stringify(ctx.body)).toContain("[card ••••1111]");
    expect(JSON.stringify(ctx.body)).not.toMatch(RAW);
    expect(JSON.stringify(events.body)).not.toMatch(RAW);

    // Object storage: every table of the journey object.
    const stub = env.JOURNEY.get(env.JOURNEY.idFromName(`${ws}/${id}`));
    const { runInDurableObject } = await import("cloudflare:test");
    const dump = await runInDurableObject(stub, (_o, state) => {
      const tables = state.storage.sql
        .exec<{ name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'",
        )
        .toArray();
      return tables
        .map((t) => JSON.stringify(state.storage.sql.exec(`SELECT * FROM "${t.name}"`).toArray()))
        .join("\n");
    });
    expect(dump).toContain("••••1111");
    expect(dump).not.toMatch(RAW);

    // D1: every history table.
    await flushJourney(ws, id);
    for (const table of ["events", "journeys", "promises", "owners"]) {
      const rows = await env.DB.prepare(`SELECT * FROM ${table} WHERE workspace_id = ?`)
        .bind(ws)
        .all();
      expect(JSON.stringify(rows.results)).not.toMatch(RAW);
    }
  });
});

describe("workspace redaction patterns", () => {
  it("are applied before anything is stored, on events, sub-resources and chat sessions, but not identifiers", async () => {
    const { ws, key } = await workspace();
    const { ADMIN } = await import("./helpers");
    const set = await api(
      "PATCH",
      `/v1/admin/workspaces/${ws}/settings`,
      { redaction: { patterns: [{ name: "ssn", pattern: "\\b\\d{3}-\\d{2}-\\d{4}\\b" }] } },
      ADMIN,
    );
    expect(set.status).toBe(200);
    const bad = await api(
      "PATCH",
      `/v1/admin/workspaces/${ws}/settings`,
      { redaction: { patterns: [{ name: "oops", pattern: "(" }] } },
      ADMIN,
    );
    expect(bad.status).toBe(422);
    const a = await api(
      "POST",
      "/v1/events",
      smsFrom("+14155550141", "my ssn is 123-45-6789", { facts: { ssn: "123-45-6789" } }),
      key,
    );
    expect(a.status).toBe(201);
    const id = a.body.journeyId as string;
    await api(
      "POST",
      `/v1/journeys/${id}/actions`,
      { text: "checked 123-45-6789", actor: { kind: "agent", id: "dana" } },
      key,
    );
    const session = await api("POST", `/chat/${ws}/sessions`, {
      visitorId: "visitor-ssn-0001",
      text: "ssn 123-45-6789",
    });
    expect(session.status).toBe(201);
    const ctx = await api("GET", `/v1/journeys/${id}`, undefined, key);
    const all = JSON.stringify(ctx.body) + JSON.stringify(session.body);
    expect(all).not.toContain("123-45-6789");
    expect(ctx.body.reason.text).toBe("my ssn is [ssn]");
    expect(ctx.body.lastAction.text).toBe("checked [ssn]");
    // Identifiers route, so they are never rewritten.
    expect(ctx.body.customerId).toBe(a.body.customerId);
  });
});
