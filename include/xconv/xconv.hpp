// Thin C++ wrapper over the C API: plans are RAII objects. Everything here is
// inline over xconv.h; no extra ABI.
//
// It works with and without exceptions. The status-returning calls
// (Plan::create, Plan::try_run, Plan::try_execute) are always there. With
// exceptions (__cpp_exceptions), failures can also become xconv::Error: the
// Plan constructor and run()/execute() throw it. Built with -fno-exceptions,
// only the status-returning calls exist, and no RTTI is needed either way.
#ifndef XCONV_XCONV_HPP_
#define XCONV_XCONV_HPP_

#include <cstddef>
#include <string>
#include <utility>

#include "xconv/xconv.h"

#if defined(__cpp_exceptions)
#include <stdexcept>
#endif

namespace xconv {

inline xconv_conv2d_desc make_desc() {
  xconv_conv2d_desc desc;
  xconv_conv2d_desc_init(&desc);
  return desc;
}

inline xconv_plan_options make_options() {
  xconv_plan_options options;
  xconv_plan_options_init(&options);
  return options;
}

inline xconv_run_args make_run_args(const float* input, float* output) {
  xconv_run_args args;
  xconv_run_args_init(&args);
  args.input = input;
  args.output = output;
  return args;
}

#if defined(__cpp_exceptions)
class Error : public std::runtime_error {
 public:
  Error(xconv_status status, const std::string& message) : std::runtime_error(message), status_(status) {}
  xconv_status status() const noexcept { return status_; }

 private:
  xconv_status status_;
};

inline void check(xconv_status status) {
  if (status != XCONV_OK) {
    throw Error(status, std::string(xconv_status_string(status)) + ": " + xconv_last_error());
  }
}
#endif

class Plan {
 public:
  Plan() = default;  // empty: create() fills it
#if defined(__cpp_exceptions)
  Plan(const xconv_conv2d_desc& desc, const float* weights, const float* bias,
       const xconv_plan_options& options = make_options()) {
    check(xconv_plan_create(&desc, weights, bias, &options, &plan_));
  }
#endif
  Plan(Plan&& other) noexcept : plan_(std::exchange(other.plan_, nullptr)) {}
  Plan& operator=(Plan&& other) noexcept {
    std::swap(plan_, other.plan_);
    return *this;
  }
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;
  ~Plan() { xconv_plan_destroy(plan_); }

  // Creates into *out (replacing what it held); on failure *out is empty and
  // xconv_last_error() says why.
  static xconv_status create(const xconv_conv2d_desc& desc, const float* weights, const float* bias,
                             const xconv_plan_options& options, Plan* out) {
    xconv_plan* plan = nullptr;
    const xconv_status status = xconv_plan_create(&desc, weights, bias, &options, &plan);
    *out = Plan(plan);
    return status;
  }

  xconv_status try_run(const float* input, float* output, void* workspace = nullptr) const noexcept {
    return xconv_plan_run(plan_, input, output, workspace);
  }
  xconv_status try_execute(const xconv_run_args& args) const noexcept { return xconv_plan_execute(plan_, &args); }
#if defined(__cpp_exceptions)
  void run(const float* input, float* output, void* workspace = nullptr) const {
    check(try_run(input, output, workspace));
  }
  void execute(const xconv_run_args& args) const { check(try_execute(args)); }
#endif

  explicit operator bool() const noexcept { return plan_ != nullptr; }
  size_t workspace_size() const { return xconv_plan_workspace_size(plan_); }
  std::string describe() const { return xconv_plan_describe(plan_); }
  const xconv_plan* get() const noexcept { return plan_; }

 private:
  explicit Plan(xconv_plan* plan) : plan_(plan) {}
  xconv_plan* plan_ = nullptr;
};

}  // namespace xconv

#endif  // XCONV_XCONV_HPP_
