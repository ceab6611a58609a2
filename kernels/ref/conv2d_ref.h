// The scalar reference: a naive direct convolution with double accumulation,
// written for clarity, never for speed. It serves the tests and the tools
// only (it lives in its own library, xconv_ref, outside libxconv.a).
#ifndef XCONV_KERNELS_REF_CONV2D_REF_H_
#define XCONV_KERNELS_REF_CONV2D_REF_H_

#include <cstddef>
#include <vector>

#include "xconv/xconv.h"

namespace xconv::ref {

struct RefResult {
  std::vector<double> output;     // y, in the descriptor's output layout, dense
  std::vector<double> magnitude;  // sum_k |w * x| + |bias| + |scale * residual|, times
                                  // max(1, |slope|): scales the error bound
};

// desc must be valid (see xconv_conv2d_output_size). bias may be NULL;
// residual (the output's layout and strides) is read when desc.has_residual
// is set. The input is read through its strides; the result is dense.
// The post-ops as xconv.h defines them: y = conv + bias + residual_scale *
// residual, then the negative slope, then the clamp.
RefResult conv2d(const xconv_conv2d_desc& desc, const float* input, const float* weights,
                 const float* bias, const float* residual = nullptr);

// The error bound of docs/DESIGN.md, "Numerics", for one element: a sum of `depth`
// products rounded in float, then the bias added and the result stored:
// |y - y_ref| <= (depth + 2) * 2^-24 * magnitude.
double error_bound(size_t depth, double magnitude);

}  // namespace xconv::ref

#endif  // XCONV_KERNELS_REF_CONV2D_REF_H_
