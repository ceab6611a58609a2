// The scalar model of an MR x NR micro-kernel: the contract of ukernel.h
// written out element by element. It is two things at once:
//   * the portable scalar micro-kernels (each generated file of
//     kernels/ukernels/gen/scalar/ instantiates it), and
//   * the reference every SIMD kernel is compared with bit for bit: same MR,
//     NR and k order, with kFused matching whether the kernel's multiply-add
//     is fused (std::fma) or a multiply then an add.
// Only baseline translation units include it, never an ISA-flagged one.
#ifndef XCONV_KERNELS_UKERNELS_GEMM_MODEL_H_
#define XCONV_KERNELS_UKERNELS_GEMM_MODEL_H_

#include <cmath>
#include <cstddef>

#include "kernels/ukernels/ukernel.h"

namespace xconv {

// Clamp exactly as x86 max_ps(lo, y) then min_ps(hi, y) do: a NaN in y
// survives both comparisons, so NaN propagates like in the reference.
inline float clamp_propagating_nan(float y, float lo, float hi) {
  y = lo > y ? lo : y;
  y = hi < y ? hi : y;
  return y;
}

// The tile's reduction step, fused or not. The build uses -ffp-contract=off,
// so the unfused form stays unfused.
template <bool kFused>
inline float multiply_add(float a, float b, float acc) {
  return kFused ? std::fma(a, b, acc) : acc + a * b;
}

// Leaky ReLU / PReLU: negative values scaled, NaN kept (the comparison is false).
inline float scale_negative(float y, float slope) { return y < 0.0f ? y * slope : y; }

// The start and the end every tile shares: partial sums from C, or the
// scaled residual, or 0; and bias, slope, clamp and the store of the valid
// mr x nr part.
template <size_t MR, size_t NR>
void load_tile(size_t mr, size_t nr, const float* c, size_t ldc, const xconv_epilogue* ep, float (&acc)[MR][NR]) {
  for (size_t i = 0; i < MR; ++i) {
    for (size_t j = 0; j < NR; ++j) {
      float start = 0.0f;
      if (i < mr && j < nr) {
        if (ep->accumulate) {
          start = c[i * ldc + j];
        } else if (ep->residual) {
          start = ep->residual_scale * ep->residual[i * ep->ldr + j];
        }
      }
      acc[i][j] = start;
    }
  }
}

template <size_t MR, size_t NR>
void store_tile(size_t mr, size_t nr, float (&acc)[MR][NR], float* c, size_t ldc, const xconv_epilogue* ep) {
  if (ep->last) {
    for (size_t i = 0; i < MR; ++i) {
      for (size_t j = 0; j < NR; ++j) {
        float y = acc[i][j];
        if (ep->bias_row) y += ep->bias_row[i];
        if (ep->bias_col) y += ep->bias_col[j];
        if (ep->slope_row) y = scale_negative(y, ep->slope_row[i]);
        if (ep->slope_col) y = scale_negative(y, ep->slope_col[j]);
        acc[i][j] = clamp_propagating_nan(y, ep->min, ep->max);
      }
    }
  }
  // mr <= MR and nr <= NR (ukernel.h); said again for GCC, which cannot see
  // it through igemm_model's loop over tiles and warns of reads past acc.
  for (size_t i = 0; i < mr && i < MR; ++i) {
    for (size_t j = 0; j < nr && j < NR; ++j) c[i * ldc + j] = acc[i][j];
  }
}

template <size_t MR, size_t NR, bool kFused>
void gemm_model(size_t mr, size_t nr, size_t kc, const float* a, const float* b, float* c,
                size_t ldc, const xconv_epilogue* ep) {
  float acc[MR][NR];
  load_tile(mr, nr, c, ldc, ep, acc);
  for (size_t k = 0; k < kc; ++k) {
    for (size_t i = 0; i < MR; ++i) {
      for (size_t j = 0; j < NR; ++j) acc[i][j] = multiply_add<kFused>(a[k * MR + i], b[k * NR + j], acc[i][j]);
    }
  }
  store_tile(mr, nr, acc, c, ldc, ep);
}

// The indirect GEMM's model: gemm_model's chain with A read through the
// row pointers, tap by tap, one tile of NR columns after the other
// (ukernel.h).
template <size_t MR, size_t NR, bool kFused>
void igemm_model(size_t mr, size_t nc, size_t kc, size_t ks, const float* const* a, const float* w, size_t w_stride,
                 float* c, size_t ldc, const xconv_epilogue* ep) {
  xconv_epilogue tile_ep = *ep;
  for (size_t j0 = 0; j0 < nc; j0 += NR, w += w_stride) {
    const size_t nr = nc - j0 < NR ? nc - j0 : NR;
    tile_ep.bias_col = ep->bias_col ? ep->bias_col + j0 : nullptr;
    tile_ep.slope_col = ep->slope_col ? ep->slope_col + j0 : nullptr;
    tile_ep.residual = ep->residual ? ep->residual + j0 : nullptr;
    float acc[MR][NR];
    load_tile(mr, nr, c + j0, ldc, &tile_ep, acc);
    for (size_t t = 0; t < ks; ++t) {
      for (size_t k = 0; k < kc; ++k) {
        for (size_t i = 0; i < MR; ++i) {
          for (size_t j = 0; j < NR; ++j) {
            acc[i][j] = multiply_add<kFused>(a[t * MR + i][k], w[(t * kc + k) * NR + j], acc[i][j]);
          }
        }
      }
    }
    store_tile(mr, nr, acc, c + j0, ldc, &tile_ep);
  }
}

}  // namespace xconv

#endif  // XCONV_KERNELS_UKERNELS_GEMM_MODEL_H_
