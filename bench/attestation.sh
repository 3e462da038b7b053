#!/usr/bin/env bash
# Attestation service throughput and latency on loopback with warm collateral (simulated platform):
# wrk (Debian) for the closed-loop maximum, then wrk paced at half that rate (bench/attest.lua with RATE)
# for latency percentiles. Usage: bench/attestation.sh [RS256|ES256] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
alg="${1:-RS256}"; secs="${2:-15}"
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)" >&2; exit 2; }
work="$(mktemp -d /tmp/kubesgx-attest-bench.XXXXXX)"
trap 'kill $svc 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
bin/kubesgx attestation-service --port "$port" --sim "$work/platform" --state-dir "$work/state" --signing-alg "$alg" > "$work/svc.log" 2>&1 &
svc=$!
for _ in $(seq 1 300); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
bin/kubesgx attestation-bench --sim "$work/platform" --bodies-out "$work/bodies" --quotes 256 >/dev/null
echo "== $alg: warm-up =="
BODIES="$work/bodies" wrk -t2 -c32 -d5s -s bench/attest.lua "http://127.0.0.1:$port" > /dev/null
echo "== $alg: wrk closed loop, 2 threads, 64 connections, ${secs}s =="
out=$(BODIES="$work/bodies" wrk -t2 -c64 -d"${secs}s" --latency -s bench/attest.lua "http://127.0.0.1:$port")
echo "$out" | grep -E "Requests/sec|closed loop:"
rps=$(echo "$out" | awk '/Requests\/sec/ {print int($2)}')
half=$(( rps / 2 ))
echo "== $alg: paced at half that rate ($half/s), 32 connections, ${secs}s =="
BODIES="$work/bodies" RATE="$half" CONNS=32 wrk -t2 -c32 -d"${secs}s" -s bench/attest.lua "http://127.0.0.1:$port" | grep "paced:"
curl -fsS "http://127.0.0.1:$port/metrics" | grep -E "^kubesgx_attestation_(rejected_total|requests_total\{route=\"attest\")"
