// A run allocates nothing once warmed up: with a caller workspace, or the
// calling thread's own after its first run, on 1 and 2 threads, on xconv's
// pool and on an engine's parallel-for, on every path. malloc and friends
// are replaced by counting wrappers around glibc's (operator new goes
// through malloc). Not built with sanitizers, which replace malloc themselves.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "kernels/frame/aligned_buffer.h"
#include "tests/engine_examples.h"
#include "tools/layer_suite.h"
#include "xconv/xconv.h"

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void __libc_free(void*);
}

namespace {
std::atomic<bool> g_counting{false};
std::atomic<size_t> g_allocations{0};
void count() {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

extern "C" {
void* malloc(size_t n) { return count(), __libc_malloc(n); }
void* calloc(size_t n, size_t m) { return count(), __libc_calloc(n, m); }
void* realloc(void* p, size_t n) { return count(), __libc_realloc(p, n); }
void* memalign(size_t a, size_t n) { return count(), __libc_memalign(a, n); }
void* aligned_alloc(size_t a, size_t n) { return count(), __libc_memalign(a, n); }
int posix_memalign(void** p, size_t a, size_t n) {
  count();
  *p = __libc_memalign(a, n);
  return *p ? 0 : ENOMEM;
}
void free(void* p) { __libc_free(p); }
}

namespace {

xconv_conv2d_desc layer(xconv_layout layout, int64_t groups) {
  xconv_conv2d_desc d;
  xconv_conv2d_desc_init(&d);
  d.batch = 2, d.in_channels = 64, d.in_height = 20, d.in_width = 20, d.out_channels = 64;
  d.kernel_height = d.kernel_width = 3;
  d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = 1;
  d.groups = groups;
  d.layout = layout;
  return d;
}

// The counter sees allocations at all (or the test below could not fail).
TEST(NoAllocation, CounterCounts) {
  g_allocations = 0;
  g_counting = true;
  auto* v = new std::vector<float>(1000);
  void* volatile raw = std::malloc(64);
  g_counting = false;
  std::free(raw);
  delete v;
  EXPECT_GE(g_allocations.load(), 3u);
}

TEST(NoAllocation, WarmRunsAllocateNothing) {
  xconv::test::EnginePool engine(2);
  const auto x = xconv::tools::random_floats(2 * 64 * 20 * 20, 1);
  std::vector<float> out(2 * 64 * 20 * 20);
  for (xconv_layout layout : {XCONV_LAYOUT_NCHW, XCONV_LAYOUT_NHWC}) {
    for (int64_t groups : {1, 16, 64}) {
      const xconv_conv2d_desc d = layer(layout, groups);
      const auto w = xconv::tools::random_floats(64 * (64 / groups) * 9, 2);
      for (int threads : {1, 2}) {
        xconv_plan_options o;
        xconv_plan_options_init(&o);
        o.num_threads = threads;
        o.use_all_threads = 1;
        xconv_plan* plan = nullptr;
        ASSERT_EQ(xconv_plan_create(&d, w.data(), w.data(), &o, &plan), XCONV_OK) << xconv_last_error();
        xconv::AlignedBuffer workspace;
        ASSERT_TRUE(workspace.allocate(xconv_plan_workspace_size(plan) / sizeof(float)));
        for (bool own_workspace : {false, true}) {
          for (bool engine_threads : {false, true}) {
            xconv_run_args a;
            xconv_run_args_init(&a);
            a.input = x.data();
            a.output = out.data();
            a.workspace = own_workspace ? nullptr : workspace.data();
            if (engine_threads) a.parallel_for = xconv::test::EnginePool::parallel_for, a.parallel_context = &engine;
            ASSERT_EQ(xconv_plan_execute(plan, &a), XCONV_OK);  // warm-up: the shared pool, a thread's workspace
            g_allocations = 0;
            g_counting = true;
            for (int r = 0; r < 3; ++r) xconv_plan_execute(plan, &a);
            g_counting = false;
            EXPECT_EQ(g_allocations.load(), 0u)
                << xconv_plan_describe(plan) << (own_workspace ? " thread's workspace" : " caller's workspace")
                << (engine_threads ? ", engine threads" : ", xconv's pool");
          }
        }
        xconv_plan_destroy(plan);
      }
    }
  }
}

}  // namespace
