#include "kernels/frame/verbose.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>

namespace xconv {
namespace {

// The descriptor in one token: batch, input channels x height x width,
// output channels, kernel, stride, dilation, padding (top, left, bottom,
// right) and groups.
void print_shape(char* text, size_t size, const xconv_conv2d_desc& d) {
  std::snprintf(text, size,
                "n%" PRId64 "_c%" PRId64 "x%" PRId64 "x%" PRId64 "_k%" PRId64 "_r%" PRId64 "x%" PRId64
                "_s%" PRId64 "x%" PRId64 "_d%" PRId64 "x%" PRId64 "_p%" PRId64 ".%" PRId64 ".%" PRId64 ".%" PRId64
                "_g%" PRId64,
                d.batch, d.in_channels, d.in_height, d.in_width, d.out_channels, d.kernel_height, d.kernel_width,
                d.stride_height, d.stride_width, d.dilation_height, d.dilation_width, d.pad_top, d.pad_left,
                d.pad_bottom, d.pad_right, d.groups);
}

}  // namespace

bool verbose_enabled() {
  static const bool enabled = [] {
    const char* v = std::getenv("XCONV_VERBOSE");
    return v != nullptr && std::atoi(v) != 0;
  }();
  return enabled;
}

void verbose_create(const xconv_plan& p, double milliseconds) {
  char shape[256];
  print_shape(shape, sizeof(shape), p.shape.d);
  std::fprintf(stderr, "xconv_verbose,create,%s,%.3f ms,%s\n", shape, milliseconds, p.description.c_str());
}

void verbose_run(const xconv_plan& p, size_t batch, int threads, double milliseconds) {
  char shape[256];
  print_shape(shape, sizeof(shape), p.shape.d);
  std::fprintf(stderr, "xconv_verbose,run,%s,%.3f ms,path=%s kernel=%s threads=%d batch=%zu\n", shape,
               milliseconds, path_name(p.choice.path), kernel_label(p.choice), threads, batch);
}

}  // namespace xconv
