#include "tools/tune/search.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <vector>

namespace xconv::tools {
namespace {

using Clock = std::chrono::steady_clock;

// One point of the search: "" and 0 leave a choice to the plan.
struct Candidate {
  std::string path, kernel;
  int64_t kc = 0, mc = 0, nc = 0;
  int threads = 0;  // 0: the plan decides, within the tuned thread count
};

// The tensors every candidate of a layer runs on.
struct Workload {
  xconv_conv2d_desc desc;
  std::vector<float> input, weights, bias, output;
};

Workload make_workload(const xconv_conv2d_desc& d) {
  Workload w{d, {}, {}, {}, {}};
  int64_t oh = 0, ow = 0;
  check(xconv_conv2d_output_size(&d, &oh, &ow));
  w.input = random_floats(static_cast<size_t>(d.batch * d.in_channels * d.in_height * d.in_width), 1);
  w.weights = random_floats(
      static_cast<size_t>(d.out_channels * (d.in_channels / d.groups) * d.kernel_height * d.kernel_width), 2);
  w.bias = random_floats(static_cast<size_t>(d.out_channels), 3);
  w.output.resize(static_cast<size_t>(d.batch * d.out_channels * oh * ow));
  return w;
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Median seconds of one run, over runs lasting about `target` seconds in
// all (at least three), after one warm-up run.
double time_runs(const Plan& plan, Workload& w, double target) {
  plan.run(w.input.data(), w.output.data());
  std::vector<double> times;
  double total = 0;
  while ((total < target || times.size() < 3) && times.size() < 1000) {
    const auto start = Clock::now();
    plan.run(w.input.data(), w.output.data());
    times.push_back(seconds_since(start));
    total += times.back();
  }
  std::nth_element(times.begin(), times.begin() + static_cast<long>(times.size() / 2), times.end());
  return times[times.size() / 2];
}

bool make_plan(const Candidate& c, int num_threads, xconv_isa isa, const Workload& w, Plan* out) {
  xconv_plan_options o = make_options();
  o.isa = isa;
  o.path = c.path.empty() ? nullptr : c.path.c_str();
  o.kernel = c.kernel.empty() ? nullptr : c.kernel.c_str();
  o.kc = c.kc, o.mc = c.mc, o.nc = c.nc;
  o.num_threads = c.threads ? c.threads : num_threads;
  o.use_all_threads = c.threads ? 1 : 0;
  return Plan::create(w.desc, w.weights.data(), w.bias.data(), o, out) == XCONV_OK;
}

int64_t describe_int(const std::string& describe, const std::string& key) {
  return std::atoll(describe_value(describe, key).c_str());
}

// The search's state for one layer: the best so far and the clock.
class Search {
 public:
  Search(const Layer& layer, int num_threads, xconv_isa isa, double seconds, const TuneProgress& progress)
      : w_(make_workload(layer.desc)), num_threads_(num_threads), isa_(isa), seconds_(seconds), progress_(progress),
        start_(Clock::now()),
        // 70% of the budget searches, the rest re-measures; about 40 candidates.
        search_seconds_(0.7 * seconds), target_(std::clamp(0.7 * seconds / 40, 0.002, 0.05)) {}

  // Measures a candidate; returns its seconds (infinite where no plan serves it).
  double measure(const Candidate& c, std::string* describe = nullptr) {
    Plan plan;
    if (!make_plan(c, num_threads_, isa_, w_, &plan)) return 1e30;
    const double t = time_runs(plan, w_, target_);
    ++measured_;
    if (describe) *describe = plan.describe();
    if (t < best_seconds_) best_seconds_ = t, best_ = c;
    if (progress_) progress_(std::min(1.0, seconds_since(start_) / seconds_));
    return t;
  }

  bool searching() const { return seconds_since(start_) < search_seconds_; }

  Workload& workload() { return w_; }
  const Candidate& best() const { return best_; }
  int measured() const { return measured_; }
  double remaining() const { return seconds_ - seconds_since(start_); }

 private:
  Workload w_;
  int num_threads_;
  xconv_isa isa_;  // AUTO, or the one ISA every candidate is made with
  double seconds_;
  TuneProgress progress_;
  Clock::time_point start_;
  double search_seconds_, target_;
  Candidate best_;
  double best_seconds_ = 1e30;
  int measured_ = 0;
};

// Stage 1: every path x kernel of the ISA, automatic blocks.
std::vector<std::pair<double, Candidate>> coarse(Search& s, xconv_isa isa) {
  std::vector<std::pair<double, Candidate>> timed;
  for (const char* path : {"packed_gemm", "indirect_gemm", "depthwise_direct", "grouped_direct", "implicit_gemm"}) {
    const bool direct = std::string(path) != "packed_gemm" && std::string(path) != "indirect_gemm";  // loops, no kernels
    std::vector<std::string> kernels = {""};
    if (!direct) {
      kernels.clear();
      const bool igemm = std::string(path) == "indirect_gemm";
      for (size_t k = 0; k < xconv_kernel_count(); ++k) {
        const std::string name = xconv_kernel_name(k);
        if (xconv_kernel_isa(k) == isa && (name.find("_igemm_") != std::string::npos) == igemm) kernels.push_back(name);
      }
    }
    for (const std::string& kernel : kernels) {
      if (!s.searching()) return timed;
      Candidate c;
      c.path = path, c.kernel = kernel;
      const double t = s.measure(c);
      if (t < 1e30) timed.emplace_back(t, c);
    }
  }
  std::sort(timed.begin(), timed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return timed;
}

// Tries each value of one block (or the thread count) around `c`, keeping the fastest in *c.
template <class Set>
void refine(Search& s, Candidate* c, double* seconds, const std::vector<int64_t>& values, Set set) {
  for (int64_t v : values) {
    if (!s.searching()) return;
    Candidate next = *c;
    set(&next, v);
    const double t = s.measure(next);
    if (t < *seconds) *seconds = t, *c = next;
  }
}

// Multiples of `value` (rounded to at least 1), for the mc and nc grids.
std::vector<int64_t> around(int64_t value, std::initializer_list<double> factors) {
  std::vector<int64_t> out;
  for (double f : factors) out.push_back(std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(value) * f)));
  return out;
}

// Stage 2: blocks, one coordinate at a time, then threads, around a candidate.
void refine_around(Search& s, Candidate c, double seconds) {
  std::string describe;
  s.measure(c, &describe);
  const std::string gemm = describe_value(describe, "gemm");
  const int64_t K = gemm.empty() ? 0 : std::atoll(gemm.substr(gemm.rfind('x') + 1).c_str());
  if (c.path == "packed_gemm" && K > 0) {
    std::vector<int64_t> kcs;
    for (int64_t kc : {64, 128, 192, 256, 384, 512, 768}) {
      if (kc < K) kcs.push_back(kc);
    }
    kcs.push_back(K);
    refine(s, &c, &seconds, kcs, [](Candidate* x, int64_t v) { x->kc = v; });
    refine(s, &c, &seconds, around(describe_int(describe, "mc"), {0.25, 0.5, 2}),
           [](Candidate* x, int64_t v) { x->mc = v; });
  }
  if (!describe_value(describe, "nc").empty()) {
    refine(s, &c, &seconds, around(describe_int(describe, "nc"), {0.25, 0.5, 2}),
           [](Candidate* x, int64_t v) { x->nc = v; });
  }
  const int max_threads = static_cast<int>(describe_int(describe, "max_threads"));
  std::vector<int64_t> threads;
  for (int t = 1; t <= max_threads && threads.size() < 4; ++t) threads.push_back(t);
  if (max_threads > 4) threads.push_back(max_threads);
  refine(s, &c, &seconds, threads, [](Candidate* x, int64_t v) { x->threads = static_cast<int>(v); });
}

}  // namespace

Comparison compare_plans(const Plan& a, const Plan& b, const xconv_conv2d_desc& desc, double seconds) {
  Workload w = make_workload(desc);
  const auto start = Clock::now();
  std::vector<double> as, bs;
  // Each round about a twentieth of the time: enough runs for a median of
  // each plan, rounds enough to see the noise.
  const double round = std::clamp(seconds / 20, 0.001, 0.05);
  while (as.size() < 3 || (as.size() < 15 && seconds_since(start) < seconds)) {
    as.push_back(time_runs(a, w, round));
    bs.push_back(time_runs(b, w, round));
  }
  std::sort(as.begin(), as.end());
  std::sort(bs.begin(), bs.end());
  Comparison c;
  c.a_seconds = as[as.size() / 2];
  c.b_seconds = bs[bs.size() / 2];
  c.noise = std::max(0.01, (as.back() - as.front()) / c.a_seconds / 2);
  return c;
}

bool same_plan(const std::string& a, const std::string& b) {
  const auto strip = [](std::string d) {
    for (const char* key : {" choice=", " max_threads="}) {
      const size_t at = d.find(key);
      if (at != std::string::npos) d.erase(at, d.find(' ', at + 1) - at);
    }
    return d;
  };
  return strip(a) == strip(b);
}

std::string describe_value(const std::string& describe, const std::string& key) {
  const std::string token = key + "=";
  for (size_t at = describe.find(token); at != std::string::npos; at = describe.find(token, at + 1)) {
    if (at == 0 || describe[at - 1] == ' ') {
      const size_t begin = at + token.size();
      return describe.substr(begin, describe.find(' ', begin) - begin);
    }
  }
  return "";
}

TuneResult tune_layer(const Layer& layer, int num_threads, double seconds, const TuneProgress& progress,
                      xconv_isa isa) {
  Search s(layer, num_threads, isa, seconds, progress);
  TuneResult r;
  r.layer = layer.name;
  r.flops = conv_flops(layer.desc);
  Plan default_plan;
  if (!make_plan(Candidate{}, num_threads, isa, s.workload(), &default_plan)) check(XCONV_INVALID_ARGUMENT);
  r.default_plan = default_plan.describe();
  s.measure(Candidate{});

  const std::vector<std::pair<double, Candidate>> timed = coarse(s, isa == XCONV_ISA_AUTO ? xconv_best_isa() : isa);
  for (size_t i = 0; i < timed.size() && i < 3 && s.searching(); ++i) refine_around(s, timed[i].second, timed[i].first);

  // Stage 3: the winner against the default, in alternating rounds.
  Plan winner;
  if (!make_plan(s.best(), num_threads, isa, s.workload(), &winner)) check(XCONV_INTERNAL_ERROR);
  r.tuned_plan = winner.describe();
  const Comparison c = compare_plans(default_plan, winner, layer.desc, std::max(0.0, s.remaining()));
  const double default_median = c.a_seconds, tuned_median = c.b_seconds;
  r.noise = c.noise;
  r.default_kept = same_plan(r.tuned_plan, r.default_plan) || default_median / tuned_median <= 1 + r.noise;
  r.default_gflops = r.flops / default_median * 1e-9;
  r.tuned_gflops = r.default_kept ? r.default_gflops : r.flops / tuned_median * 1e-9;
  if (r.default_kept) {
    r.tuned_plan = r.default_plan;
    r.tuned = std::move(default_plan);
  } else {
    r.tuned = std::move(winner);
  }
  r.candidates = s.measured();
  return r;
}

}  // namespace xconv::tools
