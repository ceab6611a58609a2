// libFuzzer target: the wisdom file parser (kernels/frame/wisdom_format.h).
// Any bytes must parse or be refused with a message naming a line, never
// crash or hang; a file that parses has its first entry used the way a
// default plan uses wisdom, and that plan must match the scalar reference
// within the bound (wisdom changes how, never what, a plan computes).
// Headers are not checked against this machine, so the corpus serves any.
//
//   build-asan/tests/fuzz/fuzz_wisdom tests/fuzz/wisdom_corpus -max_total_time=30
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/frame/wisdom.h"
#include "kernels/frame/wisdom_format.h"
#include "kernels/ref/conv2d_ref.h"
#include "xconv/xconv.h"

namespace {

[[noreturn]] void finding(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_wisdom: %s (%s)\n", what, detail.c_str());
  std::abort();
}

void quiet(void*, const char*) {}  // fallback warnings are expected here

constexpr int64_t kMaxElements = 4096;

bool small_enough(const xconv_conv2d_desc& d, int64_t oh, int64_t ow) {
  const int64_t in = d.batch * d.in_channels * d.in_height * d.in_width;
  const int64_t out = d.batch * d.out_channels * oh * ow;
  const int64_t weights = d.out_channels * (d.in_channels / d.groups) * d.kernel_height * d.kernel_width;
  const bool dense = d.input_stride == 0 && d.input_image_stride == 0 && d.output_stride == 0 &&
                     d.output_image_stride == 0;
  return dense && d.batch <= 4 && in <= kMaxElements && out <= kMaxElements && weights <= kMaxElements &&
         weights * oh * ow <= 1 << 20;
}

// The entry as wisdom, a default plan of its problem, and the reference.
void use_entry(const xconv::WisdomEntry& e) {
  xconv_conv2d_desc d;
  bool prelu = false;
  int threads = 0;
  std::string message;
  if (!xconv::parse_problem_text(e.problem, &d, &prelu, &threads, &message)) finding("an entry's problem does not parse", e.problem);
  int64_t oh = 0, ow = 0;
  if (xconv_conv2d_output_size(&d, &oh, &ow) != XCONV_OK) finding("a parsed problem is invalid", e.problem);
  if (threads > 2 || !small_enough(d, oh, ow)) return;

  std::vector<float> x(static_cast<size_t>(d.batch * d.in_channels * d.in_height * d.in_width));
  std::vector<float> w(static_cast<size_t>(d.out_channels * (d.in_channels / d.groups) * d.kernel_height * d.kernel_width));
  std::vector<float> bias(static_cast<size_t>(d.out_channels)), slopes(bias.size());
  const size_t out = static_cast<size_t>(d.batch * d.out_channels * oh * ow);
  std::vector<float> residual(d.has_residual ? out : 0), y(out, NAN);
  uint32_t state = 12345;
  const auto value = [&] { return static_cast<float>((state = state * 1664525u + 1013904223u) >> 24) / 64.0f - 2.0f; };
  for (auto* v : {&x, &w, &bias, &slopes, &residual}) {
    for (float& f : *v) f = value();
  }
  if (prelu) d.negative_slopes = slopes.data();

  xconv_wisdom_clear();
  xconv::wisdom_add(e.problem, e);
  xconv_plan_options o;
  xconv_plan_options_init(&o);
  o.num_threads = threads;
  xconv_plan* plan = nullptr;
  if (xconv_plan_create(&d, w.data(), bias.data(), &o, &plan) != XCONV_OK) {
    finding("a valid problem with wisdom was rejected", xconv_last_error());
  }
  const std::string describe = xconv_plan_describe(plan);
  if (describe.find("choice=wisdom") == std::string::npos && describe.find("choice=heuristic") == std::string::npos) {
    finding("the plan does not say where its choice came from", describe);
  }
  xconv_run_args args;
  xconv_run_args_init(&args);
  args.input = x.data();
  args.output = y.data();
  args.residual = d.has_residual ? residual.data() : nullptr;
  if (xconv_plan_execute(plan, &args) != XCONV_OK) finding("run failed", xconv_last_error());
  xconv_plan_destroy(plan);
  xconv_wisdom_clear();
  const xconv::ref::RefResult ref = xconv::ref::conv2d(d, x.data(), w.data(), bias.data(), residual.data());
  const size_t depth = static_cast<size_t>((d.in_channels / d.groups) * d.kernel_height * d.kernel_width);
  for (size_t i = 0; i < out; ++i) {
    // Equal covers infinities (a clamp to +inf, from a file's min=inf); NaN must meet NaN.
    const bool same = static_cast<double>(y[i]) == ref.output[i] || (std::isnan(y[i]) && std::isnan(ref.output[i]));
    if (!same && !(std::fabs(y[i] - ref.output[i]) <= xconv::ref::error_bound(depth, ref.magnitude[i]))) {
      std::fprintf(stderr, "output %zu: %g vs reference %g\n", i, static_cast<double>(y[i]), ref.output[i]);
      finding("mismatch against the reference", describe);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool logged = (xconv_set_log(quiet, nullptr), true);
  (void)logged;
  std::vector<xconv::WisdomEntry> entries;
  std::string message;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  switch (xconv::parse_wisdom(text, nullptr, &entries, &message)) {
    case xconv::WisdomParse::kInvalid:
      if (message.rfind("line ", 0) != 0) finding("refused without naming the line", message);
      return 0;
    case xconv::WisdomParse::kIgnored: finding("a header was checked with none expected", message);
    case xconv::WisdomParse::kLoaded: break;
  }
  if (!entries.empty()) use_entry(entries.front());
  return 0;
}
