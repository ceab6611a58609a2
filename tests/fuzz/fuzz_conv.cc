// libFuzzer target: the input bytes choose a convolution (mostly valid and
// small, sometimes raw hostile int64 fields), the plan options (ISA, threads,
// blocks) and the data. Valid ones must match the scalar reference within the
// bound; invalid ones must be rejected with a status and a message. Anything
// else (crash, sanitizer report, hang, mismatch) is a finding.
//
//   build-asan/tests/fuzz/fuzz_conv tests/fuzz/corpus -max_total_time=60
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "kernels/frame/layout.h"
#include "kernels/ref/conv2d_ref.h"
#include "xconv/xconv.h"

namespace {

// Reads the fuzz input front to back; past its end it yields zeros.
class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t next() { return at_ < size_ ? data_[at_++] : 0; }
  int64_t in(int64_t lo, int64_t hi) { return lo + next() % (hi - lo + 1); }
  int64_t raw() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | next();
    return static_cast<int64_t>(v);
  }
  // Small exact values, so that sums stay far from overflow.
  float value() { return (static_cast<int>(next()) - 128) / 16.0f; }

 private:
  const uint8_t* data_;
  size_t size_, at_ = 0;
};

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "fuzz_conv: %s (%s)\n", what, xconv_last_error());
  std::abort();
}

void hostile(Bytes& in) {
  xconv_conv2d_desc d;
  xconv_conv2d_desc_init(&d);
  int64_t* fields[] = {&d.batch, &d.in_channels, &d.in_height, &d.in_width, &d.out_channels,
                       &d.kernel_height, &d.kernel_width, &d.stride_height, &d.stride_width,
                       &d.dilation_height, &d.dilation_width, &d.pad_top, &d.pad_left,
                       &d.pad_bottom, &d.pad_right, &d.groups};
  for (int64_t* f : fields) *f = in.next() & 1 ? in.raw() : in.in(-2, 40);
  d.layout = static_cast<xconv_layout>(in.in(-1, 2));
  d.weight_layout = static_cast<xconv_weight_layout>(in.in(-1, 3));
  int64_t oh = 0, ow = 0;
  if (xconv_conv2d_output_size(&d, &oh, &ow) != XCONV_OK) {
    if (xconv_last_error()[0] == '\0') finding("rejected without a message");
    return;
  }
  if (oh <= 0 || ow <= 0) finding("accepted with an empty output");
}

void valid(Bytes& in) {
  xconv_conv2d_desc d;
  xconv_conv2d_desc_init(&d);
  d.batch = in.in(1, 3);
  d.groups = in.in(1, 4);
  d.in_channels = d.groups * in.in(1, 8);  // up to 8 a group: square groups of 8 fill an AVX2 vector
  d.out_channels = d.groups * in.in(1, 20);
  if (in.next() % 4 == 0) {  // depthwise up to 40 channels: whole vectors and tails of the direct tiles
    d.groups = d.in_channels = in.in(1, 40);
    d.out_channels = d.groups * in.in(1, 2);
  }
  d.in_height = in.in(1, 12), d.in_width = in.in(1, 12);
  d.kernel_height = in.in(1, 5), d.kernel_width = in.in(1, 5);
  d.stride_height = in.in(1, 3), d.stride_width = in.in(1, 3);
  d.dilation_height = in.in(1, 3), d.dilation_width = in.in(1, 3);
  d.pad_top = in.in(0, 3), d.pad_left = in.in(0, 3), d.pad_bottom = in.in(0, 3), d.pad_right = in.in(0, 3);
  d.layout = static_cast<xconv_layout>(in.in(0, 1));
  d.weight_layout = static_cast<xconv_weight_layout>(in.in(0, 2));
  if (in.next() & 1) d.output_min = 0.0f;
  const bool with_bias = in.next() & 1;
  // Post-ops: a residual (separate or in place, scaled), a leaky or PReLU slope.
  const uint8_t post = in.next();
  d.has_residual = post & 1;
  const bool in_place = post & 2;
  if (post & 4) d.residual_scale = in.value();
  if (post & 8) d.negative_slope = in.value();
  const bool prelu = post & 16;
  // Sometimes strided: wider pixels or planes, gaps between images (the
  // buffers below span them).
  const uint8_t strided = in.next();
  xconv_plan_options o;
  xconv_plan_options_init(&o);
  o.isa = static_cast<xconv_isa>(in.in(0, 5));
  o.num_threads = static_cast<int>(in.in(1, 3));
  o.use_all_threads = static_cast<int>(in.in(0, 1));
  if (in.next() & 1) o.kc = in.in(1, 9), o.mc = in.in(1, 30), o.nc = in.in(1, 30);
  if (o.isa != XCONV_ISA_AUTO && !xconv_isa_supported(o.isa)) o.isa = XCONV_ISA_AUTO;

  int64_t oh = 0, ow = 0;
  if (xconv_conv2d_output_size(&d, &oh, &ow) != XCONV_OK) return;  // kernel larger than input
  const bool nchw = d.layout == XCONV_LAYOUT_NCHW;
  if (strided & 1) d.input_stride = (nchw ? d.in_height * d.in_width : d.in_channels) + (strided >> 4);
  if (strided & 2) d.output_stride = (nchw ? oh * ow : d.out_channels) + (strided >> 5);
  if (strided & 4) d.input_image_stride = xconv::input_geometry(d).image_span() + (strided >> 3);
  if (strided & 8) d.output_image_stride = xconv::output_geometry(d, oh, ow).image_span() + (strided >> 6);
  const xconv::TensorGeometry in_geometry = xconv::input_geometry(d), out_geometry = xconv::output_geometry(d, oh, ow);
  std::vector<float> x((d.batch - 1) * in_geometry.image_stride + in_geometry.image_span());
  std::vector<float> w(d.out_channels * (d.in_channels / d.groups) * d.kernel_height * d.kernel_width);
  std::vector<float> bias(d.out_channels), slopes(d.out_channels);
  for (float& v : x) v = in.value();
  for (float& v : w) v = in.value();
  for (float& v : bias) v = in.value();
  for (float& v : slopes) v = in.value();
  if (prelu) d.negative_slopes = slopes.data();
  std::vector<float> y((d.batch - 1) * out_geometry.image_stride + out_geometry.image_span(), NAN);
  std::vector<float> residual(d.has_residual ? y.size() : 0);
  for (float& v : residual) v = in.value();

  xconv_plan* plan = nullptr;
  if (xconv_plan_create(&d, w.data(), with_bias ? bias.data() : nullptr, &o, &plan) != XCONV_OK) {
    finding("a valid descriptor was rejected");
  }
  xconv_run_args args;
  xconv_run_args_init(&args);
  args.input = x.data();
  args.output = y.data();
  if (d.has_residual) {
    args.residual = residual.data();
    if (in_place) {
      std::copy(residual.begin(), residual.end(), y.begin());
      args.residual = y.data();
    }
  }
  if (xconv_plan_execute(plan, &args) != XCONV_OK) finding("run failed");
  xconv_plan_destroy(plan);
  const xconv::ref::RefResult ref =
      xconv::ref::conv2d(d, x.data(), w.data(), with_bias ? bias.data() : nullptr, residual.data());
  const size_t depth = (d.in_channels / d.groups) * d.kernel_height * d.kernel_width;
  for (int64_t n = 0; n < d.batch; ++n) {
    for (int64_t k = 0; k < d.out_channels; ++k) {
      for (int64_t h = 0; h < oh; ++h) {
        for (int64_t w_ = 0; w_ < ow; ++w_) {
          const size_t i = xconv::activation_offset(d.layout, n, k, h, w_, d.out_channels, oh, ow);
          const float got = y[out_geometry.offset(n, k, h, w_)];
          if (!(std::fabs(got - ref.output[i]) <= xconv::ref::error_bound(depth, ref.magnitude[i]))) {
            std::fprintf(stderr, "output %zu: %g vs reference %g\n", i, got, ref.output[i]);
            finding("mismatch against the reference");
          }
        }
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in(data, size);
  if (in.next() % 8 == 0) {
    hostile(in);
  } else {
    valid(in);
  }
  return 0;
}
