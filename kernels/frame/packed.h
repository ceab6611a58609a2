// A convolution's weights packed once for one path and one micro-kernel
// (and, for the packed GEMM, one K block depth): xconv_packed_weights. A
// plan either owns one (xconv_plan_create) or shares one that the caller
// created (xconv_plan_create_packed), in memory xconv allocated or the
// caller gave. Plans that share it choose only their blocks (mc, nc) and
// their work split; everything here is fixed.
#ifndef XCONV_KERNELS_FRAME_PACKED_H_
#define XCONV_KERNELS_FRAME_PACKED_H_

#include <cstddef>
#include <memory>

#include "kernels/frame/aligned_buffer.h"
#include "kernels/frame/choose.h"
#include "kernels/frame/shape.h"
#include "kernels/pack/packed_weights.h"
#include "xconv/xconv.h"

struct xconv_packed_weights {
  xconv::ConvShape shape;  // the descriptor packed for (its slopes pointer cleared: they are packed)
  xconv::Choice choice;
  bool weights_are_a = true;  // packed GEMM on NCHW: weights are the A operand
  bool prelu = false;         // per-channel slopes were given (wisdom's problem key)
  xconv::PackedWeightsLayout layout;
  // Into `storage` or the caller's memory: the weights, then (64-byte
  // aligned, NULL when absent) the bias and the negative slopes, per output
  // channel for the direct paths, packed like the bias for the GEMM paths.
  const float* weights = nullptr;
  const float* bias = nullptr;
  const float* slopes = nullptr;
  // Every packed weight is finite, so a padding tap's products are all zero
  // and the indirect path may skip it (indirect_gemm.h, skip_padding_rows).
  bool weights_finite = false;
  size_t bytes = 0;
  xconv::AlignedBuffer storage;
};

namespace xconv {

// Bytes the packed weights of a valid shape take with these options.
xconv_status packed_weights_bytes(const char* who, const ConvShape& shape, const xconv_plan_options& options,
                                  size_t* bytes);

// Chooses and packs. memory: NULL (xconv allocates) or `memory_bytes` >=
// packed_weights_bytes(), 64-byte aligned. bias may be NULL.
xconv_status create_packed_weights(const char* who, const ConvShape& shape, const float* weights, const float* bias,
                                   const xconv_plan_options& options, void* memory, size_t memory_bytes,
                                   std::unique_ptr<xconv_packed_weights>* out);

}  // namespace xconv

#endif  // XCONV_KERNELS_FRAME_PACKED_H_
