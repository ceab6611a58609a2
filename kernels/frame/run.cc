#include "kernels/frame/run.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdint>

#include "kernels/frame/denormals.h"
#include "kernels/frame/error.h"
#include "kernels/frame/thread_pool.h"
#include "kernels/frame/verbose.h"
#include "kernels/paths/gemm_tasks.h"
#include "kernels/paths/indirect_gemm.h"
#include "kernels/paths/packed_gemm.h"

namespace xconv {
namespace {

// Each thread's slice of the workspace starts on a 64-byte boundary, and
// with several threads the slices keep a page between them. Back to back,
// a core's prefetchers ran on from the end of its slice into the start of
// its neighbour's, which the neighbour was writing, and every such line
// went back and forth between the cores: seed_c3_55_k20_n8 on two threads
// (4 KiB slices) ran at 107-111 GFLOP/s with the slices adjacent, 114-118
// with a line between them and 117-123 with a page.
constexpr size_t kSliceGapFloats = 4096 / sizeof(float);

size_t slot_floats(const xconv_plan& plan) {
  const size_t per_line = kAlignment / sizeof(float);
  const size_t used = (plan.workspace_floats_per_thread + per_line - 1) / per_line * per_line;
  return plan.num_threads > 1 && used > 0 ? used + kSliceGapFloats : used;
}

// One task counter, alone in its cache line so that jobs taking from
// different counters never contend.
struct alignas(64) TaskCounter {
  std::atomic<size_t> next{0};
  size_t end = 0;
};

// The most task ranges a run splits into; a run with more jobs lets
// several start on the same range.
constexpr size_t kMaxRanges = 64;

// One run in flight. Each job (a thread's share) owns the workspace slice
// of its index. The tasks are cut into one contiguous range per job: a job
// runs its own range from the front, a task at a time, then takes what is
// left of the others' ranges, from their fronts too. Whoever schedules the
// jobs, every task runs once, on some job's slice, so the bits never
// change. Contiguous ranges keep neighbouring tasks on one core, where
// they share input rows (two of three for a 3x3 depthwise row) and output
// cache lines at their borders; dealt out in four chunks per job from one
// counter, the two cores' tasks interleaved. Against that, on two threads
// (one process, alternating rounds): seed_c3_55_k20_n8 in NCHW 1.20x on
// AVX2 and AVX-512, seed_c3_55_k20 1.10x and 1.31x, the NHWC GEMM, grouped
// and depthwise layers 1.0-1.12x. Taking from the others keeps a slower
// core (a busy neighbour in a VM) from holding up the end of the run.
struct Run {
  const xconv_plan* plan;
  RunExtent extent;
  RunTensors tensors;
  float* scratch;
  size_t slot_floats;
  size_t ranges;
  TaskCounter range[kMaxRanges];

  void split(size_t tasks, size_t jobs) {
    ranges = std::max<size_t>(1, std::min(jobs, kMaxRanges));
    for (size_t i = 0; i < ranges; ++i) {
      range[i].next.store(tasks * i / ranges, std::memory_order_relaxed);
      range[i].end = tasks * (i + 1) / ranges;
    }
  }
};

void run_task(const xconv_plan& p, const RunExtent& e, const RunTensors& t, float* scratch, size_t task) {
  switch (p.choice.path) {
    case ConvPath::kPackedGemm: packed_gemm_task(p, e, t, scratch, task); return;
    case ConvPath::kIndirectGemm: indirect_gemm_task(p, e, t, scratch, task); return;
    case ConvPath::kDepthwiseDirect:
    case ConvPath::kGroupedDirect: p.choice.direct(p.depthwise_job, t, scratch, task); return;
    case ConvPath::kImplicitGemm: p.choice.implicit(p.implicit_job, t, scratch, task); return;
  }
}

void run_job(void* context, size_t job) {
  Run& r = *static_cast<Run*>(context);
  ScopedFlushDenormals flush(r.plan->flush_denormals);
  float* scratch = r.scratch + r.slot_floats * job;
  for (size_t k = 0; k < r.ranges; ++k) {  // its own range first, then the others'
    TaskCounter& c = r.range[(job + k) % r.ranges];
    for (size_t i = c.next.fetch_add(1); i < c.end; i = c.next.fetch_add(1)) {
      run_task(*r.plan, r.extent, r.tensors, scratch, i);
    }
  }
}

void run_pool_job(void* context, size_t job, int /*slot*/) { run_job(context, job); }

// The calling thread's own workspace, kept between runs (of any plan) and
// grown when a plan needs more: no allocation, and no page faults on fresh
// pages, in the steady state. Each thread has its own, so concurrent runs
// never share one.
// False when it cannot grow; *out may be NULL when no workspace is needed.
bool thread_workspace(size_t floats, float** out) {
  thread_local AlignedBuffer internal;
  if (internal.size() < floats && !internal.allocate(floats)) return false;
  *out = internal.data();
  return true;
}

}  // namespace

size_t task_count(const xconv_plan& p, const RunExtent& e) {
  const xconv_conv2d_desc& d = p.shape.d;
  switch (p.choice.path) {
    case ConvPath::kPackedGemm:
    case ConvPath::kIndirectGemm: return gemm_task_count(p, e);
    case ConvPath::kDepthwiseDirect:  // output planes (NCHW), rows or bands (NHWC): depthwise.h
    case ConvPath::kGroupedDirect:
      return depthwise_tasks(p.depthwise_job, d.layout == XCONV_LAYOUT_NCHW, static_cast<int64_t>(e.batch));
    case ConvPath::kImplicitGemm: return implicit_gemm_tasks(p.implicit_job, e.batch);  // bands of output rows
  }
  return 0;
}

size_t workspace_bytes(const xconv_plan& plan) {
  return slot_floats(plan) * static_cast<size_t>(plan.num_threads) * sizeof(float);
}

xconv_status run_plan(const char* who, const xconv_plan* plan, const xconv_run_args& args) {
  if (plan == nullptr) return fail(XCONV_INVALID_ARGUMENT, "%s: plan is NULL", who);
  const int64_t planned = plan->max_batch;
  const int64_t batch = args.batch < 0 ? planned : args.batch;
  if (args.batch < -1 || batch > planned) {
    return fail(XCONV_INVALID_ARGUMENT, "%s: batch must be -1 (the plan's) or in [0, %" PRId64 "], got %" PRId64,
                who, planned, args.batch);
  }
  if (batch == 0) return XCONV_OK;  // an empty tensor: nothing to read or write
  if (args.input == nullptr) return fail(XCONV_INVALID_ARGUMENT, "%s: input is NULL", who);
  if (args.output == nullptr) return fail(XCONV_INVALID_ARGUMENT, "%s: output is NULL", who);
  const bool has_residual = plan->shape.d.has_residual != 0;
  if (has_residual && args.residual == nullptr) {
    return fail(XCONV_INVALID_ARGUMENT,
                "%s: the plan adds a residual (desc.has_residual), but the run gives none: pass it in "
                "xconv_run_args.residual to xconv_plan_execute",
                who);
  }
  if (!has_residual && args.residual != nullptr) {
    return fail(XCONV_INVALID_ARGUMENT, "%s: a residual was given, but the plan was created without has_residual",
                who);
  }
  if (reinterpret_cast<uintptr_t>(args.workspace) % alignof(float) != 0) {
    return fail(XCONV_INVALID_ARGUMENT, "%s: workspace is not aligned to a float", who);
  }
  const auto start = verbose_enabled() ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
  Run run;
  run.plan = plan;
  run.extent = run_extent(*plan, static_cast<size_t>(batch));
  run.tensors = RunTensors{args.input, args.output, args.residual, batch};
  run.slot_floats = slot_floats(*plan);
  const size_t tasks = task_count(*plan, run.extent);
  run.scratch = static_cast<float*>(args.workspace);
  if (run.scratch == nullptr) {
    if (!thread_workspace(run.slot_floats * static_cast<size_t>(plan->num_threads), &run.scratch)) {
      return fail(XCONV_OUT_OF_MEMORY, "%s: out of memory for %zu bytes of workspace", who, workspace_bytes(*plan));
    }
  }
  const size_t jobs = std::min<size_t>(static_cast<size_t>(plan->num_threads), tasks);
  run.split(tasks, jobs);
  int threads = 1;
  if (jobs > 1 && args.parallel_for != nullptr) {
    args.parallel_for(args.parallel_context, jobs, run_job, &run);
    threads = static_cast<int>(jobs);
  } else if (ThreadPool* pool = jobs > 1 ? shared_pool(static_cast<int>(jobs)) : nullptr) {
    threads = pool->run(jobs, static_cast<int>(jobs), run_pool_job, &run);
  } else {
    run_job(&run, 0);
  }
  if (verbose_enabled()) {
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    verbose_run(*plan, static_cast<size_t>(batch), threads, ms);
  }
  return XCONV_OK;
}

}  // namespace xconv
