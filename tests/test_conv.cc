// Conv-level correctness: the seed's cases, 500+ random shapes per ISA
// against the scalar reference, and results that do not depend on threads.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "kernels/frame/kernel_table.h"
#include "tests/conv_checker.h"
#include "xconv/xconv.h"

namespace xconv::test {
namespace {

ConvCase seed_case(int64_t in_hw, int64_t out_channels, bool bias) {
  ConvCase c;
  xconv_conv2d_desc_init(&c.desc);
  c.desc.batch = 1;
  c.desc.in_channels = 3;
  c.desc.in_height = c.desc.in_width = in_hw;
  c.desc.out_channels = out_channels;
  c.desc.kernel_height = c.desc.kernel_width = 3;
  c.desc.pad_top = c.desc.pad_left = c.desc.pad_bottom = c.desc.pad_right = 1;
  c.bias = bias;
  c.seed = 42;
  return c;
}

// Runs case c, with weight `nan_weight` set to NaN, through plans with the
// options `tested` and `model`: the bits must be the same, NaN for NaN (and
// some NaN, so that the weight was read), then `tested` must stay within the
// reference's bound. Returns false when `tested` is refused as unable to
// serve the case (an ISA without the path's loops).
bool same_bits_as_model(const ConvCase& c, size_t nan_weight, const xconv_plan_options& tested,
                        const xconv_plan_options& model) {
  ConvData data = random_data(c.desc, c.seed);
  data.weights[nan_weight] = NAN;
  const xconv_conv2d_desc desc = desc_with(c, data);
  xconv_plan* plan = nullptr;
  if (xconv_plan_create(&desc, data.weights.data(), data.bias.data(), &tested, &plan) != XCONV_OK) {
    EXPECT_NE(std::string(xconv_last_error()).find("cannot serve"), std::string::npos) << xconv_last_error();
    return false;
  }
  EXPECT_NE(std::string(xconv_plan_describe(plan)).find(std::string("path=") + tested.path), std::string::npos);
  std::vector<float> got(data.output_count, 1.0f), want(data.output_count, 1.0f);
  EXPECT_EQ(run_case(plan, c, data, data.input.data(), got.data()), XCONV_OK) << xconv_last_error();
  xconv_plan_destroy(plan);
  EXPECT_EQ(xconv_plan_create(&desc, data.weights.data(), data.bias.data(), &model, &plan), XCONV_OK)
      << xconv_last_error();
  if (plan == nullptr) return true;
  EXPECT_EQ(run_case(plan, c, data, data.input.data(), want.data()), XCONV_OK);
  xconv_plan_destroy(plan);
  size_t nans = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    nans += std::isnan(want[i]);
    const bool same = std::isnan(got[i]) ? std::isnan(want[i]) : std::memcmp(&got[i], &want[i], sizeof(float)) == 0;
    if (!same) {
      ADD_FAILURE() << describe(c) << ": element " << i << " is " << got[i] << ", the " << model.path << " path's "
                    << want[i];
      return true;
    }
  }
  EXPECT_GT(nans, 0u) << describe(c);
  EXPECT_TRUE(check_case(c, tested)) << describe(c);
  return true;
}

class EveryIsa : public ::testing::TestWithParam<xconv_isa> {};

TEST_P(EveryIsa, SeedCases) {
  for (xconv_layout layout : {XCONV_LAYOUT_NCHW, XCONV_LAYOUT_NHWC}) {
    for (ConvCase c : {seed_case(5, 2, true), seed_case(5, 2, false), seed_case(55, 20, true)}) {
      c.desc.layout = layout;
      xconv_plan_options options;
      xconv_plan_options_init(&options);
      options.isa = GetParam();
      EXPECT_TRUE(check_case(c, options)) << describe(c);
    }
  }
}

TEST_P(EveryIsa, RandomShapesMatchReference) {
  constexpr int kShapes = 500;
  const uint64_t base = base_seed() + static_cast<uint64_t>(GetParam()) * 1000003u;
  int failures = 0;
  for (int i = 0; i < kShapes && failures < 5; ++i) {
    const ConvCase c = random_case(base + i);
    const ::testing::AssertionResult result = check_case(c, random_options(c, GetParam()));
    if (!result) ++failures;
    EXPECT_TRUE(result) << xconv_isa_name(GetParam()) << " " << describe(c);
  }
}

// 1x1 layers without padding read each tile row's input pixel directly
// (indirect_gemm.cc, Taps::pointwise): strides, images that the tiles run
// across, and gaps between pixels and images.
TEST_P(EveryIsa, PointwiseNhwc) {
  int n = 0;
  for (int64_t stride : {1, 2}) {
    for (int64_t channels : {5, 64}) {
      for (bool gaps : {false, true}) {
        ConvCase c;
        xconv_conv2d_desc& d = c.desc;
        xconv_conv2d_desc_init(&d);
        d.layout = XCONV_LAYOUT_NHWC;
        d.batch = 3;
        d.in_channels = channels;
        d.out_channels = 24;
        d.in_height = 5;
        d.in_width = 7;
        d.kernel_height = d.kernel_width = 1;
        d.stride_height = d.stride_width = stride;
        if (gaps) {
          d.input_stride = channels + 3;
          d.input_image_stride = d.in_height * d.in_width * d.input_stride + 11;
        }
        d.has_residual = ++n % 2 == 0;
        c.seed = static_cast<uint64_t>(n);
        xconv_plan_options o;
        xconv_plan_options_init(&o);
        o.isa = GetParam();
        if (GetParam() != XCONV_ISA_HWY) o.path = "indirect_gemm";  // the Highway fallback has no IGEMM kernel
        EXPECT_TRUE(check_case(c, o)) << describe(c);
      }
    }
  }
}

// The indirect path leaves out kernel rows that are padding for a whole
// tile (indirect_gemm.h): with every IGEMM kernel of the ISA (tiles of
// different heights meet the top and bottom rows differently), the bits
// equal those of the same plan with a residual of +0, which multiplies
// every padding zero; a NaN weight in a kernel's first row reaches the top
// row's outputs, as the reference's padding zeros make it.
TEST_P(EveryIsa, PaddingRowsSkippedWithTheSameBits) {
  struct Shape { int64_t h, w, k, stride, pad, dilation; };
  const Shape shapes[] = {{7, 7, 3, 1, 1, 1}, {14, 14, 3, 1, 1, 1}, {9, 5, 3, 2, 1, 1}, {8, 8, 3, 1, 2, 2},
                          {5, 6, 5, 1, 2, 1}, {4, 4, 3, 1, 4, 1}};  // the last: rows wholly in padding
  int n = 0;
  for (size_t i = 0; i < kernel_count(); ++i) {
    const KernelInfo& k = kernel_at(i);
    if (k.isa != GetParam() || k.family != KernelFamily::kIgemm) continue;
    for (const Shape& sh : shapes) {
      ConvCase c;
      xconv_conv2d_desc& d = c.desc;
      xconv_conv2d_desc_init(&d);
      d.layout = XCONV_LAYOUT_NHWC;
      d.batch = 2;
      d.in_channels = 5 + n % 3;
      d.out_channels = 19;
      d.in_height = sh.h, d.in_width = sh.w;
      d.kernel_height = d.kernel_width = sh.k;
      d.stride_height = d.stride_width = sh.stride;
      d.pad_top = d.pad_bottom = d.pad_left = d.pad_right = sh.pad;
      d.dilation_height = d.dilation_width = sh.dilation;
      c.seed = static_cast<uint64_t>(++n);
      xconv_plan_options o;
      xconv_plan_options_init(&o);
      o.isa = GetParam();
      o.kernel = k.name;
      EXPECT_TRUE(check_case(c, o)) << k.name << "; " << describe(c);

      ConvData data = random_data(d, c.seed);
      std::vector<float> skipped(data.output_count), multiplied(data.output_count);
      xconv_plan* plan = nullptr;
      ASSERT_EQ(xconv_plan_create(&d, data.weights.data(), data.bias.data(), &o, &plan), XCONV_OK) << xconv_last_error();
      ASSERT_EQ(run_case(plan, c, data, data.input.data(), skipped.data()), XCONV_OK);
      xconv_plan_destroy(plan);
      ConvCase with_zero_residual = c;
      with_zero_residual.desc.has_residual = 1;
      std::vector<float> zeros(data.output_count, 0.0f);
      ASSERT_EQ(xconv_plan_create(&with_zero_residual.desc, data.weights.data(), data.bias.data(), &o, &plan), XCONV_OK);
      ASSERT_EQ(run_case(plan, with_zero_residual, data, data.input.data(), multiplied.data(), zeros.data()), XCONV_OK);
      xconv_plan_destroy(plan);
      ASSERT_EQ(0, std::memcmp(skipped.data(), multiplied.data(), skipped.size() * sizeof(float)))
          << k.name << "; " << describe(c);

      data.weights[0] = NAN;  // output channel 0, kernel row 0: every top-row output of channel 0 is NaN
      ASSERT_EQ(xconv_plan_create(&d, data.weights.data(), data.bias.data(), &o, &plan), XCONV_OK);
      ASSERT_EQ(run_case(plan, c, data, data.input.data(), skipped.data()), XCONV_OK);
      xconv_plan_destroy(plan);
      for (int64_t ow = 0; ow < (sh.w + 2 * sh.pad - sh.dilation * (sh.k - 1) - 1) / sh.stride + 1; ++ow) {
        EXPECT_TRUE(std::isnan(skipped[static_cast<size_t>(ow * d.out_channels)])) << k.name << " ow " << ow;
      }
    }
    // A residual of -0 keeps every tap: multiplied, the top row's padding
    // taps (weight +1, input +0) turn the chain's -0 into +0 before the
    // other rows (weight -1) add their -0s; left out, the output is -0.
    xconv_conv2d_desc d;
    xconv_conv2d_desc_init(&d);
    d.layout = XCONV_LAYOUT_NHWC;
    d.batch = 1;
    d.in_channels = 2;  // not depthwise
    d.out_channels = 1;
    d.in_height = d.in_width = 4;
    d.kernel_height = d.kernel_width = 3;
    d.pad_top = d.pad_bottom = d.pad_left = d.pad_right = 1;
    d.has_residual = 1;
    const float w[18] = {1, 1, 1, -1, -1, -1, -1, -1, -1, 1, 1, 1, -1, -1, -1, -1, -1, -1};
    std::vector<float> in(32, 0.0f), residual(16, -0.0f), out(16, NAN);
    xconv_plan_options o;
    xconv_plan_options_init(&o);
    o.isa = GetParam();
    o.kernel = k.name;
    xconv_plan* plan = nullptr;
    ASSERT_EQ(xconv_plan_create(&d, w, nullptr, &o, &plan), XCONV_OK) << xconv_last_error();
    ASSERT_NE(std::string(xconv_plan_describe(plan)).find("path=indirect_gemm"), std::string::npos);
    xconv_run_args args;
    xconv_run_args_init(&args);
    args.input = in.data(), args.output = out.data(), args.residual = residual.data();
    ASSERT_EQ(xconv_plan_execute(plan, &args), XCONV_OK);
    xconv_plan_destroy(plan);
    for (int i = 0; i < 16; ++i) {
      EXPECT_TRUE(out[i] == 0.0f && !std::signbit(out[i])) << k.name << " output " << i << " is " << out[i];
    }
  }
}

// The implicit GEMM (kernels/paths/implicit/implicit_gemm.h) computes the
// packed path's chains with one K block (K blocks of the packed path as
// deep as the reduction, up to 512): the same bits, NaN for NaN, over
// strides 1 to 4 (its column phases), dilation, padding wider than the
// kernel, rows that end mid-vector, output channels that end mid-tile (each
// tile size), a residual, PReLU and a clamp. Where this ISA has no loops
// for it, the option is refused.
// A layer of one group for the implicit GEMM's checks, the n-th of its
// list: batch 2, more padding before than after, and by n a residual, a
// clamp or PReLU.
struct ImplicitShape { int64_t c, k, h, w, kh, kw, stride_h, stride_w, dilation, pad; };
ConvCase implicit_case(const ImplicitShape& sh, xconv_layout layout, int n) {
  ConvCase c;
  xconv_conv2d_desc& d = c.desc;
  xconv_conv2d_desc_init(&d);
  d.layout = layout;
  d.batch = 2;
  d.in_channels = sh.c, d.out_channels = sh.k;
  d.in_height = sh.h, d.in_width = sh.w;
  d.kernel_height = sh.kh, d.kernel_width = sh.kw;
  d.stride_height = sh.stride_h, d.stride_width = sh.stride_w;
  d.dilation_height = d.dilation_width = sh.dilation;
  d.pad_top = d.pad_left = sh.pad;
  d.pad_bottom = d.pad_right = sh.pad / 2;
  d.has_residual = n % 2;
  d.output_min = n % 3 == 0 ? -0.25f : -HUGE_VALF;
  c.prelu = n % 3 == 1;
  c.seed = static_cast<uint64_t>(n);
  return c;
}

// Each shape, the n-th of its list, through the implicit GEMM and through
// `reference_path` on the same ISA: the same bits (the indirect path in one
// K block; the packed path's blocks are as deep as these reductions).
template <size_t N>
void implicit_matches(const ImplicitShape (&shapes)[N], xconv_layout layout, const char* reference_path,
                      xconv_isa isa) {
  int n = 0;
  for (const ImplicitShape& sh : shapes) {
    const ConvCase c = implicit_case(sh, layout, ++n);
    xconv_plan_options implicit, reference;
    xconv_plan_options_init(&implicit);
    implicit.isa = isa;
    implicit.path = "implicit_gemm";
    reference = implicit;
    reference.path = reference_path;
    if (layout == XCONV_LAYOUT_NHWC) reference.kc = sh.c * sh.kh * sh.kw;  // one K block

    same_bits_as_model(c, static_cast<size_t>(n), implicit, reference);  // n: one output channel's chain
  }
}

TEST_P(EveryIsa, ImplicitGemmMatchesThePackedPathBits) {
  const ImplicitShape shapes[] = {{3, 20, 55, 55, 3, 3, 1, 1, 1, 1}, {3, 64, 37, 41, 7, 7, 2, 2, 1, 3},
                                  {1, 7, 9, 70, 3, 5, 1, 3, 1, 2},    {5, 1, 12, 17, 2, 3, 2, 4, 2, 0},
                                  {2, 13, 6, 33, 3, 3, 3, 1, 2, 4},   {16, 24, 8, 16, 3, 3, 1, 1, 1, 1},
                                  {4, 17, 5, 5, 1, 3, 1, 2, 1, 1},    {3, 8, 20, 40, 3, 3, 2, 2, 1, 2},
                                  {40, 9, 6, 40, 3, 3, 1, 1, 1, 1},   // a deep reduction on wide rows
                                  {2, 11, 4, 75, 3, 3, 1, 1, 1, 1}};  // a row of 10 (AVX2) or 5 vectors: its rest split
  implicit_matches(shapes, XCONV_LAYOUT_NCHW, "packed_gemm", GetParam());
}

// Over NHWC images the implicit GEMM computes the indirect path's chains,
// (r, s, c) in order with one K block: the same bits, NaN for NaN. Few
// input channels (the layouts the path takes); output channels from 1 to
// 64, so that every tile width (1 to 4 vectors) and a last vector cut short
// come up; strides 1 to 5, dilation, padding wider than the kernel, rows
// that end mid-tile, a residual, PReLU and a clamp.
TEST_P(EveryIsa, ImplicitGemmNhwcMatchesTheIndirectPathBits) {
  const ImplicitShape shapes[] = {{3, 20, 55, 55, 3, 3, 1, 1, 1, 1}, {3, 64, 37, 41, 7, 7, 2, 2, 1, 3},
                                  {1, 7, 9, 70, 3, 5, 1, 3, 1, 2},    {4, 1, 12, 17, 2, 3, 2, 5, 2, 0},
                                  {2, 13, 6, 33, 3, 3, 3, 1, 2, 4},   {4, 33, 8, 16, 3, 3, 1, 1, 1, 1},
                                  {4, 17, 5, 5, 1, 3, 1, 2, 1, 1},    {3, 48, 20, 40, 3, 3, 2, 2, 1, 2},
                                  {2, 40, 6, 29, 5, 5, 1, 1, 1, 2}};
  implicit_matches(shapes, XCONV_LAYOUT_NHWC, "indirect_gemm", GetParam());
}

// The grouped direct loops (depthwise.h) compute the indirect GEMM's
// chains, taps then a group's input channels, from the residual: with one
// K block the bits are the same, NaN for NaN. 3-wide kernels at stride 1
// take the column tiles (grouped_nhwc-inl.h, grouped_columns) and the other
// shapes the per-tap blocks, except on AVX2 where square groups of 8 (a
// vector) take the broadcast tiles (grouped_broadcast) whatever the kernel;
// rows of 14, 7 and other widths, padding on both edges, square groups of
// 8, 4 and 2 (on x86 their column tiles shuffle by immediates:
// square_group_channel) and groups of 2 inputs to 4 outputs, PReLU and a
// clamp.
// Where the ISA's vectors do not hold whole groups the option is refused.
TEST_P(EveryIsa, GroupedDirectMatchesTheIndirectPathBits) {
  struct Shape { int64_t groups, group_in, group_out, h, w, kh, kw, stride, pad; };
  const Shape shapes[] = {{32, 8, 8, 6, 30, 3, 3, 1, 1}, {32, 8, 8, 5, 14, 3, 3, 1, 1}, {8, 4, 4, 4, 23, 3, 3, 1, 1},
                          {16, 2, 4, 3, 7, 3, 3, 1, 0},  {8, 8, 8, 9, 17, 3, 3, 2, 1},  {8, 4, 4, 6, 11, 3, 5, 1, 2},
                          {16, 2, 2, 4, 16, 3, 3, 1, 1}, {16, 8, 8, 7, 21, 3, 5, 1, 2}};
  int n = 0;
  for (const Shape& sh : shapes) {
    ConvCase c;
    xconv_conv2d_desc& d = c.desc;
    xconv_conv2d_desc_init(&d);
    d.layout = XCONV_LAYOUT_NHWC;
    d.batch = 2;
    d.groups = sh.groups;
    d.in_channels = sh.groups * sh.group_in, d.out_channels = sh.groups * sh.group_out;
    d.in_height = sh.h, d.in_width = sh.w;
    d.kernel_height = sh.kh, d.kernel_width = sh.kw;
    d.stride_height = d.stride_width = sh.stride;
    d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = sh.pad;
    d.has_residual = 1;  // a start other than 0: the indirect path leaves out padding rows, -0 chains aside
    d.output_min = ++n % 2 ? -0.25f : -HUGE_VALF;
    c.prelu = n % 3 == 0;
    c.seed = static_cast<uint64_t>(n);
    xconv_plan_options grouped, indirect;
    xconv_plan_options_init(&grouped);
    grouped.isa = GetParam();
    grouped.path = "grouped_direct";
    indirect = grouped;
    indirect.path = "indirect_gemm";
    indirect.kc = sh.group_in * sh.kh * sh.kw;  // one K block

    same_bits_as_model(c, static_cast<size_t>(n), grouped, indirect);  // n: one output channel's chain
  }
}

// Threads split output tiles, never K: the bits must not depend on the count.
TEST_P(EveryIsa, ThreadCountDoesNotChangeBits) {
  for (int i = 0; i < 20; ++i) {
    ConvCase c = random_case(base_seed() + 7919u * i);
    c.desc.batch = 2;
    const ConvData data = random_data(c.desc, c.seed);
    std::vector<float> first;
    for (int threads : {1, 2, 3, 5}) {
      std::string description;
      const std::vector<float> out = output_on_threads(c, data, GetParam(), threads, nullptr, &description);
      ASSERT_FALSE(out.empty());
      if (first.empty()) {
        first = out;
      } else {
        ASSERT_EQ(0, std::memcmp(first.data(), out.data(), out.size() * sizeof(float)))
            << threads << " threads differ from 1; " << describe(c);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Conv, EveryIsa, ::testing::ValuesIn(runnable_isas()), isa_param_name);

TEST(Conv, OneShotMatchesPlan) {
  const ConvCase c = seed_case(55, 20, true);
  std::vector<float> in(3 * 55 * 55, 0.5f), w(20 * 3 * 9, -0.25f), b(20, 1.0f);
  std::vector<float> a(20 * 55 * 55), p(20 * 55 * 55);
  ASSERT_EQ(xconv_conv2d(&c.desc, in.data(), w.data(), b.data(), a.data()), XCONV_OK);
  xconv_plan* plan = nullptr;
  ASSERT_EQ(xconv_plan_create(&c.desc, w.data(), b.data(), nullptr, &plan), XCONV_OK);
  ASSERT_EQ(xconv_plan_run(plan, in.data(), p.data(), nullptr), XCONV_OK);
  xconv_plan_destroy(plan);
  EXPECT_EQ(0, std::memcmp(a.data(), p.data(), a.size() * sizeof(float)));
  EXPECT_FLOAT_EQ(a[0], 1.0f - 0.5f * 0.25f * 12);  // corner: 4 taps x 3 channels
}

TEST(Conv, CallerWorkspaceAndWeightsFreedAfterCreate) {
  ConvCase c = seed_case(55, 20, true);
  std::vector<float> in(3 * 55 * 55, 1.0f), out_internal(20 * 55 * 55), out_caller(20 * 55 * 55);
  auto w = std::make_unique<std::vector<float>>(20 * 27, 0.125f);
  std::vector<float> b(20, 0.5f);
  xconv_plan_options o;
  xconv_plan_options_init(&o);
  o.num_threads = 2;
  xconv_plan* plan = nullptr;
  ASSERT_EQ(xconv_plan_create(&c.desc, w->data(), b.data(), &o, &plan), XCONV_OK);
  w.reset();  // the plan owns a packed copy
  b.assign(20, NAN);
  std::vector<unsigned char> workspace(xconv_plan_workspace_size(plan) + 64);
  void* aligned = workspace.data() + (64 - reinterpret_cast<uintptr_t>(workspace.data()) % 64) % 64;
  ASSERT_EQ(xconv_plan_run(plan, in.data(), out_caller.data(), aligned), XCONV_OK);
  ASSERT_EQ(xconv_plan_run(plan, in.data(), out_internal.data(), nullptr), XCONV_OK);
  xconv_plan_destroy(plan);
  EXPECT_EQ(0, std::memcmp(out_caller.data(), out_internal.data(), out_caller.size() * sizeof(float)));
  EXPECT_FLOAT_EQ(out_caller[56], 0.5f + 0.125f * 27);  // an interior pixel sees all 27 taps
}

}  // namespace
}  // namespace xconv::test
