#!/bin/bash
# A shared libxconv exports the C API (xconv_*) and nothing else.
# Usage: check_exports.sh LIBXCONV_SO
set -euo pipefail
exports=$(nm -D --defined-only "$1" | awk '$2 ~ /[TWDBVR]/ {print $3}')
others=$(echo "$exports" | grep -v '^xconv_' || true)
echo "$(echo "$exports" | grep -c '^xconv_') xconv_ symbols exported"
if [ -n "$others" ]; then
  echo "FAIL: also exported:"; echo "$others"
  exit 1
fi
