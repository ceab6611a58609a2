// The depthwise loops, included only by depthwise_<isa>.cc. Everything here
// has internal linkage (anonymous namespace) and uses no std:: templates, so
// each ISA's translation unit keeps its own copy (see depthwise.h).
#ifndef XCONV_KERNELS_DEPTHWISE_DEPTHWISE_IMPL_H_
#define XCONV_KERNELS_DEPTHWISE_DEPTHWISE_IMPL_H_

#include "kernels/depthwise/depthwise.h"

namespace xconv {
namespace {

inline float clamp_nan_safe(float y, float lo, float hi) {
  y = lo > y ? lo : y;
  return hi < y ? hi : y;
}

// [lo, hi): the outputs ow whose input column ow * stride + offset is inside [0, width).
inline void valid_columns(int64_t offset, int64_t stride, int64_t width, int64_t outputs, int64_t* lo,
                          int64_t* hi) {
  int64_t first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  int64_t end = offset >= width ? 0 : (width - 1 - offset) / stride + 1;
  first = first < outputs ? first : outputs;
  end = end < outputs ? end : outputs;
  *lo = first;
  *hi = end > first ? end : first;
}

void depthwise_nchw(const DepthwiseJob& j, const float* input, float* output, size_t task) {
  const int64_t n = static_cast<int64_t>(task) / j.out_channels, o = static_cast<int64_t>(task) % j.out_channels;
  const float* plane = input + (n * j.channels + o / j.multiplier) * j.in_h * j.in_w;
  float* out = output + (n * j.out_channels + o) * j.out_h * j.out_w;
  const float* w = j.weights + o * j.kh * j.kw;
  const float bias = j.bias ? j.bias[o] : 0.0f;
  for (int64_t oh = 0; oh < j.out_h; ++oh) {
    float* y = out + oh * j.out_w;
    for (int64_t ow = 0; ow < j.out_w; ++ow) y[ow] = 0.0f;
    for (int64_t r = 0; r < j.kh; ++r) {
      const int64_t ih = oh * j.stride_h - j.pad_top + r * j.dilation_h;
      const bool row_inside = ih >= 0 && ih < j.in_h;
      const float* row = plane + (row_inside ? ih : 0) * j.in_w;
      for (int64_t s = 0; s < j.kw; ++s) {
        const float wv = w[r * j.kw + s];
        const int64_t offset = s * j.dilation_w - j.pad_left;
        int64_t lo = 0, hi = 0;
        if (row_inside) valid_columns(offset, j.stride_w, j.in_w, j.out_w, &lo, &hi);
        for (int64_t ow = 0; ow < lo; ++ow) y[ow] = __builtin_fmaf(wv, 0.0f, y[ow]);
        if (j.stride_w == 1) {
          const float* x = row + offset;
          for (int64_t ow = lo; ow < hi; ++ow) y[ow] = __builtin_fmaf(wv, x[ow], y[ow]);
        } else {
          for (int64_t ow = lo; ow < hi; ++ow) y[ow] = __builtin_fmaf(wv, row[ow * j.stride_w + offset], y[ow]);
        }
        for (int64_t ow = hi; ow < j.out_w; ++ow) y[ow] = __builtin_fmaf(wv, 0.0f, y[ow]);
      }
    }
    for (int64_t ow = 0; ow < j.out_w; ++ow) {
      const float v = j.bias ? y[ow] + bias : y[ow];
      y[ow] = clamp_nan_safe(v, j.min, j.max);
    }
  }
}

void depthwise_nhwc(const DepthwiseJob& j, const float* input, float* output, size_t task) {
  const int64_t n = static_cast<int64_t>(task) / j.out_h, oh = static_cast<int64_t>(task) % j.out_h;
  const int64_t K = j.out_channels, m = j.multiplier;
  for (int64_t ow = 0; ow < j.out_w; ++ow) {
    float* y = output + ((n * j.out_h + oh) * j.out_w + ow) * K;
    for (int64_t o = 0; o < K; ++o) y[o] = 0.0f;
    for (int64_t r = 0; r < j.kh; ++r) {
      const int64_t ih = oh * j.stride_h - j.pad_top + r * j.dilation_h;
      for (int64_t s = 0; s < j.kw; ++s) {
        const int64_t iw = ow * j.stride_w - j.pad_left + s * j.dilation_w;
        const float* w = j.weights + (r * j.kw + s) * K;
        if (ih < 0 || ih >= j.in_h || iw < 0 || iw >= j.in_w) {
          for (int64_t o = 0; o < K; ++o) y[o] = __builtin_fmaf(w[o], 0.0f, y[o]);
        } else {
          const float* x = input + ((n * j.in_h + ih) * j.in_w + iw) * j.channels;
          if (m == 1) {
            for (int64_t o = 0; o < K; ++o) y[o] = __builtin_fmaf(w[o], x[o], y[o]);
          } else {
            for (int64_t o = 0; o < K; ++o) y[o] = __builtin_fmaf(w[o], x[o / m], y[o]);
          }
        }
      }
    }
    for (int64_t o = 0; o < K; ++o) {
      const float v = j.bias ? y[o] + j.bias[o] : y[o];
      y[o] = clamp_nan_safe(v, j.min, j.max);
    }
  }
}

}  // namespace
}  // namespace xconv

#endif  // XCONV_KERNELS_DEPTHWISE_DEPTHWISE_IMPL_H_
