// Limits: allocation failure is XCONV_OUT_OF_MEMORY, never a crash or an
// exception. The address space is capped with RLIMIT_AS in a child process
// (a gtest death-test fork), so the cap cannot hurt the other tests.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "xconv/xconv.h"

namespace {

// Sanitizers reserve terabytes of address space: RLIMIT_AS cannot be used.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define XCONV_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define XCONV_SANITIZED 1
#endif
#endif

// A valid layer whose packed weights need ~64 MiB (16M floats).
xconv_conv2d_desc big_weights_layer() {
  xconv_conv2d_desc d;
  xconv_conv2d_desc_init(&d);
  d.batch = 1, d.in_channels = 1024, d.in_height = d.in_width = 3, d.out_channels = 2048;
  d.kernel_height = d.kernel_width = 3;
  d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = 1;
  return d;
}

// Caps the address space at what is mapped now plus `headroom` bytes.
void cap_address_space(size_t headroom) {
  FILE* statm = std::fopen("/proc/self/statm", "r");
  unsigned long pages = 0;
  if (!statm || std::fscanf(statm, "%lu", &pages) != 1) std::exit(90);
  std::fclose(statm);
  const rlim_t cap = pages * 4096ul + headroom;
  const rlimit limit{cap, cap};
  if (setrlimit(RLIMIT_AS, &limit) != 0) std::exit(91);
}

TEST(Limits, PlanCreateOutOfMemoryIsAStatus) {
#ifdef XCONV_SANITIZED
  GTEST_SKIP() << "RLIMIT_AS cannot be used under a sanitizer";
#else
  const xconv_conv2d_desc d = big_weights_layer();
  const std::vector<float> weights(2048u * 1024u * 9u, 0.5f);  // allocated before the cap
  EXPECT_EXIT(
      {
        cap_address_space(16u << 20);  // 16 MiB: less than the packed copy
        xconv_plan* plan = nullptr;
        const xconv_status s = xconv_plan_create(&d, weights.data(), nullptr, nullptr, &plan);
        std::fprintf(stderr, "status %s: %s\n", xconv_status_string(s), xconv_last_error());
        std::exit(s == XCONV_OUT_OF_MEMORY && plan == nullptr ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "status XCONV_OUT_OF_MEMORY: xconv_plan_create: out of memory");
#endif
}

TEST(Limits, RunWithoutWorkspaceMemoryIsAStatus) {
#ifdef XCONV_SANITIZED
  GTEST_SKIP() << "RLIMIT_AS cannot be used under a sanitizer";
#else
  xconv_conv2d_desc d;
  xconv_conv2d_desc_init(&d);
  d.batch = 1, d.in_channels = 512, d.in_height = d.in_width = 64, d.out_channels = 8;
  d.kernel_height = d.kernel_width = 3;
  const std::vector<float> in(512u * 64u * 64u, 1.0f), w(8u * 512u * 9u, 1.0f);
  std::vector<float> out(8u * 62u * 62u, -1.0f);
  xconv_plan_options o;
  xconv_plan_options_init(&o);
  o.num_threads = 1;
  o.path = "packed_gemm";  // whose image panel is the workspace (the implicit GEMM's band is small)
  o.nc = 1 << 20;          // a huge pixel block: the run's workspace is ~1 MiB x kc
  xconv_plan* plan = nullptr;
  ASSERT_EQ(xconv_plan_create(&d, w.data(), nullptr, &o, &plan), XCONV_OK);
  EXPECT_EXIT(
      {
        cap_address_space(1u << 20);
        const xconv_status s = xconv_plan_run(plan, in.data(), out.data(), nullptr);
        std::fprintf(stderr, "status %s: %s\n", xconv_status_string(s), xconv_last_error());
        std::exit(s == XCONV_OUT_OF_MEMORY && out[0] == -1.0f ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "status XCONV_OUT_OF_MEMORY: xconv_plan_run: out of memory");
  xconv_plan_destroy(plan);
#endif
}

}  // namespace
