// Stand-ins for the four outbound provider APIs Baton calls (Twilio Messages, Postmark, Mailgun,
// SendGrid), on loopback HTTP, for tests in any process (vitest in workerd, node --test, a dev
// relay). Each checks a request the way the provider does (credentials, content type, required
// fields, address shapes) and answers with the provider's own status codes and bodies.
//
//   POST /2010-04-01/Accounts/:sid/Messages.json   Twilio (form; Basic sid:token)
//   POST /email                                    Postmark (JSON; X-Postmark-Server-Token)
//   POST /v3/:domain/messages                      Mailgun (multipart or form; Basic api:key)
//   POST /v3/mail/send                             SendGrid (JSON; Bearer key)
//
// Any API path may be prefixed with /ns/<name> (use `${url}/ns/<name>` as the sender's base
// URL): requests and injected failures are then kept per namespace, so tests running at the
// same time do not see each other's traffic. Control API (every `ns` is optional, default ""):
//
//   POST   /_control/fail {provider, count?, status, ns?}  the next `count` (default 1) requests
//          of `provider` answer `status` with the provider's error body; status 0 resets the
//          connection instead (a network error)
//   GET    /_control/requests?provider=&ns=   {requests: [...]}: provider, method, path,
//          contentType, headers, fields (parsed form or JSON), authOk, answered, response
//   DELETE /_control/requests?ns=             forgets the namespace's requests and failures
//   POST   /_control/twilio-status {url, fields, authToken?}   POSTs a message status callback
//          to `url`, signed as Twilio signs (X-Twilio-Signature: base64 HMAC-SHA1 of the URL
//          followed by each parameter name and value, names sorted); answers {status, headers,
//          body} of the reply
//   GET    /_control/credentials               the credentials the server checks
//
// Twilio's magic test numbers (To): +15005550001 → 400 21211 (invalid number), +15005550009 →
// 400 21614 (not a mobile number), +15005550004 → 400 21610 (unsubscribed). Postmark: a
// recipient whose local part is "inactive" → 422 ErrorCode 406 (inactive recipient).
/* global Response -- Node's built-in fetch Response parses multipart bodies */
import { Buffer } from "node:buffer";
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { URLSearchParams } from "node:url";

export const FAKE_CREDENTIALS = Object.freeze({
  twilio: Object.freeze({
    accountSid: "AC0123456789abcdef0123456789abcdef",
    authToken: "fa4e0000fa4e0000fa4e0000fa4e0000",
  }),
  postmark: Object.freeze({ serverToken: "5b1e0f6c-0000-4000-8000-fa4efa4efa4e" }),
  mailgun: Object.freeze({
    apiKey: "key-fa4efa4efa4efa4efa4efa4efa4efa4e",
    domain: "mg.baton.test",
  }),
  sendgrid: Object.freeze({
    apiKey: "SG.fakefakefakefake.fakefakefakefakefakefakefakefakefakefakefake",
  }),
});

const E164 = /^(whatsapp:)?\+[1-9]\d{1,14}$/;
const EMAIL = /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/;

const TWILIO_MAGIC_TO = {
  "+15005550001": {
    code: 21211,
    message: "The 'To' number +15005550001 is not a valid phone number.",
  },
  "+15005550009": { code: 21614, message: "'To' number +15005550009 is not a valid mobile number" },
  "+15005550004": { code: 21610, message: "Attempt to send to unsubscribed recipient" },
};

/** The address inside `Name <addr>`, or the value itself. */
function addressOf(value) {
  const m = /<([^<>]*)>\s*$/.exec(value ?? "");
  return (m ? m[1] : (value ?? "")).trim();
}

function twilioError(status, code, message) {
  return {
    status,
    json: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
  };
}

function hex(bytes) {
  return randomBytes(bytes).toString("hex");
}

/** Basic credentials from an Authorization header, or null. */
function basic(header) {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? "");
  if (!m) return null;
  const text = Buffer.from(m[1], "base64").toString("utf8");
  const colon = text.indexOf(":");
  return colon < 0 ? null : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** The error body each provider sends for an injected status. */
function injectedError(provider, status) {
  switch (provider) {
    case "twilio":
      return twilioError(
        status,
        status === 429 ? 20429 : 20500,
        status === 429 ? "Too Many Requests" : "Internal Server Error",
      );
    case "postmark":
      return {
        status,
        json: {
          ErrorCode: status === 429 ? 429 : 100,
          Message: status === 429 ? "Rate limit exceeded." : "Internal server error.",
        },
      };
    case "mailgun":
      return {
        status,
        json: { message: status === 429 ? "Too many requests" : "Internal Server Error" },
      };
    default:
      return {
        status,
        json: {
          errors: [
            {
              message: status === 429 ? "too many requests" : "internal error",
              field: null,
              help: null,
            },
          ],
        },
      };
  }
}

function twilio(ctx, creds) {
  const auth = basic(ctx.headers.authorization);
  const authOk =
    auth?.user === creds.accountSid &&
    auth.password === creds.authToken &&
    ctx.params.sid === creds.accountSid;
  if (!authOk) return { authOk, ...twilioError(401, 20003, "Authenticate") };
  if (!ctx.contentType.startsWith("application/x-www-form-urlencoded")) {
    // Twilio reads only form parameters: a JSON body has no To.
    return { authOk, ...twilioError(400, 21604, "A 'To' phone number is required.") };
  }
  const f = ctx.fields;
  const to = f.To ?? "";
  const from = f.From ?? "";
  if (!to) return { authOk, ...twilioError(400, 21604, "A 'To' phone number is required.") };
  if (!from && !f.MessagingServiceSid)
    return { authOk, ...twilioError(400, 21603, "A 'From' phone number is required.") };
  if (!f.Body && !f.MediaUrl && !f.ContentSid)
    return { authOk, ...twilioError(400, 21602, "Message body is required.") };
  if (from && !E164.test(from))
    return {
      authOk,
      ...twilioError(
        400,
        21212,
        `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`,
      ),
    };
  if (!E164.test(to))
    return {
      authOk,
      ...twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`),
    };
  const magic = TWILIO_MAGIC_TO[to.replace(/^whatsapp:/, "")];
  if (magic) return { authOk, ...twilioError(400, magic.code, magic.message) };
  if ((f.Body ?? "").length > 1600)
    return {
      authOk,
      ...twilioError(400, 21617, "The concatenated message body exceeds the 1600 character limit."),
    };
  if (f.StatusCallback !== undefined && !/^https?:\/\/\S+$/.test(f.StatusCallback)) {
    return { authOk, ...twilioError(400, 21609, "The StatusCallback URL is not a valid URL.") };
  }
  const sid = `SM${hex(16)}`;
  const now = new Date().toUTCString().replace("GMT", "+0000");
  return {
    authOk,
    status: 201,
    json: {
      account_sid: creds.accountSid,
      api_version: "2010-04-01",
      body: f.Body ?? "",
      date_created: now,
      date_sent: null,
      date_updated: now,
      direction: "outbound-api",
      error_code: null,
      error_message: null,
      from,
      messaging_service_sid: f.MessagingServiceSid ?? null,
      num_media: "0",
      num_segments: String(Math.max(1, Math.ceil((f.Body ?? "").length / 153))),
      price: null,
      price_unit: "USD",
      sid,
      status: "queued",
      to,
      uri: `/2010-04-01/Accounts/${creds.accountSid}/Messages/${sid}.json`,
    },
  };
}

function postmarkError(code, message) {
  return { status: 422, json: { ErrorCode: code, Message: message } };
}

function postmark(ctx, creds) {
  const token = ctx.headers["x-postmark-server-token"];
  const authOk = token === creds.serverToken;
  if (!token)
    return {
      authOk,
      status: 401,
      json: { ErrorCode: 10, Message: "Request does not contain a valid Server token." },
    };
  if (!authOk)
    return {
      authOk,
      status: 401,
      json: {
        ErrorCode: 10,
        Message:
          "The Server Token you provided in the X-Postmark-Server-Token request header was invalid. Please verify that you are using a valid token.",
      },
    };
  if (!ctx.contentType.startsWith("application/json"))
    return {
      authOk,
      status: 415,
      json: { ErrorCode: 402, Message: "Content-Type must be application/json." },
    };
  const b = ctx.fields;
  if (b === null || typeof b !== "object" || Array.isArray(b))
    return { authOk, ...postmarkError(402, "Received invalid JSON input.") };
  if (!b.From || !EMAIL.test(addressOf(b.From)))
    return { authOk, ...postmarkError(300, `Invalid 'From' address: '${b.From ?? ""}'.`) };
  if (!b.To) return { authOk, ...postmarkError(300, "Zero recipients specified") };
  const to = String(b.To)
    .split(",")
    .map((a) => addressOf(a));
  const bad = to.find((a) => !EMAIL.test(a));
  if (bad !== undefined)
    return {
      authOk,
      ...postmarkError(
        300,
        `Error parsing 'To': Illegal email address '${bad}'. It must contain the '@' symbol.`,
      ),
    };
  if (b.ReplyTo !== undefined && !EMAIL.test(addressOf(b.ReplyTo)))
    return { authOk, ...postmarkError(300, `Invalid 'ReplyTo' address: '${b.ReplyTo}'.`) };
  if (!b.TextBody && !b.HtmlBody)
    return { authOk, ...postmarkError(300, "Provide either email TextBody or HtmlBody or both.") };
  if (
    b.Headers !== undefined &&
    !(
      Array.isArray(b.Headers) &&
      b.Headers.every((h) => typeof h?.Name === "string" && typeof h?.Value === "string")
    )
  ) {
    return { authOk, ...postmarkError(300, "Headers must be a list of {Name, Value}.") };
  }
  if (
    b.Metadata !== undefined &&
    (typeof b.Metadata !== "object" ||
      Object.values(b.Metadata ?? {}).some((v) => typeof v !== "string"))
  ) {
    return { authOk, ...postmarkError(300, "Metadata values must be strings.") };
  }
  if (to.some((a) => a.toLowerCase().startsWith("inactive@"))) {
    return {
      authOk,
      ...postmarkError(
        406,
        "You tried to send to recipient(s) that have been marked as inactive. Found inactive addresses: " +
          to.join(", ") +
          ". Inactive recipients are ones that have generated a hard bounce, a spam complaint, or a manual suppression.",
      ),
    };
  }
  return {
    authOk,
    status: 200,
    json: {
      To: b.To,
      SubmittedAt: new Date().toISOString(),
      MessageID: randomUUID(),
      ErrorCode: 0,
      Message: "OK",
    },
  };
}

function mailgun(ctx, creds) {
  const auth = basic(ctx.headers.authorization);
  const authOk = auth?.user === "api" && auth.password === creds.apiKey;
  if (!authOk) return { authOk, status: 401, text: "Forbidden" };
  if (ctx.params.domain !== creds.domain)
    return { authOk, status: 404, json: { message: `Domain not found: ${ctx.params.domain}` } };
  const form =
    ctx.contentType.startsWith("multipart/form-data") ||
    ctx.contentType.startsWith("application/x-www-form-urlencoded");
  const f = form ? ctx.fields : {};
  if (!f.from) return { authOk, status: 400, json: { message: "from parameter is missing" } };
  if (!EMAIL.test(addressOf(f.from)))
    return {
      authOk,
      status: 400,
      json: { message: "from parameter is not a valid address. please check documentation" },
    };
  if (!f.to) return { authOk, status: 400, json: { message: "to parameter is missing" } };
  if (
    !String(f.to)
      .split(",")
      .every((a) => EMAIL.test(addressOf(a)))
  )
    return {
      authOk,
      status: 400,
      json: { message: "to parameter is not a valid address. please check documentation" },
    };
  if (!f.subject) return { authOk, status: 400, json: { message: "subject parameter is missing" } };
  if (!f.text && !f.html && !f.template && !f["amp-html"])
    return {
      authOk,
      status: 400,
      json: {
        message:
          "Need at least one of 'text', 'html', 'amp-html' or 'template' parameters specified",
      },
    };
  const stamp = new Date()
    .toISOString()
    .replace(/[-:TZ.]/g, "")
    .slice(0, 14);
  return {
    authOk,
    status: 200,
    json: { id: `<${stamp}.${hex(8)}@${creds.domain}>`, message: "Queued. Thank you." },
  };
}

const SENDGRID_RESERVED = new Set([
  "x-sg-id",
  "x-sg-eid",
  "received",
  "dkim-signature",
  "content-type",
  "content-transfer-encoding",
  "to",
  "from",
  "subject",
  "reply-to",
  "cc",
  "bcc",
]);

function sendgridError(status, message, field = null) {
  return { status, json: { errors: [{ message, field, help: null }] } };
}

function sendgrid(ctx, creds) {
  const m = /^Bearer\s+(\S+)$/i.exec(ctx.headers.authorization ?? "");
  const authOk = m?.[1] === creds.apiKey;
  if (!m) return { authOk, ...sendgridError(401, "authorization required") };
  if (!authOk)
    return {
      authOk,
      ...sendgridError(401, "The provided authorization grant is invalid, expired, or revoked"),
    };
  if (!ctx.contentType.startsWith("application/json"))
    return { authOk, ...sendgridError(415, "Content-Type should be application/json.") };
  const b = ctx.fields;
  if (b === null || typeof b !== "object" || Array.isArray(b))
    return { authOk, ...sendgridError(400, "Bad Request", null) };
  if (!Array.isArray(b.personalizations) || b.personalizations.length === 0) {
    return {
      authOk,
      ...sendgridError(
        400,
        "The personalizations field is required and must have at least one personalization.",
        "personalizations",
      ),
    };
  }
  for (const [i, p] of b.personalizations.entries()) {
    if (!Array.isArray(p?.to) || p.to.length === 0)
      return {
        authOk,
        ...sendgridError(
          400,
          "The to array is required for all personalization objects, and must have at least one email object with a valid email address.",
          `personalizations.${i}.to`,
        ),
      };
    for (const [j, t] of p.to.entries()) {
      if (!EMAIL.test(t?.email ?? ""))
        return {
          authOk,
          ...sendgridError(
            400,
            "Does not contain a valid address.",
            `personalizations.${i}.to.${j}.email`,
          ),
        };
    }
  }
  if (!EMAIL.test(b.from?.email ?? ""))
    return {
      authOk,
      ...sendgridError(
        400,
        "The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.",
        "from",
      ),
    };
  if (b.reply_to !== undefined && !EMAIL.test(b.reply_to?.email ?? ""))
    return {
      authOk,
      ...sendgridError(
        400,
        "The reply_to email does not contain a valid address.",
        "reply_to.email",
      ),
    };
  if (!b.subject && !b.personalizations.every((p) => p.subject))
    return {
      authOk,
      ...sendgridError(
        400,
        "The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.",
        "subject",
      ),
    };
  if (
    !Array.isArray(b.content) ||
    b.content.length === 0 ||
    !b.content.every(
      (c) => typeof c?.type === "string" && typeof c?.value === "string" && c.value !== "",
    )
  ) {
    return {
      authOk,
      ...sendgridError(
        400,
        "Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block.",
        "content",
      ),
    };
  }
  for (const [name, value] of Object.entries(b.headers ?? {})) {
    if (SENDGRID_RESERVED.has(name.toLowerCase()))
      return { authOk, ...sendgridError(400, `The header ${name} is reserved.`, `headers`) };
    if (typeof value !== "string")
      return {
        authOk,
        ...sendgridError(
          400,
          "Invalid type. Expected: string, given: " + typeof value + ".",
          `headers.${name}`,
        ),
      };
  }
  for (const [name, value] of Object.entries(b.custom_args ?? {})) {
    if (typeof value !== "string")
      return {
        authOk,
        ...sendgridError(
          400,
          "Invalid type. Expected: string, given: " + typeof value + ".",
          `custom_args.${name}`,
        ),
      };
  }
  return {
    authOk,
    status: 202,
    headers: { "x-message-id": randomBytes(16).toString("base64url").slice(0, 22) },
  };
}

/** Which provider a path belongs to, and its path parameters. */
function route(method, path) {
  if (method !== "POST") return null;
  let m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(path);
  if (m) return { provider: "twilio", params: { sid: decodeURIComponent(m[1]) }, handle: twilio };
  if (path === "/email") return { provider: "postmark", params: {}, handle: postmark };
  m = /^\/v3\/([^/]+)\/messages$/.exec(path);
  if (m && m[1] !== "mail")
    return { provider: "mailgun", params: { domain: decodeURIComponent(m[1]) }, handle: mailgun };
  if (path === "/v3/mail/send") return { provider: "sendgrid", params: {}, handle: sendgrid };
  return null;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function flatHeaders(raw) {
  const out = {};
  for (const [k, v] of Object.entries(raw))
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

/** Form (urlencoded or multipart) → {name: value} (repeated names → arrays); JSON → its value. */
async function parseFields(contentType, body) {
  if (contentType.startsWith("application/json")) {
    try {
      return JSON.parse(body.toString("utf8"));
    } catch {
      return null;
    }
  }
  let entries = [];
  if (contentType.startsWith("application/x-www-form-urlencoded")) {
    entries = [...new URLSearchParams(body.toString("utf8"))];
  } else if (contentType.startsWith("multipart/form-data")) {
    try {
      const form = await new Response(body, {
        headers: { "content-type": contentType },
      }).formData();
      entries = [...form].map(([k, v]) => [k, typeof v === "string" ? v : `[file ${v.name}]`]);
    } catch {
      return {};
    }
  } else {
    return {};
  }
  const out = {};
  for (const [k, v] of entries) {
    if (k in out) out[k] = [].concat(out[k], v);
    else out[k] = v;
  }
  return out;
}

function send(res, status, json, headers = {}) {
  if (json === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(json));
}

/** Signs and POSTs a Twilio message status callback; answers what the receiver said. */
async function postTwilioStatus(spec, creds) {
  const { url, fields = {}, authToken = creds.authToken } = spec ?? {};
  if (typeof url !== "string" || !/^https?:\/\//.test(url)) throw new Error("url: required");
  const params = { AccountSid: creds.accountSid, ApiVersion: "2010-04-01", ...fields };
  if (params.MessageSid && !params.SmsSid) params.SmsSid = params.MessageSid;
  if (params.MessageStatus && !params.SmsStatus) params.SmsStatus = params.MessageStatus;
  const signed =
    url +
    Object.keys(params)
      .sort()
      .map((k) => k + params[k])
      .join("");
  const signature = createHmac("sha1", authToken).update(signed, "utf8").digest("base64");
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded; charset=utf-8",
      "x-twilio-signature": signature,
      "i-twilio-idempotency-token": randomUUID(),
      "user-agent": "TwilioProxy/1.1",
    },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}

/**
 * Starts the stand-in. `credentials` (default FAKE_CREDENTIALS) are what it accepts; `port`
 * 0 or absent picks a free one. Resolves to { url, credentials, close() }.
 */
export async function startFakeProviders({ port = 0, credentials = FAKE_CREDENTIALS } = {}) {
  /** @type {Map<string, object[]>} ns → recorded requests */
  const requests = new Map();
  /** @type {Map<string, {count: number, status: number}>} `${ns}|${provider}` → pending failures */
  const failures = new Map();

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) send(res, 500, { error: String(e?.message ?? e) });
      else res.destroy();
    });
  });

  async function handle(req, res) {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", "http://fake");
    const method = req.method ?? "GET";
    if (url.pathname.startsWith("/_control/")) return control(method, url, body, res);
    let path = url.pathname;
    let ns = "";
    const nsMatch = /^\/ns\/([^/]+)(\/.*)$/.exec(path);
    if (nsMatch) {
      ns = decodeURIComponent(nsMatch[1]);
      path = nsMatch[2];
    }
    const r = route(method, path);
    if (!r) return send(res, 404, { error: `no provider API at ${method} ${path}` });
    const headers = flatHeaders(req.headers);
    const contentType = (headers["content-type"] ?? "").toLowerCase();
    const fields = await parseFields(contentType, body);
    const entry = {
      provider: r.provider,
      ns,
      method,
      path,
      contentType,
      headers,
      fields,
      authOk: null,
      answered: null,
      response: null,
      injected: false,
      at: new Date().toISOString(),
    };
    const list = requests.get(ns) ?? [];
    list.push(entry);
    requests.set(ns, list);

    const key = `${ns}|${r.provider}`;
    const fail = failures.get(key);
    if (fail && fail.count > 0) {
      fail.count -= 1;
      if (fail.count === 0) failures.delete(key);
      entry.injected = true;
      entry.answered = fail.status;
      if (fail.status === 0) {
        req.socket.destroy();
        return;
      }
      const out = injectedError(r.provider, fail.status);
      entry.response = out.json;
      return send(res, fail.status, out.json, fail.status === 429 ? { "retry-after": "1" } : {});
    }

    const out = r.handle(
      { headers, contentType, fields, params: r.params },
      credentials[r.provider],
    );
    entry.authOk = out.authOk;
    entry.answered = out.status;
    entry.response = out.json ?? out.text ?? null;
    if (out.text !== undefined) {
      res.writeHead(out.status, {
        "content-type": "text/plain; charset=utf-8",
        ...(out.headers ?? {}),
      });
      res.end(out.text);
      return;
    }
    if (out.status === 202) entry.response = { "x-message-id": out.headers?.["x-message-id"] };
    return send(res, out.status, out.json, out.headers);
  }

  async function control(method, url, body, res) {
    const op = url.pathname.slice("/_control/".length);
    let json = {};
    if (body.length > 0) {
      try {
        json = JSON.parse(body.toString("utf8"));
      } catch {
        return send(res, 400, { error: "body is not JSON" });
      }
    }
    if (op === "fail" && method === "POST") {
      const { provider, count = 1, status, ns = "" } = json;
      if (!["twilio", "postmark", "mailgun", "sendgrid"].includes(provider))
        return send(res, 400, { error: "provider: twilio | postmark | mailgun | sendgrid" });
      if (!Number.isInteger(status) || (status !== 0 && (status < 400 || status > 599)))
        return send(res, 400, { error: "status: 0 or 400-599" });
      if (!Number.isInteger(count) || count < 1)
        return send(res, 400, { error: "count: a positive integer" });
      failures.set(`${ns}|${provider}`, { count, status });
      return send(res, 200, { provider, ns, count, status });
    }
    if (op === "requests" && method === "GET") {
      const ns = url.searchParams.get("ns") ?? "";
      const provider = url.searchParams.get("provider");
      const list = (requests.get(ns) ?? []).filter((e) => !provider || e.provider === provider);
      return send(res, 200, { requests: list });
    }
    if (op === "requests" && method === "DELETE") {
      const ns = url.searchParams.get("ns");
      if (ns === null) {
        requests.clear();
        failures.clear();
      } else {
        requests.delete(ns);
        for (const k of [...failures.keys()]) if (k.startsWith(`${ns}|`)) failures.delete(k);
      }
      return send(res, 204);
    }
    if (op === "twilio-status" && method === "POST") {
      try {
        return send(res, 200, await postTwilioStatus(json, credentials.twilio));
      } catch (e) {
        return send(res, 400, { error: String(e?.message ?? e) });
      }
    }
    if (op === "credentials" && method === "GET") return send(res, 200, credentials);
    return send(res, 404, { error: `no control operation ${method} ${op}` });
  }

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(undefined));
  });
  const address = server.address();
  if (address === null || typeof address === "string")
    throw new Error("fake providers have no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    credentials,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}
