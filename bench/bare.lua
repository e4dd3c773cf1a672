-- wrk script for the bare FastAPI ceiling: the same body shape as register.lua.
local headers = { ["Content-Type"] = "application/json" }
local n = 0
function request()
  n = n + 1
  local body = string.format(
    '{"full_name": "Участник Нагрузки %d", "email": "bare-%d@bench.test", '
      .. '"organization": "АО «Волгоградский завод»", "region": "Волгоградская область", '
      .. '"category": "delegate", "locale": "ru", "consents": {"personal_data": true}}', n, n)
  return wrk.format("POST", "/v1/forums/bare/registrations", headers, body)
end
function done(summary, latency, requests)
  io.write(string.format("BENCH p50_us=%d p99_us=%d requests=%d duration_us=%d errors=%d\n",
    latency:percentile(50), latency:percentile(99), summary.requests, summary.duration,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout))
end
