// The provider stand-ins, driven with plain fetch calls shaped like each provider's own API
// documentation: right and wrong credentials, missing fields, wrong content types, Twilio's
// magic numbers, failure injection and the signed Twilio status callback.
// Run: node --test test/providers/fake-providers.test.mjs
/* global FormData -- Node's built-in */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { after, before, beforeEach, describe, test } from "node:test";
import { URLSearchParams } from "node:url";
import { FAKE_CREDENTIALS, startFakeProviders } from "./fake-providers.mjs";

const C = FAKE_CREDENTIALS;
let fake;
let base;

const basic = (user, password) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

before(async () => {
  fake = await startFakeProviders();
  base = fake.url;
});
after(() => fake.close());
beforeEach(() => fetch(`${base}/_control/requests`, { method: "DELETE" }));

async function recorded(provider, ns = "") {
  const res = await fetch(`${base}/_control/requests?provider=${provider}&ns=${ns}`);
  return (await res.json()).requests;
}

function twilioSend(
  fields,
  { sid = C.twilio.accountSid, token = C.twilio.authToken, ns = "" } = {},
) {
  const prefix = ns ? `/ns/${ns}` : "";
  return fetch(`${base}${prefix}/2010-04-01/Accounts/${sid}/Messages.json`, {
    method: "POST",
    headers: {
      authorization: basic(sid, token),
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams(fields).toString(),
  });
}

describe("twilio", () => {
  const ok = { To: "+14155550100", From: "+15005550006", Body: "Your technician is on the way" };

  test("a valid message is queued with an SM sid", async () => {
    const res = await twilioSend({
      ...ok,
      StatusCallback: "https://relay.test/hooks/ws/twilio/status",
    });
    assert.equal(res.status, 201);
    const body = await res.json();
    assert.match(body.sid, /^SM[0-9a-f]{32}$/);
    assert.equal(body.status, "queued");
    assert.equal(body.to, ok.To);
    const [req] = await recorded("twilio");
    assert.equal(req.authOk, true);
    assert.equal(req.fields.Body, ok.Body);
    assert.equal(req.fields.StatusCallback, "https://relay.test/hooks/ws/twilio/status");
  });

  test("a wrong token is 401 code 20003", async () => {
    const res = await twilioSend(ok, { token: "wrong" });
    assert.equal(res.status, 401);
    assert.deepEqual({ code: (await res.json()).code }, { code: 20003 });
    const [req] = await recorded("twilio");
    assert.equal(req.authOk, false);
  });

  test("credentials of another account than the URL's are refused", async () => {
    const res = await twilioSend(ok, { sid: "AC" + "1".repeat(32) });
    assert.equal(res.status, 401);
  });

  test("magic numbers answer their error codes", async () => {
    for (const [to, code] of [
      ["+15005550001", 21211],
      ["+15005550009", 21614],
      ["+15005550004", 21610],
    ]) {
      const res = await twilioSend({ ...ok, To: to });
      assert.equal(res.status, 400, to);
      const body = await res.json();
      assert.equal(body.code, code, to);
      assert.equal(body.status, 400);
      assert.match(body.more_info, new RegExp(`${code}$`));
    }
  });

  test("numbers must be E.164; To, From and Body are required", async () => {
    const cases = [
      [{ ...ok, To: "4155550100" }, 21211],
      [{ ...ok, From: "555-0100" }, 21212],
      [{ From: ok.From, Body: ok.Body }, 21604],
      [{ To: ok.To, Body: ok.Body }, 21603],
      [{ To: ok.To, From: ok.From }, 21602],
      [{ ...ok, Body: "x".repeat(1601) }, 21617],
    ];
    for (const [fields, code] of cases) {
      const res = await twilioSend(fields);
      assert.equal(res.status, 400, JSON.stringify(fields).slice(0, 80));
      assert.equal((await res.json()).code, code);
    }
  });

  test("a JSON body is not read (Twilio takes form parameters only)", async () => {
    const res = await fetch(`${base}/2010-04-01/Accounts/${C.twilio.accountSid}/Messages.json`, {
      method: "POST",
      headers: {
        authorization: basic(C.twilio.accountSid, C.twilio.authToken),
        "content-type": "application/json",
      },
      body: JSON.stringify(ok),
    });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).code, 21604);
  });
});

describe("postmark", () => {
  const email = {
    From: '"Acme Support" <support@acme.test>',
    To: "jane@example.com",
    Subject: "Your refund",
    TextBody: "It is on its way.",
    ReplyTo: "reply+abc@acme.test",
    Headers: [{ Name: "Message-ID", Value: "<o1@acme.test>" }],
    Metadata: { outreachId: "o1" },
    MessageStream: "outbound",
  };
  const post = (body, token = C.postmark.serverToken, type = "application/json") =>
    fetch(`${base}/email`, {
      method: "POST",
      headers: {
        accept: "application/json",
        "content-type": type,
        ...(token === null ? {} : { "x-postmark-server-token": token }),
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  test("a valid email answers ErrorCode 0 and a MessageID uuid", async () => {
    const res = await post(email);
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.ErrorCode, 0);
    assert.match(
      body.MessageID,
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const [req] = await recorded("postmark");
    assert.equal(req.authOk, true);
    assert.deepEqual(req.fields.Metadata, { outreachId: "o1" });
  });

  test("a missing or wrong token is 401 ErrorCode 10", async () => {
    for (const token of [null, "wrong"]) {
      const res = await post(email, token);
      assert.equal(res.status, 401);
      assert.equal((await res.json()).ErrorCode, 10);
    }
  });

  test("invalid requests are 422 with Postmark's error codes", async () => {
    const cases = [
      [{ ...email, From: "" }, 300],
      [{ ...email, To: "not-an-address" }, 300],
      [{ ...email, TextBody: undefined }, 300],
      [{ ...email, Headers: { "Message-ID": "<x@y>" } }, 300],
      [{ ...email, To: "inactive@example.com" }, 406],
    ];
    for (const [body, code] of cases) {
      const res = await post(body);
      assert.equal(res.status, 422, JSON.stringify(body).slice(0, 80));
      assert.equal((await res.json()).ErrorCode, code);
    }
    const bad = await post("{not json");
    assert.equal(bad.status, 422);
    assert.equal((await bad.json()).ErrorCode, 402);
  });

  test("a form body is refused", async () => {
    const res = await post(
      new URLSearchParams({ From: "a@b.test" }).toString(),
      C.postmark.serverToken,
      "application/x-www-form-urlencoded",
    );
    assert.equal(res.status, 415);
  });
});

describe("mailgun", () => {
  const form = () => {
    const f = new FormData();
    f.set("from", "Acme <support@acme.test>");
    f.set("to", "jane@example.com");
    f.set("subject", "Your refund");
    f.set("text", "It is on its way.");
    f.set("h:Message-Id", "<o2@acme.test>");
    f.set("v:outreachId", "o2");
    return f;
  };
  const post = (body, { key = C.mailgun.apiKey, domain = C.mailgun.domain } = {}) =>
    fetch(`${base}/v3/${domain}/messages`, {
      method: "POST",
      headers: { authorization: basic("api", key) },
      body,
    });

  test("a valid multipart message is queued with an <…@domain> id", async () => {
    const res = await post(form());
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.match(body.id, new RegExp(`^<[^<>@]+@${C.mailgun.domain.replace(/\./g, "\\.")}>$`));
    assert.equal(body.message, "Queued. Thank you.");
    const [req] = await recorded("mailgun");
    assert.match(req.contentType, /^multipart\/form-data; boundary=/);
    assert.equal(req.fields["h:Message-Id"], "<o2@acme.test>");
    assert.equal(req.fields["v:outreachId"], "o2");
    assert.equal(req.authOk, true);
  });

  test("a wrong key is 401 Forbidden; an unknown domain 404", async () => {
    const res = await post(form(), { key: "key-wrong" });
    assert.equal(res.status, 401);
    assert.equal(await res.text(), "Forbidden");
    const other = await post(form(), { domain: "other.test" });
    assert.equal(other.status, 404);
    assert.match((await other.json()).message, /Domain not found/);
  });

  test("missing fields and bad addresses are 400 with Mailgun's messages", async () => {
    for (const [name, value, message] of [
      ["from", null, /^from parameter is missing/],
      ["to", null, /^to parameter is missing/],
      ["to", "jane", /^to parameter is not a valid address/],
      ["subject", null, /^subject parameter is missing/],
      ["text", null, /^Need at least one of/],
    ]) {
      const f = form();
      if (value === null) f.delete(name);
      else f.set(name, value);
      const res = await post(f);
      assert.equal(res.status, 400, name);
      assert.match((await res.json()).message, message);
    }
  });

  test("a JSON body carries no form fields", async () => {
    const res = await fetch(`${base}/v3/${C.mailgun.domain}/messages`, {
      method: "POST",
      headers: {
        authorization: basic("api", C.mailgun.apiKey),
        "content-type": "application/json",
      },
      body: JSON.stringify({ from: "a@b.test", to: "c@d.test", subject: "s", text: "t" }),
    });
    assert.equal(res.status, 400);
    assert.match((await res.json()).message, /^from parameter is missing/);
  });
});

describe("sendgrid", () => {
  const mail = {
    personalizations: [{ to: [{ email: "jane@example.com" }] }],
    from: { email: "support@acme.test", name: "Acme" },
    reply_to: { email: "reply+abc@acme.test" },
    subject: "Your refund",
    content: [{ type: "text/plain", value: "It is on its way." }],
    headers: { "Message-ID": "<o3@acme.test>" },
    custom_args: { outreachId: "o3" },
  };
  const post = (body, auth = `Bearer ${C.sendgrid.apiKey}`) =>
    fetch(`${base}/v3/mail/send`, {
      method: "POST",
      headers: { ...(auth ? { authorization: auth } : {}), "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  test("a valid send is 202 with X-Message-Id and no body", async () => {
    const res = await post(mail);
    assert.equal(res.status, 202);
    assert.match(res.headers.get("x-message-id") ?? "", /^[A-Za-z0-9_-]{22}$/);
    assert.equal(await res.text(), "");
    const [req] = await recorded("sendgrid");
    assert.equal(req.authOk, true);
    assert.equal(req.fields.custom_args.outreachId, "o3");
  });

  test("missing or wrong keys are 401", async () => {
    for (const auth of [null, "Bearer SG.wrong"]) {
      const res = await post(mail, auth);
      assert.equal(res.status, 401);
      assert.ok(Array.isArray((await res.json()).errors));
    }
  });

  test("invalid sends are 400 naming the field", async () => {
    for (const [body, field] of [
      [{ ...mail, personalizations: [] }, "personalizations"],
      [
        { ...mail, personalizations: [{ to: [{ email: "jane" }] }] },
        "personalizations.0.to.0.email",
      ],
      [{ ...mail, from: undefined }, "from"],
      [{ ...mail, subject: undefined }, "subject"],
      [{ ...mail, content: [] }, "content"],
      [{ ...mail, headers: { From: "x@y.test" } }, "headers"],
      [{ ...mail, custom_args: { outreachId: 7 } }, "custom_args.outreachId"],
    ]) {
      const res = await post(body);
      assert.equal(res.status, 400, field);
      assert.equal((await res.json()).errors[0].field, field);
    }
  });
});

describe("control", () => {
  test("injected failures answer the next count requests, then the provider recovers", async () => {
    const set = await fetch(`${base}/_control/fail`, {
      method: "POST",
      body: JSON.stringify({ provider: "twilio", count: 2, status: 503 }),
    });
    assert.equal(set.status, 200);
    const ok = { To: "+14155550100", From: "+15005550006", Body: "hi" };
    assert.equal((await twilioSend(ok)).status, 503);
    assert.equal((await twilioSend(ok)).status, 503);
    assert.equal((await twilioSend(ok)).status, 201);
    const reqs = await recorded("twilio");
    assert.deepEqual(
      reqs.map((r) => [r.answered, r.injected]),
      [
        [503, true],
        [503, true],
        [201, false],
      ],
    );
  });

  test("status 0 resets the connection", async () => {
    await fetch(`${base}/_control/fail`, {
      method: "POST",
      body: JSON.stringify({ provider: "sendgrid", status: 0 }),
    });
    await assert.rejects(fetch(`${base}/v3/mail/send`, { method: "POST", body: "{}" }));
  });

  test("namespaces keep requests and failures apart", async () => {
    await fetch(`${base}/_control/fail`, {
      method: "POST",
      body: JSON.stringify({ provider: "twilio", status: 500, ns: "a" }),
    });
    const ok = { To: "+14155550100", From: "+15005550006", Body: "hi" };
    assert.equal((await twilioSend(ok, { ns: "b" })).status, 201);
    assert.equal((await twilioSend(ok, { ns: "a" })).status, 500);
    assert.equal((await recorded("twilio", "a")).length, 1);
    assert.equal((await recorded("twilio", "b")).length, 1);
    assert.equal((await recorded("twilio")).length, 0);
  });

  test("bad control requests are 400", async () => {
    for (const body of [
      { provider: "smtp", status: 500 },
      { provider: "twilio", status: 200 },
      { provider: "twilio", status: 500, count: 0 },
    ]) {
      const res = await fetch(`${base}/_control/fail`, {
        method: "POST",
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 400, JSON.stringify(body));
    }
    const noUrl = await fetch(`${base}/_control/twilio-status`, { method: "POST", body: "{}" });
    assert.equal(noUrl.status, 400);
  });

  test("twilio-status posts a callback signed the way Twilio signs", async () => {
    let got;
    const receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        got = { headers: req.headers, body, path: req.url };
        res.writeHead(200, { "content-type": "text/xml" });
        res.end("<Response/>");
      });
    });
    await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${receiver.address().port}/hooks/ws/twilio/status?o=out_1`;
    const sid = "SM" + "ab".repeat(16);
    const res = await fetch(`${base}/_control/twilio-status`, {
      method: "POST",
      body: JSON.stringify({
        url,
        fields: {
          MessageSid: sid,
          MessageStatus: "delivered",
          To: "+14155550100",
          From: "+15005550006",
        },
      }),
    });
    receiver.close();
    assert.equal(res.status, 200);
    const answer = await res.json();
    assert.equal(answer.status, 200);
    assert.equal(answer.body, "<Response/>");
    const params = new URLSearchParams(got.body);
    assert.equal(params.get("SmsSid"), sid);
    assert.equal(params.get("AccountSid"), C.twilio.accountSid);
    // Recompute independently: URL, then each name+value with names sorted.
    const signed =
      url +
      [...params.keys()]
        .sort()
        .map((k) => k + params.get(k))
        .join("");
    const expected = createHmac("sha1", C.twilio.authToken).update(signed).digest("base64");
    assert.equal(got.headers["x-twilio-signature"], expected);
    assert.match(got.headers["content-type"], /^application\/x-www-form-urlencoded/);
  });
});
