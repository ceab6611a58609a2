// Checks that only make sense on a real AVX-512 CPU (the Bochs guest): the
// CPU detection sees AVX-512 with the OS's ZMM state enabled, and a default
// plan dispatches to an AVX-512 kernel by itself.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "xconv/xconv.h"

TEST(Guest, DispatchPicksAvx512ByItself) {
  ASSERT_TRUE(xconv_isa_supported(XCONV_ISA_AVX512)) << "AVX-512 (with OS ZMM state) not detected";
  EXPECT_EQ(xconv_best_isa(), XCONV_ISA_AVX512);
  xconv_conv2d_desc d;
  xconv_conv2d_desc_init(&d);
  d.batch = 1, d.in_channels = 3, d.in_height = d.in_width = 8, d.out_channels = 4;
  d.kernel_height = d.kernel_width = 3;
  std::vector<float> w(4 * 3 * 9, 1.0f);
  xconv_plan* plan = nullptr;
  ASSERT_EQ(xconv_plan_create(&d, w.data(), nullptr, nullptr, &plan), XCONV_OK) << xconv_last_error();
  const std::string text = xconv_plan_describe(plan);
  xconv_plan_destroy(plan);
  std::printf("guest plan: %s\n", text.c_str());
  // The cost model picks the path (a 3-channel layer takes the implicit
  // GEMM); whichever it is must run AVX-512 code: a generated kernel of
  // that ISA, or the Highway loops built for AVX3.
  EXPECT_EQ(text.rfind("isa=avx512 kernel=", 0), 0u) << text;
  const bool avx512_code = text.find("__avx512f ") != std::string::npos || text.find(" loops=avx3 ") != std::string::npos;
  EXPECT_TRUE(avx512_code) << text;
}
