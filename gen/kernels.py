"""The kernel list: the one source of micro-kernels for registration, tests,
benchmarks and the build. gen/generate.py writes every kernel below (one file
each) and the tables the library reads.

Each entry is one micro-kernel: `isa` (a name from gen/isas.py), the tile
`mr` x `nr` (rows of A, columns of B), `unroll` (k steps per iteration of
the main loop) and `family`: "gemm" reads a packed A panel, "igemm" reads A
through row pointers (kernels/ukernels/ukernel.h has both contracts). A
plan's cost model (kernels/frame/choose.cc) picks among the kernels of the
chosen ISA and its path's family; on a tie the one listed first wins.
"""

from collections import namedtuple

from isas import by_name

Kernel = namedtuple("Kernel", "isa mr nr unroll family", defaults=["gemm"])

KERNELS = [
    Kernel("scalar", 4, 8, 1),
    # AVX2+FMA, 16 ymm: 6x16 is BLIS's haswell/zen3 shape (12 accumulators,
    # 2 B vectors, 1 broadcast); 4x24 (12 acc, 3 B); 8x8 (8 acc, 1 B).
    Kernel("avx2", 6, 16, 4),
    Kernel("avx2", 4, 24, 4),
    Kernel("avx2", 8, 8, 4),
    # AVX-512F, 32 zmm: 14x32 (28 acc), 6x64 (24 acc), 28x16 (28 acc).
    Kernel("avx512", 14, 32, 2),
    Kernel("avx512", 6, 64, 2),
    Kernel("avx512", 28, 16, 2),
    # NEON AArch64, 32 q: 8x12 (24 acc), 6x16 (24 acc), 4x16 (16 acc).
    Kernel("neon", 8, 12, 2),
    Kernel("neon", 6, 16, 2),
    Kernel("neon", 4, 16, 2),
    # Indirect GEMM, for NHWC: one pointer register per row, so fewer rows
    # than the GEMM tiles (14 or 28 row pointers would spill on x86).
    Kernel("scalar", 4, 8, 1, "igemm"),
    Kernel("avx2", 6, 16, 4, "igemm"),
    Kernel("avx2", 4, 24, 4, "igemm"),
    Kernel("avx2", 8, 8, 4, "igemm"),
    Kernel("avx512", 6, 64, 2, "igemm"),
    Kernel("avx512", 8, 32, 2, "igemm"),
    Kernel("avx512", 12, 32, 2, "igemm"),
    # One row: a GEMV for layers of one output pixel (classifiers), bound by
    # streaming the weights, not by a mostly empty tile.
    Kernel("avx512", 1, 64, 4, "igemm"),
    Kernel("avx2", 1, 32, 4, "igemm"),
    Kernel("neon", 6, 16, 2, "igemm"),
    Kernel("neon", 8, 12, 2, "igemm"),
    Kernel("neon", 4, 16, 2, "igemm"),
]

# Hand-written with Highway (kernels/ukernels/hwy/gemm_hwy.cc): listed so
# that the kernel table knows it. Its multiply-add is fused only where the
# target has FMA (NEON, not SSE4).
HWY_KERNELS = [Kernel("hwy", 4, 8, 1)]


def kernel_name(k):
    return "xconv_f32_%s_%dx%d__%s" % (k.family, k.mr, k.nr, by_name(k.isa).suffix)
