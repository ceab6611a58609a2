// Wisdom (xconv.h, "Wisdom"): entries recorded from tuned plans, saved,
// cleared and loaded back are used by default plans (choice=wisdom) and give
// results within the reference's bound; forced options beat them; files for
// another CPU, version or kernel list are ignored with a warning; broken and
// hostile files are refused with the line named, and change nothing.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "kernels/frame/plan.h"
#include "kernels/frame/wisdom_format.h"
#include "tests/conv_checker.h"
#include "xconv/xconv.hpp"

namespace {

std::mutex log_mutex;
std::vector<std::string> warnings;

void capture(void*, const char* message) {
  std::lock_guard<std::mutex> lock(log_mutex);
  warnings.push_back(message);
}

std::string temp_path(const std::string& name) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir && *dir ? dir : "/tmp") + "/xconv_test_wisdom_" + std::to_string(getpid()) + "_" + name;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

xconv::test::ConvCase small_case(xconv_layout layout) {
  xconv::test::ConvCase c;
  xconv_conv2d_desc_init(&c.desc);
  c.desc.batch = 2, c.desc.in_channels = 24, c.desc.in_height = 11, c.desc.in_width = 9;
  c.desc.out_channels = 40, c.desc.kernel_height = 3, c.desc.kernel_width = 3;
  c.desc.pad_top = c.desc.pad_left = c.desc.pad_bottom = c.desc.pad_right = 1;
  c.desc.layout = layout;
  c.seed = 7;
  return c;
}

// The options of a plan that is not the default one: the last kernel of the
// best ISA that serves the layout's packed path, with a small K block.
xconv_plan_options tuned_options(std::string* kernel) {
  xconv_plan_options o = xconv::make_options();
  const xconv_isa isa = xconv_best_isa();
  for (size_t k = 0; k < xconv_kernel_count(); ++k) {
    const std::string name = xconv_kernel_name(k);
    if (xconv_kernel_isa(k) == isa && name.find("_gemm_") != std::string::npos) *kernel = name;
  }
  o.kernel = kernel->c_str();
  o.path = "packed_gemm";
  o.kc = 40;
  o.num_threads = 1;
  o.use_all_threads = 1;
  return o;
}

// Records the tuned plan of `c` as wisdom for default plans of one thread.
void add_entry(const xconv::test::ConvCase& c) {
  std::string kernel;
  const xconv_plan_options o = tuned_options(&kernel);
  const xconv::test::ConvData data = xconv::test::random_data(c.desc, c.seed);
  xconv::Plan plan;
  ASSERT_EQ(xconv::Plan::create(c.desc, data.weights.data(), nullptr, o, &plan), XCONV_OK) << xconv_last_error();
  ASSERT_EQ(xconv_wisdom_add(plan.get(), 1, 10.0, 5.0), XCONV_OK) << xconv_last_error();
}

std::string default_describe(const xconv_conv2d_desc& d, int threads = 1) {
  xconv_plan_options o = xconv::make_options();
  o.num_threads = threads;
  const std::vector<float> weights(static_cast<size_t>(d.out_channels * (d.in_channels / d.groups) *
                                                       d.kernel_height * d.kernel_width));
  xconv::Plan plan;
  EXPECT_EQ(xconv::Plan::create(d, weights.data(), nullptr, o, &plan), XCONV_OK) << xconv_last_error();
  return plan ? plan.describe() : "";
}

class Wisdom : public ::testing::Test {
 protected:
  void SetUp() override {
    xconv_wisdom_clear();
    xconv_set_log(capture, nullptr);
    std::lock_guard<std::mutex> lock(log_mutex);
    warnings.clear();
  }
  void TearDown() override {
    xconv_wisdom_clear();
    xconv_set_log(nullptr, nullptr);
  }

  // A valid file of one entry for small_case(NCHW), as this build writes it.
  std::string valid_file() {
    add_entry(small_case(XCONV_LAYOUT_NCHW));
    const std::string path = temp_path("valid.txt");
    EXPECT_EQ(xconv_wisdom_save(path.c_str()), XCONV_OK) << xconv_last_error();
    xconv_wisdom_clear();
    const std::string text = read_file(path);
    std::remove(path.c_str());
    return text;
  }

  // Loading `text` fails naming `line`, and leaves the entries as they were.
  void expect_refused(const std::string& text, int line, const std::string& why) {
    const std::string path = temp_path("bad.txt");
    write_file(path, text);
    const size_t before = xconv_wisdom_count();
    EXPECT_EQ(xconv_wisdom_load(path.c_str()), XCONV_INVALID_ARGUMENT) << why;
    const std::string message = xconv_last_error();
    EXPECT_NE(message.find("line " + std::to_string(line) + ":"), std::string::npos) << why << ": " << message;
    EXPECT_EQ(xconv_wisdom_count(), before) << why;
    std::remove(path.c_str());
  }

  // `text` with line `number` (1-based) replaced.
  static std::string with_line(const std::string& text, int number, const std::string& line) {
    std::istringstream in(text);
    std::string out, l;
    for (int n = 1; std::getline(in, l); ++n) out += (n == number ? line : l) + "\n";
    return out;
  }

  static int plan_line(const std::string& text) {
    std::istringstream in(text);
    std::string l;
    for (int n = 1; std::getline(in, l); ++n) {
      if (l.rfind("plan ", 0) == 0) return n;
    }
    return 0;
  }

  static std::string line_at(const std::string& text, int number) {
    std::istringstream in(text);
    std::string l;
    for (int n = 1; std::getline(in, l); ++n) {
      if (n == number) return l;
    }
    return "";
  }
};

TEST_F(Wisdom, SavedEntriesLoadBackAndDefaultPlansUseThem) {
  for (xconv_layout layout : {XCONV_LAYOUT_NCHW, XCONV_LAYOUT_NHWC}) {
    SCOPED_TRACE(layout == XCONV_LAYOUT_NCHW ? "NCHW" : "NHWC");
    const xconv::test::ConvCase c = small_case(layout);
    EXPECT_NE(default_describe(c.desc).find("choice=heuristic"), std::string::npos);
    add_entry(c);
    const std::string path = temp_path("roundtrip.txt");
    ASSERT_EQ(xconv_wisdom_save(path.c_str()), XCONV_OK) << xconv_last_error();
    xconv_wisdom_clear();
    EXPECT_EQ(xconv_wisdom_count(), 0u);
    EXPECT_NE(default_describe(c.desc).find("choice=heuristic"), std::string::npos);
    ASSERT_EQ(xconv_wisdom_load(path.c_str()), XCONV_OK) << xconv_last_error();
    EXPECT_EQ(xconv_wisdom_count(), 1u);
    std::remove(path.c_str());

    std::string kernel;
    tuned_options(&kernel);
    const std::string d = default_describe(c.desc);
    EXPECT_NE(d.find("choice=wisdom"), std::string::npos) << d;
    EXPECT_NE(d.find("kernel=" + kernel + " "), std::string::npos) << d;
    EXPECT_NE(d.find(" kc=40 "), std::string::npos) << d;
    EXPECT_NE(d.find(" max_threads=1 "), std::string::npos) << d;
    // Another thread count, or a forced option, is not that problem.
    EXPECT_NE(default_describe(c.desc, 3).find("choice=heuristic"), std::string::npos);
    xconv_plan_options forced = xconv::make_options();
    forced.num_threads = 1;
    forced.kc = 16;
    const xconv::test::ConvData data = xconv::test::random_data(c.desc, c.seed);
    xconv::Plan plan;
    ASSERT_EQ(xconv::Plan::create(c.desc, data.weights.data(), nullptr, forced, &plan), XCONV_OK);
    EXPECT_NE(plan.describe().find("choice=options"), std::string::npos) << plan.describe();

    // The wisdom plan computes what the reference does.
    xconv_plan_options defaults = xconv::make_options();
    defaults.num_threads = 1;
    EXPECT_TRUE(xconv::test::check_case(c, defaults));
    xconv_wisdom_clear();
  }
}

TEST_F(Wisdom, PackedWeightsAndTheirPlansFollowWisdom) {
  const xconv::test::ConvCase c = small_case(XCONV_LAYOUT_NCHW);
  add_entry(c);
  const xconv::test::ConvData data = xconv::test::random_data(c.desc, c.seed);
  xconv_plan_options o = xconv::make_options();
  o.num_threads = 1;
  xconv_packed_weights* packed = nullptr;
  ASSERT_EQ(xconv_packed_weights_create(&c.desc, data.weights.data(), nullptr, &o, nullptr, 0, &packed), XCONV_OK);
  xconv_plan* plan = nullptr;
  ASSERT_EQ(xconv_plan_create_packed(&c.desc, packed, &o, &plan), XCONV_OK) << xconv_last_error();
  const std::string d = xconv_plan_describe(plan);
  EXPECT_NE(d.find("choice=wisdom"), std::string::npos) << d;
  EXPECT_NE(d.find(" kc=40 "), std::string::npos) << d;
  xconv_plan_destroy(plan);
  xconv_packed_weights_destroy(packed);
}

TEST_F(Wisdom, FilesForAnotherCpuVersionOrKernelListAreIgnoredWithAWarning) {
  const std::string text = valid_file();
  const struct { const char* prefix; const char* replacement; const char* reason; } cases[] = {
      {"cpu ", "cpu vendor=FakeCPU family=1 model=1 features=none l1d=1 l2=2 l3=3", "another CPU"},
      {"version ", "version 99.0.0", "another xconv version (99.0.0"},
      {"kernels ", "kernels 0123456789abcdef", "another kernel list"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.reason);
    std::istringstream in(text);
    std::string changed, line;
    while (std::getline(in, line)) changed += (line.rfind(c.prefix, 0) == 0 ? c.replacement : line) + "\n";
    const std::string path = temp_path("other.txt");
    write_file(path, changed);
    {
      std::lock_guard<std::mutex> lock(log_mutex);
      warnings.clear();
    }
    EXPECT_EQ(xconv_wisdom_load(path.c_str()), XCONV_OK);
    EXPECT_EQ(xconv_wisdom_count(), 0u);
    std::lock_guard<std::mutex> lock(log_mutex);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find(c.reason), std::string::npos) << warnings[0];
    std::remove(path.c_str());
  }
  EXPECT_NE(default_describe(small_case(XCONV_LAYOUT_NCHW).desc).find("choice=heuristic"), std::string::npos);
}

TEST_F(Wisdom, BrokenAndHostileFilesAreRefusedNamingTheLine) {
  const std::string text = valid_file();
  const int plan = plan_line(text);
  ASSERT_GT(plan, 0);
  const std::string entry = line_at(text, plan);
  const auto swap = [&](const std::string& from, const std::string& to) {
    std::string l = entry;
    const size_t at = l.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return with_line(text, plan, at == std::string::npos ? l : l.replace(at, from.size(), to));
  };
  const size_t kc_at = entry.find(" kc=");
  const std::string kc_token = entry.substr(kc_at, entry.find(' ', kc_at + 1) - kc_at);

  expect_refused("hello\n", 1, "garbage");
  expect_refused(text.substr(0, text.size() - 1), plan + 1, "the last newline cut");
  expect_refused(text.substr(0, text.find("\nend ") + 1), plan, "the end line cut");
  expect_refused(text.substr(0, text.find(" => ") + 10), plan, "cut inside a plan line");
  expect_refused(swap(kc_token, " kc=99999999999999999999999"), plan, "a huge block");
  expect_refused(swap(kc_token, " kc=-1"), plan, "a negative block");
  expect_refused(swap(" c=24 ", " c=9223372036854775807 "), plan, "a huge channel count");
  expect_refused(swap(" threads=1 ", " threads=100000 "), plan, "a huge thread count");
  expect_refused(swap(" gflops=", " gflops=nan x="), plan, "a NaN rate");
  expect_refused(swap(" kernel=", " kernel=xconv_f32_gemm_1x1__nope junk="), plan, "an unknown kernel");
  expect_refused(swap(" path=", " path=teleport junk="), plan, "an unknown path");
  // An ISA of xconv this CPU cannot run: NEON on x86, AVX-512 on Arm (or on an x86 without it).
  std::string foreign;
  for (xconv_isa isa : {XCONV_ISA_NEON, XCONV_ISA_AVX512, XCONV_ISA_AVX2}) {
    if (foreign.empty() && !xconv_isa_supported(isa)) foreign = xconv_isa_name(isa);
  }
  ASSERT_FALSE(foreign.empty());
  const size_t isa_at = entry.find(" isa=");
  const std::string isa_token = entry.substr(isa_at, entry.find(' ', isa_at + 1) - isa_at);
  expect_refused(swap(isa_token, " isa=" + foreign), plan, "an ISA this CPU cannot run");
  expect_refused(with_line(text, plan, entry + "\n" + entry), plan + 1, "a problem listed twice");
  expect_refused(with_line(text, plan, entry + std::string(5000, ' ')), plan, "an overlong line");
  expect_refused(with_line(text, plan, entry.substr(0, 10) + std::string(1, '\0') + entry.substr(11)), plan,
                 "a NUL byte");
  expect_refused(with_line(text, 1, "xconv-wisdom 2"), 1, "a newer format");
  // The valid text itself loads: the faults above are the only differences.
  const std::string path = temp_path("valid.txt");
  write_file(path, text);
  EXPECT_EQ(xconv_wisdom_load(path.c_str()), XCONV_OK) << xconv_last_error();
  EXPECT_EQ(xconv_wisdom_count(), 1u);
  std::remove(path.c_str());
}

TEST_F(Wisdom, SaveIsAtomicAndReportsFailures) {
  add_entry(small_case(XCONV_LAYOUT_NCHW));
  EXPECT_EQ(xconv_wisdom_save("/nonexistent-dir/wisdom.txt"), XCONV_INVALID_ARGUMENT);
  EXPECT_NE(std::string(xconv_last_error()).find("/nonexistent-dir/wisdom.txt"), std::string::npos);
  EXPECT_EQ(xconv_wisdom_save(nullptr), XCONV_INVALID_ARGUMENT);
  EXPECT_EQ(xconv_wisdom_load(nullptr), XCONV_INVALID_ARGUMENT);
  EXPECT_EQ(xconv_wisdom_load("/nonexistent-dir/wisdom.txt"), XCONV_INVALID_ARGUMENT);
  // Saved over an existing file: whole, and no temporary left beside it.
  const std::string path = temp_path("atomic.txt");
  write_file(path, "old contents\n");
  ASSERT_EQ(xconv_wisdom_save(path.c_str()), XCONV_OK);
  EXPECT_EQ(read_file(path).rfind("xconv-wisdom 1\n", 0), 0u);
  EXPECT_FALSE(std::ifstream(path + ".tmp." + std::to_string(getpid())).good());
  std::remove(path.c_str());
}

TEST_F(Wisdom, AddRefusesWhatCannotBeAnEntry) {
  EXPECT_EQ(xconv_wisdom_add(nullptr, 1, 1, 1), XCONV_INVALID_ARGUMENT);
  const xconv::test::ConvCase c = small_case(XCONV_LAYOUT_NCHW);
  const xconv::test::ConvData data = xconv::test::random_data(c.desc, c.seed);
  xconv_plan_options o = xconv::make_options();
  o.num_threads = 2;
  o.use_all_threads = 1;
  xconv::Plan plan;
  ASSERT_EQ(xconv::Plan::create(c.desc, data.weights.data(), nullptr, o, &plan), XCONV_OK);
  EXPECT_EQ(xconv_wisdom_add(plan.get(), 1, 1, 1), XCONV_INVALID_ARGUMENT) << "two threads for a one-thread key";
  EXPECT_EQ(xconv_wisdom_add(plan.get(), -1, 1, 1), XCONV_INVALID_ARGUMENT);
  EXPECT_EQ(xconv_wisdom_add(plan.get(), 2, -1, 1), XCONV_INVALID_ARGUMENT);
  EXPECT_EQ(xconv_wisdom_add(plan.get(), 2, 1, INFINITY), XCONV_INVALID_ARGUMENT);
  EXPECT_EQ(xconv_wisdom_count(), 0u);
}

// Plans created on some threads while others load, save and clear: every
// plan is valid and says where its choice came from (the TSan stage runs this).
TEST_F(Wisdom, ConcurrentWithPlanCreation) {
  const xconv::test::ConvCase c = small_case(XCONV_LAYOUT_NCHW);
  add_entry(c);
  const std::string path = temp_path("concurrent.txt");
  ASSERT_EQ(xconv_wisdom_save(path.c_str()), XCONV_OK);
  const xconv::test::ConvData data = xconv::test::random_data(c.desc, c.seed);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        if (t == 0) {
          EXPECT_EQ(xconv_wisdom_load(path.c_str()), XCONV_OK);
        } else if (t == 1) {
          xconv_wisdom_clear();
        } else {
          xconv_plan_options o = xconv::make_options();
          o.num_threads = 1;
          xconv::Plan plan;
          ASSERT_EQ(xconv::Plan::create(c.desc, data.weights.data(), nullptr, o, &plan), XCONV_OK);
          const std::string d = plan.describe();
          EXPECT_TRUE(d.find("choice=wisdom") != std::string::npos || d.find("choice=heuristic") != std::string::npos)
              << d;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::remove(path.c_str());
}

// XCONV_WISDOM: meson runs this binary twice more with it set (tests/meson.build),
// to a file the test writes before the process's first use of wisdom.
std::string environment_file() {
  const char* path = std::getenv("XCONV_WISDOM");
  return path ? path : "";
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

TEST(WisdomEnvironment, LoadsAtFirstUse) {
  const std::string path = environment_file();
  if (!ends_with(path, "env_good.txt")) GTEST_SKIP() << "run with XCONV_WISDOM=.../env_good.txt";
  // The entry, written with the library's own formatter (which does not use wisdom).
  const xconv::test::ConvCase c = small_case(XCONV_LAYOUT_NHWC);
  std::string kernel;
  const xconv_plan_options o = tuned_options(&kernel);
  const xconv::test::ConvData data = xconv::test::random_data(c.desc, c.seed);
  xconv::Plan tuned;
  ASSERT_EQ(xconv::Plan::create(c.desc, data.weights.data(), nullptr, o, &tuned), XCONV_OK);
  xconv::WisdomEntry entry = xconv::wisdom_entry(*tuned.get());
  entry.problem = xconv::wisdom_problem(*tuned.get(), 1);
  write_file(path, xconv::format_wisdom(xconv::this_build_header(), {entry}));
  const std::string d = default_describe(c.desc);
  EXPECT_NE(d.find("choice=wisdom"), std::string::npos) << d;
  EXPECT_EQ(xconv_wisdom_count(), 1u);
  std::remove(path.c_str());
}

TEST(WisdomEnvironment, ABrokenFileWarnsAndPlansUseTheCostModel) {
  const std::string path = environment_file();
  if (!ends_with(path, "env_bad.txt")) GTEST_SKIP() << "run with XCONV_WISDOM=.../env_bad.txt";
  write_file(path, "xconv-wisdom 1\nversion\n");
  xconv_set_log(capture, nullptr);
  const std::string d = default_describe(small_case(XCONV_LAYOUT_NCHW).desc);
  xconv_set_log(nullptr, nullptr);
  EXPECT_NE(d.find("choice=heuristic"), std::string::npos) << d;
  std::lock_guard<std::mutex> lock(log_mutex);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("XCONV_WISDOM"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("line 2"), std::string::npos) << warnings[0];
  std::remove(path.c_str());
}

}  // namespace
