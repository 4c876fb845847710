#!/usr/bin/env node
// `./baton demo`: seeds the development workspace of a running `./baton dev` with four
// messy-middle journeys, sent through the real provider endpoints (signed Twilio SMS and
// voice webhooks, a Postmark inbound email, a web chat session and its socket) and the
// journey API (owners, handoffs, promises, constraints, actions), then prints the console's
// address. Running it again stores nothing twice: provider ids (MessageSid, CallSid,
// Message-ID, chat clientId) and every API write's Idempotency-Key are stable, and the times
// it sends are counted from each journey's creation, so a rerun sends identical requests.
//
// Environment: BATON_URL (default http://127.0.0.1:8787), BATON_KEY (default the key
// scripts/dev.mjs creates), BATON_WORKSPACE (default "dev"). It sets the workspace's Twilio
// auth token and Postmark inbound credentials to demo values (DEMO_TWILIO_AUTH_TOKEN,
// DEMO_POSTMARK_PASSWORD override them) so that it can sign as those providers.
/* global WebSocket */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { pathToFileURL } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { callApi, postTwilio } from "./lib/relay-requests.mjs";

export const DEV_KEY = "bk_dev.devkey000001.devsecret0000000000000000000000000000000";
export const DEMO_TWILIO_AUTH_TOKEN =
  process.env.DEMO_TWILIO_AUTH_TOKEN ?? "demo-twilio-auth-token";
export const DEMO_POSTMARK = {
  username: "postmark",
  password: process.env.DEMO_POSTMARK_PASSWORD ?? "demo-postmark-inbound-secret",
};
/** The company's SMS and voice number (555-01xx numbers are reserved for fiction). */
export const COMPANY_NUMBER = "+18005550199";
const HOUR = 3600e3;
const DAY = 24 * HOUR;

/** A stable provider id: `prefix` + 32 hex digits derived from `name` (Twilio SIDs are 34 long). */
export function sid(prefix, name) {
  return prefix + createHash("sha256").update(name).digest("hex").slice(0, 32);
}

/**
 * A client of one relay and workspace: the API with the key, and the provider webhooks signed
 * as the providers sign them (Twilio with the auth token, Postmark with Basic credentials).
 */
export function relayClient({
  base,
  key,
  workspace = "dev",
  twilioToken = DEMO_TWILIO_AUTH_TOKEN,
  postmark = DEMO_POSTMARK,
}) {
  let publicBase = base;
  const api = (method, path, body, headers) => callApi(base, key, method, path, body, headers);
  /** Like api(), but a status outside 2xx throws with the problem it answered. */
  async function must(method, path, body, headers) {
    const res = await api(method, path, body, headers);
    if (res.status >= 300) {
      throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
    return res.body;
  }
  /** Gives the workspace the demo's provider secrets (other settings are left as they are). */
  async function configureProviders() {
    const current = await must("GET", "/v1/settings");
    const twilio = current.providers?.twilio;
    publicBase = current.publicBaseUrl ?? base;
    const patch = {
      providers: {
        twilio: {
          ...(twilio && typeof twilio === "object" ? withoutSecrets(twilio) : {}),
          authToken: twilioToken,
        },
        postmark,
      },
    };
    await must("PATCH", "/v1/settings", patch);
  }
  /** A signed Twilio webhook (`sms`, `voice`, `voice-status`, `status`); answers the journey id. */
  async function twilio(path, fields) {
    const res = await postTwilio({ base, publicBase, workspace, token: twilioToken, path, fields });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`twilio/${path} answered ${res.status}: ${text}`);
    return res.headers.get("x-baton-journey-id");
  }
  /** An inbound SMS from `from` to the company number; answers the journey id. */
  function sms(from, body, name) {
    return twilio("sms", {
      MessageSid: sid("SM", name),
      AccountSid: sid("AC", "demo-account"),
      From: from,
      To: COMPANY_NUMBER,
      Body: body,
      NumMedia: "0",
    });
  }
  /** An inbound call from `from`: started, then completed after `seconds`; answers the journey. */
  async function call(from, name, seconds) {
    const fields = {
      CallSid: sid("CA", name),
      AccountSid: sid("AC", "demo-account"),
      From: from,
      To: COMPANY_NUMBER,
      Direction: "inbound",
    };
    const journey = await twilio("voice", { ...fields, CallStatus: "ringing" });
    await twilio("voice-status", {
      ...fields,
      CallStatus: "completed",
      CallDuration: String(seconds),
    });
    return journey;
  }
  /** A Postmark inbound webhook (HTTP Basic); the Message-ID makes a redelivery a replay. */
  async function email({ from, name, subject, text, messageId }) {
    const res = await fetch(`${base}/hooks/${workspace}/postmark`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Basic ${Buffer.from(`${postmark.username}:${postmark.password}`).toString("base64")}`,
      },
      body: JSON.stringify({
        FromFull: { Email: from, Name: name },
        ToFull: [{ Email: "help@support.example.com", Name: "Support" }],
        Subject: subject,
        TextBody: text,
        MessageID: messageId.replace(/[<>@.]/g, ""),
        Headers: [{ Name: "Message-ID", Value: messageId }],
      }),
    });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`postmark answered ${res.status}: ${body}`);
    return JSON.parse(body || "{}").journeyId ?? null;
  }
  /**
   * A web chat: the session starts with the first message (its clientId makes a retry a replay),
   * then each further message goes over the socket with its own clientId.
   */
  async function chat({ visitorId, name, messages }) {
    const [first, ...rest] = messages;
    const res = await fetch(`${base}/chat/${workspace}/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ visitorId, name, text: first.text, clientId: first.clientId }),
    });
    const session = await res.json();
    if (res.status !== 201) throw new Error(`chat session answered ${res.status}`);
    if (rest.length > 0) {
      const socket = new WebSocket(`${base.replace(/^http/, "ws")}${session.socket}`);
      await new Promise((resolve, reject) => {
        const pending = new Set(rest.map((m) => m.clientId));
        const timer = setTimeout(() => reject(new Error("chat socket: no ack in 15 s")), 15_000);
        socket.addEventListener("error", () => reject(new Error("chat socket failed")));
        socket.addEventListener("message", (e) => {
          const frame = JSON.parse(String(e.data));
          if (frame.type === "hello") {
            for (const m of rest) {
              socket.send(JSON.stringify({ type: "message", text: m.text, clientId: m.clientId }));
            }
          } else if (frame.type === "ack") {
            pending.delete(frame.clientId);
            if (pending.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          } else if (frame.type === "error") {
            reject(new Error(`chat socket: ${frame.code} ${frame.detail ?? ""}`));
          }
        });
      });
      socket.close();
    }
    return session.journeyId;
  }
  /** A journey write with a stable Idempotency-Key (`demo:<key>`): a rerun replays it. */
  function write(method, path, body, idemKey) {
    return must(method, path, body, { "idempotency-key": `demo:${idemKey}` });
  }
  return { api, must, configureProviders, twilio, sms, call, email, chat, write, base, workspace };
}

/** Settings reads show secrets as "(set)": never send those back. */
function withoutSecrets(obj) {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== "(set)"));
}

const agent = (id, name, team) => ({ kind: "agent", id, name, team });
/**
 * A console person as an owner: the console's owner id for a signed-in person is their email
 * (what the screen pop's "take ownership" sets and the worklist lists). The demo gives two
 * journeys to the local sign-in form's default person, so their worklist is not empty.
 */
export const consoleOwner = (email, name, team = "billing") => agent(email, name, team);

/**
 * Seeds the four demo journeys; answers `{ name: journeyId }`. Times are counted from each
 * journey's `createdAt`, so a second run sends the same bodies and every write replays.
 */
export async function seedDemo(
  client,
  { owner = consoleOwner("agent@example.com", "Dev Agent") } = {},
) {
  const { must, write } = client;
  await client.configureProviders();
  const anchorOf = async (id) => Date.parse((await must("GET", `/v1/journeys/${id}`)).createdAt);
  const at = (anchor, ms) => new Date(anchor + ms).toISOString();
  const journeys = {};

  // 1. A late payment with a broken promise: the fee was to be removed two days ago.
  {
    const phone = "+14155550142";
    const id = await client.sms(
      phone,
      "My autopay failed because the bank changed my card, and now there is a $15 late fee. I paid the bill by phone today.",
      "late-payment-1",
    );
    const t = await anchorOf(id);
    const j = `/v1/journeys/${id}`;
    await write(
      "PATCH",
      j,
      {
        reason: { topic: "billing.late_fee", text: "late fee after a failed autopay" },
        facts: { invoice: "INV-20931", paid_by_phone: true },
      },
      "late-1-context",
    );
    await write("PUT", `${j}/owner`, { ...owner, kind: "person", actor: owner }, "late-1-owner");
    await write(
      "POST",
      `${j}/promises`,
      {
        text: "remove the $15 late fee within 2 days",
        madeAt: at(t, -4 * DAY),
        dueAt: at(t, -2 * DAY),
        verifyBy: at(t, -1 * DAY),
        madeBy: owner,
        channel: "voice",
      },
      "late-1-promise",
    );
    await write(
      "POST",
      `${j}/actions`,
      { text: "asked payments to reverse the late fee", actor: owner },
      "late-1-action",
    );
    await write(
      "POST",
      `${j}/constraints`,
      { text: "SMS only: customer works night shifts", kind: "channel_only", channel: "sms" },
      "late-1-constraint",
    );
    await client.sms(
      phone,
      "It has been two days and the late fee is still on my account. You promised it would be gone.",
      "late-payment-2",
    );
    journeys.latePayment = id;
  }

  // 2. A missed technician visit: the visit is overdue, an exception, a new visit promised.
  {
    const phone = "+14155550177";
    const id = await client.call(phone, "missed-visit-call-1", 312);
    const t = await anchorOf(id);
    const j = `/v1/journeys/${id}`;
    const sam = agent("sam", "Sam Okafor", "field-ops");
    await write(
      "PATCH",
      j,
      { reason: { topic: "field.visit_missed", text: "technician visit missed" } },
      "visit-1-context",
    );
    await write("PUT", `${j}/owner`, { ...sam, kind: "person", actor: sam }, "visit-1-owner");
    const first = await write(
      "POST",
      `${j}/promises`,
      {
        text: "technician visit between 9 and 12",
        madeAt: at(t, -3 * DAY),
        dueAt: at(t, -2 * HOUR),
        verifyBy: at(t, 30 * DAY),
        madeBy: sam,
      },
      "visit-1-promise",
    );
    await client.sms(
      phone,
      "The technician never came. I took the morning off work for this.",
      "missed-visit-sms-1",
    );
    await write(
      "POST",
      `${j}/exceptions`,
      {
        kind: "moved_appointment",
        text: "technician did not arrive in the 9–12 window",
        guidance: "apologise, offer the first slot and a service credit",
        actor: sam,
        escalate: false,
      },
      "visit-1-exception",
    );
    await write(
      "PATCH",
      `${j}/promises/${first.id}`,
      { status: "broken", note: "the technician was sent to another job", actor: sam },
      "visit-1-broken",
    );
    await write(
      "POST",
      `${j}/promises`,
      {
        text: "new visit Thursday 8–10, first slot of the day",
        madeAt: at(t, 0),
        dueAt: at(t, 2 * DAY),
        madeBy: sam,
        channel: "sms",
      },
      "visit-1-promise-2",
    );
    await write(
      "POST",
      `${j}/constraints`,
      {
        text: "call only after 17:00",
        kind: "contact_window",
        window: { from: "17:00", to: "21:00", timeZone: "America/New_York" },
      },
      "visit-1-constraint",
    );
    journeys.missedVisit = id;
  }

  // 3. A channel switch: SMS, then a call, then an email from the same customer.
  {
    const phone = "+14155550163";
    const address = "lou.martin@example.com";
    const id = await client.sms(
      phone,
      "My internet drops every evening around 8pm since Monday.",
      "switch-sms-1",
    );
    const t = await anchorOf(id);
    const j = `/v1/journeys/${id}`;
    const journey = await must("GET", j);
    await client.call(phone, "switch-call-1", 540);
    await write(
      "POST",
      `/v1/customers/${journey.customerId}/identifiers`,
      { identifier: { type: "email", value: address }, verification: "asserted" },
      "switch-1-email",
    );
    const priya = agent("priya", "Priya Natarajan", "support");
    await write("PUT", `${j}/owner`, { ...priya, kind: "person", actor: priya }, "switch-1-owner");
    // Priya hands the journey to the billing desk (the signed-in person) with the packet.
    await write(
      "PUT",
      `${j}/owner`,
      {
        ...owner,
        kind: "person",
        actor: priya,
        handoff: {
          reason: "a credit for the evening outages is due",
          summary:
            "Line test booked; the customer asked for a credit for three evenings without internet.",
        },
      },
      "switch-1-handoff",
    );
    await write(
      "PATCH",
      j,
      {
        reason: { topic: "network.intermittent", text: "internet drops every evening" },
        facts: { router_model: "HX-220", drop_time: "around 20:00" },
      },
      "switch-1-context",
    );
    await write(
      "POST",
      `${j}/promises`,
      {
        text: "line test results by email tomorrow",
        madeAt: at(t, 0),
        dueAt: at(t, DAY),
        madeBy: priya,
        channel: "email",
      },
      "switch-1-promise",
    );
    await client.email({
      from: address,
      name: "Lou Martin",
      subject: "Router log as asked on the phone",
      text: "Hi, as the agent asked on the phone, here is what the router log says: PPP link down at 20:02, 20:41 and 21:15 yesterday.",
      messageId: "<demo-switch-email-1@mail.example.com>",
    });
    await write(
      "POST",
      `${j}/actions`,
      { text: "scheduled a line test for tonight", actor: priya },
      "switch-1-action",
    );
    journeys.channelSwitch = id;
  }

  // 4. A ping-pong between teams: billing and retention hand the chat back and forth.
  {
    const id = await client.chat({
      visitorId: "demo-visitor-pingpong-0001",
      name: "Rosa Diaz",
      messages: [
        { text: "I was charged for a plan I cancelled in October.", clientId: "demo-pp-1" },
      ],
    });
    const j = `/v1/journeys/${id}`;
    const billing = { kind: "team", id: "billing", name: "Billing", team: "billing" };
    const retention = { kind: "team", id: "retention", name: "Retention", team: "retention" };
    await write(
      "PATCH",
      j,
      { reason: { topic: "billing.cancelled_plan_charged" } },
      "pingpong-1-context",
    );
    const bot = { kind: "bot", id: "chat-assistant", name: "Chat assistant" };
    const mo = agent("mo", "Mo Haddad", "billing");
    const rio = agent("rio", "Rio Tanaka", "retention");
    // [new owner, who hands it over, why, the packet's summary]
    const hops = [
      [billing, bot, "charge after cancellation", "Customer says a cancelled plan was charged."],
      [
        retention,
        mo,
        "retention must close the plan first",
        "Plan still active in the retention tool.",
      ],
      [
        billing,
        rio,
        "plan closed, refund needed",
        "Retention says the plan is closed; billing to refund.",
      ],
      [
        retention,
        mo,
        "refund blocked: plan shows active again",
        "Billing sees the plan active again.",
      ],
    ];
    for (const [i, [to, actor, reason, summary]] of hops.entries()) {
      await write(
        "PUT",
        `${j}/owner`,
        { ...to, actor, handoff: { reason, summary } },
        `pingpong-1-hop-${i}`,
      );
    }
    await client.chat({
      visitorId: "demo-visitor-pingpong-0001",
      name: "Rosa Diaz",
      messages: [
        { text: "I was charged for a plan I cancelled in October.", clientId: "demo-pp-1" },
        {
          text: "This is the third time I explain it: I cancelled in October and have the confirmation email.",
          clientId: "demo-pp-2",
        },
      ],
    });
    // The agent notes that the customer had to explain it again (counted as a repeat).
    await must("POST", "/v1/events", {
      journeyId: id,
      type: "note",
      channel: "chat",
      direction: "internal",
      actor: { kind: "agent", id: "rio", name: "Rio Tanaka", team: "retention" },
      text: "customer explained the October cancellation for the third time",
      repeated: true,
      idempotencyKey: "demo:pingpong-1-repeat",
    });
    journeys.pingPong = id;
  }

  return journeys;
}

/** Waits until D1 history lists every seeded journey (search and the worklist read it). */
export async function waitForHistory(client, ids, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await client.api("GET", "/v1/journeys?limit=100");
    const listed = new Set((res.body.items ?? []).map((j) => j.id));
    if (ids.every((id) => listed.has(id))) return true;
    if (Date.now() > deadline) return false;
    await sleep(250);
  }
}

async function main() {
  const base = (process.env.BATON_URL ?? "http://127.0.0.1:8787").replace(/\/$/, "");
  const key = process.env.BATON_KEY ?? DEV_KEY;
  const workspace = process.env.BATON_WORKSPACE ?? "dev";
  try {
    await fetch(`${base}/`);
  } catch {
    console.error(`baton demo: no relay answers at ${base}. Start it first with ./baton dev.`);
    process.exit(1);
  }
  const client = relayClient({ base, key, workspace });
  const journeys = await seedDemo(client);
  await waitForHistory(client, Object.values(journeys));
  console.log(`Seeded ${Object.keys(journeys).length} demo journeys in workspace "${workspace}":`);
  for (const [name, id] of Object.entries(journeys)) console.log(`  ${name.padEnd(14)} ${id}`);
  console.log(`
Open the console: ${base}/console
  Sign in with the form's defaults (agent@example.com): your worklist has the late payment
  and the channel switch; the missed visit is Sam's, the ping-pong the billing and retention
  teams'. The screen pop of the late payment, as an agent desktop opens it:
  ${base}/console/pop?journey=${journeys.latePayment}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error) => {
    console.error(`baton demo: ${error.message}`);
    process.exit(1);
  });
}
