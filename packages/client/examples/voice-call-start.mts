/**
 * A voice bot's call-start handler: when a call comes in, ask Baton for the caller's IVR
 * context and say its `sentence` first ("You called about the refund Dana promised…"), then
 * route to its `queue`. The IVR answer is a flat map within the workspace's time budget and
 * never fails once the key is accepted: an unknown caller gets match=none and a neutral
 * sentence.
 *
 *   ./baton dev                                   # in another terminal
 *   pnpm --filter @baton/client build
 *   node packages/client/examples/voice-call-start.mts
 *
 * Running it simulates one incoming call (no telephony provider is involved).
 */
import { createBatonClient, type BatonClient } from "@baton/client";

declare const process: { env: Record<string, string | undefined>; argv: string[] };
declare global {
  interface ImportMeta {
    main?: boolean;
  }
}

/** What the voice platform does next: speak, then route. */
export interface CallStartReply {
  say: string;
  queue: string;
  match: string;
  journeyId: string | null;
}

/**
 * The handler your voice platform calls at call start (its webhook body simplified to
 * `{ from }`: the caller's number as the carrier gave it).
 */
export function callStartHandler(client: BatonClient) {
  return async (request: Request): Promise<Response> => {
    const { from } = (await request.json()) as { from?: string };
    const ivr = await client.getContext({ phone: from || "anonymous", audience: "ivr" });
    const reply: CallStartReply = {
      say: ivr.sentence ?? "Thanks for calling.",
      queue: ivr.queue ?? "general",
      match: ivr.match ?? "none",
      journeyId: ivr.journeyId ?? null,
    };
    return Response.json(reply);
  };
}

// Run directly (`node <file>`), not imported. import.meta.main needs Node 24.2+.
const isMain =
  import.meta.main ?? decodeURIComponent(new URL(import.meta.url).pathname) === process.argv[1];
if (isMain) {
  const baseUrl = process.env.BATON_URL ?? "http://127.0.0.1:8787";
  const apiKey =
    process.env.BATON_KEY ?? "bk_dev.devkey000001.devsecret0000000000000000000000000000000";
  const from = process.env.CALLER ?? "+14155550100";
  const handle = callStartHandler(createBatonClient({ baseUrl, apiKey }));
  // A SIMULATED incoming call: what the voice platform would post to the handler.
  const call = new Request("http://voice-bot.local/call-start", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ from }),
  });
  const reply = (await (await handle(call)).json()) as CallStartReply;
  console.log(`match: ${reply.match}`);
  console.log(`queue: ${reply.queue}`);
  console.log(`say: ${reply.say}`);
}
