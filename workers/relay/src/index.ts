import { app } from "./app";
import { handleEmail, type InboundEmailMessage } from "./email";
import { historyQueue } from "./history/consumer";

export { CustomerObject } from "./objects/customer";
export { IdentityObject } from "./objects/identity";
export { JourneyObject } from "./objects/journey";
export { WebhooksObject } from "./objects/webhooks";
export { WorkspaceObject } from "./objects/workspace";

export default {
  fetch: app.fetch,
  // Cloudflare Email Routing (catch-all → this Worker); see docs/channels/email.md.
  // Typed with the subset the handler reads, so tests can pass a plain object.
  email: (message: InboundEmailMessage, env: Env) => handleEmail(message, env),
  // D1 history: the history queue and its dead-letter queue (history/consumer.ts).
  queue: (batch: MessageBatch, env: Env) => historyQueue(batch, env),
} satisfies ExportedHandler<Env>;
