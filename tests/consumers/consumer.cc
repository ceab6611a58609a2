// A C++ program built the way many engines build, -fno-exceptions -fno-rtti,
// using the C++ wrapper's status-returning calls: a plan run on a
// caller-given workspace and on a batch chosen per run, checked against the
// one-shot C call. Prints "ok" or fails.
#include <cstdio>
#include <cstring>
#include <vector>

#include <xconv/xconv.hpp>

#if defined(__cpp_exceptions) || defined(__GXX_RTTI)
#error "build this consumer with -fno-exceptions -fno-rtti"
#endif

int main() {
  xconv_conv2d_desc d = xconv::make_desc();
  d.batch = 2, d.in_channels = 8, d.in_height = d.in_width = 12, d.out_channels = 16;
  d.kernel_height = d.kernel_width = 3;
  d.stride_height = d.stride_width = 2;
  d.layout = XCONV_LAYOUT_NHWC;
  d.weight_layout = XCONV_WEIGHTS_OHWI;
  std::vector<float> x(2 * 8 * 12 * 12), w(16 * 8 * 9), y(2 * 16 * 5 * 5), want(y.size());
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 23) / 11.0f - 1.0f;
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i % 19) / 9.0f - 1.0f;
  if (xconv_conv2d(&d, x.data(), w.data(), nullptr, want.data()) != XCONV_OK) return 1;

  xconv::Plan plan;
  if (xconv::Plan::create(d, w.data(), nullptr, xconv::make_options(), &plan) != XCONV_OK) {
    std::fprintf(stderr, "xconv: %s\n", xconv_last_error());
    return 1;
  }
  std::vector<unsigned char> workspace(plan.workspace_size());
  if (plan.try_run(x.data(), y.data(), workspace.data()) != XCONV_OK ||
      std::memcmp(y.data(), want.data(), y.size() * sizeof(float)) != 0) {
    std::fprintf(stderr, "plan run differs from the one-shot call\n");
    return 1;
  }
  xconv_run_args one = xconv::make_run_args(x.data(), y.data());
  one.batch = 1;
  if (plan.try_execute(one) != XCONV_OK) return 1;
  xconv::Plan empty;
  if (empty.try_run(x.data(), y.data()) != XCONV_INVALID_ARGUMENT) return 1;  // a NULL plan is an error, not a crash
  std::printf("C++ consumer (no exceptions, no RTTI) of xconv %s: ok\n", xconv_version());
  return 0;
}
