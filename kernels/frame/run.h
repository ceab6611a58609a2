// Running a plan: its tasks, on the plan's pool or the calling thread, each
// with its slice of the workspace, handed to the plan's path.
#ifndef XCONV_KERNELS_FRAME_RUN_H_
#define XCONV_KERNELS_FRAME_RUN_H_

#include <cstddef>

#include "kernels/frame/plan.h"

namespace xconv {

// Tasks of one run of the plan's path.
size_t task_count(const xconv_plan& plan);

// Bytes of workspace a run needs: one 64-byte-aligned slice per thread.
size_t workspace_bytes(const xconv_plan& plan);

// Checks the arguments (messages start with `who`) and runs. A NULL
// workspace means the calling thread's own, kept and grown across runs.
xconv_status run_plan(const char* who, const xconv_plan* plan, const float* input, float* output,
                      void* workspace);

}  // namespace xconv

#endif  // XCONV_KERNELS_FRAME_RUN_H_
