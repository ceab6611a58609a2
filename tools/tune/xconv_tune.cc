// Tuning runs: for each layer, times every kernel this CPU runs with a grid
// of block sizes (kc, mc, nc) on the same inputs and prints the fastest
// options next to the default plan, as the plan options to pass.
//
//   xconv_tune [--layer NAME | --all] [--layers FILE] [--threads N] [--nhwc] [--reps N]
//
// Progress goes to stderr (one line per layer); results to stdout.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "tools/layer_suite.h"
#include "xconv/xconv.hpp"

namespace {

struct Candidate {
  xconv_plan_options options;
  std::string kernel;  // keeps options.kernel alive
  double seconds = 0;
};

double median_seconds(const xconv_conv2d_desc& d, const xconv_plan_options& options, const float* weights,
                      const float* input, float* output, int reps) {
  const xconv::Plan plan(d, weights, nullptr, options);
  std::vector<double> times;
  for (int rep = 0; rep <= reps; ++rep) {
    const auto start = std::chrono::steady_clock::now();
    plan.run(input, output);
    const std::chrono::duration<double> t = std::chrono::steady_clock::now() - start;
    if (rep > 0) times.push_back(t.count());  // the first run warms up
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

std::string options_text(const Candidate& c) {
  char text[256];
  std::snprintf(text, sizeof text, "kernel=%s kc=%lld mc=%lld nc=%lld", c.kernel.c_str(),
                static_cast<long long>(c.options.kc), static_cast<long long>(c.options.mc),
                static_cast<long long>(c.options.nc));
  return text;
}

void tune(const xconv::tools::Layer& layer, bool nhwc, int threads, int reps) {
  xconv_conv2d_desc d = layer.desc;
  if (nhwc) d.layout = XCONV_LAYOUT_NHWC;
  int64_t oh = 0, ow = 0;
  xconv::check(xconv_conv2d_output_size(&d, &oh, &ow));
  const std::vector<float> input =
      xconv::tools::random_floats(d.batch * d.in_channels * d.in_height * d.in_width, 1);
  const std::vector<float> weights = xconv::tools::random_floats(
      d.out_channels * (d.in_channels / d.groups) * d.kernel_height * d.kernel_width, 2);
  std::vector<float> output(d.batch * d.out_channels * oh * ow);

  xconv_plan_options base = xconv::make_options();
  base.num_threads = threads;
  const double default_seconds = median_seconds(d, base, weights.data(), input.data(), output.data(), reps);
  const std::string default_plan = xconv::Plan(d, weights.data(), nullptr, base).describe();

  std::vector<Candidate> candidates;
  // The fallbacks (scalar, hwy) are tuned only where no SIMD ISA runs.
  const xconv_isa best_isa = xconv_best_isa();
  const bool simd = best_isa != XCONV_ISA_SCALAR && best_isa != XCONV_ISA_HWY;
  for (size_t k = 0; k < xconv_kernel_count(); ++k) {
    const xconv_isa isa = xconv_kernel_isa(k);
    if (!xconv_isa_supported(isa) || (simd && (isa == XCONV_ISA_SCALAR || isa == XCONV_ISA_HWY))) continue;
    // Kernels that cannot serve this layer (an indirect-GEMM kernel on an
    // NCHW layer) are not candidates.
    xconv_plan_options probe = base;
    probe.kernel = xconv_kernel_name(k);
    xconv_plan* plan = nullptr;
    if (xconv_plan_create(&d, weights.data(), nullptr, &probe, &plan) != XCONV_OK) continue;
    xconv_plan_destroy(plan);
    for (int64_t kc : {192, 256, 384, 512}) {
      for (int64_t mc : {0, 256}) {
        for (int64_t nc : {0, 512, 2048}) {
          Candidate c;
          c.kernel = xconv_kernel_name(k);
          c.options = base;
          c.options.kc = kc, c.options.mc = mc, c.options.nc = nc;
          candidates.push_back(c);
        }
      }
    }
  }
  for (Candidate& c : candidates) {
    c.options.kernel = c.kernel.c_str();
    c.seconds = median_seconds(d, c.options, weights.data(), input.data(), output.data(), reps);
  }
  const Candidate& best = *std::min_element(candidates.begin(), candidates.end(),
                                            [](const Candidate& a, const Candidate& b) { return a.seconds < b.seconds; });
  const double flops = xconv::tools::conv_flops(d);
  std::printf("%-28s default %7.1f GFLOP/s  best %7.1f GFLOP/s (x%.2f)  %s\n", layer.name.c_str(),
              flops / default_seconds * 1e-9, flops / best.seconds * 1e-9, default_seconds / best.seconds,
              options_text(best).c_str());
  std::printf("%-28s default plan: %s\n", "", default_plan.c_str());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::string file = "bench/layers.txt", only;
  bool all = false, nhwc = false;
  int threads = 0, reps = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--all") all = true;
    else if (arg == "--nhwc") nhwc = true;
    else if (arg == "--layer" && has_value) only = argv[++i];
    else if (arg == "--layers" && has_value) file = argv[++i];
    else if (arg == "--threads" && has_value) threads = std::atoi(argv[++i]);
    else if (arg == "--reps" && has_value) reps = std::max(1, std::atoi(argv[++i]));
    else {
      std::fprintf(stderr, "usage: xconv_tune [--layer NAME | --all] [--layers FILE] [--threads N] [--nhwc] [--reps N]\n");
      return 2;
    }
  }
  if (!all && only.empty()) only = "r50_s2_3x3_64";
  try {
    size_t done = 0;
    const std::vector<xconv::tools::Layer> layers = xconv::tools::read_layers(file);
    for (const xconv::tools::Layer& layer : layers) {
      if (!all && layer.name != only) continue;
      std::fprintf(stderr, "[tune] %s (%zu/%zu)\n", layer.name.c_str(), ++done, layers.size());
      tune(layer, nhwc, threads, reps);
    }
    if (done == 0) throw std::runtime_error("no layer named '" + only + "' in " + file);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xconv_tune: %s\n", e.what());
    return 1;
  }
}
