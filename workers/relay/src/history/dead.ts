/**
 * The dead-letter queue's consumer and the replay of what it keeps.
 *
 * A message reaches `baton-history-dlq` when the main consumer gave up on it: D1 stayed down
 * through all its retries, or D1 refused that one record (history/consumer.ts). Here each
 * message is first written to D1 again (after an outage that simply works now); a record D1
 * still refuses is stored whole in the D1 table `history_dead` with the error, and
 * acknowledged. While D1 takes neither, the message is retried with long delays (the DLQ
 * consumer's max_retries in wrangler.toml), so nothing accepted is dropped unless D1 stays
 * down for days.
 *
 * Replay: once the cause is fixed, send `{"replayDead": true}` to `baton-history` (dashboard,
 * or the HTTP publish API). The consumer moves the rows of history_dead, oldest first, back
 * onto the history queue and deletes them; a record still refused comes back to the table.
 */
import { flushToD1, schema } from "@baton/db";
import { drizzle } from "drizzle-orm/d1";
import { asc, lte, sql } from "drizzle-orm";
import { errorText, readMessage } from "./messages";

/** Rows of history_dead moved back per replay step. */
const REPLAY_STEP = 100;
/** Bytes one sendBatch may carry (256 KB), with about 100 bytes of metadata per message. */
const SEND_BATCH_BYTES = 256_000;

/** Retry delay while D1 takes nothing: 1 min, 2 min … capped at one hour. */
function deadDelaySeconds(attempts: number): number {
  return Math.min(3600, 60 * 2 ** Math.max(0, attempts - 1));
}

/** One batch of the dead-letter queue: each message on its own (this traffic is rare). */
export async function consumeDead(batch: MessageBatch, env: Env): Promise<void> {
  for (const msg of batch.messages) {
    const m = readMessage(msg.body);
    if (m.kind === "replay") {
      msg.ack(); // A control message belongs on the history queue; nothing to keep.
      continue;
    }
    let error = m.kind === "invalid" ? m.error : "";
    if (m.kind === "record") {
      try {
        await flushToD1(env.DB, [m.record]);
        msg.ack();
        continue;
      } catch (e) {
        error = errorText(e);
      }
    }
    const record = m.kind === "record" ? m.record : null;
    try {
      await drizzle(env.DB)
        .insert(schema.historyDead)
        .values({
          messageId: msg.id,
          workspaceId: record?.event.workspaceId ?? null,
          journeyId: record?.event.journeyId ?? null,
          seq: record?.event.seq ?? null,
          record: m.text,
          error,
          attempts: msg.attempts,
          deadAt: new Date().toISOString(),
        })
        .onConflictDoUpdate({
          target: schema.historyDead.messageId,
          set: { error, attempts: msg.attempts },
        });
      msg.ack();
      console.error(`history record kept in history_dead (message ${msg.id}): ${error}`);
    } catch (e) {
      console.error(`dead-letter message ${msg.id} kept in the queue: ${errorText(e)}`);
      msg.retry({ delaySeconds: deadDelaySeconds(msg.attempts) });
    }
  }
}

/**
 * One replay step: moves up to REPLAY_STEP rows of history_dead with id ≤ `upTo` (all rows at
 * the first step) back onto the history queue, deletes them, and queues the next step while
 * rows remain. The bound keeps a record refused again (stored under a new id) from looping.
 */
export async function replayDead(env: Env, upTo: number | null): Promise<number> {
  const db = drizzle(env.DB);
  const t = schema.historyDead;
  const bound =
    upTo ??
    (
      await db
        .select({ max: sql<number | null>`max(${t.id})` })
        .from(t)
        .get()
    )?.max ??
    null;
  if (bound === null) return 0;
  const rows = await db
    .select({ id: t.id, record: t.record })
    .from(t)
    .where(lte(t.id, bound))
    .orderBy(asc(t.id))
    .limit(REPLAY_STEP)
    .all();
  if (rows.length === 0) return 0;
  for (const chunk of byBytes(rows.map((r) => r.record))) {
    await env.HISTORY.sendBatch(chunk.map((body) => ({ body, contentType: "text" as const })));
  }
  // Ids only grow, and every row below these was moved by an earlier step.
  const last = rows[rows.length - 1];
  if (last) await db.delete(t).where(lte(t.id, last.id));
  if (rows.length === REPLAY_STEP) {
    await env.HISTORY.send({ replayDead: true, upTo: bound }, { contentType: "json" });
  }
  console.log(`replayed ${rows.length} history_dead rows (up to id ${bound})`);
  return rows.length;
}

/** Splits message bodies into sendBatch-sized groups (100 messages, 256 KB). */
function byBytes(bodies: string[]): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  const encoder = new TextEncoder();
  for (const body of bodies) {
    const size = encoder.encode(body).byteLength + 100;
    if (current.length > 0 && (bytes + size > SEND_BATCH_BYTES || current.length === 100)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(body);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
