export * from "./flush";
export * from "./outbox";
export * as schema from "./schema";
