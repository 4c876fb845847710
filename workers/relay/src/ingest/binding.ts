import {
  isSupportedRegion,
  normalizeIdentifier,
  signWithDerivedKey,
  fromBase64Url,
  sha256Hex,
  toHex,
  type EventInput,
  type WorkspaceSettings,
} from "@baton/core";
import { identityStub } from "../objects/access";
import type { PairBinding } from "../objects/identity/object";
import type { IngestContext } from "./types";

/*
 * What lets a customer's answer thread back to the journey a company message came from
 * (docs/channels/email.md "Sending replies", docs/channels/twilio.md "Pair binding"):
 *
 * - email: a Message-ID and a `reply+<token>@<domain>` address, both claimed as thread
 *   references of the journey when the message is recorded (the first claim of each wins);
 * - SMS: the pair (customer number, company number) bound to the journey that last sent on
 *   it, for `replies.smsBindingDays`, in the customer number's identity object; an inbound SMS
 *   on a bound pair goes to that journey before customer routing (resolve.ts).
 */

/** A phone number read with the workspace's region, or null when it is not one. */
function phone(value: string, settings: WorkspaceSettings | null) {
  const region = settings?.defaultRegion ?? "US";
  const r = normalizeIdentifier(
    { type: "phone", value },
    { defaultRegion: isSupportedRegion(region) ? region : "US" },
  );
  return r.ok && r.value.type === "phone" ? r.value : null;
}

/** A phone number in E.164 with the workspace's region, or null when it is not one. */
export function e164(value: string, settings: WorkspaceSettings | null): string | null {
  return phone(value, settings)?.value ?? null;
}

/**
 * The identity object key of a customer's phone number, as normalize.ts spells a phone
 * identifier's `LinkedIdentifier.key` (`phone:<E.164>`): its pair bindings live in that object.
 */
export function phoneKey(customer: string, settings: WorkspaceSettings | null): string {
  return phone(customer, settings)?.key ?? `phone:${customer}`;
}

/**
 * Binds the pair to the journey (the latest binding wins); a retry keeps its own binding.
 * The binding is stored in the customer number's identity object, keyed by the company number.
 */
export async function bindPair(
  ctx: IngestContext,
  customer: string,
  company: string,
  binding: PairBinding,
): Promise<PairBinding> {
  const key = phoneKey(customer, ctx.settings);
  return identityStub(ctx.env, ctx.workspace, key).bindPair(ctx.workspace, company, binding);
}

/**
 * The company number an event's customer phone may be bound to: only for an inbound SMS
 * whose `data.to` reads as a phone number (E.164), else undefined. No object call: the
 * binding itself is read by the sender's identity lookup (match-customer.ts).
 */
export function smsCompany(ctx: IngestContext, input: EventInput): string | undefined {
  if (input.channel !== "sms" || input.direction !== "inbound") return undefined;
  const to = input.data?.to;
  if (typeof to !== "string") return undefined;
  return e164(to, ctx.settings) ?? undefined;
}

/** What an email the company sends carries so that the customer's answer threads back. */
export interface EmailThreading {
  messageId: string;
  replyTo: string;
  /** The thread references the journey claims: `email:<Message-ID>` and `reply:<token>`. */
  refs: string[];
}

const TOKEN_PURPOSE = "baton reply token v1";

/**
 * Mints the Message-ID and reply address of one outbound email. With an idempotency key the
 * values are derived from it (an HMAC under REPLY_TOKEN_SECRET), so a retry of the same request
 * answers the same headers; without one they are random.
 */
export async function mintEmailThreading(
  env: Env,
  workspace: string,
  journeyId: string,
  idempotencyKey: string | undefined,
  domain: string,
): Promise<EmailThreading> {
  let hex: string;
  if (idempotencyKey === undefined) {
    hex = toHex(crypto.getRandomValues(new Uint8Array(12)));
  } else {
    const material = `${workspace}\n${journeyId}\n${idempotencyKey}`;
    // REPLY_TOKEN_SECRET keys only this derivation (docs/privacy.md "Secrets"). Without it
    // (never in a deployment) the derivation is a plain digest.
    const secret = env.REPLY_TOKEN_SECRET;
    hex = secret
      ? toHex(fromBase64Url(await signWithDerivedKey(secret, TOKEN_PURPOSE, material))).slice(0, 24)
      : (await sha256Hex(`${TOKEN_PURPOSE}\n${material}`)).slice(0, 24);
  }
  const token = `${workspace}.${hex}`;
  const messageId = `<baton.${hex}@${domain}>`;
  return {
    messageId,
    replyTo: `reply+${token}@${domain}`,
    refs: [`email:${messageId}`, `reply:${token}`],
  };
}
