import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import type { OutboxRecord } from "./outbox";
import * as schema from "./schema";

/**
 * Writes a batch of outbox records to D1 in one `batch()` call (one implicit transaction).
 * Idempotent: events are keyed by (workspace, journey, seq) and ignored when present; the
 * journey snapshot and promise rows are replaced only by a newer sequence number. Flushing
 * the same batch twice leaves D1 unchanged. Rows written: one per event, plus one journey
 * snapshot per journey in the batch, plus promise/owner rows for events that touch them.
 */
export async function flushToD1(d1: D1Database, records: OutboxRecord[]): Promise<void> {
  if (records.length === 0) return;
  const db = drizzle(d1, { schema });
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
            },
            setWhere: sql`excluded.last_seq > ${schema.promises.lastSeq}`,
          }),
      );
    }
    if (r.owner) {
      statements.push(db.insert(schema.owners).values(r.owner.opened).onConflictDoNothing());
      if (r.owner.closedSeq !== null) {
        statements.push(
          db
            .update(schema.owners)
            .set({ until: r.owner.opened.since })
            .where(
              sql`${schema.owners.workspaceId} = ${r.owner.opened.workspaceId} and ${schema.owners.journeyId} = ${r.owner.opened.journeyId} and ${schema.owners.seq} = ${r.owner.closedSeq}`,
            ),
        );
      }
    }
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
  const [first, ...others] = statements;
  if (first) await db.batch([first, ...others]);
}

function snake(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
