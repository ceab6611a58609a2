// The tuner and wisdom end to end: a sample of random shapes is tuned
// (tools/tune/search.h, a short budget each), recorded, saved, cleared and
// loaded back; default plans of those shapes must then say choice=wisdom,
// be the tuned plans, and compute what the reference does.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tests/conv_checker.h"
#include "tools/tune/search.h"
#include "xconv/xconv.hpp"

namespace {

// A random case as a layer-suite line could give it: no residual, slopes or
// strides (the tuner's inputs have none), any layout, groups, padding,
// dilation and clamp.
xconv::test::ConvCase tunable_case(uint64_t seed) {
  xconv::test::ConvCase c = xconv::test::random_case(seed);
  c.desc.has_residual = 0;
  c.desc.residual_scale = 1;
  c.desc.negative_slope = 1;
  c.prelu = false;
  c.desc.input_stride = c.desc.input_image_stride = 0;
  c.desc.output_stride = c.desc.output_image_stride = 0;
  c.bias = true;
  return c;
}

// The describe line without the tokens that differ between a plan made with
// forced options and the same plan made from wisdom.
std::string plan_identity(const std::string& describe) {
  std::string out;
  for (const char* key : {"isa", "kernel", "path", "kc", "mc", "nc", "threads", "tile", "tasks"}) {
    out += std::string(key) + "=" + xconv::tools::describe_value(describe, key) + " ";
  }
  return out;
}

TEST(Tune, TunedWisdomIsUsedAndCorrect) {
  xconv_wisdom_clear();
  const uint64_t base = xconv::test::base_seed();
  std::vector<xconv::test::ConvCase> cases;
  std::vector<std::string> tuned;
  for (uint64_t i = 0; i < 6; ++i) {
    cases.push_back(tunable_case(base + 1000 * i));
    xconv::tools::Layer layer{"random" + std::to_string(i), cases.back().desc};
    xconv::tools::TuneResult r = xconv::tools::tune_layer(layer, 0, 0.3, nullptr);
    ASSERT_TRUE(r.tuned) << xconv::test::describe(cases.back());
    EXPECT_GT(r.candidates, 1);
    EXPECT_GE(r.tuned_gflops, r.default_gflops) << "the winner is kept only when faster";
    ASSERT_EQ(xconv_wisdom_add(r.tuned.get(), 0, r.tuned_gflops, r.default_gflops), XCONV_OK) << xconv_last_error();
    tuned.push_back(r.tuned_plan);
  }
  const std::string path = "/tmp/xconv_test_tune_" + std::to_string(getpid()) + ".txt";
  ASSERT_EQ(xconv_wisdom_save(path.c_str()), XCONV_OK) << xconv_last_error();
  xconv_wisdom_clear();
  ASSERT_EQ(xconv_wisdom_load(path.c_str()), XCONV_OK) << xconv_last_error();
  std::remove(path.c_str());
  ASSERT_EQ(xconv_wisdom_count(), cases.size());

  for (size_t i = 0; i < cases.size(); ++i) {
    const xconv::test::ConvCase& c = cases[i];
    SCOPED_TRACE(xconv::test::describe(c));
    const xconv::test::ConvData data = xconv::test::random_data(c.desc, c.seed);
    xconv::Plan plan;
    ASSERT_EQ(xconv::Plan::create(c.desc, data.weights.data(), data.bias.data(), xconv::make_options(), &plan),
              XCONV_OK);
    const std::string d = plan.describe();
    EXPECT_NE(d.find("choice=wisdom"), std::string::npos) << d;
    EXPECT_EQ(plan_identity(d), plan_identity(tuned[i]));
    EXPECT_TRUE(xconv::test::check_case(c, xconv::make_options()));
  }
  xconv_wisdom_clear();
}

}  // namespace
