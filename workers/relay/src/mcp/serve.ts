import { LIMITS, redactText } from "@baton/core";
import {
  createMcpHandler,
  isJsonContentType,
  isLegacyRequest,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import type { Caller } from "./results";
import { buildServer, toolCalled } from "./server";

/** A JSON-RPC error answered before any server exists, shaped like the SDK's own. */
const rpcError = (status: number, code: number, message: string): Response =>
  Response.json({ jsonrpc: "2.0", error: { code, message }, id: null }, { status });

/** The SDK's reports of refused requests; redacted like every log line that may quote input. */
const onerror = (e: Error) => console.warn(redactText(`MCP: ${e.message}`).text);

/**
 * Serves one MCP request for a verified caller, statelessly: a fresh server per request.
 *
 * The body is read once, bounded like a REST body (64 KiB), and handed on parsed. 2025-era
 * traffic (the `initialize` handshake the official client uses by default) is answered by a
 * stateless transport in JSON mode: one JSON body per request rather than the one-event SSE
 * stream of the SDK's own stateless fallback (no tool here sends anything mid-call, and the
 * stream costs CPU on every call; docs/agents.md §6). 2026-07-28 traffic (the per-request
 * envelope) goes to the SDK's `createMcpHandler` with its legacy serving off: the composition
 * the SDK documents for `isLegacyRequest`.
 */
export async function serveMcp(req: Request, caller: Caller): Promise<Response> {
  let parsedBody: unknown;
  if (req.method === "POST") {
    if (!isJsonContentType(req.headers.get("content-type"))) {
      return rpcError(415, -32000, "Unsupported Media Type: Content-Type must be application/json");
    }
    // Read whole, as the REST API reads bodies: a lying Content-Length cannot smuggle more.
    const tooLarge = () =>
      rpcError(413, -32000, `Request body too large: at most ${LIMITS.bodyBytes} bytes`);
    if (Number(req.headers.get("content-length") ?? "0") > LIMITS.bodyBytes) return tooLarge();
    const buf = await req.arrayBuffer();
    if (buf.byteLength > LIMITS.bodyBytes) return tooLarge();
    try {
      parsedBody = JSON.parse(new TextDecoder().decode(buf));
    } catch {
      return rpcError(400, -32700, "Parse error: the request body is not valid JSON");
    }
  }
  const only = toolCalled(parsedBody);
  if (await isLegacyRequest(req, parsedBody)) {
    // No sessions: the 2025 session stream (GET) and session end (DELETE) do not exist here.
    if (req.method !== "POST") return rpcError(405, -32000, "Method not allowed.");
    const server = buildServer(caller, only);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    transport.onerror = onerror;
    await server.connect(transport);
    // Not closed afterwards: closing only fails the exchange's pending handlers, and a
    // stateless exchange has none left once it answered; the pair is garbage after this.
    return transport.handleRequest(req, { parsedBody });
  }
  const modern = createMcpHandler(() => buildServer(caller, only), { legacy: "reject", onerror });
  return modern.fetch(req, { parsedBody });
}
