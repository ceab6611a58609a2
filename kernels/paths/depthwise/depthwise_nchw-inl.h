// The depthwise loops over NCHW planes (see depthwise.h): each task copies
// its input plane with the padding as zeros, then every output vector of a
// row runs the same loop over the taps. Written once with Highway.
#ifndef XCONV_KERNELS_PATHS_DEPTHWISE_DEPTHWISE_NCHW_INL_H_
#define XCONV_KERNELS_PATHS_DEPTHWISE_DEPTHWISE_NCHW_INL_H_

#include <string.h>

#include <hwy/highway.h>

#include "kernels/paths/depthwise/depthwise_shared-inl.h"

HWY_BEFORE_NAMESPACE();
namespace xconv {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Input columns ow * kStride + offset for `lanes` consecutive outputs: one
// load for stride 1; for stride 2 the even half of an interleaved load, which
// also reads the odd neighbour of the last column (the padded plane has room).
template <int kStride, class D>
HWY_INLINE hn::Vec<D> load_columns(D d, const float* x) {
  if (kStride == 1) return hn::LoadU(d, x);
  hn::Vec<D> even, odd;
  hn::LoadInterleaved2(d, x, even, odd);
  return even;
}

// Copies the input plane into the padded plane (DepthwiseJob::padded_*):
// row ih + pad_top, column iw + pad_left, zeros everywhere else.
HWY_INLINE void pad_plane(const DepthwiseJob& j, const float* plane, float* padded) {
  const int64_t copy = j.padded_w - j.pad_left < j.in_w ? j.padded_w - j.pad_left : j.in_w;
  for (int64_t r = 0; r < j.padded_h; ++r) {
    float* row = padded + r * j.padded_w;
    const int64_t ih = r - j.pad_top;
    if (ih < 0 || ih >= j.in_h || copy <= 0) {
      memset(row, 0, static_cast<size_t>(j.padded_w) * sizeof(float));
      continue;
    }
    memset(row, 0, static_cast<size_t>(j.pad_left) * sizeof(float));
    memcpy(row + j.pad_left, plane + ih * j.in_w, static_cast<size_t>(copy) * sizeof(float));
    memset(row + j.pad_left + copy, 0, static_cast<size_t>(j.padded_w - j.pad_left - copy) * sizeof(float));
  }
}

// kVectors output vectors of row oh from column ow0, read from the padded
// plane: every tap is one load per vector, no edge cases.
template <int kVectors, int kStride, class D>
HWY_INLINE void nchw_vectors(const DepthwiseJob& j, const float* padded, const float* w, const Finish<D>& finish,
                             int64_t oh, int64_t ow0, float* y, const float* r) {
  const D d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  hn::Vec<D> acc[kVectors];
  for (int v = 0; v < kVectors; ++v) {
    const int64_t col = ow0 + v * lanes;
    acc[v] = chain_start(d, j, r ? r + col : nullptr, static_cast<size_t>(j.out_w - col));
  }
  for (int64_t r = 0; r < j.kh; ++r) {
    const float* row = padded + (oh * j.stride_h + r * j.dilation_h) * j.padded_w + ow0 * kStride;
    for (int64_t s = 0; s < j.kw; ++s) {
      const auto wv = hn::Set(d, w[r * j.kw + s]);
      const float* x = row + s * j.dilation_w;
      for (int v = 0; v < kVectors; ++v) acc[v] = hn::MulAdd(wv, load_columns<kStride>(d, x + v * lanes * kStride), acc[v]);
    }
  }
  for (int v = 0; v < kVectors; ++v) {
    const int64_t col = ow0 + v * lanes;
    store_first(d, finish(acc[v]), static_cast<size_t>(j.out_w - col), y + col);
  }
}

template <int kStride, class D>
HWY_INLINE void nchw_row(const DepthwiseJob& j, const float* padded, const float* w, const Finish<D>& f, int64_t oh,
                         float* y, const float* r) {
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(D()));
  int64_t ow = 0;
  for (; ow + 4 * lanes <= j.out_w; ow += 4 * lanes) nchw_vectors<4, kStride>(j, padded, w, f, oh, ow, y, r);
  switch ((j.out_w - ow + lanes - 1) / lanes) {  // the rest, the last vector partly stored
    case 4: nchw_vectors<4, kStride>(j, padded, w, f, oh, ow, y, r); break;
    case 3: nchw_vectors<3, kStride>(j, padded, w, f, oh, ow, y, r); break;
    case 2: nchw_vectors<2, kStride>(j, padded, w, f, oh, ow, y, r); break;
    case 1: nchw_vectors<1, kStride>(j, padded, w, f, oh, ow, y, r); break;
    default: break;
  }
}

// One output value of an NCHW plane (strides above 2).
HWY_INLINE float nchw_point(const DepthwiseJob& j, const float* plane, const float* w, int64_t oh, int64_t ow,
                            float start) {
  return tap_chain(j, oh, ow, start, [&](int64_t ih, int64_t iw) { return plane[ih * j.in_w + iw]; },
                   [&](int64_t r, int64_t s) { return w[r * j.kw + s]; });
}

void DepthwiseNchw(const DepthwiseJob& j, const RunTensors& t, float* scratch, size_t task) {
  const int64_t n = static_cast<int64_t>(task) / j.out_channels, o = static_cast<int64_t>(task) % j.out_channels;
  const float* plane = t.input + n * j.in_image_stride + o / j.multiplier * j.in_stride;
  const int64_t out_offset = n * j.out_image_stride + o * j.out_stride;
  float* out = t.output + out_offset;
  const float* res = t.residual ? t.residual + out_offset : nullptr;
  const float* w = j.weights + o * j.kh * j.kw;
  if (j.padded_w == 0) {  // no padded plane planned (stride above 2): tap by tap
    for (int64_t i = 0; i < j.out_h * j.out_w; ++i) {
      const float v = nchw_point(j, plane, w, i / j.out_w, i % j.out_w, point_start(j, res ? res + i : nullptr));
      out[i] = finish_point(j, o, v);
    }
    return;
  }
  const hn::ScalableTag<float> d;
  const Finish<decltype(d)> finish(d, j, o, false);
  pad_plane(j, plane, scratch);
  for (int64_t oh = 0; oh < j.out_h; ++oh) {
    const float* r = res ? res + oh * j.out_w : nullptr;
    if (j.stride_w == 1) {
      nchw_row<1>(j, scratch, w, finish, oh, out + oh * j.out_w, r);
    } else {
      nchw_row<2>(j, scratch, w, finish, oh, out + oh * j.out_w, r);
    }
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace xconv
HWY_AFTER_NAMESPACE();

#endif  // XCONV_KERNELS_PATHS_DEPTHWISE_DEPTHWISE_NCHW_INL_H_
