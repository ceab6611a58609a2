#!/bin/bash
# Nothing ISA-specific may run before dispatch: the baseline objects of
# libxconv (core, scalar kernels, reference) must hold no AVX (ymm/zmm)
# instructions; only the per-ISA libraries may. Usage: check_baseline_isa.sh LIB...
set -euo pipefail
status=0
for lib in "$@"; do
  hits=$(objdump -d --no-show-raw-insn "$lib" | grep -cE '%[yz]mm' || true)
  if [ "$hits" != 0 ]; then
    echo "FAIL: $lib holds $hits ymm/zmm instructions"
    objdump -d --no-show-raw-insn "$lib" | grep -E '^[0-9a-f]+ <|%[yz]mm' | grep -B1 -E '%[yz]mm' | head -20
    status=1
  else
    echo "ok: $lib has no ymm/zmm instructions"
  fi
done
exit $status
