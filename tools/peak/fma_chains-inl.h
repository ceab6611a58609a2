// Independent chains of fused multiply-adds, written once with Highway and
// built per target (fma_peak_<target>.cc): the measured FMA peak of that
// target's vectors. Enough chains to cover FMA latency x FMA pipes, few
// enough to stay in registers with the two constants (16 on AVX2, 32 else).
#ifndef XCONV_TOOLS_PEAK_FMA_CHAINS_INL_H_
#define XCONV_TOOLS_PEAK_FMA_CHAINS_INL_H_

#include <hwy/highway.h>

#include "tools/peak/fma_peak.h"

HWY_BEFORE_NAMESPACE();
namespace xconv {
namespace tools {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

constexpr size_t kChains = HWY_TARGET == HWY_AVX2 ? 12 : 24;

float FmaChains(size_t iterations, FmaLoop* loop) {
  const hn::ScalableTag<float> d;
  loop->fmas_per_iteration = kChains;
  loop->lanes = hn::Lanes(d);
  hn::Vec<decltype(d)> acc[kChains];
  for (size_t j = 0; j < kChains; ++j) acc[j] = hn::Set(d, 0.001f * static_cast<float>(j));
  const auto a = hn::Set(d, 0.999999f), b = hn::Set(d, 1e-7f);
  for (size_t i = 0; i < iterations; ++i) {
    _Pragma("GCC unroll 32") for (size_t j = 0; j < kChains; ++j) acc[j] = hn::MulAdd(acc[j], a, b);
  }
  auto sum = acc[0];
  for (size_t j = 1; j < kChains; ++j) sum = hn::Add(sum, acc[j]);
  return hn::GetLane(sum);
}

}  // namespace HWY_NAMESPACE
}  // namespace tools
}  // namespace xconv
HWY_AFTER_NAMESPACE();

#define XCONV_EXPORT_FMA_CHAINS(target)                                                        \
  namespace xconv::tools {                                                                     \
  extern "C" float xconv_tools_fma_chains_##target(size_t iterations, FmaLoop* loop) {          \
    return HWY_STATIC_DISPATCH(FmaChains)(iterations, loop);                                   \
  }                                                                                            \
  }  // namespace xconv::tools

#endif  // XCONV_TOOLS_PEAK_FMA_CHAINS_INL_H_
