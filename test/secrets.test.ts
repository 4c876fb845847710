import { env, evictDurableObject, runInDurableObject, SELF } from "cloudflare:test";
import { signWithDerivedKey, toBase64Url, toHex, fromBase64Url } from "@baton/core";
import { describe, expect, it } from "vitest";
import { app } from "../workers/relay/src/app";
import { signSession } from "../workers/relay/src/chat/session-token";
import { mintEmailThreading } from "../workers/relay/src/ingest/binding";
import { keyring, open, seal } from "../workers/relay/src/secrets/keyring";
import { sealSettings } from "../workers/relay/src/secrets/settings-seal";
import { ADMIN, api, expectProblem, signTwilio, workspace } from "./helpers";

/*
 * Secrets (docs/privacy.md "Secrets"): chat session tokens under CHAT_SESSION_SECRET, reply
 * tokens under REPLY_TOKEN_SECRET, and the secrets in workspace settings sealed with the
 * SETTINGS_KEYS keyring (vitest.config.ts: t2 current, t1 an earlier key).
 */

const PHONE = "+14155550177";
/** The bindings with the Worker's own Env type (secrets included; vitest.config.ts sets them). */
const bindings = env as unknown as Env;

/** A distinct value per secret field, so a leak names the field. */
function secrets(tag: string) {
  return {
    twilio: `twilio-token-${tag}-0001`,
    postmarkPassword: `postmark-pass-${tag}-0002`,
    postmarkServer: `postmark-server-${tag}-0003`,
    mailgunSigning: `mailgun-signing-${tag}-0004`,
    mailgunApi: `mailgun-api-${tag}-0005`,
    sendgridPassword: `sendgrid-pass-${tag}-0006`,
    sendgridApi: `sendgrid-api-${tag}-0007`,
    chat: `chat-identity-${tag}-0008`,
  };
}

function fullPatch(s: ReturnType<typeof secrets>) {
  return {
    chatIdentitySecret: s.chat,
    providers: {
      twilio: { authToken: s.twilio },
      postmark: { username: "hook", password: s.postmarkPassword, serverToken: s.postmarkServer },
      mailgun: { signingKey: s.mailgunSigning, apiKey: s.mailgunApi, domain: "mg.example.com" },
      sendgrid: { username: "hook", password: s.sendgridPassword, apiKey: s.sendgridApi },
    },
  };
}

/** The workspace object's stub as runInDurableObject takes it. */
const objectOf = (ws: string) => env.WORKSPACE.get(env.WORKSPACE.idFromName(ws));

type Row = { settings: string; settings_key: string | null };

async function storedRow(ws: string): Promise<Row> {
  return runInDurableObject(objectOf(ws), (_o, state) =>
    state.storage.sql
      .exec<Row>("SELECT settings, settings_key FROM workspace WHERE singleton = 1")
      .one(),
  );
}

async function writeRow(ws: string, settings: Record<string, unknown>, keyId: string | null) {
  await runInDurableObject(objectOf(ws), (_o, state) => {
    state.storage.sql.exec(
      "UPDATE workspace SET settings = ?, settings_key = ? WHERE singleton = 1",
      JSON.stringify(settings),
      keyId,
    );
  });
}

/** Every value of every row of every table of the object's SQLite, as one string. */
async function everything(ws: string): Promise<string> {
  return runInDurableObject(objectOf(ws), (_o, state) => {
    const sql = state.storage.sql;
    const tables = sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .toArray()
      .map((t) => t.name)
      .filter((n) => !n.startsWith("_cf_") && n !== "sqlite_sequence");
    return tables.map((t) => JSON.stringify(sql.exec(`SELECT * FROM "${t}"`).toArray())).join("\n");
  });
}

/** Restarts the object as a deployment would; the next call runs its constructor again. */
async function restart(ws: string) {
  await evictDurableObject(objectOf(ws));
  expect((await api("GET", `/v1/admin/workspaces/${ws}`, undefined, ADMIN)).status).toBe(200);
}

async function twilioSms(ws: string, token: string) {
  const url = `https://baton.test/hooks/${ws}/twilio/sms`;
  const fields = {
    MessageSid: `SM${crypto.randomUUID().replace(/-/g, "")}`,
    AccountSid: `AC${crypto.randomUUID().replace(/-/g, "")}`,
    From: PHONE,
    To: "+18005550199",
    Body: "my bill is wrong",
    NumMedia: "0",
  };
  const res = await SELF.fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-twilio-signature": await signTwilio(token, url, fields),
    },
    body: new URLSearchParams(fields).toString(),
  });
  await res.arrayBuffer();
  return res.status;
}

/** A keyring holding only the test's earlier key t1 (from SETTINGS_KEYS), or another. */
async function ringOf(spec: string) {
  const r = await keyring(spec);
  if (!r.ok) throw new Error(JSON.stringify(r.problem));
  return r.ring;
}
const t1Only = () =>
  ringOf(bindings.SETTINGS_KEYS?.split(",").find((k) => k.startsWith("t1:")) ?? "");
const randomKey = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));

describe("workspace settings: secrets sealed at rest", () => {
  it("the object's storage holds no secret in clear; reads show (set); Twilio still verifies", async () => {
    const { ws, key } = await workspace(["admin"]);
    const s = secrets(ws);
    const patched = await api("PATCH", "/v1/settings", fullPatch(s), key);
    expect(patched.status).toBe(200);

    const stored = await everything(ws);
    for (const value of Object.values(s)) expect(stored).not.toContain(value);
    const row = await storedRow(ws);
    expect(row.settings_key).toBe("t2");
    const doc = JSON.parse(row.settings) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- read field by field
    for (const v of [
      doc.chatIdentitySecret,
      doc.providers.twilio.authToken,
      doc.providers.postmark.password,
      doc.providers.postmark.serverToken,
      doc.providers.mailgun.signingKey,
      doc.providers.mailgun.apiKey,
      doc.providers.sendgrid.password,
      doc.providers.sendgrid.apiKey,
    ]) {
      expect(v).toMatch(/^enc:v1:t2:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
    }
    // Fields that are not secrets stay readable.
    expect(doc.providers.mailgun.domain).toBe("mg.example.com");
    expect(doc.providers.postmark.username).toBe("hook");

    const read = await api("GET", "/v1/settings", undefined, key);
    expect(read.status).toBe(200);
    expect(read.body.chatIdentitySecret).toBe("(set)");
    expect(read.body.providers.twilio.authToken).toBe("(set)");
    expect(read.body.providers.sendgrid.apiKey).toBe("(set)");
    expect(JSON.stringify(read.body)).not.toContain("enc:v1");

    // The relay checks Twilio's signature with the decrypted token, and nothing else.
    expect(await twilioSms(ws, s.twilio)).toBe(200);
    expect(await twilioSms(ws, doc.providers.twilio.authToken as string)).toBe(403);
    expect(await twilioSms(ws, "another-token-000")).toBe(403);
  });

  it("settings stored in clear before encryption are sealed at start-up", async () => {
    const { ws } = await workspace(["admin"]);
    const s = secrets(ws);
    // A row as the code before this change wrote it: secrets in clear, no key column value.
    await writeRow(ws, fullPatch(s), null);
    expect((await storedRow(ws)).settings).toContain(s.twilio);

    await restart(ws);
    const row = await storedRow(ws);
    expect(row.settings_key).toBe("t2");
    const stored = await everything(ws);
    for (const value of Object.values(s)) expect(stored).not.toContain(value);
    expect(await twilioSms(ws, s.twilio)).toBe(200);
  });

  it("settings stored in clear are sealed by the next write too, without a restart", async () => {
    const { ws, key } = await workspace(["admin"]);
    const s = secrets(ws);
    await writeRow(ws, fullPatch(s), null);
    const patched = await api("PATCH", "/v1/settings", { defaultRegion: "GB" }, key);
    expect(patched.status).toBe(200);
    expect(patched.body.providers.twilio.authToken).toBe("(set)");
    const row = await storedRow(ws);
    expect(row.settings_key).toBe("t2");
    for (const value of Object.values(s)) expect(row.settings).not.toContain(value);
    expect(JSON.parse(row.settings).defaultRegion).toBe("GB");
    expect(await twilioSms(ws, s.twilio)).toBe(200);
  });

  it("rotation: values sealed under an earlier key are re-sealed with the current one", async () => {
    const { ws, key } = await workspace(["admin"]);
    const s = secrets(ws);
    // As the object stored them while t1 was the current key.
    await writeRow(ws, await sealSettings(await t1Only(), ws, fullPatch(s)), "t1");
    const before = await storedRow(ws);
    expect(before.settings).toContain("enc:v1:t1:");

    await restart(ws);
    const after = await storedRow(ws);
    expect(after.settings_key).toBe("t2");
    expect(after.settings).not.toContain("enc:v1:t1:");
    expect(after.settings.match(/enc:v1:t2:/g)).toHaveLength(8);
    expect(await twilioSms(ws, s.twilio)).toBe(200);

    // The next write re-seals too (each write seals every secret afresh).
    await writeRow(ws, await sealSettings(await t1Only(), ws, fullPatch(s)), "t1");
    expect((await api("PATCH", "/v1/settings", { gmailDots: true }, key)).status).toBe(200);
    expect((await storedRow(ws)).settings).not.toContain("enc:v1:t1:");
  });

  it("a value under a key id SETTINGS_KEYS no longer holds is a clear error and is kept", async () => {
    const { ws, key } = await workspace(["admin"]);
    const s = secrets(ws);
    const lost = await ringOf(`t0:${randomKey()}`);
    await writeRow(ws, await sealSettings(lost, ws, fullPatch(s)), "t0");
    const stored = (await storedRow(ws)).settings;
    await restart(ws);
    // Start-up could not re-seal it: left exactly as it was.
    expect((await storedRow(ws)).settings).toBe(stored);

    // Reads that need no secret still work.
    const read = await api("GET", "/v1/settings", undefined, key);
    expect(read.status).toBe(200);
    expect(read.body.providers.twilio.authToken).toBe("(set)");

    // A write that keeps the unreadable values is refused, names them, and changes nothing.
    const refused = await api("PATCH", "/v1/settings", { defaultRegion: "GB" }, key);
    expectProblem(refused, 503, "settings_unreadable");
    expect(refused.body.detail).toContain("providers.twilio.authToken");
    expect(refused.body.detail).toContain("key t0");
    expect(refused.body.fields).toContainEqual({
      path: "providers.twilio.authToken",
      keyId: "t0",
      reason: "key_missing",
    });
    expect((await storedRow(ws)).settings).toBe(stored);

    // The hot path refuses with a retryable 503 instead of checking with a wrong token.
    expect(await twilioSms(ws, s.twilio)).toBe(503);

    // Setting every unreadable secret again is the way out.
    const fresh = secrets(`${ws}-new`);
    const fixed = await api("PATCH", "/v1/settings", fullPatch(fresh), key);
    expect(fixed.status).toBe(200);
    expect((await storedRow(ws)).settings_key).toBe("t2");
    await new Promise((r) => setTimeout(r, 1100)); // the isolate's settings cache (1 s in tests)
    expect(await twilioSms(ws, fresh.twilio)).toBe(200);
  });

  it("a sealed value copied to another workspace does not open there", async () => {
    const a = await workspace(["admin"]);
    const b = await workspace(["admin"]);
    expect(
      (
        await api(
          "PATCH",
          "/v1/settings",
          { providers: { twilio: { authToken: "a-token-001" } } },
          a.key,
        )
      ).status,
    ).toBe(200);
    const fromA = JSON.parse((await storedRow(a.ws)).settings) as Record<string, unknown>;
    await writeRow(b.ws, fromA, "t2");
    await restart(b.ws);
    const refused = await api("PATCH", "/v1/settings", { gmailDots: true }, b.key);
    expectProblem(refused, 503, "settings_unreadable");
    expect(refused.body.fields).toEqual([
      { path: "providers.twilio.authToken", keyId: "t2", reason: "key_mismatch" },
    ]);
    expect(await twilioSms(b.ws, "a-token-001")).toBe(503);
  });

  it("bad settings input is refused before anything is sealed", async () => {
    const { ws, key } = await workspace(["admin"]);
    const before = await storedRow(ws);
    const res = await api(
      "PATCH",
      "/v1/settings",
      { providers: { twilio: { authToken: "short" } } },
      key,
    );
    expectProblem(res, 422, "validation_failed");
    expect(await storedRow(ws)).toEqual(before);
  });
});

describe("the settings keyring", () => {
  it("reads SETTINGS_KEYS and says clearly what is wrong with it", async () => {
    expect(await keyring(undefined)).toEqual({
      ok: false,
      problem: { code: "settings_keys_not_configured" },
    });
    const bad = async (raw: string) => {
      const r = await keyring(raw);
      return r.ok ? "ok" : (r.problem as { reason: string }).reason;
    };
    expect(await bad("no-colon")).toMatch(/entry 1 does not start with a key id/);
    expect(await bad(`k1:${randomKey()},k:1:abc`)).toMatch(/key k is not 32 bytes/);
    expect(await bad(`k1:${btoa("sixteen bytes!!!")}`)).toMatch(/key k1 is not 32 bytes/);
    expect(await bad(`k1:${randomKey()}, k1:${randomKey()}`)).toMatch(/k1 is listed twice/);
    expect(await bad("k1:not base64!")).toMatch(/not 32 bytes/);
    const ring = await ringOf(` k2:${randomKey()} , k1:${randomKey()} `);
    expect(ring.current).toBe("k2");
    expect(ring.ids).toEqual(["k2", "k1"]);
  });

  it("seals with a fresh IV, binds the value to its place, and names a missing key", async () => {
    const ring = await ringOf(`k2:${randomKey()}`);
    const a = await seal(ring, "same secret value", "here");
    const b = await seal(ring, "same secret value", "here");
    expect(a).not.toBe(b);
    expect(await open(ring, a, "here")).toEqual({ ok: true, value: "same secret value" });
    expect(await open(ring, a, "elsewhere")).toEqual({
      ok: false,
      reason: "key_mismatch",
      keyId: "k2",
    });
    const other = await ringOf(`k1:${randomKey()}`);
    expect(await open(other, a, "here")).toEqual({ ok: false, reason: "key_missing", keyId: "k2" });
    const tampered = a.slice(0, -2) + (a.endsWith("A") ? "BB" : "AA");
    expect((await open(ring, tampered, "here")).ok).toBe(false);
  });
});

describe("chat session tokens: CHAT_SESSION_SECRET", () => {
  async function start(ws: string, body: Record<string, unknown>, e: Env = bindings) {
    const req = new Request(`https://baton.test/chat/${ws}/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} };
    const res = await app.fetch(req, e, ctx as unknown as ExecutionContext);
    return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads
  }
  const socket = async (ws: string, token: string) => {
    const res = await SELF.fetch(
      `https://baton.test/chat/${ws}/socket?token=${encodeURIComponent(token)}`,
      { headers: { upgrade: "websocket" } },
    );
    res.webSocket?.accept();
    res.webSocket?.close();
    return { status: res.status, body: res.status === 101 ? null : await res.json() };
  };

  it("a session token opens the socket; one signed with the admin secret does not", async () => {
    const { ws } = await workspace();
    const s = await start(ws, { visitorId: "visitor-secret-01", text: "hello" });
    expect(s.status).toBe(201);
    expect((await socket(ws, s.body.sessionToken as string)).status).toBe(101);

    const claims = { ws, journeyId: s.body.journeyId as string, visitorId: "visitor-secret-01" };
    // The token format of before: the same claims, signed under a key derived from ADMIN_SECRET.
    const payload = toBase64Url(
      new TextEncoder().encode(
        JSON.stringify({ ...claims, exp: Math.floor(Date.now() / 1000) + 600 }),
      ),
    );
    const v1 = `${payload}.${await signWithDerivedKey(ADMIN, "baton chat session v1", payload)}`;
    const adminSigned = await signSession(ADMIN, claims);
    for (const token of [v1, adminSigned]) {
      const res = await socket(ws, token);
      expect(res.status).toBe(401);
      expect((res.body as { code: string }).code).toBe("invalid_session");
    }
  });

  it("without a usable CHAT_SESSION_SECRET a session start is a 503 and stores nothing", async () => {
    const { ws } = await workspace();
    for (const secret of [undefined, "too-short-secret"]) {
      const res = await start(
        ws,
        { visitorId: "visitor-secret-02", text: `refused ${String(secret)}` },
        { ...bindings, CHAT_SESSION_SECRET: secret },
      );
      expect(res.status).toBe(503);
      expect(res.body.code).toBe("chat_not_configured");
      expect(res.body.detail).toContain("CHAT_SESSION_SECRET");
    }
    const ok = await start(ws, { visitorId: "visitor-secret-02", text: "accepted" });
    expect(ok.status).toBe(201);
    expect((ok.body.messages as { text: string }[]).map((m) => m.text)).toEqual(["accepted"]);
  });
});

describe("reply tokens: REPLY_TOKEN_SECRET", () => {
  it("derives an email's Message-ID from REPLY_TOKEN_SECRET, not from ADMIN_SECRET", async () => {
    const material = "ws-r\njourney-1\nidem-1";
    const under = async (secret: string) =>
      toHex(
        fromBase64Url(await signWithDerivedKey(secret, "baton reply token v1", material)),
      ).slice(0, 24);
    const t = await mintEmailThreading(env, "ws-r", "journey-1", "idem-1", "reply.example.com");
    expect(t.messageId).toBe(
      `<baton.${await under(bindings.REPLY_TOKEN_SECRET ?? "")}@reply.example.com>`,
    );
    expect(t.messageId).not.toContain(await under(ADMIN));
    const again = await mintEmailThreading(env, "ws-r", "journey-1", "idem-1", "reply.example.com");
    expect(again).toEqual(t);
  });
});
