import {
  ActionInput,
  ConstraintInput,
  EventInput,
  ExceptionInput,
  JourneyId,
  JourneyPatch,
  LIMITS,
  OwnerInput,
  PromiseInput,
  PromiseRenegotiateInput,
  PromiseSettleInput,
  StatusInput,
} from "@baton/core";
import type { McpServer } from "@modelcontextprotocol/server";
import * as z from "zod";
import type { WriteOutcome } from "../objects/journey/types";
import { MessageInput, recordMessage, runCommand, type CommandInput } from "../ingest/command";
import { answer, guarded, keyFor, toolInput, type Caller } from "./results";

/*
 * The write tools. Each argument schema is the REST body's zod schema (the one the route
 * validates with) extended with the journey id and an optional idempotency key; each tool
 * runs the same `runCommand` as its route, with the same scope.
 */

const Target = {
  journeyId: JourneyId.describe("the journey (jrn_…), from find_journey or get_context"),
  idempotencyKey: EventInput.shape.idempotencyKey.describe(
    "retry-safe key (1–200 characters); when omitted, one is derived from the tool and its arguments",
  ),
};
const PromiseId = z
  .string()
  .min(1)
  .max(LIMITS.labelChars)
  .describe("the promise (prm_…), from make_promise or get_context with audience=agent");
const ownerKind = OwnerInput.shape.kind.unwrap();

type Targeted = { journeyId: string; idempotencyKey?: string | undefined };

interface WriteTool<S extends z.ZodType<Targeted>> {
  title: string;
  description: string;
  schema: S;
  command: (args: z.output<S>) => CommandInput;
}

/** Registers one tool; the schema's type is checked here and erased from the table below. */
type Registrar = (server: McpServer, caller: Caller, name: string) => void;
const tool =
  <S extends z.ZodType<Targeted>>(t: WriteTool<S>): Registrar =>
  (server, caller, name) =>
    register(server, caller, name, t);

const TOOLS: Record<string, Registrar> = {
  record_action: tool({
    title: "Record an action",
    description:
      "Record something done for the customer (not said): it becomes the journey's last action. REST: POST /v1/journeys/:id/actions.",
    schema: ActionInput.extend(Target),
    command: ({ journeyId: _j, idempotencyKey: _k, ...action }) => ({ kind: "action", action }),
  }),
  note_fact: tool({
    title: "Note facts (do not ask again)",
    description:
      "Store what the customer already gave (account number, order id…) so nobody asks again; null removes a fact. A sharper reason may ride along. REST: PATCH /v1/journeys/:id.",
    schema: JourneyPatch.safeExtend({ ...Target, facts: JourneyPatch.shape.facts.unwrap() }),
    command: ({ journeyId: _j, idempotencyKey: _k, ...patch }) => ({ kind: "patch", patch }),
  }),
  make_promise: tool({
    title: "Make a promise",
    description:
      "Record what the customer was told will happen, by when. Only promise what will be kept. The answer's id settles it later. REST: POST /v1/journeys/:id/promises.",
    schema: PromiseInput.extend(Target),
    command: ({ journeyId: _j, idempotencyKey: _k, ...promise }) => ({
      kind: "promise.add",
      promise,
    }),
  }),
  settle_promise: tool({
    title: "Settle a promise",
    description:
      "Mark a promise kept, broken or cancelled. REST: PATCH /v1/journeys/:id/promises/:promiseId.",
    schema: PromiseSettleInput.extend({ ...Target, promiseId: PromiseId }),
    command: ({ journeyId: _j, idempotencyKey: _k, promiseId, ...settle }) => ({
      kind: "promise.settle",
      id: promiseId,
      settle,
    }),
  }),
  renegotiate_promise: tool({
    title: "Renegotiate a promise",
    description:
      "Agree a new time (and optionally new words) with the customer: the old promise closes as renegotiated, a new one replaces it. REST: POST /v1/journeys/:id/promises/:promiseId/renegotiate.",
    schema: PromiseRenegotiateInput.extend({ ...Target, promiseId: PromiseId }),
    command: ({ journeyId: _j, idempotencyKey: _k, promiseId, ...renegotiate }) => ({
      kind: "promise.renegotiate",
      id: promiseId,
      renegotiate,
    }),
  }),
  add_constraint: tool({
    title: "Add a constraint",
    description:
      "Record something every next step must respect (contact window, channel only, accessibility, legal hold). REST: POST /v1/journeys/:id/constraints.",
    schema: ConstraintInput.extend(Target),
    command: ({ journeyId: _j, idempotencyKey: _k, ...constraint }) => ({
      kind: "constraint.add",
      constraint,
    }),
  }),
  raise_exception: tool({
    title: "Raise an exception",
    description:
      "Record what went wrong that the next touchpoint must recover from first; by default the journey is escalated to the owner's fallback. REST: POST /v1/journeys/:id/exceptions.",
    schema: ExceptionInput.extend(Target),
    command: ({ journeyId: _j, idempotencyKey: _k, ...exception }) => ({
      kind: "exception.raise",
      exception,
    }),
  }),
  hand_off: tool({
    title: "Hand off to a person or team",
    description:
      "Make a person or a team the owner, with the handoff packet (reason and summary) they start from. expectedOwnerId refuses the change if someone else took the journey meanwhile. REST: PUT /v1/journeys/:id/owner.",
    schema: OwnerInput.extend({
      ...Target,
      kind: ownerKind.exclude(["bot"]).default("person"),
      handoff: OwnerInput.shape.handoff.unwrap(),
    }),
    command: ({ journeyId: _j, idempotencyKey: _k, ...owner }) => ({ kind: "owner", owner }),
  }),
  hand_back: tool({
    title: "Hand back to a bot",
    description:
      "Give the journey back to a bot. Too many bot/human switches in a short time refuse the handback: the answer then says handedOver=false and who keeps the journey. REST: PUT /v1/journeys/:id/owner.",
    schema: OwnerInput.extend({ ...Target, kind: ownerKind.extract(["bot"]).default("bot") }),
    command: ({ journeyId: _j, idempotencyKey: _k, ...owner }) => ({ kind: "owner", owner }),
  }),
  resolve: tool({
    title: "Resolve the journey",
    description:
      "Set the journey's status to resolved, with an optional note. A later contact within the workspace's reopen window reopens it. REST: PUT /v1/journeys/:id/status.",
    schema: StatusInput.omit({ status: true }).extend(Target),
    command: ({ journeyId: _j, idempotencyKey: _k, ...rest }) => ({
      kind: "status",
      status: { status: "resolved", ...rest },
    }),
  }),
};

/** What a write answers: ids and states only, never journey text (read that with get_context). */
function written(journeyId: string, key: string, out: WriteOutcome): Record<string, unknown> {
  const owner = out.context.owner;
  return {
    journeyId,
    event: { seq: out.seq, id: out.eventId },
    id: out.createdId,
    replayed: out.replayed,
    idempotencyKey: key,
    status: out.context.status,
    owner: owner ? { kind: owner.kind, id: owner.id, name: owner.name, team: owner.team } : null,
    flags: out.context.flags,
  };
}

function register<S extends z.ZodType<Targeted>>(
  server: McpServer,
  caller: Caller,
  name: string,
  t: WriteTool<S>,
): void {
  server.registerTool(
    name,
    {
      title: t.title,
      description: t.description,
      inputSchema: toolInput(t.schema),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
    },
    (args) =>
      guarded(caller, "journeys:write", async () => {
        const key = await keyFor(name, args);
        const input = t.command(args);
        const ws = caller.principal.workspace;
        const out = await runCommand(caller.env, ws, args.journeyId, input, key);
        const data = written(args.journeyId, key, out);
        if (input.kind !== "owner") return answer(data);
        // The ping-pong guard refuses a handback with a success and keeps the human: say so.
        return answer({ ...data, handedOver: out.context.owner?.id === input.owner.id });
      }),
  );
}

/**
 * record_message: the company's message on a channel, with the threading the sender puts on
 * it. The same `recordMessage` as POST /v1/journeys/:id/messages, with the same scope.
 */
function registerRecordMessage(server: McpServer, caller: Caller): void {
  const schema = MessageInput.safeExtend(Target);
  server.registerTool(
    "record_message",
    {
      title: "Record a message sent to the customer",
      description:
        "Record what an agent or bot sent (email, sms or chat) and get what makes the customer's answer come back to this journey: for email the Message-ID, Reply-To and References headers to set; for SMS the number pair now bound to this journey. Refused (nothing stored) when the journey's customer has no address on that channel. REST: POST /v1/journeys/:id/messages.",
      inputSchema: toolInput(schema),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
    },
    (args) =>
      guarded(caller, "journeys:write", async () => {
        const key = await keyFor("record_message", args);
        const { journeyId, idempotencyKey: _k, ...message } = args;
        const ws = caller.principal.workspace;
        const out = await recordMessage(caller.env, ws, journeyId, message, key);
        return answer({ ...out, idempotencyKey: key });
      }),
  );
}

/** Registers every write tool (scope `journeys:write`, like the routes they mirror). */
export function registerWriteTools(
  server: McpServer,
  caller: Caller,
  wanted: (tool: string) => boolean,
): void {
  for (const [name, registrar] of Object.entries(TOOLS)) {
    if (wanted(name)) registrar(server, caller, name);
  }
  if (wanted("record_message")) registerRecordMessage(server, caller);
}

/** The write tools' names, for docs and tests. */
export const WRITE_TOOLS = [...Object.keys(TOOLS), "record_message"];
