// Thin C++ wrapper over the C API: failures become xconv::Error, plans are
// RAII objects. Everything here is inline over xconv.h; no extra ABI.
#ifndef XCONV_XCONV_HPP_
#define XCONV_XCONV_HPP_

#include <stdexcept>
#include <string>
#include <utility>

#include "xconv/xconv.h"

namespace xconv {

class Error : public std::runtime_error {
 public:
  Error(xconv_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  xconv_status status() const noexcept { return status_; }

 private:
  xconv_status status_;
};

inline void check(xconv_status status) {
  if (status != XCONV_OK) {
    throw Error(status, std::string(xconv_status_string(status)) + ": " + xconv_last_error());
  }
}

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

class Plan {
 public:
  Plan(const xconv_conv2d_desc& desc, const float* weights, const float* bias,
       const xconv_plan_options& options = make_options()) {
    check(xconv_plan_create(&desc, weights, bias, &options, &plan_));
  }
  Plan(Plan&& other) noexcept : plan_(std::exchange(other.plan_, nullptr)) {}
  Plan& operator=(Plan&& other) noexcept {
    std::swap(plan_, other.plan_);
    return *this;
  }
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;
  ~Plan() { xconv_plan_destroy(plan_); }

  void run(const float* input, float* output, void* workspace = nullptr) const {
    check(xconv_plan_run(plan_, input, output, workspace));
  }
  size_t workspace_size() const { return xconv_plan_workspace_size(plan_); }
  std::string describe() const { return xconv_plan_describe(plan_); }
  const xconv_plan* get() const noexcept { return plan_; }

 private:
  xconv_plan* plan_ = nullptr;
};

}  // namespace xconv

#endif  // XCONV_XCONV_HPP_
