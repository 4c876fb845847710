import type { SinceLastTouch } from "./context";

/** The bot pack's option and item types, shared by its builder and its section planners. */
export interface BotPackOptions {
  /** Budget for the whole `text`, in estimateTokens units (ceil(UTF-8 bytes / 4)). */
  budgetTokens: number;
  now: Date;
  /** ISO instant of the customer's previous contact: events after it are "what changed". */
  since?: string;
  /**
   * What changed since the bot's last touch (docs/continuity.md): used for the "what changed"
   * section when `since` is absent.
   */
  sinceLastTouch?: SinceLastTouch | null;
  /** False until the customer proved who they are: the pack then carries nothing personal. */
  verified: boolean;
}

export type BotSectionId =
  | "exceptions"
  | "at_risk"
  | "must_not_contradict"
  | "do_not_ask_again"
  | "changed_since_last_contact"
  | "earlier_journeys"
  | "journey"
  | "history";

/** One line of the pack: `- [kind · source · at] text`. */
export interface BotPackItem {
  kind: string;
  source: string;
  /** UTC, minute precision: 2026-03-01T16:05Z. */
  at: string;
  text: string;
}
