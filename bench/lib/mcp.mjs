// The MCP scenario's request, captured from the official MCP client: the bench replays exactly
// what a real agent framework sends for one tools/call, so the protocol details (version
// header, envelope, Accept) are the client's own and not guessed here.
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";

/**
 * Connects to `${relayUrl}/mcp` with `key`, calls `tool` with `args` once, and returns the
 * tools/call request as sent ({ body, protocolVersion }) and whether the tool succeeded.
 */
export async function captureToolCall(relayUrl, key, tool, args) {
  let captured = null;
  const transport = new StreamableHTTPClientTransport(new URL(`${relayUrl}/mcp`), {
    authProvider: { token: async () => key },
    fetch: async (url, init) => {
      const body = typeof init?.body === "string" ? init.body : null;
      if (body?.includes('"tools/call"')) {
        const headers = new globalThis.Headers(init?.headers);
        captured = { body, protocolVersion: headers.get("mcp-protocol-version") ?? "" };
      }
      return fetch(url, init);
    },
  });
  const client = new Client({ name: "baton-bench", version: "1.0.0" });
  await client.connect(transport);
  try {
    const res = await client.callTool({ name: tool, arguments: args });
    const text = res.content?.find((c) => c.type === "text")?.text ?? "";
    return { ...captured, ok: captured !== null && res.isError !== true, text };
  } finally {
    await client.close();
  }
}
