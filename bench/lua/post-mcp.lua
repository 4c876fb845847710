-- POST one captured MCP request (BENCH_BODY, a JSON-RPC tools/call) to the URL on the wrk
-- command line with the headers the official MCP client sends: JSON in, JSON or an SSE stream
-- out (Accept), and the negotiated MCP-Protocol-Version (BENCH_MCP_VERSION).
local c = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
setup, response, done = c.setup, c.response, c.done
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers = c.headers()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
local version = os.getenv("BENCH_MCP_VERSION")
if version and version ~= "" then wrk.headers["MCP-Protocol-Version"] = version end
