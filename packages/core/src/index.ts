export * from "./context";
export * from "./ids";
export * from "./journey";
export * from "./limits";
export * from "./redact";
export * from "./result";
export * from "./time";
export * from "./settings";
