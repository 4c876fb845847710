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
import type { WorkspaceSettings } from "@baton/core";
import { Hono, type Context } from "hono";
import { ingestEmail, ingestPrepared, prepareEmail } from "./email";
import type { AppEnv } from "../env";
import { fail } from "../http/problem";
import { bodyBytes, sha256Hex } from "../http/validate";
import { identityStub } from "../objects/access";
import type { IngestResult } from "./pipeline";
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
): Promise<{ workspace: string; config: NonNullable<Providers[K]> }> {
  const workspace = c.req.param("workspace") ?? "";
  const settings = WorkspaceIdPattern.test(workspace)
    ? await workspaceSettings(c.env, workspace)
    : null;
  const config = settings?.providers[name];
  if (!config) {
    return fail(404, "webhook_not_found", "No such webhook", `${name} is not configured here`);
  }
  return { workspace, config };
}

/** The body, at most EMAIL_MAX_BYTES (413), read as a stream; an unreadable body is a 400. */
const body = (c: Ctx): Promise<Uint8Array> => bodyBytes(c, EMAIL_MAX_BYTES);

function multipart(c: Ctx, bytes: Uint8Array): FormPart[] {
  const boundary = multipartBoundary(c.req.header("content-type"));
  const parts = boundary === null ? null : splitMultipart(bytes, boundary);
  if (parts === null) {
    fail(400, "malformed_payload", "Unreadable form", "expected a multipart/form-data body");
  }
  return parts;
}

async function requireBasic(c: Ctx, cfg: { username: string; password: string }): Promise<void> {
  if (!(await basicAuthMatches(c.req.header("authorization"), cfg.username, cfg.password))) {
    fail(
      401,
      "unauthorized",
      "Bad or missing credentials",
      "use the webhook URL's Basic credentials",
    );
  }
}

/** Unwraps an adapter's result: unreadable payloads are 400, unusable emails 422. */
function canonical(r: EmailResult<CanonicalEmail>): CanonicalEmail {
  if (r.ok) return r.value;
  const status = r.error.code === "malformed_payload" ? 400 : 422;
  return fail(status, r.error.code, "The email cannot be used", r.error.detail);
}

async function accept(c: Ctx, workspace: string, email: CanonicalEmail): Promise<Response> {
  return c.json(answerBody(await ingestEmail(c.env, workspace, email)), 200);
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

emailHooks.post("/postmark", async (c) => {
  const { workspace, config } = await provider(c, "postmark");
  await requireBasic(c, config);
  const bytes = await body(c);
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    return fail(400, "malformed_payload", "The body is not valid JSON (UTF-8)");
  }
  return accept(c, workspace, canonical(await fromPostmark(payload)));
});

/** Mailgun posts urlencoded, or multipart when the message has attachments (UTF-8 either way). */
function mailgunFields(
  c: Ctx,
  bytes: Uint8Array,
): { fields: Map<string, string>; files: AttachmentMeta[] } {
  const type = c.req.header("content-type") ?? "";
  const utf8 = new TextDecoder();
  if (/^application\/x-www-form-urlencoded\b/i.test(type)) {
    const fields = new Map<string, string>();
    for (const [k, v] of new URLSearchParams(utf8.decode(bytes)))
      if (!fields.has(k)) fields.set(k, v);
    return { fields, files: [] };
  }
  const parts = multipart(c, bytes);
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
  return { fields, files };
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
 * (objects/identity-tokens.ts). A retry of a delivery that failed goes through (the
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

emailHooks.post("/mailgun", async (c) => {
  const { workspace, config } = await provider(c, "mailgun");
  const { fields, files } = mailgunFields(c, await body(c));
  const auth = await verifyMailgun(fields, config.signingKey, Math.floor(Date.now() / 1000));
  if (!auth.ok) {
    switch (auth.error.code) {
      case "missing_signature":
        return fail(
          401,
          "missing_signature",
          "Missing signature",
          "timestamp, token and signature are required",
        );
      case "invalid_signature":
        return fail(403, "invalid_signature", "Bad signature");
      case "stale_timestamp":
        return fail(
          403,
          "stale_timestamp",
          "Timestamp outside the replay window",
          `${auth.error.skewSeconds}s from now`,
        );
    }
  }
  const email = await prepareEmail(canonical(await fromMailgun(fields, files)));
  const token = await mailgunToken(c.env, workspace, auth.value.token, auth.value.timestamp);
  const state = await token.bind(email.digest);
  if (state.kind === "conflict") {
    // 406 is the one status that makes Mailgun stop retrying: this will never succeed.
    return fail(
      406,
      "replayed_token",
      "Token already used",
      "each Mailgun token carries one message",
    );
  }
  if (state.kind === "settled") {
    // The same delivery again (Mailgun retrying after a lost answer, or a replay): it is
    // stored, so it gets the answer it was given, marked replayed, and nothing is written.
    return c.json({ ...(JSON.parse(state.answer) as object), replayed: true }, 200);
  }
  const out = answerBody(await ingestPrepared(c.env, workspace, email));
  await token.settle(email.digest, JSON.stringify(out));
  return c.json(out, 200);
});

emailHooks.post("/sendgrid", async (c) => {
  const { workspace, config } = await provider(c, "sendgrid");
  await requireBasic(c, config);
  return accept(c, workspace, canonical(await fromSendGrid(multipart(c, await body(c)))));
});
