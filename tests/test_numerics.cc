// NaN and infinity propagate as in the reference (padding is a real zero,
// as in PyTorch), and the flush-to-zero option is scoped: set on whichever
// thread runs a task, restored afterwards, workers included.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/frame/denormals.h"
#include "kernels/ref/conv2d_ref.h"
#include "kernels/frame/thread_pool.h"
#include "tests/conv_checker.h"
#include "xconv/xconv.h"

#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

namespace xconv::test {
namespace {

class NonFinite : public ::testing::TestWithParam<xconv_isa> {};

// Random shapes with a few NaN/+inf/-inf planted in the input or the
// weights: every output is NaN exactly where the reference is NaN, infinite
// with the same sign where it is infinite, and within the bound elsewhere.
TEST_P(NonFinite, PropagatesLikeTheReference) {
  const float specials[] = {NAN, INFINITY, -INFINITY};
  for (int i = 0; i < 150; ++i) {
    ConvCase c = random_case(base_seed() + 31337u * i);
    // Dense, so that outputs line up with the reference's (strides: test_conv).
    c.desc.input_stride = c.desc.output_stride = c.desc.input_image_stride = c.desc.output_image_stride = 0;
    ConvData data = random_data(c.desc, c.seed);
    const xconv_conv2d_desc d = desc_with(c, data);
    std::vector<float>&in = data.input, &w = data.weights, &bias = data.bias;
    std::mt19937_64 rng(c.seed);
    std::vector<float>& target = i % 2 ? in : w;
    for (int k = 0; k < 3; ++k) target[rng() % target.size()] = specials[rng() % 3];

    xconv_plan_options o;
    xconv_plan_options_init(&o);
    o.isa = GetParam();
    xconv_plan* plan = nullptr;
    ASSERT_EQ(xconv_plan_create(&d, w.data(), c.bias ? bias.data() : nullptr, &o, &plan), XCONV_OK);
    std::vector<float> out(data.output_count);
    ASSERT_EQ(run_case(plan, c, data, in.data(), out.data()), XCONV_OK) << xconv_last_error();
    xconv_plan_destroy(plan);
    const ref::RefResult r = ref::conv2d(d, in.data(), w.data(), c.bias ? bias.data() : nullptr, data.residual.data());
    const size_t depth = (d.in_channels / d.groups) * d.kernel_height * d.kernel_width;
    for (size_t j = 0; j < out.size(); ++j) {
      const double want = r.output[j];
      if (std::isnan(want) || std::isinf(want)) {
        ASSERT_TRUE(std::isnan(want) ? std::isnan(out[j]) : out[j] == want)
            << "output " << j << ": " << out[j] << " vs reference " << want << "; " << describe(c);
      } else {
        ASSERT_LE(std::fabs(out[j] - want), ref::error_bound(depth, r.magnitude[j]))
            << "output " << j << ": " << out[j] << " vs reference " << want << "; " << describe(c);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Numerics, NonFinite, ::testing::ValuesIn(runnable_isas()), isa_param_name);

#if defined(__x86_64__)
constexpr unsigned kFlushBits = 0x8040;  // MXCSR FTZ | DAZ
constexpr unsigned kStatusFlags = 0x3f;  // sticky exception flags: not modes

// The flag's effect: a 1x1 conv of a denormal input by 1.0 gives the
// denormal back without the flag and zero with it; the caller's MXCSR is the
// same before and after.
TEST(Denormals, FlushIsScopedToTheRun) {
  xconv_conv2d_desc d;
  xconv_conv2d_desc_init(&d);
  d.batch = 1, d.in_channels = 1, d.in_height = d.in_width = 4, d.out_channels = 1;
  d.kernel_height = d.kernel_width = 1;
  const float tiny = std::numeric_limits<float>::denorm_min() * 8;
  std::vector<float> in(16, tiny), w(1, 1.0f), out(16);
  const unsigned before = _mm_getcsr() & ~kStatusFlags;
  for (int flush : {0, 1}) {
    xconv_plan_options o;
    xconv_plan_options_init(&o);
    o.flush_denormals = flush;
    o.num_threads = 2;
    xconv_plan* plan = nullptr;
    ASSERT_EQ(xconv_plan_create(&d, w.data(), nullptr, &o, &plan), XCONV_OK);
    ASSERT_EQ(xconv_plan_run(plan, in.data(), out.data(), nullptr), XCONV_OK);
    xconv_plan_destroy(plan);
    for (float y : out) EXPECT_EQ(y, flush ? 0.0f : tiny) << "flush_denormals=" << flush;
    EXPECT_EQ(_mm_getcsr() & ~kStatusFlags, before) << "MXCSR modes not restored on the calling thread";
  }
}

// On pool workers: a task that runs under the scope leaves the worker's
// MXCSR as it found it, seen by the next run's task on that same worker.
TEST(Denormals, WorkerModeIsRestored) {
  ThreadPool pool(3);
  std::vector<unsigned> inside(3), after(3);
  pool.run(64, [&](size_t, int slot) {
    ScopedFlushDenormals flush(true);
    inside[slot] = _mm_getcsr();
  });
  pool.run(64, [&](size_t, int slot) { after[slot] = _mm_getcsr(); });
  for (int slot = 0; slot < 3; ++slot) {
    if (inside[slot] == 0) continue;  // this worker took no task in the first run
    EXPECT_EQ(inside[slot] & kFlushBits, kFlushBits) << "slot " << slot;
    if (after[slot] != 0) {
      EXPECT_EQ(after[slot] & kFlushBits, 0u) << "slot " << slot << " kept FTZ/DAZ";
    }
  }
}
#endif

}  // namespace
}  // namespace xconv::test
