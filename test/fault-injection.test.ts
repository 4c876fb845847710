import { env, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import wranglerToml from "../wrangler.toml?raw";
import { faultPlanStub } from "../workers/relay/src/faults";
import type { IdentityObject } from "../workers/relay/src/objects/identity/object";
import { arm, faultWorkspace, journeysOf, pointsPassed, stored } from "./fault-injection-helpers";
import { api, workspace } from "./helpers";

type Frame = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- frames are read field by field

describe("the fault switch", () => {
  it("is never set by wrangler.toml: only the test config turns it on", () => {
    expect(wranglerToml).not.toMatch(/FAULT_INJECTION/);
    expect(env.FAULT_INJECTION).toBe("fault-");
  });

  it("a workspace outside the prefix never consults its fault plan, even with faults armed", async () => {
    const { ws, key } = await workspace();
    const plan = faultPlanStub(env, ws);
    await runInDurableObject(plan, (_o: IdentityObject, state) => {
      state.storage.sql.exec(
        "CREATE TABLE IF NOT EXISTS fault_plan (point TEXT NOT NULL, mode TEXT NOT NULL, remaining INTEGER NOT NULL)",
      );
      state.storage.sql.exec("INSERT INTO fault_plan VALUES ('journey.ingest', 'before', 5)");
    });
    const res = await api("POST", "/v1/events", sms("+14155550601", "hello"), key);
    expect(res.status).toBe(201);
    const untouched = await runInDurableObject(plan, (o: IdentityObject, state) => ({
      answer: o.takeFault(ws, "journey.ingest"),
      remaining: state.storage.sql
        .exec<{ n: number }>("SELECT sum(remaining) AS n FROM fault_plan")
        .one().n,
      logged: state.storage.sql
        .exec<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE name = 'fault_log'")
        .one().n,
    }));
    expect(untouched).toEqual({ answer: null, remaining: 5, logged: 0 });
  });

  it("an armed fault fires once at its point and is answered as a 503 that stores nothing", async () => {
    const { ws, key } = await faultWorkspace();
    await arm(ws, "customer.resolve", "before");
    const first = await api("POST", "/v1/events", sms("+14155550602", "hello"), key);
    expect(first.status).toBe(503);
    expect(JSON.stringify(first.body)).not.toMatch(/injected|faults\.ts/);
    const second = await api("POST", "/v1/events", sms("+14155550602", "hello again"), key);
    expect(second.status).toBe(201);
    const passed = await pointsPassed(ws);
    expect(passed.filter((p) => p.mode !== null)).toEqual([
      { point: "customer.resolve", mode: "before" },
    ]);
    expect(await stored(ws, await journeysOf(ws, "phone:+14155550602"))).toEqual({
      inJourneys: 1,
      inD1: 1,
    });
  });
});

describe("requests that carry no idempotency key are at least once", () => {
  it("POST /v1/events without a key, retried after a lost answer, is stored twice", async () => {
    const { ws, key } = await faultWorkspace();
    await arm(ws, "journey.ingest", "after");
    const body = sms("+14155550603", "no key");
    expect((await api("POST", "/v1/events", body, key)).status).toBe(503);
    expect((await api("POST", "/v1/events", body, key)).status).toBe(201);
    expect(await stored(ws, await journeysOf(ws, "phone:+14155550603"))).toEqual({
      inJourneys: 2,
      inD1: 2,
    });
  });

  it("newJourney with an Idempotency-Key, retried after a lost answer, stays one event", async () => {
    const { ws, key } = await faultWorkspace();
    await arm(ws, "journey.ingest", "after");
    const body = { ...sms("+14155550604", "start over"), newJourney: true };
    const headers = { "idempotency-key": "new-1" };
    expect((await api("POST", "/v1/events", body, key, headers)).status).toBe(503);
    const retry = await api("POST", "/v1/events", body, key, headers);
    expect(retry.status).toBe(200);
    expect(retry.body.replayed).toBe(true);
    const journeys = await journeysOf(ws, "phone:+14155550604");
    expect(await stored(ws, journeys)).toEqual({ inJourneys: 1, inD1: 1 });
  });
});

describe("web chat socket messages", () => {
  for (const mode of ["before", "store", "after"] as const) {
    it(`a message whose write fails (${mode}) and is resent with its clientId is stored once`, async () => {
      const { ws } = await faultWorkspace();
      const session = await SELF.fetch(`https://baton.test/chat/${ws}/sessions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ visitorId: `visitor-${mode}-0001` }),
      });
      expect(session.status).toBe(201);
      const s = (await session.json()) as { journeyId: string; socket: string };
      await arm(ws, "journey.message", mode);
      const frame = JSON.stringify({ type: "message", text: "is anyone there?", clientId: "m-1" });
      let sock = await open(s.socket);
      await sock.next((f) => f.type === "hello");
      sock.socket.send(frame);
      // The first attempt is never acknowledged: the write failed, or its ack was lost.
      expect(await sock.next((f) => f.type === "ack", 600).catch(() => null)).toBeNull();
      if (mode === "before" || mode === "store") {
        // The object threw in webSocketMessage; the widget reconnects and resends.
        sock.socket.close(1000, "reconnect");
        sock = await open(s.socket);
        await sock.next((f) => f.type === "hello");
      }
      sock.socket.send(frame);
      const ack = await sock.next((f) => f.type === "ack");
      expect(ack.replayed ?? false).toBe(mode === "after");
      sock.socket.close(1000, "done");
      const injected = (await pointsPassed(ws)).filter((p) => p.mode !== null);
      expect(injected).toEqual([{ point: "journey.message", mode }]);
      // The session start and the message: two events, each stored once.
      expect(await stored(ws, [s.journeyId])).toEqual({ inJourneys: 2, inD1: 2 });
    });
  }
});

function sms(phone: string, text: string) {
  return {
    identifiers: [{ type: "phone", value: phone }],
    channel: "sms",
    direction: "inbound",
    actor: { kind: "customer" },
    text,
  };
}

/** Opens the socket the way a browser does and collects frames. */
async function open(path: string) {
  const res = await SELF.fetch(`https://baton.test${path}`, { headers: { upgrade: "websocket" } });
  expect(res.status).toBe(101);
  const socket = res.webSocket;
  if (!socket) throw new Error("no socket");
  const frames: Frame[] = [];
  socket.addEventListener("message", (m) => frames.push(JSON.parse(String(m.data)) as Frame));
  socket.accept();
  const next = async (pred: (f: Frame) => boolean, ms = 3000): Promise<Frame> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = frames.find(pred);
      if (hit) {
        frames.splice(frames.indexOf(hit), 1);
        return hit;
      }
      if (Date.now() > deadline)
        throw new Error(`no frame matched; have ${JSON.stringify(frames)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return { socket, next };
}
