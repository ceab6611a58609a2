// The end of the direct loops' output chains (depthwise, grouped, implicit
// GEMM), written once with Highway: the residual that starts a chain, and
// bias, negative slope and clamp after it, in the GEMM kernels' order
// (kernels/ukernels/ukernel.h). Job is any of the paths' jobs: each has
// bias, slopes (per output channel, or NULL), min, max and residual_scale.
// Included by each path's -inl.h, inside its target's compilation.
#ifndef XCONV_KERNELS_PATHS_DIRECT_EPILOGUE_INL_H_
#define XCONV_KERNELS_PATHS_DIRECT_EPILOGUE_INL_H_

#include <math.h>
#include <string.h>

#include <hwy/highway.h>

// Whether this is a sanitizer build (GCC's macros, clang's features). The
// loops then go without their unrolling: every load of an unrolled body is
// instrumented, and one target took minutes to compile; the operations and
// their order stay the same, so they still test the same arithmetic.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define XCONV_LOOPS_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define XCONV_LOOPS_SANITIZED 1
#endif
#endif
#ifndef XCONV_LOOPS_SANITIZED
#define XCONV_LOOPS_SANITIZED 0
#endif

// The implicit GEMM's tile loops are unrolled whole, so that the
// accumulators stay in registers (GCC otherwise indexes them in memory);
// not in sanitizer builds.
#if XCONV_LOOPS_SANITIZED
#define XCONV_UNROLL_TILE
#else
#define XCONV_UNROLL_TILE _Pragma("GCC unroll 16")
#endif

HWY_BEFORE_NAMESPACE();
namespace xconv {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

HWY_INLINE float clamp_nan_safe(float y, float lo, float hi) {
  y = lo > y ? lo : y;
  return hi < y ? hi : y;
}

// The end of every output vector: bias, negative slope and clamp, as the
// GEMM kernels do them (ukernel.h): a NaN survives each step.
template <class D>
struct Finish {
  using V = hn::Vec<D>;
  // An infinite bound is no clamp: comparing with it keeps every y, NaN too.
  bool has_bias, has_slope, has_lo, has_hi;
  V bias, slope, lo, hi;

  // For channels from o: a vector of them (NHWC), or channel o in every lane (NCHW).
  template <class Job>
  HWY_INLINE Finish(D d, const Job& j, int64_t o, bool per_lane)
      : has_bias(j.bias != nullptr), has_slope(j.slopes != nullptr),
        has_lo(j.min != -HUGE_VALF), has_hi(j.max != HUGE_VALF),
        bias(load(d, j.bias, o, per_lane)), slope(load(d, j.slopes, o, per_lane)),
        lo(hn::Set(d, j.min)), hi(hn::Set(d, j.max)) {}

  static HWY_INLINE V load(D d, const float* values, int64_t o, bool per_lane) {
    if (values == nullptr) return hn::Zero(d);
    return per_lane ? hn::LoadU(d, values + o) : hn::Set(d, values[o]);
  }

  HWY_INLINE V operator()(V y) const {
    if (has_bias) y = hn::Add(y, bias);
    if (has_slope) y = leaky(y, slope);
    if (has_lo) y = at_least(y, lo);
    if (has_hi) y = at_most(y, hi);
    return y;
  }

  // The same steps over a tile of vectors of the one channel (or vector of
  // channels), each step tested once for the tile rather than per vector.
  template <int kRows, int kCols>
  HWY_INLINE void operator()(V (&acc)[kRows][kCols]) const {
    if (has_bias) each(acc, [&](V y) { return hn::Add(y, bias); });
    if (has_slope) each(acc, [&](V y) { return leaky(y, slope); });
    if (has_lo) each(acc, [&](V y) { return at_least(y, lo); });
    if (has_hi) each(acc, [&](V y) { return at_most(y, hi); });
  }

  template <int kRows, int kCols, class Step>
  static HWY_INLINE void each(V (&acc)[kRows][kCols], const Step& step) {
    for (int m = 0; m < kRows; ++m) {
      for (int v = 0; v < kCols; ++v) acc[m][v] = step(acc[m][v]);
    }
  }

  static HWY_INLINE V leaky(V y, V slope) { return hn::IfThenElse(hn::Lt(y, hn::Zero(D())), hn::Mul(y, slope), y); }
  static HWY_INLINE V at_least(V y, V lo) { return hn::IfThenElse(hn::Gt(lo, y), lo, y); }
  static HWY_INLINE V at_most(V y, V hi) { return hn::IfThenElse(hn::Lt(hi, y), hi, y); }
};

// Finish for a tile of kRows by kCols output vectors, each step over the
// whole tile: a branch a tile where Finish takes four a vector, which
// showed in a short reduction's time (27 FMAs a vector for the seed) and in
// the depthwise NHWC tiles. Row m holds channel o0 + m in every lane (NCHW)
// or, per_lane, the vector of channels from o0 + m * lanes (NHWC: a row of
// pixels).
template <int kRows, int kCols, class D, class Job>
HWY_INLINE void finish_tile(D d, const Job& j, int64_t o0, bool per_lane, hn::Vec<D> (&acc)[kRows][kCols]) {
  using F = Finish<D>;
  const int64_t row_step = per_lane ? static_cast<int64_t>(hn::Lanes(d)) : 1;
  if (j.bias) {
    for (int m = 0; m < kRows; ++m) {
      const auto bias = F::load(d, j.bias, o0 + m * row_step, per_lane);
      for (int v = 0; v < kCols; ++v) acc[m][v] = hn::Add(acc[m][v], bias);
    }
  }
  if (j.slopes) {
    for (int m = 0; m < kRows; ++m) {
      const auto slope = F::load(d, j.slopes, o0 + m * row_step, per_lane);
      for (int v = 0; v < kCols; ++v) acc[m][v] = F::leaky(acc[m][v], slope);
    }
  }
  if (j.min != -HUGE_VALF) {
    const auto lo = hn::Set(d, j.min);
    for (int m = 0; m < kRows; ++m) {
      for (int v = 0; v < kCols; ++v) acc[m][v] = F::at_least(acc[m][v], lo);
    }
  }
  if (j.max != HUGE_VALF) {
    const auto hi = hn::Set(d, j.max);
    for (int m = 0; m < kRows; ++m) {
      for (int v = 0; v < kCols; ++v) acc[m][v] = F::at_most(acc[m][v], hi);
    }
  }
}

// The scalar form of Finish.
template <class Job>
HWY_INLINE float finish_point(const Job& j, int64_t o, float y) {
  if (j.bias) y += j.bias[o];
  if (j.slopes && y < 0.0f) y *= j.slopes[o];
  return clamp_nan_safe(y, j.min, j.max);
}

// Part of a vector, read or written where only its first lanes may be
// touched: x86's masked loads and stores (AVX2's vmaskmov, AVX-512's mask
// registers) leave the other lanes' memory alone and never fault on it
// (AVX2 stores go by halves instead: store_first).
// Elsewhere, and under the sanitizers (which may check the whole width),
// through a buffer on the stack: a vector store and scalar copies, which
// cost an NCHW row's last vector several times a whole one.
#define XCONV_PARTIAL_BY_MASK (HWY_ARCH_X86 && !XCONV_LOOPS_SANITIZED)

// The first `count` < lanes floats at x, the other lanes zero.
template <class D>
HWY_INLINE hn::Vec<D> load_first(D d, const float* x, size_t count) {
#if XCONV_PARTIAL_BY_MASK
  return hn::MaskedLoad(hn::FirstN(d, count), d, x);
#else
  float lanes[64] = {};  // more than any target's vector
  memcpy(lanes, x, count * sizeof(float));
  return hn::LoadU(d, lanes);
#endif
}

// The start of an output vector's chain: residual_scale times the residual
// at r (its first `count` lanes), or zero without a residual.
template <class D, class Job>
HWY_INLINE hn::Vec<D> chain_start(D d, const Job& j, const float* r, size_t count) {
  if (r == nullptr) return hn::Zero(d);
  const auto scale = hn::Set(d, j.residual_scale);
  if (count >= hn::Lanes(d)) return hn::Mul(scale, hn::LoadU(d, r));
  return hn::Mul(scale, load_first(d, r, count));
}

// Stores the first `count` lanes of v at y (all of them when count >= lanes).
// AVX2: by halves, 4, 2 and 1 floats, plain stores: a masked store
// (vmaskmovps) is microcoded on Zen 2 and 3, and an NHWC implicit GEMM
// tile whose last vector of channels is cut short (seed_c3_55_k20's 20)
// spent about a sixth of its time in them (perf annotate, Zen 3).
template <class D>
HWY_INLINE void store_first(D d, hn::Vec<D> v, size_t count, float* y) {
  if (count >= hn::Lanes(d)) {
    hn::StoreU(v, d, y);
    return;
  }
#if HWY_TARGET == HWY_AVX2
  const hn::Half<D> d4;
  const hn::Half<decltype(d4)> d2;
  auto four = hn::LowerHalf(d4, v);
  if (count >= 4) {
    hn::StoreU(four, d4, y);
    four = hn::UpperHalf(d4, v);
    y += 4, count -= 4;
  }
  auto two = hn::LowerHalf(d2, four);
  if (count >= 2) {
    hn::StoreU(two, d2, y);
    two = hn::UpperHalf(d2, four);
    y += 2, count -= 2;
  }
  if (count == 1) *y = hn::GetLane(two);
#elif XCONV_PARTIAL_BY_MASK
  hn::BlendedStore(v, hn::FirstN(d, count), d, y);
#else
  float lanes[64];  // more than any target's vector
  hn::StoreU(v, d, lanes);
  for (size_t i = 0; i < count; ++i) y[i] = lanes[i];
#endif
}

}  // namespace HWY_NAMESPACE
}  // namespace xconv
HWY_AFTER_NAMESPACE();

#endif  // XCONV_KERNELS_PATHS_DIRECT_EPILOGUE_INL_H_
