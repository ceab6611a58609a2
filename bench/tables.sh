#!/bin/bash
# Regenerates the README's performance tables: the layer suite through xconv
# and every peer, 1 and 2 threads, with AVX-512 (xconv's and oneDNN's best
# ISA on this CPU) and with AVX2 (XCONV_ISA=avx2, oneDNN limited by
# ONEDNN_MAX_CPU_ISA=AVX2, which it reads once per process: a separate run;
# XNNPACK cannot be limited and runs its best). Same-run medians only.
# A CPU without AVX-512 gets the AVX2 tables alone.
#
#   bash bench/tables.sh [OUT_DIR]       (default build/tables; ~15 minutes, half without AVX-512)
#
# Writes OUT_DIR/<isa>-t<threads>.json and prints the markdown tables,
# each over the whole suite and over the original 29 layers.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build/tables}
mkdir -p "$out"
bench=build/bench/bench_conv
[ -x "$bench" ] || { echo "tables.sh: build first ($bench is missing)" >&2; exit 1; }
# Five short repetitions of every implementation, shuffled together: a
# shared machine's cores slow down for seconds at a time under other
# tenants' load, and back-to-back repetitions let one implementation take a
# slow spell whole while its peer misses it.
reps=(--benchmark_repetitions=5 --benchmark_min_time=0.06 --benchmark_enable_random_interleaving=true)
original=$(grep -v '^#' bench/layers.txt | head -n 29 | awk '{print $1}' | paste -sd, -)
echo "date $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
# The AVX-512 tables only where this CPU has AVX-512: elsewhere xconv and
# oneDNN would both fall back to AVX2 and the tables would be mislabelled.
isas=(avx2)
if grep -qw avx512f /proc/cpuinfo; then
  isas=(avx512 avx2)
else
  echo "this CPU has no AVX-512: AVX2 tables only"
fi
for isa in "${isas[@]}"; do
  for threads in 1 2; do
    json=$out/$isa-t$threads.json
    echo "running $isa, $threads thread(s) -> $json" >&2
    if [ "$isa" = avx2 ]; then
      ONEDNN_MAX_CPU_ISA=AVX2 $bench --isa=avx2 --threads="$threads" "${reps[@]}" --benchmark_out="$json" >/dev/null
    else
      $bench --threads="$threads" "${reps[@]}" --benchmark_out="$json" >/dev/null
    fi
    echo
    echo "### $isa, $threads thread(s)"
    python3 bench/compare.py "$json" --markdown
    echo "Over the original 29 layers:"
    python3 bench/compare.py "$json" --markdown --layers="$original" | tail -n 2
  done
done
