import {
  EMAIL_MAX_BYTES,
  basicAuthMatches,
  fromMailgun,
  fromPostmark,
  fromSendGrid,
  multipartBoundary,
  readLimited,
  splitMultipart,
  verifyMailgun,
  type AttachmentMeta,
  type CanonicalEmail,
  type EmailResult,
  type FormPart,
} from "@baton/channels";
import type { WorkspaceSettings } from "@baton/core";
import { Hono, type Context } from "hono";
import { ingestEmail } from "../email";
import type { AppEnv } from "../env";
import { fail } from "../http/problem";
import type { IdentityObject } from "../objects/identity";
import { rpc } from "../objects/rpc";
import { workspaceSettings } from "../settings";
import { WorkspaceIdPattern } from "./admin";

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

/** The body, at most EMAIL_MAX_BYTES, read as a stream so a lying Content-Length cannot help. */
async function body(c: Ctx): Promise<Uint8Array> {
  const tooLarge = () =>
    fail(413, "payload_too_large", "The body is too large", `at most ${EMAIL_MAX_BYTES} bytes`, {
      max: EMAIL_MAX_BYTES,
    });
  if (Number(c.req.header("content-length") ?? "0") > EMAIL_MAX_BYTES) tooLarge();
  const stream = c.req.raw.body;
  const bytes = stream ? await readLimited(stream, EMAIL_MAX_BYTES) : new Uint8Array();
  return bytes ?? tooLarge();
}

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
  const out = await ingestEmail(c.env, workspace, email);
  return c.json(
    {
      journeyId: out.journeyId,
      customerId: out.customerId,
      resolution: out.resolution,
      event: { seq: out.seq, id: out.eventId },
      replayed: out.replayed,
    },
    200,
  );
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
 * Mailgun's tokens are single-use: the first request to claim one wins. The claim is stored
 * through the identity object under `${workspace}/mailgun-token:${token}`, with a marker unique
 * to this request; getting another marker back means the token was seen before.
 */
async function claimMailgunToken(env: Env, workspace: string, token: string): Promise<boolean> {
  const ref = `mailgun-token:${token}`;
  const marker = `mailgun-token:${crypto.randomUUID()}`;
  const stub = env.IDENTITY.get(env.IDENTITY.idFromName(`${workspace}/${ref}`));
  const link = rpc<IdentityObject["claimThread"]>(
    await stub.claimThread(workspace, ref, marker, null),
  );
  return link.journeyId === marker;
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
  // 406 is the one status that makes Mailgun stop retrying: a replay will never succeed.
  if (!(await claimMailgunToken(c.env, workspace, auth.value.token))) {
    return fail(406, "replayed_token", "Token already used", "each Mailgun token is accepted once");
  }
  return accept(c, workspace, canonical(await fromMailgun(fields, files)));
});

emailHooks.post("/sendgrid", async (c) => {
  const { workspace, config } = await provider(c, "sendgrid");
  await requireBasic(c, config);
  return accept(c, workspace, canonical(await fromSendGrid(multipart(c, await body(c)))));
});
