#include "bench/peak/fma_peak.h"

#include <chrono>

#include "kernels/frame/cpu.h"

namespace xconv::bench {

double fma_peak(xconv_isa isa) {
  float (*chains)(size_t, FmaLoop*) = nullptr;
#if defined(__x86_64__)
  // The Highway targets the loops were built for, checked like the library's.
  if (isa == XCONV_ISA_AVX2 && cpu_features().hwy_avx2) chains = xconv_bench_fma_chains_avx2;
  if (isa == XCONV_ISA_AVX512 && cpu_features().hwy_avx3) chains = xconv_bench_fma_chains_avx3;
#elif defined(__aarch64__)
  if (isa == XCONV_ISA_NEON) chains = xconv_bench_fma_chains_neon;
#endif
  if (chains == nullptr) return 0.0;
  const size_t iterations = 4 << 20;
  double best = 0.0;
  volatile float sink = 0.0f;
  for (int run = 0; run < 5; ++run) {
    FmaLoop loop;
    const auto start = std::chrono::steady_clock::now();
    sink = sink + chains(iterations, &loop);
    const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
    const double flops = 2.0 * static_cast<double>(loop.lanes * loop.fmas_per_iteration * iterations);
    if (flops / seconds.count() > best) best = flops / seconds.count();
  }
  return best;
}

}  // namespace xconv::bench
