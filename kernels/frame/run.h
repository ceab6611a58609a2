// Running a plan: its tasks, shared out among jobs (one per thread, on the
// process's pool, the caller's parallel-for or the calling thread), each
// job with its slice of the workspace, handed to the plan's path.
#ifndef XCONV_KERNELS_FRAME_RUN_H_
#define XCONV_KERNELS_FRAME_RUN_H_

#include <cstddef>

#include "kernels/frame/plan.h"

namespace xconv {

// Tasks of one run of the plan's path over extent.batch images.
size_t task_count(const xconv_plan& plan, const RunExtent& extent);

// Bytes of workspace a run needs: one 64-byte-aligned slice per thread.
size_t workspace_bytes(const xconv_plan& plan);

// Checks the arguments (messages start with `who`) and runs. A NULL
// workspace means the calling thread's own, kept and grown across runs.
// args->size has been checked; args->batch < 0 means the plan's batch.
xconv_status run_plan(const char* who, const xconv_plan* plan, const xconv_run_args& args);

}  // namespace xconv

#endif  // XCONV_KERNELS_FRAME_RUN_H_
