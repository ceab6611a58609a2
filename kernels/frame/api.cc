// The C API: the boundary between C callers and the C++ inside. Every entry
// point catches everything, so no C++ exception crosses into C.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>

#include "kernels/frame/error.h"
#include "kernels/frame/isa.h"
#include "kernels/frame/kernel_table.h"
#include "kernels/frame/limits.h"
#include "kernels/frame/log.h"
#include "kernels/frame/plan.h"
#include "kernels/frame/raw_enum.h"
#include "kernels/frame/run.h"
#include "kernels/frame/sized_struct.h"
#include "kernels/frame/thread_pool.h"
#include "kernels/frame/wisdom.h"
#include "xconv/xconv.h"

namespace {

using xconv::fail;

// The sizes of the public structs when first published (xconv.h's ABI policy).
constexpr size_t kFirstOptionsSize = offsetof(xconv_plan_options, use_all_threads) + sizeof(int);
constexpr size_t kFirstRunArgsSize = offsetof(xconv_run_args, residual) + sizeof(const float*);

// Runs an entry point's body: no exception leaves it, each becomes a status.
template <class Body>
xconv_status at_boundary(const char* who, Body body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return fail(XCONV_OUT_OF_MEMORY, "%s: out of memory", who);
  } catch (const std::exception& e) {
    return fail(XCONV_INTERNAL_ERROR, "%s: %s", who, e.what());
  }
}

// The caller's options (NULL: the defaults) under the ABI policy.
xconv_status read_options(const char* who, const xconv_plan_options* options, xconv_plan_options* known) {
  xconv_plan_options_init(known);
  if (options == nullptr) return XCONV_OK;
  return xconv::read_sized(who, "options", *options, kFirstOptionsSize, known);
}

// The creation calls' frame: *out set to NULL first, the options read, and
// what make(known options, &object) creates released into *out on success.
template <class Object, class Make>
xconv_status create_into(const char* who, const xconv_plan_options* options, Object** out, Make make) {
  return at_boundary(who, [&] {
    if (out == nullptr) return fail(XCONV_INVALID_ARGUMENT, "%s: the output pointer is NULL", who);
    *out = nullptr;
    xconv_plan_options known;
    if (xconv_status s = read_options(who, options, &known); s != XCONV_OK) return s;
    std::unique_ptr<Object> object;
    const xconv_status s = make(known, &object);
    if (s == XCONV_OK) *out = object.release();
    return s;
  });
}

// Packed weights follow wisdom as plans do: an entry for their problem (as
// a plan with these options would look it up) fixes path, kernel and K blocks.
template <class Make>
xconv_status with_packing_options(const char* who, const xconv_conv2d_desc* desc, const xconv_plan_options& known,
                                  Make make) {
  xconv::ConvShape caller;
  if (xconv_status s = xconv::validate_desc(who, desc, &caller); s != XCONV_OK) return s;
  xconv::ConvShape shape;
  if (xconv_status s = xconv::validate_desc_for_planning(who, desc, &shape); s != XCONV_OK) return s;
  const int max_threads = known.num_threads > 0 ? known.num_threads : xconv::affinity_threads();
  xconv::ResolvedOptions r;
  xconv::resolve_options(caller.d, caller.d.negative_slopes != nullptr, max_threads, known, &r);
  return xconv::with_wisdom_fallback(&r, known, [&](const xconv_plan_options& o) { return make(shape, o); });
}

}  // namespace

extern "C" {

void xconv_conv2d_desc_init(xconv_conv2d_desc* desc) {
  if (desc == nullptr) return;
  *desc = xconv_conv2d_desc{};
  desc->size = sizeof(xconv_conv2d_desc);
  desc->stride_height = desc->stride_width = 1;
  desc->dilation_height = desc->dilation_width = 1;
  desc->groups = 1;
  desc->layout = XCONV_LAYOUT_NCHW;
  desc->weight_layout = XCONV_WEIGHTS_OIHW;
  desc->output_min = -INFINITY;
  desc->output_max = INFINITY;
  desc->residual_scale = 1.0f;
  desc->negative_slope = 1.0f;
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
  options->size = sizeof(xconv_plan_options);
  options->isa = XCONV_ISA_AUTO;
}

xconv_status xconv_plan_create(const xconv_conv2d_desc* desc, const float* weights, const float* bias,
                               const xconv_plan_options* options, xconv_plan** out_plan) {
  const char* who = "xconv_plan_create";
  return create_into(who, options, out_plan, [&](const xconv_plan_options& known, std::unique_ptr<xconv_plan>* plan) {
    return xconv::create_plan(who, desc, weights, bias, known, xconv::affinity_threads(), plan);
  });
}

xconv_status xconv_packed_weights_size(const xconv_conv2d_desc* desc, const xconv_plan_options* options,
                                       size_t* bytes) {
  const char* who = "xconv_packed_weights_size";
  return at_boundary(who, [&] {
    if (bytes == nullptr) return fail(XCONV_INVALID_ARGUMENT, "%s: bytes is NULL", who);
    xconv_plan_options known;
    if (xconv_status s = read_options(who, options, &known); s != XCONV_OK) return s;
    return with_packing_options(who, desc, known, [&](const xconv::ConvShape& shape, const xconv_plan_options& o) {
      return xconv::packed_weights_bytes(who, shape, o, bytes);
    });
  });
}

xconv_status xconv_packed_weights_create(const xconv_conv2d_desc* desc, const float* weights, const float* bias,
                                         const xconv_plan_options* options, void* memory, size_t memory_bytes,
                                         xconv_packed_weights** out) {
  const char* who = "xconv_packed_weights_create";
  return create_into(who, options, out,
                     [&](const xconv_plan_options& known, std::unique_ptr<xconv_packed_weights>* packed) {
                       return with_packing_options(
                           who, desc, known, [&](const xconv::ConvShape& shape, const xconv_plan_options& o) {
                             return xconv::create_packed_weights(who, shape, weights, bias, o, memory,
                                                                 memory_bytes, packed);
                           });
                     });
}

void xconv_packed_weights_destroy(xconv_packed_weights* packed) { delete packed; }

xconv_status xconv_plan_create_packed(const xconv_conv2d_desc* desc, const xconv_packed_weights* packed,
                                      const xconv_plan_options* options, xconv_plan** out_plan) {
  const char* who = "xconv_plan_create_packed";
  return create_into(who, options, out_plan, [&](const xconv_plan_options& known, std::unique_ptr<xconv_plan>* plan) {
    return xconv::create_plan_packed(who, desc, packed, known, xconv::affinity_threads(), plan);
  });
}

size_t xconv_plan_workspace_size(const xconv_plan* plan) {
  return plan == nullptr ? 0 : xconv::workspace_bytes(*plan);
}

xconv_status xconv_plan_run(const xconv_plan* plan, const float* input, float* output, void* workspace) {
  return at_boundary("xconv_plan_run", [&] {
    xconv_run_args args;
    xconv_run_args_init(&args);
    args.input = input;
    args.output = output;
    args.workspace = workspace;
    return xconv::run_plan("xconv_plan_run", plan, args);
  });
}

void xconv_run_args_init(xconv_run_args* args) {
  if (args == nullptr) return;
  *args = xconv_run_args{};
  args->size = sizeof(xconv_run_args);
  args->batch = -1;
}

xconv_status xconv_plan_execute(const xconv_plan* plan, const xconv_run_args* args) {
  const char* who = "xconv_plan_execute";
  return at_boundary(who, [&] {
    if (args == nullptr) return fail(XCONV_INVALID_ARGUMENT, "%s: args is NULL", who);
    xconv_run_args known;
    xconv_run_args_init(&known);
    if (xconv_status s = xconv::read_sized(who, "args", *args, kFirstRunArgsSize, &known); s != XCONV_OK) return s;
    return xconv::run_plan(who, plan, known);
  });
}

const char* xconv_plan_describe(const xconv_plan* plan) {
  return plan ? plan->description.c_str() : "(null plan)";
}

void xconv_plan_destroy(xconv_plan* plan) { delete plan; }

xconv_status xconv_conv2d(const xconv_conv2d_desc* desc, const float* input, const float* weights,
                          const float* bias, float* output) {
  return at_boundary("xconv_conv2d", [&] {
    xconv::ConvShape shape;
    if (xconv_status s = xconv::validate_desc("xconv_conv2d", desc, &shape); s != XCONV_OK) return s;
    if (shape.d.has_residual) {
      return fail(XCONV_INVALID_ARGUMENT,
                  "xconv_conv2d: desc.has_residual is set, but xconv_conv2d takes no residual: create a plan and "
                  "pass it to xconv_plan_execute");
    }
    if (shape.d.batch == 0) return XCONV_OK;  // an empty tensor: the pointers may be NULL
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
    xconv_run_args args;
    xconv_run_args_init(&args);
    args.input = input;
    args.output = output;
    return xconv::run_plan("xconv_conv2d", plan.get(), args);
  });
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
  return xconv::isa_info(value) != nullptr && xconv::isa_runnable(static_cast<xconv_isa>(value)) ? 1 : 0;
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

xconv_status xconv_wisdom_load(const char* path) {
  return at_boundary("xconv_wisdom_load", [&] { return xconv::wisdom_load(path); });
}

xconv_status xconv_wisdom_save(const char* path) {
  return at_boundary("xconv_wisdom_save", [&] { return xconv::wisdom_save(path); });
}

void xconv_wisdom_clear(void) {
  at_boundary("xconv_wisdom_clear", [] {
    xconv::wisdom_clear();
    return XCONV_OK;
  });
}

xconv_status xconv_wisdom_add(const xconv_plan* plan, int num_threads, double gflops, double default_gflops) {
  const char* who = "xconv_wisdom_add";
  return at_boundary(who, [&] {
    if (plan == nullptr) return fail(XCONV_INVALID_ARGUMENT, "%s: plan is NULL", who);
    if (num_threads < 0 || num_threads > xconv::kMaxThreads) {
      return fail(XCONV_INVALID_ARGUMENT, "%s: num_threads must be in [0, %d], got %d", who, xconv::kMaxThreads,
                  num_threads);
    }
    const auto measured = [](double g) { return std::isfinite(g) && g >= 0 && g <= xconv::kMaxGflops; };
    if (!measured(gflops) || !measured(default_gflops)) {
      return fail(XCONV_INVALID_ARGUMENT, "%s: gflops and default_gflops must be in [0, 1e9]", who);
    }
    const int max_threads = num_threads > 0 ? num_threads : xconv::affinity_threads();
    xconv::WisdomEntry entry = xconv::wisdom_entry(*plan);
    if (entry.threads > max_threads) {
      return fail(XCONV_INVALID_ARGUMENT, "%s: the plan uses %d threads, more than num_threads (%d)", who,
                  entry.threads, max_threads);
    }
    entry.gflops = gflops;
    entry.default_gflops = default_gflops;
    return xconv::wisdom_add(xconv::wisdom_problem(*plan, max_threads), entry);
  });
}

size_t xconv_wisdom_count(void) {
  size_t count = 0;
  at_boundary("xconv_wisdom_count", [&] {
    count = xconv::wisdom_count();
    return XCONV_OK;
  });
  return count;
}

void xconv_set_log(xconv_log_fn log, void* context) { xconv::set_log(log, context); }

}  // extern "C"
