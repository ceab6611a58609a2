// The portable SIMD micro-kernel, written once with Google Highway for every
// target without a generated kernel: SSE4 on x86, NEON (and whatever Highway
// supports) on Arm.
//
// Highway is used header-only with static dispatch: this translation unit is
// compiled for exactly one target (meson passes that target's flags), and
// HWY_STATIC_DISPATCH binds to it. libxconv.a therefore needs no libhwy.so,
// and xconv's own dispatcher (kernels/frame/dispatch.cc) decides when this runs.
//
// The tile is 4x8 with 128-bit vectors (FixedTag<float, 4>) on every target,
// so the packed panel format does not depend on the vector length.
#include <hwy/highway.h>

#include "kernels/ukernels/gen/kernels.h"

HWY_BEFORE_NAMESPACE();
namespace xconv {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

constexpr size_t kMR = 4, kNR = 8;

void Gemm4x8(size_t mr, size_t nr, size_t kc, const float* a, const float* b, float* c, size_t ldc,
             const xconv_epilogue* ep) {
  const hn::FixedTag<float, 4> d;
  using V = hn::Vec<decltype(d)>;
  V acc[kMR][2];
  for (size_t i = 0; i < kMR; ++i) {
    for (size_t v = 0; v < 2; ++v) acc[i][v] = hn::Zero(d);
  }
  // Partial tiles go through a zero-filled copy of their valid part, so that
  // nothing outside the mr x nr tile is read or written.
  HWY_ALIGN float tile[kMR * kNR] = {};
  const bool full = mr == kMR && nr == kNR;
  // The start: C's partial sums, or the scaled residual (ukernel.h).
  const float* start = ep->accumulate ? c : ep->residual;
  if (start != nullptr) {
    const size_t ld = ep->accumulate ? ldc : ep->ldr;
    for (size_t i = 0; i < kMR; ++i) {
      if (full) {
        for (size_t v = 0; v < 2; ++v) acc[i][v] = hn::LoadU(d, start + i * ld + 4 * v);
      } else if (i < mr) {
        for (size_t j = 0; j < nr; ++j) tile[i * kNR + j] = start[i * ld + j];
        for (size_t v = 0; v < 2; ++v) acc[i][v] = hn::Load(d, tile + i * kNR + 4 * v);
      }
    }
    if (!ep->accumulate) {
      const V scale = hn::Set(d, ep->residual_scale);
      for (size_t i = 0; i < kMR; ++i) {
        for (size_t v = 0; v < 2; ++v) acc[i][v] = hn::Mul(scale, acc[i][v]);
      }
    }
  }
  for (size_t k = 0; k < kc; ++k) {
    const V b0 = hn::LoadU(d, b + k * kNR), b1 = hn::LoadU(d, b + k * kNR + 4);
    for (size_t i = 0; i < kMR; ++i) {
      const V ai = hn::Set(d, a[k * kMR + i]);
      acc[i][0] = hn::MulAdd(ai, b0, acc[i][0]);
      acc[i][1] = hn::MulAdd(ai, b1, acc[i][1]);
    }
  }
  if (ep->last) {
    const V lo = hn::Set(d, ep->min), hi = hn::Set(d, ep->max);
    for (size_t i = 0; i < kMR; ++i) {
      for (size_t v = 0; v < 2; ++v) {
        if (ep->bias_row) acc[i][v] = hn::Add(acc[i][v], hn::Set(d, ep->bias_row[i]));
        if (ep->bias_col) acc[i][v] = hn::Add(acc[i][v], hn::LoadU(d, ep->bias_col + 4 * v));
        const V zero = hn::Zero(d);
        if (ep->slope_row) {
          const V scaled = hn::Mul(acc[i][v], hn::Set(d, ep->slope_row[i]));
          acc[i][v] = hn::IfThenElse(hn::Lt(acc[i][v], zero), scaled, acc[i][v]);
        }
        if (ep->slope_col) {
          const V scaled = hn::Mul(acc[i][v], hn::LoadU(d, ep->slope_col + 4 * v));
          acc[i][v] = hn::IfThenElse(hn::Lt(acc[i][v], zero), scaled, acc[i][v]);
        }
        // Not hn::Max/Min: on NEON they are IEEE maxNum/minNum, which drop a
        // NaN. Compare-and-select keeps a NaN y, exactly like the model.
        acc[i][v] = hn::IfThenElse(hn::Gt(lo, acc[i][v]), lo, acc[i][v]);
        acc[i][v] = hn::IfThenElse(hn::Lt(hi, acc[i][v]), hi, acc[i][v]);
      }
    }
  }
  for (size_t i = 0; i < mr; ++i) {
    if (full) {
      for (size_t v = 0; v < 2; ++v) hn::StoreU(acc[i][v], d, c + i * ldc + 4 * v);
    } else {
      for (size_t v = 0; v < 2; ++v) hn::Store(acc[i][v], d, tile + i * kNR + 4 * v);
      for (size_t j = 0; j < nr; ++j) c[i * ldc + j] = tile[i * kNR + j];
    }
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace xconv
HWY_AFTER_NAMESPACE();

namespace xconv {
// The kernel table's entry point, bound at compile time to this TU's target.
extern "C" void xconv_f32_gemm_4x8__hwy(size_t mr, size_t nr, size_t kc, const float* a,
                                        const float* b, float* c, size_t ldc,
                                        const xconv_epilogue* ep) {
  HWY_STATIC_DISPATCH(Gemm4x8)(mr, nr, kc, a, b, c, ldc, ep);
}
}  // namespace xconv
