#!/usr/bin/env bash
# Side-by-side speed comparison on the same real vectors, in one run: kubesgx (cold and warm)
# against @phala/dcap-qvl (JS) and @phala/dcap-qvl-web (WASM) from npm. Single thread each.
# Usage: bench/compare.sh [SECONDS]   (needs node/npm and ../shared/vectors)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
secs="${1:-5}"
V="${KUBESGX_VECTORS:-$here/../shared/vectors}"
(cd "$here/bench/peers" && npm ci --no-audit --no-fund --silent)
rate() { sed -n 's/.*quotes_per_second=\([0-9.]*\).*/\1/p' | tail -1; }
printf '%-14s %12s %12s %12s %12s %10s %10s\n' vector kubesgx-cold kubesgx-warm dcap-qvl-js dcap-qvl-web cold/js warm/wasm
for c in "phala-sgx-v3 phala-dcap-qvl/sgx_quote phala-dcap-qvl/sgx_quote_collateral.json 1752919277" \
         "phala-tdx-v4 phala-dcap-qvl/tdx_quote phala-dcap-qvl/tdx_quote_collateral.json 1752919234"; do
  set -- $c
  cold=$("$here/bin/kubesgx" bench verify --quote "$V/$2" --collateral "$V/$3" --at "$4" --seconds "$secs" | rate)
  warm=$("$here/bin/kubesgx" bench verify --quote "$V/$2" --collateral "$V/$3" --at "$4" --seconds "$secs" --warm | rate)
  peers=$(node "$here/bench/peers/peers.mjs" "$V/$2" "$V/$3" "$4" "$secs")
  js=$(echo "$peers" | grep '^dcap-qvl-js' | rate)
  web=$(echo "$peers" | grep '^dcap-qvl-web' | rate)
  printf '%-14s %12s %12s %12s %12s %10s %10s\n' "$1" "$cold" "$warm" "$js" "$web" \
    "$(awk -v a="$cold" -v b="$js" 'BEGIN{printf "%.1fx", (b>0? a/b : 0)}')" \
    "$(awk -v a="$warm" -v b="$web" 'BEGIN{printf "%.1fx", (b>0? a/b : 0)}')"
done
