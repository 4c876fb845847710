import { app } from "./app";

export { CustomerObject } from "./objects/customer";
export { IdentityObject } from "./objects/identity";
export { JourneyObject } from "./objects/journey";
export { WorkspaceObject } from "./objects/workspace";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
