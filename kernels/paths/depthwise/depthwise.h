// Direct depthwise convolution: every group has one input channel (any
// channel multiplier), where a GEMM would have M or N = 1 and waste almost
// every vector lane. Each output element is still one FMA chain over the taps
// (r, s) in order, from 0 (or residual_scale * residual), then bias, negative
// slope and clamp: the same arithmetic as the GEMM path with a fused kernel
// and one K block (ukernel.h). Padding taps are multiplied as zeros.
//
// NCHW (stride 1 or 2 in width): each task first copies its input plane
// into the thread's workspace with the padding written as zeros and room
// for whole vectors at the row ends, so that every output vector is the same
// loop of aligned-free loads, with no edge cases; a tile is a few output
// rows by a few vectors of columns (depthwise_nchw-inl.h). NHWC: a tile is
// a run of output pixels of one row by a vector of channels, its input
// pixels read through a table of pointers the task builds in its workspace
// (padding taps point at a row of zeros there), and each input pixel is
// loaded once for every tap of the tile that reads it (depthwise-inl.h,
// nhwc_tile).
//
// The loops are written once with Highway (depthwise-inl.h) and built for
// the Highway targets gen/isas.py marks (AVX2 and AVX3 on x86, NEON on Arm:
// depthwise_<target>.cc). This header holds only data, so no ISA-flagged
// inline code can leak into baseline callers.
#ifndef XCONV_KERNELS_PATHS_DEPTHWISE_DEPTHWISE_H_
#define XCONV_KERNELS_PATHS_DEPTHWISE_DEPTHWISE_H_

#include <cstddef>
#include <cstdint>

#include "kernels/frame/run_tensors.h"
#include "kernels/frame/shape.h"
#include "kernels/ukernels/gen/isa_table.h"

namespace xconv {

// A 64-byte cache line's floats: the unit the sweep reads a pixel's
// channels in (plan_depthwise_sweep) and streamed stores go out in
// (depthwise_shared-inl.h, stream_pixels).
constexpr int64_t kLineFloats = 64 / static_cast<int64_t>(sizeof(float));

struct DepthwiseJob {
  int64_t channels, out_channels, multiplier;  // multiplier = out_channels / groups: outputs per group
  int64_t in_h, in_w, out_h, out_w, kh, kw;
  int64_t stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left;
  float min, max;
  const float* weights;  // kernels/pack/packed_weights.h, direct_weight_offset()
  const float* bias;     // out_channels floats, or NULL
  const float* slopes;   // out_channels negative slopes, or NULL
  float residual_scale;  // applied to RunTensors::residual when there is one
  // NCHW: the padded plane in the workspace, padded_h rows of padded_w
  // floats (0 x 0: the loops do without, e.g. for strides above 2).
  int64_t padded_h, padded_w;
  int64_t group_in;  // input channels per group: 1 for depthwise
  // Strides (shape.h's TensorGeometry): NCHW, between channel planes; NHWC,
  // between pixels; and between images.
  int64_t in_stride, out_stride, in_image_stride, out_image_stride;
  // NHWC: runs of at least this many images ask ahead for the input rows
  // the next output row reads (depthwise-inl.h, prefetch_next_rows). Only
  // where the run's activations overflow the last-level cache and come from
  // DRAM: there it pays (1.3-1.9x), while on cache-resident rows the
  // prefetches only take load slots (0.75-0.85x), the hardware prefetchers
  // keeping up. Such runs also stream their output past the caches, in
  // whole lines, where it can (depthwise_nhwc-inl.h, streams_output): it
  // would not stay cached, and a streamed line is written without being
  // read from DRAM first (mbv2_dw_3x3_144_n8 on AVX2, see stream_pixels).
  int64_t prefetch_batch;
  // NHWC, the kernels whose tiles slide (3x3, and 5 wide): the channel
  // sweep (depthwise-inl.h, nhwc_band), or 0 for the row order. A sweeping
  // task is a band of sweep_rows output rows, which it runs a vector of
  // channels at a time, down every row of the band before the next vector,
  // so that the few input rows under the kernel stay in L1 from one output
  // row to the next. In the row order a task is one output row, every
  // channel, and each output row brings its input rows from L2 again (three
  // times over at stride 1).
  int64_t sweep_rows;
};

// Whether an NHWC layer's tiles slide along the row: 3x3 and any-height
// 5-wide kernels at stride 1 or 2, dilation 1 in width, whose taps share
// each column load (depthwise-inl.h, nhwc_tile); the others take a table
// row per tap.
inline bool nhwc_tiles_slide(const DepthwiseJob& j) {
  return j.dilation_w == 1 && ((j.kw == 3 && j.kh == 3) || j.kw == 5) && (j.stride_w == 1 || j.stride_w == 2);
}

// The input pointers the tap tables of one NHWC output row take, all its
// tiles together, at most (the sweep keeps a band's). A tile of P pixels
// takes kh * kw rows of P where the tiles do not slide; where they do, kh
// rows of (P - 1) * stride_w + kw columns, every tile but the last six
// (single pixels, kh * kw pointers each) at least 7 pixels.
inline int64_t row_table_pointers(const DepthwiseJob& j) {
  if (!nhwc_tiles_slide(j)) return j.kh * j.kw * j.out_w;
  return j.kh * (j.out_w * j.stride_w + j.kw * (j.out_w / 7 + 1)) + 6 * j.kh * j.kw;
}

// Fills in the sweep (sweep_rows) of an NHWC depthwise layer for vectors
// of `lanes` floats, plans run by `threads` threads and an L1 of
// `l1_bytes`.
void plan_depthwise_sweep(DepthwiseJob* job, size_t lanes, int threads, size_t l1_bytes);

// Fills in the padded plane's size (NCHW) for vectors of `lanes` floats and
// returns the workspace floats a task needs (NHWC: the row of zeros and the
// tap tables, sized for the sweep planned before).
size_t plan_depthwise_workspace(DepthwiseJob* job, bool nchw, size_t lanes);

// Whether a run of `batch` images sweeps (DepthwiseJob::sweep_rows): not
// where it asks ahead for rows (prefetch_batch), which come from DRAM.
bool depthwise_sweeps(const DepthwiseJob& job, int64_t batch);

// The tasks of a run of `batch` images (below).
size_t depthwise_tasks(const DepthwiseJob& job, bool nchw, int64_t batch);

// One task: NCHW, one output plane (task = n * out_channels + o); NHWC, one
// output row (task = n * out_h + oh), or where the run sweeps one band of
// rows (task = n * bands + band). `scratch` holds the floats
// plan_depthwise_workspace asked for.
using DepthwiseFn = void (*)(const DepthwiseJob& job, const RunTensors& tensors, float* scratch, size_t task);

// The loops compiled for a Highway target (depthwise_<target>.cc), or
// nullptr when they are not built for it here.
DepthwiseFn depthwise_loops(HwyTarget target, bool nchw);

// Grouped NHWC layers with few channels per group (ResNeXt: 4 or 8), where
// a GEMM per group would fill a few columns of a wide tile: the same loops
// over a vector of output channels that spans several groups, each lane
// fetching its group's input channel i by a lane permutation of one input
// vector (or, where the vector is one group, a broadcast of channel i).
// For vectors of `lanes` floats they need out_channels a multiple of lanes,
// group_out dividing lanes, and group_in <= group_out.
bool grouped_direct_fits(const ConvShape& shape, size_t lanes);
DepthwiseFn grouped_loops(HwyTarget target);

}  // namespace xconv

#endif  // XCONV_KERNELS_PATHS_DEPTHWISE_DEPTHWISE_H_
