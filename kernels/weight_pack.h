// Packs the caller's weights (any weight layout) and bias once, at plan time,
// into the panel order the driver hands to the micro-kernels (see plan.h).
#ifndef XCONV_KERNELS_WEIGHT_PACK_H_
#define XCONV_KERNELS_WEIGHT_PACK_H_

#include <cstddef>

#include "kernels/plan.h"

namespace xconv {

// Fills plan->packed_weights (already allocated) from `weights`.
void pack_weights(xconv_plan* plan, const float* weights);

// Fills plan->packed_bias (already allocated) from `bias`, zero past each group's end.
void pack_bias(xconv_plan* plan, const float* bias);

// The depthwise path's weights (see plan.h), into plan->packed_weights.
void pack_depthwise_weights(xconv_plan* plan, const float* weights);

}  // namespace xconv

#endif  // XCONV_KERNELS_WEIGHT_PACK_H_
