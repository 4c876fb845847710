import { describe, expect, it } from "vitest";
import { messageIds, replyTokens } from "./addresses";
import { parseRawEmail } from "./mime";
import type { FormPart } from "./multipart";
import { fromPostmark } from "./postmark";
import { workspaceFromRecipient } from "./routing";
import { fromSendGrid } from "./sendgrid";

const enc = new TextEncoder();
const part = (name: string, value: string | Uint8Array): FormPart => ({
  name,
  filename: null,
  contentType: null,
  bytes: typeof value === "string" ? enc.encode(value) : value,
});

describe("message ids and reply addresses", () => {
  it("extracts ids in order, brackets kept, and wraps bare ids", () => {
    expect(messageIds(" <a@x>\r\n\t<b@y> <a@x>")).toEqual(["<a@x>", "<b@y>"]);
    expect(messageIds("c@z")).toEqual(["<c@z>"]);
    expect(messageIds("not an id")).toEqual([]);
  });

  it("finds reply+TOKEN recipients only", () => {
    expect(
      replyTokens([
        { address: "Reply+Acme.AB12@help.example.com" },
        { address: "support@help.example.com" },
        { address: "replyto+x@help.example.com" },
      ]),
    ).toEqual(["acme.ab12"]);
  });

  it("maps Email Routing recipients to a workspace", () => {
    expect(workspaceFromRecipient("acme@help.example.com")).toBe("acme");
    expect(workspaceFromRecipient("Support+Acme@help.example.com")).toBe("acme");
    expect(workspaceFromRecipient("reply+acme-eu.k3j4h5@help.example.com")).toBe("acme-eu");
    expect(workspaceFromRecipient("no spaces allowed@x.example")).toBeNull();
    expect(workspaceFromRecipient("nohost")).toBeNull();
  });
});

describe("Postmark inbound JSON", () => {
  it("takes threading ids from Headers, not Postmark's own MessageID", async () => {
    const res = await fromPostmark({
      FromName: "Jane Doe",
      From: "jane@example.com",
      FromFull: { Email: "jane@example.com", Name: "Jane Doe", MailboxHash: "" },
      To: "support@help.example.com",
      ToFull: [{ Email: "support@help.example.com", Name: "", MailboxHash: "" }],
      Cc: "",
      CcFull: [],
      OriginalRecipient: "support@help.example.com",
      Subject: "Re: refund",
      MessageID: "22c74902-a0c1-4511-804f-341342852c90",
      Date: "Tue, 3 Mar 2026 09:59:00 +0000",
      MailboxHash: "",
      TextBody: "Thanks",
      HtmlBody: "<p>Thanks</p>",
      StrippedTextReply: "Thanks",
      Tag: "",
      Headers: [
        { Name: "Message-ID", Value: "<m2@mail.example.com>" },
        { Name: "In-Reply-To", Value: "<m1@help.example.com>" },
        { Name: "References", Value: "<m0@help.example.com> <m1@help.example.com>" },
      ],
      Attachments: [{ Name: "a.png", Content: "iVBO", ContentType: "image/png", ContentLength: 4 }],
    });
    expect(res).toMatchObject({
      ok: true,
      value: {
        messageId: "<m2@mail.example.com>",
        inReplyTo: "<m1@help.example.com>",
        references: ["<m0@help.example.com>", "<m1@help.example.com>"],
        from: { address: "jane@example.com", name: "Jane Doe" },
        date: "2026-03-03T09:59:00.000Z",
        attachments: [{ name: "a.png", type: "image/png", size: 4 }],
        fallbackId: "postmark:22c74902-a0c1-4511-804f-341342852c90",
      },
    });
  });

  it("refuses a payload without a sender, and renders HTML-only bodies as text", async () => {
    expect(await fromPostmark({ Subject: "x" })).toMatchObject({
      ok: false,
      error: { code: "invalid_email" },
    });
    const html = await fromPostmark({ From: "a@b.example", HtmlBody: "<p>Hello <b>there</b></p>" });
    expect(html.ok && html.value.text.trim()).toBe("Hello there");
  });
});

describe("SendGrid Inbound Parse", () => {
  it("decodes each field with the charset named in `charsets`", async () => {
    const cp1252 = Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x96, 0x20, 0x93, 0x71, 0x94]);
    const res = await fromSendGrid([
      part("headers", "Message-ID: <sg1@mail.example.com>\nIn-Reply-To: <m1@help.example.com>\n"),
      part("from", "Jane Doe <jane@example.com>"),
      part("to", "support@help.example.com"),
      part("subject", "Re: caf\u00e9"),
      part("text", cp1252),
      part("envelope", '{"to":["reply+acme.t1@help.example.com"],"from":"jane@example.com"}'),
      part("charsets", '{"to":"UTF-8","subject":"UTF-8","from":"UTF-8","text":"iso-8859-1"}'),
    ]);
    expect(res).toMatchObject({
      ok: true,
      value: {
        text: "café – “q”",
        subject: "Re: café",
        messageId: "<sg1@mail.example.com>",
        inReplyTo: "<m1@help.example.com>",
        to: [
          { address: "support@help.example.com" },
          { address: "reply+acme.t1@help.example.com" },
        ],
      },
    });
  });

  it("parses the raw MIME message when the `email` field is posted", async () => {
    const raw = [
      "From: =?utf-8?q?Jos=C3=A9?= <jose@example.com>",
      "To: support@help.example.com",
      "Subject: =?iso-8859-1?q?Caf=E9?=",
      "Message-ID: <raw1@mail.example.com>",
      "Content-Type: text/plain; charset=windows-1252",
      "Content-Transfer-Encoding: quoted-printable",
      "",
      "caf=E9 =96 =93quoted=94",
      "",
    ].join("\r\n");
    const res = await fromSendGrid([part("email", raw), part("envelope", '{"to":[],"from":""}')]);
    expect(res).toMatchObject({
      ok: true,
      value: {
        source: "sendgrid",
        from: { address: "jose@example.com", name: "José" },
        subject: "Café",
        messageId: "<raw1@mail.example.com>",
      },
    });
    expect(res.ok && res.value.text.trim()).toBe("café – “quoted”");
  });
});

describe("raw MIME", () => {
  it("keeps attachment metadata only, and hashes the raw bytes when there is no Message-ID", async () => {
    const raw = enc.encode(
      [
        "From: jane@example.com",
        "To: acme@help.example.com",
        "Subject: photo",
        'Content-Type: multipart/mixed; boundary="XX"',
        "",
        "--XX",
        "Content-Type: text/plain",
        "",
        "see photo",
        "--XX",
        'Content-Type: image/png; name="p.png"',
        'Content-Disposition: attachment; filename="p.png"',
        "Content-Transfer-Encoding: base64",
        "",
        "iVBORw0KGgo=",
        "--XX--",
        "",
      ].join("\r\n"),
    );
    const res = await parseRawEmail(raw, "email-routing");
    expect(res).toMatchObject({
      ok: true,
      value: {
        messageId: null,
        attachments: [{ name: "p.png", type: "image/png", size: 8 }],
      },
    });
    expect(res.ok && res.value.fallbackId).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("renders an HTML-only message as text (entities decoded, block tags as lines)", async () => {
    const raw = enc.encode(
      "From: jane@example.com\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
        "<html><head><style>p{}</style></head><body><p>caf&#233; &amp; &ldquo;tea&rdquo; &unknown;</p>" +
        "<div>second&nbsp;line<br>third</div></body></html>",
    );
    const res = await parseRawEmail(raw, "email-routing");
    expect(res.ok && res.value.text).toBe("café & “tea” &unknown;\n\nsecond line\nthird");
  });
});
