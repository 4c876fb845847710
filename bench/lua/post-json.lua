-- POST a JSON body to BENCH_PATH with a unique Idempotency-Key per request.
-- The body is BENCH_BODY, or the lines of BENCH_LINES in turn (one JSON body per line);
-- "{n}" in a body is replaced by the request's unique token.
local c = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
setup, response, done = c.setup, c.response, c.done
local path = os.getenv("BENCH_PATH")
local run = os.getenv("BENCH_RUN")
local nextBody, headers
local n = 0

function init(args)
  local file = os.getenv("BENCH_LINES")
  if file and file ~= "" then
    nextBody = c.cycler(c.lines(file), tonumber(os.getenv("BENCH_THREADS")))
  else
    local body = os.getenv("BENCH_BODY")
    nextBody = function() return body end
  end
  headers = c.headers()
  headers["Content-Type"] = "application/json"
end

function request()
  n = n + 1
  local token = run .. "-" .. tid .. "-" .. n
  headers["Idempotency-Key"] = token
  local body = string.gsub(nextBody(), "{n}", token)
  return wrk.format("POST", path, headers, body)
end
