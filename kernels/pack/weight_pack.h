// Packs the caller's weights (any weight layout) and bias once, at plan
// time, into the layouts of packed_weights.h. Plain values in, so packing
// depends on nothing above it.
#ifndef XCONV_KERNELS_PACK_WEIGHT_PACK_H_
#define XCONV_KERNELS_PACK_WEIGHT_PACK_H_

#include "kernels/frame/shape.h"
#include "kernels/pack/packed_weights.h"

namespace xconv {

// The GEMM paths' weights: layout.floats(groups) floats into dst.
void pack_gemm_weights(const ConvShape& shape, const PackedWeightsLayout& layout, const float* weights,
                       float* dst);

// The GEMM paths' bias: groups * layout.group_out_padded floats into dst.
void pack_gemm_bias(const ConvShape& shape, const PackedWeightsLayout& layout, const float* bias, float* dst);

// The direct paths' weights (depthwise, grouped): shape.weight_elems floats
// into dst, NHWC in blocks of `block` output channels (direct_weight_offset).
void pack_direct_weights(const ConvShape& shape, int64_t block, const float* weights, float* dst);

}  // namespace xconv

#endif  // XCONV_KERNELS_PACK_WEIGHT_PACK_H_
