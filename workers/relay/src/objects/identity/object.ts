import { DurableObject } from "cloudflare:workers";
import { newId, type Verification } from "@baton/core";
import { consumeFault, faultsEnabled, type FaultMode } from "../../faults";
import { bindToken, pruneTokens, settleToken, type TokenState } from "./tokens";
import { migrate } from "../migrate";
import { IDENTITY_SCHEMA } from "./schema";

export type { Verification };
const STRENGTH: Record<Verification, number> = { claimed: 0, asserted: 1, verified: 2 };

export interface IdentityLink {
  customerId: string;
  source: string;
  verification: Verification;
  createdAt: string;
}

/** An SMS number pair's binding to a journey (the one that last sent on it). */
export interface PairBinding {
  journeyId: string;
  /** The outbound message event that made the binding. */
  eventId: string;
  /** Epoch ms; the binding routes nothing after it. */
  expiresAt: number;
}

/** The journey a thread reference belongs to. */
/** What `lookup` answers: the link, and the live binding of the pair it was asked about. */
export type IdentityLookup = IdentityLink & { pair?: PairBinding };

/** What `lookup` answers for a message an erasure tombstoned (docs/privacy.md "Erasure"). */
export interface ErasedLookup {
  erased: true;
}

export interface ThreadLink {
  journeyId: string;
  customerId: string | null;
}

type LinkRow = Record<string, string>;
interface BriefRow {
  customerId: string;
  version: number;
  /** The brief as stored (JSON, or null). */
  json: string | null;
  /** `json` parsed, once, by the first lookup that needs it. */
  parsed?: unknown;
}

/**
 * One per (workspace, identifier): the serialization point that makes concurrent first
 * contacts from the same address create one customer, never two.
 *
 * The link and the brief are also kept in memory (`#linkRow`, `#briefRow`): every write to
 * them goes through this object, one call at a time, so the copy is exact. A call-start
 * lookup then costs no SQLite query and no JSON parse, only the object hop itself
 * (docs/benchmarks.md, "Profile"). `undefined` means "not read yet". A phone number's object
 * also holds its SMS pair bindings, one row per company number (read by primary key, when an
 * inbound SMS asks: one SQLite lookup, no extra object call).
 */
export class IdentityObject extends DurableObject<Env> {
  readonly #sql: SqlStorage;
  #linkRow: LinkRow | null | undefined = undefined;
  #briefRow: BriefRow | null | undefined = undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, IDENTITY_SCHEMA);
    });
  }

  /**
   * The customer this identifier belongs to, or null. With `pairWith` (a company number, on a
   * phone number's object) it also answers the live binding of that pair, if any, so that an
   * inbound SMS needs no other call to find it. A binding counts only while the number is
   * linked: an unlinked number answers null.
   */
  lookup(
    workspace: string,
    pairWith?: string,
    tombstone?: string,
  ): IdentityLookup | ErasedLookup | null {
    // A late provider retry of a message whose customer was erased: store nothing.
    if (tombstone !== undefined && this.#isTombstoned(tombstone)) return { erased: true };
    const row = this.#read();
    if (!row || row.workspace !== workspace) return null;
    const link = toLink(row);
    const pair = pairWith === undefined ? null : this.#pair(pairWith);
    return pair && pair.workspace === workspace && pair.expires_at > Date.now()
      ? { ...link, pair: toBinding(pair) }
      : link;
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
    if (existing) {
      const stronger = STRENGTH[verification] > STRENGTH[existing.verification as Verification];
      // A merely claimed link is weak: a trusted link from another customer takes it over.
      if (existing.customer_id !== customerId && existing.verification === "claimed" && stronger) {
        this.#sql.exec(
          "UPDATE link SET customer_id = ?, verification = ?, source = ?, created_at = ?, merge_id = NULL, previous_customer_id = NULL WHERE singleton = 1",
          customerId ?? newId("cus"),
          verification,
          source,
          new Date().toISOString(),
        );
        this.#linkRow = undefined;
        const taken = this.#read();
        if (taken) return { ...toLink(taken), created: true };
      }
      if (existing.customer_id === customerId && stronger) {
        this.#sql.exec(
          "UPDATE link SET verification = ?, source = ? WHERE singleton = 1",
          verification,
          source,
        );
        this.#linkRow = undefined;
        const upgraded = this.#read();
        if (upgraded) return { ...toLink(upgraded), created: false };
      }
      return { ...toLink(existing), created: false };
    }
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
    this.#linkRow = undefined;
    const row = this.#read();
    if (!row) throw new Error("link row missing after insert");
    return { ...toLink(row), created: true };
  }

  /**
   * Stores the customer's call brief (v4) unless a newer version is already here, and only
   * for the customer this identifier is linked to (a stale push after a merge is ignored).
   */
  setBrief(workspace: string, customerId: string, version: number, brief: unknown): boolean {
    const link = this.#read();
    if (!link || link.workspace !== workspace || link.customer_id !== customerId) return false;
    const current = this.#brief();
    if (current && current.customerId === customerId && current.version >= version) return false;
    const json = brief === null ? null : JSON.stringify(brief);
    this.#sql.exec(
      "INSERT OR REPLACE INTO brief (singleton, customer_id, version, brief, updated_at) VALUES (1, ?, ?, ?, ?)",
      customerId,
      version,
      json,
      new Date().toISOString(),
    );
    this.#briefRow = { customerId, version, json };
    return true;
  }

  /**
   * One hop for call start: the link and the linked customer's brief (null when none was
   * pushed yet, or it belongs to a customer this identifier no longer points to).
   */
  context(workspace: string): { link: IdentityLink; brief: unknown } | null {
    const link = this.#read();
    if (!link || link.workspace !== workspace) return null;
    const row = this.#brief();
    if (!row || row.customerId !== link.customer_id || row.json === null) {
      return { link: toLink(link), brief: null };
    }
    row.parsed ??= JSON.parse(row.json) as unknown;
    return { link: toLink(link), brief: row.parsed };
  }

  /** Merge: moves the link from `from` to `to`, remembering `from` for an unmerge. */
  relink(workspace: string, from: string, to: string, mergeId: string): IdentityLink | null {
    const row = this.#read();
    if (!row || row.workspace !== workspace) return null;
    if (row.customer_id === from) {
      this.#sql.exec(
        "UPDATE link SET customer_id = ?, previous_customer_id = ?, merge_id = ? WHERE singleton = 1",
        to,
        from,
        mergeId,
      );
      this.#linkRow = undefined;
    }
    const after = this.#read();
    return after ? toLink(after) : null;
  }

  /** Unmerge: puts the link back where the merge found it. */
  unrelink(mergeId: string): void {
    this.#sql.exec(
      "UPDATE link SET customer_id = previous_customer_id, previous_customer_id = NULL, merge_id = NULL WHERE merge_id = ?",
      mergeId,
    );
    this.#linkRow = undefined;
  }

  /** Removes the link when it belongs to `customerId`. */
  unlink(workspace: string, customerId: string): boolean {
    const row = this.#read();
    if (!row || row.workspace !== workspace || row.customer_id !== customerId) return false;
    this.#sql.exec("DELETE FROM link WHERE singleton = 1");
    this.#linkRow = undefined;
    return true;
  }

  /** The journey this thread reference belongs to, or null. */
  thread(workspace: string): ThreadLink | null {
    const row = this.#thread();
    return row && row.workspace === workspace
      ? { journeyId: row.journey_id, customerId: row.customer_id }
      : null;
  }

  /** Remembers the thread reference for a journey; the first journey to claim it keeps it. */
  claimThread(
    workspace: string,
    ref: string,
    journeyId: string,
    customerId: string | null,
  ): ThreadLink {
    if (!this.#thread()) {
      this.#sql.exec(
        "INSERT INTO thread (singleton, workspace, ref, journey_id, customer_id, created_at) VALUES (1, ?, ?, ?, ?, ?)",
        workspace,
        ref,
        journeyId,
        customerId,
        new Date().toISOString(),
      );
    }
    const row = this.#thread();
    if (!row) throw new Error("thread row missing after insert");
    return { journeyId: row.journey_id, customerId: row.customer_id };
  }

  /**
   * Binds the pair (this phone number, `company`) to `binding.journeyId`: the latest binding
   * wins. A retried write of the same message (same `eventId`) keeps the binding it made, so
   * the retry answers the same expiry.
   */
  bindPair(workspace: string, company: string, binding: PairBinding): PairBinding {
    const current = this.#pair(company);
    if (current && current.workspace === workspace && current.event_id === binding.eventId) {
      return toBinding(current);
    }
    this.#sql.exec(
      "INSERT OR REPLACE INTO phone_pair (company, workspace, journey_id, event_id, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      company,
      workspace,
      binding.journeyId,
      binding.eventId,
      binding.expiresAt,
      new Date().toISOString(),
    );
    return binding;
  }

  /**
   * Binds a Mailgun token to the message it came with (see identity-tokens.ts). Expired
   * tokens are deleted first, and the alarm is armed for the earliest expiry.
   */
  async bindToken(
    workspace: string,
    token: string,
    binding: string,
    expiresAt: number,
  ): Promise<TokenState> {
    pruneTokens(this.#sql, Date.now());
    const state = bindToken(this.#sql, workspace, token, binding, expiresAt);
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || alarm > expiresAt) await this.ctx.storage.setAlarm(expiresAt);
    return state;
  }

  /** Spends a bound token: its message is stored, and `answer` is what the request was told. */
  settleToken(workspace: string, token: string, binding: string, answer: string): boolean {
    return settleToken(this.#sql, workspace, token, binding, answer);
  }

  /** Only token objects arm an alarm: it deletes expired tokens and re-arms for the next. */
  override async alarm(): Promise<void> {
    const next = pruneTokens(this.#sql, Date.now());
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  /**
   * Erasure (docs/privacy.md "Erasure"): deletes everything this object holds (the link, the
   * call brief, SMS pair bindings, a thread reference, tokens) and keeps only `tombstones`,
   * hashes of the provider message ids of the erased customer's events, with the ones earlier
   * erasures left. Idempotent. Answers whether anything but tombstones was here.
   */
  async erase(workspace: string, erasureId: string, tombstones: string[]): Promise<boolean> {
    const held =
      this.#read() !== null ||
      this.#thread() !== null ||
      this.#sql.exec("SELECT 1 FROM phone_pair LIMIT 1").toArray().length > 0;
    const earlier = this.#sql
      .exec<{ hash: string; erasure_id: string; at: string }>("SELECT * FROM erased")
      .toArray();
    // deleteAll removes the database itself, so no deleted row lingers in its free pages.
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    migrate(this.ctx.storage, IDENTITY_SCHEMA);
    this.#linkRow = undefined;
    this.#briefRow = undefined;
    const now = new Date().toISOString();
    this.ctx.storage.transactionSync(() => {
      for (const r of earlier) {
        this.#sql.exec("INSERT OR IGNORE INTO erased VALUES (?, ?, ?)", r.hash, r.erasure_id, r.at);
      }
      for (const h of tombstones) {
        this.#sql.exec("INSERT OR IGNORE INTO erased VALUES (?, ?, ?)", h, erasureId, now);
      }
    });
    this.#tombstoned = null;
    void workspace;
    return held;
  }

  /** Whether any tombstone is stored, read once per instance (the hot path skips the query). */
  #tombstoned: boolean | null = null;

  #isTombstoned(hash: string): boolean {
    this.#tombstoned ??= this.#sql.exec("SELECT 1 FROM erased LIMIT 1").toArray().length > 0;
    if (!this.#tombstoned) return false;
    return this.#sql.exec("SELECT 1 FROM erased WHERE hash = ?", hash).toArray().length > 0;
  }

  /** Test-only fault plan (src/faults.ts); null, touching nothing, unless enabled. */
  takeFault(workspace: string, point: string): FaultMode | null {
    return faultsEnabled(this.env, workspace) ? consumeFault(this.ctx.storage, point) : null;
  }

  #thread(): { workspace: string; journey_id: string; customer_id: string | null } | null {
    return (
      this.#sql
        .exec<{ workspace: string; journey_id: string; customer_id: string | null }>(
          "SELECT workspace, journey_id, customer_id FROM thread WHERE singleton = 1",
        )
        .toArray()[0] ?? null
    );
  }

  #pair(company: string): PairRow | null {
    return (
      this.#sql
        .exec<PairRow>(
          "SELECT workspace, journey_id, event_id, expires_at FROM phone_pair WHERE company = ?",
          company,
        )
        .toArray()[0] ?? null
    );
  }

  #read(): LinkRow | null {
    this.#linkRow ??=
      this.#sql.exec<LinkRow>("SELECT * FROM link WHERE singleton = 1").toArray()[0] ?? null;
    return this.#linkRow;
  }

  #brief(): BriefRow | null {
    if (this.#briefRow === undefined) {
      const row = this.#sql
        .exec<{ customer_id: string; version: number; brief: string | null }>(
          "SELECT customer_id, version, brief FROM brief WHERE singleton = 1",
        )
        .toArray()[0];
      this.#briefRow = row
        ? { customerId: row.customer_id, version: row.version, json: row.brief }
        : null;
    }
    return this.#briefRow;
  }
}

interface PairRow extends Record<string, SqlStorageValue> {
  workspace: string;
  journey_id: string;
  event_id: string;
  expires_at: number;
}

function toBinding(row: PairRow): PairBinding {
  return { journeyId: row.journey_id, eventId: row.event_id, expiresAt: row.expires_at };
}

function toLink(row: Record<string, string>): IdentityLink {
  return {
    customerId: String(row.customer_id),
    source: String(row.source),
    verification: row.verification as Verification,
    createdAt: String(row.created_at),
  };
}
