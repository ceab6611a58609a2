// The depthwise loops (see depthwise.h), written once with Highway. Each
// depthwise_<target>.cc includes this once, compiled for one static target;
// everything lives in xconv::HWY_NAMESPACE, so the targets' copies never meet
// at link time. Highway's MulAdd is fused on every target used here (AVX2,
// AVX3, NEON), like __builtin_fmaf in the scalar edges.
#ifndef XCONV_KERNELS_PATHS_DEPTHWISE_DEPTHWISE_INL_H_
#define XCONV_KERNELS_PATHS_DEPTHWISE_DEPTHWISE_INL_H_

#include <hwy/highway.h>

#include "kernels/paths/depthwise/depthwise.h"

HWY_BEFORE_NAMESPACE();
namespace xconv {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

HWY_INLINE float clamp_nan_safe(float y, float lo, float hi) {
  y = lo > y ? lo : y;
  return hi < y ? hi : y;
}

// One output value of an NCHW plane, tap by tap (used at the edges).
HWY_INLINE float nchw_point(const DepthwiseJob& j, const float* plane, const float* w, int64_t oh, int64_t ow) {
  float acc = 0.0f;
  for (int64_t r = 0; r < j.kh; ++r) {
    const int64_t ih = oh * j.stride_h - j.pad_top + r * j.dilation_h;
    for (int64_t s = 0; s < j.kw; ++s) {
      const int64_t iw = ow * j.stride_w - j.pad_left + s * j.dilation_w;
      const bool inside = ih >= 0 && ih < j.in_h && iw >= 0 && iw < j.in_w;
      acc = __builtin_fmaf(w[r * j.kw + s], inside ? plane[ih * j.in_w + iw] : 0.0f, acc);
    }
  }
  return acc;
}

// Input columns ow * kStride + offset for `lanes` consecutive outputs: one
// load for stride 1; for stride 2 the even half of an interleaved load, which
// also reads the odd neighbour of the last column (the caller keeps it inside).
template <int kStride, class D>
HWY_INLINE hn::Vec<D> load_columns(D d, const float* x) {
  if (kStride == 1) return hn::LoadU(d, x);
  hn::Vec<D> even, odd;
  hn::LoadInterleaved2(d, x, even, odd);
  return even;
}

// kVectors vectors of consecutive output columns from ow0, all of whose taps
// lie inside the image's columns: every tap is one load per vector.
template <int kVectors, int kStride>
HWY_INLINE void nchw_columns(const DepthwiseJob& j, const float* plane, const float* w, int64_t oh, int64_t ow0,
                             float* y) {
  const hn::ScalableTag<float> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  hn::Vec<decltype(d)> acc[kVectors];
  for (int v = 0; v < kVectors; ++v) acc[v] = hn::Zero(d);
  for (int64_t r = 0; r < j.kh; ++r) {
    const int64_t ih = oh * j.stride_h - j.pad_top + r * j.dilation_h;
    const bool row_inside = ih >= 0 && ih < j.in_h;
    const float* x = plane + (row_inside ? ih : 0) * j.in_w + ow0 * kStride - j.pad_left;
    for (int64_t s = 0; s < j.kw; ++s) {
      const auto wv = hn::Set(d, w[r * j.kw + s]);
      for (int v = 0; v < kVectors; ++v) {
        const auto xv = row_inside ? load_columns<kStride>(d, x + s * j.dilation_w + v * lanes * kStride)
                                   : hn::Zero(d);
        acc[v] = hn::MulAdd(wv, xv, acc[v]);
      }
    }
  }
  for (int v = 0; v < kVectors; ++v) hn::StoreU(acc[v], d, y + ow0 + v * lanes);
}

// The vector columns of a row, [first, end), for stride kStride: four, two
// or one vectors at a time, the last one ending exactly at `end`
// (overlapping the one before; the overlap is computed twice, identically).
template <int kStride>
HWY_INLINE void nchw_vector_columns(const DepthwiseJob& j, const float* plane, const float* w, int64_t oh,
                                    int64_t first, int64_t end, float* y) {
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(hn::ScalableTag<float>()));
  int64_t ow = first;
  for (; ow + 4 * lanes <= end; ow += 4 * lanes) nchw_columns<4, kStride>(j, plane, w, oh, ow, y);
  for (; ow + 2 * lanes <= end; ow += 2 * lanes) nchw_columns<2, kStride>(j, plane, w, oh, ow, y);
  for (; ow + lanes <= end; ow += lanes) nchw_columns<1, kStride>(j, plane, w, oh, ow, y);
  if (ow < end) nchw_columns<1, kStride>(j, plane, w, oh, end - lanes, y);
}

void DepthwiseNchw(const DepthwiseJob& j, const float* input, float* output, size_t task) {
  const int64_t n = static_cast<int64_t>(task) / j.out_channels, o = static_cast<int64_t>(task) % j.out_channels;
  const float* plane = input + (n * j.channels + o / j.multiplier) * j.in_h * j.in_w;
  float* out = output + (n * j.out_channels + o) * j.out_h * j.out_w;
  const float* w = j.weights + o * j.kh * j.kw;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(hn::ScalableTag<float>()));
  // Vector columns (stride 1 or 2): every tap's input columns inside the
  // image, including the odd neighbour that a stride-2 load also reads.
  int64_t first = 0, end = 0;
  if (j.stride_w <= 2) {
    first = (j.pad_left + j.stride_w - 1) / j.stride_w;
    const int64_t last = j.in_w - 1 - (j.kw - 1) * j.dilation_w + j.pad_left - (j.stride_w - 1);
    end = last < 0 ? 0 : last / j.stride_w + 1;
    end = end < j.out_w ? end : j.out_w;
    if (end - first < lanes) end = first;  // too few for one vector: all scalar
  }
  for (int64_t oh = 0; oh < j.out_h; ++oh) {
    float* y = out + oh * j.out_w;
    int64_t ow = 0;
    for (; ow < first && ow < j.out_w; ++ow) y[ow] = nchw_point(j, plane, w, oh, ow);
    if (end > first) {
      if (j.stride_w == 1) {
        nchw_vector_columns<1>(j, plane, w, oh, first, end, y);
      } else {
        nchw_vector_columns<2>(j, plane, w, oh, first, end, y);
      }
      ow = end;
    }
    for (; ow < j.out_w; ++ow) y[ow] = nchw_point(j, plane, w, oh, ow);
    for (int64_t i = 0; i < j.out_w; ++i) {
      const float v = j.bias ? y[i] + j.bias[o] : y[i];
      y[i] = clamp_nan_safe(v, j.min, j.max);
    }
  }
}

void DepthwiseNhwc(const DepthwiseJob& j, const float* input, float* output, size_t task) {
  const int64_t n = static_cast<int64_t>(task) / j.out_h, oh = static_cast<int64_t>(task) % j.out_h;
  const int64_t K = j.out_channels, m = j.multiplier;
  const hn::ScalableTag<float> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  const int64_t vector_end = m == 1 ? K / lanes * lanes : 0;  // channels done a vector at a time
  for (int64_t ow = 0; ow < j.out_w; ++ow) {
    float* y = output + ((n * j.out_h + oh) * j.out_w + ow) * K;
    for (int64_t o = 0; o < K; ++o) y[o] = 0.0f;
    for (int64_t r = 0; r < j.kh; ++r) {
      const int64_t ih = oh * j.stride_h - j.pad_top + r * j.dilation_h;
      for (int64_t s = 0; s < j.kw; ++s) {
        const int64_t iw = ow * j.stride_w - j.pad_left + s * j.dilation_w;
        const float* w = j.weights + (r * j.kw + s) * K;
        const bool inside = ih >= 0 && ih < j.in_h && iw >= 0 && iw < j.in_w;
        const float* x = inside ? input + ((n * j.in_h + ih) * j.in_w + iw) * j.channels : nullptr;
        int64_t o = 0;
        for (; o < vector_end; o += lanes) {
          const auto xv = inside ? hn::LoadU(d, x + o) : hn::Zero(d);
          hn::StoreU(hn::MulAdd(hn::LoadU(d, w + o), xv, hn::LoadU(d, y + o)), d, y + o);
        }
        for (; o < K; ++o) y[o] = __builtin_fmaf(w[o], inside ? x[o / m] : 0.0f, y[o]);
      }
    }
    for (int64_t o = 0; o < K; ++o) {
      const float v = j.bias ? y[o] + j.bias[o] : y[o];
      y[o] = clamp_nan_safe(v, j.min, j.max);
    }
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace xconv
HWY_AFTER_NAMESPACE();

// Defines this target's entry points (declared in depthwise.h); each
// depthwise_<target>.cc is this one line.
#define XCONV_EXPORT_DEPTHWISE(target)                                                                  \
  namespace xconv {                                                                                     \
  void depthwise_nchw_##target(const DepthwiseJob& job, const float* input, float* output, size_t task) { \
    HWY_STATIC_DISPATCH(DepthwiseNchw)(job, input, output, task);                                       \
  }                                                                                                     \
  void depthwise_nhwc_##target(const DepthwiseJob& job, const float* input, float* output, size_t task) { \
    HWY_STATIC_DISPATCH(DepthwiseNhwc)(job, input, output, task);                                       \
  }                                                                                                     \
  }  // namespace xconv

#endif  // XCONV_KERNELS_PATHS_DEPTHWISE_DEPTHWISE_INL_H_
