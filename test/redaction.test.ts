import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { PM, basic, hook, postmarkPayload } from "./email-helpers";
import { api, flushJourney, smsFrom, workspace } from "./helpers";
import {
  FORMS,
  REDACTED,
  TWILIO_TOKEN,
  customerObject,
  dumpD1,
  dumpObject,
  journeyObject,
  rawCards,
  twilioSms,
  writeEverySubResource,
} from "./redaction-helpers";
import { receiver, subscribe, succeeded, until } from "./webhooks-helpers";

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

describe("card numbers next to other digits, on every text-bearing field", () => {
  it("never reach the journey, the event log, the objects, D1 or a webhook; their neighbours survive", async () => {
    const { ws, key } = await workspace([
      "events:write",
      "journeys:read",
      "journeys:write",
      "customers:read",
      "customers:write",
      "admin",
      "webhooks:manage",
    ]);
    const r = receiver();
    const sub = await subscribe(key, r.url);
    await r.set({ secrets: [sub.secret] });
    const twilio = { providers: { twilio: { authToken: TWILIO_TOKEN }, postmark: PM } };
    expect((await api("PATCH", "/v1/settings", twilio, key)).status).toBe(200);
    const phone = "+14155550143";
    const agent = { kind: "agent", id: FORMS.ref, name: `Dana ${FORMS.cvv}`, team: FORMS.room };
    const first = await api(
      "POST",
      "/v1/events",
      smsFrom(phone, Object.values(FORMS).join("; "), {
        actor: { kind: "customer", id: `crm ${FORMS.ref}`, name: `Ann ${FORMS.expiry}` },
        reason: { text: FORMS.room },
        facts: { card: FORMS.cvv, pan4111111111111111: "on file" },
        data: { note: FORMS.amex, [FORMS.expiry]: "as a key" },
      }),
      key,
    );
    expect(first.status).toBe(201);
    const id = first.body.journeyId as string;
    expect(await twilioSms(ws, phone, `${FORMS.expiry} and ${FORMS.room}`)).toBe(200);
    const writes = [first, ...(await writeEverySubResource(key, id, agent))];
    const chat = await api("POST", `/chat/${ws}/sessions`, {
      visitorId: "visitor-redact-0001",
      name: `Vis ${FORMS.cvv}`,
      text: FORMS.ref,
    });
    // An email: the sender's name, the subject and the body all carry cards.
    const email = postmarkPayload({
      from: "ann@example.com",
      name: `Ann ${FORMS.cvv}`,
      messageId: "<card-redaction@mail.example.com>",
      subject: `Card ${FORMS.expiry}`,
      text: FORMS.room,
    });
    const mail = await hook(`/hooks/${ws}/postmark`, JSON.stringify(email), {
      "content-type": "application/json",
      authorization: basic(PM),
    });
    const customerId = first.body.customerId as string;
    const merge = await api(
      "POST",
      `/v1/customers/${customerId}/merges`,
      {
        customerId: mail.body.customerId,
        reason: `same card ${FORMS.expiry}`,
        actor: { kind: "agent", id: FORMS.ref, name: `Dana ${FORMS.cvv}` },
      },
      key,
    );
    for (const w of [...writes, chat, mail, merge]) {
      expect(w.status, JSON.stringify(w.body)).toBeLessThan(300);
      expect(rawCards(JSON.stringify(w.body))).toEqual([]);
    }

    // Answers: the journey, its events, the customer; the neighbours are intact.
    const at = (path: string) => `/v1/journeys/${id}${path}`;
    const ctx = await api("GET", at(""), undefined, key);
    const events = await api("GET", at("/events?limit=500"), undefined, key);
    const customer = await api("GET", `/v1/customers/${customerId}`, undefined, key);
    const answers = [ctx, events, customer].map((a) => JSON.stringify(a.body)).join("\n");
    expect(rawCards(answers)).toEqual([]);
    expect(events.body.items[0].text).toBe(Object.values(REDACTED).join("; "));
    expect(events.body.items[0].actor).toEqual({
      kind: "customer",
      id: `crm ${REDACTED.ref}`,
      name: `Ann ${REDACTED.expiry}`,
    });
    expect(ctx.body.owner).toMatchObject({
      id: `dana ${REDACTED.ref}`,
      name: `Dana ${REDACTED.cvv}`,
      team: `billing ${REDACTED.room}`,
    });
    expect(answers).toContain(`${REDACTED.expiry} and ${REDACTED.room}`); // the Twilio SMS
    const mailEvents = await api(
      "GET",
      `/v1/journeys/${mail.body.journeyId as string}/events`,
      undefined,
      key,
    );
    expect(rawCards(JSON.stringify(mailEvents.body))).toEqual([]);
    expect(mailEvents.body.items[0]).toMatchObject({
      text: REDACTED.room,
      actor: { name: `Ann ${REDACTED.cvv}` },
      data: { subject: `Card ${REDACTED.expiry}` },
    });

    // Storage: every table of the journey, chat journey and customer objects.
    const dumps = await Promise.all([
      dumpObject(journeyObject(ws, id)),
      dumpObject(journeyObject(ws, chat.body.journeyId as string)),
      dumpObject(customerObject(ws, customerId)),
      dumpObject(customerObject(ws, mail.body.customerId as string)),
      dumpObject(journeyObject(ws, mail.body.journeyId as string)),
    ]);
    for (const dump of dumps) expect(rawCards(dump)).toEqual([]);
    expect(dumps[2]).toContain(`same card ${REDACTED.expiry}`); // the merge's reason…
    expect(dumps[2]).toContain(`Dana ${REDACTED.cvv}`); // …and actor

    // D1, after the outbox flush.
    await flushJourney(ws, id);
    await flushJourney(ws, chat.body.journeyId as string);
    await flushJourney(ws, mail.body.journeyId as string);
    const d1 = await dumpD1(ws);
    expect(d1).toContain(REDACTED.room);
    expect(rawCards(d1)).toEqual([]);

    // Outbound webhooks: every event of the journey, as delivered.
    const total = (events.body.items as unknown[]).length;
    const delivered = await until(
      ws,
      () => r.requests(),
      (list) => succeeded(list).filter((q) => q.body.includes(id)).length >= total,
      `${total} deliveries`,
    );
    const bodies = delivered.map((q) => q.body).join("\n");
    expect(bodies).toContain(REDACTED.ref);
    expect(rawCards(bodies)).toEqual([]);
  });
});

describe("provider references in an event's data", () => {
  it("are kept only with their reference's shape; any other value under those keys is redacted", async () => {
    const { key } = await workspace();
    const keptId = "<CAF.4111111111111111@mail.example.com>";
    const keptSid = "CA4111111111111111abcdefabcdefabcd";
    const res = await api(
      "POST",
      "/v1/events",
      smsFrom("+14155550141", "hello", {
        data: {
          messageId: keptId,
          callSid: keptSid,
          inReplyTo: CARD,
          messageSid: "4111111111111111",
          references: [keptId, CARD],
          nested: { messageId: keptId },
          note: `card ${CARD}`,
        },
      }),
      key,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const events = await api(
      "GET",
      `/v1/journeys/${res.body.journeyId as string}/events`,
      undefined,
      key,
    );
    const data = events.body.items[0].data;
    expect(data.messageId).toBe(keptId);
    expect(data.callSid).toBe(keptSid);
    // Not a Message-ID, not a SID, an array with one foreign value, a reference below the top
    // level, free text: all redacted.
    for (const v of [data.inReplyTo, data.messageSid, JSON.stringify(data.references)]) {
      expect(v).not.toMatch(/4111[ -]?1111[ -]?1111[ -]?1111/);
    }
    expect(data.nested.messageId).not.toBe(keptId);
    expect(data.note).toBe("card [card ••••1111]");
  });
});
