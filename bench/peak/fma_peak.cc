#include "bench/peak/fma_peak.h"

#include <chrono>
#include <cstring>

#include "xconv/xconv.h"

namespace xconv::bench {

double fma_peak(const char* isa) {
  float (*chains)(size_t, size_t*) = nullptr;
  double lanes = 0;
#if defined(__x86_64__)
  if (std::strcmp(isa, "avx2") == 0 && xconv_isa_supported(XCONV_ISA_AVX2)) {
    chains = xconv_bench_fma_chains_avx2, lanes = 8;
  }
  if (std::strcmp(isa, "avx512") == 0 && xconv_isa_supported(XCONV_ISA_AVX512)) {
    chains = xconv_bench_fma_chains_avx512, lanes = 16;
  }
#elif defined(__aarch64__)
  if (std::strcmp(isa, "neon") == 0) chains = xconv_bench_fma_chains_neon, lanes = 4;
#endif
  if (chains == nullptr) return 0.0;
  const size_t iterations = 4 << 20;
  double best = 0.0;
  volatile float sink = 0.0f;
  for (int run = 0; run < 5; ++run) {
    const auto start = std::chrono::steady_clock::now();
    size_t fmas = 0;
    sink = sink + chains(iterations, &fmas);
    const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
    const double flops = 2.0 * lanes * static_cast<double>(fmas) * static_cast<double>(iterations);
    if (flops / seconds.count() > best) best = flops / seconds.count();
  }
  return best;
}

}  // namespace xconv::bench
