#include "kernels/frame/run.h"

#include <cstdint>

#include "kernels/frame/denormals.h"
#include "kernels/frame/error.h"
#include "kernels/paths/gemm_tasks.h"
#include "kernels/paths/indirect_gemm.h"
#include "kernels/paths/packed_gemm.h"

namespace xconv {
namespace {

// Each thread's slice of the workspace starts on a 64-byte boundary.
size_t slot_floats(const xconv_plan& plan) {
  const size_t per_line = kAlignment / sizeof(float);
  return (plan.workspace_floats_per_thread + per_line - 1) / per_line * per_line;
}

void run_task(const xconv_plan& p, const float* input, float* output, float* scratch, size_t task) {
  switch (p.choice.path) {
    case ConvPath::kPackedGemm: packed_gemm_task(p, input, output, scratch, task); return;
    case ConvPath::kIndirectGemm: indirect_gemm_task(p, input, output, scratch, task); return;
    case ConvPath::kDepthwiseDirect:
    case ConvPath::kGroupedDirect: p.choice.direct(p.depthwise_job, input, output, scratch, task); return;
  }
}

}  // namespace

size_t task_count(const xconv_plan& p) {
  const xconv_conv2d_desc& d = p.shape.d;
  switch (p.choice.path) {
    case ConvPath::kPackedGemm:
    case ConvPath::kIndirectGemm: return gemm_task_count(p);
    case ConvPath::kDepthwiseDirect:  // an output plane (NCHW) or row (NHWC) a task: depthwise.h
    case ConvPath::kGroupedDirect:
      return static_cast<size_t>(d.batch * (d.layout == XCONV_LAYOUT_NCHW ? d.out_channels : p.shape.out_h));
  }
  return 0;
}

size_t workspace_bytes(const xconv_plan& plan) {
  return slot_floats(plan) * static_cast<size_t>(plan.num_threads) * sizeof(float);
}

xconv_status run_plan(const char* who, const xconv_plan* plan, const float* input, float* output,
                      void* workspace) {
  if (plan == nullptr) return fail(XCONV_INVALID_ARGUMENT, "%s: plan is NULL", who);
  if (input == nullptr) return fail(XCONV_INVALID_ARGUMENT, "%s: input is NULL", who);
  if (output == nullptr) return fail(XCONV_INVALID_ARGUMENT, "%s: output is NULL", who);
  if (reinterpret_cast<uintptr_t>(workspace) % alignof(float) != 0) {
    return fail(XCONV_INVALID_ARGUMENT, "%s: workspace is not aligned to a float", who);
  }
  float* scratch = static_cast<float*>(workspace);
  if (scratch == nullptr) {
    // The calling thread's own workspace, kept between runs (of any plan) and
    // grown when a plan needs more: no allocation, and no page faults on
    // fresh pages, in the steady state. Each thread has its own, so
    // concurrent runs never share one.
    thread_local AlignedBuffer internal;
    const size_t needed = slot_floats(*plan) * plan->num_threads;
    if (internal.size() < needed && !internal.allocate(needed)) {
      return fail(XCONV_OUT_OF_MEMORY, "%s: out of memory for %zu bytes of workspace", who,
                  workspace_bytes(*plan));
    }
    scratch = internal.data();
  }
  const size_t stride = slot_floats(*plan);
  auto task = [&](size_t index, int slot) {
    ScopedFlushDenormals flush(plan->flush_denormals);
    run_task(*plan, input, output, scratch + stride * static_cast<size_t>(slot), index);
  };
  const size_t count = task_count(*plan);
  if (plan->pool) {
    plan->pool->run(count, task);
  } else {
    for (size_t i = 0; i < count; ++i) task(i, 0);
  }
  return XCONV_OK;
}

}  // namespace xconv
