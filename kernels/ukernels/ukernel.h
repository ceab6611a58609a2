// The micro-kernel contracts: one signature per family for every ISA
// (docs/DESIGN.md, "Micro-kernel contract").
//
// GEMM. A micro-kernel computes one MR x NR tile of C = A * B over one K block:
//
//   a: packed A panel, kc x MR floats, a[k * MR + i]  (rows past mr are zero)
//   b: packed B panel, kc x NR floats, b[k * NR + j]  (cols past nr are zero)
//   c: the tile, row i at c + i * ldc; only the valid mr x nr part is read
//      (when accumulating) or written. Without accumulate, c is never read, so
//      it may hold NaN.
//
// Each element is summed in increasing k with one fused multiply-add per step
// (kernels on targets without FMA use multiply then add; their scalar model
// says so), starting from the value in C with accumulate; else, with a
// residual, from residual_scale * residual (one rounded multiply); else from
// 0. A scalar model with the same MR, NR and k order therefore produces the
// same bits, and splitting K into blocks does not change the result.
//
// The residual enters as the first block's starting value so that it may
// alias C: each element of the residual tile is read once, before the first
// write to C. Its rows are ldr apart, over the same valid mr x nr part.
//
// On the last K block the epilogue adds the bias (per row or per column),
// then scales negative values by the slope (per row or per column:
// y = y < 0 ? y * slope : y, leaky ReLU and PReLU; NaN stays NaN), then
// clamps: y = min(max(y, min), max), written so that NaN propagates.
//
// Indirect GEMM (IGEMM, Dukhan 2019): the same tile and epilogue, but A is
// not packed. It is read through pointers, one per tile row and tap:
//
//   a:  ks * MR pointers, tap-major: a[t * MR + i] is row i's kc floats for
//       tap t (a padding tap points at kc zeros; rows past mr repeat a
//       valid row's pointers, so every pointer is readable)
//   w:  packed B panel, (ks * kc) x NR floats, w[(t * kc + k) * NR + j]
//
// The reduction runs over the taps in order and, within a tap, over the kc
// floats in order: element (i, j) is the GEMM of A[i][t * kc + k] = a[t*MR+i][k]
// with w, the same FMA chain, so its scalar model is the GEMM's model on that
// gathered A (gemm_model.h, igemm_model). ks >= 1 and kc >= 1.
//
// An IGEMM kernel takes nc >= 1 columns, more than NR too: it computes
// them NR at a time, the tiles of one row of tiles in order, tile b reading
// its panel at w + b * w_stride and its C, bias_col, slope_col and residual
// columns from b * NR on (each tile exactly as a call for those NR columns,
// the last nc - b * NR of them when fewer). One call for all the output
// channels of a block of pixels (XNNPACK's kernels loop the same way): with
// a short reduction a call per NR columns costs much of a tile's time, and
// one call per row of tiles ran MobileNetV2's 24-channel pointwise layer
// and r50_s2_1x1_64to256 1.15-1.20x faster (Zen 3, AVX2, one-process A/B).
//
// This header must stay free of inline functions: it is included by every
// ISA's translation units, each compiled with its own instruction-set flags.
#ifndef XCONV_KERNELS_UKERNELS_UKERNEL_H_
#define XCONV_KERNELS_UKERNELS_UKERNEL_H_

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct xconv_epilogue {
  // NULL, or a bias per tile row (MR readable floats, zero-padded past mr).
  const float* bias_row;
  // NULL, or a bias per tile column (NR readable floats, zero-padded past nr;
  // an IGEMM call's nc columns: whole tiles of NR, zero-padded past nc).
  const float* bias_col;
  // NULL, or the negative slope per tile row (MR floats) / column (NR floats).
  const float* slope_row;
  const float* slope_col;
  // NULL, or the residual tile (rows ldr apart): the start of the first K block.
  const float* residual;
  size_t ldr;
  float residual_scale;
  float min, max;   // clamp bounds, applied last (may be -inf/+inf)
  int accumulate;   // nonzero: continue from the partial sums in C
  int last;         // nonzero: last K block, apply bias and clamp
} xconv_epilogue;

typedef void (*xconv_ukernel_fn)(size_t mr, size_t nr, size_t kc, const float* a,
                                 const float* b, float* c, size_t ldc,
                                 const xconv_epilogue* ep);

typedef void (*xconv_igemm_ukernel_fn)(size_t mr, size_t nc, size_t kc, size_t ks,
                                       const float* const* a, const float* w, size_t w_stride,
                                       float* c, size_t ldc, const xconv_epilogue* ep);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // XCONV_KERNELS_UKERNELS_UKERNEL_H_
