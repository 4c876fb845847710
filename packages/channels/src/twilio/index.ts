// Twilio: signature verification, webhook parameters → EventInput, TwiML replies.
export * from "./parse";
export * from "./signature";
export * from "./twiml";
