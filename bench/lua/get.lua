-- GET the URL given on the wrk command line, with BENCH_AUTH as a bearer key when set.
local c = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
setup, response, done = c.setup, c.response, c.done
wrk.method = "GET"
wrk.headers = c.headers()
