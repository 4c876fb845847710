import {
  EMAIL_MAX_BYTES,
  MAILGUN_REPLAY_WINDOW_SECONDS,
  basicAuthMatches,
  fromMailgun,
  fromPostmark,
  fromSendGrid,
  multipartBoundary,
  splitMultipart,
  verifyMailgun,
  type AttachmentMeta,
  type CanonicalEmail,
  type EmailResult,
  type FormPart,
} from "@baton/channels";
import { ok, type Result, type WorkspaceSettings } from "@baton/core";
import { Hono, type Context } from "hono";
import { ingestEmail, ingestPrepared, prepareEmail } from "./email";
import { ERASED_ANSWER, unlessErased } from "./tombstone";
import type { AppEnv } from "../env";
import { unwrap } from "../http/errors";
import { bodyBytes, sha256Hex } from "../http/validate";
import { identityStub } from "../objects/access";
import { refuse, type IngestContext, type IngestResult, type ProviderRefusal } from "./types";
import { workspaceSettings } from "../objects/workspace/settings";
import { WorkspaceIdPattern } from "../http/validate";

type Providers = WorkspaceSettings["providers"];
type Ctx = Context<AppEnv>;

/**
 * Inbound email webhooks: POST /hooks/:workspace/postmark | mailgun | sendgrid.
 * Every provider answers 200 on success (Postmark and Mailgun treat any other 2xx as a failure
 * and retry); problems are problem+json; a thrown non-problem becomes 503 so the provider retries.
 */
export const emailHooks = new Hono<AppEnv>();

/** The provider's settings, or a 404 that does not tell an unknown workspace from an unset provider. */
async function provider<K extends keyof Providers>(
  c: Ctx,
  name: K,
): Promise<Result<{ at: IngestContext; config: NonNullable<Providers[K]> }, ProviderRefusal>> {
  const workspace = c.req.param("workspace") ?? "";
  const settings = WorkspaceIdPattern.test(workspace)
    ? await workspaceSettings(c.env, workspace)
    : null;
  const config = settings?.providers[name];
  if (!settings || !config) {
    return refuse("webhook_not_found", "No such webhook", `${name} is not configured here`);
  }
  // The settings read here are the request's one read: the pipeline takes them from `at`.
  return ok({ at: { env: c.env, workspace, settings }, config });
}

/** The body, at most EMAIL_MAX_BYTES (413), read as a stream; an unreadable body is a 400. */
const body = (c: Ctx): Promise<Uint8Array> => bodyBytes(c, EMAIL_MAX_BYTES);

function multipart(c: Ctx, bytes: Uint8Array): Result<FormPart[], ProviderRefusal> {
  const boundary = multipartBoundary(c.req.header("content-type"));
  const parts = boundary === null ? null : splitMultipart(bytes, boundary);
  if (parts === null) {
    return refuse("malformed_payload", "Unreadable form", "expected a multipart/form-data body");
  }
  return ok(parts);
}

/** Verify (Postmark, SendGrid): the Basic credentials of the webhook URL. */
async function basicAuth(
  c: Ctx,
  cfg: { username: string; password: string },
): Promise<Result<true, ProviderRefusal>> {
  if (await basicAuthMatches(c.req.header("authorization"), cfg.username, cfg.password)) {
    return ok(true);
  }
  return refuse(
    "unauthorized",
    "Bad or missing credentials",
    "use the webhook URL's Basic credentials",
  );
}

/** Parse: the adapter's result; unreadable payloads are 400, unusable emails 422. */
function canonical(r: EmailResult<CanonicalEmail>): Result<CanonicalEmail, ProviderRefusal> {
  return r.ok ? ok(r.value) : refuse(r.error.code, "The email cannot be used", r.error.detail);
}

async function accept(c: Ctx, at: IngestContext, email: CanonicalEmail): Promise<Response> {
  const out = await unlessErased(ingestEmail(at, email));
  return c.json(out === null ? ERASED_ANSWER : answerBody(out), 200);
}

function answerBody(out: IngestResult) {
  return {
    journeyId: out.journeyId,
    customerId: out.customerId,
    resolution: out.resolution,
    event: { seq: out.seq, id: out.eventId },
    replayed: out.replayed,
  };
}

function jsonPayload(bytes: Uint8Array): Result<unknown, ProviderRefusal> {
  try {
    return ok(
      JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes)),
    );
  } catch {
    return refuse("malformed_payload", "The body is not valid JSON (UTF-8)");
  }
}

emailHooks.post("/postmark", async (c) => {
  const { at, config } = unwrap(await provider(c, "postmark"));
  unwrap(await basicAuth(c, config));
  const payload = unwrap(jsonPayload(await body(c)));
  return accept(c, at, unwrap(canonical(await fromPostmark(payload))));
});

/** Mailgun posts urlencoded, or multipart when the message has attachments (UTF-8 either way). */
function mailgunFields(
  c: Ctx,
  bytes: Uint8Array,
): Result<{ fields: Map<string, string>; files: AttachmentMeta[] }, ProviderRefusal> {
  const type = c.req.header("content-type") ?? "";
  const utf8 = new TextDecoder();
  if (/^application\/x-www-form-urlencoded\b/i.test(type)) {
    const fields = new Map<string, string>();
    for (const [k, v] of new URLSearchParams(utf8.decode(bytes)))
      if (!fields.has(k)) fields.set(k, v);
    return ok({ fields, files: [] });
  }
  const form = multipart(c, bytes);
  if (!form.ok) return form;
  const parts = form.value;
  const fields = new Map<string, string>();
  const files: AttachmentMeta[] = [];
  for (const p of parts) {
    if (p.filename !== null) {
      files.push({
        name: p.filename,
        type: p.contentType ?? "application/octet-stream",
        size: p.bytes.byteLength,
      });
    } else if (!fields.has(p.name)) fields.set(p.name, utf8.decode(p.bytes));
  }
  return ok({ fields, files });
}

/**
 * How long a token record outlives its signature's timestamp: past the replay window no
 * request carrying the token verifies any more, plus a margin for clock skew between the
 * Worker that checks the window and the object that expires the record.
 */
const TOKEN_MARGIN_SECONDS = 60;
/** Token records are spread over this many objects per workspace (by the token's hash). */
const TOKEN_SHARDS = 16;

/**
 * Mailgun's tokens are single-use, and the signature covers only timestamp and token, so a
 * token must never carry a second message. It is bound to its message's digest before the
 * event is written and settled, with the answer given, only after the event is stored
 * (objects/identity/tokens.ts). A retry of a delivery that failed goes through (the
 * idempotency key stores it once); a replay of a settled delivery gets the same answer again
 * and stores nothing; the token on another message is refused with 406.
 */
async function mailgunToken(env: Env, workspace: string, token: string, timestamp: number) {
  const shard = (parseInt((await sha256Hex(token)).slice(0, 4), 16) % TOKEN_SHARDS).toString(16);
  const stub = identityStub(env, workspace, `mailgun-tokens:${shard}`);
  const expiresAt = (timestamp + MAILGUN_REPLAY_WINDOW_SECONDS + TOKEN_MARGIN_SECONDS) * 1000;
  return {
    bind: async (digest: string) => await stub.bindToken(workspace, token, digest, expiresAt),
    settle: async (digest: string, answer: string) =>
      await stub.settleToken(workspace, token, digest, answer),
  };
}

/** Verify (Mailgun): the HMAC over timestamp and token, inside the replay window. */
async function mailgunAuth(fields: Map<string, string>, signingKey: string) {
  const auth = await verifyMailgun(fields, signingKey, Math.floor(Date.now() / 1000));
  if (auth.ok) return ok(auth.value);
  switch (auth.error.code) {
    case "missing_signature":
      return refuse(
        "missing_signature",
        "Missing signature",
        "timestamp, token and signature are required",
      );
    case "invalid_signature":
      return refuse("invalid_signature", "Bad signature");
    case "stale_timestamp":
      return refuse(
        "stale_timestamp",
        "Timestamp outside the replay window",
        `${auth.error.skewSeconds}s from now`,
      );
  }
}

emailHooks.post("/mailgun", async (c) => {
  const { at, config } = unwrap(await provider(c, "mailgun"));
  const { fields, files } = unwrap(mailgunFields(c, await body(c)));
  const auth = unwrap(await mailgunAuth(fields, config.signingKey));
  const email = await prepareEmail(unwrap(canonical(await fromMailgun(fields, files))));
  const token = await mailgunToken(c.env, at.workspace, auth.token, auth.timestamp);
  const state = await token.bind(email.digest);
  if (state.kind === "conflict") {
    // 406 is the one status that makes Mailgun stop retrying: this will never succeed.
    unwrap(
      refuse("replayed_token", "Token already used", "each Mailgun token carries one message"),
    );
  }
  if (state.kind === "settled") {
    // The same delivery again (Mailgun retrying after a lost answer, or a replay): it is
    // stored, so it gets the answer it was given, marked replayed, and nothing is written.
    return c.json({ ...(JSON.parse(state.answer) as object), replayed: true }, 200);
  }
  const stored = await unlessErased(ingestPrepared(at, email));
  const out = stored === null ? ERASED_ANSWER : answerBody(stored);
  await token.settle(email.digest, JSON.stringify(out));
  return c.json(out, 200);
});

emailHooks.post("/sendgrid", async (c) => {
  const { at, config } = unwrap(await provider(c, "sendgrid"));
  unwrap(await basicAuth(c, config));
  const form = unwrap(multipart(c, await body(c)));
  return accept(c, at, unwrap(canonical(await fromSendGrid(form))));
});
