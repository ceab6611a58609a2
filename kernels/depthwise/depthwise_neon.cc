// The depthwise loops for Highway's neon target (see depthwise.h).
#include "kernels/depthwise/depthwise-inl.h"

namespace xconv {

void depthwise_nchw_neon(const DepthwiseJob& job, const float* input, float* output, size_t task) {
  HWY_STATIC_DISPATCH(DepthwiseNchw)(job, input, output, task);
}

void depthwise_nhwc_neon(const DepthwiseJob& job, const float* input, float* output, size_t task) {
  HWY_STATIC_DISPATCH(DepthwiseNhwc)(job, input, output, task);
}

}  // namespace xconv
