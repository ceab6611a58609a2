// The bounds on what a caller (or a wisdom file) may ask of a plan, in one
// place: the options check (plan.cc), the wisdom parser (wisdom_format.cc)
// and xconv_wisdom_add (api.cc) all hold them.
#ifndef XCONV_KERNELS_FRAME_LIMITS_H_
#define XCONV_KERNELS_FRAME_LIMITS_H_

#include <cstdint>

namespace xconv {

constexpr int kMaxThreads = 1024;         // options.num_threads, a wisdom entry's threads
constexpr int64_t kMaxBlock = 1 << 20;    // options.kc, mc, nc
constexpr double kMaxGflops = 1e9;        // a measured rate in wisdom

}  // namespace xconv

#endif  // XCONV_KERNELS_FRAME_LIMITS_H_
