// A plan is immutable and may be run from many threads at once; plans may be
// created and destroyed concurrently; a pool is shut down cleanly while idle.
// Built for the TSan stage too (scripts/test.sh).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>
#include <vector>

#include "kernels/frame/thread_pool.h"
#include "tools/layer_suite.h"
#include "xconv/xconv.h"

namespace {

xconv_conv2d_desc layer(bool nhwc) {
  xconv_conv2d_desc d;
  xconv_conv2d_desc_init(&d);
  d.batch = 2, d.in_channels = 16, d.in_height = 19, d.in_width = 23, d.out_channels = 24;
  d.kernel_height = d.kernel_width = 3;
  d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = 1;
  d.layout = nhwc ? XCONV_LAYOUT_NHWC : XCONV_LAYOUT_NCHW;
  return d;
}

constexpr size_t kInput = 2 * 16 * 19 * 23, kWeights = 24 * 16 * 9, kOutput = 2 * 24 * 19 * 23;

// 8 threads run one plan (with its own 2-thread pool) at once, each on its
// own input, several times; each result must equal the same input run alone.
TEST(Concurrency, OnePlanRunFromEightThreads) {
  for (bool nhwc : {false, true}) {
    const xconv_conv2d_desc d = layer(nhwc);
    const std::vector<float> w = xconv::tools::random_floats(kWeights, 7);
    xconv_plan_options o;
    xconv_plan_options_init(&o);
    o.num_threads = 2;
    o.use_all_threads = 1;
    xconv_plan* plan = nullptr;
    ASSERT_EQ(xconv_plan_create(&d, w.data(), nullptr, &o, &plan), XCONV_OK);
    constexpr int kThreads = 8;
    std::vector<std::vector<float>> inputs, expected, got(kThreads, std::vector<float>(kOutput));
    for (int t = 0; t < kThreads; ++t) {
      inputs.push_back(xconv::tools::random_floats(kInput, 100 + t));
      expected.emplace_back(kOutput);
      ASSERT_EQ(xconv_plan_run(plan, inputs[t].data(), expected[t].data(), nullptr), XCONV_OK);
    }
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int rep = 0; rep < 5; ++rep) {
          std::fill(got[t].begin(), got[t].end(), NAN);
          if (xconv_plan_run(plan, inputs[t].data(), got[t].data(), nullptr) != XCONV_OK ||
              std::memcmp(got[t].data(), expected[t].data(), kOutput * sizeof(float)) != 0) {
            ++failures;
          }
        }
      });
    }
    for (std::thread& t : threads) t.join();
    xconv_plan_destroy(plan);
    EXPECT_EQ(failures.load(), 0) << (nhwc ? "NHWC" : "NCHW");
  }
}

// 8 threads each create, run, check and destroy their own plans.
TEST(Concurrency, PlansCreatedConcurrently) {
  const xconv_conv2d_desc d = layer(false);
  const std::vector<float> w = xconv::tools::random_floats(kWeights, 7);
  const std::vector<float> in = xconv::tools::random_floats(kInput, 8);
  std::vector<float> expected(kOutput);
  ASSERT_EQ(xconv_conv2d(&d, in.data(), w.data(), nullptr, expected.data()), XCONV_OK);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 4; ++rep) {
        xconv_plan_options o;
        xconv_plan_options_init(&o);
        o.num_threads = 1 + (t + rep) % 3;
        o.use_all_threads = 1;
        xconv_plan* plan = nullptr;
        std::vector<float> out(kOutput);
        if (xconv_plan_create(&d, w.data(), nullptr, &o, &plan) != XCONV_OK ||
            xconv_plan_run(plan, in.data(), out.data(), nullptr) != XCONV_OK ||
            std::memcmp(out.data(), expected.data(), kOutput * sizeof(float)) != 0) {
          ++failures;
        }
        xconv_plan_destroy(plan);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

// Pools destroyed while their workers sleep: never run, run once, and run
// then left idle for a while. Each destructor must return (join) promptly.
TEST(Concurrency, PoolShutDownWhileIdle) {
  for (int runs : {0, 1, 3}) {
    for (int threads : {1, 2, 4, 8}) {
      xconv::ThreadPool pool(threads);
      std::atomic<size_t> done{0};
      for (int r = 0; r < runs; ++r) pool.run(100, [&](size_t, int) { ++done; });
      if (runs == 3) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      EXPECT_EQ(done.load(), static_cast<size_t>(100 * runs));
    }
  }
}

// A run that finds the pool busy does all its tasks on its own thread. Task 0
// of the outer run starts an inner run from another thread while the outer
// one still holds the pool (task 1 keeps it busy until the inner run is done).
TEST(Concurrency, BusyPoolFallsBackToTheCaller) {
  xconv::ThreadPool pool(2);
  std::atomic<bool> inner_done{false};
  std::atomic<size_t> inner_tasks{0};
  int inner_threads = 0;
  pool.run(2, [&](size_t task, int) {
    if (task == 0) {
      std::thread other([&] { inner_threads = pool.run(4, [&](size_t, int) { ++inner_tasks; }); });
      other.join();
      inner_done = true;
    } else {
      while (!inner_done.load()) std::this_thread::yield();
    }
  });
  EXPECT_EQ(inner_threads, 1);
  EXPECT_EQ(inner_tasks.load(), 4u);
}

}  // namespace
