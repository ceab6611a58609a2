// The GotoBLAS/BLIS loop nest over one plan (DESIGN.md section 2):
// tasks -> NC/KC/MC blocks -> NR/MR tiles -> micro-kernel.
#ifndef XCONV_KERNELS_DRIVER_H_
#define XCONV_KERNELS_DRIVER_H_

#include <cstddef>

#include "kernels/plan.h"

namespace xconv {

size_t task_count(const xconv_plan& plan);

// Computes one task: one image, one group, one chunk of pixels and one chunk
// of output channels. `scratch` holds plan.workspace_floats_per_thread floats.
void run_task(const xconv_plan& plan, const float* input, float* output, float* scratch, size_t task);

}  // namespace xconv

#endif  // XCONV_KERNELS_DRIVER_H_
