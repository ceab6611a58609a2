// Every class of invalid input gets a status and a message naming the
// problem, before any buffer is touched: never a crash.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "xconv/xconv.h"
#include "xconv/xconv.hpp"

namespace {

// Stores an int into a C enum field the way a C caller can (in C++ an
// out-of-range enum value may not even be formed).
template <typename Enum>
void store_int(Enum* field, int value) {
  std::memcpy(field, &value, sizeof value);
}

xconv_conv2d_desc valid_desc() {
  xconv_conv2d_desc d;
  xconv_conv2d_desc_init(&d);
  d.batch = 1;
  d.in_channels = 4;
  d.in_height = d.in_width = 6;
  d.out_channels = 4;
  d.kernel_height = d.kernel_width = 3;
  return d;
}

struct BadCase {
  const char* what;
  std::function<void(xconv_conv2d_desc&)> mutate;
  const char* message_part;  // the field the message must name
};

const std::vector<BadCase>& bad_cases() {
  static const std::vector<BadCase> cases = {
      {"uninitialised size", [](auto& d) { d.size = 0; }, "desc.size"},
      {"size of a newer header", [](auto& d) { d.size += 8; }, "desc.size"},
      {"negative batch", [](auto& d) { d.batch = -3; }, "batch"},
      {"zero in_channels", [](auto& d) { d.in_channels = 0; }, "in_channels"},
      {"zero in_height", [](auto& d) { d.in_height = 0; }, "in_height"},
      {"negative in_width", [](auto& d) { d.in_width = -1; }, "in_width"},
      {"zero out_channels", [](auto& d) { d.out_channels = 0; }, "out_channels"},
      {"zero kernel_height", [](auto& d) { d.kernel_height = 0; }, "kernel_height"},
      {"zero kernel_width", [](auto& d) { d.kernel_width = 0; }, "kernel_width"},
      {"zero stride_height", [](auto& d) { d.stride_height = 0; }, "stride_height"},
      {"zero stride_width", [](auto& d) { d.stride_width = 0; }, "stride_width"},
      {"zero dilation_height", [](auto& d) { d.dilation_height = 0; }, "dilation_height"},
      {"zero dilation_width", [](auto& d) { d.dilation_width = 0; }, "dilation_width"},
      {"negative pad_top", [](auto& d) { d.pad_top = -1; }, "pad_top"},
      {"negative pad_left", [](auto& d) { d.pad_left = -1; }, "pad_left"},
      {"negative pad_bottom", [](auto& d) { d.pad_bottom = -1; }, "pad_bottom"},
      {"negative pad_right", [](auto& d) { d.pad_right = -2; }, "pad_right"},
      {"zero groups", [](auto& d) { d.groups = 0; }, "groups"},
      {"in_channels not divisible by groups", [](auto& d) { d.groups = 3; }, "divisible"},
      {"out_channels not divisible by groups",
       [](auto& d) { d.groups = 2; d.out_channels = 5; }, "out_channels"},
      {"kernel larger than padded input", [](auto& d) { d.kernel_height = 7; }, "larger than the padded"},
      {"dilated kernel larger than input", [](auto& d) { d.dilation_width = 3; }, "larger than the padded"},
      {"bad layout", [](auto& d) { store_int(&d.layout, 7); }, "layout"},
      {"bad weight layout", [](auto& d) { store_int(&d.weight_layout, -1); }, "weight_layout"},
      {"NaN clamp", [](auto& d) { d.output_min = NAN; }, "output_min"},
      {"inverted clamp", [](auto& d) { d.output_min = 1, d.output_max = 0; }, "output_min"},
      {"size above 2^31-1", [](auto& d) { d.in_width = INT64_C(1) << 40; }, "in_width"},
      {"input plane stride below height * width", [](auto& d) { d.input_stride = 35; }, "input_stride"},
      {"negative output stride", [](auto& d) { d.output_stride = -1; }, "output_stride"},
      {"input image stride below an image", [](auto& d) { d.input_image_stride = 4 * 36 - 1; }, "input_image_stride"},
      {"output pixel stride below the channels",
       [](auto& d) { d.layout = XCONV_LAYOUT_NHWC, d.output_stride = 3; }, "output_stride"},
      {"stride whose span overflows", [](auto& d) { d.input_stride = INT64_C(1) << 62; }, "overflows"},
      {"NaN residual scale", [](auto& d) { d.residual_scale = NAN; }, "residual_scale"},
      {"infinite negative slope", [](auto& d) { d.negative_slope = INFINITY; }, "negative_slope"},
      {"input element count overflows",
       [](auto& d) {
         d.batch = d.in_channels = d.in_height = d.in_width = INT32_MAX;
         d.kernel_height = d.kernel_width = 1;
       },
       "overflow"},
      {"reduction depth too large", [](auto& d) { d.in_channels = INT32_MAX, d.in_height = 1 << 20; },
       "too large"},
      {"weight element count overflows",
       [](auto& d) {
         d.in_channels = d.out_channels = INT32_MAX;
         d.in_height = d.in_width = 1;
         d.kernel_height = d.kernel_width = 1;
       },
       "overflow"},
      {"output element count overflows",
       [](auto& d) {
         d.batch = 1 << 20, d.out_channels = 1 << 20, d.in_channels = 1;
         d.in_height = d.in_width = 1 << 14;
         d.kernel_height = d.kernel_width = 1;
       },
       "overflow"},
  };
  return cases;
}

TEST(Validation, EveryBadDescriptorIsRejectedWithAMessage) {
  const std::vector<float> data(4096, 1.0f);
  std::vector<float> out(4096, 0.0f);
  for (const BadCase& c : bad_cases()) {
    SCOPED_TRACE(c.what);
    xconv_conv2d_desc d = valid_desc();
    c.mutate(d);
    int64_t oh = -1, ow = -1;
    EXPECT_EQ(xconv_conv2d_output_size(&d, &oh, &ow), XCONV_INVALID_ARGUMENT);
    EXPECT_NE(std::string(xconv_last_error()).find(c.message_part), std::string::npos) << xconv_last_error();
    xconv_plan* plan = reinterpret_cast<xconv_plan*>(0x1);
    EXPECT_EQ(xconv_plan_create(&d, data.data(), nullptr, nullptr, &plan), XCONV_INVALID_ARGUMENT);
    EXPECT_EQ(plan, nullptr);
    // The one-shot call must fail before touching the (too small) buffers.
    EXPECT_EQ(xconv_conv2d(&d, data.data(), data.data(), nullptr, out.data()), XCONV_INVALID_ARGUMENT);
  }
  for (float v : out) ASSERT_EQ(v, 0.0f);
}

TEST(Validation, NullPointers) {
  const xconv_conv2d_desc d = valid_desc();
  std::vector<float> data(4096, 1.0f), out(4096);
  xconv_plan* plan = nullptr;
  EXPECT_EQ(xconv_plan_create(nullptr, data.data(), nullptr, nullptr, &plan), XCONV_INVALID_ARGUMENT);
  EXPECT_EQ(xconv_plan_create(&d, nullptr, nullptr, nullptr, &plan), XCONV_INVALID_ARGUMENT);
  EXPECT_NE(std::string(xconv_last_error()).find("weights"), std::string::npos);
  EXPECT_EQ(xconv_plan_create(&d, data.data(), nullptr, nullptr, nullptr), XCONV_INVALID_ARGUMENT);
  EXPECT_EQ(xconv_conv2d(&d, nullptr, data.data(), nullptr, out.data()), XCONV_INVALID_ARGUMENT);
  EXPECT_EQ(xconv_conv2d(&d, data.data(), data.data(), nullptr, nullptr), XCONV_INVALID_ARGUMENT);
  EXPECT_EQ(xconv_conv2d(&d, data.data(), nullptr, nullptr, out.data()), XCONV_INVALID_ARGUMENT);
  EXPECT_EQ(xconv_conv2d_output_size(nullptr, nullptr, nullptr), XCONV_INVALID_ARGUMENT);

  ASSERT_EQ(xconv_plan_create(&d, data.data(), nullptr, nullptr, &plan), XCONV_OK);
  EXPECT_EQ(xconv_plan_run(nullptr, data.data(), out.data(), nullptr), XCONV_INVALID_ARGUMENT);
  EXPECT_EQ(xconv_plan_run(plan, nullptr, out.data(), nullptr), XCONV_INVALID_ARGUMENT);
  EXPECT_EQ(xconv_plan_run(plan, data.data(), nullptr, nullptr), XCONV_INVALID_ARGUMENT);
  EXPECT_NE(std::string(xconv_last_error()).find("output"), std::string::npos);
  EXPECT_EQ(xconv_plan_run(plan, data.data(), out.data(), reinterpret_cast<char*>(out.data()) + 1),
            XCONV_INVALID_ARGUMENT);
  xconv_plan_destroy(plan);
  xconv_plan_destroy(nullptr);  // like free(NULL)
  EXPECT_EQ(xconv_plan_workspace_size(nullptr), 0u);
}

TEST(Validation, BadOptions) {
  const xconv_conv2d_desc d = valid_desc();
  std::vector<float> w(4 * 4 * 9, 1.0f);
  xconv_plan* plan = nullptr;
  auto create = [&](auto mutate) {
    xconv_plan_options o;
    xconv_plan_options_init(&o);
    mutate(o);
    return xconv_plan_create(&d, w.data(), nullptr, &o, &plan);
  };
  EXPECT_EQ(create([](auto& o) { o.size = 0; }), XCONV_INVALID_ARGUMENT);
  EXPECT_NE(std::string(xconv_last_error()).find("options.size"), std::string::npos);
  EXPECT_EQ(create([](auto& o) { o.num_threads = -1; }), XCONV_INVALID_ARGUMENT);
  EXPECT_EQ(create([](auto& o) { o.num_threads = 100000; }), XCONV_INVALID_ARGUMENT);
  EXPECT_EQ(create([](auto& o) { o.kc = -5; }), XCONV_INVALID_ARGUMENT);
  EXPECT_NE(std::string(xconv_last_error()).find("kc"), std::string::npos);
  EXPECT_EQ(create([](auto& o) { store_int(&o.isa, 99); }), XCONV_INVALID_ARGUMENT);
  EXPECT_EQ(create([](auto& o) { o.kernel = "no_such_kernel"; }), XCONV_INVALID_ARGUMENT);
  EXPECT_NE(std::string(xconv_last_error()).find("no_such_kernel"), std::string::npos);
  EXPECT_EQ(create([](auto& o) { o.isa = XCONV_ISA_SCALAR, o.kernel = "xconv_f32_gemm_4x8__hwy"; }),
            XCONV_INVALID_ARGUMENT);
  // An indirect-GEMM kernel serves NHWC layers only (valid_desc is NCHW).
  EXPECT_EQ(create([](auto& o) { o.kernel = "xconv_f32_igemm_4x8__scalar"; }), XCONV_INVALID_ARGUMENT);
  EXPECT_NE(std::string(xconv_last_error()).find("NHWC"), std::string::npos);
  // ... and a 1x1 layer of one pixel, whose NCHW bytes are NHWC's.
  {
    xconv_conv2d_desc one = valid_desc();
    one.in_height = one.in_width = 1, one.kernel_height = one.kernel_width = 1;
    xconv_plan_options o;
    xconv_plan_options_init(&o);
    o.kernel = "xconv_f32_igemm_4x8__scalar";
    ASSERT_EQ(xconv_plan_create(&one, w.data(), nullptr, &o, &plan), XCONV_OK) << xconv_last_error();
    EXPECT_NE(std::string(xconv_plan_describe(plan)).find("path=indirect_gemm"), std::string::npos);
    xconv_plan_destroy(plan);
  }
#if defined(__x86_64__)
  EXPECT_EQ(create([](auto& o) { o.isa = XCONV_ISA_NEON; }), XCONV_UNSUPPORTED);
#else
  EXPECT_EQ(create([](auto& o) { o.isa = XCONV_ISA_AVX2; }), XCONV_UNSUPPORTED);
#endif
  EXPECT_NE(std::string(xconv_last_error()).find("not"), std::string::npos);
}

TEST(Validation, EnvironmentOverride) {
  const xconv_conv2d_desc d = valid_desc();
  std::vector<float> w(4 * 4 * 9, 1.0f);
  xconv_plan* plan = nullptr;
  ASSERT_EQ(setenv("XCONV_ISA", "sparc", 1), 0);
  EXPECT_EQ(xconv_plan_create(&d, w.data(), nullptr, nullptr, &plan), XCONV_INVALID_ARGUMENT);
  EXPECT_NE(std::string(xconv_last_error()).find("XCONV_ISA=sparc"), std::string::npos);
  ASSERT_EQ(setenv("XCONV_ISA", "scalar", 1), 0);
  ASSERT_EQ(xconv_plan_create(&d, w.data(), nullptr, nullptr, &plan), XCONV_OK);
  EXPECT_NE(std::string(xconv_plan_describe(plan)).find("isa=scalar"), std::string::npos);
  xconv_plan_destroy(plan);
  unsetenv("XCONV_ISA");
  ASSERT_EQ(xconv_plan_create(&d, w.data(), nullptr, nullptr, &plan), XCONV_OK);
  EXPECT_NE(std::string(xconv_plan_describe(plan)).find(std::string("isa=") + xconv_isa_name(xconv_best_isa())),
            std::string::npos);
  xconv_plan_destroy(plan);
}

// scripts/test.sh sets XCONV_TEST_EXPECT_ISA=avx512 where /proc/cpuinfo lists
// AVX-512 and the Bochs guest is skipped: the native stage stands in for the
// guest only if dispatch really sees AVX-512 there.
TEST(Validation, DetectsTheExpectedIsa) {
  const char* expected = std::getenv("XCONV_TEST_EXPECT_ISA");
  if (expected == nullptr) GTEST_SKIP() << "XCONV_TEST_EXPECT_ISA not set";
  EXPECT_STREQ(xconv_isa_name(xconv_best_isa()), expected);
}

TEST(Validation, CppWrapperThrowsWithStatusAndMessage) {
  xconv_conv2d_desc d = valid_desc();
  d.stride_width = 0;
  std::vector<float> w(4 * 4 * 9, 1.0f);
  try {
    xconv::Plan plan(d, w.data(), nullptr);
    FAIL() << "no exception";
  } catch (const xconv::Error& e) {
    EXPECT_EQ(e.status(), XCONV_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find("stride_width"), std::string::npos);
  }
}

TEST(Validation, StatusStrings) {
  EXPECT_STREQ(xconv_status_string(XCONV_OK), "XCONV_OK");
  EXPECT_STREQ(xconv_status_string(XCONV_OUT_OF_MEMORY), "XCONV_OUT_OF_MEMORY");
}

}  // namespace
