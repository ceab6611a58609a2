// What an inference engine needs from xconv's threads and runs: its own
// parallel-for (a small pthread pool here; OpenMP in test_engine_openmp.cc)
// giving the same bits as xconv's pool, one shared pool however many plans
// exist, idle workers that sleep, the affinity mask respected, fork()
// survived, small layers kept on one thread, and the batch chosen per run.
// Built for the TSan stage too (scripts/test.sh).
#include <gtest/gtest.h>

#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cmath>
#include <cstring>
#include <dirent.h>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/engine_examples.h"
#include "tools/layer_suite.h"
#include "xconv/xconv.h"

namespace {

using xconv::test::EnginePool;

// A layer of each path: NCHW packed GEMM, NHWC indirect GEMM, depthwise and
// grouped direct loops. Large enough that the plan uses two threads by itself.
struct Layer {
  const char* name;
  xconv_conv2d_desc desc;
};

std::vector<Layer> layers(int64_t batch) {
  auto make = [&](xconv_layout layout, int64_t c, int64_t k, int64_t groups) {
    xconv_conv2d_desc d;
    xconv_conv2d_desc_init(&d);
    d.batch = batch, d.in_channels = c, d.in_height = 21, d.in_width = 19, d.out_channels = k;
    d.kernel_height = d.kernel_width = 3;
    d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = 1;
    d.groups = groups;
    d.layout = layout;
    return d;
  };
  return {{"nchw_packed", make(XCONV_LAYOUT_NCHW, 32, 40, 1)},
          {"nhwc_indirect", make(XCONV_LAYOUT_NHWC, 32, 40, 1)},
          {"nchw_depthwise", make(XCONV_LAYOUT_NCHW, 48, 48, 48)},
          {"nhwc_grouped", make(XCONV_LAYOUT_NHWC, 64, 64, 16)}};
}

size_t elems(const xconv_conv2d_desc& d, bool output) {
  int64_t oh = 0, ow = 0;
  xconv_conv2d_output_size(&d, &oh, &ow);
  return output ? static_cast<size_t>(d.batch * d.out_channels * oh * ow)
                : static_cast<size_t>(d.batch * d.in_channels * d.in_height * d.in_width);
}

size_t weight_elems(const xconv_conv2d_desc& d) {
  return static_cast<size_t>(d.out_channels * (d.in_channels / d.groups) * d.kernel_height * d.kernel_width);
}

xconv_plan* make_plan(const xconv_conv2d_desc& d, const std::vector<float>& w, int threads, bool all = true) {
  xconv_plan_options o;
  xconv_plan_options_init(&o);
  o.num_threads = threads;
  o.use_all_threads = all ? 1 : 0;
  xconv_plan* plan = nullptr;
  EXPECT_EQ(xconv_plan_create(&d, w.data(), w.data(), &o, &plan), XCONV_OK) << xconv_last_error();
  return plan;
}

std::vector<float> run(const xconv_plan* plan, const std::vector<float>& input, size_t out_elems,
                       xconv_parallel_for_fn parallel_for = nullptr, void* context = nullptr) {
  std::vector<float> out(out_elems, NAN);
  xconv_run_args a;
  xconv_run_args_init(&a);
  a.input = input.data();
  a.output = out.data();
  a.parallel_for = parallel_for;
  a.parallel_context = context;
  EXPECT_EQ(xconv_plan_execute(plan, &a), XCONV_OK) << xconv_last_error();
  return out;
}

TEST(EngineThreads, ParallelForGivesTheSameBitsAsThePool) {
  EnginePool engine(3);
  for (const Layer& l : layers(2)) {
    const auto w = xconv::tools::random_floats(weight_elems(l.desc), 3);
    const auto x = xconv::tools::random_floats(elems(l.desc, false), 4);
    for (int threads : {2, 3, 4}) {
      xconv_plan* plan = make_plan(l.desc, w, threads);
      const auto pooled = run(plan, x, elems(l.desc, true));
      const auto engined = run(plan, x, elems(l.desc, true), EnginePool::parallel_for, &engine);
      const auto serial = run(plan, x, elems(l.desc, true), EnginePool::serial_for, nullptr);
      EXPECT_EQ(0, std::memcmp(pooled.data(), engined.data(), pooled.size() * sizeof(float))) << l.name;
      EXPECT_EQ(0, std::memcmp(pooled.data(), serial.data(), pooled.size() * sizeof(float))) << l.name;
      xconv_plan_destroy(plan);
    }
  }
  EXPECT_GT(engine.jobs_run(), 0u);
}

// Images [0, b) of a batch-3 plan run with batch b are bit-identical to a
// batch-b plan's, and the rest of the output is not touched.
TEST(EngineThreads, BatchChosenPerRun) {
  for (const Layer& l : layers(3)) {
    const auto w = xconv::tools::random_floats(weight_elems(l.desc), 5);
    const auto x = xconv::tools::random_floats(elems(l.desc, false), 6);
    xconv_plan* full = make_plan(l.desc, w, 2);
    const size_t per_image = elems(l.desc, true) / 3;
    for (int64_t b : {0, 1, 2, 3}) {
      std::vector<float> out(elems(l.desc, true), 12345.0f);
      xconv_run_args a;
      xconv_run_args_init(&a);
      a.input = x.data();
      a.output = out.data();
      a.batch = b;
      ASSERT_EQ(xconv_plan_execute(full, &a), XCONV_OK) << xconv_last_error();
      for (size_t i = per_image * b; i < out.size(); ++i) ASSERT_EQ(out[i], 12345.0f) << l.name << " b=" << b;
      if (b == 0) continue;
      xconv_conv2d_desc small = l.desc;
      small.batch = b;
      xconv_plan* exact = make_plan(small, w, 2);
      const auto expected = run(exact, x, per_image * b);
      EXPECT_EQ(0, std::memcmp(expected.data(), out.data(), expected.size() * sizeof(float))) << l.name << " b=" << b;
      xconv_plan_destroy(exact);
    }
    xconv_run_args a;
    xconv_run_args_init(&a);
    a.batch = 0;  // nothing to do: NULL tensors are fine
    EXPECT_EQ(xconv_plan_execute(full, &a), XCONV_OK);
    for (int64_t bad : {-2, 4}) {
      a.batch = bad;
      EXPECT_EQ(xconv_plan_execute(full, &a), XCONV_INVALID_ARGUMENT);
      EXPECT_NE(std::string(xconv_last_error()).find("batch"), std::string::npos);
    }
    a.batch = -1;
    a.size = 0;
    EXPECT_EQ(xconv_plan_execute(full, &a), XCONV_INVALID_ARGUMENT);
    EXPECT_NE(std::string(xconv_last_error()).find("args.size"), std::string::npos);
    EXPECT_EQ(xconv_plan_execute(full, nullptr), XCONV_INVALID_ARGUMENT);
    xconv_plan_destroy(full);
  }
}

TEST(EngineThreads, BatchZeroIsAnEmptyTensor) {
  xconv_conv2d_desc d = layers(0)[0].desc;
  EXPECT_EQ(xconv_conv2d(&d, nullptr, nullptr, nullptr, nullptr), XCONV_OK) << xconv_last_error();
  const auto w = xconv::tools::random_floats(weight_elems(d), 1);
  xconv_plan* plan = make_plan(d, w, 2);
  EXPECT_NE(std::string(xconv_plan_describe(plan)).find("batch=0"), std::string::npos) << xconv_plan_describe(plan);
  EXPECT_EQ(xconv_plan_run(plan, nullptr, nullptr, nullptr), XCONV_OK);
  xconv_plan_destroy(plan);
}

int thread_count() {
  int n = 0;
  if (DIR* dir = opendir("/proc/self/task")) {
    while (dirent* e = readdir(dir)) n += e->d_name[0] != '.';
    closedir(dir);
  }
  return n;
}

double cpu_seconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

// 60 plans of 2 threads each, all run: the process holds the shared pool's
// threads only, and idle they cost (almost) no CPU.
TEST(EngineThreads, SixtyPlansShareOnePoolThatSleeps) {
  const Layer l = layers(1)[1];
  const auto w = xconv::tools::random_floats(weight_elems(l.desc), 8);
  const auto x = xconv::tools::random_floats(elems(l.desc, false), 9);
  const int before = thread_count();
  std::vector<xconv_plan*> plans;
  for (int i = 0; i < 60; ++i) plans.push_back(make_plan(l.desc, w, 2));
  for (xconv_plan* p : plans) run(p, x, elems(l.desc, true));
  // The pool has at least 2 threads (the caller and a worker) and at most
  // max(2, the affinity count); it may already have existed before.
  cpu_set_t set;
  ASSERT_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
  const int pool_workers = std::max(2, CPU_COUNT(&set)) - 1;
  EXPECT_LE(thread_count(), before + pool_workers) << "threads before: " << before;
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // workers' spin ends
  const double start = cpu_seconds();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const double idle = cpu_seconds() - start;
  EXPECT_LT(idle, 0.010) << "the idle pool used " << idle * 1e3 << " ms of CPU in 2 s";
  for (xconv_plan* p : plans) xconv_plan_destroy(p);
}

// num_threads = 0 means the affinity mask's count, read at plan creation.
TEST(EngineThreads, DefaultThreadsFollowTheAffinityMask) {
  cpu_set_t saved, one;
  ASSERT_EQ(sched_getaffinity(0, sizeof(saved), &saved), 0);
  int first = 0;
  while (!CPU_ISSET(first, &saved)) ++first;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
  const Layer l = layers(1)[0];
  const auto w = xconv::tools::random_floats(weight_elems(l.desc), 1);
  xconv_plan* plan = make_plan(l.desc, w, 0, false);
  ASSERT_EQ(sched_setaffinity(0, sizeof(saved), &saved), 0);
  const std::string line = xconv_plan_describe(plan);
  EXPECT_NE(line.find(" threads=1 "), std::string::npos) << line;
  EXPECT_NE(line.find("max_threads=1"), std::string::npos) << line;
  xconv_plan_destroy(plan);
}

// A small layer (0.2 MFLOP, below any ISA's threshold) stays on one thread
// unless told otherwise; a big one uses two.
TEST(EngineThreads, PlanDecidesThreadsFromWork) {
  xconv_conv2d_desc small;
  xconv_conv2d_desc_init(&small);
  small.batch = 1, small.in_channels = small.out_channels = 16, small.in_height = small.in_width = 7;
  small.kernel_height = small.kernel_width = 3;
  small.pad_top = small.pad_left = small.pad_bottom = small.pad_right = 1;
  xconv_conv2d_desc big = small;
  big.in_height = big.in_width = 56;
  const auto w = xconv::tools::random_floats(weight_elems(small), 2);
  big.in_channels = big.out_channels = 64;
  const auto w_big = xconv::tools::random_floats(weight_elems(big), 2);
  for (bool all : {false, true}) {
    xconv_plan* s = make_plan(small, w, 2, all);
    xconv_plan* b = make_plan(big, w_big, 2, all);
    const std::string ls = xconv_plan_describe(s), lb = xconv_plan_describe(b);
    EXPECT_NE(ls.find(all ? " threads=2 " : " threads=1 "), std::string::npos) << ls;
    EXPECT_NE(ls.find("max_threads=2"), std::string::npos) << ls;
    EXPECT_NE(lb.find(" threads=2 "), std::string::npos) << lb;
    xconv_plan_destroy(s);
    xconv_plan_destroy(b);
  }
}

// A process that ran plans on the pool forks (as PyTorch's DataLoader does);
// the child runs them on a pool of its own and gets the same bits.
TEST(EngineThreads, ChildOfForkRunsPlans) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "ThreadSanitizer does not support threads started after a multi-threaded fork";
#endif
  const Layer l = layers(2)[1];
  const auto w = xconv::tools::random_floats(weight_elems(l.desc), 11);
  const auto x = xconv::tools::random_floats(elems(l.desc, false), 12);
  xconv_plan* plan = make_plan(l.desc, w, 2);
  const auto expected = run(plan, x, elems(l.desc, true));
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    alarm(60);  // a hang in the child fails the test instead of blocking it
    std::vector<float> out(expected.size(), NAN);
    const bool ok = xconv_plan_run(plan, x.data(), out.data(), nullptr) == XCONV_OK &&
                    std::memcmp(out.data(), expected.data(), out.size() * sizeof(float)) == 0;
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  xconv_plan_destroy(plan);
}

}  // namespace
