#include "bench/peak/fma_peak.h"

#include <chrono>

#include "kernels/frame/isa.h"

namespace xconv::bench {

double fma_peak(xconv_isa isa) {
  // The FMA loop built for the ISA's widest Highway target (its first
  // packer target, gen/isas.py), if this CPU runs that target; the loops
  // exist for the vector-kernel ISAs' targets only.
  float (*chains)(size_t, FmaLoop*) = nullptr;
  const IsaInfo* info = isa_info(isa);
  const HwyTarget widest = info ? info->packers[0] : HwyTarget::kNone;
  if (isa_runnable(isa) && first_runnable(info->packers) == widest) {
    switch (widest) {
#if defined(__x86_64__)
      case HwyTarget::kAvx2: chains = xconv_bench_fma_chains_avx2; break;
      case HwyTarget::kAvx3: chains = xconv_bench_fma_chains_avx3; break;
#elif defined(__aarch64__)
      case HwyTarget::kNeon: chains = isa == XCONV_ISA_NEON ? xconv_bench_fma_chains_neon : nullptr; break;
#endif
      default: break;
    }
  }
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
