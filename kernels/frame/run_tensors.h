// The tensors of one run, as every path receives them.
#ifndef XCONV_KERNELS_FRAME_RUN_TENSORS_H_
#define XCONV_KERNELS_FRAME_RUN_TENSORS_H_

#include <cstdint>

namespace xconv {

struct RunTensors {
  const float* input;
  float* output;
  // NULL, or the residual: the output's layout and strides, possibly the
  // output itself (each element is read before that element is written).
  const float* residual;
  int64_t batch;  // images in this run: the plan's, or fewer
};

}  // namespace xconv

#endif  // XCONV_KERNELS_FRAME_RUN_TENSORS_H_
