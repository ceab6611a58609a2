// The packed-GEMM path: the GotoBLAS/BLIS loop nest over one plan,
// tasks -> NC/KC/MC blocks -> NR/MR tiles -> micro-kernel, with im2col fused
// into the image packers (kernels/pack/image_pack.h) and the weights packed
// at plan time (kernels/pack/packed_weights.h). docs/DESIGN.md, "A run",
// follows the data through it.
#ifndef XCONV_KERNELS_PATHS_PACKED_GEMM_H_
#define XCONV_KERNELS_PATHS_PACKED_GEMM_H_

#include <cstddef>

#include "kernels/frame/plan.h"
#include "kernels/frame/run_tensors.h"

namespace xconv {

// Computes one task (gemm_tasks.h): one image, one group, one chunk of pixels and one chunk
// of output channels. `scratch` holds plan.workspace_floats_per_thread floats.
void packed_gemm_task(const xconv_plan& plan, const RunExtent& extent, const RunTensors& tensors, float* scratch,
                      size_t task);

}  // namespace xconv

#endif  // XCONV_KERNELS_PATHS_PACKED_GEMM_H_
