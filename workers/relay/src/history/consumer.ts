/**
 * The history queue's consumer: the only writer of D1 history (docs/architecture.md, "The
 * outbox flush"). Journeys send one message per outbox record (objects/journey/outbox.ts);
 * a batch holds up to 100 of them, from any journeys, in any order, possibly twice, and is
 * written as ONE D1 batch (one transaction) by flushToD1, whose writes are idempotent and
 * independent of order.
 *
 * When that write fails:
 * - D1 down (a probe that reads the history tables fails too): every message is retried
 *   later, with a delay that grows with its attempts (2 s … 1 h). After the consumer's
 *   max_retries (wrangler.toml) the queue moves them to the dead-letter queue, whose
 *   consumer (history/dead.ts) writes them once D1 is back.
 * - D1 up: each message is written alone, so one record D1 refuses cannot hold back the rest. The
 *   good ones are acknowledged; a refused one is retried shortly and, from its
 *   POISON_ATTEMPTS-th attempt on, forwarded to the dead-letter queue and acknowledged.
 */
import { flushToD1, type OutboxRecord } from "@baton/db";
import { consumeDead, replayDead } from "./dead";
import { errorText, readMessage } from "./messages";
import { eraseHistory, erasedAmong } from "./erase";

declare global {
  interface Env {
    /** Bench only (bench/lib/server.mjs): "1" logs every D1 call the consumer makes. */
    HISTORY_STATS?: string;
  }
}

/** From this attempt on, a message D1 refuses while it takes others goes to the DLQ. */
export const POISON_ATTEMPTS = 3;
/** Seconds before a refused message is tried again (D1 was up: no reason to wait long). */
const POISON_RETRY_SECONDS = 1;
/** Retry delay while D1 is down: 2 s, 4 s, 8 s … capped at one hour. */
export function outageDelaySeconds(attempts: number): number {
  return Math.min(3600, 2 * 2 ** Math.max(0, attempts - 1));
}

/** The Worker's queue() handler: the dead-letter queue's name ends in `-dlq`. */
export async function historyQueue(batch: MessageBatch, env: Env): Promise<void> {
  if (batch.queue.endsWith("-dlq")) await consumeDead(batch, env);
  else await consumeHistory(batch, env);
}

interface Item {
  msg: Message;
  record: OutboxRecord;
  text: string;
}

/** One batch of the history queue. */
export async function consumeHistory(batch: MessageBatch, env: Env): Promise<void> {
  const items: Item[] = [];
  for (const msg of batch.messages) {
    const m = readMessage(msg.body);
    if (m.kind === "record") items.push({ msg, record: m.record, text: m.text });
    else if (m.kind === "replay") await replay(msg, env, m.upTo);
    // Not a record at all: no retry can help, straight to the dead-letter queue.
    else await toDeadLetter(msg, env, m.text, m.error);
  }
  if (items.length === 0) return;
  let batchError: string;
  try {
    await write(
      env,
      items.map((i) => i.record),
      "batch",
    );
    for (const i of items) i.msg.ack();
    await dropErased(env, items);
    return;
  } catch (e) {
    batchError = errorText(e);
    console.error(`history batch of ${items.length} failed: ${batchError}`);
  }
  if (!(await d1Up(env))) {
    const delaySeconds = outageDelaySeconds(Math.max(...items.map((i) => i.msg.attempts)));
    if (items.length === batch.messages.length) batch.retryAll({ delaySeconds });
    else for (const i of items) i.msg.retry({ delaySeconds });
    return;
  }
  // D1 is up, so some record in the batch is refused: find it by writing each one alone
  // (a batch of one already was).
  for (const i of items) {
    let error = items.length === 1 ? batchError : null;
    if (error === null) {
      try {
        await write(env, [i.record], "single");
        i.msg.ack();
        continue;
      } catch (e) {
        error = errorText(e);
      }
    }
    console.error(`history record refused (attempt ${i.msg.attempts}): ${error}`);
    if (i.msg.attempts >= POISON_ATTEMPTS) await toDeadLetter(i.msg, env, i.text, error);
    else i.msg.retry({ delaySeconds: POISON_RETRY_SECONDS });
  }
  await dropErased(env, items);
}

/**
 * Erasure (docs/privacy.md "Erasure"): rows just written for a journey an erasure removed are
 * overwritten and deleted again. Checked after the write, not before: D1 runs the erasure's
 * batch (guard rows, then deletes) and this write one after the other, so either the erasure
 * came first and this check sees its guard, or it came after and its deletes took these rows.
 * One indexed read per batch; a failure is logged and the next erasure step or batch retries.
 */
async function dropErased(env: Env, items: Item[]): Promise<void> {
  try {
    const keys = items.map((i) => ({
      workspace: i.record.event.workspaceId,
      journeyId: i.record.event.journeyId,
    }));
    const started = Date.now();
    const erased = await erasedAmong(env.DB, keys);
    if (env.HISTORY_STATS === "1") {
      stat({ kind: "guard", records: items.length, ok: true, ms: Date.now() - started });
    }
    if (erased.size === 0) return;
    const byWorkspace = new Map<string, string[]>();
    for (const k of erased) {
      const [ws, journeyId] = k.split("/") as [string, string];
      byWorkspace.set(ws, [...(byWorkspace.get(ws) ?? []), journeyId]);
    }
    for (const [ws, journeys] of byWorkspace)
      await eraseHistory(env.DB, ws, "late-record", journeys);
  } catch (e) {
    console.error(`history: could not drop records of erased journeys: ${errorText(e)}`);
  }
}

/** flushToD1, counted for the bench when HISTORY_STATS is set. */
async function write(env: Env, records: OutboxRecord[], kind: string): Promise<void> {
  const started = Date.now();
  let ok = false;
  try {
    await flushToD1(env.DB, records);
    ok = true;
  } finally {
    if (env.HISTORY_STATS === "1") {
      stat({ kind, records: records.length, ok, ms: Date.now() - started });
    }
  }
}

/**
 * True when D1 answers a read of every history table. The query reads no rows (LIMIT 0) but
 * fails when D1 is unreachable or a table is missing.
 */
async function d1Up(env: Env): Promise<boolean> {
  let ok = false;
  try {
    await env.DB.prepare("SELECT 1 FROM events, journeys, promises, owners LIMIT 0").run();
    ok = true;
  } catch (e) {
    console.error(`D1 probe failed: ${errorText(e)}`);
  }
  if (env.HISTORY_STATS === "1") stat({ kind: "probe", records: 0, ok, ms: 0 });
  return ok;
}

/**
 * Hands a message to the dead-letter queue itself (rather than waiting for max_retries,
 * which is sized for D1 outages) and acknowledges it; retried if that send fails.
 */
async function toDeadLetter(msg: Message, env: Env, text: string, error: string): Promise<void> {
  try {
    await env.HISTORY_DLQ.send(text, { contentType: "text" });
    msg.ack();
    console.error(`history message ${msg.id} sent to the dead-letter queue: ${error}`);
  } catch (e) {
    console.error(`history message ${msg.id} could not reach the DLQ: ${errorText(e)}`);
    msg.retry({ delaySeconds: outageDelaySeconds(msg.attempts) });
  }
}

async function replay(msg: Message, env: Env, upTo: number | null): Promise<void> {
  try {
    await replayDead(env, upTo);
    msg.ack();
  } catch (e) {
    console.error(`replaying history_dead failed: ${errorText(e)}`);
    msg.retry({ delaySeconds: outageDelaySeconds(msg.attempts) });
  }
}

function stat(s: { kind: string; records: number; ok: boolean; ms: number }): void {
  console.log(`baton-history-stat ${JSON.stringify(s)}`);
}
