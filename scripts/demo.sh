#!/bin/bash
# The main job: installs what is missing, builds (release) and runs the demo
# over real layers: dispatched kernel, error against the reference, GFLOP/s.
# Extra arguments go to xconv_demo (e.g. --all for the whole layer suite).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
[ -f build/build.ninja ] || meson setup build --buildtype=release
ninja -C build tools/xconv_demo tools/xconv-tune
exec build/tools/xconv_demo "$@"
