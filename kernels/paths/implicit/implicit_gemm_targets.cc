// The implicit GEMM entry points of each Highway target they are built for,
// and the planning that does not depend on the target.
#include "kernels/paths/implicit/implicit_gemm.h"

#include <algorithm>
#include <cstdint>

namespace xconv {

#define XCONV_DECLARE_IMPLICIT_GEMM(name, enumerator) \
  void implicit_gemm_##name(const ImplicitGemmJob&, const RunTensors&, float*, size_t);
XCONV_DEPTHWISE_TARGETS(XCONV_DECLARE_IMPLICIT_GEMM)
#undef XCONV_DECLARE_IMPLICIT_GEMM

ImplicitGemmFn implicit_gemm_loops(HwyTarget target) {
  switch (target) {
#define XCONV_IMPLICIT_GEMM_CASE(name, enumerator) \
  case HwyTarget::enumerator: return implicit_gemm_##name;
    XCONV_DEPTHWISE_TARGETS(XCONV_IMPLICIT_GEMM_CASE)
#undef XCONV_IMPLICIT_GEMM_CASE
    default: return nullptr;
  }
}

// Strides up to 4 in width: each is that many phases of a band row.
constexpr int64_t kMaxStrideW = 4;

// Output rows a task: few enough that a batch of one image still gives
// each of a few threads several tasks (the seed's 55 rows: 14), while the
// rows a band copies twice (kernel height - stride) stay a small part.
constexpr int64_t kBandRows = 4;

int64_t implicit_gemm_tile(size_t lanes, int64_t out_channels) {
  if (lanes == 8) return 4;
  int64_t best = 6, best_cost = INT64_MAX;
  for (int64_t tile = 6; tile >= 4; --tile) {
    const int64_t cost = (out_channels + tile - 1) / tile * (tile + 2);
    if (cost < best_cost) best = tile, best_cost = cost;
  }
  return best;
}

bool implicit_gemm_fits(const ConvShape& s) {
  const xconv_conv2d_desc& d = s.d;
  if (d.layout != XCONV_LAYOUT_NCHW || d.groups != 1 || s.gemm_k > kImplicitGemmMaxDepth ||
      d.kernel_height * d.kernel_width == 1 || d.stride_width > kMaxStrideW) {
    return false;
  }
  // The band's floats (plan_implicit_gemm, for vectors of up to 64 lanes)
  // must stay within the int32 tap offsets: not so for rows millions wide.
  const double band_rows = static_cast<double>(std::min(s.out_h, kBandRows) - 1) * d.stride_height +
                           static_cast<double>(d.kernel_height - 1) * d.dilation_height + 1;
  const double phase_w = static_cast<double>(s.out_w) + 64 + static_cast<double>(d.kernel_width - 1) * d.dilation_width;
  return static_cast<double>(d.in_channels) * band_rows * static_cast<double>(d.stride_width) * phase_w < 1 << 30;
}

size_t plan_implicit_gemm(ImplicitGemmJob* j, size_t lanes) {
  const int64_t L = static_cast<int64_t>(lanes);
  j->band_rows = std::min(j->out_h, kBandRows);
  j->band_in_rows = (j->band_rows - 1) * j->stride_h + (j->kh - 1) * j->dilation_h + 1;
  // Whole vectors of output columns, and the furthest a tap reaches past them.
  j->phase_w = (j->out_w + L - 1) / L * L + (j->kw - 1) * j->dilation_w / j->stride_w;
  int32_t* offset = j->tap_offsets;
  for (int64_t c = 0; c < j->channels; ++c) {
    for (int64_t r = 0; r < j->kh; ++r) {
      for (int64_t s = 0; s < j->kw; ++s) {
        const int64_t column = s * j->dilation_w, row = c * j->band_in_rows + r * j->dilation_h;
        *offset++ = static_cast<int32_t>((row * j->stride_w + column % j->stride_w) * j->phase_w + column / j->stride_w);
      }
    }
  }
  return static_cast<size_t>(j->channels * j->band_in_rows * j->stride_w * j->phase_w);
}

size_t implicit_gemm_tasks(const ImplicitGemmJob& j, size_t batch) {
  return batch * static_cast<size_t>((j.out_h + j.band_rows - 1) / j.band_rows);
}

}  // namespace xconv
