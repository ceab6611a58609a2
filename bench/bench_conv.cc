// The layer suite (bench/layers.txt) through xconv and its peers, in one
// binary, on the same inputs, with the same thread count:
//   xconv_nchw, xconv_nhwc   xconv's default plan in each activation layout
//   onednn_any               oneDNN 2.6 with its preferred (blocked) layouts
//   onednn_nchw, onednn_nhwc oneDNN with plain activations, like xconv
//   xnnpack_nhwc             XNNPACK (2022 snapshot), NHWC, on a pthreadpool
//   openblas_nchw            im2col of the whole image + OpenBLAS sgemm
// After its timing, every result is checked against the double-precision
// reference within xconv's error bound: the counter `wrong` is the number of
// elements outside it (0: correct). The benchmark `peak/fma` is the FMA
// peak of xconv's ISA on this many threads, run among the layers (below);
// the context line `fma_peak_gflops`, the same peak measured once before
// the run, is what bench/compare.py falls back on where a filter left it out.
// Use repetitions and compare medians in one run (bench/compare.py does):
//   build/bench/bench_conv --benchmark_repetitions=5 --benchmark_out=conv.json
// Flags: --layers=FILE, --threads=N (default: all hardware threads),
// --isa=NAME (xconv's), --impls=a,b,... (default: all), --check=0 (skip).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tools/peak/fma_peak.h"
#include "bench/peers/peer_conv.h"
#include "kernels/ref/conv2d_ref.h"
#include "tools/layer_suite.h"
#include "xconv/xconv.h"

namespace {

using xconv::bench::PeerConv;

const char* const kImpls[] = {"xconv_nchw",  "xconv_nhwc",   "onednn_any",   "onednn_nchw",
                              "onednn_nhwc", "xnnpack_nhwc", "openblas_nchw"};

struct Settings {
  std::string layers = "bench/layers.txt";
  int threads = static_cast<int>(std::thread::hardware_concurrency());
  xconv_isa isa = XCONV_ISA_AUTO;
  std::vector<std::string> impls{std::begin(kImpls), std::end(kImpls)};
  bool check = true;
};
Settings settings;

struct LayerData {
  xconv::bench::Activations input, input_nhwc;
  std::vector<float> weights, bias;
  xconv::bench::ConvData view;
};

LayerData make_data(const xconv_conv2d_desc& d) {
  LayerData data;
  const std::vector<float> input = xconv::tools::random_floats(d.batch * d.in_channels * d.in_height * d.in_width, 1);
  data.input.assign(input.begin(), input.end());
  data.input_nhwc =
      xconv::bench::convert_activations(data.input.data(), d.batch, d.in_channels, d.in_height, d.in_width, false);
  data.weights = xconv::tools::random_floats(
      d.out_channels * (d.in_channels / d.groups) * d.kernel_height * d.kernel_width, 2);
  data.bias = xconv::tools::random_floats(d.out_channels, 3);
  data.view = {nullptr, data.input.data(), data.input_nhwc.data(), data.weights.data(), data.bias.data()};
  return data;
}

std::unique_ptr<PeerConv> make_impl(const std::string& impl, const xconv::bench::ConvData& data) {
  using xconv::bench::OneDnnLayout;
  if (impl == "xconv_nchw") return xconv::bench::make_xconv_conv(data, XCONV_LAYOUT_NCHW, settings.isa, settings.threads);
  if (impl == "xconv_nhwc") return xconv::bench::make_xconv_conv(data, XCONV_LAYOUT_NHWC, settings.isa, settings.threads);
  if (impl == "onednn_any") return xconv::bench::make_onednn_conv(data, OneDnnLayout::kAny, settings.threads);
  if (impl == "onednn_nchw") return xconv::bench::make_onednn_conv(data, OneDnnLayout::kNchw, settings.threads);
  if (impl == "onednn_nhwc") return xconv::bench::make_onednn_conv(data, OneDnnLayout::kNhwc, settings.threads);
  if (impl == "xnnpack_nhwc") return xconv::bench::make_xnnpack_conv(data, settings.threads);
  if (impl == "openblas_nchw") return xconv::bench::make_openblas_conv(data, settings.threads);
  return nullptr;
}

// Elements of `got` (NCHW) outside the error bound of the reference, which
// is computed once per layer (it is slow: double precision, no SIMD).
size_t wrong_elements(const std::string& layer, const xconv_conv2d_desc& d, const LayerData& data,
                      const xconv::bench::Activations& got) {
  static std::map<std::string, xconv::ref::RefResult> references;
  auto it = references.find(layer);
  if (it == references.end()) {
    it = references.emplace(layer, xconv::ref::conv2d(d, data.input.data(), data.weights.data(), data.bias.data()))
             .first;
  }
  const xconv::ref::RefResult& ref = it->second;
  const size_t depth = static_cast<size_t>(d.in_channels / d.groups * d.kernel_height * d.kernel_width);
  size_t wrong = got.size() == ref.output.size() ? 0 : ref.output.size();
  for (size_t i = 0; i < got.size() && i < ref.output.size(); ++i) {
    const double error = std::fabs(static_cast<double>(got[i]) - ref.output[i]);
    if (!(error <= xconv::ref::error_bound(depth, ref.magnitude[i]))) ++wrong;
  }
  return wrong;
}

void bench_impl(benchmark::State& state, std::string layer, xconv_conv2d_desc d, std::string impl) {
  LayerData data = make_data(d);
  data.view.desc = &d;
  std::unique_ptr<PeerConv> conv = make_impl(impl, data.view);
  if (!conv) {
    state.SkipWithError("this implementation cannot run this layer");
    return;
  }
  for (auto _ : state) conv->run();
  state.SetLabel(conv->label());
  state.counters["GFLOP/s"] = benchmark::Counter(xconv::tools::conv_flops(d) * 1e-9,
                                                 benchmark::Counter::kIsIterationInvariantRate);
  state.counters["threads"] = settings.threads;
  if (settings.check) state.counters["wrong"] = static_cast<double>(wrong_elements(layer, d, data, conv->output_nchw()));
}

// The FMA loop of xconv's ISA on every thread of the run (Google
// Benchmark's threads, started together), as a benchmark like the layers:
// its repetitions are shuffled among theirs, so that its median saw the
// same slow spells of a shared machine as theirs did, and %peak is a ratio
// of two medians of the same run. Measured once before the run instead, it
// read 68 GFLOP/s on a Zen 3 whose cores peak at 100, and the table showed
// layers at 131% of it.
void bench_peak(benchmark::State& state, xconv_isa isa) {
  const size_t iterations = size_t{1} << 18;  // about half a millisecond
  xconv::tools::FmaLoop loop;
  float sink = 0.0f;
  for (auto _ : state) sink += xconv::tools::fma_chains(isa, iterations, &loop);
  benchmark::DoNotOptimize(sink);
  if (loop.lanes == 0) {
    state.SkipWithError("no FMA loop for this ISA here");
    return;
  }
  // This thread's flops: the threads' counters are summed, then divided by
  // the run's time (an iteration-invariant counter would count each
  // thread's work once per thread).
  const double flops = 2.0 * static_cast<double>(loop.lanes * loop.fmas_per_iteration * iterations) *
                       static_cast<double>(state.iterations());
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsRate);
}

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) out.push_back(item);
  return out;
}

void parse_flags(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--layers=", 0) == 0) {
      settings.layers = arg.substr(9);
    } else if (arg.rfind("--threads=", 0) == 0) {
      settings.threads = std::stoi(arg.substr(10));
    } else if (arg.rfind("--check=", 0) == 0) {
      settings.check = arg.substr(8) != "0";
    } else if (arg.rfind("--impls=", 0) == 0) {
      settings.impls = split(arg.substr(8));
      for (const std::string& impl : settings.impls) {
        if (std::find(std::begin(kImpls), std::end(kImpls), impl) == std::end(kImpls)) {
          std::fprintf(stderr, "bench_conv: unknown implementation %s\n", impl.c_str());
          std::exit(2);
        }
      }
    } else if (arg.rfind("--isa=", 0) == 0) {
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
  std::vector<xconv::tools::Layer> layers;
  try {
    layers = xconv::tools::read_layers(settings.layers);
  } catch (const std::exception& e) {  // a usage error, not a crash
    std::fprintf(stderr, "bench_conv: %s (--layers takes a layer-suite file, e.g. bench/layers.txt)\n", e.what());
    return 2;
  }
  for (const xconv::tools::Layer& layer : layers) {
    for (const std::string& impl : settings.impls) {
      benchmark::RegisterBenchmark(("conv/" + layer.name + "/" + impl).c_str(), bench_impl, layer.name,
                                   layer.desc, impl)
          ->UseRealTime();
    }
  }
  const xconv_isa isa = settings.isa == XCONV_ISA_AUTO ? xconv_best_isa() : settings.isa;
  benchmark::RegisterBenchmark("peak/fma", bench_peak, isa)->UseRealTime()->Threads(settings.threads);
  const double peak = xconv::tools::fma_peak_threads(isa, settings.threads);
  std::printf("threads: %d (xconv, oneDNN via OpenMP, XNNPACK via pthreadpool, OpenBLAS); FMA peak %.1f GFLOP/s\n",
              settings.threads, peak * 1e-9);
  benchmark::AddCustomContext("fma_peak_gflops", std::to_string(peak * 1e-9));
  benchmark::AddCustomContext("xconv_isa", xconv_isa_name(isa));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
