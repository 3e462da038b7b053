-- wrk script: POST the request bodies written by `kubesgx attestation-bench --bodies-out DIR`, in turn.
local dir = os.getenv("BODIES") or "bodies"
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
local non200 = 0
response = function(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("non-2xx/3xx as counted by wrk: %d; p50 %.2f ms, p99 %.2f ms\n",
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
