#!/usr/bin/env python3
"""Writes the generated micro-kernels and their lists (standard library only).

  python3 gen/generate.py            # into the source tree (commit the result)
  python3 gen/generate.py --out DIR  # elsewhere (the drift test compares)

Outputs, relative to the output root:
  kernels/<isa>/<kernel name>.cc     one file per kernel of gen/kernels.py
  kernels/generated/kernels.h        declarations of every kernel
  kernels/generated/kernel_list.inc  XCONV_KERNEL(isa, mr, nr, fused, name) rows
  kernels/generated/meson.build      the source lists per ISA
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import neon  # noqa: E402
import scalar  # noqa: E402
import x86_avx  # noqa: E402
from common import header, signature  # noqa: E402
from kernels import HWY_KERNELS, ISA_ARCH_GUARD, ISA_ENUM, KERNELS, kernel_name  # noqa: E402

TEMPLATES = {"scalar": scalar, "avx2": x86_avx, "avx512": x86_avx, "neon": neon}
ISAS = ["scalar", "avx2", "avx512", "neon"]


def kernel_path(k):
    return "kernels/%s/%s.cc" % (k.isa, kernel_name(k))


def guarded(isa, lines):
    guard = ISA_ARCH_GUARD[isa]
    return (["#if " + guard] + lines + ["#endif"]) if guard else lines


def declarations():
    out = header("generate.py", "Declarations of every generated and hand-written micro-kernel.")
    out += ["#ifndef XCONV_KERNELS_GENERATED_KERNELS_H_", "#define XCONV_KERNELS_GENERATED_KERNELS_H_", "",
            '#include "kernels/ukernel.h"', "",
            "// Highway's multiply-add is fused only on targets with FMA (NEON here, not SSE4).",
            "#if defined(__aarch64__)", "#define XCONV_HWY_FUSED 1", "#else", "#define XCONV_HWY_FUSED 0",
            "#endif", "", "#ifdef __cplusplus", 'extern "C" {', "#endif", ""]
    names = [kernel_name(k) for k in KERNELS] + [name for name, _, _ in HWY_KERNELS]
    out += [signature(n) + ";" for n in names]
    out += ["", "#ifdef __cplusplus", '}  // extern "C"', "#endif", "",
            "#endif  // XCONV_KERNELS_GENERATED_KERNELS_H_", ""]
    return "\n".join(out)


def kernel_list():
    out = header("generate.py", "The kernel table: XCONV_KERNEL(isa, mr, nr, fused, name), defaults first.")
    out.append("")
    for isa in ISAS:
        rows = ["XCONV_KERNEL(%s, %d, %d, true, %s)" % (ISA_ENUM[isa], k.mr, k.nr, kernel_name(k))
                for k in KERNELS if k.isa == isa]
        out += guarded(isa, rows)
    out += ["XCONV_KERNEL(%s, %d, %d, XCONV_HWY_FUSED, %s)" % (ISA_ENUM["hwy"], mr, nr, name)
            for name, mr, nr in HWY_KERNELS]
    return "\n".join(out) + "\n"


def meson_lists():
    out = ["# " + line[3:] for line in header("generate.py", "Generated kernel sources per ISA.")]
    out.append("xconv_generated_sources = {")
    for isa in ISAS:
        files = ", ".join("'../%s/%s.cc'" % (isa, kernel_name(k)) for k in KERNELS if k.isa == isa)
        out.append("  '%s': files(%s)," % (isa, files))
    out.append("}")
    return "\n".join(out) + "\n"


def outputs():
    """Every generated file: {relative path: text}."""
    files = {kernel_path(k): TEMPLATES[k.isa].generate(k, kernel_name(k)) for k in KERNELS}
    files["kernels/generated/kernels.h"] = declarations()
    files["kernels/generated/kernel_list.inc"] = kernel_list()
    files["kernels/generated/meson.build"] = meson_lists()
    return files


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--out", default=root, help="output root (default: the source tree)")
    args = parser.parse_args()
    for path, text in sorted(outputs().items()):
        full = os.path.join(args.out, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
    print("wrote %d files under %s" % (len(outputs()), args.out))


if __name__ == "__main__":
    main()
