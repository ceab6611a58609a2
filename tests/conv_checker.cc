#include "tests/conv_checker.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "kernels/frame/isa.h"
#include "kernels/frame/kernel_table.h"
#include "kernels/frame/layout.h"
#include "kernels/ref/conv2d_ref.h"

namespace xconv::test {
namespace {

constexpr size_t kGuard = 64;  // floats of guard band on each side of the output
constexpr uint32_t kGuardBits = 0x7fc0dead;  // a NaN payload nothing else produces

float guard_value() {
  float f;
  std::memcpy(&f, &kGuardBits, sizeof f);
  return f;
}

bool is_guard(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits == kGuardBits;
}

}  // namespace

std::vector<xconv_isa> runnable_isas() {
  std::vector<xconv_isa> isas;
  for (const IsaInfo& info : kIsas) {
    if (xconv_isa_supported(info.isa)) isas.push_back(info.isa);
  }
  return isas;
}

std::string isa_param_name(const ::testing::TestParamInfo<xconv_isa>& info) {
  return xconv_isa_name(info.param);
}

ConvData random_data(const xconv_conv2d_desc& d, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  auto fill = [&](size_t n) {
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
  };
  int64_t oh = 0, ow = 0;
  xconv_conv2d_output_size(&d, &oh, &ow);
  ConvData data;
  data.input = fill(static_cast<size_t>((d.batch - 1) * input_geometry(d).image_stride +
                                        input_geometry(d).image_span()));
  data.weights = fill(d.out_channels * (d.in_channels / d.groups) * d.kernel_height * d.kernel_width);
  data.bias = fill(d.out_channels);
  const TensorGeometry out = output_geometry(d, oh, ow);
  data.output_count = static_cast<size_t>((d.batch - 1) * out.image_stride + out.image_span());
  data.slopes = fill(d.out_channels);
  if (d.has_residual) data.residual = fill(data.output_count);
  return data;
}

xconv_conv2d_desc desc_with(const ConvCase& c, const ConvData& data) {
  xconv_conv2d_desc d = c.desc;
  if (c.prelu) d.negative_slopes = data.slopes.data();
  return d;
}

ConvCase random_case(uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  ConvCase c;
  c.seed = seed;
  xconv_conv2d_desc& d = c.desc;
  for (;;) {
    xconv_conv2d_desc_init(&d);
    d.batch = pick(1, 3);
    const int64_t kind = pick(0, 9);
    if (kind == 0) {  // depthwise, sometimes with a channel multiplier
      // Up to 12 channels: inside one vector (the tail); up to 40: whole
      // vectors of every target too, and NHWC tiles of several vectors.
      d.groups = pick(0, 1) ? pick(1, 12) : pick(13, 40);
      d.in_channels = d.groups;
      d.out_channels = d.groups * pick(1, 2);
    } else if (kind == 1 && pick(0, 1) == 0) {  // ResNeXt-like: many groups, few channels each (grouped direct)
      d.groups = 4 * pick(1, 4);
      const int64_t group_out = int64_t{2} << pick(0, 2);  // 2, 4 or 8
      // Square groups (ResNeXt's) half the time: their own tiles on x86.
      d.in_channels = d.groups * (pick(0, 1) ? group_out : pick(1, group_out));
      d.out_channels = d.groups * group_out;
    } else {
      d.groups = kind <= 2 ? pick(2, 4) : 1;
      d.in_channels = d.groups * pick(1, kind >= 8 ? 40 : 9);
      d.out_channels = d.groups * pick(1, kind >= 7 ? 70 : 17);
    }
    d.in_height = pick(1, 14);
    // Depthwise rows up to 70 wide, so that its vector paths (16 columns on
    // AVX-512, stride 1 and 2, overlapping last vectors) are reached too.
    d.in_width = kind == 0 ? pick(1, 70) : pick(1, 14);
    d.kernel_height = pick(1, 5);
    d.kernel_width = pick(1, 5);
    d.stride_height = pick(1, 3);
    d.stride_width = pick(1, 3);
    d.dilation_height = pick(0, 3) == 0 ? pick(2, 3) : 1;
    d.dilation_width = pick(0, 3) == 0 ? pick(2, 3) : 1;
    d.pad_top = pick(0, 3);
    d.pad_left = pick(0, 3);
    d.pad_bottom = pick(0, 3);
    d.pad_right = pick(0, 3);
    if (kind == 9 && pick(0, 1) == 0) {  // one pixel, 1x1: a classifier (the indirect path in both layouts)
      d.in_height = d.in_width = d.kernel_height = d.kernel_width = 1;
      d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = 0;
    }
    d.layout = pick(0, 1) ? XCONV_LAYOUT_NHWC : XCONV_LAYOUT_NCHW;
    d.weight_layout = static_cast<xconv_weight_layout>(pick(0, 2));
    switch (pick(0, 3)) {
      case 0: d.output_min = 0.0f; break;  // ReLU
      case 1: d.output_min = -0.5f, d.output_max = 0.75f; break;
      default: break;
    }
    c.bias = pick(0, 1) == 1;
    switch (pick(0, 7)) {  // post-ops
      case 0: d.has_residual = 1; break;
      case 1: d.has_residual = 1, d.residual_scale = -0.5f, c.residual_in_place = true; break;
      case 2: d.negative_slope = 0.125f; break;  // leaky ReLU
      case 3: c.prelu = true; break;
      case 4: d.has_residual = 1, c.residual_in_place = pick(0, 1) == 1, c.prelu = true; break;
      default: break;
    }
    int64_t oh, ow;
    if (xconv_conv2d_output_size(&d, &oh, &ow) != XCONV_OK) continue;
    // Sometimes inside bigger buffers: wider pixels or planes, gaps between images.
    const bool nchw = d.layout == XCONV_LAYOUT_NCHW;
    if (pick(0, 4) == 0) d.input_stride = (nchw ? d.in_height * d.in_width : d.in_channels) + pick(1, 5);
    if (pick(0, 4) == 0) d.output_stride = (nchw ? oh * ow : d.out_channels) + pick(1, 5);
    if (pick(0, 5) == 0) {
      d.input_image_stride = input_geometry(d).image_span() + pick(1, 9);
      d.output_image_stride = output_geometry(d, oh, ow).image_span() + pick(0, 9);
    }
    return c;
  }
}

std::string describe(const ConvCase& c) {
  const xconv_conv2d_desc& d = c.desc;
  char text[512];
  std::snprintf(text, sizeof text,
                "seed=%" PRIu64 " N=%" PRId64 " C=%" PRId64 " H=%" PRId64 " W=%" PRId64 " K=%" PRId64
                " R=%" PRId64 " S=%" PRId64 " stride=%" PRId64 "x%" PRId64 " dil=%" PRId64 "x%" PRId64
                " pad=t%" PRId64 "l%" PRId64 "b%" PRId64 "r%" PRId64 " g=%" PRId64
                " %s weights=%d bias=%d clamp=[%g,%g] residual=%d(scale %g%s) slope=%s%g strides in %" PRId64
                "/%" PRId64 " out %" PRId64 "/%" PRId64,
                c.seed, d.batch, d.in_channels, d.in_height, d.in_width, d.out_channels, d.kernel_height,
                d.kernel_width, d.stride_height, d.stride_width, d.dilation_height, d.dilation_width,
                d.pad_top, d.pad_left, d.pad_bottom, d.pad_right, d.groups,
                d.layout == XCONV_LAYOUT_NCHW ? "NCHW" : "NHWC", static_cast<int>(d.weight_layout),
                c.bias, d.output_min, d.output_max, d.has_residual, d.residual_scale,
                c.residual_in_place ? ", in place" : "", c.prelu ? "prelu " : "", d.negative_slope, d.input_stride,
                d.input_image_stride, d.output_stride, d.output_image_stride);
  return text;
}

xconv_plan_options random_options(const ConvCase& c, xconv_isa isa) {
  std::mt19937_64 rng(c.seed ^ 0x9e3779b97f4a7c15ull);
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  xconv_plan_options o;
  xconv_plan_options_init(&o);
  o.isa = isa;
  o.num_threads = static_cast<int>(pick(1, 3));
  o.use_all_threads = 1;  // split even these small shapes, to test the split
  if (pick(0, 2) == 0) {
    o.kc = pick(1, 9);
    o.mc = pick(1, 40);
    o.nc = pick(1, 40);
  }
  if (pick(0, 2) == 0) {
    std::vector<const KernelInfo*> fitting;
    for (size_t i = 0; i < kernel_count(); ++i) {
      const KernelInfo& k = kernel_at(i);
      const xconv_conv2d_desc& d = c.desc;
      // NCHW one-pixel layers with adjacent channel planes are NHWC's bytes (shape.h).
      const bool one_pixel = d.in_height == 1 && d.in_width == 1 && d.kernel_height == 1 && d.kernel_width == 1 &&
                             d.pad_top + d.pad_left + d.pad_bottom + d.pad_right == 0 && d.input_stride <= 1 &&
                             d.output_stride <= 1;
      const bool fits = k.family == KernelFamily::kGemm || d.layout == XCONV_LAYOUT_NHWC || one_pixel;
      if (k.isa == isa && fits) fitting.push_back(&k);
    }
    if (!fitting.empty()) o.kernel = fitting[static_cast<size_t>(pick(0, static_cast<int64_t>(fitting.size()) - 1))]->name;
  }
  return o;
}

xconv_status run_case(const xconv_plan* plan, const ConvCase& c, const ConvData& data, const float* input,
                      float* output, const float* residual) {
  xconv_run_args args;
  xconv_run_args_init(&args);
  args.input = input;
  args.output = output;
  if (c.desc.has_residual) {
    args.residual = residual ? residual : data.residual.data();
    if (c.residual_in_place) {
      std::copy(data.residual.begin(), data.residual.end(), output);
      args.residual = output;
    }
  }
  return xconv_plan_execute(plan, &args);
}

::testing::AssertionResult check_case(const ConvCase& c, const xconv_plan_options& options) {
  int64_t oh = 0, ow = 0;
  if (xconv_conv2d_output_size(&c.desc, &oh, &ow) != XCONV_OK) {
    return ::testing::AssertionFailure() << "invalid case: " << xconv_last_error();
  }
  const ConvData data = random_data(c.desc, c.seed);
  const xconv_conv2d_desc d = desc_with(c, data);
  const std::vector<float>&input = data.input, &weights = data.weights;
  const size_t out_n = data.output_count;
  const float* bias_ptr = c.bias ? data.bias.data() : nullptr;

  xconv_plan* plan = nullptr;
  if (xconv_plan_create(&d, weights.data(), bias_ptr, &options, &plan) != XCONV_OK) {
    return ::testing::AssertionFailure() << "plan_create failed: " << xconv_last_error();
  }
  constexpr size_t kLineFloats = 64 / sizeof(float);
  std::vector<float> buffer(out_n + 2 * kGuard + kLineFloats, guard_value());
  size_t lead = kGuard;  // floats of the buffer before the output, all guard values
  if (c.output_line_offset >= 0) {
    const size_t misplaced = reinterpret_cast<uintptr_t>(buffer.data() + lead) % 64 / sizeof(float);
    lead += (kLineFloats - misplaced) % kLineFloats + static_cast<size_t>(c.output_line_offset) % kLineFloats;
  }
  float* output = buffer.data() + lead;  // its elements NaN, any gaps between them guard values
  for (int64_t n = 0; n < d.batch; ++n) {
    for (int64_t k = 0; k < d.out_channels; ++k) {
      for (int64_t y = 0; y < oh; ++y) {
        for (int64_t x = 0; x < ow; ++x) output[output_geometry(d, oh, ow).offset(n, k, y, x)] = NAN;
      }
    }
  }
  const xconv_status status = run_case(plan, c, data, input.data(), output);
  const std::string plan_text = xconv_plan_describe(plan);
  xconv_plan_destroy(plan);
  if (status != XCONV_OK) return ::testing::AssertionFailure() << "plan_run failed: " << xconv_last_error();

  for (size_t i = 0; i < lead; ++i) {
    if (!is_guard(buffer[i])) {
      return ::testing::AssertionFailure() << "overwrite before the output at offset -" << (lead - i)
                                           << "; plan: " << plan_text;
    }
  }
  for (size_t i = lead + out_n; i < buffer.size(); ++i) {
    if (!is_guard(buffer[i])) {
      return ::testing::AssertionFailure() << "overwrite after the output at offset +" << (i - lead - out_n)
                                           << "; plan: " << plan_text;
    }
  }
  const ref::RefResult ref = ref::conv2d(d, input.data(), weights.data(), bias_ptr, data.residual.data());
  const size_t depth = (d.in_channels / d.groups) * d.kernel_height * d.kernel_width;
  const TensorGeometry out = output_geometry(d, oh, ow);
  std::vector<char> element(out_n, 0);
  for (int64_t n = 0; n < d.batch; ++n) {
    for (int64_t k = 0; k < d.out_channels; ++k) {
      for (int64_t y = 0; y < oh; ++y) {
        for (int64_t x = 0; x < ow; ++x) {
          const size_t i = activation_offset(d.layout, n, k, y, x, d.out_channels, oh, ow), at = out.offset(n, k, y, x);
          element[at] = 1;
          const double bound = ref::error_bound(depth, ref.magnitude[i]);
          const double diff = std::fabs(static_cast<double>(output[at]) - ref.output[i]);
          if (!(diff <= bound)) {  // also catches NaN left in place
            return ::testing::AssertionFailure() << "output (" << n << ", " << k << ", " << y << ", " << x
                                                 << ") = " << output[at] << ", reference " << ref.output[i]
                                                 << ", |diff| " << diff << " > bound " << bound
                                                 << "; plan: " << plan_text;
          }
        }
      }
    }
  }
  for (size_t at = 0; at < out_n; ++at) {  // the gaps between a strided output's elements
    if (!element[at] && !is_guard(output[at]) && !(c.residual_in_place && output[at] == data.residual[at])) {
      return ::testing::AssertionFailure() << "overwrite in a gap of the output at offset " << at
                                           << "; plan: " << plan_text;
    }
  }
  return ::testing::AssertionSuccess();
}

// Case c's output from a plan of the ISA on `threads` threads, all of them
// used, and the plan's description; empty (after a failure) when the plan
// cannot be made or run.
std::vector<float> output_on_threads(const ConvCase& c, const ConvData& data, xconv_isa isa, int threads,
                                     const float* bias, std::string* description) {
  const xconv_conv2d_desc d = desc_with(c, data);
  xconv_plan_options o;
  xconv_plan_options_init(&o);
  o.isa = isa;
  o.num_threads = threads;
  o.use_all_threads = 1;
  xconv_plan* plan = nullptr;
  if (xconv_plan_create(&d, data.weights.data(), bias, &o, &plan) != XCONV_OK) {
    ADD_FAILURE() << xconv_last_error();
    return {};
  }
  *description = xconv_plan_describe(plan);
  std::vector<float> out(data.output_count);
  const xconv_status status = run_case(plan, c, data, data.input.data(), out.data());
  xconv_plan_destroy(plan);
  if (status != XCONV_OK) {
    ADD_FAILURE() << xconv_last_error();
    return {};
  }
  return out;
}

}  // namespace xconv::test
