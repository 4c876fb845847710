import { redactText, type Actor } from "@baton/core";

/** The actor of changes Baton makes itself (and of commands sent without one). */
export const SYSTEM: Actor = { kind: "system" };

/**
 * Redacts card numbers from free text before it reaches any table (docs/architecture.md §7):
 * a second line for every column other than the event row that stores caller text. The event
 * row is stored as it arrives, redacted once at the entry (ingest/redact.ts, or the chat
 * socket's message path).
 */
export function clean(text: string): string;
export function clean(text: string | null | undefined): string | null;
export function clean(text: string | null | undefined): string | null {
  return text === null || text === undefined ? null : redactText(text).text;
}

/** Shortens text for one-line summaries. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
