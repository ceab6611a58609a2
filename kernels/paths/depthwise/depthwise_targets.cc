// The depthwise entry points of each Highway target they are built for, by target.
#include "kernels/paths/depthwise/depthwise.h"

#include <algorithm>

namespace xconv {

#define XCONV_DECLARE_DEPTHWISE(name, enumerator)                                        \
  void depthwise_nchw_##name(const DepthwiseJob&, const RunTensors&, float*, size_t); \
  void depthwise_nhwc_##name(const DepthwiseJob&, const RunTensors&, float*, size_t); \
  void grouped_nhwc_##name(const DepthwiseJob&, const RunTensors&, float*, size_t);
XCONV_DEPTHWISE_TARGETS(XCONV_DECLARE_DEPTHWISE)
#undef XCONV_DECLARE_DEPTHWISE

DepthwiseFn depthwise_loops(HwyTarget target, bool nchw) {
  switch (target) {
#define XCONV_DEPTHWISE_CASE(name, enumerator) \
  case HwyTarget::enumerator: return nchw ? depthwise_nchw_##name : depthwise_nhwc_##name;
    XCONV_DEPTHWISE_TARGETS(XCONV_DEPTHWISE_CASE)
#undef XCONV_DEPTHWISE_CASE
    default: (void)nchw; return nullptr;
  }
}

DepthwiseFn grouped_loops(HwyTarget target) {
  switch (target) {
#define XCONV_GROUPED_CASE(name, enumerator) \
  case HwyTarget::enumerator: return grouped_nhwc_##name;
    XCONV_DEPTHWISE_TARGETS(XCONV_GROUPED_CASE)
#undef XCONV_GROUPED_CASE
    default: return nullptr;
  }
}

bool grouped_direct_fits(const ConvShape& s, size_t lanes) {
  const int64_t L = static_cast<int64_t>(lanes);
  return s.d.layout == XCONV_LAYOUT_NHWC && s.d.groups > 1 && s.group_in > 1 && L > 1 &&
         s.d.out_channels % L == 0 && L % s.group_out == 0 && s.group_in <= s.group_out;
}

// Output rows a sweeping task runs down, at most: at a band's top edge the
// kernel's first rows come from L2 again (kh - stride of them: an eighth
// more at stride 1 with a 3x3 kernel, where the row order reads every row
// three times). Bands of 8 and 16 rows measured alike within the noise.
constexpr int64_t kMaxSweepRows = 16;
// And at least, where bands are cut thinner to share among threads.
constexpr int64_t kMinSweepRows = 4;
// Bands a run wants per thread when it has several, so that the task
// ranges (run.cc) balance a slower core, and the fewest it sweeps with.
constexpr int64_t kBandsPerThread = 4, kMinBandsPerThread = 2;

void plan_depthwise_sweep(DepthwiseJob* j, size_t lanes, int threads, size_t l1_bytes) {
  j->sweep_rows = 0;
  // The sweep where a vector of channels is a whole 64-byte line (AVX-512)
  // and the input rows under the kernel, a line per pixel, fit in half the
  // L1. Against the row order (one process alternating the two, 1 thread,
  // Zen 5): MobileNet 3x3 layers at stride 2 1.10-1.19x, 960 channels of 7x7
  // 1.07-1.24x, stride 1 on 56x56 and 112x112 1.03-1.05x, the 5x5 layers
  // 0.9-1.08x (within the noise); on two threads, where bands are thinner,
  // 0.93-1.02x. On AVX2, half a line a vector, it measured 0.82-1.03x the
  // row order (Zen 5), and on a Zen 3 with two vectors a tile, a whole
  // line, 0.80-0.88x on the 3x3 layers (one process alternating the two
  // plans), so there the rows stay.
  const bool fits = j->kh * j->in_w * 64 <= static_cast<int64_t>(l1_bytes / 2);
  if (!nhwc_tiles_slide(*j) || j->multiplier != 1 || j->group_in != 1 || static_cast<int64_t>(lanes) < kLineFloats ||
      !fits) {
    return;
  }
  // Several threads share bands, never the channels of a pixel: split
  // there, one core's prefetchers fetched the lines next to its own, the
  // other core's, and the two took turns on them (0.5-0.9x the row order
  // on two threads). Images too short to give each thread two bands keep
  // the row order, which makes a task of every row.
  const int64_t T = threads;
  const int64_t rows = T > 1 ? std::min(kMaxSweepRows, std::max(kMinSweepRows, j->out_h / (kBandsPerThread * T)))
                             : kMaxSweepRows;
  if ((j->out_h + rows - 1) / rows < (T > 1 ? kMinBandsPerThread * T : 1)) return;
  j->sweep_rows = std::min(j->out_h, rows);
}

size_t plan_depthwise_workspace(DepthwiseJob* j, bool nchw, size_t lanes) {
  j->padded_h = j->padded_w = 0;
  if (!nchw && j->group_in > 1) return 0;  // the grouped loops read no table
  if (!nchw) {  // a row of zeros, then the tap tables (a band's, or a row's): pointers, aligned within
    const size_t pointer_floats = sizeof(const float*) / sizeof(float);
    const int64_t pointers = std::max<int64_t>(1, j->sweep_rows) * row_table_pointers(*j);
    return static_cast<size_t>(j->channels) + (static_cast<size_t>(pointers) + 1) * pointer_floats;
  }
  if (j->stride_w > 2) return 0;
  const int64_t L = static_cast<int64_t>(lanes);
  const int64_t vectors = (j->out_w + L - 1) / L;
  // Rows every tap of every output row reads; columns of whole output
  // vectors, plus what a stride-2 load reads past its last even column.
  j->padded_h = (j->out_h - 1) * j->stride_h + (j->kh - 1) * j->dilation_h + 1;
  j->padded_w = vectors * L * j->stride_w + (j->kw - 1) * j->dilation_w + L;
  return static_cast<size_t>(j->padded_h * j->padded_w);
}

bool depthwise_sweeps(const DepthwiseJob& j, int64_t batch) { return j.sweep_rows > 0 && batch < j.prefetch_batch; }

size_t depthwise_tasks(const DepthwiseJob& j, bool nchw, int64_t batch) {
  if (nchw) return static_cast<size_t>(batch * j.out_channels);
  if (!depthwise_sweeps(j, batch)) return static_cast<size_t>(batch * j.out_h);
  return static_cast<size_t>(batch * ((j.out_h + j.sweep_rows - 1) / j.sweep_rows));
}

}  // namespace xconv
