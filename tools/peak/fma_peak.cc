#include "tools/peak/fma_peak.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "kernels/frame/isa.h"

namespace xconv::tools {

namespace {

using Chains = float (*)(size_t, FmaLoop*);

// The FMA loop built for the ISA's widest Highway target (its first packer
// target, gen/isas.py), if this CPU runs that target; the loops exist for
// the vector-kernel ISAs' targets only.
Chains chains_for(xconv_isa isa) {
  const IsaInfo* info = isa_info(isa);
  const HwyTarget widest = info ? info->packers[0] : HwyTarget::kNone;
  if (!isa_runnable(isa) || first_runnable(info->packers) != widest) return nullptr;
  switch (widest) {
#if defined(__x86_64__)
    case HwyTarget::kAvx2: return xconv_tools_fma_chains_avx2;
    case HwyTarget::kAvx3: return xconv_tools_fma_chains_avx3;
#elif defined(__aarch64__)
    case HwyTarget::kNeon: return isa == XCONV_ISA_NEON ? xconv_tools_fma_chains_neon : nullptr;
#endif
    default: return nullptr;
  }
}

// Best rate of a few timed runs of the loop on the calling thread.
double best_rate(Chains chains) {
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

}  // namespace

float fma_chains(xconv_isa isa, size_t iterations, FmaLoop* loop) {
  const Chains chains = chains_for(isa);
  *loop = FmaLoop();
  return chains ? chains(iterations, loop) : 0.0f;
}

double fma_peak(xconv_isa isa) {
  const Chains chains = chains_for(isa);
  return chains ? best_rate(chains) : 0.0;
}

double fma_peak_threads(xconv_isa isa, int threads) {
  const Chains chains = chains_for(isa);
  if (chains == nullptr || threads < 1) return 0.0;
  // All threads start together (a spinning barrier), so that their timed
  // runs overlap and the sum is a rate of all cores at once.
  std::vector<double> rates(static_cast<size_t>(threads));
  std::atomic<int> arrived{0};
  auto measure = [&](int t) {
    arrived.fetch_add(1);
    while (arrived.load() < threads) {
    }
    rates[static_cast<size_t>(t)] = best_rate(chains);
  };
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t) workers.emplace_back(measure, t);
  measure(0);
  for (std::thread& w : workers) w.join();
  double sum = 0.0;
  for (double r : rates) sum += r;
  return sum;
}

}  // namespace xconv::tools
