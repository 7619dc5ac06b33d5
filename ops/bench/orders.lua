-- wrk script for ops/bench.sh: POST /api/orders as several tables (one token each, round robin), every
-- request with a fresh Idempotency-Key; counts answers other than 202 and prints one JSON line at the end.
--   BENCH_TOKENS  comma-separated table tokens      BENCH_BODY  the order JSON
local tokens = {}
for token in string.gmatch(os.getenv("BENCH_TOKENS") or "", "[^,]+") do tokens[#tokens + 1] = token end
local body = os.getenv("BENCH_BODY") or "{}"
local threads = {}

function setup(thread)
    thread:set("thread_id", #threads + 1)
    threads[#threads + 1] = thread
end

function init(args)
    other = 0
    sent = 0
    math.randomseed(os.time() * 1000 + thread_id)
    prefix = string.format("%08x%04x", math.random(0, 0x7fffffff), thread_id)
end

function request()
    sent = sent + 1
    local token = tokens[(sent + thread_id) % #tokens + 1]
    return wrk.format("POST", "/api/orders", {
        ["Authorization"] = "Bearer " .. token,
        ["Content-Type"] = "application/json",
        ["Idempotency-Key"] = prefix .. "-" .. sent,
    }, body)
end

function response(status, headers, body)
    if status ~= 202 then other = other + 1 end
end

function done(summary, latency, requests)
    local non202 = 0
    for _, thread in ipairs(threads) do non202 = non202 + thread:get("other") end
    local errors = summary.errors
    io.write(string.format(
        'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,"non202":%d,' ..
        '"socket_errors":%d}\n',
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
        non202, errors.connect + errors.read + errors.write + errors.timeout))
end
