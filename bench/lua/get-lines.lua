-- GET each path of BENCH_LINES in turn (threads take disjoint slices), with BENCH_AUTH.
local c = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
setup, response, done = c.setup, c.response, c.done
local nextPath, headers

function init(args)
  nextPath = c.cycler(c.lines(os.getenv("BENCH_LINES")), tonumber(os.getenv("BENCH_THREADS")))
  headers = c.headers()
end

function request()
  return wrk.format("GET", nextPath(), headers)
end
