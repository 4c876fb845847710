import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN, api, expectProblem, smsFrom, workspace } from "./helpers";

type Frame = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- frames are read field by field in assertions

async function startSession(ws: string, body: Record<string, unknown>) {
  const res = await SELF.fetch(`https://baton.test/chat/${ws}/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { journeyId: string; sessionToken: string; socket: string };
}

/** Opens the socket the way a browser does and collects frames. */
async function open(path: string) {
  const res = await SELF.fetch(`https://baton.test${path}`, { headers: { upgrade: "websocket" } });
  expect(res.status).toBe(101);
  const socket = res.webSocket;
  if (!socket) throw new Error("no socket");
  const frames: Frame[] = [];
  const waiters: (() => void)[] = [];
  socket.addEventListener("message", (m) => {
    frames.push(JSON.parse(String(m.data)) as Frame);
    waiters.splice(0).forEach((w) => w());
  });
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
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 50);
      });
    }
  };
  return { socket, next };
}

describe("web chat socket", () => {
  it("every event on the journey reaches the socket live, and socket messages become events", async () => {
    const { ws, key } = await workspace();
    const s = await startSession(ws, { visitorId: "visitor-sock-0001", text: "hello from chat" });
    const { socket, next } = await open(s.socket);
    const hello = await next((f) => f.type === "hello");
    expect(hello.events.map((e: Frame) => e.event?.text)).toContain("hello from chat");

    // An agent replies by SMS-less API write: the socket sees it.
    await api(
      "POST",
      "/v1/events",
      {
        journeyId: s.journeyId,
        channel: "chat",
        direction: "outbound",
        actor: { kind: "agent", id: "dana", name: "Dana" },
        text: "Hi, Dana here",
      },
      key,
    );
    const reply = await next((f) => f.type === "event" && f.event?.text === "Hi, Dana here");
    expect(reply.event.actor).toEqual({ kind: "agent", name: "Dana" });
    // Internal events show only their sequence number.
    await api(
      "POST",
      `/v1/journeys/${s.journeyId}/actions`,
      { text: "internal: refund approved", actor: { kind: "agent", id: "dana" } },
      key,
    );
    const internal = await next((f) => f.type === "event" && f.visible === false);
    expect(JSON.stringify(internal)).not.toContain("refund approved");

    socket.send(
      JSON.stringify({ type: "message", text: "thanks! card 4111 1111 1111 1111", clientId: "m1" }),
    );
    const ack = await next((f) => f.type === "ack");
    const echoed = await next((f) => f.type === "event" && f.seq === ack.seq);
    expect(echoed.event.text).toBe("thanks! card [card ••••1111]");
    // A resend with the same clientId is stored once.
    socket.send(
      JSON.stringify({ type: "message", text: "thanks! card 4111 1111 1111 1111", clientId: "m1" }),
    );
    const again = await next((f) => f.type === "ack");
    expect(again).toMatchObject({ seq: ack.seq, replayed: true });
    const ctx = await api("GET", `/v1/journeys/${s.journeyId}`, undefined, key);
    expect(
      ctx.body.history.recent.filter((e: Frame) => e.text?.startsWith("thanks!")),
    ).toHaveLength(1);
    socket.close(1000, "done");
  });

  it("socket frames are validated and bounded like HTTP input", async () => {
    const { ws, key } = await workspace();
    const s = await startSession(ws, { visitorId: "visitor-sock-0002" });
    const before = await api("GET", `/v1/journeys/${s.journeyId}`, undefined, key);
    const { socket, next } = await open(s.socket);
    await next((f) => f.type === "hello");
    socket.send("not json");
    expect(await next((f) => f.type === "error")).toMatchObject({ code: "malformed_json" });
    socket.send(JSON.stringify({ type: "message", text: "" }));
    expect(await next((f) => f.type === "error")).toMatchObject({ code: "invalid_frame" });
    socket.send(JSON.stringify({ type: "message", text: "hi", admin: true }));
    expect(await next((f) => f.type === "error")).toMatchObject({ code: "invalid_frame" });
    socket.send(JSON.stringify({ type: "ping" }));
    expect(await next((f) => f.type === "pong")).toEqual({ type: "pong" });
    const after = await api("GET", `/v1/journeys/${s.journeyId}`, undefined, key);
    expect(after.body.seq).toBe(before.body.seq);
    socket.send(JSON.stringify({ type: "message", text: "x".repeat(9000) }));
    expect(await next((f) => f.type === "error")).toMatchObject({ code: "frame_too_large" });
  });

  it("a forged, foreign or missing session token cannot open a socket", async () => {
    const a = await workspace();
    const b = await workspace();
    const s = await startSession(a.ws, { visitorId: "visitor-sock-0003" });
    const tampered = s.sessionToken.slice(0, -2) + (s.sessionToken.endsWith("AA") ? "BB" : "AA");
    for (const path of [
      `/chat/${a.ws}/socket?token=${encodeURIComponent(tampered)}`,
      `/chat/${b.ws}/socket?token=${encodeURIComponent(s.sessionToken)}`,
      `/chat/${a.ws}/socket`,
    ]) {
      const res = await SELF.fetch(`https://baton.test${path}`, {
        headers: { upgrade: "websocket" },
      });
      expect(res.status).toBe(401);
    }
    const plain = await api("GET", s.socket);
    expectProblem(plain, 426, "upgrade_required");
  });

  it("an SMS, then an email, then a web chat from the same person land in one journey", async () => {
    const { ws, key } = await workspace();
    await api(
      "PATCH",
      `/v1/admin/workspaces/${ws}/settings`,
      { chatIdentitySecret: "chat-secret-for-socket-test" },
      ADMIN,
    );
    const sms = await api(
      "POST",
      "/v1/events",
      {
        ...smsFrom("+14155550210", "my router is dead"),
        identifiers: [{ type: "phone", value: "+14155550210", verification: "verified" }],
      },
      key,
    );
    // The CRM knows the phone and the email belong together (asserted).
    const email = await api(
      "POST",
      "/v1/events",
      {
        identifiers: [
          { type: "email", value: "lou@example.com" },
          { type: "phone", value: "+14155550210" },
        ],
        channel: "email",
        direction: "inbound",
        actor: { kind: "customer" },
        text: "still dead",
      },
      key,
    );
    expect(email.body.journeyId).toBe(sms.body.journeyId);
    // The site's JWT says the logged-in user is lou@example.com.
    const enc = new TextEncoder();
    const b64 = (b: Uint8Array) =>
      btoa(String.fromCharCode(...b))
        .replace(/\+/g, "-")
        .replace(/\//g, "_")
        .replace(/=+$/, "");
    const head = b64(enc.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));
    const payload = b64(
      enc.encode(
        JSON.stringify({
          sub: "lou",
          email: "lou@example.com",
          exp: Math.floor(Date.now() / 1000) + 600,
        }),
      ),
    );
    const k = await crypto.subtle.importKey(
      "raw",
      enc.encode("chat-secret-for-socket-test"),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const sig = b64(
      new Uint8Array(await crypto.subtle.sign("HMAC", k, enc.encode(`${head}.${payload}`))),
    );
    const chat = await startSession(ws, {
      visitorId: "visitor-lou-0001",
      token: `${head}.${payload}.${sig}`,
      text: "chatting now",
    });
    expect(chat.journeyId).toBe(sms.body.journeyId);
    const ctx = await api("GET", `/v1/journeys/${sms.body.journeyId}`, undefined, key);
    expect(ctx.body.effort.channels).toEqual(["sms", "email", "chat"]);
  });

  it("the embeddable widget script is served", async () => {
    const res = await SELF.fetch("https://baton.test/chat/widget.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("javascript");
    const js = await res.text();
    expect(js).toContain("/sessions");
    expect(js).not.toContain("innerHTML");
  });
});
