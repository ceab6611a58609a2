// Prints a hash of xconv's outputs over a fixed-seed set of random shapes,
// one line per ISA this CPU runs and activation layout:
//
//   xconv_fingerprint [--shapes N] [--seed S] [--threads T]
//   avx512 NCHW shapes=200 fnv1a=0123456789abcdef
//
// Two builds whose lines agree computed the same bits on every shape: this is
// how a change that must not alter results (a restructure, a new build flag)
// is checked, by running the tool from both builds and comparing (see
// docs/DESIGN.md, "Changing code without changing results"). It uses only the
// public C API, so it builds unchanged against older versions of the library.
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "xconv/xconv.h"

namespace {

uint64_t fnv1a(uint64_t hash, const void* data, size_t bytes) {
  const unsigned char* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < bytes; ++i) hash = (hash ^ p[i]) * 0x100000001b3ull;
  return hash;
}

// A random valid descriptor: groups, depthwise, strides, dilations,
// asymmetric padding, clamps and every weight layout appear.
xconv_conv2d_desc random_desc(std::mt19937& rng, xconv_layout layout) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  xconv_conv2d_desc d;
  xconv_conv2d_desc_init(&d);
  d.layout = layout;
  d.weight_layout = static_cast<xconv_weight_layout>(pick(0, 2));
  const int kind = pick(0, 9);
  d.groups = kind == 0 ? pick(2, 4) : 1;
  const int64_t group_in = kind == 1 ? 1 : pick(1, 24);
  d.in_channels = group_in * d.groups;
  d.out_channels = d.groups * (kind == 1 ? pick(1, 2) : pick(1, 40));
  if (kind == 1) d.groups = d.in_channels;  // depthwise, channel multiplier 1 or 2
  if (kind == 1) d.out_channels = d.in_channels * pick(1, 2);
  d.batch = pick(1, 2);
  d.kernel_height = pick(1, 5);
  d.kernel_width = pick(1, 5);
  d.stride_height = pick(1, 2);
  d.stride_width = pick(1, 2);
  d.dilation_height = pick(1, 2);
  d.dilation_width = pick(1, 2);
  d.pad_top = pick(0, 2), d.pad_bottom = pick(0, 2), d.pad_left = pick(0, 2), d.pad_right = pick(0, 2);
  const int64_t min_h = (d.kernel_height - 1) * d.dilation_height + 1;
  const int64_t min_w = (d.kernel_width - 1) * d.dilation_width + 1;
  d.in_height = min_h + pick(0, 20);
  d.in_width = min_w + pick(0, 20);
  if (pick(0, 3) == 0) d.output_min = 0.0f;
  if (pick(0, 5) == 0) d.output_max = 0.5f;
  return d;
}

std::vector<float> random_floats(std::mt19937& rng, size_t count) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(count);
  for (float& x : v) x = dist(rng);
  return v;
}

int run(xconv_isa isa, xconv_layout layout, int shapes, unsigned seed, int threads) {
  std::mt19937 rng(seed);
  uint64_t hash = 0xcbf29ce484222325ull;
  for (int i = 0; i < shapes; ++i) {
    const xconv_conv2d_desc d = random_desc(rng, layout);
    int64_t oh = 0, ow = 0;
    if (xconv_conv2d_output_size(&d, &oh, &ow) != XCONV_OK) {
      std::fprintf(stderr, "xconv_fingerprint: shape %d: %s\n", i, xconv_last_error());
      return 1;
    }
    const std::vector<float> input = random_floats(rng, d.batch * d.in_channels * d.in_height * d.in_width);
    const std::vector<float> weights = random_floats(
        rng, d.out_channels * (d.in_channels / d.groups) * d.kernel_height * d.kernel_width);
    const std::vector<float> bias = random_floats(rng, d.out_channels);
    const bool with_bias = (i % 3) != 0;
    std::vector<float> output(d.batch * d.out_channels * oh * ow, NAN);
    xconv_plan_options options;
    xconv_plan_options_init(&options);
    options.isa = isa;
    options.num_threads = threads;
    xconv_plan* plan = nullptr;
    if (xconv_plan_create(&d, weights.data(), with_bias ? bias.data() : nullptr, &options, &plan) != XCONV_OK ||
        xconv_plan_run(plan, input.data(), output.data(), nullptr) != XCONV_OK) {
      std::fprintf(stderr, "xconv_fingerprint: shape %d: %s\n", i, xconv_last_error());
      xconv_plan_destroy(plan);
      return 1;
    }
    xconv_plan_destroy(plan);
    hash = fnv1a(hash, output.data(), output.size() * sizeof(float));
  }
  std::printf("%s %s shapes=%d fnv1a=%016" PRIx64 "\n", xconv_isa_name(isa),
              layout == XCONV_LAYOUT_NCHW ? "NCHW" : "NHWC", shapes, hash);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int shapes = 200, threads = 1;
  unsigned seed = 2024;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--shapes" && has_value) shapes = std::atoi(argv[++i]);
    else if (arg == "--seed" && has_value) seed = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 10));
    else if (arg == "--threads" && has_value) threads = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: xconv_fingerprint [--shapes N] [--seed S] [--threads T]\n");
      return 2;
    }
  }
  if (shapes < 1 || threads < 1) {
    std::fprintf(stderr, "xconv_fingerprint: --shapes and --threads must be positive\n");
    return 2;
  }
  // Every ISA the library knows, in enum order; those this CPU lacks are skipped.
  for (int isa = XCONV_ISA_SCALAR; std::strcmp(xconv_isa_name(static_cast<xconv_isa>(isa)), "unknown") != 0; ++isa) {
    if (!xconv_isa_supported(static_cast<xconv_isa>(isa))) continue;
    for (xconv_layout layout : {XCONV_LAYOUT_NCHW, XCONV_LAYOUT_NHWC}) {
      if (run(static_cast<xconv_isa>(isa), layout, shapes, seed, threads) != 0) return 1;
    }
  }
  return 0;
}
