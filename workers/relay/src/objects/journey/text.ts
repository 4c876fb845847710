import { redactText, type Actor } from "@baton/core";

/** The actor of changes Baton makes itself (and of commands sent without one). */
export const SYSTEM: Actor = { kind: "system" };

/**
 * Redacts card numbers from free text before it reaches any table (DESIGN.md §7). The event
 * row is redacted in #write; everything else that stores caller text goes through this.
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
