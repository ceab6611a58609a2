// The main job: runs real layers through xconv, checks each against the
// scalar reference and reports the dispatched kernel, the error and GFLOP/s.
//
//   xconv_demo [--all | --layer NAME] [--layers FILE] [--threads N] [--isa NAME]
//              [--nhwc] [--reps N] [--no-check]
//
// Without --all it runs the seed's cases (1x3x5x5 -> 2, with and without
// bias; 1x3x55x55 -> 20) and one ResNet-50 layer. Exit status 1 if any layer
// is outside the error bound. --no-check skips the reference (its double
// output is 4x the output tensor), e.g. to measure peak memory.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/ref/conv2d_ref.h"
#include "tools/layer_suite.h"
#include "xconv/xconv.hpp"

namespace {

struct Options {
  std::string layers = "bench/layers.txt";
  std::string only;  // --layer NAME
  bool all = false, nhwc = false, check = true;
  int threads = 0, reps = 5;
  xconv_isa isa = XCONV_ISA_AUTO;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "xconv_demo: %s\nusage: xconv_demo [--all | --layer NAME] [--layers FILE] [--threads N] "
               "[--isa scalar|hwy|avx2|avx512|neon] [--nhwc] [--reps N] [--no-check]\n",
               why);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage(("missing value after " + arg).c_str());
      return argv[++i];
    };
    if (arg == "--all") o.all = true;
    else if (arg == "--nhwc") o.nhwc = true;
    else if (arg == "--no-check") o.check = false;
    else if (arg == "--layer") o.only = value();
    else if (arg == "--layers") o.layers = value();
    else if (arg == "--threads") o.threads = std::atoi(value());
    else if (arg == "--reps") o.reps = std::max(1, std::atoi(value()));
    else if (arg == "--isa") {
      const std::string name = value();
      o.isa = xconv::tools::isa_from_name(name);
      if (o.isa == XCONV_ISA_AUTO) usage(("unknown ISA " + name).c_str());
    } else usage(("unknown argument " + arg).c_str());
  }
  return o;
}

// Runs one layer; returns false if it is outside the error bound.
bool run_layer(const std::string& name, xconv_conv2d_desc desc, bool with_bias, const Options& o) {
  if (o.nhwc) desc.layout = XCONV_LAYOUT_NHWC;
  int64_t oh = 0, ow = 0;
  xconv::check(xconv_conv2d_output_size(&desc, &oh, &ow));
  const size_t in_count = desc.batch * desc.in_channels * desc.in_height * desc.in_width;
  const size_t w_count = desc.out_channels * (desc.in_channels / desc.groups) * desc.kernel_height *
                         desc.kernel_width;
  const size_t out_count = desc.batch * desc.out_channels * oh * ow;
  const std::vector<float> input = xconv::tools::random_floats(in_count, 1);
  const std::vector<float> weights = xconv::tools::random_floats(w_count, 2);
  const std::vector<float> bias = xconv::tools::random_floats(desc.out_channels, 3);
  std::vector<float> output(out_count);

  xconv_plan_options options = xconv::make_options();
  options.num_threads = o.threads;
  options.isa = o.isa;
  const xconv::Plan plan(desc, weights.data(), with_bias ? bias.data() : nullptr, options);

  std::vector<double> seconds;
  for (int rep = 0; rep < o.reps + 1; ++rep) {  // the first run warms caches and pages
    const auto start = std::chrono::steady_clock::now();
    plan.run(input.data(), output.data());
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    if (rep > 0) seconds.push_back(elapsed.count());
  }
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds[seconds.size() / 2];

  std::printf("%-28s %s\n", (name + (with_bias ? "" : " (no bias)")).c_str(), plan.describe().c_str());
  const double gflops = xconv::tools::conv_flops(desc) / median * 1e-9;
  if (!o.check) {
    std::printf("%-28s (not checked)  median %.3f ms  %.1f GFLOP/s\n", "", median * 1e3, gflops);
    return true;
  }
  const xconv::ref::RefResult ref =
      xconv::ref::conv2d(desc, input.data(), weights.data(), with_bias ? bias.data() : nullptr);
  const size_t depth = (desc.in_channels / desc.groups) * desc.kernel_height * desc.kernel_width;
  double max_diff = 0.0, worst_ratio = 0.0;
  for (size_t i = 0; i < out_count; ++i) {
    const double diff = std::fabs(output[i] - ref.output[i]);
    max_diff = std::max(max_diff, diff);
    const double bound = xconv::ref::error_bound(depth, ref.magnitude[i]);
    worst_ratio = std::max(worst_ratio, bound > 0 ? diff / bound : (diff > 0 ? INFINITY : 0.0));
  }
  const bool ok = worst_ratio <= 1.0;
  std::printf("%-28s max|y-ref| %.3g (%.3f of the bound) %s  median %.3f ms  %.1f GFLOP/s\n", "",
              max_diff, worst_ratio, ok ? "ok" : "OUTSIDE THE BOUND", median * 1e3, gflops);
  std::fflush(stdout);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  try {
    const std::vector<xconv::tools::Layer> layers = xconv::tools::read_layers(o.layers);
    const std::vector<std::string> defaults = {"tiny_c3_5x5_k2", "seed_c3_55_k20", "r50_s2_3x3_64"};
    std::printf("xconv %s, best ISA on this CPU: %s; %d repetitions, median reported\n", xconv_version(),
                xconv_isa_name(xconv_best_isa()), o.reps);
    bool all_ok = true;
    size_t ran = 0;
    for (const xconv::tools::Layer& layer : layers) {
      const bool wanted = o.all || (o.only.empty() ? std::find(defaults.begin(), defaults.end(), layer.name) !=
                                                          defaults.end()
                                                    : layer.name == o.only);
      if (!wanted) continue;
      std::printf("[%zu] ", ++ran);
      all_ok &= run_layer(layer.name, layer.desc, true, o);
      if (layer.name == "tiny_c3_5x5_k2") all_ok &= run_layer(layer.name, layer.desc, false, o);
    }
    if (ran == 0) throw std::runtime_error("no layer named '" + o.only + "' in " + o.layers);
    std::printf("%s\n", !o.check ? "results not checked (--no-check)"
                         : all_ok ? "all layers within the error bound"
                                  : "SOME LAYERS OUTSIDE THE ERROR BOUND");
    return all_ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xconv_demo: %s\n", e.what());
    return 2;
  }
}
