// Packed weights as a caller-visible object: sized, placed in the caller's
// memory, shared by plans of other batch sizes, image sizes and clamps, each
// within the bound of the reference and bit-identical to a plan of its own
// with the same kernel; and what cannot share them is refused.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/frame/aligned_buffer.h"
#include "kernels/ref/conv2d_ref.h"
#include "tools/layer_suite.h"
#include "xconv/xconv.h"

namespace {

xconv_conv2d_desc layer(xconv_layout layout, int64_t channels, int64_t groups, int64_t size) {
  xconv_conv2d_desc d;
  xconv_conv2d_desc_init(&d);
  d.batch = 3, d.in_channels = channels, d.out_channels = channels, d.groups = groups;
  d.in_height = d.in_width = size;
  d.kernel_height = d.kernel_width = 3;
  d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = 1;
  d.layout = layout;
  return d;
}

size_t count(const xconv_conv2d_desc& d, bool output) {
  int64_t oh = 0, ow = 0;
  xconv_conv2d_output_size(&d, &oh, &ow);
  return static_cast<size_t>(d.batch * (output ? d.out_channels * oh * ow : d.in_channels * d.in_height * d.in_width));
}

std::string token(const std::string& line, const std::string& key) {
  const size_t at = line.find(key + "=");
  return at == std::string::npos ? "" : line.substr(at + key.size() + 1, line.find(' ', at) - at - key.size() - 1);
}

std::vector<float> run(const xconv_plan* plan, const xconv_conv2d_desc& d, const std::vector<float>& x) {
  std::vector<float> y(count(d, true), NAN);
  EXPECT_EQ(xconv_plan_run(plan, x.data(), y.data(), nullptr), XCONV_OK) << xconv_last_error();
  return y;
}

TEST(SharedWeights, PlansOfOtherShapesShareOnePacking) {
  const struct { const char* name; xconv_conv2d_desc d; } layers[] = {
      {"nchw packed", layer(XCONV_LAYOUT_NCHW, 24, 1, 12)},
      {"nhwc indirect", layer(XCONV_LAYOUT_NHWC, 24, 1, 12)},
      {"depthwise", layer(XCONV_LAYOUT_NCHW, 32, 32, 12)},
      {"grouped", layer(XCONV_LAYOUT_NHWC, 64, 16, 12)},
  };
  for (const auto& l : layers) {
    xconv_conv2d_desc packed_desc = l.d;
    const std::vector<float> slopes = xconv::tools::random_floats(l.d.out_channels, 3);
    packed_desc.negative_slopes = slopes.data();  // PReLU: packed with the weights
    const auto w = xconv::tools::random_floats(l.d.out_channels * (l.d.in_channels / l.d.groups) * 9, 1);
    const auto bias = xconv::tools::random_floats(l.d.out_channels, 2);
    size_t bytes = 0;
    ASSERT_EQ(xconv_packed_weights_size(&packed_desc, nullptr, &bytes), XCONV_OK) << xconv_last_error();
    xconv::AlignedBuffer memory;
    ASSERT_TRUE(memory.allocate(bytes / sizeof(float)));
    xconv_packed_weights* packed = nullptr;
    ASSERT_EQ(xconv_packed_weights_create(&packed_desc, w.data(), bias.data(), nullptr, memory.data(), bytes, &packed),
              XCONV_OK)
        << xconv_last_error();

    for (int64_t batch : {1, 3, 5}) {
      for (int64_t size : {12, 17}) {
        xconv_conv2d_desc d = l.d;
        d.batch = batch, d.in_height = d.in_width = size;
        d.output_max = batch == 5 ? 0.5f : INFINITY;
        xconv_plan* shared = nullptr;
        ASSERT_EQ(xconv_plan_create_packed(&d, packed, nullptr, &shared), XCONV_OK) << xconv_last_error();
        const std::string line = xconv_plan_describe(shared);
        const auto x = xconv::tools::random_floats(count(d, false), 4);
        const std::vector<float> got = run(shared, d, x);

        xconv_conv2d_desc full = d;
        full.negative_slopes = slopes.data();
        const xconv::ref::RefResult ref = xconv::ref::conv2d(full, x.data(), w.data(), bias.data());
        const size_t depth = static_cast<size_t>(d.in_channels / d.groups * 9);
        for (size_t i = 0; i < got.size(); ++i) {
          ASSERT_LE(std::fabs(got[i] - ref.output[i]), xconv::ref::error_bound(depth, ref.magnitude[i]))
              << l.name << " batch " << batch << " size " << size << " at " << i << "; " << line;
        }
        // A plan of its own with the same kernel computes the same bits.
        xconv_plan_options o;
        xconv_plan_options_init(&o);
        const std::string kernel = token(line, "kernel");
        if (kernel.rfind("xconv_", 0) == 0) o.kernel = kernel.c_str();
        xconv_plan* own = nullptr;
        ASSERT_EQ(xconv_plan_create(&full, w.data(), bias.data(), &o, &own), XCONV_OK) << xconv_last_error();
        ASSERT_EQ(token(xconv_plan_describe(own), "kernel"), kernel);
        const std::vector<float> want = run(own, d, x);
        EXPECT_EQ(0, std::memcmp(got.data(), want.data(), got.size() * sizeof(float)))
            << l.name << " batch " << batch << " size " << size << "; " << line;
        xconv_plan_destroy(own);
        xconv_plan_destroy(shared);
      }
    }
    xconv_packed_weights_destroy(packed);
  }
}

TEST(SharedWeights, WhatCannotShareIsRefused) {
  const xconv_conv2d_desc d = layer(XCONV_LAYOUT_NCHW, 16, 1, 8);
  const auto w = xconv::tools::random_floats(16 * 16 * 9, 1);
  size_t bytes = 0;
  ASSERT_EQ(xconv_packed_weights_size(&d, nullptr, &bytes), XCONV_OK);
  xconv::AlignedBuffer memory;
  ASSERT_TRUE(memory.allocate(bytes / sizeof(float) + 16));
  xconv_packed_weights* packed = nullptr;
  EXPECT_EQ(xconv_packed_weights_create(&d, w.data(), nullptr, nullptr, memory.data(), bytes / 2, &packed),
            XCONV_INVALID_ARGUMENT);
  EXPECT_NE(std::string(xconv_last_error()).find("memory_bytes"), std::string::npos);
  EXPECT_EQ(xconv_packed_weights_create(&d, w.data(), nullptr, nullptr, memory.data() + 1, bytes, &packed),
            XCONV_INVALID_ARGUMENT);
  EXPECT_NE(std::string(xconv_last_error()).find("aligned"), std::string::npos);
  EXPECT_EQ(xconv_packed_weights_create(&d, nullptr, nullptr, nullptr, nullptr, 0, &packed), XCONV_INVALID_ARGUMENT);
  ASSERT_EQ(xconv_packed_weights_create(&d, w.data(), nullptr, nullptr, nullptr, 0, &packed), XCONV_OK);
  xconv_plan* plan = nullptr;
  for (auto change : {+[](xconv_conv2d_desc& e) { e.in_channels = 8; }, +[](xconv_conv2d_desc& e) { e.kernel_width = 1; },
                      +[](xconv_conv2d_desc& e) { e.layout = XCONV_LAYOUT_NHWC; },
                      +[](xconv_conv2d_desc& e) { e.negative_slope = 0.5f; }}) {
    xconv_conv2d_desc other = d;
    change(other);
    EXPECT_EQ(xconv_plan_create_packed(&other, packed, nullptr, &plan), XCONV_INVALID_ARGUMENT);
    EXPECT_EQ(plan, nullptr);
  }
  EXPECT_EQ(xconv_plan_create_packed(&d, nullptr, nullptr, &plan), XCONV_INVALID_ARGUMENT);
  xconv_packed_weights_destroy(packed);

  // Packed for a one-pixel NCHW layer (the indirect path): no other image size.
  xconv_conv2d_desc one = d;
  one.in_height = one.in_width = 1, one.kernel_height = one.kernel_width = 1;
  one.pad_top = one.pad_left = one.pad_bottom = one.pad_right = 0;
  ASSERT_EQ(xconv_packed_weights_create(&one, w.data(), nullptr, nullptr, nullptr, 0, &packed), XCONV_OK);
  xconv_conv2d_desc bigger = one;
  bigger.in_height = bigger.in_width = 4;
  ASSERT_EQ(xconv_plan_create_packed(&one, packed, nullptr, &plan), XCONV_OK);
  if (std::string(xconv_plan_describe(plan)).find("path=indirect_gemm") != std::string::npos) {
    xconv_plan* refused = nullptr;
    EXPECT_EQ(xconv_plan_create_packed(&bigger, packed, nullptr, &refused), XCONV_INVALID_ARGUMENT);
    EXPECT_EQ(refused, nullptr);
    EXPECT_NE(std::string(xconv_last_error()).find("one-pixel"), std::string::npos);
  }
  xconv_plan_destroy(plan);
  xconv_packed_weights_destroy(packed);

  // Packed for the implicit GEMM (an NCHW stem): no image so wide that its
  // band of rows outgrows the int32 tap offsets. Planning only: no run.
  xconv_conv2d_desc stem = d;
  stem.in_channels = 3;
  ASSERT_EQ(xconv_packed_weights_create(&stem, w.data(), nullptr, nullptr, nullptr, 0, &packed), XCONV_OK);
  ASSERT_EQ(xconv_plan_create_packed(&stem, packed, nullptr, &plan), XCONV_OK);
  if (std::string(xconv_plan_describe(plan)).find("path=implicit_gemm") != std::string::npos) {
    xconv_conv2d_desc wide = stem;
    wide.in_width = int64_t{1} << 27;  // 3 channels x 6 rows x 2^27 floats
    xconv_plan* refused = nullptr;
    EXPECT_EQ(xconv_plan_create_packed(&wide, packed, nullptr, &refused), XCONV_INVALID_ARGUMENT);
    EXPECT_EQ(refused, nullptr);
    EXPECT_NE(std::string(xconv_last_error()).find("implicit GEMM"), std::string::npos) << xconv_last_error();
  }
  xconv_plan_destroy(plan);
  xconv_packed_weights_destroy(packed);
}

}  // namespace
