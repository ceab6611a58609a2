// The process's wisdom: tuned choices per exact problem, loaded from and
// saved to wisdom files (wisdom_format.h), consulted at plan creation.
// One set of entries behind one mutex; XCONV_WISDOM is loaded once, at the
// first use of any of this.
#ifndef XCONV_KERNELS_FRAME_WISDOM_H_
#define XCONV_KERNELS_FRAME_WISDOM_H_

#include <cstddef>
#include <string>

#include "kernels/frame/error.h"
#include "kernels/frame/shape.h"
#include "kernels/frame/wisdom_format.h"
#include "xconv/xconv.h"

namespace xconv {

// Where a plan's choice came from (the describe line's choice= token).
enum class ChoiceSource { kHeuristic, kWisdom, kOptions };
const char* choice_source_name(ChoiceSource source);

// The options a plan (or packed weights) of this problem is made with. The
// caller's, when they force anything (ISA, kernel, path, a block; or
// XCONV_ISA): kOptions. Else a wisdom entry's choice: kWisdom. Else the
// caller's: kHeuristic. Not copyable: `options` points into `entry`.
struct ResolvedOptions {
  ResolvedOptions() = default;
  ResolvedOptions(const ResolvedOptions&) = delete;
  ResolvedOptions& operator=(const ResolvedOptions&) = delete;

  xconv_plan_options options;
  ChoiceSource source = ChoiceSource::kHeuristic;
  WisdomEntry entry;
};

void resolve_options(const xconv_conv2d_desc& d, bool prelu, int max_threads, const xconv_plan_options& options,
                     ResolvedOptions* out);

// A wisdom entry that this build cannot follow after all (hand-edited: a
// path that cannot serve its problem) warns and gives way to the cost model.
void fall_back_from_wisdom(ResolvedOptions* r, const xconv_plan_options& options, const char* why);

// Runs make(options) with the resolved options, and once more with the
// caller's when a wisdom entry's fail.
template <class Make>
xconv_status with_wisdom_fallback(ResolvedOptions* r, const xconv_plan_options& options, Make make) {
  xconv_status s = make(r->options);
  if (s != XCONV_OK && r->source == ChoiceSource::kWisdom) {
    fall_back_from_wisdom(r, options, last_error());
    s = make(r->options);
  }
  return s;
}

// The C API's calls (xconv.h).
xconv_status wisdom_load(const char* path);
xconv_status wisdom_save(const char* path);
void wisdom_clear();
xconv_status wisdom_add(const std::string& problem, const WisdomEntry& choice);
size_t wisdom_count();

}  // namespace xconv

#endif  // XCONV_KERNELS_FRAME_WISDOM_H_
