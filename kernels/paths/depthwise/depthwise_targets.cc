// The depthwise entry points of each Highway target they are built for, by target.
#include "kernels/paths/depthwise/depthwise.h"

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

size_t plan_depthwise_workspace(DepthwiseJob* j, bool nchw, size_t max_lanes) {
  j->padded_h = j->padded_w = 0;
  if (!nchw) {  // a row of zeros, then the tap table: pointers, aligned within
    const size_t pointer_floats = sizeof(const float*) / sizeof(float);
    return static_cast<size_t>(j->channels) + (static_cast<size_t>(j->kh * j->kw * kMaxTilePixels) + 1) * pointer_floats;
  }
  if (j->stride_w > 2) return 0;
  const int64_t lanes = static_cast<int64_t>(max_lanes);
  const int64_t vectors = (j->out_w + lanes - 1) / lanes;
  // Rows every tap of every output row reads; columns of whole output
  // vectors, plus what a stride-2 load reads past its last even column.
  j->padded_h = (j->out_h - 1) * j->stride_h + (j->kh - 1) * j->dilation_h + 1;
  j->padded_w = vectors * lanes * j->stride_w + (j->kw - 1) * j->dilation_w + lanes;
  return static_cast<size_t>(j->padded_h * j->padded_w);
}

}  // namespace xconv
