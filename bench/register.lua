-- wrk script: POST unique registrations, then stop.
-- Environment:
--   BENCH_PATH     the registrations path (/v1/forums/<code>/registrations)
--   BENCH_PREFIX   email prefix, unique per phase
--   BENCH_LIMIT    how many registrations to POST in all (then only cheap GETs, then stop)
--   BENCH_SESSION  a session id to put in the agenda of the first BENCH_WITH_SESSION ones
--   BENCH_WITH_SESSION
--   BENCH_INTERVAL_MS  pacing: one request every this many ms across all connections, each
--                  taking the next free slot of the schedule (0 = as fast as possible)
-- Each email carries its send time in ms (`<prefix>-<n>-<unix ms>@bench.test`), so the
-- SMTP sink can tell each confirmation's latency from its recipient alone.
-- Run with one thread (-t1): the counter is per thread.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_usec; } bench_timeval;
int gettimeofday(bench_timeval *tv, void *tz);
]]
local tv = ffi.new("bench_timeval")
local function now_ms()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000 + math.floor(tonumber(tv.tv_usec) / 1000)
end

local path = os.getenv("BENCH_PATH")
local prefix = os.getenv("BENCH_PREFIX") or "b"
local limit = tonumber(os.getenv("BENCH_LIMIT") or "1000")
local session = os.getenv("BENCH_SESSION") or ""
local with_session = tonumber(os.getenv("BENCH_WITH_SESSION") or "0")
local interval_ms = tonumber(os.getenv("BENCH_INTERVAL_MS") or "0")
local next_slot_ms = 0
local headers = { ["Content-Type"] = "application/json" }

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  sent = 0
  created = 0
  refused = 0
  answered = 0
  first_ms = 0
  last_ms = 0
  statuses = ""
  finished = false
end

function delay()
  if sent >= limit then
    return 50 -- only filler GETs from here on: keep them from loading the server
  end
  if interval_ms <= 0 then
    return 0
  end
  -- A schedule, not a pause per connection: the rate stays the one asked for whatever the
  -- answers' latency (while a connection is free). Behind schedule, no catch-up burst.
  local now = now_ms()
  if next_slot_ms < now then
    next_slot_ms = now
  end
  local wait = next_slot_ms - now
  next_slot_ms = next_slot_ms + interval_ms
  return math.floor(wait)
end

local verified = false

function request()
  if not verified then
    -- wrk calls request() once at start-up only to count pipelined requests; nothing is
    -- sent, so this call must not use up a registration.
    verified = true
    return wrk.format("GET", "/health/live")
  end
  if sent >= limit then
    return wrk.format("GET", "/health/live")
  end
  local n = sent
  sent = sent + 1
  local t = now_ms()
  if first_ms == 0 then first_ms = t end
  local agenda = ""
  if n < with_session and session ~= "" then
    agenda = string.format(', "session_ids": ["%s"]', session)
  end
  local body = string.format(
    '{"full_name": "Участник Нагрузки %d", "email": "%s-%d-%d@bench.test", '
      .. '"organization": "АО «Волгоградский завод»", "region": "Волгоградская область", '
      .. '"category": "delegate", "locale": "ru", "consents": {"personal_data": true}%s}',
    n, prefix, n, t, agenda)
  return wrk.format("POST", path, headers, body)
end

function response(status, hdrs, body)
  if status ~= 200 then -- 200 answers only the filler GETs sent once the limit is reached
    answered = answered + 1
    last_ms = now_ms()
    if status == 201 then
      created = created + 1
    else
      refused = refused + 1
      if #statuses < 400 then
        statuses = statuses .. status .. ":" .. string.sub(body, 1, 80) .. " | "
      end
    end
  end
  if answered >= limit and not finished then
    -- wrk runs for its whole -d however its threads end: tell the driver, which sends SIGINT
    finished = true
    local flag = io.open(os.getenv("BENCH_DONE_FILE") or "/dev/null", "w")
    if flag then
      flag:write("done\n")
      flag:close()
    end
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    io.write(string.format("BENCH sent=%d created=%d refused=%d first_ms=%d last_ms=%d\n",
      t:get("sent"), t:get("created"), t:get("refused"), t:get("first_ms"), t:get("last_ms")))
    io.write("BENCH statuses=" .. (t:get("statuses") or "") .. "\n")
  end
  io.write(string.format("BENCH p50_us=%d p99_us=%d requests=%d duration_us=%d\n",
    latency:percentile(50), latency:percentile(99), summary.requests, summary.duration))
end
