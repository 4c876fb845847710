import { DurableObject } from "cloudflare:workers";
import { err, newId, newWebhookSecret, ok, type Result } from "@baton/core";
import type { OutboundEvent } from "./outbound";
import { migrate } from "../migrate";
import { CUSTOMER_ERASED, WEBHOOK_TEST, acceptsType } from "./filter";
import { claimNext, expiredLeases, recordOutcome, storeMessage, type DisableNotice } from "./queue";
import { nextWake, prune } from "./retention";
import {
  ALARM_BUDGET_MS,
  ALARM_MAX_ATTEMPTS,
  MAX_IN_FLIGHT,
  MAX_SUBSCRIPTIONS,
  WEBHOOKS_SCHEMA,
  iso,
  isoOrNull,
} from "./schema";
import { sendAttempt } from "./send";
import {
  backlogOf,
  deleteSubscription,
  findDead,
  listAttempts,
  listDeadLetters,
  makeDueNow,
  readSubscription,
  requeueDead,
  subscriptionView,
  type AttemptQuery,
} from "./store";
import type {
  AttemptView,
  DeadLetterView,
  EnqueueResult,
  Page,
  SecretView,
  SubscriptionInput,
  SubscriptionView,
  WebhooksError,
} from "./types";

/** A webhook id must not contain `.` (Standard Webhooks), nor anything odd for a header. */
const MESSAGE_ID = /^[A-Za-z0-9_-]{1,200}$/;

/**
 * One per workspace (named by the workspace id): outbound webhook subscriptions, their secrets,
 * and every delivery until it is delivered, dead-lettered or past retention. Events come from
 * the journey objects through `enqueue` (rows only, no network I/O); one alarm sends what is
 * due, always re-armed to the earliest due time. See docs/webhooks-out.md.
 */
export class WebhooksObject extends DurableObject<Env> {
  readonly #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, WEBHOOKS_SCHEMA);
    });
  }

  /**
   * Stores one delivery per (matching subscription, event id); a repeated event id stores
   * nothing again. Events no subscription accepts are dropped. Disabled subscriptions still
   * store (hold) what they accept. Arms the alarm; never sends inline.
   */
  async enqueue(events: OutboundEvent[]): Promise<EnqueueResult> {
    const subs = this.#sql
      .exec<{ id: string; event_types: string }>("SELECT id, event_types FROM subscriptions")
      .toArray()
      .map((s) => ({ id: s.id, patterns: JSON.parse(s.event_types) as string[] }));
    if (subs.length === 0) return { stored: 0, subscriptions: 0 };
    const now = Date.now();
    let stored = 0;
    this.ctx.storage.transactionSync(() => {
      const first = events[0];
      if (first) this.#remember(first.workspace);
      for (const e of events) {
        if (!MESSAGE_ID.test(e.id)) {
          console.error(`webhooks: dropped an event with an unusable id ${JSON.stringify(e.id)}`);
          continue;
        }
        const targets = subs.filter((s) => acceptsType(s.patterns, e.type)).map((s) => s.id);
        if (targets.length === 0) continue;
        const body = JSON.stringify({
          type: e.type,
          timestamp: e.event.occurredAt,
          data: {
            workspace: e.workspace,
            journeyId: e.journeyId,
            customerId: e.customerId,
            seq: e.seq,
            event: e.event,
          },
        });
        const msg = { id: e.id, type: e.type, journeyId: e.journeyId, seq: e.seq, body };
        stored += storeMessage(this.#sql, msg, targets, now);
      }
    });
    if (stored > 0) await this.#rearm();
    return { stored, subscriptions: subs.length };
  }

  create(
    workspace: string,
    input: SubscriptionInput,
  ): Result<{ subscription: SubscriptionView; secret: string }, WebhooksError> {
    this.#remember(workspace);
    const count = this.#sql.exec<{ n: number }>("SELECT count(*) AS n FROM subscriptions").one().n;
    if (count >= MAX_SUBSCRIPTIONS) {
      return err({ code: "subscription_limit_exceeded", max: MAX_SUBSCRIPTIONS });
    }
    const now = Date.now();
    const id = newId("sub", now);
    const secret = newWebhookSecret();
    const enabled = input.enabled ?? true;
    this.#sql.exec(
      `INSERT INTO subscriptions (id, url, description, event_types, enabled, disabled_reason,
         disabled_at, secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      id,
      input.url,
      input.description ?? null,
      JSON.stringify(input.eventTypes ?? ["*"]),
      enabled ? 1 : 0,
      enabled ? null : "disabled through the API",
      enabled ? null : now,
      secret,
      now,
      now,
    );
    return ok({ subscription: this.#view(id, now), secret });
  }

  list(): SubscriptionView[] {
    const now = Date.now();
    return this.#sql
      .exec<{ id: string }>("SELECT id FROM subscriptions ORDER BY created_at, id")
      .toArray()
      .map((r) => this.#view(r.id, now));
  }

  get(id: string): Result<SubscriptionView, WebhooksError> {
    if (!readSubscription(this.#sql, id)) return err({ code: "subscription_not_found", id });
    return ok(this.#view(id, Date.now()));
  }

  /**
   * Changes url, description, event types or enabled. Re-enabling clears the disabled reason
   * and the failure clock and makes every held delivery due at once.
   */
  async update(
    id: string,
    patch: Partial<SubscriptionInput>,
  ): Promise<Result<SubscriptionView, WebhooksError>> {
    const sub = readSubscription(this.#sql, id);
    if (!sub) return err({ code: "subscription_not_found", id });
    const now = Date.now();
    const wasEnabled = sub.enabled === 1;
    this.ctx.storage.transactionSync(() => {
      const set = (column: string, value: SqlStorageValue) =>
        this.#sql.exec(`UPDATE subscriptions SET ${column} = ? WHERE id = ?`, value, id);
      if (patch.url !== undefined && patch.url !== sub.url) {
        set("url", patch.url);
        set("failing_since", null);
      }
      if (patch.description !== undefined) set("description", patch.description);
      if (patch.eventTypes !== undefined) set("event_types", JSON.stringify(patch.eventTypes));
      if (patch.enabled === true && !wasEnabled) {
        set("enabled", 1);
        set("disabled_reason", null);
        set("disabled_at", null);
        set("failing_since", null);
        makeDueNow(this.#sql, id, now);
      } else if (patch.enabled === false && wasEnabled) {
        set("enabled", 0);
        set("disabled_reason", "disabled through the API");
        set("disabled_at", now);
      }
      set("updated_at", now);
    });
    await this.#rearm();
    return ok(this.#view(id, now));
  }

  /** Deletes the subscription with every delivery and log entry it had. */
  remove(id: string): Result<{ id: string; deleted: true }, WebhooksError> {
    if (!readSubscription(this.#sql, id)) return err({ code: "subscription_not_found", id });
    this.ctx.storage.transactionSync(() => deleteSubscription(this.#sql, id));
    return ok({ id, deleted: true });
  }

  secret(id: string): Result<SecretView, WebhooksError> {
    const sub = readSubscription(this.#sql, id);
    if (!sub) return err({ code: "subscription_not_found", id });
    const v = subscriptionView(sub, Date.now());
    return ok({ secret: sub.secret, previousSecretExpiresAt: v.previousSecretExpiresAt });
  }

  /**
   * A new secret; the current one keeps signing (beside it) for `graceSeconds`, 0 revokes it at
   * once. A secret older than the current one stops signing now.
   */
  rotateSecret(id: string, graceSeconds: number): Result<SecretView, WebhooksError> {
    const sub = readSubscription(this.#sql, id);
    if (!sub) return err({ code: "subscription_not_found", id });
    const now = Date.now();
    const secret = newWebhookSecret();
    const expires = graceSeconds > 0 ? now + graceSeconds * 1000 : null;
    this.#sql.exec(
      `UPDATE subscriptions SET secret = ?, previous_secret = ?, previous_expires_at = ?,
         secret_rotated_at = ?, updated_at = ? WHERE id = ?`,
      secret,
      expires === null ? null : sub.secret,
      expires,
      now,
      now,
      id,
    );
    return ok({ secret, previousSecretExpiresAt: isoOrNull(expires) });
  }

  attempts(id: string, q: AttemptQuery): Result<Page<AttemptView>, WebhooksError> {
    if (!readSubscription(this.#sql, id)) return err({ code: "subscription_not_found", id });
    return ok(listAttempts(this.#sql, id, q));
  }

  deadLetters(
    id: string,
    q: { before?: number; limit: number },
  ): Result<Page<DeadLetterView>, WebhooksError> {
    if (!readSubscription(this.#sql, id)) return err({ code: "subscription_not_found", id });
    return ok(listDeadLetters(this.#sql, id, q));
  }

  /**
   * Puts dead letters back in line with a fresh retry schedule: the listed message ids (every
   * one must be a dead letter of this subscription, or nothing changes) or all of them.
   */
  async replay(
    id: string,
    messageIds: string[] | null,
  ): Promise<Result<{ replayed: number }, WebhooksError>> {
    if (!readSubscription(this.#sql, id)) return err({ code: "subscription_not_found", id });
    const { rows, missing } = findDead(this.#sql, id, messageIds);
    if (missing.length > 0) return err({ code: "dead_letter_not_found", ids: missing });
    this.ctx.storage.transactionSync(() => requeueDead(this.#sql, id, rows, Date.now()));
    await this.#rearm();
    return ok({ replayed: rows.length });
  }

  /** Every pending delivery (waiting out a backoff) becomes due now. */
  async retryNow(id: string): Promise<Result<{ due: number }, WebhooksError>> {
    const sub = readSubscription(this.#sql, id);
    if (!sub) return err({ code: "subscription_not_found", id });
    if (sub.enabled !== 1) return err({ code: "subscription_disabled", id });
    const due = makeDueNow(this.#sql, id, Date.now());
    await this.#rearm();
    return ok({ due });
  }

  /**
   * Erasure (docs/privacy.md "Erasure"): deletes the queued and delivered messages of the
   * erased journeys, and any other message naming an erased customer, with their deliveries
   * (dead letters included) and delivery log rows. Idempotent; answers the messages deleted.
   */
  eraseMessages(journeyIds: string[], customerIds: string[]): number {
    let deleted = 0;
    this.ctx.storage.transactionSync(() => {
      const ids = new Set<string>();
      for (const j of journeyIds) {
        for (const r of this.#sql
          .exec<{ id: string }>("SELECT id FROM messages WHERE journey_id = ?", j)
          .toArray()) {
          ids.add(r.id);
        }
      }
      for (const c of customerIds) {
        for (const r of this.#sql
          .exec<{ id: string }>("SELECT id FROM messages WHERE instr(body, ?) > 0", c)
          .toArray()) {
          ids.add(r.id);
        }
      }
      for (const id of ids) {
        // Filler of the same byte length first: SQLite rewrites the row in place, so the freed
        // space holds filler, not the message (no secure_delete here; docs/privacy.md).
        this.#sql.exec(
          "UPDATE messages SET body = printf('%.*c', length(CAST(body AS BLOB)), '*') WHERE id = ?",
          id,
        );
        this.#sql.exec("DELETE FROM attempts WHERE msg_id = ?", id);
        this.#sql.exec("DELETE FROM deliveries WHERE msg_id = ?", id);
        this.#sql.exec("DELETE FROM messages WHERE id = ?", id);
      }
      deleted = ids.size;
    });
    return deleted;
  }

  /**
   * Queues `customer.erased` to every subscription that accepts it; the message id is the
   * erasure's, so a job that runs this step twice sends one message.
   */
  async customerErased(workspace: string, erasureId: string, data: object): Promise<number> {
    const subs = this.#sql
      .exec<{ id: string; event_types: string }>("SELECT id, event_types FROM subscriptions")
      .toArray()
      .filter((s) => acceptsType(JSON.parse(s.event_types) as string[], CUSTOMER_ERASED))
      .map((s) => s.id);
    if (subs.length === 0) return 0;
    const now = Date.now();
    const body = JSON.stringify({
      type: CUSTOMER_ERASED,
      timestamp: iso(now),
      data: { workspace, erasureId, ...data },
    });
    const msg = { id: erasureId, type: CUSTOMER_ERASED, journeyId: null, seq: null, body };
    const stored = this.ctx.storage.transactionSync(() => {
      this.#remember(workspace);
      return storeMessage(this.#sql, msg, subs, now);
    });
    if (stored > 0) await this.#rearm();
    return stored;
  }

  /** Queues a `webhook.test` delivery to this subscription only (whatever its filter). */
  async sendTest(id: string): Promise<Result<{ messageId: string }, WebhooksError>> {
    const sub = readSubscription(this.#sql, id);
    if (!sub) return err({ code: "subscription_not_found", id });
    if (sub.enabled !== 1) return err({ code: "subscription_disabled", id });
    const now = Date.now();
    const messageId = newId("msg", now);
    const body = JSON.stringify({
      type: WEBHOOK_TEST,
      timestamp: iso(now),
      data: { workspace: this.#workspace(), subscriptionId: id, message: "Test delivery" },
    });
    this.ctx.storage.transactionSync(() =>
      storeMessage(
        this.#sql,
        { id: messageId, type: WEBHOOK_TEST, journeyId: null, seq: null, body },
        [id],
        now,
      ),
    );
    await this.#rearm();
    return ok({ messageId });
  }

  /**
   * Sends what is due. Up to MAX_IN_FLIGHT lanes per enabled subscription each claim one
   * delivery (marked in flight inside a transaction before the fetch), send it, record the
   * outcome, and repeat, within ALARM_BUDGET_MS and ALARM_MAX_ATTEMPTS; then the alarm is
   * re-armed to the earliest due time. Deliveries left in flight by a run that never finished
   * are recovered after their lease as failed attempts. Safe to run twice at once.
   */
  override async alarm(): Promise<void> {
    const started = Date.now();
    const workspace = this.#workspace();
    try {
      this.ctx.storage.transactionSync(() => {
        for (const a of expiredLeases(this.#sql, started)) {
          const interrupted = {
            ok: false,
            status: null,
            error: "interrupted: no result before the lease ran out",
            latencyMs: 0,
            retryAfterMs: null,
          };
          this.#logNotice(recordOutcome(this.#sql, a, interrupted, started, workspace));
        }
        prune(this.#sql, started);
      });
      let budget = ALARM_MAX_ATTEMPTS;
      const lane = async (subscriptionId: string): Promise<void> => {
        while (budget > 0 && Date.now() - started < ALARM_BUDGET_MS) {
          const claim = this.ctx.storage.transactionSync(() =>
            claimNext(this.#sql, subscriptionId, Date.now()),
          );
          if (!claim) return;
          budget--;
          const outcome = await sendAttempt(claim);
          this.#logNotice(
            this.ctx.storage.transactionSync(() =>
              recordOutcome(this.#sql, claim, outcome, Date.now(), workspace),
            ),
          );
        }
      };
      const subs = this.#sql
        .exec<{ id: string }>("SELECT id FROM subscriptions WHERE enabled = 1")
        .toArray()
        .map((r) => r.id);
      await Promise.all(
        subs.flatMap((id) => Array.from({ length: MAX_IN_FLIGHT }, () => lane(id))),
      );
    } finally {
      const at = nextWake(this.#sql);
      if (at === null) await this.ctx.storage.deleteAlarm();
      else await this.ctx.storage.setAlarm(Math.max(at, Date.now()));
    }
  }

  /** Arms the alarm for the earliest due time; never moves an earlier alarm later. */
  async #rearm(): Promise<void> {
    const at = nextWake(this.#sql);
    if (at === null) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(Math.max(at, Date.now()));
  }

  #logNotice(n: DisableNotice | null): void {
    if (!n) return;
    console.error(
      `webhooks: subscription ${n.subscriptionId} (${n.url}) disabled: ${n.reason}; ` +
        `notice queued to ${n.notified} other subscription(s)`,
    );
  }

  #view(id: string, now: number): SubscriptionView {
    const sub = readSubscription(this.#sql, id);
    if (!sub) throw new Error(`subscription ${id} vanished`);
    return subscriptionView(sub, now, backlogOf(this.#sql, id));
  }

  #remember(workspace: string): void {
    this.#sql.exec(
      "INSERT INTO meta (singleton, workspace) VALUES (1, ?) ON CONFLICT (singleton) DO NOTHING",
      workspace,
    );
  }

  #workspace(): string {
    return (
      this.#sql.exec<{ workspace: string }>("SELECT workspace FROM meta").toArray()[0]?.workspace ??
      ""
    );
  }
}
