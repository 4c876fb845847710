import { Hono } from "hono";
import type { AppEnv } from "../env";
import { providerHookLimit } from "../http/ratelimit";
import { emailHooks } from "../ingest/email-hooks";
import { twilio } from "../ingest/twilio";
import { deliveryHooks } from "../outreach/delivery";

/**
 * Provider webhooks under /hooks/:workspace/…. Each provider authenticates with its own
 * signature scheme (never an API key); its adapter lives in packages/channels.
 */
export const hooks = new Hono<AppEnv>();
// Provider webhooks have their own per-workspace limit; only retrying providers are refused.
hooks.use("*", providerHookLimit);
hooks.route("/", deliveryHooks);
hooks.route("/", emailHooks);
hooks.route("/twilio", twilio);
