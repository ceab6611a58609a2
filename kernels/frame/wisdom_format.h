// The text of a wisdom file (xconv.h, "Wisdom"; docs/DESIGN.md, "Wisdom"):
//
//   xconv-wisdom 1
//   version 0.2.0
//   kernels 9f2c...                     (a hash of the built kernel list)
//   cpu vendor=AuthenticAMD family=26 model=68 features=avx2_fma,... l1d=49152 l2=1048576 l3=33554432
//   plan <problem> => <choice>          (one line per problem)
//   end 37                              (the number of plan lines: a cut file is refused)
//
// Lines starting with '#' and blank lines are comments. <problem> is the
// descriptor as key=value tokens in a fixed order (problem_text), ending
// with the plan's maximum thread count; <choice> is path, isa, kernel
// ("-" for the direct paths), kc, mc, nc, the threads used, and the GFLOP/s
// measured for this choice and for the default plan.
//
// Parsing is strict and pure (no global state), so that a fuzzer can drive
// it: every number is range-checked, every name looked up, and the first
// fault is reported with its line.
#ifndef XCONV_KERNELS_FRAME_WISDOM_FORMAT_H_
#define XCONV_KERNELS_FRAME_WISDOM_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "xconv/xconv.h"

namespace xconv {

// What a file must have been written for: this library on this CPU.
struct WisdomHeader {
  std::string version;  // xconv_version()
  std::string kernels;  // kernel_list_hash()
  std::string cpu;      // the "cpu" line's tokens (cpu_line)
};

WisdomHeader this_build_header();

// One tuned choice for one problem.
struct WisdomEntry {
  std::string problem;  // problem_text: the lookup key
  std::string path, isa, kernel;  // path_name(), isa_name(), the kernel's name or "-"
  int64_t kc = 0, mc = 0, nc = 0;  // the plan's blocks (0 for the direct paths)
  int threads = 1;                 // threads the plan uses
  double gflops = 0, default_gflops = 0;
};

// The problem key: every descriptor field that can change the plan
// (pointers excepted: `prelu` says whether per-channel slopes are given),
// and the maximum thread count.
std::string problem_text(const xconv_conv2d_desc& d, bool prelu, int max_threads);

// The descriptor, slopes flag and thread count of a problem_text, checked
// as xconv_plan_create checks a descriptor; false with *message on a fault.
bool parse_problem_text(std::string_view text, xconv_conv2d_desc* desc, bool* prelu, int* max_threads,
                        std::string* message);

enum class WisdomParse {
  kLoaded,   // *entries holds the file's plans
  kIgnored,  // written for another CPU, version or kernel list: *message says which
  kInvalid,  // *message names the line and the fault
};

// `expected` NULL accepts any header (the fuzzer's mode: its corpus must
// not depend on the machine); the plans are checked against this build and
// CPU either way.
WisdomParse parse_wisdom(std::string_view text, const WisdomHeader* expected, std::vector<WisdomEntry>* entries,
                         std::string* message);

// The whole file for these entries, in their order.
std::string format_wisdom(const WisdomHeader& header, const std::vector<WisdomEntry>& entries);

}  // namespace xconv

#endif  // XCONV_KERNELS_FRAME_WISDOM_FORMAT_H_
