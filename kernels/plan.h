// What a plan holds: the validated shape, the chosen micro-kernel, the GEMM
// orientation and blocking, the packed weights and bias, and the thread pool.
// Everything is decided and packed at creation; running only reads it.
//
// GEMM orientation, for one image and one group:
//   NCHW: C[out channel][pixel] = W[out channel][k] * im2col[k][pixel]
//         weights are A (MR-row panels), the image is B (NR-column panels)
//   NHWC: C[pixel][out channel] = im2col[pixel][k] * W^T[k][out channel]
//         the image is A, weights are B
// k runs over (c, r, s) with s fastest for NCHW, over (r, s, c) with c fastest
// for NHWC, so that packing reads the input along its contiguous axis.
#ifndef XCONV_KERNELS_PLAN_H_
#define XCONV_KERNELS_PLAN_H_

#include <cstddef>
#include <memory>
#include <string>

#include "kernels/aligned_buffer.h"
#include "kernels/depthwise/depthwise.h"
#include "kernels/kernel_table.h"
#include "kernels/pack/image_pack.h"
#include "kernels/shape.h"
#include "kernels/thread_pool.h"
#include "xconv/xconv.h"

struct xconv_plan {
  xconv::ConvShape shape;
  const xconv::KernelInfo* kernel = nullptr;
  const xconv::ImagePackers* packers = nullptr;

  bool weights_are_a = true;  // NCHW
  size_t pixels = 0;          // out_h * out_w: one GEMM dimension
  size_t weight_tile = 0;     // MR when weights are A, NR when they are B
  size_t pixel_tile = 0;      // the other one
  size_t group_out_padded = 0;  // out channels per group, rounded up to weight_tile

  // Cache blocking. K blocks are the same for every task, so results do not
  // depend on the thread count. mc/nc are multiples of MR/NR.
  size_t kc = 0, mc = 0, nc = 0;

  // Work split: tasks = batch * groups * pixel_chunks * weight_chunks.
  size_t pixel_chunk = 0, pixel_chunks = 0;    // chunk sizes in pixels / out channels,
  size_t weight_chunk = 0, weight_chunks = 0;  // multiples of the tile sizes

  // Packed weights: group g, K block starting at pc, tile t (of weight_tile
  // out channels), element (kk, ii) at
  //   g * group_out_padded * gemm_k + pc * group_out_padded + t * weight_tile * kcb
  //   + kk * weight_tile + ii
  xconv::AlignedBuffer packed_weights;
  xconv::AlignedBuffer packed_bias;  // groups * group_out_padded, zero-padded; empty: no bias

  // Depthwise layers (one input channel per group) take the direct path
  // instead of the GEMM when the ISA has one: packed_weights then holds
  // [o][r][s] (NCHW) or [r][s][o] (NHWC) and packed_bias the plain bias.
  xconv::DepthwiseFn depthwise = nullptr;
  xconv::DepthwiseJob depthwise_job{};

  int num_threads = 1;
  bool flush_denormals = false;
  size_t workspace_floats_per_thread = 0;
  std::unique_ptr<xconv::ThreadPool> pool;
  std::string description;
};

namespace xconv {

xconv_status create_plan(const char* who, const xconv_conv2d_desc* desc, const float* weights,
                         const float* bias, const xconv_plan_options& options, int default_threads,
                         std::unique_ptr<xconv_plan>* out);

}  // namespace xconv

#endif  // XCONV_KERNELS_PLAN_H_
