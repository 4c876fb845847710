import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../workers/relay/src/index";
import {
  PM,
  SG,
  basic,
  emailWorkspace,
  eventsOf,
  formData,
  hook,
  mailgunForm,
  mailgunSign,
  postmarkPayload,
} from "./email-helpers";
import { arm, faultWorkspace } from "./fault-injection-helpers";
import { api, expectProblem, workspace } from "./helpers";
import type { IdentityObject } from "../workers/relay/src/objects/identity/object";

/** The 16 objects that hold a workspace's Mailgun token records, with their rows. */
async function tokenShards(ws: string) {
  return Promise.all(
    Array.from({ length: 16 }, async (_, i) => {
      const stub = env.IDENTITY.get(
        env.IDENTITY.idFromName(`${ws}/mailgun-tokens:${i.toString(16)}`),
      );
      const rows = await runInDurableObject(stub, (_o: IdentityObject, state) =>
        state.storage.sql
          .exec<{ token: string; expires_at: number }>(
            "SELECT token, expires_at FROM token ORDER BY token",
          )
          .toArray(),
      );
      return { stub, rows };
    }),
  );
}

const json = (p: unknown) => JSON.stringify(p);

describe("Postmark inbound", () => {
  it("a reply with In-Reply-To threads into the first email's journey, quotes stripped", async () => {
    const { ws, key } = await emailWorkspace();
    const headers = { "content-type": "application/json", authorization: basic(PM) };
    const first = await hook(
      `/hooks/${ws}/postmark`,
      json(postmarkPayload({ messageId: "<pm1@mail.example.com>", text: "Charged twice." })),
      headers,
    );
    expect(first.status).toBe(200);
    expect(first.body.resolution.rule).toBe("new_journey");
    const quoted =
      "Any news?\r\n\r\nOn Tue, 3 Mar 2026, Jane <jane@example.com> wrote:\r\n> Charged twice.";
    const reply = await hook(
      `/hooks/${ws}/postmark`,
      json(
        postmarkPayload({
          from: "jane.doe@work.example.com",
          messageId: "<pm2@mail.example.com>",
          inReplyTo: "<pm1@mail.example.com>",
          text: quoted,
        }),
      ),
      headers,
    );
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      journeyId: first.body.journeyId,
      resolution: { rule: "thread" },
    });
    const events = await eventsOf(key, first.body.journeyId);
    expect(events.map((e) => e.text)).toEqual(["Charged twice.", "Any news?"]);
    expect(events[1]).toMatchObject({
      channel: "email",
      direction: "inbound",
      actor: { kind: "customer", name: "Jane Doe" },
      data: { subject: "Double charge", originalText: quoted, source: "postmark" },
    });
  });

  it("a retried delivery is stored once", async () => {
    const { ws, key } = await emailWorkspace();
    const body = json(postmarkPayload({ messageId: "<retry@mail.example.com>", text: "Hello" }));
    const headers = { "content-type": "application/json", authorization: basic(PM) };
    const a = await hook(`/hooks/${ws}/postmark`, body, headers);
    const b = await hook(`/hooks/${ws}/postmark`, body, headers);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.body).toMatchObject({ replayed: true, event: a.body.event });
    expect(await eventsOf(key, a.body.journeyId)).toHaveLength(1);
  });

  it("refuses bad credentials, unknown workspaces, unset providers and malformed bodies", async () => {
    const { ws } = await emailWorkspace();
    const body = json(postmarkPayload({ messageId: "<auth@mail.example.com>", text: "x" }));
    const wrong = { username: PM.username, password: "wrong-password" };
    const type = { "content-type": "application/json" };
    expectProblem(await hook(`/hooks/${ws}/postmark`, body, type), 401, "unauthorized");
    expectProblem(
      await hook(`/hooks/${ws}/postmark`, body, { ...type, authorization: basic(wrong) }),
      401,
      "unauthorized",
    );
    const bare = await workspace();
    const ok = { ...type, authorization: basic(PM) };
    expectProblem(await hook(`/hooks/${bare.ws}/postmark`, body, ok), 404, "webhook_not_found");
    expectProblem(await hook(`/hooks/no-such-ws-x/postmark`, body, ok), 404, "webhook_not_found");
    expectProblem(await hook(`/hooks/${ws}/postmark`, "{not json", ok), 400, "malformed_payload");
    expectProblem(
      await hook(`/hooks/${ws}/postmark`, json({ Subject: "x" }), ok),
      422,
      "invalid_email",
    );
    // Nothing was stored by the refused attempts: the first good delivery starts the journey.
    const good = await hook(`/hooks/${ws}/postmark`, body, ok);
    expect(good.body).toMatchObject({ replayed: false, resolution: { rule: "new_journey" } });
  });

  it("a card number in subject and body is never stored or echoed unredacted", async () => {
    const { ws, key } = await emailWorkspace();
    const payload = postmarkPayload({
      messageId: "<card@mail.example.com>",
      subject: "Card 4111 1111 1111 1111 charged twice",
      text: "My card 4111-1111-1111-1111 was charged.\n\nOn Mon, X wrote:\n> 4111111111111111",
    });
    const res = await hook(`/hooks/${ws}/postmark`, json(payload), {
      "content-type": "application/json",
      authorization: basic(PM),
    });
    expect(res.status).toBe(200);
    const stored = JSON.stringify(await eventsOf(key, res.body.journeyId));
    for (const out of [stored, JSON.stringify(res.body)]) {
      expect(out.replace(/[ -]/g, "")).not.toContain("4111111111111111");
    }
    expect(stored).toContain("[card ••••1111]");
  });

  it("rejects a body over the size bound with 413", async () => {
    const { ws } = await emailWorkspace();
    const res = await hook(`/hooks/${ws}/postmark`, "x".repeat(10 * 1024 * 1024 + 1), {
      "content-type": "application/json",
      authorization: basic(PM),
    });
    expectProblem(res, 413, "payload_too_large");
  });
});

describe("Mailgun routes", () => {
  const type = { "content-type": "application/x-www-form-urlencoded" };

  it("a signed POST is stored, with the quoted history stripped", async () => {
    const { ws, key } = await emailWorkspace();
    const res = await hook(`/hooks/${ws}/mailgun`, await mailgunForm(), type);
    expect(res.status).toBe(200);
    const [event] = await eventsOf(key, res.body.journeyId);
    expect(event).toMatchObject({ text: "Router still down.", actor: { name: "Bob Stone" } });
  });

  it("a bad signature is 403, a token on another message 406, a stale timestamp 403; none stored", async () => {
    const { ws, key } = await emailWorkspace();
    const bad = await mailgunForm({ signature: "0".repeat(64) });
    expectProblem(await hook(`/hooks/${ws}/mailgun`, bad, type), 403, "invalid_signature");
    const stale = await mailgunForm({ timestamp: Math.floor(Date.now() / 1000) - 9 * 3600 - 60 });
    expectProblem(await hook(`/hooks/${ws}/mailgun`, stale, type), 403, "stale_timestamp");
    const once = await mailgunForm({ token: "t".repeat(50) });
    const first = await hook(`/hooks/${ws}/mailgun`, once, type);
    expect(first.status).toBe(200);
    // The same delivery again (a Mailgun retry after a lost answer, or a replay) gets the
    // answer it was given and stores nothing.
    const again = await hook(`/hooks/${ws}/mailgun`, once, type);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, replayed: true });
    // The same token on another message (an attacker reusing a captured signature) is refused.
    const replay = await mailgunForm({ token: "t".repeat(50), messageId: "<other@x.example>" });
    expectProblem(await hook(`/hooks/${ws}/mailgun`, replay, type), 406, "replayed_token");
    const unsigned = await mailgunForm();
    unsigned.delete("signature");
    expectProblem(await hook(`/hooks/${ws}/mailgun`, unsigned, type), 401, "missing_signature");
    expect(await eventsOf(key, first.body.journeyId)).toHaveLength(1);
  });

  it("a Mailgun retry with the same token after a failed store is accepted and stored once", async () => {
    const { ws, key } = await faultWorkspace();
    const once = (await mailgunForm({ token: "r".repeat(50) })).toString();
    await arm(ws, "journey.store", "store");
    expectProblem(await hook(`/hooks/${ws}/mailgun`, once, type), 503, "temporarily_unavailable");
    const retry = await hook(`/hooks/${ws}/mailgun`, once, type);
    expect(retry.status).toBe(200);
    expect(retry.body.replayed).toBe(false);
    const replay = await hook(`/hooks/${ws}/mailgun`, once, type);
    expect(replay.body).toEqual({ ...retry.body, replayed: true });
    expect(await eventsOf(key, retry.body.journeyId)).toHaveLength(1);
  });

  it("token records expire after the signature window: deleted on access and by the alarm", async () => {
    const { ws } = await emailWorkspace();
    const timestamp = Math.floor(Date.now() / 1000);
    const token = "e".repeat(50);
    const ok = await hook(`/hooks/${ws}/mailgun`, await mailgunForm({ token, timestamp }), type);
    expect(ok.status).toBe(200);
    const shards = await tokenShards(ws);
    const rows = shards.flatMap((s) => s.rows);
    // One row, in one of the 16 shard objects, expiring when the signature's 9 h window (plus a
    // minute of margin) has passed.
    expect(rows).toEqual([{ token, expires_at: (timestamp + 9 * 3600 + 60) * 1000 }]);
    const holder = shards.find((s) => s.rows.length > 0);
    if (!holder) throw new Error("no shard holds the token");
    // Stand in for time passing: the row expired a moment ago.
    await runInDurableObject(holder.stub, (_o, state) => {
      state.storage.sql.exec("UPDATE token SET expires_at = ?", Date.now() - 1);
    });
    expect(await runDurableObjectAlarm(holder.stub)).toBe(true);
    expect((await tokenShards(ws)).flatMap((s) => s.rows)).toEqual([]);
    // On access too: a bind in the same shard deletes expired rows first.
    await runInDurableObject(holder.stub, async (o: IdentityObject, state) => {
      state.storage.sql.exec(
        "INSERT INTO token (token, workspace, binding, answer, expires_at) VALUES ('old', ?, 'x', NULL, ?)",
        ws,
        Date.now() - 1,
      );
      await o.bindToken(ws, "new", "y", Date.now() + 60_000);
    });
    const left = (await tokenShards(ws)).flatMap((s) => s.rows.map((r) => r.token));
    expect(left).toEqual(["new"]);
  });

  it("accepts multipart POSTs (messages with attachments), keeping attachment metadata only", async () => {
    const { ws, key } = await emailWorkspace();
    const timestamp = Math.floor(Date.now() / 1000);
    const token = "m".repeat(50);
    const f = formData([
      ["from", "bob@example.com"],
      ["subject", "photo"],
      ["body-plain", "see attached"],
      ["Message-Id", "<mp@mail.example.com>"],
      ["timestamp", String(timestamp)],
      ["token", token],
      ["signature", await mailgunSign(timestamp, token)],
    ]);
    const file = new TextEncoder().encode(
      '--xYzZY\r\nContent-Disposition: form-data; name="attachment-1"; filename="p.png"\r\nContent-Type: image/png\r\n\r\nPNG!\r\n',
    );
    const body = new Uint8Array([...file, ...f.body]);
    const res = await hook(`/hooks/${ws}/mailgun`, body, { "content-type": f.type });
    expect(res.status).toBe(200);
    const [event] = await eventsOf(key, res.body.journeyId);
    expect(event?.data.attachments).toEqual([{ name: "p.png", type: "image/png", size: 4 }]);
  });
});

describe("SendGrid Inbound Parse", () => {
  // "café – “quoted”" in windows-1252, as SendGrid posts a field whose charset is iso-8859-1.
  const CP1252 = [
    0x63, 0x61, 0x66, 0xe9, 0x20, 0x96, 0x20, 0x93, 0x71, 0x75, 0x6f, 0x74, 0x65, 0x64, 0x94,
  ];

  it("decodes a windows-1252 body with the charset SendGrid names", async () => {
    const { ws, key } = await emailWorkspace();
    const f = formData([
      ["headers", "Message-ID: <sg-1252@mail.example.com>\nSubject: hello\n"],
      ["dkim", "{@example.com : pass}"],
      ["to", "support@parse.example.com"],
      ["from", "Jos\u00e9 <jose@example.com>"],
      ["subject", "hello"],
      ["text", CP1252],
      ["sender_ip", "192.0.2.1"],
      ["envelope", '{"to":["support@parse.example.com"],"from":"jose@example.com"}'],
      ["attachments", "0"],
      [
        "charsets",
        '{"to":"UTF-8","html":"iso-8859-1","subject":"UTF-8","from":"UTF-8","text":"iso-8859-1"}',
      ],
      ["SPF", "pass"],
    ]);
    const headers = { "content-type": f.type, authorization: basic(SG) };
    expectProblem(
      await hook(`/hooks/${ws}/sendgrid`, f.body, { "content-type": f.type }),
      401,
      "unauthorized",
    );
    const res = await hook(`/hooks/${ws}/sendgrid`, f.body, headers);
    expect(res.status).toBe(200);
    const [event] = await eventsOf(key, res.body.journeyId);
    expect(event).toMatchObject({ text: "café – “quoted”", actor: { name: "José" } });
    expectProblem(await hook(`/hooks/${ws}/sendgrid`, "x", headers), 400, "malformed_payload");
  });
});

describe("Cloudflare Email Routing", () => {
  function message(to: string, raw: string, from = "bounce+123@mail.example.com") {
    const rejected: string[] = [];
    const bytes = new TextEncoder().encode(raw);
    const msg = {
      from,
      to,
      headers: new Headers(),
      raw: new Blob([bytes]).stream(),
      rawSize: bytes.byteLength,
      setReject: (reason: string) => void rejected.push(reason),
    };
    return { msg, rejected };
  }
  const mime = (from: string, id: string, body: string) =>
    `From: ${from}\r\nTo: x@help.example.com\r\nSubject: hi\r\nMessage-ID: ${id}\r\n\r\n${body}\r\n`;

  it("a reply to reply+TOKEN@ lands in the journey that minted the token", async () => {
    const { ws, key } = await workspace();
    const minted = await api(
      "POST",
      "/v1/events",
      {
        identifiers: [{ type: "email", value: "jane@example.com" }],
        channel: "email",
        direction: "outbound",
        actor: { kind: "agent", name: "Dana" },
        text: "We refunded you.",
        threadRefs: [`reply:${ws}.tok1`],
      },
      key,
    );
    const { msg, rejected } = message(
      `reply+${ws}.TOK1@help.example.com`,
      mime(
        "Someone Else <other@example.com>",
        "<er1@mail.example.com>",
        "Thanks!\n\n> We refunded you.",
      ),
    );
    await worker.email(msg, env);
    expect(rejected).toEqual([]);
    const events = await eventsOf(key, minted.body.journeyId);
    expect(events.map((e) => e.text)).toEqual(["We refunded you.", "Thanks!"]);
    expect(events[1]?.data.source).toBe("email-routing");
  });

  it("routes <anything>+<workspace>@ and rejects unknown recipients permanently", async () => {
    const { ws, key } = await workspace();
    const ok = message(
      `support+${ws}@help.example.com`,
      mime("a@example.com", "<er2@x.example>", "Hi"),
    );
    await worker.email(ok.msg, env);
    expect(ok.rejected).toEqual([]);
    // The email started a journey for a@example.com: the next contact from them continues it.
    const next = await api(
      "POST",
      "/v1/events",
      {
        identifiers: [{ type: "email", value: "a@example.com" }],
        channel: "sms",
        direction: "inbound",
        actor: { kind: "customer" },
        text: "me again",
      },
      key,
    );
    expect(next.body.resolution.rule).toBe("customer_open_journey");
    const unknown = message(
      "nobody-here-zz@help.example.com",
      mime("a@example.com", "<er3@x.example>", "Hi"),
    );
    await worker.email(unknown.msg, env);
    expect(unknown.rejected[0]).toMatch(/^550 /);
    const noFrom = message(`${ws}@help.example.com`, "Subject: no sender\r\n\r\nhi\r\n", "");
    await worker.email(noFrom.msg, env);
    expect(noFrom.rejected[0]).toMatch(/^554 .*From/);
  });
});
