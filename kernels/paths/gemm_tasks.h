// What the GEMM paths share: how a task index maps to the part of the output
// it computes, and where a tile's packed weights and bias are.
//
// Tasks split each (image, group) GEMM into chunks of pixels and chunks of
// output channels (plan.cc, choose_split); threads never split K, so the
// result does not depend on the thread count. A path that folds the batch
// into the pixels has one "image" (xconv_plan::gemm_images). A run of fewer
// images than planned has fewer tasks (RunExtent), each the same as in a
// full run.
#ifndef XCONV_KERNELS_PATHS_GEMM_TASKS_H_
#define XCONV_KERNELS_PATHS_GEMM_TASKS_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "kernels/frame/plan.h"

namespace xconv {

// The ranges one task covers, inside one image and one group.
struct TaskRange {
  int64_t n, g;                   // image (0 when the batch is folded into the pixels), group
  size_t pixel_begin, pixel_end;  // output pixels ((n *) out_h + oh) * out_w + ow
  size_t out_begin, out_end;      // output channels within the group
};

inline size_t gemm_task_count(const xconv_plan& p, const RunExtent& e) {
  return e.gemm_images * static_cast<size_t>(p.shape.d.groups) * e.pixel_chunks * p.weight_chunks;
}

inline TaskRange decompose_task(const xconv_plan& p, const RunExtent& e, size_t task) {
  TaskRange t;
  size_t wc, pc;
  if (p.pixel_chunks_inner) {
    pc = task % e.pixel_chunks;
    task /= e.pixel_chunks;
    wc = task % p.weight_chunks;
    task /= p.weight_chunks;
  } else {
    wc = task % p.weight_chunks;
    task /= p.weight_chunks;
    pc = task % e.pixel_chunks;
    task /= e.pixel_chunks;
  }
  t.g = static_cast<int64_t>(task % static_cast<size_t>(p.shape.d.groups));
  t.n = static_cast<int64_t>(task / static_cast<size_t>(p.shape.d.groups));
  t.pixel_begin = pc * p.pixel_chunk;
  t.pixel_end = std::min(e.pixels, t.pixel_begin + p.pixel_chunk);
  t.out_begin = wc * p.weight_chunk;
  t.out_end = std::min(static_cast<size_t>(p.shape.group_out), t.out_begin + p.weight_chunk);
  return t;
}

// The packed weights of group g, K block pc, tile starting at output channel first_out.
inline const float* weight_panel(const xconv_plan& p, int64_t g, size_t pc, size_t first_out) {
  return p.packed->weights + p.packed->layout.panel_offset(static_cast<size_t>(g), pc, first_out);
}

// A per-channel array packed like the bias (the bias, the negative slopes)
// from output channel first_out of group g, or NULL when the plan has none.
inline const float* channel_values(const xconv_plan& p, const float* values, int64_t g, size_t first_out) {
  if (values == nullptr) return nullptr;
  return values + static_cast<size_t>(g) * p.packed->layout.group_out_padded + first_out;
}

inline const float* bias_for(const xconv_plan& p, int64_t g, size_t first_out) {
  return channel_values(p, p.packed->bias, g, first_out);
}

inline const float* slope_for(const xconv_plan& p, int64_t g, size_t first_out) {
  return channel_values(p, p.packed->slopes, g, first_out);
}

// The epilogue every tile of a task starts from: clamp and residual scale;
// the tile's own pointers are set per tile.
inline xconv_epilogue task_epilogue(const xconv_plan& p) {
  xconv_epilogue ep{};
  ep.residual_scale = p.shape.d.residual_scale;
  ep.min = p.shape.d.output_min;
  ep.max = p.shape.d.output_max;
  return ep;
}

// The residual tile under output tile c (the same offset), or NULL.
inline const float* residual_at(const RunTensors& t, const float* c) {
  return t.residual ? t.residual + (c - t.output) : nullptr;
}

}  // namespace xconv

#endif  // XCONV_KERNELS_PATHS_GEMM_TASKS_H_
