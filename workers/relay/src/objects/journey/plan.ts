import type { Actor } from "@baton/core";
import type { OutboxRecord } from "@baton/db";
import type { JourneyRecord } from "./views";

/**
 * A write plan: what one write puts in the journey's log, plus its side effects on the other
 * tables. The planners (commands.ts, exceptions.ts, owner.ts, promises.ts) return plans; only
 * object.ts executes them, inside one SQLite transaction.
 */
export interface WriteSpec {
  type: string;
  channel: string | null;
  direction: string | null;
  actor: Actor | null;
  text: string | null;
  data: Record<string, unknown> | null;
  occurredAt: string | null;
  repeated?: boolean | undefined;
  /** Replacements already made before the object (added to events.redactions). */
  redactions?: number | undefined;
  /** Runs inside the transaction after the event row is written. */
  apply?: (seq: number, now: string, j: JourneyRecord) => Partial<OutboxRecord> | void;
  /** Sets the journey's last action (the last thing the company did). */
  lastAction?: string | undefined;
  createdId?: string | undefined;
}
