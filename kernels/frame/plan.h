// What a plan holds: the validated shape, the choice (choose.h), the GEMM
// orientation and blocking, the packed weights and bias, and how many
// threads it uses (the threads themselves are the process's shared pool,
// thread_pool.h, or the caller's parallel-for).
// Everything is decided and packed at creation; running only reads it.
//
// GEMM orientation, for one image and one group:
//   NCHW: C[out channel][pixel] = W[out channel][k] * im2col[k][pixel]
//         weights are A (MR-row panels), the image is B (NR-column panels)
//   NHWC: C[pixel][out channel] = im2col[pixel][k] * W^T[k][out channel]
//         the image is A, weights are B
// The order of k is packed_weights.h's decompose_k.
#ifndef XCONV_KERNELS_FRAME_PLAN_H_
#define XCONV_KERNELS_FRAME_PLAN_H_

#include <cstddef>
#include <memory>
#include <string>

#include "kernels/frame/aligned_buffer.h"
#include "kernels/frame/choose.h"
#include "kernels/frame/packed.h"
#include "kernels/frame/shape.h"
#include "kernels/frame/wisdom.h"
#include "kernels/pack/packed_weights.h"
#include "kernels/paths/depthwise/depthwise.h"
#include "kernels/paths/implicit/implicit_gemm.h"
#include "xconv/xconv.h"

struct xconv_plan {
  // The shape planned for: a batch of 0 is planned as one image and
  // max_batch (the most images a run may have) stays 0.
  xconv::ConvShape shape;
  int64_t max_batch = 0;
  xconv::Choice choice;  // ISA, path, kernel, packers or loops (choose.h)
  xconv::ChoiceSource choice_source = xconv::ChoiceSource::kHeuristic;  // wisdom.h

  bool weights_are_a = true;  // NCHW
  size_t pixels = 0;          // one GEMM dimension: out_h * out_w, times the batch when folded
  size_t gemm_images = 1;     // GEMMs along the batch: the batch, or 1 when it is folded into the pixels
  size_t pixel_tile = 0;      // NR when weights are A, MR when they are B

  // Cache blocking. K blocks are the same for every task, so results do not
  // depend on the thread count. mc/nc are multiples of MR/NR. The indirect
  // path has tiles of MR pixels (mc = MR) and K blocks of whole taps: kc is
  // tap_block taps deep (indirect_gemm.h).
  size_t kc = 0, mc = 0, nc = 0;
  size_t tap_block = 0;

  // Work split: tasks = batch * groups * pixel_chunks * weight_chunks.
  size_t pixel_chunk = 0, pixel_chunks = 0;    // chunk sizes in pixels / out channels,
  size_t weight_chunk = 0, weight_chunks = 0;  // multiples of the tile sizes
  // Neighbouring tasks take the next weight chunk, or with this the next
  // pixel chunk (gemm_tasks.h): where the weights dominate, so that the
  // thread running one chunk of weights over some pixels mostly runs it over
  // the others too and streams it once (plan.cc, split_dominant_weights).
  bool pixel_chunks_inner = false;

  // The packed weights, bias and slopes (packed.h): the plan's own, or
  // shared with other plans through the caller's xconv_packed_weights.
  std::unique_ptr<xconv_packed_weights> own_packed;
  const xconv_packed_weights* packed = nullptr;
  xconv::DepthwiseJob depthwise_job{};
  xconv::ImplicitGemmJob implicit_job{};
  // Indirect GEMM: the zeros that the pointers of padding taps point at, and
  // whether a tile leaves out the kernel rows that are padding for all its
  // pixels (indirect_gemm.h: only where that gives the same bits).
  xconv::AlignedBuffer zero_row;
  bool skip_padding_rows = false;

  // Threads: at most max_threads (the option, or the affinity mask's count),
  // num_threads of them used, fewer when the layer is too small to pay for
  // waking a thread (plan.cc, threads_for_work).
  int max_threads = 1;
  int num_threads = 1;
  bool flush_denormals = false;
  size_t workspace_floats_per_thread = 0;
  std::string description;
};

namespace xconv {

// What one run covers: `batch` images (at most the plan's), and the GEMM
// extents that follow: per-image GEMMs, or one GEMM over the folded batch.
struct RunExtent {
  size_t batch = 0;
  size_t gemm_images = 0;
  size_t pixels = 0;
  size_t pixel_chunks = 0;
};

RunExtent run_extent(const xconv_plan& plan, size_t batch);

// A plan with its own packed weights (bias may be NULL).
xconv_status create_plan(const char* who, const xconv_conv2d_desc* desc, const float* weights,
                         const float* bias, const xconv_plan_options& options, int default_threads,
                         std::unique_ptr<xconv_plan>* out);

// A plan on the caller's packed weights, which must outlive it: the
// descriptor may differ from theirs in everything the packing does not fix
// (batch, image size, stride, padding, dilation, strides, clamp, residual).
xconv_status create_plan_packed(const char* who, const xconv_conv2d_desc* desc, const xconv_packed_weights* packed,
                                const xconv_plan_options& options, int default_threads,
                                std::unique_ptr<xconv_plan>* out);

// The plan's choice as a wisdom entry (measured figures left 0), and its
// problem as default plans with `max_threads` look it up.
WisdomEntry wisdom_entry(const xconv_plan& plan);
std::string wisdom_problem(const xconv_plan& plan, int max_threads);

}  // namespace xconv

#endif  // XCONV_KERNELS_FRAME_PLAN_H_
