import { Hono } from "hono";
import type { AppEnv } from "../env";
import { emailHooks } from "../ingest/email-hooks";
import { twilio } from "../ingest/twilio";
import { deliveryHooks } from "../outreach/delivery";

/**
 * Provider webhooks under /hooks/:workspace/…. Each provider authenticates with its own
 * signature scheme (never an API key); its adapter lives in packages/channels.
 */
export const hooks = new Hono<AppEnv>();
hooks.route("/", deliveryHooks);
hooks.route("/", emailHooks);
hooks.route("/twilio", twilio);
