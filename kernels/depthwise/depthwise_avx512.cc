// The depthwise loops compiled with avx512 flags (see depthwise.h).
#include "kernels/depthwise/depthwise_impl.h"

namespace xconv {

void depthwise_nchw_avx512(const DepthwiseJob& job, const float* input, float* output, size_t task) {
  depthwise_nchw(job, input, output, task);
}

void depthwise_nhwc_avx512(const DepthwiseJob& job, const float* input, float* output, size_t task) {
  depthwise_nhwc(job, input, output, task);
}

}  // namespace xconv
