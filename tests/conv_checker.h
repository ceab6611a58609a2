// Shared by the conv-level tests: random descriptors covering every
// parameter, and a checker that runs xconv with guard bands around the output
// and compares every element with the scalar reference within its bound.
#ifndef XCONV_TESTS_CONV_CHECKER_H_
#define XCONV_TESTS_CONV_CHECKER_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tests/test_seed.h"
#include "xconv/xconv.h"

namespace xconv::test {

struct ConvCase {
  xconv_conv2d_desc desc;  // negative_slopes stays NULL: see prelu
  bool bias = true;
  bool prelu = false;      // per-channel slopes from ConvData (desc_with)
  bool residual_in_place = false;  // with desc.has_residual: the residual is the output buffer
  uint64_t seed = 0;  // of the data (and, for random cases, of the shape)
  // Where the output starts: -1 where the allocator puts it (after the
  // guard band), else this many floats past a 64-byte boundary (paths that
  // take aligned outputs their own way, like streamed stores).
  int output_line_offset = -1;
};

// A random valid case: batch, groups (depthwise too), channels, sizes,
// kernel, stride, dilation, asymmetric padding, both layouts, all weight
// layouts, bias on/off, a clamp, the post-ops: a residual (separate or in
// place), leaky ReLU, PReLU; and input/output strides.
ConvCase random_case(uint64_t seed);

std::string describe(const ConvCase& c);

// Plan options varied with the case's seed: threads 1-3, sometimes tiny
// blocks (so K-block, MC and NC edges are crossed on small shapes), and
// sometimes a forced kernel of the ISA that fits the layout, so that every
// kernel and both GEMM paths of NHWC (packed with a GEMM kernel, indirect
// with an IGEMM kernel) are reached.
xconv_plan_options random_options(const ConvCase& c, xconv_isa isa);

// Every ISA this CPU can run, for tests parameterised over ISAs, and their
// test names.
std::vector<xconv_isa> runnable_isas();
std::string isa_param_name(const ::testing::TestParamInfo<xconv_isa>& info);

// Seeded random tensors for a valid descriptor, values in [-1, 1).
struct ConvData {
  std::vector<float> input, weights, bias, slopes, residual;  // input and residual: their spans
  size_t output_count = 0;  // floats the output spans (its elements, and the gaps of strides)
};
ConvData random_data(const xconv_conv2d_desc& desc, uint64_t seed);

// The case's descriptor with its PReLU slopes pointing into data.
xconv_conv2d_desc desc_with(const ConvCase& c, const ConvData& data);

// Runs a plan of the case on input, into output, with the case's residual
// (`residual`, default data.residual; in place: copied into output first).
xconv_status run_case(const xconv_plan* plan, const ConvCase& c, const ConvData& data, const float* input,
                      float* output, const float* residual = nullptr);

// Case c's output from a plan of the ISA on `threads` threads, all of them
// used, and the plan's description; empty (after a failure) when the plan
// cannot be made or run.
std::vector<float> output_on_threads(const ConvCase& c, const ConvData& data, xconv_isa isa, int threads,
                                     const float* bias, std::string* description);

// Runs the case and checks it: status OK, guard bands before and after the
// output intact, output pre-filled with NaN fully overwritten, and every
// element within ref::error_bound of the reference.
::testing::AssertionResult check_case(const ConvCase& c, const xconv_plan_options& options);

}  // namespace xconv::test

#endif  // XCONV_TESTS_CONV_CHECKER_H_
