import { LIMITS, type Identifier } from "@baton/core";
import { Hono } from "hono";
import { cors } from "hono/cors";
import * as z from "zod";
import type { AppEnv } from "../env";
import { unwrap } from "../http/errors";
import { fail } from "../http/problem";
import { jsonBody, sha256Hex, stableStringify } from "../http/validate";
import { typedPhone, verifyChatUser } from "../identity/chat-identity";
import { chatSessionSecret, signSession, verifySession } from "../chat/session-token";
import { journeyStub } from "../objects/access";
import { ingestEvent } from "../ingest/pipeline";
import { workspaceSettings } from "../objects/workspace/settings";
import { WorkspaceIdPattern } from "../http/validate";

/**
 * Web chat, called from the customer's browser (no API key): a session start resolves the
 * journey with the identity rules. The site proves who a logged-in user is with an HMAC of the
 * user id or a signed JWT; an email typed into the chat is only ever a claim.
 */
export const chat = new Hono<AppEnv>();
chat.use(
  "*",
  cors({ origin: "*", allowMethods: ["POST", "OPTIONS"], allowHeaders: ["content-type"] }),
);

const id = z.string().trim().min(8).max(LIMITS.labelChars).regex(/^\S+$/, "no whitespace");

export const SessionInput = z.strictObject({
  /** A random id the widget keeps per browser (at least 8 characters). */
  visitorId: id,
  userId: z.string().trim().min(1).max(LIMITS.labelChars).optional(),
  userHash: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, "hex HMAC-SHA256")
    .optional(),
  token: z.string().min(10).max(4096).optional(),
  /** What the visitor typed: recorded as claimed, never trusted. */
  email: z.string().trim().max(320).optional(),
  /** A phone number the visitor typed (national numbers read with the workspace region): claimed. */
  phone: z.string().trim().min(1).max(64).optional(),
  name: z.string().trim().min(1).max(LIMITS.labelChars).optional(),
  text: z.string().max(LIMITS.textChars).optional(),
  /** The widget's id for this session start: a retry with the same id is stored once. */
  clientId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
});

/** The secret that signs sessions; without it chat refuses before anything is stored. */
function sessionSecret(env: Env): string {
  const secret = chatSessionSecret(env);
  if (!secret) {
    fail(
      503,
      "chat_not_configured",
      "Web chat is not configured",
      "the relay has no CHAT_SESSION_SECRET (a Worker secret of at least 32 characters)",
    );
  }
  return secret;
}

chat.post("/sessions", async (c) => {
  const secret = sessionSecret(c.env);
  const ws = c.req.param("workspace") ?? "";
  const settings = WorkspaceIdPattern.test(ws) ? await workspaceSettings(c.env, ws) : null;
  if (!settings) fail(404, "workspace_not_found", "Workspace not found");
  const input = await jsonBody(c, SessionInput);
  const proof = await verifyChatUser(settings, input);
  if (!proof.ok) {
    const status = proof.error.code === "chat_identity_not_configured" ? 422 : 401;
    fail(
      status,
      proof.error.code,
      "Chat identity not accepted",
      "reason" in proof.error ? proof.error.reason : undefined,
    );
  }
  const user = proof.user;
  const identifiers: Identifier[] = [
    { type: "chat", value: input.visitorId, verification: "asserted" },
  ];
  if (user) identifiers.unshift({ type: "user", value: user.userId, verification: "verified" });
  if (user?.email) identifiers.push({ type: "email", value: user.email, verification: "verified" });
  if (input.email) identifiers.push({ type: "email", value: input.email, verification: "claimed" });
  if (input.phone !== undefined) {
    const phone = typedPhone(input.phone, settings);
    if (!phone.ok) fail(400, "invalid_phone", "The phone number cannot be read", phone.reason);
    identifiers.push(phone.identifier);
  }
  const result = unwrap(
    await ingestEvent(
      c.env,
      ws,
      {
        identifiers,
        channel: "chat",
        direction: "inbound",
        actor: {
          kind: "customer",
          ...((input.name ?? user?.name) ? { name: input.name ?? user?.name ?? undefined } : {}),
        },
        type: input.text ? "message" : "custom",
        ...(input.text ? { text: input.text } : { data: { chat: "session_started" } }),
      },
      // A retried start (same visitor, clientId and body; the proof may have been refreshed)
      // replays instead of storing twice.
      input.clientId
        ? {
            key: `chat-session:${input.visitorId}:${input.clientId}`,
            fingerprint: await sha256Hex(
              stableStringify({ ...input, token: undefined, userHash: undefined }),
            ),
          }
        : undefined,
      { source: user ? `chat:${user.method}` : "chat", settings },
    ),
  );
  const trusted = result.verification !== "claimed";
  const sessionToken = await signSession(secret, {
    ws,
    journeyId: result.journeyId,
    visitorId: input.visitorId,
  });
  return c.json(
    {
      journeyId: result.journeyId,
      sessionToken,
      socket: `/chat/${ws}/socket?token=${encodeURIComponent(sessionToken)}`,
      verified: user !== null,
      identity: result.verification,
      pendingLinks: result.pendingLinks.length,
      // The visitor sees the conversation's messages, never internal notes or other context.
      messages: trusted
        ? result.context.history.recent
            .filter((e) => e.type === "message" && e.text !== null && e.direction !== "internal")
            .map((e) => ({
              seq: e.seq,
              direction: e.direction,
              channel: e.channel,
              text: e.text,
              at: e.occurredAt,
            }))
        : [],
    },
    201,
  );
});

/**
 * The journey's live socket. The session token (from POST /sessions) names the journey and
 * the visitor; the socket itself is served by the journey object with hibernation.
 */
chat.get("/socket", async (c) => {
  const ws = c.req.param("workspace") ?? "";
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    fail(426, "upgrade_required", "Open this URL as a WebSocket");
  }
  const secret = sessionSecret(c.env);
  const token = c.req.query("token") ?? "";
  const session = await verifySession(secret, token);
  if (!session || session.ws !== ws) {
    fail(
      401,
      "invalid_session",
      "Invalid chat session",
      "start a session with POST /chat/:workspace/sessions",
    );
  }
  const headers = new Headers(c.req.raw.headers);
  headers.set("x-baton-workspace", session.ws);
  headers.set("x-baton-journey", session.journeyId);
  headers.set("x-baton-visitor", session.visitorId);
  const settings = await workspaceSettings(c.env, session.ws);
  headers.set("x-baton-redaction", JSON.stringify(settings?.redaction.patterns ?? []));
  headers.set("x-baton-redaction-builtins", JSON.stringify(settings?.redaction.builtins ?? []));
  return journeyStub(c.env, session.ws, session.journeyId).fetch(
    new Request(c.req.raw.url, { method: "GET", headers }),
  );
});
