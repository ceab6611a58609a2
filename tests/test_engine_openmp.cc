// An engine whose threads are OpenMP's hands them to xconv through
// xconv_run_args.parallel_for: the same bits as xconv's own pool. Not in the
// TSan stage: libgomp is not instrumented, so TSan's reports there are false.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "tools/layer_suite.h"
#include "xconv/xconv.h"

namespace {

void openmp_for(void*, size_t count, xconv_task_fn task, void* context) {
#pragma omp parallel for schedule(static, 1)
  for (size_t i = 0; i < count; ++i) task(context, i);
}

TEST(EngineOpenMp, ParallelForGivesTheSameBitsAsThePool) {
  omp_set_num_threads(2);
  for (xconv_layout layout : {XCONV_LAYOUT_NCHW, XCONV_LAYOUT_NHWC}) {
    xconv_conv2d_desc d;
    xconv_conv2d_desc_init(&d);
    d.batch = 2, d.in_channels = 24, d.in_height = 30, d.in_width = 26, d.out_channels = 36;
    d.kernel_height = d.kernel_width = 3;
    d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = 1;
    d.layout = layout;
    const auto w = xconv::tools::random_floats(36 * 24 * 9, 1);
    const auto x = xconv::tools::random_floats(2 * 24 * 30 * 26, 2);
    xconv_plan_options o;
    xconv_plan_options_init(&o);
    o.num_threads = 2;
    o.use_all_threads = 1;
    xconv_plan* plan = nullptr;
    ASSERT_EQ(xconv_plan_create(&d, w.data(), nullptr, &o, &plan), XCONV_OK) << xconv_last_error();
    std::vector<float> pooled(2 * 36 * 30 * 26, NAN), openmp(pooled.size(), NAN);
    ASSERT_EQ(xconv_plan_run(plan, x.data(), pooled.data(), nullptr), XCONV_OK);
    xconv_run_args a;
    xconv_run_args_init(&a);
    a.input = x.data();
    a.output = openmp.data();
    a.parallel_for = openmp_for;
    ASSERT_EQ(xconv_plan_execute(plan, &a), XCONV_OK) << xconv_last_error();
    EXPECT_EQ(0, std::memcmp(pooled.data(), openmp.data(), pooled.size() * sizeof(float)));
    xconv_plan_destroy(plan);
  }
}

}  // namespace
