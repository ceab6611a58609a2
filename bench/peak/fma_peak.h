// The machine's FMA peak, measured by the bench itself: independent chains
// of fused multiply-adds, enough to cover the FMA latency on every pipe. Each
// ISA's loop lives in its own translation unit, built with that ISA's flags.
#ifndef XCONV_BENCH_PEAK_FMA_PEAK_H_
#define XCONV_BENCH_PEAK_FMA_PEAK_H_

#include <cstddef>

extern "C" {
// Run `iterations` rounds of independent FMA chains (vector FMAs per round
// stored in *fmas_per_iteration); returns a value that depends on every FMA,
// so none can be optimised away.
float xconv_bench_fma_chains_avx2(size_t iterations, size_t* fmas_per_iteration);
float xconv_bench_fma_chains_avx512(size_t iterations, size_t* fmas_per_iteration);
float xconv_bench_fma_chains_neon(size_t iterations, size_t* fmas_per_iteration);
}

namespace xconv::bench {

// Single-thread FMA peak of one ISA in flop/s (best of a few timed runs), or
// 0 when this build or CPU has no such loop. isa: "avx2" | "avx512" | "neon".
double fma_peak(const char* isa);

}  // namespace xconv::bench

#endif  // XCONV_BENCH_PEAK_FMA_PEAK_H_
