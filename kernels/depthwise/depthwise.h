// Direct depthwise convolution: every group has one input channel (any
// channel multiplier), where a GEMM would have M or N = 1 and waste almost
// every vector lane. Each output element is still one FMA chain over the taps
// (r, s) in order, from 0, then bias and clamp: the same arithmetic as the
// GEMM path with a fused kernel. Padding taps are multiplied as zeros.
//
// The loops are written once with Highway (depthwise-inl.h) and built for
// its AVX2 and AVX3 targets on x86 and NEON on Arm (depthwise_<target>.cc),
// the same targets and CPU checks as the image packers. This header holds
// only data, so no ISA-flagged inline code can leak into baseline callers.
#ifndef XCONV_KERNELS_DEPTHWISE_DEPTHWISE_H_
#define XCONV_KERNELS_DEPTHWISE_DEPTHWISE_H_

#include <cstddef>
#include <cstdint>

namespace xconv {

struct DepthwiseJob {
  int64_t channels, out_channels, multiplier;  // multiplier = out_channels / channels
  int64_t in_h, in_w, out_h, out_w, kh, kw;
  int64_t stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left;
  float min, max;
  const float* weights;  // NCHW: [o][r][s]; NHWC: [r][s][o]
  const float* bias;     // out_channels floats, or NULL
};

// One task: NCHW, one output plane (task = n * out_channels + o); NHWC, one
// output row (task = n * out_h + oh).
using DepthwiseFn = void (*)(const DepthwiseJob& job, const float* input, float* output, size_t task);

void depthwise_nchw_avx2(const DepthwiseJob&, const float*, float*, size_t);
void depthwise_nhwc_avx2(const DepthwiseJob&, const float*, float*, size_t);
void depthwise_nchw_avx3(const DepthwiseJob&, const float*, float*, size_t);
void depthwise_nhwc_avx3(const DepthwiseJob&, const float*, float*, size_t);
void depthwise_nchw_neon(const DepthwiseJob&, const float*, float*, size_t);
void depthwise_nhwc_neon(const DepthwiseJob&, const float*, float*, size_t);

}  // namespace xconv

#endif  // XCONV_KERNELS_DEPTHWISE_DEPTHWISE_H_
