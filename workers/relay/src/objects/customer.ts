import { DurableObject } from "cloudflare:workers";
import { newId } from "@baton/core";
import { migrate, type Migration } from "./sql-migrations";

const MIGRATIONS: readonly Migration[] = [
  [
    `CREATE TABLE customer (
      singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
      workspace TEXT NOT NULL,
      id TEXT NOT NULL,
      created_at TEXT NOT NULL
    )`,
    `CREATE TABLE identifiers (
      identifier TEXT PRIMARY KEY,
      created_at TEXT NOT NULL
    )`,
    `CREATE TABLE journeys (
      id TEXT PRIMARY KEY,
      created_at TEXT NOT NULL,
      closed_at TEXT
    )`,
  ],
];

export interface CurrentJourney {
  journeyId: string;
  created: boolean;
}

/**
 * One per (workspace, customer): the customer's identifiers and journey index. It decides
 * which journey an event without a journey id belongs to, so two channels of one customer
 * never start two journeys at once.
 */
export class CustomerObject extends DurableObject<Env> {
  readonly #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, MIGRATIONS);
    });
  }

  /** The customer's current journey, starting one (and the customer record) when there is none. */
  current(workspace: string, customerId: string, identifiers: string[]): CurrentJourney {
    const now = new Date().toISOString();
    this.#sql.exec(
      "INSERT OR IGNORE INTO customer (singleton, workspace, id, created_at) VALUES (1, ?, ?, ?)",
      workspace,
      customerId,
      now,
    );
    for (const i of identifiers) {
      this.#sql.exec(
        "INSERT OR IGNORE INTO identifiers (identifier, created_at) VALUES (?, ?)",
        i,
        now,
      );
    }
    const open = this.#sql
      .exec<{ id: string }>(
        "SELECT id FROM journeys WHERE closed_at IS NULL ORDER BY created_at DESC LIMIT 1",
      )
      .toArray()[0];
    if (open) return { journeyId: open.id, created: false };
    return { journeyId: this.#start(now), created: true };
  }

  /**
   * Called when `journeyId` turned out to be resolved: marks it closed and returns the
   * customer's current journey, starting a new one if that was the last open one. Racing
   * callers that saw the same closed journey get the same new journey.
   */
  roll(journeyId: string): CurrentJourney {
    const now = new Date().toISOString();
    this.#sql.exec(
      "UPDATE journeys SET closed_at = ? WHERE id = ? AND closed_at IS NULL",
      now,
      journeyId,
    );
    const open = this.#sql
      .exec<{ id: string }>(
        "SELECT id FROM journeys WHERE closed_at IS NULL ORDER BY created_at DESC LIMIT 1",
      )
      .toArray()[0];
    if (open) return { journeyId: open.id, created: false };
    return { journeyId: this.#start(now), created: true };
  }

  /** The customer's journeys, newest first. */
  journeys(): { id: string; createdAt: string; closedAt: string | null }[] {
    return this.#sql
      .exec<{ id: string; created_at: string; closed_at: string | null }>(
        "SELECT id, created_at, closed_at FROM journeys ORDER BY created_at DESC",
      )
      .toArray()
      .map((r) => ({ id: r.id, createdAt: r.created_at, closedAt: r.closed_at }));
  }

  #start(now: string): string {
    const id = newId("jrn");
    this.#sql.exec("INSERT INTO journeys (id, created_at) VALUES (?, ?)", id, now);
    return id;
  }
}
