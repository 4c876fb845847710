import { app } from "./app";
import { handleEmail, type InboundEmailMessage } from "./ingest/email";
import { historyQueue } from "./history/consumer";
import { purgeHistory } from "./history/retention";
import { outreachQueue } from "./outreach/consumer";

export { CustomerObject } from "./objects/customer/object";
export { IdentityObject } from "./objects/identity/object";
export { JourneyObject } from "./objects/journey/object";
export { WebhooksObject } from "./objects/webhooks/object";
export { WorkspaceObject } from "./objects/workspace/object";

export default {
  fetch: app.fetch,
  // Cloudflare Email Routing (catch-all → this Worker); see docs/channels/email.md.
  // Typed with the subset the handler reads, so tests can pass a plain object.
  email: (message: InboundEmailMessage, env: Env) => handleEmail(message, env),
  // D1 history: the history queue and its dead-letter queue (history/consumer.ts); the
  // outreach queue (outreach/consumer.ts, docs/outreach.md).
  queue: (batch: MessageBatch, env: Env) =>
    batch.queue.startsWith("baton-outreach") ? outreachQueue(batch, env) : historyQueue(batch, env),
  // Retention in D1 (history/retention.ts, docs/privacy.md "Retention"): the hourly cron.
  scheduled: async (_controller: ScheduledController, env: Env) => {
    const r = await purgeHistory(env);
    console.log(`retention: ${JSON.stringify(r)}`);
  },
} satisfies ExportedHandler<Env>;
