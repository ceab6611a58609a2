// avx2 FMA chains for fma_peak.cc (built with avx2 flags only).
#include <immintrin.h>

#include "bench/peak/fma_peak.h"

// 12 chains: registers for them and the two constants, and more than
// FMA latency x FMA pipes on every core we run on.
constexpr size_t kChains = 12;

extern "C" float xconv_bench_fma_chains_avx2(size_t iterations, size_t* fmas_per_iteration) {
  *fmas_per_iteration = kChains;
  __m256 acc[kChains];
  for (size_t j = 0; j < kChains; ++j) acc[j] = _mm256_set1_ps(0.001f * j);
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (size_t i = 0; i < iterations; ++i) {
    _Pragma("GCC unroll 32") for (size_t j = 0; j < kChains; ++j) acc[j] = _mm256_fmadd_ps(acc[j], a, b);
  }
  __m256 sum = acc[0];
  for (size_t j = 1; j < kChains; ++j) sum = _mm256_add_ps(sum, acc[j]);
  float lanes[sizeof(__m256) / sizeof(float)];
  _mm256_storeu_ps(lanes, sum);
  return lanes[0];
}
