// The C API: argument checks, the plan's life cycle and the run loop. Every
// entry point catches everything, so no C++ exception crosses into C.
#include <cmath>
#include <cstdint>
#include <memory>
#include <new>
#include <thread>

#include "kernels/denormals.h"
#include "kernels/dispatch.h"
#include "kernels/driver.h"
#include "kernels/error.h"
#include "kernels/kernel_table.h"
#include "kernels/plan.h"
#include "kernels/raw_enum.h"
#include "xconv/xconv.h"

namespace {

using xconv::fail;

// Each thread's slice of the workspace starts on a 64-byte boundary.
size_t slot_floats(const xconv_plan& plan) {
  const size_t per_line = xconv::kAlignment / sizeof(float);
  return (plan.workspace_floats_per_thread + per_line - 1) / per_line * per_line;
}

int hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

xconv_status run_plan(const xconv_plan* plan, const float* input, float* output, void* workspace) {
  if (plan == nullptr) return fail(XCONV_INVALID_ARGUMENT, "xconv_plan_run: plan is NULL");
  if (input == nullptr) return fail(XCONV_INVALID_ARGUMENT, "xconv_plan_run: input is NULL");
  if (output == nullptr) return fail(XCONV_INVALID_ARGUMENT, "xconv_plan_run: output is NULL");
  if (reinterpret_cast<uintptr_t>(workspace) % alignof(float) != 0) {
    return fail(XCONV_INVALID_ARGUMENT, "xconv_plan_run: workspace is not aligned to a float");
  }
  float* scratch = static_cast<float*>(workspace);
  if (scratch == nullptr) {
    // The calling thread's own workspace, kept between runs (of any plan) and
    // grown when a plan needs more: no allocation, and no page faults on
    // fresh pages, in the steady state. Each thread has its own, so
    // concurrent runs never share one.
    thread_local xconv::AlignedBuffer internal;
    const size_t needed = slot_floats(*plan) * plan->num_threads;
    if (internal.size() < needed && !internal.allocate(needed)) {
      return fail(XCONV_OUT_OF_MEMORY, "xconv_plan_run: out of memory for %zu bytes of workspace",
                  xconv_plan_workspace_size(plan));
    }
    scratch = internal.data();
  }
  const size_t stride = slot_floats(*plan);
  auto task = [&](size_t index, int slot) {
    xconv::ScopedFlushDenormals flush(plan->flush_denormals);
    xconv::run_task(*plan, input, output, scratch + stride * static_cast<size_t>(slot), index);
  };
  const size_t count = xconv::task_count(*plan);
  if (plan->pool) {
    plan->pool->run(count, task);
  } else {
    for (size_t i = 0; i < count; ++i) task(i, 0);
  }
  return XCONV_OK;
}

}  // namespace

extern "C" {

void xconv_conv2d_desc_init(xconv_conv2d_desc* desc) {
  if (desc == nullptr) return;
  *desc = xconv_conv2d_desc{};
  desc->stride_height = desc->stride_width = 1;
  desc->dilation_height = desc->dilation_width = 1;
  desc->groups = 1;
  desc->layout = XCONV_LAYOUT_NCHW;
  desc->weight_layout = XCONV_WEIGHTS_OIHW;
  desc->output_min = -INFINITY;
  desc->output_max = INFINITY;
}

xconv_status xconv_conv2d_output_size(const xconv_conv2d_desc* desc, int64_t* out_height,
                                      int64_t* out_width) {
  xconv::ConvShape shape;
  if (xconv_status s = xconv::validate_desc("xconv_conv2d_output_size", desc, &shape); s != XCONV_OK) {
    return s;
  }
  if (out_height) *out_height = shape.out_h;
  if (out_width) *out_width = shape.out_w;
  return XCONV_OK;
}

void xconv_plan_options_init(xconv_plan_options* options) {
  if (options == nullptr) return;
  *options = xconv_plan_options{};
  options->isa = XCONV_ISA_AUTO;
}

xconv_status xconv_plan_create(const xconv_conv2d_desc* desc, const float* weights, const float* bias,
                               const xconv_plan_options* options, xconv_plan** out_plan) {
  try {
    if (out_plan == nullptr) return fail(XCONV_INVALID_ARGUMENT, "xconv_plan_create: out_plan is NULL");
    *out_plan = nullptr;
    xconv_plan_options defaults;
    xconv_plan_options_init(&defaults);
    std::unique_ptr<xconv_plan> plan;
    xconv_status s = xconv::create_plan("xconv_plan_create", desc, weights, bias,
                                        options ? *options : defaults, hardware_threads(), &plan);
    if (s == XCONV_OK) *out_plan = plan.release();
    return s;
  } catch (const std::bad_alloc&) {
    return fail(XCONV_OUT_OF_MEMORY, "xconv_plan_create: out of memory");
  } catch (const std::exception& e) {
    return fail(XCONV_INTERNAL_ERROR, "xconv_plan_create: %s", e.what());
  }
}

size_t xconv_plan_workspace_size(const xconv_plan* plan) {
  if (plan == nullptr) return 0;
  return slot_floats(*plan) * static_cast<size_t>(plan->num_threads) * sizeof(float);
}

xconv_status xconv_plan_run(const xconv_plan* plan, const float* input, float* output, void* workspace) {
  try {
    return run_plan(plan, input, output, workspace);
  } catch (const std::exception& e) {
    return fail(XCONV_INTERNAL_ERROR, "xconv_plan_run: %s", e.what());
  }
}

const char* xconv_plan_describe(const xconv_plan* plan) {
  return plan ? plan->description.c_str() : "(null plan)";
}

void xconv_plan_destroy(xconv_plan* plan) { delete plan; }

xconv_status xconv_conv2d(const xconv_conv2d_desc* desc, const float* input, const float* weights,
                          const float* bias, float* output) {
  try {
    if (input == nullptr) return fail(XCONV_INVALID_ARGUMENT, "xconv_conv2d: input is NULL");
    if (output == nullptr) return fail(XCONV_INVALID_ARGUMENT, "xconv_conv2d: output is NULL");
    xconv_plan_options options;
    xconv_plan_options_init(&options);
    options.num_threads = 1;
    std::unique_ptr<xconv_plan> plan;
    if (xconv_status s = xconv::create_plan("xconv_conv2d", desc, weights, bias, options, 1, &plan);
        s != XCONV_OK) {
      return s;
    }
    return run_plan(plan.get(), input, output, nullptr);
  } catch (const std::bad_alloc&) {
    return fail(XCONV_OUT_OF_MEMORY, "xconv_conv2d: out of memory");
  } catch (const std::exception& e) {
    return fail(XCONV_INTERNAL_ERROR, "xconv_conv2d: %s", e.what());
  }
}

const char* xconv_status_string(xconv_status status) {
  switch (xconv::raw_enum(status)) {  // a C caller may pass any int
    case XCONV_OK: return "XCONV_OK";
    case XCONV_INVALID_ARGUMENT: return "XCONV_INVALID_ARGUMENT";
    case XCONV_UNSUPPORTED: return "XCONV_UNSUPPORTED";
    case XCONV_OUT_OF_MEMORY: return "XCONV_OUT_OF_MEMORY";
    case XCONV_INTERNAL_ERROR: return "XCONV_INTERNAL_ERROR";
  }
  return "unknown xconv_status";
}

const char* xconv_last_error(void) { return xconv::last_error(); }

xconv_isa xconv_best_isa(void) { return xconv::best_isa(); }

int xconv_isa_supported(xconv_isa isa) {
  const int value = xconv::raw_enum(isa);
  return value > XCONV_ISA_AUTO && value <= XCONV_ISA_NEON && xconv::isa_runnable(isa) ? 1 : 0;
}

const char* xconv_isa_name(xconv_isa isa) { return xconv::isa_name(xconv::raw_enum(isa)); }

size_t xconv_kernel_count(void) { return xconv::kernel_count(); }

const char* xconv_kernel_name(size_t index) {
  return index < xconv::kernel_count() ? xconv::kernel_at(index).name : nullptr;
}

xconv_isa xconv_kernel_isa(size_t index) {
  return index < xconv::kernel_count() ? xconv::kernel_at(index).isa : XCONV_ISA_AUTO;
}

const char* xconv_version(void) { return XCONV_VERSION_STRING; }

}  // extern "C"
