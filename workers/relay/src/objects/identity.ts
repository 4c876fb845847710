import { DurableObject } from "cloudflare:workers";
import { newId } from "@baton/core";
import { migrate, type Migration } from "./sql-migrations";

/** How an identifier came to be linked to its customer (the identity issue widens this). */
export type Verification = "verified" | "asserted" | "claimed";

export interface IdentityLink {
  customerId: string;
  source: string;
  verification: Verification;
  createdAt: string;
}

const MIGRATIONS: readonly Migration[] = [
  [
    `CREATE TABLE link (
      singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
      workspace TEXT NOT NULL,
      identifier TEXT NOT NULL,
      customer_id TEXT NOT NULL,
      source TEXT NOT NULL,
      verification TEXT NOT NULL,
      created_at TEXT NOT NULL
    )`,
  ],
];

/**
 * One per (workspace, identifier): the serialization point that makes concurrent first
 * contacts from the same address create one customer, never two.
 */
export class IdentityObject extends DurableObject<Env> {
  readonly #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, MIGRATIONS);
    });
  }

  /** The customer this identifier belongs to, or null. */
  lookup(workspace: string): IdentityLink | null {
    const row = this.#read();
    return row && row.workspace === workspace ? toLink(row) : null;
  }

  /**
   * Links the identifier to `customerId` (or to a new customer) unless it is linked already,
   * and returns the link that holds. Synchronous, so two racing callers see one answer.
   */
  claim(
    workspace: string,
    identifier: string,
    customerId: string | null,
    source: string,
    verification: Verification,
  ): IdentityLink & { created: boolean } {
    const existing = this.#read();
    if (existing) return { ...toLink(existing), created: false };
    const id = customerId ?? newId("cus");
    this.#sql.exec(
      "INSERT INTO link (singleton, workspace, identifier, customer_id, source, verification, created_at) VALUES (1, ?, ?, ?, ?, ?, ?)",
      workspace,
      identifier,
      id,
      source,
      verification,
      new Date().toISOString(),
    );
    const row = this.#read();
    if (!row) throw new Error("link row missing after insert");
    return { ...toLink(row), created: true };
  }

  #read(): Record<string, string> | null {
    return (
      this.#sql
        .exec<Record<string, string>>("SELECT * FROM link WHERE singleton = 1")
        .toArray()[0] ?? null
    );
  }
}

function toLink(row: Record<string, string>): IdentityLink {
  return {
    customerId: String(row.customer_id),
    source: String(row.source),
    verification: row.verification as Verification,
    createdAt: String(row.created_at),
  };
}
