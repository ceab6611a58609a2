// What the direct depthwise and grouped loops share (see depthwise.h),
// written once with Highway and included by depthwise_nchw-inl.h,
// depthwise_nhwc-inl.h and grouped_nhwc-inl.h inside one static target's
// compilation: the unrolling pragmas, the channel load with a tail, the
// scalar tap chain, and the register pin for column loads.
#ifndef XCONV_KERNELS_PATHS_DEPTHWISE_DEPTHWISE_SHARED_INL_H_
#define XCONV_KERNELS_PATHS_DEPTHWISE_DEPTHWISE_SHARED_INL_H_

#include <math.h>
#include <string.h>

#include <hwy/highway.h>

#include "kernels/paths/depthwise/depthwise.h"
#include "kernels/paths/direct_epilogue-inl.h"

// The tile loops are unrolled whole: GCC otherwise keeps the accumulators,
// indexed by the column, in memory (not in sanitizer builds:
// direct_epilogue-inl.h).
#if XCONV_LOOPS_SANITIZED
#define XCONV_UNROLL_COLUMNS
#define XCONV_UNROLL_TAPS
#else
#define XCONV_UNROLL_COLUMNS _Pragma("GCC unroll 64")
#define XCONV_UNROLL_TAPS _Pragma("GCC unroll 8")
#endif

HWY_BEFORE_NAMESPACE();
namespace xconv {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// The channels of one input pixel from `first`, as a vector; only `valid`
// of them exist (the rest read as zero, never past the pixel's channels).
template <class D>
HWY_INLINE hn::Vec<D> load_channels(D d, const float* x, int64_t valid) {
  if (valid >= static_cast<int64_t>(hn::Lanes(d))) return hn::LoadU(d, x);
  float lanes[64] = {};  // more than any target's vector
  for (int64_t c = 0; c < valid; ++c) lanes[c] = x[c];
  return hn::LoadU(d, lanes);
}

// One output value, tap by tap from `start`: the scalar form of every direct
// loop. x(ih, iw) is the input value at a position inside the image, w(r, s)
// the tap's weight; padding taps multiply zeros.
template <class Input, class Weight>
HWY_INLINE float tap_chain(const DepthwiseJob& j, int64_t oh, int64_t ow, float start, Input x, Weight w) {
  float acc = start;
  for (int64_t r = 0; r < j.kh; ++r) {
    const int64_t ih = oh * j.stride_h - j.pad_top + r * j.dilation_h;
    for (int64_t s = 0; s < j.kw; ++s) {
      const int64_t iw = ow * j.stride_w - j.pad_left + s * j.dilation_w;
      const bool inside = ih >= 0 && ih < j.in_h && iw >= 0 && iw < j.in_w;
      acc = __builtin_fmaf(w(r, s), inside ? x(ih, iw) : 0.0f, acc);
    }
  }
  return acc;
}

// The scalar chain's start: residual_scale times the residual at r, or 0.
HWY_INLINE float point_start(const DepthwiseJob& j, const float* r) { return r ? j.residual_scale * *r : 0.0f; }

// A column's vector, used by several FMAs, loaded once: left to itself
// the compiler folds the load into each FMA as a memory operand (x86 only),
// one load per FMA again, which is what the column tables are there to
// avoid (a stride-2 tile ran at half the speed).
template <class V>
HWY_INLINE void keep_in_register(V& x) {
#if HWY_ARCH_X86
  asm("" : "+v"(x.raw));
#else
  (void)x;
#endif
}

// Starts the chains of kPixels output vectors of the channels from o (NHWC
// pixels of one row, as store_pixels takes them): residual_scale times the
// residual pixel p at r + p * out_stride + o (its first `count` lanes), or
// zero without a residual.
template <int kPixels, class D>
HWY_INLINE void start_pixels(D d, const DepthwiseJob& j, int64_t o, const float* r, size_t count,
                             hn::Vec<D> (&tile)[1][kPixels]) {
  for (int p = 0; p < kPixels; ++p) tile[0][p] = chain_start(d, j, r ? r + p * j.out_stride + o : nullptr, count);
}

// Finishes kPixels output vectors of the channels from o (NHWC pixels of
// one row, held as finish_tile's one row) and stores pixel p at
// y + p * out_stride + o.
template <int kPixels, class D>
HWY_INLINE void store_pixels(D d, const DepthwiseJob& j, int64_t o, hn::Vec<D> (&tile)[1][kPixels], float* y) {
  finish_tile(d, j, o, true, tile);
  for (int p = 0; p < kPixels; ++p) hn::StoreU(tile[0][p], d, y + p * j.out_stride + o);
}

// Finishes kPixels output vectors as store_pixels does, and streams them
// past the caches (DepthwiseJob::prefetch_batch) in whole 64-byte lines:
// y + o must start a line at every pixel. A vector shorter than a line
// waits in `held` (a line per pixel) for the vector that ends its line,
// then the line goes out in one burst. Streamed as they came, an AVX2
// tile's half lines, seven pixels apart, left the write-combining buffers
// before their other halves arrived: partial writes, each a read and a
// write in DRAM (a stand-alone loop over this store order: 5 GB/s
// streamed against 13 stored; by whole lines, 15-18).
template <int kPixels, class D>
HWY_INLINE void stream_pixels(D d, const DepthwiseJob& j, int64_t o, hn::Vec<D> (&tile)[1][kPixels], float* y,
                              float* held) {
  finish_tile(d, j, o, true, tile);
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d)), part = o % kLineFloats;  // this vector's place in its line
  for (int p = 0; p < kPixels; ++p) {
    float* line_held = held + p * kLineFloats;
    if (part + lanes < kLineFloats) {
      hn::Store(tile[0][p], d, line_held + part);
      continue;
    }
    float* line = y + p * j.out_stride + o - part;
    for (int64_t k = 0; k < part; k += lanes) hn::Stream(hn::Load(d, line_held + k), d, line + k);
    hn::Stream(tile[0][p], d, line + part);
  }
}

// Whether every tap of output pixels [ow0, ow0 + count) of row oh is inside the image.
HWY_INLINE bool taps_inside(const DepthwiseJob& j, int64_t oh, int64_t ow0, int64_t count) {
  const int64_t ih0 = oh * j.stride_h - j.pad_top, ih1 = ih0 + (j.kh - 1) * j.dilation_h;
  const int64_t iw0 = ow0 * j.stride_w - j.pad_left;
  const int64_t iw1 = (ow0 + count - 1) * j.stride_w - j.pad_left + (j.kw - 1) * j.dilation_w;
  return ih0 >= 0 && ih1 < j.in_h && iw0 >= 0 && iw1 < j.in_w;
}

}  // namespace HWY_NAMESPACE
}  // namespace xconv
HWY_AFTER_NAMESPACE();

#endif  // XCONV_KERNELS_PATHS_DEPTHWISE_DEPTHWISE_SHARED_INL_H_
