-- wrk script: POST the request bodies written by `kubesgx attestation-bench --bodies-out DIR`, in turn.
-- With RATE (and CONNS = wrk's -c) set, each connection waits CONNS*1000/RATE ms between requests,
-- so the offered load is about RATE requests/s (wrk2's open loop is not packaged in Debian; at half
-- of the measured capacity the server keeps up, so pacing by think time approximates a fixed rate).
local dir = os.getenv("BODIES") or "bodies"
local rate = tonumber(os.getenv("RATE") or "")
local conns = tonumber(os.getenv("CONNS") or "32")
local bodies = {}
for i = 0, 4095 do
  local f = io.open(dir .. "/body" .. i .. ".json", "rb")
  if not f then break end
  bodies[#bodies + 1] = f:read("*a")
  f:close()
end
assert(#bodies > 0, "no bodies in " .. dir)
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  return wrk.format(nil, "/attest/SgxEnclave?api-version=2022-08-01", nil, bodies[(n % #bodies) + 1])
end
if rate then
  delay = function()
    return conns * 1000 / rate
  end
end
done = function(summary, latency, requests)
  io.write(string.format("%s: %.0f requests/s; non-2xx/3xx %d; latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    rate and "paced" or "closed loop", summary.requests / (summary.duration / 1e6), summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
