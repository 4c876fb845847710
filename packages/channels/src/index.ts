// Provider adapters: verify + parse into one canonical event. Each provider exports from here.
export * from "./email";
export * from "./twilio";
export * from "./outbound";
