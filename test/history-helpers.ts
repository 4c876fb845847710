import {
  createExecutionContext,
  createMessageBatch,
  env,
  getQueueResult,
  type QueueResult,
} from "cloudflare:test";
import type { OutboxRecord } from "@baton/db";
import worker from "../workers/relay/src/index";

let counter = 0;

/** Outbox records of one synthetic journey, built the way the journey object builds them. */
export function journeyRecords(ws: string, journeyId = "jrn_q") {
  const at = (seq: number) => `2026-01-01T00:00:${String(seq).padStart(2, "0")}.000Z`;
  const base = (seq: number, type: string, ownerId: string | null = null): OutboxRecord => ({
    event: {
      workspaceId: ws,
      journeyId,
      seq,
      id: `evt_${journeyId}_${seq}`,
      type,
      channel: "sms",
      direction: "inbound",
      actorKind: "customer",
      actorId: null,
      actorName: null,
      text: `${type} ${seq}`,
      data: null,
      occurredAt: at(seq),
      recordedAt: at(seq),
    },
    journey: {
      workspaceId: ws,
      id: journeyId,
      customerId: "cus_q",
      status: "open",
      reasonText: null,
      reasonTopic: null,
      ownerKind: ownerId ? "agent" : null,
      ownerId,
      ownerName: null,
      ownerTeam: null,
      lastSeq: seq,
      contacts: 1,
      channels: '["sms"]',
      channelSwitches: 0,
      handoffs: 0,
      repeats: 0,
      brokenPromises: 0,
      pendingPromises: 0,
      createdAt: at(1),
      updatedAt: at(seq),
      resolvedAt: null,
    },
  });
  /** owner.changed at `seq`, closing the interval opened at `closedSeq`. */
  const owner = (seq: number, ownerId: string, closedSeq: number | null): OutboxRecord => ({
    ...base(seq, "owner.changed", ownerId),
    owner: {
      opened: {
        workspaceId: ws,
        journeyId,
        seq,
        ownerKind: "agent",
        ownerId,
        ownerName: null,
        ownerTeam: null,
        since: at(seq),
        until: null,
      },
      closedSeq,
    },
  });
  return { base, owner, at };
}

/** Runs the Worker's queue() handler on a batch built from `bodies`, as the queue would. */
export async function deliver(
  queue: string,
  bodies: unknown[],
  attempts = 1,
): Promise<{ ids: string[]; result: QueueResult }> {
  const ids = bodies.map(() => `msg-${Date.now()}-${counter++}`);
  const batch = createMessageBatch(
    queue,
    bodies.map((body, i) => ({ id: ids[i] ?? "", timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return { ids, result: await getQueueResult(batch, ctx) };
}

/** Polls `read` every 50 ms until it gives something other than null (at most 20 s). */
export async function waitFor<T>(read: () => Promise<T | null>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Rows of a D1 history table for one workspace. */
export async function d1Rows(table: string, ws: string, order = "seq") {
  const { results } = await env.DB.prepare(
    `SELECT * FROM ${table} WHERE workspace_id = ? ORDER BY ${order}`,
  )
    .bind(ws)
    .all<Record<string, unknown>>();
  return results;
}
