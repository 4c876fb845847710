/**
 * An LLM tool-use loop on Baton, with the LLM replaced by a SCRIPTED STAND-IN.
 *
 * The tools are generated from Baton's OpenAPI document (itself generated from the zod
 * schemas the relay validates with) in both the OpenAI-style and the Anthropic-style format:
 * pass `tools.openai` or `tools.anthropic` to your model API as they are. `scriptedModel`
 * below stands in for the model: it emits the tool calls a model would, in a fixed order, so
 * the example runs with no model, no API key of any vendor and no network beyond Baton.
 *
 *   ./baton dev                                   # in another terminal
 *   pnpm --filter @baton/client build
 *   node packages/client/examples/llm-tool-loop.mts
 *
 * BATON_URL and BATON_KEY default to what `./baton dev` prints.
 */
import { createBatonClient, toolsFromDocument, type OpenApiDocument } from "@baton/client";

declare const process: { env: Record<string, string | undefined>; argv: string[] };
declare global {
  interface ImportMeta {
    main?: boolean;
  }
}

/** The operations the bot may use, by operationId (they become the tool names). */
export const BOT_TOOLS = ["getContext", "addPromise", "recordAction", "setOwner"];

interface ToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}
type Turn =
  | { role: "user" | "assistant"; content: string; toolCalls?: ToolCall[] }
  | { role: "tool"; toolCallId: string; content: string };

/**
 * SCRIPTED STAND-IN FOR THE LLM. A real loop sends `history` and the tools to a model and
 * gets back text or tool calls; this function returns them from a script instead:
 * 1. read the caller's context (bot audience), 2. promise a refund and record the action on
 * the journey it found, 3. answer the customer.
 */
function scriptedModel(history: Turn[], phone: string): Turn {
  const results = history.filter((t) => t.role === "tool");
  if (results.length === 0) {
    const args = { phone, audience: "bot", format: "json" };
    return {
      role: "assistant",
      content: "",
      toolCalls: [{ id: "call_1", name: "getContext", arguments: args }],
    };
  }
  if (results.length === 1) {
    const context = JSON.parse(results[0]?.content ?? "{}") as { journeyId?: string | null };
    if (!context.journeyId) return { role: "assistant", content: "I could not find your account." };
    const bot = { kind: "bot", id: "support-bot", name: "Support bot" };
    const promise = {
      text: "refund the duplicate March charge",
      dueAt: inDays(3),
      madeBy: bot,
      channel: "chat",
    };
    const action = { text: "refund requested for the duplicate March charge", actor: bot };
    return {
      role: "assistant",
      content: "",
      toolCalls: [
        { id: "call_2", name: "addPromise", arguments: { id: context.journeyId, body: promise } },
        { id: "call_3", name: "recordAction", arguments: { id: context.journeyId, body: action } },
      ],
    };
  }
  return {
    role: "assistant",
    content: "I have asked for the refund: you will have it within 3 days.",
  };
}

const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString();

export async function runToolLoop(o: { baseUrl: string; apiKey: string; phone: string }) {
  const client = createBatonClient(o);
  const doc = (await (await fetch(`${o.baseUrl}/openapi.json`)).json()) as OpenApiDocument;
  const tools = toolsFromDocument(doc, BOT_TOOLS);
  const history: Turn[] = [{ role: "user", content: "I was charged twice for March." }];
  for (let step = 0; step < 5; step++) {
    const turn = scriptedModel(history, o.phone);
    history.push(turn);
    if (turn.role !== "assistant" || !turn.toolCalls?.length)
      return { reply: turn.content, history, tools };
    for (const call of turn.toolCalls) {
      const result = await tools.call(client, call.name, call.arguments);
      history.push({ role: "tool", toolCallId: call.id, content: JSON.stringify(result) });
    }
  }
  throw new Error("the loop did not finish in 5 steps");
}

// Run directly (`node <file>`), not imported. import.meta.main needs Node 24.2+.
const isMain =
  import.meta.main ?? decodeURIComponent(new URL(import.meta.url).pathname) === process.argv[1];
if (isMain) {
  const baseUrl = process.env.BATON_URL ?? "http://127.0.0.1:8787";
  const apiKey =
    process.env.BATON_KEY ?? "bk_dev.devkey000001.devsecret0000000000000000000000000000000";
  const phone = process.env.CALLER ?? "+14155550100";
  // The customer wrote before, so the bot has a journey to read (a real deployment has many).
  await createBatonClient({ baseUrl, apiKey }).postEvent({
    identifiers: [{ type: "phone", value: phone }],
    channel: "sms",
    direction: "inbound",
    actor: { kind: "customer" },
    text: "I was charged twice for March",
  });
  const { reply, history, tools } = await runToolLoop({ baseUrl, apiKey, phone });
  console.log("OpenAI-style tools:", JSON.stringify(tools.openai.map((t) => t.function.name)));
  console.log("Anthropic-style tools:", JSON.stringify(tools.anthropic.map((t) => t.name)));
  for (const turn of history) {
    const calls =
      "toolCalls" in turn && turn.toolCalls ? turn.toolCalls.map((c) => c.name).join(", ") : "";
    console.log(`${turn.role}: ${calls ? `calls ${calls}` : turn.content.slice(0, 160)}`);
  }
  console.log(`reply: ${reply}`);
}
