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

template <size_t MR, size_t NR, bool kFused>
void gemm_model(size_t mr, size_t nr, size_t kc, const float* a, const float* b, float* c,
                size_t ldc, const xconv_epilogue* ep) {
  float acc[MR][NR];
  for (size_t i = 0; i < MR; ++i) {
    for (size_t j = 0; j < NR; ++j) {
      acc[i][j] = (ep->accumulate && i < mr && j < nr) ? c[i * ldc + j] : 0.0f;
    }
  }
  for (size_t k = 0; k < kc; ++k) {
    for (size_t i = 0; i < MR; ++i) {
      for (size_t j = 0; j < NR; ++j) {
        const float ai = a[k * MR + i];
        const float bj = b[k * NR + j];
        // The build uses -ffp-contract=off, so the unfused form stays unfused.
        acc[i][j] = kFused ? std::fma(ai, bj, acc[i][j]) : acc[i][j] + ai * bj;
      }
    }
  }
  if (ep->last) {
    for (size_t i = 0; i < MR; ++i) {
      for (size_t j = 0; j < NR; ++j) {
        float y = acc[i][j];
        if (ep->bias_row) y += ep->bias_row[i];
        if (ep->bias_col) y += ep->bias_col[j];
        acc[i][j] = clamp_propagating_nan(y, ep->min, ep->max);
      }
    }
  }
  for (size_t i = 0; i < mr; ++i) {
    for (size_t j = 0; j < nr; ++j) c[i * ldc + j] = acc[i][j];
  }
}

}  // namespace xconv

#endif  // XCONV_KERNELS_UKERNELS_GEMM_MODEL_H_
