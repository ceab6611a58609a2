#!/bin/bash
# xconv as its users take it, from a finished build directory ($1): installed
# (meson install into a staging directory), then used by
#   c          a C11 program through pkg-config
#   cpp        a C++ program built -fno-exceptions -fno-rtti, through pkg-config
#   cmake      both through find_package(xconv CONFIG) and xconv::xconv
#   subproject both in a meson project embedding xconv as a subproject in a
#              debug build: xconv still compiled -O3, only its library built,
#              nothing installed
# Each consumer checks its results and prints "ok". Ends with the line
# 'consumers: N passed, N failed'.
set -uo pipefail
build=$(realpath "$1")
root=$(realpath "$(dirname "$0")/../..")
src=$root/tests/consumers
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
check() {  # NAME COMMAND...: a consumer passes if COMMAND succeeds
  local name=$1
  shift
  if "$@"; then
    echo "consumer $name: passed"
    passed=$((passed + 1))
  else
    echo "consumer $name: FAILED"
    failed=$((failed + 1))
  fi
}

stage=$work/stage
DESTDIR=$stage meson install -C "$build" --quiet || { echo "consumers: 0 passed, 1 failed"; exit 1; }
prefix=$stage$(meson introspect "$build" --buildoptions | python3 -c \
  'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
pc_dir=$(dirname "$(find "$stage" -name xconv.pc)")
pkg() { PKG_CONFIG_SYSROOT_DIR=$stage PKG_CONFIG_PATH=$pc_dir pkg-config "$@" xconv; }

c_consumer() {
  cc -std=c11 -O2 "$src/consumer.c" -o "$work/c" $(pkg --cflags) $(pkg --libs) -lm && "$work/c"
}
cpp_consumer() {
  c++ -std=c++17 -O2 -fno-exceptions -fno-rtti "$src/consumer.cc" -o "$work/cpp" $(pkg --cflags) $(pkg --libs) &&
    "$work/cpp"
}
cmake_consumer() {
  cmake -S "$src" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >"$work/cmake.log" &&
    cmake --build "$work/cmake" >>"$work/cmake.log" && "$work/cmake/consumer_c" && "$work/cmake/consumer_cpp" ||
    { cat "$work/cmake.log"; return 1; }
}
subproject_consumer() {
  local parent=$work/parent
  mkdir -p "$parent/subprojects"
  cp "$src/meson_parent/meson.build" "$src/consumer.c" "$src/consumer.cc" "$parent/"
  ln -s "$root" "$parent/subprojects/xconv"
  meson setup "$parent/build" "$parent" >"$work/parent.log" 2>&1 && ninja -C "$parent/build" >>"$work/parent.log" 2>&1 ||
    { tail -n 30 "$work/parent.log"; return 1; }
  "$parent/build/consumer_c" && "$parent/build/consumer_cpp" || return 1
  python3 - "$parent/build" <<'PY' || return 1
import json, sys
build = sys.argv[1]
commands = json.load(open(f"{build}/compile_commands.json"))
xconv = [c for c in commands if "/subprojects/xconv/kernels/" in c["file"] or "subprojects/xconv/kernels/" in c["file"]]
slow = [c["file"] for c in xconv if "-O3" not in c["command"].split()]
if not xconv or slow:
    sys.exit(f"{len(xconv)} xconv sources, not -O3: {slow[:3]}")
targets = json.load(open(f"{build}/meson-info/intro-targets.json"))
extra = [t["name"] for t in targets if t.get("subproject") == "xconv" and not t["name"].startswith("xconv")]
extra += [t["name"] for t in targets if t["name"] in ("xconv_demo", "xconv-tune", "xconv_fingerprint", "xconv_ref")]
if extra:
    sys.exit(f"the subproject builds more than its library: {extra}")
print(f"subproject: {len(xconv)} xconv sources at -O3, library targets only")
PY
  DESTDIR=$work/parent-install meson install -C "$parent/build" --quiet >/dev/null 2>&1
  if [ -n "$(find "$work/parent-install" -type f 2>/dev/null)" ]; then
    echo "the subproject installed files:"; find "$work/parent-install" -type f
    return 1
  fi
  echo "subproject: installs nothing"
}

check c c_consumer
check cpp cpp_consumer
check cmake cmake_consumer
check subproject subproject_consumer
echo "consumers: $passed passed, $failed failed"
[ "$failed" = 0 ]
