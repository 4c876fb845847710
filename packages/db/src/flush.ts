import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import type { OutboxRecord } from "./outbox";
import * as schema from "./schema";

/**
 * Writes a batch of outbox records to D1 in one `batch()` call (one implicit transaction).
 * The records may come from many journeys, in any order, and any of them may have been
 * written before (queues and alarms deliver at least once). D1 ends up the same whatever the
 * order and however often a record arrives:
 *
 * - events are keyed by (workspace, journey, seq) and ignored when present;
 * - the journey snapshot and promise rows are replaced only by a newer sequence number;
 * - an owner interval is inserted once, already closed when D1 holds the interval after it,
 *   and closed by the next interval's insert otherwise (see ownerStatements).
 *
 * Rows written: one per event, one journey snapshot per journey in the batch, plus
 * promise/owner rows for events that touch them.
 */
export async function flushToD1(d1: D1Database, records: OutboxRecord[]): Promise<void> {
  if (records.length === 0) return;
  const db = drizzle(d1, { schema });
  const [first, ...others] = historyStatements(db, records);
  if (first) await db.batch([first, ...others]);
}

type Db = ReturnType<typeof drizzle<typeof schema>>;

/** The statements flushToD1 runs for `records`, in order. */
function historyStatements(db: Db, records: OutboxRecord[]): BatchItem<"sqlite">[] {
  const statements: BatchItem<"sqlite">[] = [];
  const latest = new Map<string, OutboxRecord["journey"]>();
  for (const r of records) {
    statements.push(db.insert(schema.events).values(r.event).onConflictDoNothing());
    for (const promise of [...(r.promise ? [r.promise] : []), ...(r.promises ?? [])]) {
      statements.push(
        db
          .insert(schema.promises)
          .values(promise)
          .onConflictDoUpdate({
            target: [schema.promises.workspaceId, schema.promises.id],
            set: {
              status: sql`excluded.status`,
              settledAt: sql`excluded.settled_at`,
              lastSeq: sql`excluded.last_seq`,
              atRiskAt: sql`excluded.at_risk_at`,
            },
            setWhere: sql`excluded.last_seq > ${schema.promises.lastSeq}`,
          }),
      );
    }
    if (r.owner) statements.push(...ownerStatements(db, r.owner));
    const key = `${r.journey.workspaceId}/${r.journey.id}`;
    const seen = latest.get(key);
    if (!seen || seen.lastSeq < r.journey.lastSeq) latest.set(key, r.journey);
  }
  for (const j of latest.values()) {
    const { workspaceId: _w, id: _i, ...rest } = j;
    const set: Record<string, unknown> = {};
    for (const k of Object.keys(rest)) set[k] = sql.raw(`excluded.${snake(k)}`);
    statements.push(
      db
        .insert(schema.journeys)
        .values(j)
        .onConflictDoUpdate({
          target: [schema.journeys.workspaceId, schema.journeys.id],
          set,
          setWhere: sql`excluded.last_seq > ${schema.journeys.lastSeq}`,
        }),
    );
  }
  return statements;
}

/**
 * An owner interval runs from its `since` to the next interval's `since` (intervals of one
 * journey follow each other: every owner change opens one and closes the one before). Either
 * record may reach D1 first, so both sides close the gap:
 *
 * - the new row is inserted with `until` = the `since` of the next interval already in D1
 *   (NULL when there is none yet);
 * - the previous interval (`closedSeq`) gets `until` = this row's `since`, if it is there.
 *
 * Whichever arrives second finds the other, so the result is the same in every order, and a
 * replay changes nothing (the insert is ignored, the update writes the same value).
 */
function ownerStatements(db: Db, owner: NonNullable<OutboxRecord["owner"]>): BatchItem<"sqlite">[] {
  const o = owner.opened;
  const t = schema.owners;
  const next = sql`(SELECT n.since FROM owners AS n WHERE n.workspace_id = ${o.workspaceId} AND n.journey_id = ${o.journeyId} AND n.seq > ${o.seq} ORDER BY n.seq LIMIT 1)`;
  const out: BatchItem<"sqlite">[] = [
    db
      .insert(t)
      .values({ ...o, until: next })
      .onConflictDoNothing(),
  ];
  if (owner.closedSeq !== null) {
    out.push(
      db
        .update(t)
        .set({ until: o.since })
        .where(
          sql`${t.workspaceId} = ${o.workspaceId} and ${t.journeyId} = ${o.journeyId} and ${t.seq} = ${owner.closedSeq}`,
        ),
    );
  }
  return out;
}

function snake(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
