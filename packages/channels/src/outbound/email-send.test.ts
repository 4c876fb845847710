import { describe, expect, it } from "vitest";
import { formatFrom, sendEmail, type EmailSendConfig, type OutboundEmail } from "./email-send";
import type { FetchLike } from "./send-common";

const msg: OutboundEmail = {
  from: "support@acme.test",
  fromName: 'Acme "Care" Team',
  to: "jane@example.com",
  subject: "Your refund",
  text: "It is on its way.",
  messageId: "<out_1@acme.test>",
  replyTo: "reply+tok@acme.test",
  inReplyTo: "<cust_1@example.com>",
  references: ["<cust_0@example.com>", "<cust_1@example.com>"],
  listUnsubscribe: "<https://acme.test/u/1>",
  tag: "out_1",
};

const postmark: EmailSendConfig = {
  provider: "postmark",
  serverToken: "pm-token",
  apiBaseUrl: "https://pm.test",
};
const mailgun: EmailSendConfig = {
  provider: "mailgun",
  apiKey: "mg-key",
  domain: "mg.acme.test",
  apiBaseUrl: "https://mg.test",
};
const sendgrid: EmailSendConfig = {
  provider: "sendgrid",
  apiKey: "SG.key",
  apiBaseUrl: "https://sg.test",
};

interface Seen {
  url: string;
  init: RequestInit;
}

function stub(answer: () => Response): { f: FetchLike; seen: Seen[] } {
  const seen: Seen[] = [];
  return {
    seen,
    f: async (url, init) => {
      seen.push({ url, init });
      return answer();
    },
  };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

describe("formatFrom", () => {
  it("quotes the display name and escapes quotes and backslashes", () => {
    expect(formatFrom("a@b.test", 'A "B" \\ C')).toBe('"A \\"B\\" \\\\ C" <a@b.test>');
    expect(formatFrom("a@b.test")).toBe("a@b.test");
  });
});

describe("sendEmail: postmark", () => {
  it("posts Postmark's JSON with the server token and threading headers", async () => {
    const { f, seen } = stub(() =>
      json(200, { ErrorCode: 0, Message: "OK", MessageID: "b7bc2f4a-e38e-4336-af7d-e6c392c2f817" }),
    );
    const r = await sendEmail(postmark, msg, f);
    expect(r).toEqual({
      ok: true,
      providerId: "b7bc2f4a-e38e-4336-af7d-e6c392c2f817",
      providerStatus: "OK",
    });
    const req = seen[0];
    expect(req?.url).toBe("https://pm.test/email");
    const headers = new Headers(req?.init.headers);
    expect(headers.get("x-postmark-server-token")).toBe("pm-token");
    expect(headers.get("content-type")).toBe("application/json");
    expect(JSON.parse(String(req?.init.body))).toEqual({
      From: '"Acme \\"Care\\" Team" <support@acme.test>',
      To: "jane@example.com",
      Subject: "Your refund",
      TextBody: "It is on its way.",
      ReplyTo: "reply+tok@acme.test",
      Headers: [
        { Name: "Message-ID", Value: "<out_1@acme.test>" },
        { Name: "In-Reply-To", Value: "<cust_1@example.com>" },
        { Name: "References", Value: "<cust_0@example.com> <cust_1@example.com>" },
        { Name: "List-Unsubscribe", Value: "<https://acme.test/u/1>" },
      ],
      Metadata: { outreachId: "out_1" },
      MessageStream: "outbound",
    });
  });

  it("leaves out threading headers it was not given", async () => {
    const { f, seen } = stub(() => json(200, { ErrorCode: 0, MessageID: "x" }));
    const { inReplyTo: _i, references: _r, listUnsubscribe: _l, ...bare } = msg;
    await sendEmail(postmark, { ...bare, inReplyTo: null, references: [] }, f);
    const body = JSON.parse(String(seen[0]?.init.body)) as { Headers: { Name: string }[] };
    expect(body.Headers.map((h) => h.Name)).toEqual(["Message-ID"]);
  });

  it.each([
    [422, 406, "undeliverable"],
    [422, 300, "invalid_recipient"],
    [401, 10, "auth"],
    [422, 400, "rejected"],
  ] as const)("HTTP %i ErrorCode %i is permanent %s", async (status, code, permanent) => {
    const { f } = stub(() => json(status, { ErrorCode: code, Message: "Error parsing 'To'" }));
    expect(await sendEmail(postmark, msg, f)).toMatchObject({
      ok: false,
      retryable: false,
      permanent,
      httpStatus: status,
      code: String(code),
    });
  });

  it("ErrorCode 300 about the From address is the sender's fault, not the recipient's", async () => {
    const { f } = stub(() => json(422, { ErrorCode: 300, Message: "Invalid 'From' address" }));
    expect(await sendEmail(postmark, msg, f)).toMatchObject({ permanent: "rejected" });
  });

  it("429 and 500 are retryable", async () => {
    for (const status of [429, 500]) {
      const { f } = stub(() => json(status, { ErrorCode: 100, Message: "later" }));
      expect(await sendEmail(postmark, msg, f)).toMatchObject({ retryable: true, permanent: null });
    }
  });
});

describe("sendEmail: mailgun", () => {
  it("posts multipart form fields with basic auth api:key", async () => {
    const { f, seen } = stub(() =>
      json(200, { id: "<20250101.1@mg.acme.test>", message: "Queued. Thank you." }),
    );
    const r = await sendEmail(mailgun, msg, f);
    expect(r).toEqual({
      ok: true,
      providerId: "<20250101.1@mg.acme.test>",
      providerStatus: "Queued. Thank you.",
    });
    const req = seen[0];
    expect(req?.url).toBe("https://mg.test/v3/mg.acme.test/messages");
    const headers = new Headers(req?.init.headers);
    expect(headers.get("authorization")).toBe(`Basic ${btoa("api:mg-key")}`);
    expect(headers.has("content-type")).toBe(false);
    const form = req?.init.body as FormData;
    expect(form).toBeInstanceOf(FormData);
    expect(Object.fromEntries([...form.entries()].map(([k, v]) => [k, String(v)]))).toEqual({
      from: '"Acme \\"Care\\" Team" <support@acme.test>',
      to: "jane@example.com",
      subject: "Your refund",
      text: "It is on its way.",
      "h:Reply-To": "reply+tok@acme.test",
      "h:Message-Id": "<out_1@acme.test>",
      "h:In-Reply-To": "<cust_1@example.com>",
      "h:References": "<cust_0@example.com> <cust_1@example.com>",
      "h:List-Unsubscribe": "<https://acme.test/u/1>",
      "v:outreachId": "out_1",
    });
  });

  it("classifies 401, a bad 'to', other 4xx and 5xx", async () => {
    const cases: [Response, object][] = [
      [new Response("Forbidden", { status: 401 }), { permanent: "auth", message: "Forbidden" }],
      [
        json(400, { message: "to parameter is not a valid address. please check documentation" }),
        { permanent: "invalid_recipient" },
      ],
      [json(400, { message: "from parameter is missing" }), { permanent: "rejected" }],
      [json(404, { message: "Domain not found: mg.acme.test" }), { permanent: "rejected" }],
      [json(503, { message: "unavailable" }), { retryable: true, permanent: null }],
    ];
    for (const [answer, expected] of cases) {
      const { f } = stub(() => answer);
      expect(await sendEmail(mailgun, msg, f)).toMatchObject({ ok: false, ...expected });
    }
  });
});

describe("sendEmail: sendgrid", () => {
  it("posts v3 mail/send JSON with a bearer key and reads X-Message-Id", async () => {
    const { f, seen } = stub(
      () => new Response(null, { status: 202, headers: { "x-message-id": "abcDEF123" } }),
    );
    const r = await sendEmail(sendgrid, msg, f);
    expect(r).toEqual({ ok: true, providerId: "abcDEF123", providerStatus: "accepted" });
    const req = seen[0];
    expect(req?.url).toBe("https://sg.test/v3/mail/send");
    expect(new Headers(req?.init.headers).get("authorization")).toBe("Bearer SG.key");
    expect(JSON.parse(String(req?.init.body))).toEqual({
      personalizations: [{ to: [{ email: "jane@example.com" }] }],
      from: { email: "support@acme.test", name: 'Acme "Care" Team' },
      reply_to: { email: "reply+tok@acme.test" },
      subject: "Your refund",
      content: [{ type: "text/plain", value: "It is on its way." }],
      headers: {
        "Message-ID": "<out_1@acme.test>",
        "In-Reply-To": "<cust_1@example.com>",
        References: "<cust_0@example.com> <cust_1@example.com>",
        "List-Unsubscribe": "<https://acme.test/u/1>",
      },
      custom_args: { outreachId: "out_1" },
    });
  });

  it("a 202 without X-Message-Id is not retried", async () => {
    const { f } = stub(() => new Response(null, { status: 202 }));
    expect(await sendEmail(sendgrid, msg, f)).toMatchObject({
      retryable: false,
      permanent: null,
      code: "unreadable_answer",
    });
  });

  it("classifies 401/403, a bad recipient field, other 400s and 429", async () => {
    const e = (status: number, field: string | null) =>
      json(status, { errors: [{ message: "nope", field, help: null }] });
    const cases: [Response, object][] = [
      [e(401, null), { permanent: "auth", retryable: false }],
      [e(403, null), { permanent: "auth", retryable: false }],
      [e(400, "personalizations.0.to.0.email"), { permanent: "invalid_recipient" }],
      [e(400, "from"), { permanent: "rejected" }],
      [e(429, null), { permanent: null, retryable: true }],
    ];
    for (const [answer, expected] of cases) {
      const { f } = stub(() => answer);
      expect(await sendEmail(sendgrid, msg, f)).toMatchObject({ ok: false, ...expected });
    }
  });
});

describe("sendEmail: refused before any call", () => {
  it.each<[string, Partial<OutboundEmail>, string]>([
    ["a line break in the subject", { subject: "Hi\r\nBcc: x@evil.test" }, "rejected"],
    ["a line break in the display name", { fromName: "A\nB" }, "rejected"],
    ["a Message-ID without brackets", { messageId: "out_1@acme.test" }, "rejected"],
    ["a bad reference", { references: ["<ok@a.test>", "nope"] }, "rejected"],
    ["two recipients", { to: "a@b.test, c@d.test" }, "invalid_recipient"],
    ["a recipient with a name", { to: "Jane <jane@example.com>" }, "invalid_recipient"],
    ["a bad reply-to", { replyTo: "reply" }, "rejected"],
  ])("%s", async (_name, patch, permanent) => {
    for (const cfg of [postmark, mailgun, sendgrid]) {
      const { f, seen } = stub(() => json(200, {}));
      const r = await sendEmail(cfg, { ...msg, ...patch }, f);
      expect(r).toMatchObject({ ok: false, retryable: false, permanent, httpStatus: null });
      expect(seen).toHaveLength(0);
    }
  });
});
