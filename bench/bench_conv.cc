// The layer suite (bench/layers.txt) through xconv and its peers, in one
// binary, on the same inputs, with the same thread count:
//   xconv          default plan (best ISA), NCHW
//   onednn         oneDNN 2.6, its preferred (blocked) activation layouts
//   onednn_nchw    oneDNN with plain NCHW in and out, like xconv
//   openblas       im2col of the whole image + OpenBLAS sgemm
// Use repetitions and compare medians in one run (bench/compare.py does):
//   build/bench/bench_conv --benchmark_repetitions=5 --benchmark_out=conv.json
// Flags: --layers=FILE, --threads=N (default: all hardware threads), --isa=NAME.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench/peers/peer_conv.h"
#include "tools/layer_suite.h"
#include "xconv/xconv.hpp"

namespace {

struct Settings {
  std::string layers = "bench/layers.txt";
  int threads = static_cast<int>(std::thread::hardware_concurrency());
  xconv_isa isa = XCONV_ISA_AUTO;
};
Settings settings;

struct LayerData {
  std::vector<float> input, weights, bias, output;
  xconv::bench::ConvData view;
};

LayerData make_data(const xconv_conv2d_desc& d) {
  int64_t oh = 0, ow = 0;
  xconv::check(xconv_conv2d_output_size(&d, &oh, &ow));
  LayerData data;
  data.input = xconv::tools::random_floats(d.batch * d.in_channels * d.in_height * d.in_width, 1);
  data.weights = xconv::tools::random_floats(
      d.out_channels * (d.in_channels / d.groups) * d.kernel_height * d.kernel_width, 2);
  data.bias = xconv::tools::random_floats(d.out_channels, 3);
  data.output.resize(d.batch * d.out_channels * oh * ow);
  data.view = {nullptr, data.input.data(), data.weights.data(), data.bias.data()};
  return data;
}

void set_counters(benchmark::State& state, const xconv_conv2d_desc& d) {
  state.counters["GFLOP/s"] = benchmark::Counter(xconv::tools::conv_flops(d) * 1e-9,
                                                 benchmark::Counter::kIsIterationInvariantRate);
  state.counters["threads"] = settings.threads;
}

void bench_xconv(benchmark::State& state, xconv_conv2d_desc d) {
  LayerData data = make_data(d);
  xconv_plan_options options = xconv::make_options();
  options.num_threads = settings.threads;
  options.isa = settings.isa;
  const xconv::Plan plan(d, data.weights.data(), data.bias.data(), options);
  std::vector<unsigned char> workspace(plan.workspace_size());
  for (auto _ : state) plan.run(data.input.data(), data.output.data(), workspace.data());
  state.SetLabel(plan.describe());
  set_counters(state, d);
}

void bench_peer(benchmark::State& state, xconv_conv2d_desc d, const char* which) {
  LayerData data = make_data(d);
  data.view.desc = &d;
  std::unique_ptr<xconv::bench::PeerConv> peer;
  if (std::strcmp(which, "openblas") == 0) {
    peer = xconv::bench::make_openblas_conv(data.view, settings.threads);
  } else {
    peer = xconv::bench::make_onednn_conv(data.view, std::strcmp(which, "onednn") == 0, settings.threads);
  }
  if (!peer) {
    state.SkipWithError("peer cannot run this layer");
    return;
  }
  for (auto _ : state) peer->run();
  set_counters(state, d);
}

void parse_flags(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--layers=", 0) == 0) settings.layers = arg.substr(9);
    else if (arg.rfind("--threads=", 0) == 0) settings.threads = std::stoi(arg.substr(10));
    else if (arg.rfind("--isa=", 0) == 0) {
      settings.isa = xconv::tools::isa_from_name(arg.substr(6));
      if (settings.isa == XCONV_ISA_AUTO) {
        std::fprintf(stderr, "bench_conv: unknown ISA %s\n", arg.c_str() + 6);
        std::exit(2);
      }
    } else {
      std::fprintf(stderr, "bench_conv: unknown flag %s\n", argv[i]);
      std::exit(2);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  parse_flags(argc, argv);
  for (const xconv::tools::Layer& layer : xconv::tools::read_layers(settings.layers)) {
    const std::string name = "conv/" + layer.name + "/";
    benchmark::RegisterBenchmark((name + "xconv").c_str(), bench_xconv, layer.desc)->UseRealTime();
    for (const char* peer : {"onednn", "onednn_nchw", "openblas"}) {
      benchmark::RegisterBenchmark((name + peer).c_str(), bench_peer, layer.desc, peer)->UseRealTime();
    }
  }
  std::printf("threads: %d (xconv, oneDNN via OpenMP, OpenBLAS)\n", settings.threads);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
