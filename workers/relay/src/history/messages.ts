/**
 * What travels on the history queues: one message per journey outbox record (the record's
 * JSON as text, objects/journey/outbox.ts), and one control message, `{ "replayDead": true }`,
 * which asks the consumer to replay the D1 table history_dead (history/dead.ts). Bodies sent
 * by hand (Cloudflare's dashboard, the HTTP publish API) may arrive as JSON objects instead of
 * text; both are read the same way.
 */
import type { OutboxRecord } from "@baton/db";

export type HistoryMessage =
  | { kind: "record"; record: OutboxRecord; text: string }
  | { kind: "replay"; upTo: number | null }
  | { kind: "invalid"; error: string; text: string };

/** Reads one message body. Never throws: a body that is not a record is `invalid`. */
export function readMessage(body: unknown): HistoryMessage {
  let value: unknown = body;
  let text: string;
  if (typeof body === "string") {
    text = body;
    try {
      value = JSON.parse(body);
    } catch {
      return { kind: "invalid", error: "the message is not JSON", text };
    }
  } else {
    text = safeStringify(body);
  }
  if (!isObject(value)) return { kind: "invalid", error: "the message is not an object", text };
  if (value.replayDead === true) {
    const upTo = typeof value.upTo === "number" && Number.isInteger(value.upTo) ? value.upTo : null;
    return { kind: "replay", upTo };
  }
  const problem = recordProblem(value);
  if (problem) return { kind: "invalid", error: problem, text };
  return { kind: "record", record: value as unknown as OutboxRecord, text };
}

/**
 * The keys the consumer relies on before D1 sees a record (D1's NOT NULL and type checks
 * catch the rest, and the consumer isolates such a record).
 */
function recordProblem(v: Record<string, unknown>): string | null {
  const event = v.event;
  const journey = v.journey;
  if (!isObject(event)) return "the record has no event";
  if (!isObject(journey)) return "the record has no journey snapshot";
  if (typeof event.workspaceId !== "string" || typeof event.journeyId !== "string") {
    return "the event has no workspaceId/journeyId";
  }
  if (typeof event.seq !== "number") return "the event has no seq";
  if (typeof journey.workspaceId !== "string" || typeof journey.id !== "string") {
    return "the journey snapshot has no workspaceId/id";
  }
  if (typeof journey.lastSeq !== "number") return "the journey snapshot has no lastSeq";
  if (v.promises !== undefined && !Array.isArray(v.promises)) return "promises is not a list";
  if (v.promise !== undefined && !isObject(v.promise)) return "promise is not an object";
  if (v.owner !== undefined && !(isObject(v.owner) && isObject(v.owner.opened))) {
    return "owner has no opened interval";
  }
  return null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function safeStringify(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/**
 * An error's message, shortened for storage and logs. drizzle wraps D1's error in one whose
 * message repeats the query and its parameters (customer text): the innermost cause is used.
 */
export function errorText(e: unknown): string {
  let err = e;
  while (err instanceof Error && err.cause instanceof Error) err = err.cause;
  return (err instanceof Error ? err.message : String(err)).slice(0, 500);
}
