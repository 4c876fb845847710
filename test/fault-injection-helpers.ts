import { env, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { expect } from "vitest";
import worker from "../workers/relay/src/index";
import { armFault, faultLog, faultPlanStub, type FaultMode } from "../workers/relay/src/faults";
import type { IdentityObject } from "../workers/relay/src/objects/identity/object";
import type { JourneyObject } from "../workers/relay/src/objects/journey/object";
import { MG_KEY, PM, SG, basic, formData, mailgunForm, postmarkPayload } from "./email-helpers";
import { ADMIN, api, signTwilio, workspace } from "./helpers";

export const TWILIO_TOKEN = "twilio-auth-token-for-fault-tests";

/**
 * A fresh workspace whose id starts with `fault-`, the prefix vitest.config.ts gives
 * FAULT_INJECTION: only such workspaces consult the fault plan. Every provider is configured.
 */
export async function faultWorkspace(): Promise<{ ws: string; key: string }> {
  const made = await workspace(
    ["events:write", "journeys:read", "journeys:write", "customers:read"],
    "fault",
  );
  const providers = {
    twilio: { authToken: TWILIO_TOKEN },
    postmark: PM,
    mailgun: { signingKey: MG_KEY },
    sendgrid: SG,
  };
  const set = await api("PATCH", `/v1/admin/workspaces/${made.ws}/settings`, { providers }, ADMIN);
  expect(set.status).toBe(200);
  return made;
}

/** Arms `times` faults at `point` in the workspace's fault plan. */
export async function arm(ws: string, point: string, mode: FaultMode, times = 1): Promise<void> {
  await runInDurableObject(faultPlanStub(env, ws), (_o: IdentityObject, state) =>
    armFault(state.storage, point, mode, times),
  );
}

/** Every fault point the workspace's requests passed, in order, with the fault injected. */
export async function pointsPassed(ws: string) {
  return runInDurableObject(faultPlanStub(env, ws), (_o: IdentityObject, state) =>
    faultLog(state.storage),
  );
}

/** What a request's sender observed: an HTTP status, or the Email Routing outcome. */
export type Outcome = number | "accepted" | "rejected" | "threw";

/** One inbound request, built (and signed) once, so `send` replays it byte for byte. */
export interface Prepared {
  /** The identity key of the sender, to find the customer's journeys. */
  identity: string;
  send: () => Promise<Outcome>;
}

const sid = (prefix: string) => prefix + crypto.randomUUID().replace(/-/g, "");
const phone = () => `+1415555${String(1000 + Math.floor(Math.random() * 8999))}`;
const address = () => `c-${crypto.randomUUID().slice(0, 8)}@example.com`;

async function post(path: string, body: BodyInit, headers: Record<string, string>) {
  const res = await SELF.fetch(`https://baton.test${path}`, { method: "POST", body, headers });
  await res.arrayBuffer();
  return res.status;
}

const twilioSign = (url: string, fields: Record<string, string>) =>
  signTwilio(TWILIO_TOKEN, url, fields);

function twilio(path: string, fields: (from: string) => Record<string, string>) {
  return async (ws: string): Promise<Prepared> => {
    const from = phone();
    const form = fields(from);
    const url = `https://baton.test/hooks/${ws}/twilio/${path}`;
    const headers = {
      "content-type": "application/x-www-form-urlencoded",
      "x-twilio-signature": await twilioSign(url, form),
    };
    const body = new URLSearchParams(form).toString();
    return {
      identity: `phone:${from}`,
      send: () => post(`/hooks/${ws}/twilio/${path}`, body, headers),
    };
  };
}

/** The inbound paths, each building one provider request as that provider sends it. */
export const PATHS: Record<string, (ws: string, key: string) => Promise<Prepared>> = {
  "Twilio SMS": twilio("sms", (from) => ({
    MessageSid: sid("SM"),
    AccountSid: sid("AC"),
    From: from,
    To: "+18005550199",
    Body: "my bill is wrong",
    NumMedia: "0",
  })),
  "Twilio status": twilio("status", (to) => ({
    MessageSid: sid("SM"),
    AccountSid: sid("AC"),
    From: "+18005550199",
    To: to,
    MessageStatus: "delivered",
  })),
  "Twilio voice": twilio("voice", (from) => ({
    CallSid: sid("CA"),
    From: from,
    To: "+18005550199",
    CallStatus: "ringing",
    Direction: "inbound",
  })),
  Postmark: async (ws) => {
    const from = address();
    const body = JSON.stringify(
      postmarkPayload({ from, messageId: `<pm-${crypto.randomUUID()}@x.example>`, text: "Hi" }),
    );
    const headers = { "content-type": "application/json", authorization: basic(PM) };
    return { identity: `email:${from}`, send: () => post(`/hooks/${ws}/postmark`, body, headers) };
  },
  Mailgun: async (ws) => {
    const form = await mailgunForm();
    const body = form.toString();
    const headers = { "content-type": "application/x-www-form-urlencoded" };
    return {
      identity: "email:bob@example.com",
      send: () => post(`/hooks/${ws}/mailgun`, body, headers),
    };
  },
  SendGrid: async (ws) => {
    const from = address();
    const { body, type } = formData([
      ["headers", `Message-ID: <sg-${crypto.randomUUID()}@x.example>\nSubject: hello\n`],
      ["from", `Sam <${from}>`],
      ["to", "support@parse.example.com"],
      ["subject", "hello"],
      ["text", "Where is my order?"],
      ["charsets", '{"text":"UTF-8","from":"UTF-8","subject":"UTF-8","to":"UTF-8"}'],
    ]);
    const headers = { "content-type": type, authorization: basic(SG) };
    return { identity: `email:${from}`, send: () => post(`/hooks/${ws}/sendgrid`, body, headers) };
  },
  "Email Routing": async (ws) => {
    const from = address();
    const raw = new TextEncoder().encode(
      `From: Ann <${from}>\r\nTo: ${ws}@help.example.com\r\nSubject: hi\r\n` +
        `Message-ID: <er-${crypto.randomUUID()}@x.example>\r\n\r\nMy parcel never came.\r\n`,
    );
    const send = async (): Promise<Outcome> => {
      let rejected = false;
      const message = {
        from,
        to: `${ws}@help.example.com`,
        raw: new Blob([raw]).stream(),
        rawSize: raw.byteLength,
        setReject: () => void (rejected = true),
      };
      try {
        await worker.email(message, env);
      } catch {
        return "threw";
      }
      return rejected ? "rejected" : "accepted";
    };
    return { identity: `email:${from}`, send };
  },
  "web chat session": async (ws) => {
    const visitorId = `visitor-${crypto.randomUUID().slice(0, 12)}`;
    const body = JSON.stringify({ visitorId, clientId: "start-1", text: "hello, anyone there?" });
    const headers = { "content-type": "application/json" };
    return {
      identity: `chat:${visitorId}`,
      send: () => post(`/chat/${ws}/sessions`, body, headers),
    };
  },
  "POST /v1/events": async (ws, key) => {
    const from = phone();
    const body = JSON.stringify({
      identifiers: [{ type: "phone", value: from }],
      channel: "sms",
      direction: "inbound",
      actor: { kind: "customer" },
      text: "I was charged twice",
    });
    const headers = {
      "content-type": "application/json",
      authorization: `Bearer ${key}`,
      "idempotency-key": `k-${crypto.randomUUID()}`,
    };
    return { identity: `phone:${from}`, send: () => post("/v1/events", body, headers) };
  },
};

/** Forgets which points the workspace's requests passed so far (after seeding a journey). */
export async function clearLog(ws: string): Promise<void> {
  await runInDurableObject(faultPlanStub(env, ws), (_o: IdentityObject, state) => {
    faultLog(state.storage);
    state.storage.sql.exec("DELETE FROM fault_log");
  });
}

/**
 * Second contacts: a first message is stored cleanly, then the prepared request is the
 * customer's next one (a returning customer, a reply in a known thread).
 */
export const FOLLOW_UPS: Record<string, (ws: string, key: string) => Promise<Prepared>> = {
  "Twilio SMS from a returning customer": async (ws, key) => {
    const first = await PATHS["Twilio SMS"]?.(ws, key);
    if (!first) throw new Error("no Twilio SMS path");
    expect(await first.send()).toBe(200);
    const from = first.identity.slice("phone:".length);
    const form = {
      MessageSid: sid("SM"),
      AccountSid: sid("AC"),
      From: from,
      To: "+18005550199",
      Body: "any news?",
      NumMedia: "0",
    };
    const url = `https://baton.test/hooks/${ws}/twilio/sms`;
    const headers = {
      "content-type": "application/x-www-form-urlencoded",
      "x-twilio-signature": await twilioSign(url, form),
    };
    const body = new URLSearchParams(form).toString();
    await clearLog(ws);
    return { identity: first.identity, send: () => post(`/hooks/${ws}/twilio/sms`, body, headers) };
  },
  "Postmark reply in a known thread": async (ws) => {
    const from = address();
    const root = `<pm-${crypto.randomUUID()}@x.example>`;
    const headers = { "content-type": "application/json", authorization: basic(PM) };
    const first = JSON.stringify(postmarkPayload({ from, messageId: root, text: "Hi" }));
    expect(await post(`/hooks/${ws}/postmark`, first, headers)).toBe(200);
    const reply = JSON.stringify(
      postmarkPayload({
        from,
        messageId: `<pm-${crypto.randomUUID()}@x.example>`,
        inReplyTo: root,
        text: "Any news?",
      }),
    );
    await clearLog(ws);
    return { identity: `email:${from}`, send: () => post(`/hooks/${ws}/postmark`, reply, headers) };
  },
};

/** The journeys of the customer `identity` is linked to (its journey cards). */
export async function journeysOf(ws: string, identity: string): Promise<string[]> {
  const idStub = env.IDENTITY.get(env.IDENTITY.idFromName(`${ws}/${identity}`));
  const link = await runInDurableObject(idStub, (o: IdentityObject) => o.lookup(ws));
  if (!link || "erased" in link) return [];
  const customer = env.CUSTOMER.get(env.CUSTOMER.idFromName(`${ws}/${link.customerId}`));
  return runInDurableObject(customer, (_o, state) =>
    state.storage.sql
      .exec<{ id: string }>("SELECT id FROM journeys ORDER BY id")
      .toArray()
      .map((r) => r.id),
  );
}

/**
 * The events stored for these journeys: in each journey object, and in D1 for the whole
 * workspace after every journey's alarm has flushed its outbox.
 */
export async function stored(
  ws: string,
  journeys: string[],
): Promise<{ inJourneys: number; inD1: number }> {
  let inJourneys = 0;
  for (const id of journeys) {
    const stub = env.JOURNEY.get(env.JOURNEY.idFromName(`${ws}/${id}`));
    for (let run = 0; run < 5; run++) {
      const pending = await runInDurableObject(stub, (o: JourneyObject) => o.outbox().pending);
      if (pending === 0) break;
      await runDurableObjectAlarm(stub);
    }
    inJourneys += await runInDurableObject(
      stub,
      (_o, state) =>
        state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM events").one().n,
    );
  }
  // D1 is written behind the outbox (possibly through a queue): wait until it holds what the
  // journeys hold. It can never hold more: its rows are keyed by (journey, seq).
  let inD1 = 0;
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    const d1 = await env.DB.prepare("SELECT count(*) AS n FROM events WHERE workspace_id = ?")
      .bind(ws)
      .first<{ n: number }>();
    inD1 = d1?.n ?? 0;
    if (inD1 >= inJourneys) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { inJourneys, inD1 };
}
