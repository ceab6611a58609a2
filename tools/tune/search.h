// The tuner's search for one layer: which path, kernel, blocks and thread
// count run it fastest on this machine, within a time budget, against the
// plan that default options give (xconv-tune, xconv_tune.cc).
//
// Coarse first, then refine (docs/DESIGN.md, "Tuning"):
//   1. every path that can serve the layer x every kernel of the best ISA
//      for it, with automatic blocks and threads;
//   2. around the best three: K blocks, then row and column blocks, one
//      coordinate at a time, then the thread count;
//   3. the winner and the default plan re-measured in alternating rounds of
//      the same run. The winner replaces the default only when it is faster
//      by more than the rounds' spread (the measured noise).
// Every candidate is a plan made through the public options (path, kernel,
// kc, mc, nc, num_threads with use_all_threads), so a wisdom entry recorded
// from the winner (xconv_wisdom_add) rebuilds exactly that plan.
#ifndef XCONV_TOOLS_TUNE_SEARCH_H_
#define XCONV_TOOLS_TUNE_SEARCH_H_

#include <functional>
#include <string>

#include "tools/layer_suite.h"
#include "xconv/xconv.hpp"

namespace xconv::tools {

struct TuneResult {
  std::string layer;
  double flops = 0;
  double default_gflops = 0, tuned_gflops = 0;  // medians of the final rounds
  double noise = 0;            // relative spread of the default's rounds
  bool default_kept = true;    // nothing beat the default by more than the noise
  int candidates = 0;          // plans measured
  std::string default_plan;    // xconv_plan_describe of each
  std::string tuned_plan;
  Plan tuned;                  // the winner (the default plan itself when kept)
};

// Called after each candidate with the fraction of this layer's budget spent.
using TuneProgress = std::function<void(double fraction)>;

// Tunes `layer` for plans of at most `num_threads` threads (0: the affinity
// count, as default options) in about `seconds`, among the kernels of `isa`
// (AUTO: the best this CPU runs). With an ISA given, every plan is made with
// options.isa set, the default included: tuning as for a CPU limited to it.
TuneResult tune_layer(const Layer& layer, int num_threads, double seconds, const TuneProgress& progress,
                      xconv_isa isa = XCONV_ISA_AUTO);

// Two plans of one layer timed in alternating rounds of the same run, for
// about `seconds` (at least three rounds): their median seconds per run and
// the noise, half the spread of the first plan's rounds relative to its median.
struct Comparison {
  double a_seconds = 0, b_seconds = 0;
  double noise = 0;
};
Comparison compare_plans(const Plan& a, const Plan& b, const xconv_conv2d_desc& desc, double seconds);

// Two describe lines name the same plan, whatever options made them (the
// choice= and max_threads= tokens aside).
bool same_plan(const std::string& a, const std::string& b);

// The value of `key=` in a describe line, or "" when absent.
std::string describe_value(const std::string& describe, const std::string& key);

}  // namespace xconv::tools

#endif  // XCONV_TOOLS_TUNE_SEARCH_H_
