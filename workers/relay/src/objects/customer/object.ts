import { DurableObject } from "cloudflare:workers";
import {
  callBrief,
  err,
  findPredecessors,
  newId,
  ok,
  redactText,
  type CallBrief,
  type CardBrief,
  type JourneyCard,
  type Result,
  type Verification,
} from "@baton/core";
import { CUSTOMER_SCHEMA } from "./schema";
import { identityStub } from "../access";
import type {
  CustomerError,
  CustomerView,
  LinkedIdentifier,
  MergeMoved,
  MergeView,
  PendingLinkView,
  Resolution,
  ResolveRequest,
} from "./types";
import { migrate } from "../migrate";
import { checkCode, startCode, type CodeIssued } from "./verify";

/** Brief pushes go straight to the identity objects (tests inject faults at the Worker). */
const NO_FAULTS = { faults: false };

const STRENGTH: Record<Verification, number> = { claimed: 0, asserted: 1, verified: 2 };

/** Brief fields that move with every event and that no call-start answer reads. */
const VOLATILE = new Set(["updatedAt", "seq"]);

/** What a brief push says, minus the volatile fields: equal keys, equal pushes. */
function pushKey(
  workspace: string,
  customerId: string,
  identifiers: string[],
  brief: CallBrief | null,
): string {
  return JSON.stringify([workspace, customerId, identifiers, brief], (k, v: unknown) =>
    VOLATILE.has(k) ? undefined : v,
  );
}

/**
 * One per (workspace, customer): the customer's identifiers with provenance, a card per
 * journey, merges and pending links. It picks the journey for events that carry no journey
 * id or known thread (docs/architecture.md §3 rules 2–4), one request at a time, so two channels of one
 * customer never start two journeys at once.
 */
export class CustomerObject extends DurableObject<Env> {
  readonly #sql: SqlStorage;
  /**
   * What the last complete brief push carried (`pushKey`), so a card that changes nothing an
   * identity object's brief says is not pushed again. In memory only: after the object is
   * evicted the first card push goes out again, which is harmless (versions decide).
   */
  #pushed: string | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, CUSTOMER_SCHEMA);
    });
  }

  /**
   * Erasure (docs/privacy.md "Erasure"): deletes the customer's whole database (identifiers,
   * journey cards, merges, pending links, verifications). Answers the view it held, so the job
   * can catch journeys started after it planned; null when nothing was here. Idempotent.
   */
  async erase(workspace: string, customerId: string): Promise<CustomerView | null> {
    const held = this.view(workspace, customerId);
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    migrate(this.ctx.storage, CUSTOMER_SCHEMA);
    this.#pushed = null;
    return held.ok ? held.value : null;
  }

  /** Records the identifiers, then picks (or starts) the journey for a new event. */
  resolve(req: ResolveRequest): Resolution {
    const now = new Date().toISOString();
    // Read first: for a returning customer the row exists, and an INSERT OR IGNORE would
    // still be a write statement on every event.
    let row = this.#row();
    if (!row) {
      this.#ensure(req.workspace, req.customerId, now);
      row = this.#row();
    }
    const merged = row?.merged_into ?? null;
    if (merged) return { kind: "redirect", customerId: merged };
    for (const i of req.identifiers) this.#addIdentifier(i, null);
    const cards = this.#cards();
    const open = cards.filter((c) => c.status !== "resolved");
    if (!req.forceNew) {
      const [first, ...others] = open;
      if (first) {
        return {
          kind: "journey",
          journeyId: first.id,
          rule: "customer_open_journey",
          alternatives: others.map((c) => c.id),
          created: false,
        };
      }
      const last = cards[0];
      const cutoff = Date.now() - req.reopenWindowMs;
      if (last?.resolvedAt && Date.parse(last.resolvedAt) >= cutoff) {
        return {
          kind: "journey",
          journeyId: last.id,
          rule: "reopened",
          alternatives: [],
          created: false,
        };
      }
    }
    const key = req.forceNew ? (req.requestKey ?? null) : null;
    const started = key
      ? this.#sql
          .exec<{ id: string }>("SELECT id FROM journeys WHERE request_key = ?", key)
          .toArray()[0]
      : undefined;
    if (started) {
      return {
        kind: "journey",
        journeyId: started.id,
        rule: "new_journey",
        alternatives: open.filter((c) => c.id !== started.id).map((c) => c.id),
        created: false,
      };
    }
    const id = newId("jrn");
    // Which earlier journeys the new one may continue: the cards, before the new one exists.
    const c = req.continuity;
    const predecessors = c
      ? findPredecessors(c.text, c.topic, cards, { now: Date.now(), windowDays: c.windowDays })
      : [];
    this.#sql.exec(
      "INSERT INTO journeys (id, status, seq, created_at, updated_at, request_key) VALUES (?, 'open', 0, ?, ?, ?)",
      id,
      now,
      now,
      key,
    );
    return {
      kind: "journey",
      journeyId: id,
      rule: "new_journey",
      alternatives: open.map((o) => o.id),
      created: true,
      ...(predecessors.length > 0 ? { predecessors } : {}),
    };
  }

  /**
   * Refreshes a journey card (an older sequence number never overwrites a newer one), then
   * pushes the customer's call brief to every identifier's object.
   */
  /**
   * Retention (objects/journey/retention.ts): a journey deleted whole leaves the customer's
   * cards, so resolution never picks or reopens it, and the call briefs are pushed again
   * without it. Idempotent; answers whether a card was removed.
   */
  async dropJourney(workspace: string, journeyId: string): Promise<boolean> {
    const row = this.#row();
    if (!row || row.workspace !== workspace) return false;
    const removed = this.#sql.exec("DELETE FROM journeys WHERE id = ?", journeyId).rowsWritten;
    this.#sql.exec("DELETE FROM released_journeys WHERE id = ?", journeyId);
    if (removed > 0) await this.#pushBriefs();
    return removed > 0;
  }

  async card(card: JourneyCard): Promise<void> {
    this.#storeCard(card);
    await this.#pushBriefs(false);
  }

  /** The call brief as it stands (fallback when an identity object holds none yet). */
  brief(workspace: string): CallBrief | null {
    const row = this.#row();
    if (!row || row.workspace !== workspace) return null;
    if (row.merged_into) return null;
    return callBrief(row.id, this.#cardsWithBrief());
  }

  #storeCard(card: JourneyCard): void {
    // A journey an unmerge gave back may still push a card that left before it moved: the
    // journey now belongs to the other customer, so the card is not ours to keep.
    const released = this.#sql
      .exec("SELECT 1 FROM released_journeys WHERE id = ?", card.id)
      .toArray().length;
    if (released > 0) return;
    this.#sql.exec(
      `INSERT INTO journeys (id, status, reason_text, reason_topic, seq, created_at, updated_at, resolved_at, brief)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, reason_text = excluded.reason_text,
         reason_topic = excluded.reason_topic, seq = excluded.seq, updated_at = excluded.updated_at,
         resolved_at = excluded.resolved_at, brief = coalesce(excluded.brief, journeys.brief)
       WHERE excluded.seq >= journeys.seq`,
      card.id,
      card.status,
      card.reasonText,
      card.reasonTopic,
      card.seq,
      card.createdAt,
      card.updatedAt,
      card.resolvedAt,
      card.brief ? JSON.stringify(card.brief) : null,
    );
  }

  /**
   * Pushes the call brief to the identity object of each identifier, with a version number so
   * a late push never overwrites a newer brief. Failures are logged: the next card push
   * repairs them, and a lookup that finds no brief asks this object instead.
   *
   * A card push (`force` false) is skipped when the brief would say what the last complete
   * push said to the same identifiers: most journey activity (another inbound message) moves
   * only the brief's `updatedAt` and `seq`, which no call-start answer reads, and each push
   * costs one object call and one durable write per identifier. Merges, undos and restores
   * always push.
   */
  async #pushBriefs(force = true): Promise<void> {
    const row = this.#row();
    if (!row) return;
    const brief = row.merged_into ? null : callBrief(row.id, this.#cardsWithBrief());
    const keys = this.#identifiers().map((i) => i.key);
    const key = pushKey(row.workspace, row.id, keys, brief);
    if (!force && key === this.#pushed) return;
    this.#pushed = null;
    this.#sql.exec("UPDATE customer SET brief_version = brief_version + 1 WHERE singleton = 1");
    const version = this.#sql
      .exec<{ v: number }>("SELECT brief_version AS v FROM customer")
      .one().v;
    const results = await Promise.allSettled(
      keys.map(async (k) =>
        identityStub(this.env, row.workspace, k, NO_FAULTS).setBrief(
          row.workspace,
          row.id,
          version,
          brief,
        ),
      ),
    );
    const failed = results.filter((r) => r.status === "rejected").length;
    if (failed > 0) {
      console.error(`call brief push failed for ${failed} of ${keys.length} identifiers`);
      return;
    }
    // Only a push that reached every identifier may spare the next one; a newer push that
    // started meanwhile (the await above) has already cleared or replaced this.
    if (this.#lastVersion() === version) this.#pushed = key;
  }

  #lastVersion(): number {
    return this.#sql.exec<{ v: number }>("SELECT brief_version AS v FROM customer").one().v;
  }

  #cardsWithBrief(): (JourneyCard & { brief: CardBrief | null })[] {
    const briefs = new Map(
      this.#sql
        .exec<{ id: string; brief: string | null }>("SELECT id, brief FROM journeys")
        .toArray()
        .map((r) => [r.id, r.brief ? (JSON.parse(r.brief) as CardBrief) : null]),
    );
    return this.#cards().map((c) => ({ ...c, brief: briefs.get(c.id) ?? null }));
  }

  /** Marks a journey resolved when its card was stale (the journey object said so). */
  closed(journeyId: string, resolvedAt: string): void {
    this.#sql.exec(
      "UPDATE journeys SET status = 'resolved', resolved_at = ? WHERE id = ? AND status <> 'resolved'",
      resolvedAt,
      journeyId,
    );
  }

  /** The customer with identifiers, journey cards, merges and pending links. */
  view(workspace: string, customerId: string): Result<CustomerView, CustomerError> {
    const row = this.#row();
    if (!row || row.workspace !== workspace || row.id !== customerId) {
      return err({ code: "customer_not_found" });
    }
    return ok({
      id: row.id,
      workspace: row.workspace,
      createdAt: row.created_at,
      mergedInto: row.merged_into,
      identifiers: this.#identifiers(),
      journeys: this.#cards(),
      merges: this.#merges(),
      pendingLinks: this.#pending(),
    });
  }

  /** Links an identifier (API or verification); returns false when the customer is merged away. */
  link(
    workspace: string,
    customerId: string,
    identifier: LinkedIdentifier,
  ): Result<LinkedIdentifier, CustomerError> {
    const row = this.#row();
    if (!row || row.workspace !== workspace || row.id !== customerId)
      return err({ code: "customer_not_found" });
    if (row.merged_into) return err({ code: "customer_merged", into: row.merged_into });
    this.#addIdentifier(identifier, null);
    const stored = this.#identifiers().find((i) => i.key === identifier.key);
    if (!stored) throw new Error("identifier row missing after insert");
    return ok(stored);
  }

  /** Removes an identifier from the customer's record. */
  unlink(key: string): Result<LinkedIdentifier, CustomerError> {
    const found = this.#identifiers().find((i) => i.key === key);
    if (!found) return err({ code: "identifier_not_found", key });
    this.#sql.exec("DELETE FROM identifiers WHERE key = ?", key);
    return ok(found);
  }

  /** Records a link that waits for verification because the identifier belongs to another customer. */
  addPending(identifier: LinkedIdentifier, otherCustomerId: string): PendingLinkView {
    const existing = this.#pending().find(
      (p) =>
        p.status === "pending" && `${p.identifier.type}:${p.identifier.value}` === identifier.key,
    );
    if (existing) return existing;
    const id = newId("pln");
    this.#sql.exec(
      "INSERT INTO pending_links (id, key, type, value, source, other_customer_id, created_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')",
      id,
      identifier.key,
      identifier.type,
      identifier.value,
      identifier.source,
      otherCustomerId,
      new Date().toISOString(),
    );
    const made = this.#pending().find((p) => p.id === id);
    if (!made) throw new Error("pending link missing after insert");
    return made;
  }

  /** Marks a pending link confirmed or rejected; returns it. */
  settlePending(
    id: string,
    status: "confirmed" | "rejected",
  ): Result<PendingLinkView, CustomerError> {
    const p = this.#pending().find((x) => x.id === id);
    if (!p) return err({ code: "pending_link_not_found", id });
    if (p.status === "pending") {
      this.#sql.exec(
        "UPDATE pending_links SET status = ?, settled_at = ? WHERE id = ?",
        status,
        new Date().toISOString(),
        id,
      );
    }
    const after = this.#pending().find((x) => x.id === id);
    if (!after) throw new Error("pending link vanished");
    return ok(after);
  }

  /** Starts a one-time code verification for an identifier; the caller delivers the code. */
  async startVerification(
    identifier: Omit<LinkedIdentifier, "createdAt" | "source" | "verification">,
  ): Promise<CodeIssued> {
    return startCode(this.#sql, identifier);
  }

  /** Checks a one-time code (5 attempts, 10 minutes). */
  async confirmVerification(
    id: string,
    code: string,
  ): Promise<Result<{ key: string; type: string; value: string }, CustomerError>> {
    return checkCode(this.#sql, id, code);
  }

  // ---- merges: the worker runs the steps in order; each step is idempotent by merge id ----

  /** Absorbed side: stops resolving, hands over its identifiers and journeys. */
  absorbInto(
    mergeId: string,
    survivorId: string,
    reason: string,
    actor: unknown,
  ): Result<MergeMoved, CustomerError> {
    const row = this.#row();
    if (!row) return err({ code: "customer_not_found" });
    if (row.merged_into && row.merged_by !== mergeId)
      return err({ code: "customer_merged", into: row.merged_into });
    this.#sql.exec(
      "UPDATE customer SET merged_into = ?, merged_by = ? WHERE singleton = 1",
      survivorId,
      mergeId,
    );
    this.#recordMerge(mergeId, "absorbed", survivorId, reason, actor);
    return ok({ identifiers: this.#identifiers(), journeys: this.#cards() });
  }

  /** Survivor side: takes the absorbed customer's identifiers and journeys, tagged with the merge. */
  async receive(
    mergeId: string,
    absorbedId: string,
    moved: MergeMoved,
    reason: string,
    actor: unknown,
  ): Promise<void> {
    this.#recordMerge(mergeId, "survivor", absorbedId, reason, actor);
    for (const i of moved.identifiers) this.#addIdentifier(i, mergeId);
    for (const j of moved.journeys) {
      this.#sql.exec("DELETE FROM released_journeys WHERE id = ?", j.id);
      this.#storeCard(j);
      this.#sql.exec(
        "UPDATE journeys SET merge_id = ? WHERE id = ? AND merge_id IS NULL",
        mergeId,
        j.id,
      );
    }
    await this.#pushBriefs();
  }

  /** Survivor side, first step of a merge: records it so it can be undone even if cut short. */
  beginMerge(mergeId: string, absorbedId: string, reason: string, actor: unknown): void {
    this.#recordMerge(mergeId, "survivor", absorbedId, reason, actor);
  }

  /** Survivor side: drops a merge record whose absorbed side refused (nothing had moved). */
  abortMerge(mergeId: string): void {
    this.#sql.exec("DELETE FROM merges WHERE id = ? AND role = 'survivor'", mergeId);
  }

  /** Survivor side of an unmerge: gives back exactly what the merge brought in. */
  async giveBack(
    mergeId: string,
  ): Promise<
    Result<{ absorbedId: string; journeys: string[]; identifiers: string[] }, CustomerError>
  > {
    const m = this.#merges().find((x) => x.id === mergeId && x.role === "survivor");
    if (!m) return err({ code: "merge_not_found", id: mergeId });
    const journeys = this.#sql
      .exec<{ id: string }>("SELECT id FROM journeys WHERE merge_id = ?", mergeId)
      .toArray()
      .map((r) => r.id);
    const identifiers = this.#sql
      .exec<{ key: string }>("SELECT key FROM identifiers WHERE merge_id = ?", mergeId)
      .toArray()
      .map((r) => r.key);
    const now = new Date().toISOString();
    for (const id of journeys) {
      this.#sql.exec(
        "INSERT OR REPLACE INTO released_journeys (id, released_at) VALUES (?, ?)",
        id,
        now,
      );
    }
    this.#sql.exec("DELETE FROM journeys WHERE merge_id = ?", mergeId);
    this.#sql.exec("DELETE FROM identifiers WHERE merge_id = ?", mergeId);
    this.#sql.exec(
      "UPDATE merges SET undone_at = coalesce(undone_at, ?) WHERE id = ?",
      new Date().toISOString(),
      mergeId,
    );
    await this.#pushBriefs();
    return ok({ absorbedId: m.otherCustomerId, journeys, identifiers });
  }

  /** Absorbed side of an unmerge: resolves again on its own. */
  async restore(mergeId: string): Promise<void> {
    this.#sql.exec(
      "UPDATE customer SET merged_into = NULL, merged_by = NULL WHERE merged_by = ?",
      mergeId,
    );
    this.#sql.exec(
      "UPDATE merges SET undone_at = coalesce(undone_at, ?) WHERE id = ?",
      new Date().toISOString(),
      mergeId,
    );
    await this.#pushBriefs();
  }

  /** The merge record, to check it before undoing it. */
  merge(mergeId: string): MergeView | null {
    return this.#merges().find((m) => m.id === mergeId) ?? null;
  }

  #recordMerge(
    id: string,
    role: "survivor" | "absorbed",
    other: string,
    reason: string,
    actor: unknown,
  ): void {
    this.#sql.exec(
      "INSERT OR IGNORE INTO merges (id, role, other_id, reason, actor, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      id,
      role,
      other,
      redactText(reason).text,
      actor === undefined ? null : JSON.stringify(actor),
      new Date().toISOString(),
    );
  }

  #ensure(workspace: string, customerId: string, now: string): void {
    this.#sql.exec(
      "INSERT OR IGNORE INTO customer (singleton, workspace, id, created_at) VALUES (1, ?, ?, ?)",
      workspace,
      customerId,
      now,
    );
  }

  #addIdentifier(i: LinkedIdentifier, mergeId: string | null): void {
    const existing = this.#identifiers().find((x) => x.key === i.key);
    if (!existing) {
      this.#sql.exec(
        "INSERT INTO identifiers (key, type, value, source, verification, created_at, merge_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        i.key,
        i.type,
        i.value,
        i.source,
        i.verification,
        i.createdAt,
        mergeId,
      );
    } else if (STRENGTH[i.verification] > STRENGTH[existing.verification]) {
      this.#sql.exec(
        "UPDATE identifiers SET verification = ?, source = ? WHERE key = ?",
        i.verification,
        i.source,
        i.key,
      );
    }
  }

  #row() {
    return (
      this.#sql
        .exec<{
          workspace: string;
          id: string;
          created_at: string;
          merged_into: string | null;
          merged_by: string | null;
        }>(
          "SELECT workspace, id, created_at, merged_into, merged_by FROM customer WHERE singleton = 1",
        )
        .toArray()[0] ?? null
    );
  }

  #identifiers(): LinkedIdentifier[] {
    return this.#sql
      .exec<Record<string, string>>(
        "SELECT key, type, value, source, verification, created_at FROM identifiers ORDER BY created_at, key",
      )
      .toArray()
      .map((r) => ({
        key: String(r.key),
        type: r.type as LinkedIdentifier["type"],
        value: String(r.value),
        source: String(r.source),
        verification: r.verification as Verification,
        createdAt: String(r.created_at),
      }));
  }

  #cards(): JourneyCard[] {
    return this.#sql
      .exec<Record<string, string | number | null>>(
        "SELECT id, status, reason_text, reason_topic, seq, created_at, updated_at, resolved_at FROM journeys ORDER BY updated_at DESC, id DESC",
      )
      .toArray()
      .map((r) => ({
        id: String(r.id),
        status: r.status as JourneyCard["status"],
        reasonText: (r.reason_text as string | null) ?? null,
        reasonTopic: (r.reason_topic as string | null) ?? null,
        seq: Number(r.seq),
        createdAt: String(r.created_at),
        updatedAt: String(r.updated_at),
        resolvedAt: (r.resolved_at as string | null) ?? null,
      }));
  }

  #merges(): MergeView[] {
    return this.#sql
      .exec<Record<string, string | null>>("SELECT * FROM merges ORDER BY created_at")
      .toArray()
      .map((r) => ({
        id: String(r.id),
        role: r.role as MergeView["role"],
        otherCustomerId: String(r.other_id),
        reason: String(r.reason),
        actor: r.actor ? (JSON.parse(r.actor) as unknown) : null,
        createdAt: String(r.created_at),
        undoneAt: r.undone_at ?? null,
      }));
  }

  #pending(): PendingLinkView[] {
    return this.#sql
      .exec<Record<string, string | null>>("SELECT * FROM pending_links ORDER BY created_at")
      .toArray()
      .map((r) => ({
        id: String(r.id),
        identifier: {
          type: r.type as PendingLinkView["identifier"]["type"],
          value: String(r.value),
        },
        source: String(r.source),
        otherCustomerId: String(r.other_customer_id),
        createdAt: String(r.created_at),
        status: r.status as PendingLinkView["status"],
        settledAt: r.settled_at ?? null,
      }));
  }
}
