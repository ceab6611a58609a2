"""The kernel list: the one source of micro-kernels for registration, tests,
benchmarks and the build. gen/generate.py writes every kernel below (one file
each) and the tables the library reads.

Each entry is one micro-kernel: `isa` (a name from gen/isas.py), the tile
`mr` x `nr` (rows of A, columns of B), `unroll` (k steps per iteration of
the main loop) and `family`: "gemm" reads a packed A panel, "igemm" reads A
through row pointers (kernels/ukernels/ukernel.h has both contracts). A
plan's cost model (kernels/frame/choose.cc) picks among the kernels of the
chosen ISA and its path's family; on a tie the one listed first wins.

VARIANTS are the family that tuning runs choose from (xconv-tune, wisdom),
never the cost model: other tiles, A loaded four rows at a time and
permuted in registers instead of broadcast row by row (`load="shuffle"`,
x86 GEMM kernels; XNNPACK's broadcast/shuffle families), and the B panel
prefetched `prefetch` k steps ahead (x86 GEMM kernels). They are generated
and committed like the others; `default_build` ones are built always, the
rest only with meson's -Dkernel_variants=true (docs/DESIGN.md, "Tuning").
"""

from collections import namedtuple

from isas import by_name

Kernel = namedtuple("Kernel", "isa mr nr unroll family load prefetch variant default_build",
                    defaults=["gemm", "broadcast", 0, False, True])

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
    # Five rows for small images: 7x7 and 14x14 (49 and 196 pixels) waste
    # 2% of a 5-row tile, 10% and 1% of a 6-row one.
    Kernel("avx512", 5, 64, 2, "igemm"),
    # Three vectors wide, for the multiples of 48 channels that are not of
    # 64 (MobileNet's 144, 240, 960).
    Kernel("avx512", 8, 48, 2, "igemm"),
    # One row: a GEMV for layers of one output pixel (classifiers), bound by
    # streaming the weights, not by a mostly empty tile.
    Kernel("avx512", 1, 64, 4, "igemm"),
    Kernel("avx2", 1, 32, 4, "igemm"),
    Kernel("neon", 6, 16, 2, "igemm"),
    Kernel("neon", 8, 12, 2, "igemm"),
    Kernel("neon", 4, 16, 2, "igemm"),
]


def _variant(isa, mr, nr, unroll, load="broadcast", prefetch=0, default_build=False):
    return Kernel(isa, mr, nr, unroll, "gemm", load, prefetch, True, default_build)


# default_build: won somewhere on the layer suite on the development machine
# (Zen 5; xconv-tune --budget 170 bench/layers.txt with -Dkernel_variants=true,
# AVX-512 at 2 threads and --isa avx2 at 1 thread, 2026-11-28): 4x96 on 9
# layers, 8x48 on 4, 12x32 on 2, 6x64 shuffle on 1, AVX2 3x32 on 8. The
# rest never won there; they stay for tuning runs on other machines.
VARIANTS = [
    # Other tiles: AVX-512 8x48 (24 acc, 3 B), 12x32 (24 acc), 4x96 (24 acc, 6 B);
    # AVX2 3x32 (12 acc, 4 B), 5x16 (10 acc); NEON 12x8 (24 acc).
    _variant("avx512", 8, 48, 2, default_build=True),
    _variant("avx512", 12, 32, 2, default_build=True),
    _variant("avx512", 4, 96, 2, default_build=True),
    _variant("avx2", 3, 32, 4, default_build=True),
    _variant("avx2", 5, 16, 4),
    _variant("neon", 12, 8, 2),
    # A four rows per load, permuted in registers: fewer load-port operations,
    # more shuffle-port ones.
    _variant("avx512", 6, 64, 2, load="shuffle", default_build=True),
    _variant("avx512", 14, 32, 2, load="shuffle"),
    _variant("avx2", 6, 16, 4, load="shuffle"),
    # B panel prefetched ahead (k steps).
    _variant("avx512", 6, 64, 2, prefetch=8),
    _variant("avx512", 14, 32, 2, prefetch=16),
    _variant("avx2", 6, 16, 4, prefetch=16),
]

# Hand-written with Highway (kernels/ukernels/hwy/gemm_hwy.cc): listed so
# that the kernel table knows it. Its multiply-add is fused only where the
# target has FMA (NEON, not SSE4).
HWY_KERNELS = [Kernel("hwy", 4, 8, 1)]


def kernel_name(k):
    tags = ("_shuffle" if k.load == "shuffle" else "") + ("_pf%d" % k.prefetch if k.prefetch else "")
    return "xconv_f32_%s_%dx%d%s__%s" % (k.family, k.mr, k.nr, tags, by_name(k.isa).suffix)
