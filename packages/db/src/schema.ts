/**
 * D1 history: the search index and analytics store. Fed only by the journey objects' outboxes;
 * the hot path never reads it. Every table is keyed by workspace first. docs/storage.md
 * explains each column. Times are UTC ISO-8601 strings (they sort as text).
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** One row per journey: its latest snapshot, replaced only by a newer sequence number. */
export const journeys = sqliteTable(
  "journeys",
  {
    workspaceId: text("workspace_id").notNull(),
    id: text("id").notNull(),
    customerId: text("customer_id"),
    status: text("status").notNull(),
    reasonText: text("reason_text"),
    reasonTopic: text("reason_topic"),
    ownerKind: text("owner_kind"),
    ownerId: text("owner_id"),
    ownerName: text("owner_name"),
    ownerTeam: text("owner_team"),
    lastSeq: integer("last_seq").notNull(),
    contacts: integer("contacts").notNull().default(0),
    channels: text("channels").notNull().default("[]"),
    channelSwitches: integer("channel_switches").notNull().default(0),
    handoffs: integer("handoffs").notNull().default(0),
    repeats: integer("repeats").notNull().default(0),
    brokenPromises: integer("broken_promises").notNull().default(0),
    pendingPromises: integer("pending_promises").notNull().default(0),
    /** Open exceptions, so the worklist can rank by them (routes/worklist.ts). */
    openExceptions: integer("open_exceptions").notNull().default(0),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    resolvedAt: text("resolved_at"),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index("journeys_customer").on(t.workspaceId, t.customerId, t.updatedAt),
    index("journeys_status").on(t.workspaceId, t.status, t.updatedAt),
    index("journeys_owner").on(t.workspaceId, t.ownerId, t.updatedAt),
    // The worklist of a team (routes/worklist.ts).
    index("journeys_team").on(t.workspaceId, t.ownerTeam, t.updatedAt),
    index("journeys_updated").on(t.workspaceId, t.updatedAt),
    // Effort analytics select journeys by creation time (routes/analytics.ts).
    index("journeys_created").on(t.workspaceId, t.createdAt, t.id),
    // Retention: journeys resolved longer ago than the workspace keeps them (history/retention.ts).
    index("journeys_resolved")
      .on(t.workspaceId, t.resolvedAt)
      .where(sql`resolved_at IS NOT NULL`),
  ],
);

/** The event log of every journey, one row per event, in sequence order. */
export const events = sqliteTable(
  "events",
  {
    workspaceId: text("workspace_id").notNull(),
    journeyId: text("journey_id").notNull(),
    seq: integer("seq").notNull(),
    id: text("id").notNull(),
    type: text("type").notNull(),
    channel: text("channel"),
    direction: text("direction"),
    actorKind: text("actor_kind"),
    actorId: text("actor_id"),
    actorName: text("actor_name"),
    text: text("text"),
    data: text("data"),
    occurredAt: text("occurred_at").notNull(),
    recordedAt: text("recorded_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.journeyId, t.seq] }),
    index("events_recorded").on(t.workspaceId, t.recordedAt),
    index("events_type").on(t.workspaceId, t.type, t.recordedAt),
    // Retention (history/retention.ts): events past `eventDays`, and the bodies still to
    // blank past `messageBodyDays` (the WHERE is repeated word for word by the purge query).
    index("events_occurred").on(t.workspaceId, t.occurredAt),
    index("events_body_expiry")
      .on(t.workspaceId, t.occurredAt)
      .where(sql`type IN ('message', 'call') AND text IS NOT '[expired]'`),
  ],
);

/** Every promise made to a customer and how it ended. */
export const promises = sqliteTable(
  "promises",
  {
    workspaceId: text("workspace_id").notNull(),
    id: text("id").notNull(),
    journeyId: text("journey_id").notNull(),
    text: text("text").notNull(),
    dueAt: text("due_at").notNull(),
    madeByKind: text("made_by_kind").notNull(),
    madeById: text("made_by_id"),
    madeByName: text("made_by_name"),
    status: text("status").notNull(),
    createdAt: text("created_at").notNull(),
    settledAt: text("settled_at"),
    lastSeq: integer("last_seq").notNull(),
    /** When the owner was nudged before the due time: a pending promise with it is at risk. */
    atRiskAt: text("at_risk_at"),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index("promises_journey").on(t.workspaceId, t.journeyId),
    index("promises_due").on(t.workspaceId, t.status, t.dueAt),
  ],
);

/** Ownership over time: one row per owner change, closed when the next owner takes over. */
export const owners = sqliteTable(
  "owners",
  {
    workspaceId: text("workspace_id").notNull(),
    journeyId: text("journey_id").notNull(),
    seq: integer("seq").notNull(),
    ownerKind: text("owner_kind").notNull(),
    ownerId: text("owner_id").notNull(),
    ownerName: text("owner_name"),
    ownerTeam: text("owner_team"),
    since: text("since").notNull(),
    until: text("until"),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.journeyId, t.seq] }),
    index("owners_owner").on(t.workspaceId, t.ownerId, t.since),
  ],
);

/**
 * History records the queue consumer could not write (docs/architecture.md, "The outbox
 * flush"): what reached the dead-letter queue and D1 still refused. Kept whole so they can be
 * replayed once the cause is fixed. The workspace, journey and seq are copied out of the record
 * when it parses, for finding them; a record that does not parse has none.
 */
export const historyDead = sqliteTable(
  "history_dead",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** The queue message id: a message delivered twice is stored once. */
    messageId: text("message_id").notNull().unique(),
    workspaceId: text("workspace_id"),
    journeyId: text("journey_id"),
    seq: integer("seq"),
    record: text("record").notNull(),
    error: text("error").notNull(),
    attempts: integer("attempts").notNull(),
    deadAt: text("dead_at").notNull(),
  },
  (t) => [index("history_dead_journey").on(t.workspaceId, t.journeyId, t.seq)],
);

/**
 * Journeys an erasure removed, or retention deleted whole (`erasure_id` = `retention`), ids
 * only (docs/privacy.md "Erasure", "Retention"). The history consumer drops any record of
 * these journeys still in the queue, so a removed journey never comes back into D1. The hourly
 * cron deletes a row 30 days after it was written (`erased_journeys_at`), longer than a record
 * can wait in the queue.
 */
export const erasedJourneys = sqliteTable(
  "erased_journeys",
  {
    workspaceId: text("workspace_id").notNull(),
    journeyId: text("journey_id").notNull(),
    erasureId: text("erasure_id").notNull(),
    erasedAt: text("erased_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.journeyId] }),
    index("erased_journeys_at").on(t.erasedAt),
  ],
);
