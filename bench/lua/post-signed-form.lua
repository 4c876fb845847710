-- POST pre-signed form bodies to BENCH_PATH: each line of BENCH_LINES is
-- "<X-Twilio-Signature>\t<form body>", generated and signed by bench/lib/twilio.mjs.
-- Threads take disjoint slices; every request carries its own valid signature.
local c = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
setup, response, done = c.setup, c.response, c.done
local path = os.getenv("BENCH_PATH")
local nextLine
local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }

function init(args)
  nextLine = c.cycler(c.lines(os.getenv("BENCH_LINES")), tonumber(os.getenv("BENCH_THREADS")), true)
end

function request()
  local line = nextLine()
  local tab = string.find(line, "\t", 1, true)
  headers["X-Twilio-Signature"] = string.sub(line, 1, tab - 1)
  return wrk.format("POST", path, headers, string.sub(line, tab + 1))
end
