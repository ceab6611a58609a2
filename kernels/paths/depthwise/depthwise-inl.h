// The depthwise and grouped direct loops (see depthwise.h), written once
// with Highway. Each depthwise_<target>.cc includes this once, compiled for
// one static target; everything lives in xconv::HWY_NAMESPACE, so the
// targets' copies never meet at link time. Highway's MulAdd is fused on
// every target used here (AVX2, AVX3, NEON), like __builtin_fmaf in the
// scalar edges. One file a concern:
//   depthwise_shared-inl.h   what the loops share
//   depthwise_nchw-inl.h     NCHW planes
//   depthwise_nhwc-inl.h     NHWC tiles, the row order and the sweep
//   grouped_nhwc-inl.h       grouped NHWC
#ifndef XCONV_KERNELS_PATHS_DEPTHWISE_DEPTHWISE_INL_H_
#define XCONV_KERNELS_PATHS_DEPTHWISE_DEPTHWISE_INL_H_

#include "kernels/paths/depthwise/depthwise_nchw-inl.h"
#include "kernels/paths/depthwise/depthwise_nhwc-inl.h"
#include "kernels/paths/depthwise/grouped_nhwc-inl.h"

// Defines this target's entry points (declared in depthwise.h); each
// depthwise_<target>.cc is this one line.
#define XCONV_EXPORT_DEPTHWISE(target)                                                                  \
  namespace xconv {                                                                                     \
  void depthwise_nchw_##target(const DepthwiseJob& job, const RunTensors& t, float* scratch, size_t task) { \
    HWY_STATIC_DISPATCH(DepthwiseNchw)(job, t, scratch, task);                                            \
  }                                                                                                       \
  void depthwise_nhwc_##target(const DepthwiseJob& job, const RunTensors& t, float* scratch, size_t task) { \
    HWY_STATIC_DISPATCH(DepthwiseNhwc)(job, t, scratch, task);                                            \
  }                                                                                                       \
  void grouped_nhwc_##target(const DepthwiseJob& job, const RunTensors& t, float* scratch, size_t task) {   \
    HWY_STATIC_DISPATCH(GroupedNhwc)(job, t, scratch, task);                                              \
  }                                                                                                       \
  }  // namespace xconv

#endif  // XCONV_KERNELS_PATHS_DEPTHWISE_DEPTHWISE_INL_H_
