-- wrk script: POSTs a distinct deploy event per request (ids "<prefix>-<thread>-<n>", 100
-- services) with a bearer token, and prints the latency percentiles in a line the benchmark
-- scripts read.  Environment: HERALD_BENCH_TOKEN, HERALD_BENCH_PREFIX, HERALD_BENCH_PATH (default
-- /v1/events).
local token = os.getenv("HERALD_BENCH_TOKEN") or "bench-token"
local prefix = os.getenv("HERALD_BENCH_PREFIX") or "wrk"
local path = os.getenv("HERALD_BENCH_PATH") or "/v1/events"
local counter = 0
local thread_number = 0
local threads = {}

function setup(thread)
  thread:set("thread_number", #threads)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  local id = prefix .. "-" .. thread_number .. "-" .. counter
  local body = '{"id":"' .. id .. '","service":"svc-' .. (counter % 100) ..
    '","environment":"production","status":"failed","commit":{"sha":"9f2c1e7a4b3d"},' ..
    '"triggered_by":"wrk","pipeline":{"url":"https://ci.example.com/runs/' .. counter .. '"},' ..
    '"failure":{"stage":"deploy","reason":"benchmark"}}'
  return wrk.format("POST", path,
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end

function done(summary, latency, requests)
  local ok = summary.requests - summary.errors.status - summary.errors.connect - summary.errors.read -
    summary.errors.write - summary.errors.timeout
  io.write(string.format("result: %d requests in %.2f s = %.0f/s; latency ms p50 %.2f p90 %.2f p99 %.2f max %.2f; " ..
    "non-2xx %d, socket errors %d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
