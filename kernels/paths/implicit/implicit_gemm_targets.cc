// The implicit GEMM entry points of each Highway target they are built for,
// and the planning that does not depend on the target.
#include "kernels/paths/implicit/implicit_gemm.h"

#include <algorithm>
#include <cmath>
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

int64_t implicit_gemm_tile(const ConvShape& s, size_t lanes) {
  const int64_t out_channels = s.d.out_channels, L = static_cast<int64_t>(lanes);
  if (s.d.layout == XCONV_LAYOUT_NHWC) {
    int64_t best = 1;
    double best_cost = INFINITY;
    for (int v = 1; v <= kImplicitGemmMaxVectors; ++v) {
      const int p = implicit_gemm_nhwc_pixels(v, lanes);
      if (p < v) break;  // implicit_gemm.h: AVX2's 4 by 2
      const double padded = static_cast<double>((out_channels + v * L - 1) / (v * L) * v * L);
      const double cost = padded * std::max(1.0, static_cast<double>(v + p) / (v * p));
      if (cost <= best_cost) best = v, best_cost = cost;  // ties: the wider tile, fewer broadcasts
    }
    return best * L;
  }
  if (lanes == 8) return 4;
  int64_t best = 6, best_cost = INT64_MAX;
  for (int64_t tile = 6; tile >= 4; --tile) {
    const int64_t cost = (out_channels + tile - 1) / tile * (tile + 2);
    if (cost < best_cost) best = tile, best_cost = cost;
  }
  return best;
}

// The band's geometry (ImplicitGemmJob) for vectors of `lanes` floats, in
// doubles: the shape is not bounded yet when the path is chosen.
struct Band {
  double rows, in_rows, phase_w, floats;
};
Band band_of(const ConvShape& s, size_t lanes) {
  const xconv_conv2d_desc& d = s.d;
  const double L = static_cast<double>(lanes);
  Band b;
  b.rows = static_cast<double>(std::min(s.out_h, kBandRows));
  b.in_rows = (b.rows - 1) * static_cast<double>(d.stride_height) +
              static_cast<double>(d.kernel_height - 1) * static_cast<double>(d.dilation_height) + 1;
  if (d.layout == XCONV_LAYOUT_NHWC) {
    // Columns for whole tiles of up to kImplicitGemmMaxPixels pixels, and
    // the furthest the last one's taps reach.
    b.phase_w = static_cast<double>(s.out_w + kImplicitGemmMaxPixels - 2) * static_cast<double>(d.stride_width) +
                static_cast<double>((d.kernel_width - 1) * d.dilation_width) + 1;
    b.floats = b.in_rows * b.phase_w * static_cast<double>(d.in_channels);
    return b;
  }
  // Whole vectors of output columns, and the furthest a tap reaches past them.
  b.phase_w = std::ceil(static_cast<double>(s.out_w) / L) * L +
              std::floor(static_cast<double>((d.kernel_width - 1) * d.dilation_width) / static_cast<double>(d.stride_width));
  b.floats = static_cast<double>(d.in_channels) * b.in_rows * static_cast<double>(d.stride_width) * b.phase_w;
  return b;
}

bool implicit_gemm_fits(const ConvShape& s, size_t lanes) {
  const xconv_conv2d_desc& d = s.d;
  if (d.groups != 1 || d.kernel_height * d.kernel_width == 1 ||
      band_of(s, lanes).floats * sizeof(float) > kImplicitGemmMaxBandBytes) {
    return false;
  }
  if (d.layout == XCONV_LAYOUT_NHWC) return d.in_channels <= kImplicitGemmNhwcChannels;
  if (d.stride_width > kMaxStrideW) return false;
  return s.gemm_k <= kImplicitGemmShortDepth || s.out_w >= kImplicitGemmDeepWidth;
}

bool implicit_gemm_band_addressable(const ConvShape& s, size_t lanes) {
  return band_of(s, lanes).floats + static_cast<double>(s.gemm_k) < static_cast<double>(1 << 30);
}

size_t plan_implicit_gemm(const ConvShape& s, ImplicitGemmJob* j, size_t lanes) {
  const Band b = band_of(s, lanes);
  j->band_rows = static_cast<int64_t>(b.rows);
  j->band_in_rows = static_cast<int64_t>(b.in_rows);
  j->phase_w = static_cast<int64_t>(b.phase_w);
  j->band_floats = static_cast<int64_t>(b.floats);
  static_assert(sizeof(int32_t) == sizeof(float), "a tap offset takes a float's place in the workspace");
  return static_cast<size_t>(j->band_floats + s.gemm_k);
}

size_t implicit_gemm_tasks(const ImplicitGemmJob& j, size_t batch) {
  return batch * static_cast<size_t>((j.out_h + j.band_rows - 1) / j.band_rows);
}

}  // namespace xconv
