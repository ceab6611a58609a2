// xconv-tune: tuning runs that stick. For each layer it searches paths x
// kernels x blocks x threads within a time budget (search.h), prints a
// table against the default plans and the machine's FMA peak, and writes
// wisdom (xconv.h, "Wisdom") that default plans then find, and an SVG chart.
//
//   xconv-tune [--budget SECONDS] [--threads N] [--layout nchw|nhwc] [--batch N] [--isa NAME]
//              [--wisdom FILE] [--svg FILE] [--peers BENCH_JSON] INPUT...
//   xconv-tune --verify --wisdom FILE [--budget SECONDS] [--threads N] ... INPUT...
//
// --verify tunes nothing: it times, per layer, the plan that FILE gives
// against the cost model's in alternating rounds of one run, and says
// whether wisdom is at least as fast within the noise.
//
// INPUT: a layer-suite file (bench/layers.txt), one layer inline in that
// format, or an ONNX model (inputs.h). Progress goes to stderr; the table to
// stdout. README.md, "Tuning", shows the workflow.
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tools/peak/fma_peak.h"
#include "tools/tune/inputs.h"
#include "tools/tune/peers.h"
#include "tools/tune/progress.h"
#include "tools/tune/search.h"
#include "tools/tune/svg_chart.h"
#include "xconv/xconv.hpp"

namespace {

using xconv::tools::TuneResult;

constexpr const char* kUsage =
    "usage: xconv-tune [--budget SECONDS] [--threads N] [--layout nchw|nhwc] [--batch N] [--isa NAME]\n"
    "                  [--wisdom FILE] [--svg FILE] [--peers BENCH_JSON] INPUT...\n"
    "  INPUT        a layer-suite file (bench/layers.txt format), one layer inline\n"
    "               ('name N C H W K R S stride pad dilation groups'), or an ONNX model\n"
    "  --budget     seconds for the whole run (default 120)\n"
    "  --threads    the most threads a plan may use (default 0: as default plans, the affinity count)\n"
    "  --layout     activation layout to tune (default nchw)\n"
    "  --batch      for an ONNX model's symbolic batch dimension (default 1)\n"
    "  --wisdom     add the tuned choices to FILE (created if missing)\n"
    "  --svg        write a chart of GFLOP/s per layer to FILE\n"
    "  --peers      bench_conv's --benchmark_out JSON: the peers' GFLOP/s in the chart\n"
    "  --isa        tune as for a CPU limited to this ISA, against that ISA's default plans\n"
    "               (default: the best this CPU runs)\n"
    "  --verify     with --wisdom FILE: time FILE's plans against the default ones, tune nothing\n";

struct Settings {
  double budget = 120;
  int threads = 0;
  xconv_layout layout = XCONV_LAYOUT_NCHW;
  int64_t batch = 1;
  std::string wisdom, svg, peers;
  bool verify = false;
  xconv_isa isa = XCONV_ISA_AUTO;
  std::vector<std::string> inputs;
};

Settings parse_args(int argc, char** argv) {
  Settings s;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    const auto number = [&](double lo, double hi) {
      const std::string v = value();
      char* end = nullptr;
      const double x = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0' || !(x >= lo && x <= hi)) {
        throw std::invalid_argument(arg + " " + v + ": expected a number in [" + std::to_string(lo) + ", " +
                                    std::to_string(hi) + "]");
      }
      return x;
    };
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (arg == "--budget") {
      s.budget = number(1, 86400);
    } else if (arg == "--threads") {
      s.threads = static_cast<int>(number(0, 1024));
    } else if (arg == "--batch") {
      s.batch = static_cast<int64_t>(number(1, 1 << 20));
    } else if (arg == "--layout") {
      const std::string v = value();
      if (v != "nchw" && v != "nhwc") throw std::invalid_argument("--layout is nchw or nhwc, got " + v);
      s.layout = v == "nhwc" ? XCONV_LAYOUT_NHWC : XCONV_LAYOUT_NCHW;
    } else if (arg == "--wisdom") {
      s.wisdom = value();
    } else if (arg == "--svg") {
      s.svg = value();
    } else if (arg == "--peers") {
      s.peers = value();
    } else if (arg == "--isa") {
      const std::string v = value();
      s.isa = xconv::tools::isa_from_name(v);
      if (s.isa == XCONV_ISA_AUTO || !xconv_isa_supported(s.isa)) {
        throw std::invalid_argument("--isa " + v + ": not an ISA this CPU runs (scalar, hwy, avx2, avx512, neon)");
      }
    } else if (arg == "--verify") {
      s.verify = true;
    } else if (arg.size() > 1 && arg[0] == '-' && arg[1] == '-') {
      throw std::invalid_argument("unknown option " + arg);
    } else {
      s.inputs.push_back(arg);
    }
  }
  if (s.inputs.empty()) throw std::invalid_argument("no INPUT given");
  if (s.verify && s.wisdom.empty()) throw std::invalid_argument("--verify needs --wisdom FILE");
  return s;
}

int affinity_count() {
  cpu_set_t set;
  return sched_getaffinity(0, sizeof set, &set) == 0 ? std::max(1, CPU_COUNT(&set)) : 1;
}

// "packed_gemm xconv_f32_gemm_6x64__avx512f kc=288 mc=450 nc=896", from a describe line.
std::string choice_text(const std::string& describe) {
  using xconv::tools::describe_value;
  const std::string path = describe_value(describe, "path"), kernel = describe_value(describe, "kernel");
  std::string text = kernel == path ? path : path + " " + kernel;
  if (!describe_value(describe, "kc").empty()) {
    text += " kc=" + describe_value(describe, "kc") + " mc=" + describe_value(describe, "mc") +
            " nc=" + describe_value(describe, "nc");
  }
  return text;
}

void print_table(const std::vector<TuneResult>& results, double peak_gflops) {
  std::printf("%-28s %-62s %3s %9s %6s %9s %6s\n", "layer", "chosen path / kernel / blocks", "thr", "GFLOP/s", "%peak",
              "default", "gain");
  double log_gain = 0;
  for (const TuneResult& r : results) {
    const double gain = r.tuned_gflops / r.default_gflops;
    log_gain += std::log(gain);
    std::printf("%-28s %-62s %3s %9.1f %5.0f%% %9.1f %5.2fx%s\n", r.layer.c_str(), choice_text(r.tuned_plan).c_str(),
                xconv::tools::describe_value(r.tuned_plan, "threads").c_str(), r.tuned_gflops,
                peak_gflops > 0 ? 100 * r.tuned_gflops / peak_gflops : 0.0, r.default_gflops, gain,
                r.default_kept ? "  (default kept)" : "");
  }
  if (!results.empty()) {
    std::printf("geometric mean gain over the default plans: %.3fx over %zu layers\n",
                std::exp(log_gain / static_cast<double>(results.size())), results.size());
  }
}

// Adds the results to the wisdom file (its existing entries kept, the same
// problems replaced).
void write_wisdom(const Settings& s, const std::vector<TuneResult>& results) {
  xconv_wisdom_clear();
  if (std::ifstream(s.wisdom).good()) xconv::check(xconv_wisdom_load(s.wisdom.c_str()));
  for (const TuneResult& r : results) {
    xconv::check(xconv_wisdom_add(r.tuned.get(), s.threads, r.tuned_gflops, r.default_gflops));
  }
  xconv::check(xconv_wisdom_save(s.wisdom.c_str()));
  std::printf("wisdom: %zu problems in %s\n", xconv_wisdom_count(), s.wisdom.c_str());
}

void write_svg(const Settings& s, const std::vector<TuneResult>& results, double peak_gflops, int threads) {
  std::vector<std::string> names;
  xconv::tools::ChartSeries defaults{"xconv default", {}}, tuned{"xconv tuned", {}};
  for (const TuneResult& r : results) {
    names.push_back(r.layer);
    defaults.values.push_back(r.default_gflops);
    tuned.values.push_back(r.tuned_gflops);
  }
  std::vector<xconv::tools::ChartSeries> series = {defaults, tuned};
  if (!s.peers.empty()) {
    const xconv::tools::PeerRates rates = xconv::tools::read_peers(s.peers);
    std::vector<std::string> impls;
    for (const auto& [layer, by_impl] : rates) {
      for (const auto& [impl, rate] : by_impl) {
        if (impl.rfind("xconv", 0) != 0 && std::find(impls.begin(), impls.end(), impl) == impls.end()) impls.push_back(impl);
      }
    }
    for (const std::string& impl : impls) {
      xconv::tools::ChartSeries peer{impl, {}};
      for (const std::string& layer : names) {
        const auto l = rates.find(layer);  // layers the peers' run did not cover stay 0
        peer.values.push_back(l != rates.end() && l->second.count(impl) ? l->second.at(impl) : 0.0);
      }
      series.push_back(peer);
    }
  }
  char title[256];
  const std::time_t now = std::time(nullptr);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%d", std::localtime(&now));
  std::snprintf(title, sizeof title, "xconv-tune %s: %s, %d thread%s, %s", xconv_version(),
                xconv_isa_name(xconv_best_isa()), threads, threads == 1 ? "" : "s", date);
  std::ofstream out(s.svg);
  out << xconv::tools::svg_chart(title, names, series, peak_gflops);
  if (!out) throw std::runtime_error("cannot write " + s.svg);
  std::printf("chart: %s\n", s.svg.c_str());
}

// --verify: per layer, the default plan without wisdom and with FILE's.
void verify(const Settings& s, const std::vector<xconv::tools::Layer>& layers) {
  std::printf("%-28s %-10s %9s %9s %6s %6s\n", "layer", "choice", "default", "wisdom", "gain", "noise");
  double log_gain = 0;
  int slower = 0, same_plans = 0;
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < layers.size(); ++i) {
    const xconv_conv2d_desc& d = layers[i].desc;
    const std::vector<float> weights = xconv::tools::random_floats(
        static_cast<size_t>(d.out_channels * (d.in_channels / d.groups) * d.kernel_height * d.kernel_width), 2);
    xconv_plan_options o = xconv::make_options();
    o.num_threads = s.threads;
    xconv_wisdom_clear();
    const xconv::Plan heuristic(d, weights.data(), nullptr, o);
    xconv::check(xconv_wisdom_load(s.wisdom.c_str()));
    const xconv::Plan wise(d, weights.data(), nullptr, o);
    const double spent = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double seconds = std::max(0.05, (s.budget - spent) / static_cast<double>(layers.size() - i));
    const xconv::tools::Comparison c = xconv::tools::compare_plans(heuristic, wise, d, seconds);
    const double gain = c.a_seconds / c.b_seconds, flops = xconv::tools::conv_flops(d);
    log_gain += std::log(gain);
    // Where the file holds the default plan itself, the two differ only in
    // where their memory landed: a difference is the measurement's.
    const bool same = xconv::tools::same_plan(heuristic.describe(), wise.describe());
    const bool ok = same || gain >= 1 - c.noise;
    slower += ok ? 0 : 1;
    same_plans += same ? 1 : 0;
    std::printf("%-28s %-10s %9.1f %9.1f %5.2fx %5.1f%%%s\n", layers[i].name.c_str(),
                xconv::tools::describe_value(wise.describe(), "choice").c_str(), flops / c.a_seconds * 1e-9,
                flops / c.b_seconds * 1e-9, gain, 100 * c.noise,
                same ? "  (the default plan)" : ok ? "" : "  SLOWER beyond the noise");
    std::fflush(stdout);
  }
  std::printf("geometric mean gain of the wisdom plans: %.3fx over %zu layers (%d of them the default plan); "
              "%d other slower beyond the noise\n",
              std::exp(log_gain / static_cast<double>(layers.size())), layers.size(), same_plans, slower);
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  try {
    s = parse_args(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xconv-tune: %s\n%s", e.what(), kUsage);
    return 2;
  }
  try {
    const auto start = std::chrono::steady_clock::now();
    std::vector<xconv::tools::Layer> layers = xconv::tools::read_inputs(s.inputs, s.batch);
    for (xconv::tools::Layer& layer : layers) layer.desc.layout = s.layout;
    if (s.verify) {
      verify(s, layers);
      return 0;
    }
    // Tuning compares against the cost model's plans: no wisdom (not even
    // XCONV_WISDOM's) while measuring.
    xconv_wisdom_clear();
    const int threads = s.threads > 0 ? s.threads : affinity_count();
    const double peak = xconv::tools::fma_peak_threads(xconv_best_isa(), threads) * 1e-9;
    std::fprintf(stderr, "xconv-tune: %zu layers, %.0f s budget, up to %d thread%s, FMA peak %.0f GFLOP/s\n",
                 layers.size(), s.budget, threads, threads == 1 ? "" : "s", peak);

    xconv::tools::Progress progress(layers.size());
    std::vector<TuneResult> results;
    for (size_t i = 0; i < layers.size(); ++i) {
      const double spent = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      // What is left, shared by the layers left; 5% kept for the wisdom and the chart.
      const double seconds = std::max(0.05, (0.95 * s.budget - spent) / static_cast<double>(layers.size() - i));
      results.push_back(xconv::tools::tune_layer(layers[i], s.threads, seconds, [&](double fraction) {
        progress.update(i, layers[i].name, fraction);
      }, s.isa));
      const TuneResult& r = results.back();
      char summary[160];
      std::snprintf(summary, sizeof summary, "%d plans, %.1f -> %.1f GFLOP/s (%.2fx)%s", r.candidates,
                    r.default_gflops, r.tuned_gflops, r.tuned_gflops / r.default_gflops,
                    r.default_kept ? ", default kept" : "");
      progress.finish_layer(i, layers[i].name, summary);
    }
    progress.done();
    print_table(results, peak);
    if (!s.wisdom.empty()) write_wisdom(s, results);
    if (!s.svg.empty()) write_svg(s, results, peak, threads);
    std::printf("done in %.1f s (budget %.0f s)\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), s.budget);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\nxconv-tune: %s\n", e.what());
    return 1;
  }
}
