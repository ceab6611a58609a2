"""The kernel list: the single source for registration, tests and benchmarks.

Each entry is one micro-kernel. The first entry of an ISA is its default
(what dispatch picks); the others are there for tuning runs to choose from.
Fields:
  isa      scalar | avx2 | avx512 | neon  (hwy kernels are hand-written)
  mr, nr   tile shape: rows of A, columns of B
  unroll   k steps per iteration of the main loop
  prefetch B-panel prefetch distance in floats (0: none)
"""

from collections import namedtuple

Kernel = namedtuple("Kernel", "isa mr nr unroll prefetch")

KERNELS = [
    Kernel("scalar", 4, 8, 1, 0),
    # AVX2+FMA, 16 ymm: 6x16 is BLIS's haswell/zen3 shape (12 accumulators,
    # 2 B vectors, 1 broadcast); 4x24 (12 acc, 3 B); 8x8 (8 acc, 1 B).
    Kernel("avx2", 6, 16, 4, 0),
    Kernel("avx2", 4, 24, 4, 0),
    Kernel("avx2", 8, 8, 4, 0),
    # AVX-512F, 32 zmm: 14x32 (28 acc), 6x64 (24 acc), 28x16 (28 acc).
    Kernel("avx512", 14, 32, 2, 0),
    Kernel("avx512", 6, 64, 2, 0),
    Kernel("avx512", 28, 16, 2, 0),
    # NEON AArch64, 32 q: 8x12 (24 acc), 6x16 (24 acc), 4x16 (16 acc).
    Kernel("neon", 8, 12, 2, 0),
    Kernel("neon", 6, 16, 2, 0),
    Kernel("neon", 4, 16, 2, 0),
]

# The hand-written Highway kernel (kernels/hwy/), listed so that the kernel
# table knows it. Its multiply-add is fused only where the target has FMA.
HWY_KERNELS = [("xconv_f32_gemm_4x8__hwy", 4, 8)]

ISA_SUFFIX = {"scalar": "scalar", "avx2": "avx2_fma", "avx512": "avx512f", "neon": "neon_fma"}
ISA_ENUM = {"scalar": "XCONV_ISA_SCALAR", "avx2": "XCONV_ISA_AVX2", "avx512": "XCONV_ISA_AVX512",
            "neon": "XCONV_ISA_NEON", "hwy": "XCONV_ISA_HWY"}
ISA_ARCH_GUARD = {"scalar": None, "hwy": None, "avx2": "defined(__x86_64__)",
                  "avx512": "defined(__x86_64__)", "neon": "defined(__aarch64__)"}


def kernel_name(k):
    return "xconv_f32_gemm_%dx%d__%s" % (k.mr, k.nr, ISA_SUFFIX[k.isa])
