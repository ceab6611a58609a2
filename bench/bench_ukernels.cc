// Every micro-kernel this CPU runs, at kc = 256 with L1-resident panels:
// GFLOP/s and the fraction of the measured single-thread FMA peak of its ISA
// (tools/peak/). One call = one MR x NR tile over one K block, accumulating.
//
//   build/bench/bench_ukernels [--benchmark_repetitions=5 ...]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "tools/peak/fma_peak.h"
#include "kernels/frame/kernel_table.h"
#include "xconv/xconv.h"

namespace {

constexpr size_t kKc = 256;
constexpr size_t kTaps = 4;  // IGEMM kernels: kKc split into this many taps of kKc / kTaps channels

double peak_for(xconv_isa isa) {
  static const double avx2 = xconv::tools::fma_peak(XCONV_ISA_AVX2);
  static const double avx512 = xconv::tools::fma_peak(XCONV_ISA_AVX512);
  static const double neon = xconv::tools::fma_peak(XCONV_ISA_NEON);
  switch (isa) {
    case XCONV_ISA_AVX2: return avx2;
    case XCONV_ISA_AVX512: return avx512;
    case XCONV_ISA_NEON: return neon;
    default: return std::max(avx2, std::max(avx512, neon));  // hwy, scalar: vs the machine
  }
}

void run_kernel(benchmark::State& state, const xconv::KernelInfo* k) {
  std::vector<float> a(kKc * k->mr, 0.5f), b(kKc * k->nr, 0.25f), c(k->mr * k->nr, 0.0f);
  // IGEMM: row i of tap t reads kKc / kTaps channels of its own image row.
  std::vector<const float*> rows(kTaps * k->mr);
  for (size_t t = 0; t < kTaps; ++t) {
    for (size_t i = 0; i < k->mr; ++i) rows[t * k->mr + i] = a.data() + (i * kTaps + t) * (kKc / kTaps);
  }
  xconv_epilogue ep{};
  ep.min = -INFINITY;
  ep.max = INFINITY;
  ep.accumulate = 1;
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    if (k->family == xconv::KernelFamily::kIgemm) {
      k->igemm(k->mr, k->nr, kKc / kTaps, kTaps, rows.data(), b.data(), kKc * k->nr, c.data(), k->nr, &ep);
    } else {
      k->gemm(k->mr, k->nr, kKc, a.data(), b.data(), c.data(), k->nr, &ep);
    }
    benchmark::ClobberMemory();
  }
  const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
  benchmark::DoNotOptimize(c.data());
  // Plain numbers (not benchmark's per-second counters): GFLOP/s and percent.
  const double flops_per_second = 2.0 * k->mr * k->nr * kKc * state.iterations() / seconds.count();
  state.counters["GFLOP/s"] = flops_per_second * 1e-9;
  const double peak = peak_for(k->isa);
  if (peak > 0) {
    state.counters["peak_GFLOP/s"] = peak * 1e-9;
    state.counters["pct_of_peak"] = flops_per_second / peak * 100.0;
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  for (size_t i = 0; i < xconv::kernel_count(); ++i) {
    const xconv::KernelInfo& k = xconv::kernel_at(i);
    if (!xconv_isa_supported(k.isa)) continue;
    benchmark::RegisterBenchmark((std::string(k.name) + "/kc:256").c_str(), run_kernel, &k);
  }
  std::printf("FMA peak, one thread: avx2 %.1f GFLOP/s, avx512 %.1f GFLOP/s, neon %.1f GFLOP/s\n",
              peak_for(XCONV_ISA_AVX2) * 1e-9, peak_for(XCONV_ISA_AVX512) * 1e-9,
              peak_for(XCONV_ISA_NEON) * 1e-9);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
