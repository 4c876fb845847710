import {
  EMAIL_MAX_BYTES,
  emailToEvent,
  parseRawEmail,
  readLimited,
  workspaceFromRecipient,
  type CanonicalEmail,
} from "@baton/channels";
import { EventInput } from "@baton/core";
import { unwrap } from "../http/errors";
import { ProblemError } from "../http/problem";
import { check, sha256Hex, stableStringify } from "../http/validate";
import type { Idempotency } from "../objects/journey/types";
import { unlessErased } from "./tombstone";
import { ingestEvent, type IngestContext, type IngestResult } from "./pipeline";
import { workspaceSettings } from "../objects/workspace/settings";

/** An email turned into its event, ready to ingest. */
export interface PreparedEmail {
  event: EventInput;
  idempotency: Idempotency;
  /**
   * A digest of the event (without `occurredAt`, which depends on the clock): the same
   * message, however often delivered, has the same one. Mailgun tokens are bound to it.
   */
  digest: string;
}

/**
 * Builds the event for one canonical email. The idempotency key is the Message-ID (or a
 * stable fallback), and its fingerprint is the key itself: the same message delivered twice,
 * even through two providers that render it a little differently, is one event, never a 422
 * for a "reused key".
 */
export async function prepareEmail(email: CanonicalEmail): Promise<PreparedEmail> {
  const { input, idempotencyKey } = await emailToEvent(email);
  const event = check(EventInput, input);
  const idempotency = { key: idempotencyKey, fingerprint: await sha256Hex(idempotencyKey) };
  const digest = await sha256Hex(
    stableStringify({ ...event, occurredAt: undefined, idempotencyKey }),
  );
  return { event, idempotency, digest };
}

/** Ingests a prepared email into a workspace: the same path for all four ways in. */
export async function ingestPrepared(
  at: IngestContext,
  email: PreparedEmail,
): Promise<IngestResult> {
  const { env, workspace, settings } = at;
  return unwrap(await ingestEvent(env, workspace, email.event, email.idempotency, { settings }));
}

/** Ingests one canonical email into a workspace. */
export async function ingestEmail(at: IngestContext, email: CanonicalEmail): Promise<IngestResult> {
  return ingestPrepared(at, await prepareEmail(email));
}

/** A 4xx other than a conflict or a rate limit will fail the same way on every retry. */
const isPermanent = (status: number) =>
  status >= 400 && status < 500 && status !== 409 && status !== 429;

/** What the handler uses of the runtime's ForwardableEmailMessage (tests pass a plain object). */
export interface InboundEmailMessage {
  readonly from: string;
  readonly to: string;
  readonly raw: ReadableStream<Uint8Array>;
  readonly rawSize: number;
  setReject(reason: string): void;
}

// SMTP-style reasons: Email Routing relays them to the sending server in its rejection.
const UNKNOWN_RECIPIENT = "550 5.1.1 Unknown recipient";
const TOO_LARGE = `552 5.3.4 Message larger than ${EMAIL_MAX_BYTES} bytes`;

/**
 * Cloudflare Email Routing's `email()` handler. The recipient names the workspace (see
 * packages/channels/src/email/routing.ts). Permanent problems (unknown recipient, too large,
 * unreadable message, an event the API would refuse) reject the message, so the sender gets a
 * bounce; anything else throws, which Email Routing reports as a temporary failure and the
 * sending server retries — the idempotency key then makes the retry store nothing twice.
 */
export async function handleEmail(message: InboundEmailMessage, env: Env): Promise<void> {
  const workspace = workspaceFromRecipient(message.to);
  if (workspace === null) return message.setReject(UNKNOWN_RECIPIENT);
  if (message.rawSize > EMAIL_MAX_BYTES) return message.setReject(TOO_LARGE);
  const settings = await workspaceSettings(env, workspace);
  if (settings === null) return message.setReject(UNKNOWN_RECIPIENT);
  const raw = await readLimited(message.raw, EMAIL_MAX_BYTES);
  if (raw === null) return message.setReject(TOO_LARGE);
  const parsed = await parseRawEmail(raw, "email-routing", {
    from: message.from,
    to: [message.to],
  });
  if (!parsed.ok) return message.setReject(`554 5.6.0 ${parsed.error.detail}`);
  try {
    // A retry of a message whose customer was erased is accepted and stores nothing.
    await unlessErased(ingestEmail({ env, workspace, settings }, parsed.value));
  } catch (e) {
    if (e instanceof ProblemError && isPermanent(e.problem.status)) {
      return message.setReject(`554 5.6.0 ${e.problem.detail ?? e.problem.title}`.slice(0, 300));
    }
    throw e;
  }
}
