"""The instruction sets xconv builds for: the one description of each.

Everything else reads this: the kernel templates (vector width, intrinsics)
and, through the files generate.py writes, the library
(kernels/ukernels/gen/isa_table.h: dispatch, the plan's cost model, the
tests and the benchmarks) and the build (kernels/ukernels/gen/meson.build:
the compiler flags of every ISA and Highway target, per architecture).

An ISA is a family of micro-kernels. Its kernels are built for the
architectures in `cpu`, and run only where the CPU has that feature (a
CpuFeatures field of kernels/frame/cpu.h; None: every CPU of that
architecture). The image packers and the direct depthwise loops are written
once with Highway and compiled for the Highway static targets below; an ISA
lists the targets it may use, widest first, and a plan takes the first one
that this CPU runs (a kernel never gets a packer wider than its own ISA, so
forcing an ISA forces everything a plan runs).
"""

from collections import namedtuple

ARCHES = ["x86_64", "aarch64", "other"]
ARCH_GUARD = {"x86_64": "defined(__x86_64__)", "aarch64": "defined(__aarch64__)", "other": None}

# A Highway static target: built on `arches` with `flags`, runnable where the
# CPU has `cpu`; `lanes`: floats per vector; `depthwise`: the direct
# (depthwise and grouped) loops are built for it too.
HwyTarget = namedtuple("HwyTarget", "name arches cpu flags lanes depthwise")

_HWY_AVX2 = ["-mavx2", "-mfma", "-mbmi", "-mbmi2", "-mf16c", "-msse4.2", "-maes", "-mpclmul"]

HWY_TARGETS = [
    # The baseline target of each architecture: no flags, any CPU.
    HwyTarget("scalar", ["x86_64", "other"], None, [], 1, False),
    HwyTarget("neon", ["aarch64"], None, [], 4, True),
    HwyTarget("sse4", ["x86_64"], "sse42_aes_pclmul", ["-msse4.2", "-maes", "-mpclmul"], 4, False),
    HwyTarget("avx2", ["x86_64"], "hwy_avx2", _HWY_AVX2, 8, True),
    HwyTarget("avx3", ["x86_64"], "hwy_avx3", _HWY_AVX2 + ["-mavx512f", "-mavx512vl", "-mavx512dq", "-mavx512bw"],
              16, True),
]

# name: as in XCONV_ISA=name; lanes: floats per vector register of its
# kernels; cpu and flags: per architecture it is built for; suffix: of its
# kernel names; packers, depthwise: Highway targets, widest first; family:
# which template writes its kernels; vocab: that template's words for it.
Isa = namedtuple("Isa", "name enum lanes cpu flags suffix packers depthwise family vocab")

ISAS = [
    # The fallback chain, best first: dispatch takes the first this CPU runs.
    Isa("avx512", "XCONV_ISA_AVX512", 16, {"x86_64": "avx512f_vl"},
        {"x86_64": ["-mavx512f", "-mavx512vl", "-mavx2", "-mfma"]}, "avx512f",
        ["avx3", "avx2", "sse4", "scalar"], ["avx3", "avx2"], "x86",
        dict(title="AVX-512F", VEC="__m512", P="_mm512", include='"kernels/ukernels/x86/avx512_intrinsics.h"')),
    Isa("avx2", "XCONV_ISA_AVX2", 8, {"x86_64": "avx2_fma"},
        {"x86_64": ["-mavx2", "-mfma"]}, "avx2_fma",
        ["avx2", "sse4", "scalar"], ["avx2"], "x86",
        dict(title="AVX2+FMA", VEC="__m256", P="_mm256", include="<immintrin.h>")),
    Isa("neon", "XCONV_ISA_NEON", 4, {"aarch64": "neon"},
        {"aarch64": []}, "neon_fma",
        ["neon"], ["neon"], "neon",
        dict(title="NEON", VEC="float32x4_t", include="<arm_neon.h>")),
    # Hand-written with Highway (kernels/ukernels/hwy/): its SSE4 target on
    # x86, NEON on Arm, so its flags are those targets'.
    Isa("hwy", "XCONV_ISA_HWY", 4, {"x86_64": "sse42_aes_pclmul", "aarch64": None},
        {"x86_64": ["-msse4.2", "-maes", "-mpclmul"], "aarch64": []}, "hwy",
        ["sse4", "scalar", "neon"], [], "hwy", {}),
    Isa("scalar", "XCONV_ISA_SCALAR", 1, {"x86_64": None, "aarch64": None, "other": None},
        {"x86_64": [], "aarch64": [], "other": []}, "scalar",
        ["scalar", "neon"], [], "scalar", {}),
]


def by_name(name):
    return next(isa for isa in ISAS if isa.name == name)


def hwy_targets_on(arch):
    return [t for t in HWY_TARGETS if arch in t.arches]


def targets_on(names, arch):
    """The Highway targets among `names` that are built on `arch`, in order."""
    here = {t.name for t in hwy_targets_on(arch)}
    return [n for n in names if n in here]
