import { SELF } from "cloudflare:test";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";

/** Where the tests reach /mcp: a localhost URL, which the Host guard admits. */
export const MCP_URL = "http://localhost/mcp";

export const BOT = { kind: "bot", id: "billing-bot", name: "Billing bot" } as const;
export const DANA = { kind: "agent", id: "dana", name: "Dana Reyes", team: "billing" } as const;

/** The official MCP client, over Streamable HTTP, with the Worker reached through SELF.fetch. */
export async function connect(
  key: string,
  url = MCP_URL,
  options: ConstructorParameters<typeof Client>[1] = {},
): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    authProvider: { token: async () => key },
    fetch: (input, init) => SELF.fetch(input, init),
  });
  const client = new Client({ name: "baton-test", version: "1.0.0" }, options);
  await client.connect(transport);
  return client;
}

export interface ToolAnswer {
  isError: boolean;
  /** The text content a model would read. */
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test convenience for deep reads
  data: Record<string, any>;
}

/** Calls a tool and flattens its answer: error flag, text content, structured content. */
export async function call(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<ToolAnswer> {
  const res = await client.callTool({ name, arguments: args });
  const content = Array.isArray(res.content)
    ? (res.content as { type: string; text?: string }[])
    : [];
  const text = content
    .filter((c) => c.type === "text")
    .map((c) => c.text ?? "")
    .join("\n");
  const data = (res.structuredContent ?? {}) as ToolAnswer["data"];
  return { isError: res.isError === true, text, data };
}

/** Calls a write tool and fails the test with the tool's own words if it refused. */
export async function write(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<ToolAnswer> {
  const out = await call(client, name, args);
  if (out.isError) throw new Error(`${name} refused: ${out.text}`);
  return out;
}
