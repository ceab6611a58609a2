// NEON FMA chains for fma_peak.cc.
#include <arm_neon.h>

#include "bench/peak/fma_peak.h"

// 24 chains: registers for them and the two constants, and more than
// FMA latency x FMA pipes on every core we run on.
constexpr size_t kChains = 24;

extern "C" float xconv_bench_fma_chains_neon(size_t iterations, size_t* fmas_per_iteration) {
  *fmas_per_iteration = kChains;
  float32x4_t acc[kChains];
  for (size_t j = 0; j < kChains; ++j) acc[j] = vdupq_n_f32(0.001f * j);
  const float32x4_t a = vdupq_n_f32(0.999999f), b = vdupq_n_f32(1e-7f);
  for (size_t i = 0; i < iterations; ++i) {
    _Pragma("GCC unroll 32") for (size_t j = 0; j < kChains; ++j) acc[j] = vfmaq_f32(b, acc[j], a);
  }
  float32x4_t sum = acc[0];
  for (size_t j = 1; j < kChains; ++j) sum = vaddq_f32(sum, acc[j]);
  return vgetq_lane_f32(sum, 0);
}
