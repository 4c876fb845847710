-- Shared by every bench scenario (loaded with dofile from the scenario script).
-- Gives each wrk thread a 0-based id, counts responses by status, and prints one summary
-- line, "BENCHJSON {...}", that bench/lib/wrk.mjs parses. Latencies are in microseconds.
local M = {}
local threads = {}

function M.setup(thread)
  thread:set("tid", #threads)
  threads[#threads + 1] = thread
end

-- Per-thread globals (each wrk thread has its own Lua state).
statuses = {}
sample = nil
wrapped = 0
-- Answers whose body contains BENCH_FLAG (e.g. a degraded IVR answer) are counted apart.
flagged = 0
local flag = os.getenv("BENCH_FLAG")
if flag == "" then flag = nil end

function M.response(status, headers, body)
  local k = tostring(status)
  statuses[k] = (statuses[k] or 0) + 1
  if status >= 300 and sample == nil then
    sample = k .. " " .. string.sub(body or "", 1, 300)
  end
  if flag and body and string.find(body, flag, 1, true) then flagged = flagged + 1 end
end

local function str(s)
  return '"' .. string.gsub(s, '[%c"\\]', function(c)
    return string.format("\\u%04x", string.byte(c))
  end) .. '"'
end

function M.done(summary, latency, requests)
  local counts, first, wraps, flags = {}, nil, 0, 0
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    if type(s) == "table" then
      for k, v in pairs(s) do counts[k] = (counts[k] or 0) + v end
    end
    local smp = t:get("sample")
    if first == nil and type(smp) == "string" then first = smp end
    wraps = wraps + (tonumber(t:get("wrapped")) or 0)
    flags = flags + (tonumber(t:get("flagged")) or 0)
  end
  local parts = {}
  for k, v in pairs(counts) do parts[#parts + 1] = str(k) .. ":" .. v end
  local e = summary.errors
  io.write("BENCHJSON {",
    '"requests":', summary.requests,
    ',"durationUs":', summary.duration,
    ',"bytes":', summary.bytes,
    ',"errors":{"connect":', e.connect, ',"read":', e.read, ',"write":', e.write,
    ',"status":', e.status, ',"timeout":', e.timeout, "}",
    ',"latencyUs":{"min":', latency.min, ',"mean":', latency.mean, ',"stdev":', latency.stdev,
    ',"max":', latency.max,
    ',"p50":', latency:percentile(50), ',"p90":', latency:percentile(90),
    ',"p99":', latency:percentile(99), ',"p999":', latency:percentile(99.9), "}",
    ',"statuses":{', table.concat(parts, ","), "}",
    ',"wrappedThreads":', wraps,
    ',"flagged":', flags,
    ',"sample":', first and str(first) or "null",
    "}\n")
end

-- The lines of a file, without line ends (an empty file is an error: nothing to send).
function M.lines(path)
  local out = {}
  for line in io.lines(path) do
    line = string.gsub(line, "\r$", "")
    if line ~= "" then out[#out + 1] = line end
  end
  assert(#out > 0, "no lines in " .. path)
  return out
end

-- Cycles through `list`: thread t of n takes items t, t+n, t+2n, ... When every item must be
-- sent once at most (signed requests), `once` makes a wrap-around show in the summary.
function M.cycler(list, nthreads, once)
  local i = tid
  return function()
    if once and i >= #list then wrapped = 1 end
    local item = list[(i % #list) + 1]
    i = i + nthreads
    return item
  end
end

function M.headers()
  local h = {}
  local key = os.getenv("BENCH_AUTH")
  if key and key ~= "" then h["Authorization"] = "Bearer " .. key end
  return h
end

return M
