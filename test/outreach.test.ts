import { env, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { ADMIN, api, expectProblem, signTwilio, smsFrom, workspace } from "./helpers";
import { waitFor } from "./history-helpers";
import { basic, PM } from "./email-helpers";
import { space } from "./provider-helpers";

/*
 * Outreach (docs/outreach.md) inside workerd with real journey objects, the real outreach
 * queue and its consumer, against the provider stand-ins (test/providers/fake-providers.mjs)
 * over loopback HTTP: each test has its own namespace there, so its requests are its own.
 */

const creds = inject("fakeProviderCredentials");
const COMPANY = "+15005550006";
const DANA_PHONE = "+14155550177";

/** A workspace that sends SMS through the stand-in, with the given outreach settings. */
async function setup(outreach: Record<string, unknown>) {
  const s = space("out");
  const w = await workspace();
  const res = await api(
    "PATCH",
    `/v1/admin/workspaces/${w.ws}/settings`,
    {
      publicBaseUrl: "https://relay.test",
      providers: { twilio: { ...creds.twilio, apiBaseUrl: s.base } },
      replies: { smsFrom: COMPANY },
      outreach: { quietHours: null, ...outreach },
    },
    ADMIN,
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { ...w, s };
}

async function journeyFor(key: string, phone: string): Promise<string> {
  const res = await api("POST", "/v1/events", smsFrom(phone, "my internet is down"), key);
  expect(res.status).toBe(201);
  return res.body.journeyId as string;
}

function stubOf(ws: string, id: string) {
  return env.JOURNEY.get(env.JOURNEY.idFromName(`${ws}/${id}`));
}

async function outreachOf(key: string, id: string) {
  const res = await api("GET", `/v1/journeys/${id}/outreach`, undefined, key);
  expect(res.status).toBe(200);
  return res.body.items as {
    id: string;
    audience: string;
    trigger: string;
    status: string;
    reason: string | null;
    attempts: number;
    providerId: string | null;
    lastError: string | null;
  }[];
}

async function eventsOf(key: string, id: string) {
  const res = await api("GET", `/v1/journeys/${id}/events?limit=200`, undefined, key);
  return res.body.items as {
    type: string;
    direction: string;
    text: string;
    data: Record<string, unknown> | null;
  }[];
}

const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

describe("owner nudges", () => {
  it("a promise due soon nudges its owner once by SMS, marks it at risk, and a second alarm sends nothing", async () => {
    const { ws, key, s } = await setup({
      nudges: { leadMinutes: [60, 15], notifyOwners: true },
      owners: { dana: { phone: DANA_PHONE } },
    });
    const id = await journeyFor(key, "+14155550101");
    expect(
      (await api("PUT", `/v1/journeys/${id}/owner`, { id: "dana", name: "Dana" }, key)).status,
    ).toBe(200);
    const made = await api(
      "POST",
      `/v1/journeys/${id}/promises`,
      {
        text: "call back about the outage",
        dueAt: inSeconds(120),
        madeBy: { kind: "agent", id: "dana" },
      },
      key,
    );
    expect(made.status).toBe(201);
    const sent = await waitFor(async () => {
      const r = await s.requests("twilio");
      return r.length > 0 ? r : null;
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.fields.To).toBe(DANA_PHONE);
    expect(sent[0]?.fields.From).toBe(COMPANY);
    expect(sent[0]?.fields.Body).toContain("call back about the outage");
    // Two more alarm runs at once: the nudges are keyed, nothing is sent again.
    const stub = stubOf(ws, id);
    await runInDurableObject(stub, (o) => Promise.all([o.alarm(), o.alarm()]));
    await runDurableObjectAlarm(stub);
    await new Promise((r) => setTimeout(r, 500));
    expect(await s.requests("twilio")).toHaveLength(1);
    const rows = await outreachOf(key, id);
    const owner = rows.filter((r) => r.audience === "owner");
    // Both lead times had passed: one nudge (15 min), the 60-minute one covered by it.
    expect(owner.map((r) => r.status).sort()).toEqual(["sent", "skipped"]);
    const events = await eventsOf(key, id);
    expect(events.filter((e) => e.type === "promise.at_risk")).toHaveLength(1);
    const ctx = await api("GET", `/v1/journeys/${id}`, undefined, key);
    expect(ctx.body.promises[0].atRiskAt).toEqual(expect.any(String));
    // Customer updates are off: the customer's row is skipped with the reason.
    const customer = rows.filter((r) => r.audience === "customer");
    expect(customer.map((r) => [r.status, r.reason])).toEqual([
      ["skipped", "customer updates on promise.at_risk are off (outreach.customerUpdates)"],
    ]);
  });

  it("an owner without a contact gets the promise.at_risk event only", async () => {
    const { key, s } = await setup({ nudges: { leadMinutes: [30], notifyOwners: true } });
    const id = await journeyFor(key, "+14155550102");
    await api("PUT", `/v1/journeys/${id}/owner`, { id: "lee" }, key);
    await api(
      "POST",
      `/v1/journeys/${id}/promises`,
      {
        text: "refund",
        dueAt: inSeconds(60),
        madeBy: { kind: "agent", id: "lee" },
      },
      key,
    );
    await waitFor(async () => {
      const ev = await eventsOf(key, id);
      return ev.some((e) => e.type === "promise.at_risk") ? true : null;
    });
    const rows = await outreachOf(key, id);
    expect(rows.find((r) => r.audience === "owner")?.status).toBe("skipped");
    expect(await s.requests("twilio")).toHaveLength(0);
  });
});

describe("customer updates", () => {
  it("a broken promise sends the customer one SMS, recorded on the journey as what they were told", async () => {
    const { ws, key, s } = await setup({
      customerUpdates: ["promise.broken"],
      nudges: { leadMinutes: [] },
    });
    const phone = "+14155550103";
    const id = await journeyFor(key, phone);
    // Due a few seconds ahead: a due time already past when the POST lands is refused (422).
    const made = await api(
      "POST",
      `/v1/journeys/${id}/promises`,
      {
        text: "technician visit",
        dueAt: inSeconds(4),
        verifyBy: inSeconds(5),
        madeBy: { kind: "agent", id: "dana" },
      },
      key,
    );
    expect(made.status).toBe(201);
    const sent = await waitFor(async () => {
      const r = await s.requests("twilio");
      return r.length > 0 ? r : null;
    }, 25_000);
    expect(sent[0]?.fields.To).toBe(phone);
    expect(sent[0]?.fields.StatusCallback).toMatch(
      /\/twilio\/status\?journeyId=jrn_.*&outreachId=otr_/,
    );
    const row = await waitFor(async () => {
      const r = (await outreachOf(key, id)).find((x) => x.trigger === "promise.broken");
      return r?.status === "sent" ? r : null;
    });
    expect(row.providerId).toMatch(/^SM/);
    const told = (await eventsOf(key, id)).filter(
      (e) => e.type === "message" && e.direction === "outbound",
    );
    expect(told).toHaveLength(1);
    expect(told[0]?.text).toBe(sent[0]?.fields.Body);
    expect(told[0]?.data?.kind).toBe("company_message");
    await runDurableObjectAlarm(stubOf(ws, id));
    expect(await s.requests("twilio")).toHaveLength(1);
  });

  it("a delivered status callback marks it delivered; an undeliverable one raises an exception", async () => {
    const { ws, key, s } = await setup({
      customerUpdates: ["exception.raised"],
      exceptionKinds: ["failed_payment"],
    });
    const id = await journeyFor(key, "+14155550104");
    await api(
      "POST",
      `/v1/journeys/${id}/exceptions`,
      { kind: "failed_payment", text: "card declined for invoice 1042", escalate: false },
      key,
    );
    const row = await waitFor(async () => {
      const r = (await outreachOf(key, id)).find((x) => x.trigger === "exception.raised");
      return r?.status === "sent" ? r : null;
    }, 25_000);
    expect((await s.requests("twilio"))[0]?.fields.Body).toContain(
      "card declined for invoice 1042",
    );
    const post = async (fields: Record<string, string>) => {
      const url = `https://relay.test/hooks/${ws}/twilio/status?journeyId=${id}&outreachId=${row.id}`;
      return SELF.fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-twilio-signature": await signTwilio(creds.twilio.authToken, url, fields),
        },
        body: new URLSearchParams(fields).toString(),
      });
    };
    const base = {
      MessageSid: row.providerId ?? "",
      AccountSid: creds.twilio.accountSid,
      From: COMPANY,
      To: "+14155550104",
    };
    expect((await post({ ...base, MessageStatus: "delivered" })).status).toBe(200);
    expect((await outreachOf(key, id)).find((x) => x.id === row.id)?.status).toBe("delivered");
    expect((await post({ ...base, MessageStatus: "undelivered", ErrorCode: "30005" })).status).toBe(
      200,
    );
    expect((await outreachOf(key, id)).find((x) => x.id === row.id)?.status).toBe("failed");
    const ctx = await api("GET", `/v1/journeys/${id}`, undefined, key);
    const open = (ctx.body.exceptions as { kind: string; status: string }[]).filter(
      (e) => e.kind === "undeliverable",
    );
    expect(open).toHaveLength(1);
    // The same report again changes nothing.
    expect((await post({ ...base, MessageStatus: "undelivered", ErrorCode: "30005" })).status).toBe(
      200,
    );
    const again = await api("GET", `/v1/journeys/${id}`, undefined, key);
    expect(
      (again.body.exceptions as { kind: string }[]).filter((e) => e.kind === "undeliverable"),
    ).toHaveLength(1);
  });

  it("a provider 500 is retried and the customer gets the message once", async () => {
    const { ws, key, s } = await setup({
      customerUpdates: ["exception.raised"],
      exceptionKinds: ["moved_appointment"],
    });
    await s.fail("twilio", 500, 1);
    const id = await journeyFor(key, "+14155550105");
    await api(
      "POST",
      `/v1/journeys/${id}/exceptions`,
      { kind: "moved_appointment", text: "visit moved to Tuesday", escalate: false },
      key,
    );
    const first = await waitFor(async () => {
      const r = (await outreachOf(key, id)).find((x) => x.trigger === "exception.raised");
      return r && r.attempts === 1 && r.status === "queued" ? r : null;
    }, 25_000);
    expect(first.lastError).toContain("500");
    // Bring the retry forward instead of waiting out the backoff, then let the alarm run.
    const stub = stubOf(ws, id);
    await runInDurableObject(stub, (_o, state) => {
      state.storage.sql.exec("UPDATE outreach SET not_before = 0 WHERE id = ?", first.id);
    });
    await runDurableObjectAlarm(stub);
    const done = await waitFor(async () => {
      const r = (await outreachOf(key, id)).find((x) => x.id === first.id);
      return r?.status === "sent" ? r : null;
    }, 25_000);
    expect(done.attempts).toBe(2);
    const reqs = await s.requests("twilio");
    expect(reqs.map((r) => r.answered)).toEqual([500, 201]);
    const told = (await eventsOf(key, id)).filter(
      (e) => e.type === "message" && e.direction === "outbound",
    );
    expect(told).toHaveLength(1);
  });

  it("a number that cannot take SMS fails once and raises an undeliverable exception", async () => {
    const { key, s } = await setup({
      customerUpdates: ["exception.raised"],
      exceptionKinds: ["failed_payment"],
    });
    const id = await journeyFor(key, "+15005550009");
    await api(
      "POST",
      `/v1/journeys/${id}/exceptions`,
      { kind: "failed_payment", text: "card declined", escalate: false },
      key,
    );
    const row = await waitFor(async () => {
      const r = (await outreachOf(key, id)).find((x) => x.trigger === "exception.raised");
      return r?.status === "failed" ? r : null;
    }, 25_000);
    expect(row.attempts).toBe(1);
    expect(row.lastError).toContain("21614");
    expect(await s.requests("twilio")).toHaveLength(1);
    const ctx = await api("GET", `/v1/journeys/${id}`, undefined, key);
    expect((ctx.body.exceptions as { kind: string }[]).map((e) => e.kind)).toContain(
      "undeliverable",
    );
  });
});

describe("email updates", () => {
  it("an update by Postmark carries the journey's threading; a hard bounce raises an exception once", async () => {
    const s = space("out");
    const w = await workspace();
    const patched = await api(
      "PATCH",
      `/v1/admin/workspaces/${w.ws}/settings`,
      {
        providers: {
          postmark: { ...PM, serverToken: creds.postmark.serverToken, apiBaseUrl: s.base },
        },
        replies: { emailDomain: "reply.help.example.com" },
        outreach: {
          customerUpdates: ["exception.raised"],
          exceptionKinds: ["moved_appointment"],
          email: { provider: "postmark", from: "help@company.example", fromName: "Company Help" },
          quietHours: null,
        },
      },
      ADMIN,
    );
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const first = await api(
      "POST",
      "/v1/events",
      {
        identifiers: [{ type: "email", value: "ana@example.com" }],
        channel: "email",
        direction: "inbound",
        actor: { kind: "customer" },
        text: "when is my visit?",
      },
      w.key,
    );
    expect(first.status).toBe(201);
    const id = first.body.journeyId as string;
    await api(
      "POST",
      `/v1/journeys/${id}/exceptions`,
      { kind: "moved_appointment", text: "the visit moved to Tuesday 9:00", escalate: false },
      w.key,
    );
    const row = await waitFor(async () => {
      const r = (await outreachOf(w.key, id)).find((x) => x.trigger === "exception.raised");
      return r?.status === "sent" ? r : null;
    }, 25_000);
    const [req] = await s.requests("postmark");
    expect(req?.authOk).toBe(true);
    expect(req?.fields.To).toBe("ana@example.com");
    expect(String(req?.fields.TextBody)).toContain("the visit moved to Tuesday 9:00");
    expect(String(req?.fields.ReplyTo)).toMatch(/^reply\+.+@reply\.help\.example\.com$/);
    const headers = req?.fields.Headers as { Name: string; Value: string }[];
    expect(headers.find((h) => h.Name === "Message-ID")?.Value).toMatch(
      /@reply\.help\.example\.com>$/,
    );
    expect((req?.fields.Metadata as { outreachId: string }).outreachId).toBe(`${id}:${row.id}`);
    // Postmark reports a hard bounce to the events webhook (Basic credentials of the URL).
    const bounce = {
      RecordType: "Bounce",
      Type: "HardBounce",
      MessageID: row.providerId,
      Description: "The server was unable to deliver your message",
      Email: "ana@example.com",
      BouncedAt: new Date().toISOString(),
      Metadata: { outreachId: `${id}:${row.id}` },
    };
    const hook = (auth: string) =>
      api("POST", `/hooks/${w.ws}/postmark/events`, bounce, undefined, { authorization: auth });
    expectProblem(
      await hook(basic({ username: "postmark-user", password: "wrong-pass" })),
      401,
      "unauthorized",
    );
    expect((await outreachOf(w.key, id)).find((x) => x.id === row.id)?.status).toBe("sent");
    const ok = await hook(basic(PM));
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ received: 1, applied: 1 });
    expect((await hook(basic(PM))).body).toEqual({ received: 1, applied: 0 });
    expect((await outreachOf(w.key, id)).find((x) => x.id === row.id)?.status).toBe("failed");
    const ctx = await api("GET", `/v1/journeys/${id}`, undefined, w.key);
    expect(
      (ctx.body.exceptions as { kind: string }[]).filter((e) => e.kind === "undeliverable"),
    ).toHaveLength(1);
  });
});

describe("constraints are obeyed", () => {
  it("a customer who texted STOP gets nothing, and the journey says why", async () => {
    const { key, s } = await setup({
      customerUpdates: ["exception.raised"],
      exceptionKinds: ["failed_payment"],
    });
    const phone = "+14155550106";
    const id = await journeyFor(key, phone);
    expect((await api("POST", "/v1/events", smsFrom(phone, "STOP"), key)).status).toBe(201);
    const ctx = await api("GET", `/v1/journeys/${id}`, undefined, key);
    expect(ctx.body.constraints as { kind: string; channel: string }[]).toContainEqual(
      expect.objectContaining({ kind: "opted_out", channel: "sms" }),
    );
    await api(
      "POST",
      `/v1/journeys/${id}/exceptions`,
      { kind: "failed_payment", text: "card declined", escalate: false },
      key,
    );
    const row = await waitFor(async () => {
      const r = (await outreachOf(key, id)).find((x) => x.trigger === "exception.raised");
      return r?.status === "suppressed" ? r : null;
    }, 25_000);
    expect(row.reason).toMatch(/opted out/i);
    expect(await s.requests("twilio")).toHaveLength(0);
    expect((await eventsOf(key, id)).some((e) => e.type === "outreach.suppressed")).toBe(true);
    // START lifts it.
    expect((await api("POST", "/v1/events", smsFrom(phone, "start"), key)).status).toBe(201);
    const after = await api("GET", `/v1/journeys/${id}`, undefined, key);
    expect((after.body.constraints as { kind: string }[]).some((c) => c.kind === "opted_out")).toBe(
      false,
    );
  });

  it("a contact window that is closed holds the message until it opens", async () => {
    const { key, s } = await setup({
      customerUpdates: ["exception.raised"],
      exceptionKinds: ["failed_payment"],
    });
    const id = await journeyFor(key, "+14155550107");
    // A window that opened two hours ago for one hour: closed now, opens again tomorrow.
    const hh = (d: Date) => `${String(d.getUTCHours()).padStart(2, "0")}:00`;
    const from = new Date(Date.now() - 2 * 3600_000);
    const to = new Date(Date.now() - 3600_000);
    expect(
      (
        await api(
          "POST",
          `/v1/journeys/${id}/constraints`,
          {
            text: "only in the morning",
            kind: "contact_window",
            window: { from: hh(from), to: hh(to), timeZone: "UTC" },
          },
          key,
        )
      ).status,
    ).toBe(201);
    await api(
      "POST",
      `/v1/journeys/${id}/exceptions`,
      { kind: "failed_payment", text: "card declined", escalate: false },
      key,
    );
    const row = await waitFor(async () => {
      const r = (await outreachOf(key, id)).find((x) => x.trigger === "exception.raised");
      return r?.status === "held" ? (r as typeof r & { notBefore: string }) : null;
    }, 25_000);
    const opens = Date.parse(row.notBefore);
    expect(opens).toBeGreaterThan(Date.now() + 20 * 3600_000);
    expect(new Date(opens).getUTCMinutes()).toBe(0);
    expect(await s.requests("twilio")).toHaveLength(0);
    expect((await eventsOf(key, id)).filter((e) => e.type === "outreach.held")).toHaveLength(1);
  });
});

describe("bad input", () => {
  it("outreach on without provider credentials is reported on the settings and sends nothing", async () => {
    const { ws, key } = await workspace();
    const patched = await api(
      "PATCH",
      `/v1/admin/workspaces/${ws}/settings`,
      {
        outreach: {
          customerUpdates: ["exception.raised"],
          exceptionKinds: ["failed_payment"],
          quietHours: null,
        },
      },
      ADMIN,
    );
    expect(patched.status).toBe(200);
    const read = await api("GET", `/v1/admin/workspaces/${ws}`, undefined, ADMIN);
    const problems = read.body.settings.outreach.problems as string[];
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join(" ")).toMatch(/no way to send|credentials|sender/i);
    const id = await journeyFor(key, "+14155550108");
    await api(
      "POST",
      `/v1/journeys/${id}/exceptions`,
      { kind: "failed_payment", text: "card declined", escalate: false },
      key,
    );
    const row = await waitFor(async () => {
      const r = (await outreachOf(key, id)).find((x) => x.trigger === "exception.raised");
      return r?.status === "suppressed" ? r : null;
    }, 25_000);
    expect(row.reason).toBeTruthy();
    expect(
      (await eventsOf(key, id)).filter((e) => e.type === "message" && e.direction === "outbound"),
    ).toHaveLength(0);
  });

  it("the outreach list of an unknown journey is a 404", async () => {
    const { key } = await workspace();
    expectProblem(
      await api("GET", "/v1/journeys/jrn_0000000000000000000000/outreach", undefined, key),
      404,
      "journey_not_found",
    );
    expectProblem(
      await api("GET", "/v1/journeys/nope/outreach", undefined, key),
      404,
      "journey_not_found",
    );
  });

  it("a template with an unknown variable is refused when saved, and nothing changes", async () => {
    const { ws } = await workspace();
    const res = await api(
      "PATCH",
      `/v1/admin/workspaces/${ws}/settings`,
      {
        outreach: { templates: { "promise.broken": { en: { sms: "Sorry {customer}" } } } },
      },
      ADMIN,
    );
    expect(res.status).toBe(422);
    const now = await api("GET", `/v1/admin/workspaces/${ws}`, undefined, ADMIN);
    expect(JSON.stringify(now.body)).not.toContain("Sorry {customer}");
  });
});
