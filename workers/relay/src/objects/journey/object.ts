import { DurableObject } from "cloudflare:workers";
import {
  LIMITS,
  cardBrief,
  err,
  newId,
  ok,
  redactText,
  compileRules,
  type BuiltinRedaction,
  type RedactionPattern,
  type EffortView,
  type EventView,
  type JourneyCard,
  type JourneyStatus,
  type Result,
  type SinceLastTouch,
  type TouchAudience,
} from "@baton/core";
import type { OutboxRecord } from "@baton/db";
import {
  FLUSH_DELAY_MS,
  flushOutbox,
  D1_QUEUE,
  HOOK_QUEUE,
  noteQueueWrite,
  queueDueAt,
  queueHasRows,
  outboxStatus,
  replayDead,
  type OutboxStatus,
  type Settle,
} from "./outbox";
import { forwardHooks, hooksStatus, writeHookRecord } from "./hooks";
import { dueTransitions, nextPromiseAt, planDueTransition } from "./promises";
import {
  OUTREACH_ACTOR,
  SEND_LEASE_MS,
  activeConstraints,
  decidePending,
  dueNudges,
  listOutreach,
  nextOutreachAt,
  noteTrigger,
  outreachView,
  planNudge,
  readOutreach,
  retryDelayMs,
  takeDispatch,
  type OutreachRecord,
  type OutreachVars,
  type OutreachView,
} from "./outreach";
import { planConstraintAdd } from "./commands";
import { brokenPromiseRaise, planRaise } from "./exceptions";
import { decideOutreach, optOutKeyword, tombstoneOf } from "@baton/core";
import { workspaceSettings } from "../workspace/settings";
import { InjectedFault, faultsEnabled, takeFault } from "../../faults";
import { JOURNEY_SCHEMA } from "./schema";
import { JourneyRetention } from "./retention";
import {
  PREDECESSORS_MAX,
  linkedIds,
  planLinks,
  planUnlink,
  readTouches,
  sinceLastTouch,
  startsOver,
  takeSnapshot,
  writeTouch,
  type PredecessorSnapshot,
  type Touch,
} from "./continuity";
import type {
  CommandRequest,
  ContinuityError,
  ContinuityOutcome,
  EventsPage,
  Idempotency,
  IngestRequest,
  JourneyError,
  JourneyErasure,
  NewEvent,
  WriteOutcome,
} from "./types";
import {
  EMPTY_EFFORT,
  buildContext,
  journeyRow,
  readEvents,
  readJourney,
  type JourneyRecord,
} from "./views";
import { planCommand, planEvent } from "./commands";
import { migrate } from "../migrate";
import { customerStub } from "../access";
import { customerFrame, parseFrame, type SocketAttachment } from "./socket";
import type { WriteSpec } from "./plan";

/** A new contact is counted when the customer comes back after this long, or on another channel. */
const CONTACT_GAP_MS = 30 * 60 * 1000;
/** The WebSocket tag of console observer sockets (see #observe). */
const OBSERVER = "observer";

/**
 * The single point of truth for one journey. Every write goes through here, in order, with a
 * gapless sequence number; the event row, the state change and the D1 outbox row commit in one
 * synchronous SQLite transaction. The alarm flushes the outbox to D1 (see outbox.ts).
 */
export class JourneyObject extends DurableObject<Env> {
  readonly #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, JOURNEY_SCHEMA);
      this.#alarmAt = await ctx.storage.getAlarm();
      this.#rearm();
    });
  }

  /** Appends an event from a channel or the generic API, starting the journey if asked to. */
  async ingest(req: IngestRequest): Promise<Result<WriteOutcome, JourneyError>> {
    // Test-only (src/faults.ts), before anything is read: a `store` fault fails the write
    // after its inserts, so SQLite rolls it back.
    const fault = faultsEnabled(this.env, req.workspace)
      ? await takeFault(this.env, req.workspace, "journey.store")
      : null;
    const current = readJourney(this.#sql);
    if (current && (current.workspace !== req.workspace || current.id !== req.journeyId)) {
      return err({ code: "journey_not_found" });
    }
    if (!current && !req.create) return err({ code: "journey_not_found" });
    const replay = this.#replay(req.idempotency, current);
    if (replay) return replay;
    if (current?.status === "resolved" && req.whenResolved === "reject") {
      return err({ code: "journey_resolved", resolvedAt: current.resolved_at });
    }
    const ev = req.event;
    const factError = this.#checkFacts(ev.facts);
    if (factError) return err(factError);
    const links = !current ? (req.predecessors ?? []).slice(0, PREDECESSORS_MAX) : [];
    const outcome = this.ctx.storage.transactionSync(() => {
      if (!current) this.#init(req);
      const written = this.#write(req.idempotency, planEvent(this.#sql, ev));
      if (fault === "store") throw new InjectedFault("journey.store", fault);
      this.#optOut(ev);
      for (const ref of req.threadRefs ?? []) {
        this.#sql.exec(
          "INSERT OR IGNORE INTO thread_refs VALUES (?, ?)",
          ref,
          new Date().toISOString(),
        );
      }
      // A new journey stores the earlier ones it may continue with the first event: no
      // extra round trip (docs/continuity.md).
      if (links.length === 0) return { ...written, lastSeq: written.seq };
      const linked = this.#write(undefined, planLinks(this.#sql, links));
      return { ...written, context: linked.context, lastSeq: linked.seq };
    });
    const { lastSeq, ...out } = outcome;
    await this.#afterWrite(current?.status ?? null, out.context.status, out.seq, lastSeq);
    return ok({ ...out, created: !current });
  }

  /** Applies a change through a sub-resource (owner, promise, constraint, action, status, patch). */
  async command(req: CommandRequest): Promise<Result<WriteOutcome, JourneyError>> {
    const current = readJourney(this.#sql);
    if (!current || current.workspace !== req.workspace || current.id !== req.journeyId) {
      return err({ code: "journey_not_found" });
    }
    const replay = this.#replay(req.idempotency, current);
    if (replay) return replay;
    if (req.command.kind === "patch") {
      const factError = this.#checkFacts(req.command.patch.facts);
      if (factError) return err(factError);
    }
    const plan = planCommand(this.#sql, current, req.command);
    if (!plan.ok) return plan;
    const [first, ...rest] = Array.isArray(plan.value) ? plan.value : [plan.value];
    if (!first) return err({ code: "journey_not_found" });
    const outcome = this.ctx.storage.transactionSync(() => {
      const written = this.#write(req.idempotency, first);
      let context = written.context;
      for (const spec of rest) context = this.#write(undefined, spec).context;
      return { ...written, context };
    });
    await this.#afterWrite(
      current.status,
      outcome.context.status,
      outcome.seq,
      outcome.context.seq,
    );
    return ok({ ...outcome, created: false });
  }

  /** The journey's full context. */
  context(workspace: string, journeyId: string): Result<WriteOutcome["context"], JourneyError> {
    const j = this.#owned(workspace, journeyId);
    if (!j) return err({ code: "journey_not_found" });
    return ok(this.#contextOf(j));
  }

  /**
   * Reads between two writes get the context built once (it depends on the tables only, not
   * on the clock); every write clears it, and the key catches any other change to the row.
   */
  #contextOf(j: JourneyRecord): WriteOutcome["context"] {
    const key = `${j.seq}|${j.updated_at}|${j.status}|${j.customer_id}`;
    if (this.#contextMemo?.key !== key) {
      this.#contextMemo = { key, context: buildContext(this.#sql, j) };
    }
    return this.#contextMemo.context;
  }

  /**
   * A pack read (GET /v1/context): the context, and what changed since `audience` last read
   * it (`delta`; skipped when the caller gave `since`). Records the touch only when the
   * journey moved since the last one of that audience: a read that changes nothing writes
   * nothing (docs/continuity.md).
   */
  read(
    workspace: string,
    journeyId: string,
    audience: TouchAudience,
    delta: boolean,
  ): Result<
    { context: WriteOutcome["context"]; sinceLastTouch: SinceLastTouch | null },
    JourneyError
  > {
    const j = this.#owned(workspace, journeyId);
    if (!j) return err({ code: "journey_not_found" });
    const context = this.#contextOf(j);
    this.#touches ??= readTouches(this.#sql);
    const prev = this.#touches.get(audience);
    if (prev && prev.seq >= j.seq) {
      // Nothing moved since this audience's last read (the common case for a busy desktop or
      // bot polling): no query and no write.
      const since: SinceLastTouch | null = delta
        ? { since: prev.at, audience, journeyId: j.id, changes: [], total: 0, truncated: false }
        : null;
      return ok({ context, sinceLastTouch: since });
    }
    const since = delta ? sinceLastTouch(this.#sql, j, audience, prev) : null;
    const touch = { seq: j.seq, at: new Date().toISOString() };
    writeTouch(this.#sql, audience, touch);
    this.#touches.set(audience, touch);
    return ok({ context, sinceLastTouch: since });
  }

  /** The last touch per audience, read once per object lifetime (only `read` writes them). */
  #touches: Map<TouchAudience, Touch> | null = null;

  /** Whether this object holds that journey (a link checks both ends at once). */
  holds(workspace: string, journeyId: string): boolean {
    return this.#owned(workspace, journeyId) !== null;
  }

  /** What another journey of the customer stores when it links this one. */
  snapshot(workspace: string, journeyId: string): Result<PredecessorSnapshot, JourneyError> {
    const j = this.#owned(workspace, journeyId);
    if (!j) return err({ code: "journey_not_found" });
    return ok(takeSnapshot(this.#sql, j));
  }

  /**
   * An agent links an earlier journey of the same customer (POST …/predecessors). Refused,
   * with nothing written, for another customer's journey, a cycle or past the limit; a
   * journey already linked answers `changed: false`.
   */
  async linkPredecessor(
    workspace: string,
    journeyId: string,
    snap: PredecessorSnapshot,
    by: { linkedBy: string; note: string | null; actor: WriteSpec["actor"] },
  ): Promise<Result<ContinuityOutcome, JourneyError | ContinuityError>> {
    const j = this.#owned(workspace, journeyId);
    if (!j) return err({ code: "journey_not_found" });
    if (snap.journeyId === journeyId) return err({ code: "predecessor_self" });
    if (j.customer_id === null || snap.customerId !== j.customer_id)
      return err({ code: "predecessor_other_customer", id: snap.journeyId });
    const linked = linkedIds(this.#sql);
    if (linked.includes(snap.journeyId)) return ok(this.#unchanged(j));
    if (snap.predecessorIds.includes(journeyId))
      return err({ code: "predecessor_cycle", id: snap.journeyId });
    if (linked.length >= PREDECESSORS_MAX)
      return err({ code: "predecessor_limit", max: PREDECESSORS_MAX });
    const link = {
      snapshot: snap,
      rule: "agent" as const,
      score: 1,
      startOver: startsOver(snap.view.status),
      linkedBy: by.linkedBy,
      note: by.note,
    };
    const out = this.ctx.storage.transactionSync(() =>
      this.#write(undefined, planLinks(this.#sql, [link], by.actor)),
    );
    await this.#afterWrite(j.status, out.context.status, out.seq);
    return ok({ changed: true, seq: out.seq, eventId: out.eventId, context: out.context });
  }

  /** An agent removes a link (DELETE …/predecessors/:predecessorId). */
  async unlinkPredecessor(
    workspace: string,
    journeyId: string,
    predecessorId: string,
    actor: WriteSpec["actor"],
  ): Promise<Result<ContinuityOutcome, JourneyError | ContinuityError>> {
    const j = this.#owned(workspace, journeyId);
    if (!j) return err({ code: "journey_not_found" });
    if (!linkedIds(this.#sql).includes(predecessorId))
      return err({ code: "predecessor_not_found", id: predecessorId });
    const out = this.ctx.storage.transactionSync(() =>
      this.#write(undefined, planUnlink(this.#sql, predecessorId, actor)),
    );
    await this.#afterWrite(j.status, out.context.status, out.seq);
    return ok({ changed: true, seq: out.seq, eventId: out.eventId, context: out.context });
  }

  #unchanged(j: JourneyRecord): ContinuityOutcome {
    return { changed: false, seq: null, eventId: null, context: buildContext(this.#sql, j) };
  }

  /** The last context built by `context()`, keyed by the journey row it was built from. */
  #contextMemo: { key: string; context: WriteOutcome["context"] } | null = null;

  /** One page of the event log, after sequence number `after`. */
  events(
    workspace: string,
    journeyId: string,
    after: number,
    limit: number,
  ): Result<EventsPage, JourneyError> {
    const j = this.#owned(workspace, journeyId);
    if (!j) return err({ code: "journey_not_found" });
    const items = readEvents(this.#sql, after, limit);
    const last = items.at(-1);
    return ok({ items, nextAfter: last && last.seq < j.seq ? last.seq : null });
  }

  /** Outbox backlog and flush health, for operators and tests. */
  outbox(): OutboxStatus {
    return outboxStatus(this.#sql);
  }

  /** Webhook outbox backlog (events not yet handed to the workspace's WebhooksObject). */
  hooks(): ReturnType<typeof hooksStatus> {
    return hooksStatus(this.#sql);
  }

  /** Puts set-aside outbox records back in line and arms the flush. */
  async replayOutbox(): Promise<number> {
    const n = replayDead(this.#sql);
    if (n > 0) {
      noteQueueWrite(this.#sql, D1_QUEUE);
      this.#rearm();
    }
    return n;
  }

  /**
   * Moves the journey to another customer (merge) or back (unmerge). Recorded as an event, so
   * the log and D1 history say when and why the journey changed hands.
   */
  async setCustomer(
    workspace: string,
    journeyId: string,
    customerId: string,
    mergeId: string,
  ): Promise<Result<null, JourneyError>> {
    const j = this.#owned(workspace, journeyId);
    if (!j) return err({ code: "journey_not_found" });
    if (j.customer_id === customerId) return ok(null);
    const from = j.customer_id;
    const outcome = this.ctx.storage.transactionSync(() =>
      this.#write(undefined, {
        type: "customer.changed",
        channel: null,
        direction: "internal",
        actor: { kind: "system" },
        text: `customer ${from ?? "none"} → ${customerId} (${mergeId})`,
        data: { from, to: customerId, mergeId },
        occurredAt: null,
        apply: () => {
          this.#sql.exec(
            "UPDATE journey SET customer_id = ?, card_seq = 0 WHERE singleton = 1",
            customerId,
          );
        },
      }),
    );
    this.#broadcast(outcome.seq);
    this.#rearm();
    return ok(null);
  }

  /**
   * The journey's one alarm, always armed to the earliest thing due (see #rearm): promise steps
   * (overdue, broken), the D1 outbox flush, the webhook outbox hand-off and the card push.
   * Alarms are at least once; every step here is safe to run twice.
   */
  override async alarm(): Promise<void> {
    // This run consumed the armed alarm; #rearm below arms the next one.
    this.#alarmAt = null;
    const now = Date.now();
    const promisesAt = nextPromiseAt(this.#sql);
    if (promisesAt !== null && promisesAt <= now) await this.#advancePromises();
    const outreachAt = this.#outreachAt(now);
    if (outreachAt !== null && outreachAt <= now) await this.#runOutreach();
    const j = readJourney(this.#sql);
    // The hand-offs' I/O at once (history queue, webhooks object, customer card); then their
    // bookkeeping and the next alarm in one synchronous block, so one commit per run.
    const settles = await Promise.all([
      queueHasRows(this.#sql, D1_QUEUE) ? flushOutbox(this.ctx.storage, this.env) : null,
      j && queueHasRows(this.#sql, HOOK_QUEUE)
        ? forwardHooks(this.#sql, this.env, j.workspace)
        : null,
      this.#sendCard(),
    ]);
    for (const settle of settles) settle?.();
    if (await this.#retain()) return;
    this.#rearm();
  }

  /** Retention (retention.ts, docs/privacy.md "Retention"): the workspace's policy, applied here. */
  readonly #retention = new JourneyRetention();

  /** One retention pass; true when the journey was past its days and is now deleted whole. */
  async #retain(): Promise<boolean> {
    const out = await this.#retention.run({ storage: this.ctx.storage, env: this.env });
    if (out.changed) this.#contextMemo = null;
    const j = out.deleteJourney ? readJourney(this.#sql) : null;
    if (!j) return false;
    await this.erase(j.workspace, j.id);
    return true;
  }

  /**
   * Runs the retention pass now (the D1 purge asks before it deletes a resolved journey's rows,
   * and wakes journeys whose rows it changed). "gone" when this object no longer holds the
   * journey, deleted now or before.
   */
  async retain(workspace: string, journeyId: string): Promise<"gone" | "kept"> {
    if (!this.#owned(workspace, journeyId)) return "gone";
    if (await this.#retain()) return "gone";
    this.#rearm();
    return "kept";
  }

  /**
   * Moves promises whose time has come: pending past due → overdue; open past verify-by →
   * broken, which raises a broken_promise exception and escalates it to the owner's fallback.
   * Each step is re-checked inside its transaction, so a second alarm run finds nothing to do.
   */
  async #advancePromises(): Promise<void> {
    const j = readJourney(this.#sql);
    if (!j) return;
    let settings;
    try {
      settings = await workspaceSettings(this.env, j.workspace);
    } catch (e) {
      // Without the recovery settings an escalation could go wrong: try again shortly.
      console.error(`promise check postponed: ${e instanceof Error ? e.message : String(e)}`);
      this.#promiseRetryAt = Date.now() + 30_000;
      return;
    }
    this.#promiseRetryAt = null;
    const timeZone = settings?.ivr.timeZone ?? "UTC";
    const before = j.status;
    const firstSeq = j.seq + 1;
    for (let round = 0; round < 10; round++) {
      const due = dueTransitions(this.#sql, new Date().toISOString());
      if (due.length === 0) break;
      this.ctx.storage.transactionSync(() => {
        for (const t of due) {
          const now = new Date().toISOString();
          const current = readJourney(this.#sql);
          if (!current) return;
          const spec = planDueTransition(this.#sql, current, t, now);
          if (!spec) continue;
          this.#write(undefined, spec);
          if (t.to !== "broken") continue;
          const raise = brokenPromiseRaise(this.#sql, t.promiseId, timeZone);
          const after = readJourney(this.#sql);
          if (!raise || !after) continue;
          const planned = planRaise(this.#sql, after, raise, settings?.recovery);
          if (planned.ok) for (const s of planned.value) this.#write(undefined, s);
        }
      });
    }
    const after = readJourney(this.#sql);
    if (after && after.seq >= firstSeq) {
      this.#broadcast(firstSeq, after.seq);
      if (after.status !== before) await this.#pushCard();
    }
  }

  #promiseRetryAt: number | null = null;

  /** When outreach may run again after its settings or the queue could not be reached. */
  #outreachRetryAt: number | null = null;

  #outreachAt(now: number): number | null {
    const t = nextOutreachAt(this.#sql, now);
    if (t === null) return null;
    return this.#outreachRetryAt !== null ? Math.max(t, this.#outreachRetryAt) : t;
  }

  /**
   * Outreach's part of the alarm (docs/outreach.md): fires the owner nudges whose time has
   * come (a `promise.at_risk` event each), decides pending customer updates with the settings,
   * declares claims that never settled `unknown`, and hands what is due to the outreach queue.
   * Every step is keyed or re-checked in its transaction, so a second run sends nothing twice.
   */
  async #runOutreach(): Promise<void> {
    const j = readJourney(this.#sql);
    if (!j) return;
    let settings;
    try {
      settings = await workspaceSettings(this.env, j.workspace);
    } catch (e) {
      console.error(`outreach postponed: ${e instanceof Error ? e.message : String(e)}`);
      this.#outreachRetryAt = Date.now() + 30_000;
      return;
    }
    this.#outreachRetryAt = null;
    const o = settings?.outreach;
    const now = Date.now();
    const firstSeq = j.seq + 1;
    const send = this.ctx.storage.transactionSync(() => {
      for (const n of dueNudges(this.#sql, now)) {
        const cur = readJourney(this.#sql);
        if (!cur) return [];
        const owner = cur.owner ? (JSON.parse(cur.owner) as { id?: string }).id : undefined;
        const contact = owner ? o?.owners[owner] : undefined;
        const reachable = Boolean(o?.nudges.notifyOwners && (contact?.email || contact?.phone));
        const spec = planNudge(this.#sql, cur, n, reachable, now);
        if (spec) this.#write(undefined, spec);
      }
      decidePending(
        this.#sql,
        (r) => {
          if (r.audience === "owner") return null;
          if (!o?.customerUpdates.includes(r.trigger))
            return `customer updates on ${r.trigger} are off (outreach.customerUpdates)`;
          const vars = JSON.parse(r.vars) as OutreachVars;
          if (
            r.trigger === "exception.raised" &&
            !(o.exceptionKinds as string[]).includes(vars.exceptionKind ?? "other")
          )
            return `exceptions of kind ${vars.exceptionKind ?? "other"} are not told (outreach.exceptionKinds)`;
          return null;
        },
        now,
      );
      const taken = takeDispatch(this.#sql, now);
      for (const r of taken.lost) this.#write(undefined, deliverySpec(r, "unknown", r.last_error));
      return taken.send;
    });
    if (send.length > 0) {
      try {
        await this.env.OUTREACH.sendBatch(
          send.map((outreachId) => ({
            body: { workspace: j.workspace, journeyId: j.id, outreachId },
          })),
        );
      } catch (e) {
        console.error(`outreach hand-off failed: ${e instanceof Error ? e.message : String(e)}`);
        for (const id of send)
          this.#sql.exec("UPDATE outreach SET lease_until = NULL WHERE id = ?", id);
        this.#outreachRetryAt = Date.now() + 5_000;
      }
    }
    const after = readJourney(this.#sql);
    if (after && after.seq >= firstSeq) this.#broadcast(firstSeq, after.seq);
  }

  /**
   * An inbound SMS that is exactly an opt-out keyword (STOP, UNSUBSCRIBE…) adds an `opted_out`
   * constraint for SMS; START or UNSTOP removes it. Inside the event's transaction.
   */
  #optOut(ev: NewEvent): void {
    if (ev.channel !== "sms" || ev.direction !== "inbound" || !ev.text) return;
    const kw = optOutKeyword(ev.text);
    if (!kw) return;
    const active = this.#sql
      .exec<{ id: string }>(
        "SELECT id FROM constraints WHERE kind = 'opted_out' AND channel = 'sms' AND removed_at IS NULL",
      )
      .toArray();
    const j = readJourney(this.#sql);
    if (!j) return;
    if (kw === "stop" && active.length === 0) {
      const spec = planConstraintAdd(this.#sql, {
        text: `opted out of SMS (texted ${ev.text.trim().toUpperCase()})`,
        kind: "opted_out",
        channel: "sms",
        actor: OUTREACH_ACTOR,
      });
      if (spec.ok) this.#write(undefined, spec.value);
    } else if (kw === "start") {
      for (const c of active) {
        const spec = planCommand(this.#sql, j, { kind: "constraint.remove", id: c.id });
        if (spec.ok) for (const s of [spec.value].flat()) this.#write(undefined, s);
      }
    }
  }

  /** The journey's outreach rows (GET /v1/journeys/:id/outreach). */
  outreach(workspace: string, journeyId: string): Result<OutreachView[], JourneyError> {
    const j = this.#owned(workspace, journeyId);
    if (!j) return err({ code: "journey_not_found" });
    return ok(listOutreach(this.#sql));
  }

  /** One row's template variables (an owner nudge's sender needs the owner before it claims). */
  outreachVars(
    workspace: string,
    journeyId: string,
    id: string,
  ): Result<OutreachVars | null, JourneyError> {
    if (!this.#owned(workspace, journeyId)) return err({ code: "journey_not_found" });
    const row = readOutreach(this.#sql, id);
    return ok(row ? (JSON.parse(row.vars) as OutreachVars) : null);
  }

  /**
   * A consumer claims a row before it sends (outreach/consumer.ts). The constraints are read
   * here, at the moment of sending: a message they forbid is suppressed, one they postpone is
   * held until allowed, and the journey says why. A row not `queued`, or not due, is skipped:
   * a second consumer of the same queue message finds it `sending` and sends nothing.
   */
  async outreachClaim(
    workspace: string,
    journeyId: string,
    id: string,
    policy: {
      available: ("sms" | "email")[];
      quietHours: { from: string; to: string } | null;
      timeZone: string;
    },
  ): Promise<Result<OutreachClaim, JourneyError>> {
    const j = this.#owned(workspace, journeyId);
    if (!j) return err({ code: "journey_not_found" });
    const now = Date.now();
    const out = this.ctx.storage.transactionSync((): OutreachClaim => {
      const row = readOutreach(this.#sql, id);
      if (!row) return { action: "skip", status: null };
      if (row.status !== "queued" || row.not_before > now) {
        return { action: "skip", status: row.status };
      }
      const last = j.last_inbound_channel;
      const decision = decideOutreach({
        audience: row.audience,
        preferred: last === "sms" || last === "email" ? last : null,
        available: policy.available,
        constraints: activeConstraints(this.#sql, now),
        quietHours: row.audience === "customer" ? policy.quietHours : null,
        timeZone: policy.timeZone,
        now,
      });
      const iso = new Date(now).toISOString();
      if (decision.action === "send") {
        this.#sql.exec(
          `UPDATE outreach SET status = 'sending', channel = ?, attempts = attempts + 1,
             lease_until = ?, reason = NULL, updated_at = ? WHERE id = ?`,
          decision.channel,
          now + SEND_LEASE_MS,
          iso,
          id,
        );
        const claimed = readOutreach(this.#sql, id) as OutreachRecord;
        return {
          action: "send",
          channel: decision.channel,
          row: outreachView(claimed),
          vars: JSON.parse(claimed.vars) as OutreachVars,
        };
      }
      if (decision.action === "hold") {
        const until = Date.parse(decision.until);
        this.#sql.exec(
          `UPDATE outreach SET status = 'held', channel = ?, not_before = ?, lease_until = NULL,
             reason = ?, updated_at = ? WHERE id = ?`,
          decision.channel,
          until,
          decision.reason,
          iso,
          id,
        );
        // One event per reason: a re-check that holds again for the same reason writes nothing.
        if (row.reason !== decision.reason) {
          this.#write(undefined, {
            type: "outreach.held",
            channel: decision.channel,
            direction: "internal",
            actor: OUTREACH_ACTOR,
            text: `${row.audience === "owner" ? "owner nudge" : "customer update"} held: ${decision.reason}`,
            data: {
              outreachId: id,
              trigger: row.trigger,
              until: decision.until,
              constraintId: decision.constraintId ?? null,
            },
            occurredAt: null,
          });
        }
        return { action: "hold", until: decision.until, reason: decision.reason };
      }
      this.#sql.exec(
        `UPDATE outreach SET status = 'suppressed', lease_until = NULL, reason = ?, updated_at = ?
         WHERE id = ?`,
        decision.reason,
        iso,
        id,
      );
      this.#write(undefined, {
        type: "outreach.suppressed",
        channel: null,
        direction: "internal",
        actor: OUTREACH_ACTOR,
        text: `${row.audience === "owner" ? "owner nudge" : "customer update"} not sent: ${decision.reason}`,
        data: { outreachId: id, trigger: row.trigger, constraintId: decision.constraintId ?? null },
        occurredAt: null,
      });
      return { action: "suppress", reason: decision.reason };
    });
    await this.#afterWrite(j.status, j.status, j.seq + 1, readJourney(this.#sql)?.seq ?? j.seq);
    return ok(out);
  }

  /**
   * What the sender learned from the provider: sent (the provider took it), a failure worth
   * another try (backoff, then `dead` after `maxAttempts`), or a permanent refusal (an
   * `undeliverable` exception the owner sees; an opt-out becomes an `opted_out` constraint).
   */
  async outreachSettle(
    workspace: string,
    journeyId: string,
    id: string,
    r: OutreachSettle,
  ): Promise<Result<OutreachView | null, JourneyError>> {
    const j = this.#owned(workspace, journeyId);
    if (!j) return err({ code: "journey_not_found" });
    const now = Date.now();
    const iso = new Date(now).toISOString();
    const out = this.ctx.storage.transactionSync(() => {
      const row = readOutreach(this.#sql, id);
      if (!row) return null;
      if (r.kind === "sent") {
        this.#sql.exec(
          `UPDATE outreach SET status = 'sent', provider = ?, provider_id = ?, recipient = ?,
             message_seq = ?, lease_until = NULL, last_error = NULL, updated_at = ?
           WHERE id = ? AND status IN ('sending', 'unknown')`,
          r.provider,
          r.providerId,
          r.recipient,
          r.messageSeq,
          iso,
          id,
        );
      } else if (row.status === "sending") {
        const dead = r.kind === "retry" && row.attempts >= r.maxAttempts;
        if (r.kind === "retry" && !dead) {
          this.#sql.exec(
            `UPDATE outreach SET status = 'queued', not_before = ?, lease_until = NULL,
               last_error = ?, recipient = coalesce(?, recipient), updated_at = ? WHERE id = ?`,
            now + retryDelayMs(row.attempts),
            r.error,
            r.recipient ?? null,
            iso,
            id,
          );
        } else {
          const status = dead ? "dead" : "failed";
          this.#sql.exec(
            `UPDATE outreach SET status = ?, lease_until = NULL, last_error = ?,
               recipient = coalesce(?, recipient), provider = coalesce(?, provider), updated_at = ?
             WHERE id = ?`,
            status,
            r.error,
            r.recipient ?? null,
            r.provider ?? null,
            iso,
            id,
          );
          const settled = readOutreach(this.#sql, id) as OutreachRecord;
          this.#write(undefined, deliverySpec(settled, status, r.error));
          this.#failureFollowUp(settled, r.kind === "failed" ? r.reason : null, r.error, dead);
        }
      }
      const after = readOutreach(this.#sql, id);
      return after ? outreachView(after) : null;
    });
    await this.#afterWrite(j.status, j.status, j.seq + 1, readJourney(this.#sql)?.seq ?? j.seq);
    return ok(out);
  }

  /**
   * A provider's delivery report (Twilio status callback, email provider events), matched by
   * outreach id or provider message id. Delivered updates the row; a bounce or an
   * undeliverable number raises an exception once. Repeats and late reports change nothing.
   */
  async outreachDelivery(
    workspace: string,
    journeyId: string,
    ev: {
      outreachId: string | null;
      providerId: string | null;
      status: string;
      permanent: boolean;
      reason: string | null;
      detail: string;
    },
  ): Promise<Result<{ item: OutreachView | null; changed: boolean }, JourneyError>> {
    const j = this.#owned(workspace, journeyId);
    if (!j) return err({ code: "journey_not_found" });
    const iso = new Date().toISOString();
    const out = this.ctx.storage.transactionSync(() => {
      const row = ev.outreachId
        ? readOutreach(this.#sql, ev.outreachId)
        : ev.providerId
          ? (this.#sql
              .exec<OutreachRecord>("SELECT * FROM outreach WHERE provider_id = ?", ev.providerId)
              .toArray()[0] ?? null)
          : null;
      if (!row) return { item: null, changed: false };
      const open = row.status === "sent" || row.status === "delivered" || row.status === "sending";
      if (!open) return { item: outreachView(row), changed: false };
      let changed = false;
      if (ev.status === "delivered" && row.status !== "delivered") {
        this.#sql.exec(
          "UPDATE outreach SET status = 'delivered', updated_at = ? WHERE id = ?",
          iso,
          row.id,
        );
        changed = true;
      } else if (
        ev.permanent ||
        ev.status === "failed" ||
        ev.status === "bounced" ||
        ev.status === "complained"
      ) {
        this.#sql.exec(
          "UPDATE outreach SET status = 'failed', last_error = ?, updated_at = ? WHERE id = ?",
          ev.detail,
          iso,
          row.id,
        );
        const settled = readOutreach(this.#sql, row.id) as OutreachRecord;
        this.#write(undefined, deliverySpec(settled, ev.status, ev.detail));
        this.#failureFollowUp(settled, ev.reason, ev.detail, false);
        changed = true;
      }
      const after = readOutreach(this.#sql, row.id);
      return { item: after ? outreachView(after) : null, changed };
    });
    await this.#afterWrite(j.status, j.status, j.seq + 1, readJourney(this.#sql)?.seq ?? j.seq);
    return ok(out);
  }

  /**
   * After a customer message failed for good: an opt-out becomes an `opted_out` constraint on
   * that channel (nothing more is sent there); anything else raises an `undeliverable`
   * exception, so the owner sees it first in every pack. Owner nudges raise nothing.
   */
  #failureFollowUp(row: OutreachRecord, reason: string | null, error: string, dead: boolean): void {
    if (row.audience !== "customer") return;
    const j = readJourney(this.#sql);
    if (!j) return;
    const channel = row.channel === "email" ? "email" : "sms";
    if (reason === "opted_out") {
      const spec = planConstraintAdd(this.#sql, {
        text: `opted out of ${channel} (provider: ${clipText(error, 120)})`,
        kind: "opted_out",
        channel,
        actor: OUTREACH_ACTOR,
      });
      if (spec.ok) this.#write(undefined, spec.value);
      return;
    }
    const to = row.recipient ?? `the customer's ${channel === "email" ? "address" : "number"}`;
    // The provider refused Baton itself (credentials, sender): a set-up problem, not the
    // customer's address. Still raised, so the owner sees that the customer was not told.
    const setup = reason === "auth" || reason === "rejected";
    const planned = planRaise(
      this.#sql,
      j,
      setup
        ? {
            kind: "other",
            text: `${channel} update not sent: the provider refused it (${clipText(error, 200)})`,
            guidance:
              "check the workspace's provider settings (docs/outreach.md), then tell the customer yourself",
            escalate: false,
            data: { outreachId: row.id, channel },
          }
        : {
            kind: "undeliverable",
            text: dead
              ? `${channel} update to ${to} not sent after ${row.attempts} tries: ${clipText(error, 200)}`
              : `${channel} update to ${to} could not be delivered: ${clipText(error, 200)}`,
            guidance:
              channel === "sms"
                ? "confirm the customer's number or reach them on another channel"
                : "confirm the customer's email address or reach them on another channel",
            escalate: false,
            data: { outreachId: row.id, channel },
          },
      undefined,
    );
    if (planned.ok) for (const s of planned.value) this.#write(undefined, s);
  }

  /**
   * When the armed alarm fires (epoch ms), or null: read once at start-up, then kept here, so a
   * write arms the alarm in the same synchronous block as its transaction (one commit) instead
   * of awaiting getAlarm() first.
   */
  #alarmAt: number | null = null;

  /**
   * Arms the alarm for the earliest of: the next promise step, the D1 flush, the webhook
   * hand-off, a card push retry. Never moves an earlier alarm later. Synchronous: the
   * setAlarm joins the writes of the current block.
   */
  #rearm(): void {
    const now = Date.now();
    const promiseAt = nextPromiseAt(this.#sql);
    const candidates = [
      promiseAt === null
        ? null
        : this.#promiseRetryAt !== null
          ? Math.max(promiseAt, this.#promiseRetryAt)
          : promiseAt,
      queueDueAt(this.#sql, D1_QUEUE, now),
      queueDueAt(this.#sql, HOOK_QUEUE, now),
      this.#cardRetryAt,
      this.#outreachAt(now),
      this.#retention.dueAt(this.#sql),
    ].filter((t): t is number => t !== null);
    if (candidates.length === 0) return;
    const at = Math.min(...candidates);
    if (this.#alarmAt !== null && this.#alarmAt <= at) return;
    this.#alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }

  /**
   * After a write: arm the alarm, and when the status changed, refresh the customer's journey
   * card at once (resolution reads it). Other changes reach the card with the alarm.
   */
  async #afterWrite(
    before: string | null,
    after: string,
    seq: number,
    lastSeq: number = seq,
  ): Promise<void> {
    this.#broadcast(seq, lastSeq);
    // Hot path: an alarm due within the batch delay already covers this write (the alarm
    // re-arms for whatever is left, promises included).
    const current = this.#alarmAt;
    if (current === null || current > Date.now() + FLUSH_DELAY_MS) this.#rearm();
    if (before !== after) await this.#pushCard();
  }

  /** Sends events `from`..`to` to every connected chat socket (customer-visible form). */
  #broadcast(from: number, to: number = from): void {
    let sockets = this.ctx.getWebSockets();
    if (sockets.length === 0) return;
    sockets = this.#notifyObservers(sockets, to);
    if (sockets.length === 0) return;
    for (const event of readEvents(this.#sql, from - 1, to - from + 1)) {
      const frame = JSON.stringify(customerFrame(event));
      for (const ws of sockets) {
        try {
          ws.send(frame);
        } catch {
          // A socket closing right now; hibernation cleans it up.
        }
      }
    }
  }

  /**
   * Web chat: the Worker's chat route verified the session token and forwards the upgrade
   * here. The socket is accepted with the hibernation API, so idle chats cost nothing.
   */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    const ws = request.headers.get("x-baton-workspace") ?? "";
    const journeyId = request.headers.get("x-baton-journey") ?? "";
    const visitorId = request.headers.get("x-baton-visitor") ?? "";
    const j = this.#owned(ws, journeyId);
    if (!j) return new Response("journey not found", { status: 404 });
    if (request.headers.get("x-baton-observer") === "1") return this.#observe(j.seq);
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server);
    const patterns = JSON.parse(
      request.headers.get("x-baton-redaction") ?? "[]",
    ) as RedactionPattern[];
    const builtins = JSON.parse(
      request.headers.get("x-baton-redaction-builtins") ?? "[]",
    ) as BuiltinRedaction[];
    const attachment: SocketAttachment = { visitorId, patterns, builtins };
    server.serializeAttachment(attachment);
    const recent = readEvents(this.#sql, Math.max(0, j.seq - 50), 50).map(customerFrame);
    server.send(JSON.stringify({ type: "hello", journeyId, seq: j.seq, events: recent }));
    return new Response(null, { status: 101, webSocket: client });
  }

  /** A frame from the browser: validated and bounded like HTTP input, then one journey write. */
  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    if (this.ctx.getTags(ws).includes(OBSERVER)) {
      ws.send(JSON.stringify(raw === '{"type":"ping"}' ? { type: "pong" } : { type: "ignored" }));
      return;
    }
    const parsed = parseFrame(raw);
    if (!parsed.ok) {
      ws.send(JSON.stringify({ type: "error", code: parsed.code, detail: parsed.detail }));
      if (parsed.close) ws.close(parsed.close, parsed.code);
      return;
    }
    if (parsed.frame.type === "ping") {
      ws.send(JSON.stringify({ type: "pong" }));
      return;
    }
    const frame = parsed.frame;
    // Test-only (src/faults.ts): `before` fails ahead of the write, `store` inside it (rolled
    // back), `after` loses the ack. Taken before the journey is read for the write.
    const faultWs = this.env.FAULT_INJECTION ? (readJourney(this.#sql)?.workspace ?? "") : "";
    const fault = faultsEnabled(this.env, faultWs)
      ? await takeFault(this.env, faultWs, "journey.message")
      : null;
    if (fault === "before") throw new InjectedFault("journey.message", fault);
    const j = readJourney(this.#sql);
    if (!j) {
      ws.close(1011, "journey missing");
      return;
    }
    const { visitorId, patterns, builtins } = ws.deserializeAttachment() as SocketAttachment;
    const redacted = redactText(frame.text, compileRules({ patterns, builtins }));
    const text = redacted.text;
    const idem = frame.clientId
      ? {
          key: `chat:${visitorId}:${frame.clientId}`,
          fingerprint: JSON.stringify({ text }),
        }
      : undefined;
    const replay = this.#replay(idem, j);
    if (replay) {
      ws.send(
        JSON.stringify(
          replay.ok
            ? { type: "ack", clientId: frame.clientId, seq: replay.value.seq, replayed: true }
            : { type: "error", code: replay.error.code },
        ),
      );
      return;
    }
    const event: NewEvent = {
      type: "message",
      channel: "chat",
      direction: "inbound",
      actor: { kind: "customer" },
      text,
      redactions: redacted.count,
    };
    const outcome = this.ctx.storage.transactionSync(() => {
      const written = this.#write(idem, planEvent(this.#sql, event));
      if (fault === "store") throw new InjectedFault("journey.message", fault);
      return written;
    });
    // An `after` fault loses the ack, as a connection dropping right after the commit would.
    if (fault !== "after") {
      ws.send(JSON.stringify({ type: "ack", clientId: frame.clientId ?? null, seq: outcome.seq }));
    }
    await this.#afterWrite(j.status, outcome.context.status, outcome.seq);
  }

  // ---- Observer sockets (the console's screen pop, console/pop.tsx) ----
  // The Worker checked the console session and forwards the upgrade with x-baton-observer: 1.
  // An observer gets `{type:"changed",seq}` after every write and never the customer frames;
  // it cannot write (webSocketMessage answers pings only). Tagged, so they survive hibernation.

  #observe(seq: number): Response {
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], [OBSERVER]);
    pair[1].send(JSON.stringify({ type: "hello", seq }));
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  /** Tells every observer the journey changed; returns the other (chat) sockets. */
  #notifyObservers(sockets: WebSocket[], seq: number): WebSocket[] {
    const observers = this.ctx.getWebSockets(OBSERVER);
    if (observers.length === 0) return sockets;
    const frame = JSON.stringify({ type: "changed", seq });
    for (const ws of observers) {
      try {
        ws.send(frame);
      } catch {
        // closing right now
      }
    }
    return sockets.filter((ws) => !observers.includes(ws));
  }

  /**
   * Erasure (docs/privacy.md "Erasure"): what the erasure job must carry on (the tombstones of
   * the events' idempotency keys, the thread references to erase), read without changing
   * anything, so the job can put the tombstones in place before anything is deleted.
   */
  async erasureMaterial(workspace: string, journeyId: string): Promise<JourneyErasure> {
    const j = readJourney(this.#sql);
    if (!j || j.workspace !== workspace || j.id !== journeyId) {
      return {
        found: false,
        customerId: null,
        events: 0,
        tombstones: [],
        threadRefs: [],
        socketsClosed: 0,
      };
    }
    const keys = this.#sql.exec<{ key: string }>("SELECT key FROM idempotency").toArray();
    const refs = this.#sql.exec<{ ref: string }>("SELECT ref FROM thread_refs").toArray();
    return {
      found: true,
      customerId: j.customer_id,
      events: j.seq,
      tombstones: await Promise.all(keys.map((k) => tombstoneOf(k.key))),
      threadRefs: refs.map((r) => r.ref),
      socketsClosed: 0,
    };
  }

  /**
   * Erases the journey: closes its live chat sockets (telling the browser why), cancels its
   * alarm and deletes its whole database (`deleteAll`: no deleted row lingers in free pages).
   * Pending D1 and webhook hand-offs go with it. Idempotent: a second call finds nothing.
   */
  async erase(workspace: string, journeyId: string): Promise<JourneyErasure> {
    const found = await this.erasureMaterial(workspace, journeyId);
    if (!found.found) return found;
    let socketsClosed = 0;
    for (const socket of this.ctx.getWebSockets()) {
      try {
        socket.send(JSON.stringify({ type: "closed", reason: "erased" }));
        socket.close(4410, "conversation erased");
        socketsClosed++;
      } catch {
        // already closing
      }
    }
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    migrate(this.ctx.storage, JOURNEY_SCHEMA);
    this.#alarmAt = null;
    this.#contextMemo = null;
    this.#touches = null;
    this.#promiseRetryAt = null;
    this.#outreachRetryAt = null;
    this.#cardRetryAt = null;
    return { ...found, socketsClosed };
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      ws.close(code === 1005 ? 1000 : code, "bye");
    } catch {
      // already closed
    }
  }

  /** Copies the journey's card to its customer now; a failure is retried by the alarm. */
  async #pushCard(): Promise<void> {
    const settle = await this.#sendCard();
    settle?.();
    if (this.#cardRetryAt !== null) this.#rearm();
  }

  /**
   * Sends the journey's card to its customer when it changed since the last push; returns the
   * bookkeeping (card_seq, or a retry in 5 s) for the caller to run, or null with nothing to do.
   */
  async #sendCard(): Promise<Settle | null> {
    const j = readJourney(this.#sql);
    if (!j?.customer_id || j.card_seq >= j.seq) {
      this.#cardRetryAt = null;
      return null;
    }
    const card: JourneyCard = {
      id: j.id,
      status: j.status,
      reasonText: j.reason_text,
      reasonTopic: j.reason_topic,
      seq: j.seq,
      createdAt: j.created_at,
      updatedAt: j.updated_at,
      resolvedAt: j.resolved_at,
      // The brief needs no history: skip reading and parsing the recent events.
      brief: cardBrief(buildContext(this.#sql, j, 0)),
    };
    try {
      await customerStub(this.env, j.workspace, j.customer_id, { faults: false }).card(card);
    } catch (e) {
      console.error(`journey card push failed: ${e instanceof Error ? e.message : String(e)}`);
      return () => {
        this.#cardRetryAt = Date.now() + 5_000;
      };
    }
    return () => {
      this.#sql.exec(
        "UPDATE journey SET card_seq = ? WHERE singleton = 1 AND card_seq < ?",
        card.seq,
        card.seq,
      );
      this.#cardRetryAt = null;
    };
  }

  /** When a failed card push is tried again (in memory: a restarted object pushes on its next write). */
  #cardRetryAt: number | null = null;

  #owned(workspace: string, journeyId: string): JourneyRecord | null {
    const j = readJourney(this.#sql);
    return j && j.workspace === workspace && j.id === journeyId ? j : null;
  }

  #checkFacts(facts: NewEvent["facts"]): JourneyError | null {
    if (!facts) return null;
    const existing = this.#sql.exec<{ key: string }>("SELECT key FROM facts").toArray();
    const keys = new Set(existing.map((r) => r.key));
    for (const [k, v] of Object.entries(facts)) {
      if (v === null) keys.delete(k);
      else keys.add(k);
    }
    return keys.size > LIMITS.factsPerJourney
      ? { code: "limit_exceeded", what: "facts", max: LIMITS.factsPerJourney }
      : null;
  }

  #replay(
    idem: Idempotency | undefined,
    j: JourneyRecord | null,
  ): Result<WriteOutcome, JourneyError> | null {
    if (!idem || !j) return null;
    const prior = this.#sql
      .exec<{ fingerprint: string; seq: number; created_id: string | null }>(
        "SELECT fingerprint, seq, created_id FROM idempotency WHERE key = ?",
        idem.key,
      )
      .toArray()[0];
    if (!prior) return null;
    if (prior.fingerprint !== idem.fingerprint) return err({ code: "idempotency_key_reused" });
    const ev = this.#sql
      .exec<{ id: string }>("SELECT id FROM events WHERE seq = ?", prior.seq)
      .one();
    return ok({
      seq: prior.seq,
      eventId: ev.id,
      createdId: prior.created_id,
      replayed: true,
      created: false,
      context: buildContext(this.#sql, j),
    });
  }

  #init(req: IngestRequest): void {
    const now = new Date().toISOString();
    this.#sql.exec(
      `INSERT INTO journey (singleton, workspace, id, customer_id, status, status_since, seq, effort, created_at, updated_at)
       VALUES (1, ?, ?, ?, 'open', ?, 0, ?, ?, ?)`,
      req.workspace,
      req.journeyId,
      req.customerId,
      now,
      JSON.stringify(EMPTY_EFFORT),
      now,
      now,
    );
  }

  /** Writes one event and its effects; must run inside a transaction. */
  #write(idem: Idempotency | undefined, spec: WriteSpec): Omit<WriteOutcome, "created"> {
    this.#contextMemo = null;
    const j = readJourney(this.#sql);
    if (!j) throw new Error("journey row missing inside write");
    const now = new Date().toISOString();
    const seq = j.seq + 1;
    const eventId = newId("evt");
    // Stored as given: the Worker redacted every caller-written field once, at the entry
    // (ingest/redact.ts), and the chat socket redacts its messages in #message.
    const data = spec.data ? JSON.stringify(spec.data) : null;
    this.#sql.exec(
      `INSERT INTO events (seq, id, type, channel, direction, actor, text, data, occurred_at, recorded_at, redactions)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      seq,
      eventId,
      spec.type,
      spec.channel,
      spec.direction,
      spec.actor ? JSON.stringify(spec.actor) : null,
      spec.text,
      data,
      spec.occurredAt ?? now,
      now,
      spec.redactions ?? 0,
    );
    const extra = spec.apply?.(seq, now, j) ?? {};
    this.#touch(j, spec, seq, now);
    noteTrigger(this.#sql, j, spec, eventId, now);
    if (idem) {
      this.#sql.exec(
        "INSERT INTO idempotency (key, fingerprint, seq, created_id, created_at) VALUES (?, ?, ?, ?, ?)",
        idem.key,
        idem.fingerprint,
        seq,
        spec.createdId ?? null,
        now,
      );
    }
    const after = readJourney(this.#sql);
    if (!after) throw new Error("journey row missing after write");
    const record: OutboxRecord = {
      event: {
        workspaceId: after.workspace,
        journeyId: after.id,
        seq,
        id: eventId,
        type: spec.type,
        channel: spec.channel,
        direction: spec.direction,
        actorKind: spec.actor?.kind ?? null,
        actorId: spec.actor?.id ?? null,
        actorName: spec.actor?.name ?? null,
        text: spec.text,
        data,
        occurredAt: spec.occurredAt ?? now,
        recordedAt: now,
      },
      journey: journeyRow(this.#sql, after),
      ...extra,
    };
    this.#sql.exec("INSERT INTO outbox (record) VALUES (?)", JSON.stringify(record));
    noteQueueWrite(this.#sql, D1_QUEUE);
    writeHookRecord(this.#sql, after.workspace, after.id, after.customer_id, {
      seq,
      id: eventId,
      type: spec.type as EventView["type"],
      channel: spec.channel as EventView["channel"],
      direction: spec.direction as EventView["direction"],
      actor: spec.actor,
      text: spec.text,
      data: spec.data,
      occurredAt: spec.occurredAt ?? now,
      recordedAt: now,
    });
    return {
      seq,
      eventId,
      createdId: spec.createdId ?? null,
      replayed: false,
      context: buildContext(this.#sql, after),
    };
  }

  /** Updates sequence, effort counters, status and last action after an event. */
  #touch(j: JourneyRecord, spec: WriteSpec, seq: number, now: string): void {
    // Re-read: the command's `apply` may have changed status, owner or counters.
    const fresh = readJourney(this.#sql) ?? j;
    const effort: EffortView = { ...EMPTY_EFFORT, ...(JSON.parse(fresh.effort) as EffortView) };
    let status: JourneyStatus = fresh.status;
    let statusSince = fresh.status_since;
    let resolvedAt = fresh.resolved_at;
    let lastInboundChannel = fresh.last_inbound_channel;
    let lastInboundAt = fresh.last_inbound_at;
    const fromCustomer = spec.direction === "inbound" && spec.actor?.kind === "customer";
    if (fromCustomer && spec.channel) {
      const channel = spec.channel as EffortView["channels"][number];
      const gap = lastInboundAt ? Date.parse(now) - Date.parse(lastInboundAt) : Infinity;
      if (lastInboundChannel !== null && lastInboundChannel !== channel) effort.channelSwitches++;
      if (lastInboundChannel !== channel || gap > CONTACT_GAP_MS) effort.contacts++;
      if (!effort.channels.includes(channel)) effort.channels.push(channel);
      lastInboundChannel = channel;
      lastInboundAt = now;
      if (status === "resolved") {
        status = "open";
        statusSince = now;
        resolvedAt = null;
      } else if (status === "waiting_on_customer") {
        status = "waiting_on_company";
        statusSince = now;
      }
    }
    if (spec.repeated) effort.repeats++;
    const lastAction = spec.lastAction
      ? JSON.stringify({ text: spec.lastAction, actor: spec.actor, at: now, seq })
      : fresh.last_action;
    this.#sql.exec(
      `UPDATE journey SET seq = ?, updated_at = ?, effort = ?, last_action = ?,
         last_inbound_channel = ?, last_inbound_at = ?,
         status = ?, status_since = ?, resolved_at = ?
       WHERE singleton = 1`,
      seq,
      now,
      JSON.stringify(effort),
      lastAction,
      lastInboundChannel,
      lastInboundAt,
      status,
      statusSince,
      resolvedAt,
    );
  }
}

/** What a consumer's claim answers. */
export type OutreachClaim =
  | { action: "send"; channel: "sms" | "email"; row: OutreachView; vars: OutreachVars }
  | { action: "hold"; until: string; reason: string }
  | { action: "suppress"; reason: string }
  | { action: "skip"; status: string | null };

/** What a consumer tells the journey after the provider answered. */
export type OutreachSettle =
  | {
      kind: "sent";
      provider: string;
      providerId: string;
      recipient: string;
      messageSeq: number | null;
    }
  | {
      kind: "retry";
      error: string;
      maxAttempts: number;
      recipient?: string | undefined;
      provider?: string | undefined;
    }
  | {
      kind: "failed";
      reason: string | null;
      error: string;
      recipient?: string | undefined;
      provider?: string | undefined;
    };

function clipText(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** The `outreach.delivery` event of a row that failed, died, bounced or was lost. */
function deliverySpec(r: OutreachRecord, status: string, detail: string | null): WriteSpec {
  const what = r.audience === "owner" ? "owner nudge" : "customer update";
  return {
    type: "outreach.delivery",
    channel: r.channel,
    direction: "internal",
    actor: OUTREACH_ACTOR,
    text: `${what} ${status}${detail ? `: ${clipText(detail, 200)}` : ""}`,
    data: {
      outreachId: r.id,
      trigger: r.trigger,
      status,
      provider: r.provider,
      providerId: r.provider_id,
      attempts: r.attempts,
    },
    occurredAt: null,
  };
}
