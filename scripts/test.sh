#!/bin/bash
# The whole test suite, on a fresh Debian 12 machine or an old checkout:
# installs what is missing, builds, runs every stage and ends with the line
# 'N passed, N failed, N skipped' (exit 1 if anything failed).
#
# Stages (each logs under build/test-logs/):
#   native     meson test: conv vs reference with every ISA this CPU runs,
#              kernel sweeps bit-exact vs their scalar models, validation,
#              a C program, generator drift, baseline-ISA check, and the
#              AVX-512 kernel sweep emulated through SIMDe
#   westmere   the unit tests under qemu-x86_64 -cpu Westmere (no AVX):
#              dispatch must fall back, no SIGILL
#   neon       cross-built for AArch64, the whole suite under qemu-aarch64
#   bochs      AVX-512 for real: kernel sweep and conv tests in a Bochs guest,
#              on hosts without AVX-512 (or with XCONV_TEST_BOCHS=1)
#   oracle     a C program built against the installed library (pkg-config)
#              agrees with PyTorch's conv2d on random shapes; bad descriptors
#              return a status
#   consumers  the installed library used from C and from C++ without
#              exceptions (pkg-config), through CMake's find_package, and
#              embedded as a meson subproject (tests/consumers/run.sh)
#   torch-networks  ResNet-50 and MobileNetV2 (torchvision) run by PyTorch
#              with xconv inside (tools/torch/), batch 1, NCHW and
#              channels-last: the logits must match PyTorch's own
#   asan       clang build with AddressSanitizer + UndefinedBehaviorSanitizer:
#              the unit tests
#   fuzz       the libFuzzer target (same build) for XCONV_FUZZ_SECONDS (60),
#              from the committed seed corpus
#   fuzz-wisdom  the wisdom-file parser's libFuzzer target, each parsed entry
#              used by a plan and checked, for XCONV_FUZZ_WISDOM_SECONDS (30)
#   tsan       ThreadSanitizer build: the threaded tests
#   shared     default_library=shared: a C program linked against it, and only
#              xconv_* symbols exported
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
logs=$root/build/test-logs
arch=$(uname -m)
SECONDS=0

log() { printf '[test %4ds] %s\n' "$SECONDS" "$*"; }

# Runs "$@" with its output in $logs/NAME.log; a failing command is recorded
# in the log, so that the summary counts it, and the script goes on.
stage() {
  local name=$1
  shift
  log "$name: $*"
  if ! "$@" >"$logs/$name.log" 2>&1; then
    echo "XCONV_STAGE_FAILED: $*" >>"$logs/$name.log"
    log "$name: FAILED (see build/test-logs/$name.log)"
    tail -n 30 "$logs/$name.log"
  fi
}

# meson setup, or a reconfigure with the same options where the build
# directory exists (an old checkout's options are brought up to date).
setup() {
  local dir=$1
  shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@"
  else
    meson setup "$dir" "$@"
  fi
}

scripts/install-deps.sh all || exit 1
mkdir -p "$logs"
rm -f "$logs"/*.log
results=()

# The native and AArch64 builds include the tuning family of kernel variants
# (gen/kernels.py), so that every variant gets its bit-exact sweep; the
# sanitizer and shared builds are the default build.
log "native build"
setup build --buildtype=release -Dkernel_variants=true >"$logs/setup.log" 2>&1 || { cat "$logs/setup.log"; exit 1; }
ninja -C build >"$logs/build.log" 2>&1 || { tail -n 50 "$logs/build.log"; exit 1; }
stage native-run meson test -C build --print-errorlogs --num-processes 2
results+=("native=build/meson-logs/testlog.json")

if [ "$arch" = x86_64 ]; then
  stage westmere-run meson test -C build --suite unit --logbase westmere --print-errorlogs \
    --wrapper 'qemu-x86_64 -cpu Westmere'
  results+=("westmere=build/meson-logs/westmere-qemu-x86_64.json")  # meson appends the wrapper name

  log "neon cross-build"
  if setup build-arm64 --cross-file cross/aarch64-linux-gnu.ini \
      --buildtype=release -Dbench=disabled -Dkernel_variants=true >"$logs/neon-setup.log" 2>&1; then
    stage neon-build ninja -C build-arm64
    stage neon-run meson test -C build-arm64 --no-suite native --print-errorlogs --num-processes 2
    results+=("neon=build-arm64/meson-logs/testlog.json")
  else
    results+=("neon=$logs/neon-setup.log")
  fi

  # Bochs executes AVX-512 on hosts without it. Where the host has AVX-512,
  # the native stage already runs everything the guest would (the full sweep,
  # not the guest's sample), so the guest's minutes are spent only on request;
  # the stage then checks that dispatch does see AVX-512 here.
  if grep -qw avx512f /proc/cpuinfo && [ "${XCONV_TEST_BOCHS:-0}" != 1 ]; then
    log "bochs: the native stage runs AVX-512 on this CPU; checking dispatch sees it (XCONV_TEST_BOCHS=1 boots the guest anyway)"
    XCONV_TEST_EXPECT_ISA=avx512 stage bochs build/tests/test_validation --gtest_filter=Validation.DetectsTheExpectedIsa
  else
    stage bochs scripts/run-in-bochs.sh build/tests/test_avx512_guest build/bochs-cache
  fi
  results+=("bochs-avx512=$logs/bochs.log")
fi

oracle() {
  local stage_dir=$root/build/consumer
  rm -rf "$stage_dir" && DESTDIR="$stage_dir" meson install -C build --quiet || return 1
  local pc_dir
  pc_dir=$(dirname "$(find "$stage_dir" -name xconv.pc)")
  # A user's build: only the installed header, library and xconv.pc.
  PKG_CONFIG_SYSROOT_DIR=$stage_dir PKG_CONFIG_PATH=$pc_dir \
    cc -std=c11 -O2 tests/oracle/conv_stdin.c -o "$stage_dir/conv_stdin" \
    $(PKG_CONFIG_SYSROOT_DIR=$stage_dir PKG_CONFIG_PATH=$pc_dir pkg-config --cflags --libs xconv) || return 1
  /usr/bin/python3 tests/oracle/torch_oracle.py "$stage_dir/conv_stdin" 300
}
stage oracle oracle
results+=("torch-oracle=$logs/oracle.log")

stage consumers tests/consumers/run.sh build
results+=("consumers=$logs/consumers.log")

stage torch-networks /usr/bin/python3 tools/torch/run_networks.py --build build --check
results+=("torch-networks=$logs/torch-networks.log")

log "sanitizer build (clang, ASan+UBSan, libFuzzer)"
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1
if CC=clang CXX=clang++ setup build-asan --buildtype=debugoptimized \
    -Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=enabled -Dbench=disabled -Demulated_isa_tests=false \
    >"$logs/asan-setup.log" 2>&1; then
  stage asan-build ninja -C build-asan
  # The full bit-exact kernel sweep runs natively; here the emulators' sample
  # of it, which still crosses every tile edge.
  XCONV_TEST_QUICK=1 stage asan-run meson test -C build-asan --suite unit --print-errorlogs --num-processes 2 \
    --logbase asan
  results+=("asan+ubsan=build-asan/meson-logs/asan.json")
  fuzz() {
    local scratch
    scratch=$(mktemp -d)  # new units go here; the committed corpus is only read
    build-asan/tests/fuzz/fuzz_conv "$scratch" tests/fuzz/corpus -max_total_time="${XCONV_FUZZ_SECONDS:-60}" \
      -timeout=10 -print_final_stats=1 -artifact_prefix="$logs/fuzz-" || return 1
    rm -rf "$scratch"
    echo "fuzz: 1 passed, 0 failed"
  }
  stage fuzz fuzz
  results+=("fuzz=$logs/fuzz.log")
  fuzz_wisdom() {
    local scratch
    scratch=$(mktemp -d)
    build-asan/tests/fuzz/fuzz_wisdom "$scratch" tests/fuzz/wisdom_corpus \
      -max_total_time="${XCONV_FUZZ_WISDOM_SECONDS:-30}" -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$logs/fuzz-wisdom-" || return 1
    rm -rf "$scratch"
    echo "fuzz-wisdom: 1 passed, 0 failed"
  }
  stage fuzz-wisdom fuzz_wisdom
  results+=("fuzz-wisdom=$logs/fuzz-wisdom.log")
else
  results+=("asan+ubsan=$logs/asan-setup.log")
fi

log "ThreadSanitizer build"
if setup build-tsan --buildtype=debugoptimized -Db_sanitize=thread \
    -Dbench=disabled >"$logs/tsan-setup.log" 2>&1; then
  stage tsan-build ninja -C build-tsan tests/test_concurrency tests/test_conv tests/test_depthwise tests/test_engine_threads tests/test_wisdom
  stage tsan-run meson test -C build-tsan --suite threads --no-rebuild --print-errorlogs --logbase tsan
  results+=("tsan=build-tsan/meson-logs/tsan.json")
else
  results+=("tsan=$logs/tsan-setup.log")
fi

log "shared-library build"
if setup build-shared -Ddefault_library=shared -Dbench=disabled -Demulated_isa_tests=false \
    >"$logs/shared-setup.log" 2>&1; then
  # Only what links the shared library itself: the other tests link the same
  # objects statically (xconv_internal) and have run in the stages above.
  stage shared-build ninja -C build-shared kernels/libxconv.so tests/test_c_api
  stage shared-run meson test -C build-shared --suite shared --no-rebuild --print-errorlogs --logbase shared
  results+=("shared=build-shared/meson-logs/shared.json")
else
  results+=("shared=$logs/shared-setup.log")
fi

log "summary ($SECONDS s)"
python3 scripts/count_results.py "${results[@]}"
