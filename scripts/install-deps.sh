#!/bin/bash
# Installs the Debian 12 packages xconv needs, only those missing (as root,
# or through sudo). Which set:
#   build  compile and run the library, demo, tuner, tests and benchmarks (native;
#          libonnx-dev: xconv-tune reads ONNX models)
#   peers  oneDNN, XNNPACK and OpenBLAS, the benchmark's peers
#   all    build + peers + what the whole test suite needs: the AArch64 cross
#          toolchain and qemu-user, Bochs, clang, PyTorch as second oracle, and
#          libtorch + torchvision for the end-to-end networks, python3-onnx
#          for the tuner's ONNX test, librsvg for rendering its chart
set -euo pipefail
set_name=${1:-build}

build=(meson ninja-build g++ pkg-config python3 libgtest-dev libbenchmark-dev libhwy-dev libsimde-dev cmake libonnx-dev)
peers=(libdnnl-dev libopenblas-dev libxnnpack-dev libpthreadpool-dev)
cross=(g++-aarch64-linux-gnu qemu-user libgtest-dev:arm64 libhwy-dev:arm64)
vm=(bochs bochsbios bochs-term vgabios genisoimage cpio)
extra=(clang libclang-rt-14-dev python3-torch binutils libtorch-dev pybind11-dev python3-torchvision python3-onnx librsvg2-bin)

case "$set_name" in
  build) wanted=("${build[@]}") ;;
  peers) wanted=("${build[@]}" "${peers[@]}") ;;
  all) wanted=("${build[@]}" "${peers[@]}" "${cross[@]}" "${vm[@]}" "${extra[@]}") ;;
  *) echo "usage: $0 [build|peers|all]" >&2; exit 2 ;;
esac

sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
if [ "$set_name" = all ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  $sudo dpkg --add-architecture arm64
fi
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#wanted[@]} packages of '$set_name' are installed"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
