import * as z from "zod";
import type { BuiltinRedaction, EventView, RedactionPattern } from "@baton/core";

/** Largest frame a browser may send, in bytes; larger frames close the socket with 1009. */
export const MAX_FRAME_BYTES = 8 * 1024;
/** Longest chat message, in characters (the same bound as HTTP event text is far larger). */
export const MAX_CHAT_TEXT = 4_000;

/** What a browser may send on the journey's socket. */
export const ClientFrame = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("message"),
    text: z.string().trim().min(1).max(MAX_CHAT_TEXT),
    /** The widget's id for this message: a resend with the same id is stored once. */
    clientId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .optional(),
  }),
  z.strictObject({ type: z.literal("ping") }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

/** Per-socket state kept across hibernation. */
export interface SocketAttachment {
  visitorId: string;
  /** The workspace's redaction patterns when the socket opened. */
  patterns: RedactionPattern[];
  /** Its switched-on built-in detectors (absent on sockets opened before they existed). */
  builtins?: BuiltinRedaction[] | undefined;
}

/**
 * How an event appears to the customer's browser: messages and calls in and out in full
 * (actor kind and display name only), internal events (notes, owner changes, handoff
 * packets) as a bare sequence number so the widget can still detect gaps.
 */
export function customerFrame(e: EventView): Record<string, unknown> {
  const visible = e.direction === "inbound" || e.direction === "outbound";
  if (!visible) return { type: "event", seq: e.seq, visible: false };
  return {
    type: "event",
    seq: e.seq,
    visible: true,
    event: {
      type: e.type,
      channel: e.channel,
      direction: e.direction,
      text: e.text,
      at: e.occurredAt,
      actor: e.actor ? { kind: e.actor.kind, name: e.actor.name ?? null } : null,
    },
  };
}

/** Parses a frame; an error frame explains what was wrong. */
export function parseFrame(
  raw: string | ArrayBuffer,
): { ok: true; frame: ClientFrame } | { ok: false; code: string; detail: string; close?: number } {
  const size = typeof raw === "string" ? new TextEncoder().encode(raw).length : raw.byteLength;
  if (size > MAX_FRAME_BYTES) {
    return {
      ok: false,
      code: "frame_too_large",
      detail: `at most ${MAX_FRAME_BYTES} bytes`,
      close: 1009,
    };
  }
  if (typeof raw !== "string")
    return { ok: false, code: "binary_frame", detail: "send JSON text frames" };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, code: "malformed_json", detail: "the frame is not valid JSON" };
  }
  const parsed = ClientFrame.safeParse(value);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    return {
      ok: false,
      code: "invalid_frame",
      detail: i ? `${i.path.join(".") || "(frame)"}: ${i.message}` : "invalid",
    };
  }
  return { ok: true, frame: parsed.data };
}
