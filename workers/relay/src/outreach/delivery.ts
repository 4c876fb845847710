/**
 * Delivery reports for what Baton sent (docs/outreach.md "Delivery states"): Twilio's message
 * status callbacks (ingest/twilio.ts calls `noteTwilioDelivery`) and the email providers' event
 * webhooks, mounted at /hooks/:workspace/{postmark,mailgun,sendgrid}/events. Each is verified
 * like the provider's inbound webhook; a report names its message by the tag Baton gave it
 * (`<journeyId>:<outreachId>`) and updates that journey's outreach row.
 */
import {
  basicAuthMatches,
  parseMailgunEvent,
  parsePostmarkEvent,
  parseSendgridEvents,
  twilioDeliveryEvent,
  type DeliveryEvent,
} from "@baton/channels";
import { JourneyId } from "@baton/core";
import { Hono, type Context } from "hono";
import type { AppEnv } from "../env";
import { fail } from "../http/problem";
import { journeyStub } from "../objects/access";
import { workspaceSettings } from "../objects/workspace/settings";

export const deliveryHooks = new Hono<AppEnv>();

const OUTREACH_ID = /^otr_[0-9a-z]{22}$/;

/** Reads a `<journeyId>:<outreachId>` tag; null when it is not one of Baton's. */
function tagOf(tag: string | null): { journeyId: string; outreachId: string } | null {
  if (!tag) return null;
  const [journeyId, outreachId] = tag.split(":");
  if (!journeyId || !outreachId) return null;
  if (!JourneyId.safeParse(journeyId).success || !OUTREACH_ID.test(outreachId)) return null;
  return { journeyId, outreachId };
}

/** Applies one report to its journey; reports for messages Baton did not send are ignored. */
async function apply(
  env: Env,
  ws: string,
  journeyId: string,
  ev: DeliveryEvent,
  outreachId: string | null,
): Promise<boolean> {
  if (ev.status === "sent" || ev.status === "deferred") return false;
  const out = await journeyStub(env, ws, journeyId).outreachDelivery(ws, journeyId, {
    outreachId,
    providerId: ev.providerId,
    status: ev.status,
    permanent: ev.permanent,
    reason: ev.reason,
    detail: `${ev.provider}: ${ev.detail}`,
  });
  return out.ok && out.value.changed;
}

/**
 * A verified Twilio message status callback on a journey (the StatusCallback URL names the
 * journey, and the outreach row when Baton sent the message). Unknown messages change nothing.
 */
export async function noteTwilioDelivery(
  env: Env,
  ws: string,
  journeyId: string,
  form: URLSearchParams,
  outreachId: string | undefined,
): Promise<void> {
  const id = outreachId && OUTREACH_ID.test(outreachId) ? outreachId : null;
  const ev = twilioDeliveryEvent(form, { outreachId: id });
  if (!ev.ok || !ev.value) return;
  await apply(env, ws, journeyId, ev.value, id);
}

async function settingsOf(c: Context<AppEnv>) {
  const ws = c.req.param("workspace") ?? "";
  const settings = await workspaceSettings(c.env, ws);
  if (!settings) fail(404, "webhook_not_found", "No such webhook");
  return { ws, settings };
}

async function jsonOf(c: Context<AppEnv>): Promise<unknown> {
  try {
    return JSON.parse(await c.req.text()) as unknown;
  } catch {
    return fail(400, "malformed_payload", "The body is not valid JSON");
  }
}

async function applyAll(c: Context<AppEnv>, ws: string, events: DeliveryEvent[]) {
  let applied = 0;
  for (const ev of events) {
    const tag = tagOf(ev.outreachId);
    if (tag && (await apply(c.env, ws, tag.journeyId, ev, tag.outreachId))) applied++;
  }
  return c.json({ received: events.length, applied }, 200);
}

/** Postmark delivery, bounce and spam-complaint webhooks: the Basic credentials of the URL. */
deliveryHooks.post("/postmark/events", async (c) => {
  const { ws, settings } = await settingsOf(c);
  const cfg = settings.providers.postmark;
  if (!cfg) fail(404, "webhook_not_found", "Postmark is not configured for this workspace");
  if (!(await basicAuthMatches(c.req.header("authorization"), cfg.username, cfg.password)))
    fail(
      401,
      "unauthorized",
      "Bad or missing credentials",
      "use the webhook URL's Basic credentials",
    );
  const ev = parsePostmarkEvent(await jsonOf(c));
  if (!ev.ok)
    fail(400, "malformed_payload", "Unreadable Postmark event", JSON.stringify(ev.error.errors));
  return applyAll(c, ws, ev.value ? [ev.value] : []);
});

/** Mailgun's events webhook: signed with the webhook signing key. */
deliveryHooks.post("/mailgun/events", async (c) => {
  const { ws, settings } = await settingsOf(c);
  const cfg = settings.providers.mailgun;
  if (!cfg) fail(404, "webhook_not_found", "Mailgun is not configured for this workspace");
  const ev = await parseMailgunEvent(
    await jsonOf(c),
    cfg.signingKey,
    Math.floor(Date.now() / 1000),
  );
  if (!ev.ok) {
    if (ev.error.code === "invalid_payload")
      fail(400, "malformed_payload", "Unreadable Mailgun event", JSON.stringify(ev.error.errors));
    fail(403, "invalid_signature", "The Mailgun signature does not verify", ev.error.code);
  }
  return applyAll(c, ws, ev.value ? [ev.value] : []);
});

/**
 * SendGrid's Event Webhook: signed (ECDSA P-256) with the key SendGrid shows when signing is
 * switched on; set it as `providers.sendgrid.eventPublicKey`. Unsigned events are refused.
 */
deliveryHooks.post("/sendgrid/events", async (c) => {
  const { ws, settings } = await settingsOf(c);
  const cfg = settings.providers.sendgrid;
  if (!cfg?.eventPublicKey)
    fail(
      404,
      "webhook_not_found",
      "SendGrid events are not configured for this workspace",
      "set providers.sendgrid.eventPublicKey (the Event Webhook's verification key)",
    );
  const ev = await parseSendgridEvents(await c.req.text(), c.req.raw.headers, cfg.eventPublicKey);
  if (!ev.ok) {
    if (ev.error.code === "invalid_payload")
      fail(400, "malformed_payload", "Unreadable SendGrid events", JSON.stringify(ev.error.errors));
    fail(403, "invalid_signature", "The SendGrid signature does not verify", ev.error.code);
  }
  return applyAll(c, ws, ev.value);
});
