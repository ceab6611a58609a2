// The machine's FMA peak, measured by the tools themselves (the tuner, the benchmarks): independent chains
// of fused multiply-adds (fma_chains-inl.h), built for Highway's AVX2 and
// AVX3 targets on x86 and NEON on Arm, each in its own translation unit.
#ifndef XCONV_TOOLS_PEAK_FMA_PEAK_H_
#define XCONV_TOOLS_PEAK_FMA_PEAK_H_

#include <cstddef>

#include "xconv/xconv.h"

namespace xconv::tools {

struct FmaLoop {
  size_t fmas_per_iteration = 0;  // vector FMAs per iteration
  size_t lanes = 0;               // floats per vector
};

// Single-thread FMA peak of an xconv ISA's vectors in flop/s (best of a few
// timed runs), or 0 when this build or CPU has no such loop.
double fma_peak(xconv_isa isa);

// The same loop on `threads` threads at once: the sum of their rates, the
// peak that a run on that many threads is measured against.
double fma_peak_threads(xconv_isa isa, int threads);

// One untimed run of `iterations` rounds of the ISA's loop on the calling
// thread, for callers that time it themselves (bench_conv's peak among the
// layers). Fills in `loop` (lanes 0 when this build or CPU has no such
// loop) and returns a value that depends on every FMA.
float fma_chains(xconv_isa isa, size_t iterations, FmaLoop* loop);

}  // namespace xconv::tools

extern "C" {
// Runs `iterations` rounds of the chains; the result depends on every FMA.
float xconv_tools_fma_chains_avx2(size_t iterations, xconv::tools::FmaLoop* loop);
float xconv_tools_fma_chains_avx3(size_t iterations, xconv::tools::FmaLoop* loop);
float xconv_tools_fma_chains_neon(size_t iterations, xconv::tools::FmaLoop* loop);
}

#endif  // XCONV_TOOLS_PEAK_FMA_PEAK_H_
