#!/bin/bash
# Runs a test binary as PID 1 of a tiny Linux guest in Bochs, which emulates
# a Skylake-X with real AVX-512 (QEMU 7.2 user mode has none). Exit 0 only if
# the guest reports that the tests passed; the guest console is printed.
#
#   scripts/run-in-bochs.sh TEST_BINARY [CACHE_DIR]
#
# Needs: bochs bochsbios bochs-term vgabios genisoimage cpio (and apt-get
# download for a Debian cloud kernel and isolinux, cached in CACHE_DIR).
# The binary's main must be tests/guest/guest_main.cc. A few minutes a run
# (about eight for test_avx512_guest on a 2-core Zen 3 host).
#
# Bochs 2.7 pitfalls worked around here:
# * it reports a wrong compacted-XSAVE size, and Linux then turns AVX off:
#   the kernel option clearcpuid=321,323 hides XSAVEC/XSAVES;
# * Debian's build has no headless display: 'term' display under script(1)
#   gives it a terminal, and its built-in debugger is told to continue (-rc).
set -euo pipefail
binary=$(readlink -f "$1")
cache=$(readlink -f "${2:-build/bochs-cache}")
mkdir -p "$cache"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -f "$cache/vmlinuz" ]; then
  echo "run-in-bochs: fetching a Debian cloud kernel and isolinux into $cache"
  image=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image/ {print $2; exit}')
  if [ -z "$image" ]; then  # no package lists yet on this machine
    apt-get update -q >/dev/null
    image=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image/ {print $2; exit}')
  fi
  (cd "$work" && apt-get download -q "$image" isolinux syslinux-common >/dev/null)
  for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/x"; done
  cp "$work"/x/boot/vmlinuz-* "$cache/vmlinuz"
  cp "$work/x/usr/lib/ISOLINUX/isolinux.bin" "$work/x/usr/lib/syslinux/modules/bios/ldlinux.c32" "$cache/"
fi

# The initramfs: the test binary as /init, its shared libraries and loader.
mkdir -p "$work/initrd/dev" "$work/iso"
cp "$binary" "$work/initrd/init"
mknod "$work/initrd/dev/console" c 5 1
for lib in $(ldd "$binary" | grep -o '/[^ ]*'); do
  mkdir -p "$work/initrd$(dirname "$lib")"
  cp -L "$lib" "$work/initrd$lib"
done
(cd "$work/initrd" && find . | cpio -o -H newc 2>/dev/null | gzip -1 > "$work/iso/initrd.gz")
cp "$cache/vmlinuz" "$cache/isolinux.bin" "$cache/ldlinux.c32" "$work/iso/"
cat > "$work/iso/isolinux.cfg" <<'CFG'
DEFAULT guest
PROMPT 0
TIMEOUT 0
LABEL guest
 KERNEL vmlinuz
 APPEND initrd=initrd.gz console=ttyS0,115200 loglevel=3 panic=-1 mitigations=off clearcpuid=321,323 nosmp
CFG
genisoimage -quiet -o "$work/guest.iso" -b isolinux.bin -c boot.cat -no-emul-boot -boot-load-size 4 \
  -boot-info-table -J -R "$work/iso"

cat > "$work/bochsrc" <<RC
megs: 512
cpu: model=corei7_skylake_x, count=1, ips=200000000, reset_on_triple_fault=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
ata0-master: type=cdrom, path=$work/guest.iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=$work/serial.log
display_library: term
log: $work/bochs.log
panic: action=fatal
info: action=ignore
clock: sync=none, time0=local
RC
printf 'c\nquit\n' > "$work/debugger.rc"
echo "run-in-bochs: booting $(basename "$binary") in Bochs (corei7_skylake_x)"
(cd "$work" && TERM=dumb timeout 1500 script -qec "bochs -q -f bochsrc -rc debugger.rc" /dev/null \
  </dev/null >bochs.out 2>&1) || true
touch "$work/serial.log"
# The console without kernel timestamps and colour codes.
sed 's/\x1b\[[0-9;]*m//g' "$work/serial.log" | grep -v '^\[ *[0-9]*\.[0-9]*\]' || true
grep -q 'XCONV_GUEST_DONE exited=1 code=0 ' "$work/serial.log"
