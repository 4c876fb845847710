import { WorkspaceSettings } from "@baton/core";
import { unwrap } from "../http/errors";
import { idempotencyOf } from "../http/validate";
import type { JourneyCommand, WriteOutcome } from "../objects/journey/types";
import { journeyStub } from "../objects/access";
import { workspaceSettings } from "../objects/workspace/settings";
import { redactCommand, redactionPatterns } from "./redact";

/*
 * The second way into a journey: a command (owner, action, promise, exception, constraint,
 * status) from the REST routes or the MCP tools. Settings are read once, the command is
 * redacted once, and the journey object writes it once.
 */

/** Fields a command takes from the workspace settings rather than from its caller. */
type FromSettings = "guard" | "policy" | "recovery" | "timeZone";
/** A journey command as its caller sends it; `runCommand` adds what the settings decide. */
export type CommandInput = Sent<JourneyCommand>;
type Sent<C> = C extends JourneyCommand ? Omit<C, FromSettings> : never;

/** Used when the workspace has no settings row yet: the schema's own defaults. */
const DEFAULT_POLICY = WorkspaceSettings.parse({}).promises;

/** Adds the workspace's handoff guard, promise policy, recovery fallbacks and time zone. */
function withSettings(input: CommandInput, settings: WorkspaceSettings | null): JourneyCommand {
  switch (input.kind) {
    case "owner":
      return { ...input, guard: settings?.handoff };
    case "promise.add":
    case "promise.renegotiate":
      return { ...input, policy: settings?.promises ?? DEFAULT_POLICY };
    case "promise.settle":
      return { ...input, recovery: settings?.recovery, timeZone: settings?.ivr.timeZone };
    case "exception.raise":
      return { ...input, recovery: settings?.recovery };
    default:
      return input;
  }
}

/**
 * Sends one command to a journey: fingerprints what the caller sent (so a retry matches even
 * if the settings changed meanwhile), adds the settings, applies the workspace's redaction
 * patterns, and writes once. Shared by the REST routes below and the MCP tools.
 */
export async function runCommand(
  env: Env,
  ws: string,
  journeyId: string,
  input: CommandInput,
  idempotencyKey: string | undefined,
): Promise<WriteOutcome> {
  const idempotency = await idempotencyOf(idempotencyKey, undefined, input);
  const settings = await workspaceSettings(env, ws);
  const command = redactCommand(withSettings(input, settings), redactionPatterns(settings));
  const stub = journeyStub(env, ws, journeyId);
  return unwrap(await stub.command({ workspace: ws, journeyId, idempotency, command }));
}
