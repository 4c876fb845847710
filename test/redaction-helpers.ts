import { env, runInDurableObject, SELF } from "cloudflare:test";
import { expect } from "vitest";
import { api, type ApiResponse, signTwilio } from "./helpers";

/** Card numbers in the forms that used to slip through: each next to other digits. */
export const FORMS = {
  expiry: "4111111111111111 12/25",
  cvv: "5555 5555 5555 4444 123",
  room: "room 1203 4012 8888 8888 1881",
  ref: "ref 7-4111111111111111",
  amex: "3782 822463 10005 1234",
} as const;

/** The same forms as redaction writes them: the neighbours survive, the cards do not. */
export const REDACTED = {
  expiry: "[card ••••1111] 12/25",
  cvv: "[card ••••4444] 123",
  room: "room 1203 [card ••••1881]",
  ref: "ref 7-[card ••••1111]",
  amex: "[card ••••0005] 1234",
} as const;

const CARD_DIGITS = ["4111111111111111", "5555555555554444", "4012888888881881", "378282246310005"];

/** The card numbers present in `text`, with any of the separators redaction groups by. */
export function rawCards(text: string): string[] {
  return CARD_DIGITS.filter((d) => new RegExp(d.split("").join("[ .-]?")).test(text));
}

/** Every row of every table of a Durable Object, as one string. */
export function dumpObject(stub: DurableObjectStub): Promise<string> {
  return runInDurableObject(stub, (_o, state) => {
    const tables = state.storage.sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'",
      )
      .toArray();
    return tables
      .map((t) => JSON.stringify(state.storage.sql.exec(`SELECT * FROM "${t.name}"`).toArray()))
      .join("\n");
  });
}

export const journeyObject = (ws: string, id: string) =>
  env.JOURNEY.get(env.JOURNEY.idFromName(`${ws}/${id}`));
export const customerObject = (ws: string, id: string) =>
  env.CUSTOMER.get(env.CUSTOMER.idFromName(`${ws}/${id}`));

/** Every D1 history row of the workspace, as one string. */
export async function dumpD1(ws: string): Promise<string> {
  const out: string[] = [];
  for (const table of ["events", "journeys", "promises", "owners"]) {
    const rows = await env.DB.prepare(`SELECT * FROM ${table} WHERE workspace_id = ?`)
      .bind(ws)
      .all();
    out.push(JSON.stringify(rows.results));
  }
  return out.join("\n");
}

export const TWILIO_TOKEN = "twilio-auth-token-for-redaction";

const twilioSign = (url: string, fields: Record<string, string>) =>
  signTwilio(TWILIO_TOKEN, url, fields);

/** A signed inbound SMS on the workspace's Twilio webhook. */
export async function twilioSms(ws: string, from: string, body: string): Promise<number> {
  const url = `https://baton.test/hooks/${ws}/twilio/sms`;
  const fields = {
    MessageSid: `SM${crypto.randomUUID().replace(/-/g, "")}`,
    AccountSid: `AC${crypto.randomUUID().replace(/-/g, "")}`,
    From: from,
    To: "+18005550199",
    Body: body,
    NumMedia: "0",
  };
  const res = await SELF.fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-twilio-signature": await twilioSign(url, fields),
    },
    body: new URLSearchParams(fields).toString(),
  });
  await res.text();
  return res.status;
}

/** Opens a chat socket, sends one message, and waits for its acknowledgement. */
export async function chatMessage(path: string, text: string): Promise<void> {
  const res = await SELF.fetch(`https://baton.test${path}`, { headers: { upgrade: "websocket" } });
  expect(res.status).toBe(101);
  const socket = res.webSocket;
  if (!socket) throw new Error("no socket");
  const acked = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no ack")), 5000);
    socket.addEventListener("message", (m) => {
      if ((JSON.parse(String(m.data)) as { type: string }).type !== "ack") return;
      clearTimeout(timer);
      resolve();
    });
  });
  socket.accept();
  socket.send(JSON.stringify({ type: "message", text }));
  await acked;
  socket.close(1000, "done");
}

/**
 * One write through every journey sub-resource, each with the problem forms in its text,
 * notes, names and data: owner (with a handoff packet), promise (then settled), constraint,
 * action, exception, status and a context patch. Returns the answers in that order.
 */
export async function writeEverySubResource(
  key: string,
  journeyId: string,
  agent: Record<string, string>,
): Promise<ApiResponse[]> {
  const at = (path: string) => `/v1/journeys/${journeyId}${path}`;
  const owner = {
    id: `dana ${FORMS.ref}`,
    name: `Dana ${FORMS.cvv}`,
    team: `billing ${FORMS.room}`,
    note: FORMS.expiry,
    actor: agent,
    handoff: { reason: FORMS.amex, summary: FORMS.expiry },
  };
  const promise = { text: `refund ${FORMS.expiry}`, dueAt: "2099-03-01T00:00:00Z", madeBy: agent };
  const exception = {
    kind: "failed_payment",
    text: `declined ${FORMS.expiry}`,
    guidance: `not ${FORMS.room}`,
    escalate: false,
    data: { card: FORMS.amex },
    actor: agent,
  };
  const out = [
    await api("PUT", at("/owner"), owner, key),
    await api("POST", at("/promises"), promise, key),
    await api("POST", at("/constraints"), { text: FORMS.cvv, actor: agent }, key),
    await api(
      "POST",
      at("/actions"),
      { text: FORMS.ref, actor: agent, data: { pan: FORMS.cvv } },
      key,
    ),
    await api("POST", at("/exceptions"), exception, key),
    await api(
      "PUT",
      at("/status"),
      { status: "waiting_on_customer", note: FORMS.cvv, actor: agent },
      key,
    ),
    await api(
      "PATCH",
      at(""),
      { reason: { text: FORMS.amex }, facts: { last: FORMS.room }, actor: agent },
      key,
    ),
  ];
  const settle = { status: "kept", note: FORMS.ref, actor: agent };
  out.push(await api("PATCH", at(`/promises/${out[1]?.body.id as string}`), settle, key));
  return out;
}
