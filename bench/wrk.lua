-- One request, repeated; run.py sets it through the environment:
--   BENCH_METHOD     GET (default) or POST
--   BENCH_BODY_FILE  a file whose bytes are the body of every request
--   BENCH_HEADERS    "Name: value" lines (Authorization, Cookie, Content-Type)
-- At the end it prints one line, "BENCH_JSON {...}": requests, req/s, latency percentiles in ms and
-- how many answers were not 2xx (wrk itself counts only 4xx and 5xx).

wrk.method = os.getenv("BENCH_METHOD") or "GET"

local body_file = os.getenv("BENCH_BODY_FILE")
if body_file and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  wrk.body = f:read("*a")
  f:close()
end

for name, value in (os.getenv("BENCH_HEADERS") or ""):gmatch("([^:\n]+):%s*([^\n]*)") do
  wrk.headers[name] = value
end

-- Per thread (each thread runs this file in a Lua state of its own); summed in done().
not_2xx = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    not_2xx = not_2xx + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("not_2xx") or 0)
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "seconds": %.3f, "req_s": %.2f, "non_2xx": %d, ' ..
    '"socket_errors": %d, "timeouts": %d, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f}\n',
    summary.requests, seconds, summary.requests / seconds, bad,
    e.connect + e.read + e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
